//! The wasm's whole interface: [`call`]`(op, input)`, text in and text out. The tracker's
//! JavaScript (`web/tracker.js`) keeps the state and does the DOM work; the decisions below are
//! made by the pure core.
//!
//! `input` is the operation's fields separated by [`SEP`] (U+001F); the answer uses the same
//! separator. Values of JavaScript origin are tagged ([`Arg::decode`]); settings travel as records
//! ([`Settings::from_records`]); URLs as their parts (host, path, query without `?`, fragment
//! without `#`), as `location` and `URL` give them. An empty answer means "nothing"; an answer
//! starting with `!` is a warning to print.

use crate::arg::Arg;
use crate::ascii::{push_decimal, split};
use crate::attribution::should_write;
use crate::command;
use crate::cookie::{CookieSpec, VISITOR_COOKIE, max_age, read_cookie};
use crate::domain::cookie_domain_candidates;
use crate::extract::find_key;
use crate::key::is_valid_key;
use crate::settings::{Lifetime, Settings};
use crate::text::Sink;
use crate::url::Url;
use crate::uuid::is_uuid;
use alloc::string::String;

/// Separates the fields of an operation's input and answer.
pub const SEP: u8 = 0x1f;

/// The operations (the same numbers are in `web/tracker.js`).
pub mod op {
    /// Tagged `po(...)` arguments → `h|a URL` (host, assets host), `l ID` (load), `p ID RECORD`
    /// (program setting; the record empty when invalid), `s` (sign-up), `t` (transaction),
    /// `u` (universal capture), `g`/`r` (consent grant/revoke), `f` (form), or `!warning`.
    pub const COMMAND: u32 = 0;
    /// Settings, URL parts → `KEY FORMAT`; empty when there is no valid key, `!` when the page is
    /// not on the program's domains.
    pub const FIND: u32 = 1;
    /// Settings → `COOKIE_NAME MAX_AGE FLAGS PARAMS`; flags: `c` consent required, `g` honour
    /// GPC/DNT, `u` clean URL, `f` lifetime cookie (renewed on every visit); params: the query
    /// parameter names that carry a key, comma-separated (what `clean_url` removes).
    pub const INFO: u32 = 2;
    /// Host → its cookie domain candidates, shortest first.
    pub const CANDIDATES: u32 = 3;
    /// Name, value, domain (empty: host-only), max-age, secure (`1`) → the `document.cookie` string.
    pub const COOKIE: u32 = 4;
    /// `document.cookie`, name → the cookie's value.
    pub const READ: u32 = 5;
    /// Settings, `document.cookie`, key → `1` when the key is to be written (attribution).
    pub const KEEP: u32 = 6;
    /// `document.cookie` → the valid visitor id of the cookie, or empty.
    pub const VISITOR: u32 = 7;
    /// Settings, `document.cookie`, URL parts → `VISITOR REFERRAL` for a sign-up or transaction:
    /// the valid visitor id and the referral key of the cookie, else of the URL (each may be empty).
    pub const IDENTITY: u32 = 8;
    /// Settings, `document.cookie` → the valid referral key in the program's cookie, or empty.
    pub const REFERRAL: u32 = 9;
}

/// Runs operation `op` (see [`op`]) on `input` (tests and native callers).
pub fn call(op: u32, input: &str) -> String {
    crate::text::to_string(|out| answer(op, input.as_bytes(), out))
}

