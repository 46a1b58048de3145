//! The `po(...)` commands: parsing the arguments of one call into a [`Command`].

use crate::arg::Arg;
use crate::key::is_valid_name;

/// One `po(...)` call, validated. Object arguments (sign-up data, transaction, form options) stay
/// in JavaScript: the tracker reads and checks them there (`web/fields.js`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command<'a> {
    /// `po('settings', name, value)`: `host`, `assets_host`.
    Setting { name: &'a str, value: Arg<'a> },
    /// `po('program', id, 'load')`.
    Load { program: &'a str },
    /// `po('program', id, 'type', t)` (name `type`) and `po('program', id, 'settings', name, value)`.
    ProgramSetting {
        program: &'a str,
        name: &'a str,
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
    let word = |i: usize| args.get(i).map_or("", Arg::as_str);
    let arg = |i: usize| args.get(i).copied().unwrap_or(Arg::Other);
    match (word(0), word(1)) {
        ("settings", name) if !name.is_empty() => Ok(Command::Setting {
            name,
            value: arg(2),
        }),
        ("program", id) => {
            if !is_valid_name(id) {
                return Err("program id must be 1-64 characters of A-Z a-z 0-9 _ -");
            }
            let program = id;
            match (word(2), word(3)) {
                ("load", _) => Ok(Command::Load { program }),
                ("type", _) => Ok(Command::ProgramSetting {
                    program,
                    name: "type",
                    value: arg(3),
                }),
                ("settings", name) if !name.is_empty() => Ok(Command::ProgramSetting {
                    program,
                    name,
                    value: arg(4),
                }),
                _ => Err("unknown program command"),
            }
        }
        ("customers", "signup") => Ok(Command::Signup),
        ("transactions", "create") => Ok(Command::Transaction),
        ("integration", "universal") => Ok(Command::Universal),
        ("consent", "grant") => Ok(Command::Consent(true)),
        ("consent", "revoke") => Ok(Command::Consent(false)),
        ("form", "render") => Ok(Command::RenderForm),
        _ => Err("unknown command"),
    }
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
                name: "host",
                value: s("https://c.test")
            })
        );
        assert_eq!(
            parse(&[s("program"), s("AB12"), s("load")]),
            Ok(Command::Load { program: "AB12" })
        );
        assert_eq!(
            parse(&[s("program"), s("AB12"), s("type"), s("affiliate")]),
            Ok(Command::ProgramSetting {
                program: "AB12",
                name: "type",
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
                program: "AB12",
                name: "cookie_time",
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
