//! The collector's base URL and its public endpoints (see `docs/protocol.md`).

use crate::ascii::trim_end;
use crate::url::Url;
use alloc::string::String;

/// `POST` visit beacon.
pub const VISITS: &str = "/pub/visits";
/// `POST` browser sign-up.
pub const SIGNUPS: &str = "/pub/signups";
/// `POST` browser transaction.
pub const TRANSACTIONS: &str = "/pub/transactions";
/// `POST` refer-a-friend form: e-mail in, referral link out.
pub const REFERRAL_LINKS: &str = "/pub/referral-links";

/// The collector's base URL, in order: `po('settings','host',…)`, `po('settings','assets_host',…)`,
/// the origin of the loader's own `<script src>`. Only http(s) URLs; no trailing `/`.
pub fn collector_base(
    host: Option<&str>,
    assets_host: Option<&str>,
    script_src: &str,
) -> Option<String> {
    let configured = [host, assets_host]
        .into_iter()
        .flatten()
        .find_map(|candidate| {
            let url = Url::parse(candidate).filter(|u| is_http(u.scheme) && !u.host.is_empty())?;
            let end = candidate.len() - url.query.len() - url.fragment.len();
            let head = candidate.get(..end)?;
            Some(trim_end(trim_end(trim_end(head, b'#'), b'?'), b'/'))
        });
    let base = configured.or_else(|| {
        Url::parse(script_src)
            .filter(|u| is_http(u.scheme))
            .map(|u| u.origin)
    })?;
    Some(base.into())
}

fn is_http(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http")
}

/// `GET {base}/pub/programs/{program}` (the id is already validated: no escaping needed).
pub fn settings_url(base: &str, program: &str) -> String {
    let mut url = String::from(base);
    url.push_str("/pub/programs/");
    url.push_str(program);
    url
}

/// `{base}{path}`.
pub fn join(base: &str, path: &str) -> String {
    let mut url = String::from(base);
    url.push_str(path);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_precedence() {
        let src = "https://cdn.test/js/universal.js?v1234";
        assert_eq!(
            collector_base(Some("https://c.test/"), Some("https://a.test"), src).as_deref(),
            Some("https://c.test")
        );
        assert_eq!(
            collector_base(None, Some("https://a.test/x/"), src).as_deref(),
            Some("https://a.test/x")
        );
        assert_eq!(
            collector_base(None, None, src).as_deref(),
            Some("https://cdn.test")
        );
        assert_eq!(
            collector_base(Some("javascript:alert(1)"), None, src).as_deref(),
            Some("https://cdn.test")
        );
        assert_eq!(
            collector_base(Some("http://127.0.0.1:8080?x"), None, src).as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(collector_base(None, None, ""), None);
    }

    #[test]
    fn urls() {
        assert_eq!(
            settings_url("https://c.test", "AB12"),
            "https://c.test/pub/programs/AB12"
        );
        assert_eq!(join("https://c.test", VISITS), "https://c.test/pub/visits");
    }
}