/// Writes the answer of operation `op` (see [`op`]) on `input` to `out`.
pub fn answer(op: u32, input: &[u8], out: &mut impl Sink) {
    let mut f: [&[u8]; 6] = [b""; 6];
    for (slot, field) in f.iter_mut().zip(split(input, SEP)) {
        *slot = field;
    }
    // The first field is the settings records for the operations that take settings.
    let settings = Settings::from_records(f[0]);
    match op {
        op::COMMAND => command(input, out),
        op::FIND => {
            let url = Url {
                host: f[1],
                path: f[2],
                query: f[3],
                fragment: f[4],
            };
            if !settings.allows_host(url.host) {
                out.put(b"!");
            } else if let Some(format) = find_key(&url, &settings, out) {
                out.put(&[SEP]);
                out.put(format.as_bytes());
            }
        }
        op::INFO => {
            out.put(settings.cookie_name());
            out.put(&[SEP]);
            push_decimal(out, max_age(settings.lifetime));
            out.put(&[SEP]);
            for (on, flag) in [
                (settings.consent_required, b"c"),
                (settings.honor_gpc, b"g"),
                (settings.clean_url, b"u"),
                (settings.lifetime == Lifetime::Forever, b"f"),
            ] {
                if on {
                    out.put(flag);
                }
            }
            out.put(&[SEP]);
            out.put(settings.query_param);
            for name in settings.param_aliases.iter() {
                out.put(b",");
                out.put(name);
            }
        }
        op::CANDIDATES => {
            for candidate in cookie_domain_candidates(f[0]) {
                if !out.is_empty() {
                    out.put(&[SEP]);
                }
                out.put(candidate);
            }
        }
        op::COOKIE => CookieSpec {
            name: f[0],
            value: f[1],
            domain: Some(f[2]).filter(|d| !d.is_empty()),
            max_age: number(f[3]),
            secure: f[4] == b"1",
        }
        .write(out),
        op::READ => out.put(read_cookie(f[0], f[1]).unwrap_or_default()),
        op::KEEP => {
            let stored = read_cookie(f[1], settings.cookie_name());
            if should_write(settings.attribution, stored, f[2]) {
                out.put(b"1");
            }
        }
        op::VISITOR => out.put(visitor(f[0]).unwrap_or_default()),
        op::IDENTITY => {
            out.put(visitor(f[1]).unwrap_or_default());
            out.put(&[SEP]);
            match referral(&settings, f[1]) {
                Some(key) => out.put(key),
                None => {
                    let url = Url {
                        host: f[2],
                        path: f[3],
                        query: f[4],
                        fragment: f[5],
                    };
                    find_key(&url, &settings, out);
                }
            }
        }
        op::REFERRAL => out.put(referral(&settings, f[1]).unwrap_or_default()),
        _ => {}
    }
}

/// `po(...)` arguments ([`op::COMMAND`]).
fn command(input: &[u8], out: &mut impl Sink) {
    let mut tagged = split(input, SEP);
    let mut words = [Arg::Other; 5];
    for word in &mut words {
        *word = Arg::decode(tagged.next().unwrap_or(b"o"));
    }
    command::answer(&words, out)
}

/// The valid visitor id in the cookie header.
fn visitor(header: &[u8]) -> Option<&[u8]> {
    read_cookie(header, VISITOR_COOKIE.as_bytes()).filter(|v| is_uuid(v))
}

/// The valid referral key in the program's cookie.
fn referral<'a>(settings: &Settings<'_>, header: &'a [u8]) -> Option<&'a [u8]> {
    read_cookie(header, settings.cookie_name()).filter(|k| is_valid_key(k))
}

