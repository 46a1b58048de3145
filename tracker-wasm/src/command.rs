//! The `po(...)` commands: parsing the arguments of one call into a [`Command`].

use crate::arg::Arg;
use crate::key::is_valid_name;
use crate::words::position;

/// One `po(...)` call, validated. Object arguments (sign-up data, transaction, form options) stay
/// in JavaScript: the tracker reads and checks them there (`web/fields.js`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command<'a> {
    /// `po('settings', name, value)`: `host`, `assets_host`.
    Setting { name: &'a [u8], value: Arg<'a> },
    /// `po('program', id, 'load')`.
    Load { program: &'a [u8] },
    /// `po('program', id, 'type', t)` (name `type`) and `po('program', id, 'settings', name, value)`.
    ProgramSetting {
        program: &'a [u8],
        name: &'a [u8],
        value: Arg<'a>,
    },
    /// `po('customers', 'signup', {data: {key, email, name, tags}})`.
    Signup,
    /// `po('transactions', 'create', {data: {key, amount, customer}, options})`.
    Transaction,
    /// `po('integration', 'universal', …)`: capture sign-up forms on submit.
    Universal,
    /// `po('consent', 'grant' | 'revoke')`.
    Consent(bool),
    /// `po('form', 'render', {target, name, button})`.
    RenderForm,
}

/// Parses the arguments of one call; the error is the warning to print.
pub fn parse<'a>(args: &[Arg<'a>]) -> Result<Command<'a>, &'static str> {
    let word = |i: usize| args.get(i).map_or(&b""[..], Arg::as_bytes);
    let arg = |i: usize| args.get(i).copied().unwrap_or(Arg::Other);
    let (first, second) = (word(0), word(1));
    match position(b"settings program", first) {
        Some(0) if !second.is_empty() => {
            return Ok(Command::Setting {
                name: second,
                value: arg(2),
            });
        }
        Some(1) => {
            if !is_valid_name(second) {
                return Err("program id must be 1-64 characters of A-Z a-z 0-9 _ -");
            }
            let program = second;
            return match position(b"load type settings", word(2)) {
                Some(0) => Ok(Command::Load { program }),
                Some(1) => Ok(Command::ProgramSetting {
                    program,
                    name: b"type",
                    value: arg(3),
                }),
                Some(_) if !word(3).is_empty() => Ok(Command::ProgramSetting {
                    program,
                    name: word(3),
                    value: arg(4),
                }),
                _ => Err("unknown program command"),
            };
        }
        _ => {}
    }
    // The two-word commands, in the order of `SIMPLE`.
    const PAIRS: &[u8] = b"customers signup transactions create integration universal \
consent grant consent revoke form render";
    const SIMPLE: [Command<'static>; 6] = [
        Command::Signup,
        Command::Transaction,
        Command::Universal,
        Command::Consent(true),
        Command::Consent(false),
        Command::RenderForm,
    ];
    let mut words = crate::ascii::split(PAIRS, b' ');
    for command in SIMPLE {
        let (a, b) = (words.next(), words.next());
        if a == Some(first) && b == Some(second) {
            return Ok(command);
        }
    }
    Err("unknown command")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Arg<'_> {
        Arg::text(text)
    }

    #[test]
    fn settings_and_program_commands() {
        assert_eq!(
            parse(&[s("settings"), s("host"), s("https://c.test")]),
            Ok(Command::Setting {
                name: b"host",
                value: s("https://c.test")
            })
        );
        assert_eq!(
            parse(&[s("program"), s("AB12"), s("load")]),
            Ok(Command::Load { program: b"AB12" })
        );
        assert_eq!(
            parse(&[s("program"), s("AB12"), s("type"), s("affiliate")]),
            Ok(Command::ProgramSetting {
                program: b"AB12",
                name: b"type",
                value: s("affiliate")
            })
        );
        assert_eq!(
            parse(&[
                s("program"),
                s("AB12"),
                s("settings"),
                s("cookie_time"),
                Arg::num("30")
            ]),
            Ok(Command::ProgramSetting {
                program: b"AB12",
                name: b"cookie_time",
                value: Arg::num("30")
            })
        );
        assert!(parse(&[s("program"), s("bad id!"), s("load")]).is_err());
        assert!(parse(&[s("program"), s("AB12"), s("explode")]).is_err());
        assert!(parse(&[s("program"), s("AB12"), s("settings")]).is_err());
    }

    #[test]
    fn object_commands() {
        assert_eq!(
            parse(&[s("customers"), s("signup"), Arg::Other]),
            Ok(Command::Signup)
        );
        assert_eq!(
            parse(&[s("transactions"), s("create")]),
            Ok(Command::Transaction)
        );
        assert_eq!(parse(&[s("form"), s("render")]), Ok(Command::RenderForm));
    }

    #[test]
    fn ours_and_unknown() {
        assert_eq!(
            parse(&[s("integration"), s("universal"), Arg::Other]),
            Ok(Command::Universal)
        );
        assert_eq!(
            parse(&[s("consent"), s("grant")]),
            Ok(Command::Consent(true))
        );
        assert_eq!(
            parse(&[s("consent"), s("revoke")]),
            Ok(Command::Consent(false))
        );
        assert!(parse(&[s("consent"), s("maybe")]).is_err());
        assert!(parse(&[s("launch"), s("rockets")]).is_err());
        assert!(parse(&[]).is_err());
        assert!(parse(&[Arg::num("1")]).is_err());
    }
}
