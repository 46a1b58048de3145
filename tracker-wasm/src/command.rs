//! The `po(...)` commands: one call's arguments, validated and answered in the form the tracker's
//! JavaScript acts on (see [`crate::api::op::COMMAND`]). Object arguments (sign-up data,
//! transaction, form options) stay in JavaScript: the tracker reads and checks them there
//! (`web/fields.js`).

use crate::api::SEP;
use crate::arg::Arg;
use crate::key::is_valid_name;
use crate::settings::{RECORD_SEP, Settings};
use crate::text::Sink;
use crate::words::position;

/// The two-word commands, as pairs of words: `po('customers', 'signup', {data})`,
/// `po('transactions', 'create', {data, options})`, `po('integration', 'universal')` (capture
/// sign-up forms on submit), `po('consent', 'grant' | 'revoke')`, `po('form', 'render', {target})`.
const PAIRS: &[u8] = b"customers signup transactions create integration universal \
consent grant consent revoke form render";
/// The answer to each pair of [`PAIRS`], in order.
const PAIR_CODES: &[u8] = b"stugrf";

/// Writes the answer to one call's arguments: `h URL` / `a URL` (`po('settings', 'host' |
/// 'assets_host', URL)`), `l ID` (`po('program', ID, 'load')`), `p ID RECORD` (`po('program', ID,
/// 'type', T)` and `po('program', ID, 'settings', NAME, VALUE)`; the record is empty when the
/// setting is invalid), one of [`PAIR_CODES`], or `!` and the warning to print.
pub fn answer(args: &[Arg<'_>; 5], out: &mut impl Sink) {
    let [first, second, third, fourth, _] = args.map(|a| a.as_bytes());
    let warning: &[u8] = match position(b"settings program", first) {
        Some(0) if !second.is_empty() => match (position(b"host assets_host", second), args[2]) {
            (Some(i), Arg::Text(url)) => {
                out.put(if i == 0 { b"h" } else { b"a" });
                out.put(&[SEP]);
                return out.put(url);
            }
            _ => b"unknown setting",
        },
        Some(1) if !is_valid_name(second) => {
            b"program id must be 1-64 characters of A-Z a-z 0-9 _ -"
        }
        Some(1) => match position(b"load type settings", third) {
            Some(0) => {
                out.put(b"l");
                out.put(&[SEP]);
                return out.put(second);
            }
            Some(1) => return program_setting(second, b"type", &args[3], out),
            Some(_) if !fourth.is_empty() => return program_setting(second, fourth, &args[4], out),
            _ => b"unknown program command",
        },
        _ => {
            let mut words = crate::ascii::split(PAIRS, b' ');
            let mut codes = PAIR_CODES.iter();
            while let (Some(a), Some(b), Some(code)) = (words.next(), words.next(), codes.next()) {
                if a == first && b == second {
                    return out.put(&[*code]);
                }
            }
            b"unknown command"
        }
    };
    out.put(b"!");
    out.put(warning);
}

/// `p ID RECORD`: the setting as a settings record when it is valid.
fn program_setting(program: &[u8], name: &[u8], value: &Arg<'_>, out: &mut impl Sink) {
    out.put(b"p");
    out.put(&[SEP]);
    out.put(program);
    out.put(&[SEP]);
    if Settings::default().apply(name, value) {
        out.put(name);
        out.put(&[RECORD_SEP]);
        value.write(out);
        out.put(&[RECORD_SEP]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn s(text: &str) -> Arg<'_> {
        Arg::text(text)
    }

    fn run(args: &[Arg<'_>]) -> String {
        let mut all = [Arg::Other; 5];
        all[..args.len()].copy_from_slice(args);
        crate::text::to_string(|out| answer(&all, out))
    }

    #[test]
    fn settings_and_program_commands() {
        assert_eq!(
            run(&[s("settings"), s("host"), s("https://c.test")]),
            "h\u{1f}https://c.test"
        );
        assert_eq!(
            run(&[s("settings"), s("assets_host"), s("https://a.test")]),
            "a\u{1f}https://a.test"
        );
        assert_eq!(
            run(&[s("settings"), s("host"), Arg::num("1")]),
            "!unknown setting"
        );
        assert_eq!(
            run(&[s("settings"), s("colour"), s("red")]),
            "!unknown setting"
        );
        assert_eq!(run(&[s("settings")]), "!unknown command");
        assert_eq!(run(&[s("program"), s("AB12"), s("load")]), "l\u{1f}AB12");
        assert_eq!(
            run(&[s("program"), s("AB12"), s("type"), s("affiliate")]),
            "p\u{1f}AB12\u{1f}type\u{1e}saffiliate\u{1e}"
        );
        assert_eq!(
            run(&[
                s("program"),
                s("AB12"),
                s("settings"),
                s("cookie_time"),
                Arg::num("30")
            ]),
            "p\u{1f}AB12\u{1f}cookie_time\u{1e}n30\u{1e}"
        );
        assert_eq!(
            run(&[
                s("program"),
                s("AB12"),
                s("settings"),
                s("cookie_time"),
                s("soon")
            ]),
            "p\u{1f}AB12\u{1f}",
            "an invalid setting has an empty record"
        );
        assert_eq!(
            run(&[
                s("program"),
                s("AB12"),
                s("settings"),
                s("clean_url"),
                Arg::Other
            ]),
            "p\u{1f}AB12\u{1f}",
            "null is no boolean"
        );
        assert!(run(&[s("program"), s("bad id!"), s("load")]).starts_with("!program id"));
        assert_eq!(
            run(&[s("program"), s("AB12"), s("explode")]),
            "!unknown program command"
        );
        assert_eq!(
            run(&[s("program"), s("AB12"), s("settings")]),
            "!unknown program command"
        );
    }

    #[test]
    fn two_word_commands() {
        for (args, code) in [
            (["customers", "signup"], "s"),
            (["transactions", "create"], "t"),
            (["integration", "universal"], "u"),
            (["consent", "grant"], "g"),
            (["consent", "revoke"], "r"),
            (["form", "render"], "f"),
        ] {
            assert_eq!(run(&[s(args[0]), s(args[1]), Arg::Other]), code);
        }
        assert_eq!(run(&[s("consent"), s("maybe")]), "!unknown command");
        assert_eq!(run(&[s("customers"), s("create")]), "!unknown command");
        assert_eq!(run(&[s("signup"), s("transactions")]), "!unknown command");
        assert_eq!(run(&[s("launch"), s("rockets")]), "!unknown command");
        assert_eq!(run(&[]), "!unknown command");
        assert_eq!(run(&[Arg::num("1")]), "!unknown command");
    }
}