/// A decimal number (0 when it is not one).
fn number(text: &[u8]) -> u32 {
    let mut n = 0u32;
    for &b in text {
        if !b.is_ascii_digit() {
            return 0;
        }
        n = n.wrapping_mul(10).wrapping_add(u32::from(b - b'0'));
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `call` with the fields joined by [`SEP`].
    fn run(op: u32, fields: &[&str]) -> String {
        let mut input = String::new();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                input.push(char::from(SEP));
            }
            input.push_str(f);
        }
        call(op, &input)
    }

    const LAST_CLICK: &str = "attribution\u{1e}slast\u{1e}";

    #[test]
    fn commands() {
        let c = |args: &[&str]| run(op::COMMAND, args);
        assert_eq!(
            c(&["ssettings", "shost", "shttps://c.test"]),
            "h\u{1f}https://c.test"
        );
        assert_eq!(
            c(&["ssettings", "sassets_host", "shttps://a.test"]),
            "a\u{1f}https://a.test"
        );
        assert_eq!(c(&["ssettings", "shost", "n1"]), "!unknown setting");
        assert_eq!(c(&["sprogram", "sAB12", "sload"]), "l\u{1f}AB12");
        assert_eq!(
            c(&["sprogram", "sAB12", "stype", "saffiliate"]),
            "p\u{1f}AB12\u{1f}type\u{1e}saffiliate\u{1e}"
        );
        assert_eq!(
            c(&["sprogram", "sAB12", "ssettings", "scookie_time", "n45"]),
            "p\u{1f}AB12\u{1f}cookie_time\u{1e}n45\u{1e}"
        );
        assert_eq!(
            c(&["sprogram", "sAB12", "ssettings", "scookie_time", "sx"]),
            "p\u{1f}AB12\u{1f}"
        );
        for (args, code) in [
            (["scustomers", "ssignup"], "s"),
            (["stransactions", "screate"], "t"),
            (["sintegration", "suniversal"], "u"),
            (["sconsent", "sgrant"], "g"),
            (["sconsent", "srevoke"], "r"),
            (["sform", "srender"], "f"),
        ] {
            assert_eq!(c(&args), code);
        }
        assert_eq!(c(&["sprogram", "sbad id!", "sload"]).as_bytes()[0], b'!');
        assert_eq!(c(&["slaunch", "srockets"]), "!unknown command");
        assert_eq!(c(&[]), "!unknown command");
    }

    #[test]
    fn finds_keys_in_url_parts() {
        let domains = "domains\u{1e}lshop.test\u{1e}sites\u{1e}lshop.test\u{1e}subdomain_links\u{1e}btrue\u{1e}";
        let find =
            |host, path, query, fragment| run(op::FIND, &[domains, host, path, query, fragment]);
        assert_eq!(find("shop.test", "/", "ref=alice", ""), "alice\u{1f}query");
        assert_eq!(find("shop.test", "/aff/bob", "", ""), "bob\u{1f}link");
        assert_eq!(find("shop.test", "/", "", "via=carol"), "carol\u{1f}hash");
        assert_eq!(find("dave.shop.test", "/", "", ""), "dave\u{1f}subdomain");
        assert_eq!(find("shop.test", "/", "ref=%3Cscript%3E", ""), "");
        assert_eq!(find("evil.test", "/", "ref=alice", ""), "!");
        assert_eq!(
            run(op::FIND, &["", "any.test", "/", "ref=a", ""]),
            "a\u{1f}query"
        );
    }

    #[test]
    fn info_cookies_and_candidates() {
        assert_eq!(
            run(op::INFO, &[""]),
            "partnero_referral\u{1f}2592000\u{1f}\u{1f}ref,ref,aff,via"
        );
        assert_eq!(
            run(
                op::INFO,
                &[
                    "type\u{1e}saffiliate\u{1e}cookie_time\u{1e}slifetime\u{1e}consent_required\u{1e}btrue\u{1e}honor_gpc\u{1e}n1\u{1e}clean_url\u{1e}son\u{1e}"
                ]
            ),
            "partnero_partner\u{1f}34560000\u{1f}cguf\u{1f}ref,ref,aff,via"
        );
        assert_eq!(
            run(op::CANDIDATES, &["a.b.shop.co.uk"]),
            "co.uk\u{1f}shop.co.uk\u{1f}b.shop.co.uk\u{1f}a.b.shop.co.uk"
        );
        assert_eq!(run(op::CANDIDATES, &["localhost"]), "");
        assert_eq!(
            run(
                op::COOKIE,
                &["partnero_referral", "alice", "shop.test", "2592000", "1"]
            ),
            "partnero_referral=alice; Domain=shop.test; Path=/; Max-Age=2592000; SameSite=Lax; Secure"
        );
        assert_eq!(
            run(op::COOKIE, &["partnero_probe", "1", "", "x", ""]),
            "partnero_probe=1; Path=/; Max-Age=0; SameSite=Lax"
        );
        let header = "a=1; partnero_referral=alice; partnero_session_uuid=123e4567-e89b-42d3-a456-426614174000";
        assert_eq!(run(op::READ, &[header, "a"]), "1");
        assert_eq!(run(op::READ, &[header, "b"]), "");
        assert_eq!(run(op::REFERRAL, &["", header]), "alice");
        assert_eq!(run(op::REFERRAL, &["", "partnero_referral=a b"]), "");
    }

    #[test]
    fn attribution_and_visitor() {
        let header = "partnero_referral=alice";
        assert_eq!(run(op::KEEP, &["", header, "bob"]), "");
        assert_eq!(run(op::KEEP, &["", header, "alice"]), "1");
        assert_eq!(run(op::KEEP, &["", "", "bob"]), "1");
        assert_eq!(run(op::KEEP, &[LAST_CLICK, header, "bob"]), "1");
        let kept = "partnero_session_uuid=123e4567-e89b-42d3-a456-426614174000";
        assert_eq!(
            run(op::VISITOR, &[kept]),
            "123e4567-e89b-42d3-a456-426614174000"
        );
        assert_eq!(run(op::VISITOR, &["partnero_session_uuid=bad"]), "");
    }

    #[test]
    fn identity() {
        let visitor = "123e4567-e89b-42d3-a456-426614174000";
        let header = alloc::format!("partnero_session_uuid={visitor}; partnero_referral=alice");
        let parts = ["shop.test", "/", "ref=bob", ""];
        let identity = |header: &str| {
            let mut fields = alloc::vec!["", header];
            fields.extend(parts);
            run(op::IDENTITY, &fields)
        };
        assert_eq!(identity(&header), alloc::format!("{visitor}\u{1f}alice"));
        assert_eq!(identity(""), "\u{1f}bob");
        assert_eq!(run(99, &["x"]), "");
    }
}
