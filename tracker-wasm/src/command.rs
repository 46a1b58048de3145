//! The `po(...)` commands: parsing the arguments of one call into a [`Command`], and the checks on
//! the customer and transaction objects some commands carry.

use crate::arg::Arg;
use crate::key::is_valid_name;
use alloc::string::String;
use alloc::vec::Vec;

/// One `po(...)` call, validated. Object arguments (sign-up data, transaction, form options) stay
/// in JavaScript; the web layer reads them into [`Customer`], [`Transaction`] and [`FormOptions`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command<'a> {
    /// `po('settings', name, value)`: `host`, `assets_host`.
    Setting { name: &'a str, value: &'a Arg },
    /// `po('program', id, 'load')`.
    Load { program: &'a str },
    /// `po('program', id, 'type', t)` (name `type`) and `po('program', id, 'settings', name, value)`.
    ProgramSetting {
        program: &'a str,
        name: &'a str,
        value: &'a Arg,
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

/// A customer as the site describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Customer {
    pub key: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub tags: Vec<String>,
}

impl Customer {
    /// A sign-up needs a key or an e-mail address.
    pub fn check(self) -> Result<Customer, &'static str> {
        if self.key.is_none() && self.email.is_none() {
            return Err("customers signup needs data.key or data.email");
        }
        Ok(self)
    }
}

/// A sale reported from the browser.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    pub key: Option<String>,
    /// A finite number or a plain decimal string ([`amount`]); `Arg::Other` when absent.
    pub amount: Arg,
    pub customer: Customer,
    pub create_customer: bool,
}

/// Options of the refer-a-friend form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormOptions {
    /// Ask for the name too.
    pub ask_name: bool,
    /// Text of the submit button.
    pub button: Option<String>,
}

/// Parses the arguments of one call; the error is the warning to print.
pub fn parse(args: &[Arg]) -> Result<Command<'_>, &'static str> {
    let word = |i: usize| args.get(i).map_or("", Arg::as_str);
    let arg = |i: usize| args.get(i).unwrap_or(&Arg::Other);
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

/// A text field: trimmed, 1–256 characters, else `None`.
pub fn clean_text(value: &Arg) -> Option<String> {
    let text = value.as_str().trim_ascii();
    (!text.is_empty() && text.len() <= 256).then(|| text.into())
}

/// A transaction amount: a finite number or a plain decimal string (JavaScript turns it into a
/// number, no float parsing here); `Arg::Other` when absent.
pub fn amount(value: Arg) -> Result<Arg, &'static str> {
    match &value {
        Arg::Num(n) if n.is_finite() => Ok(value),
        Arg::Text(text) if is_plain_decimal(text) => Ok(value),
        Arg::Other => Ok(value),
        _ => Err("transaction amount is not a number"),
    }
}

/// A plain decimal such as `49`, `49.95` or `-5.5` (at most 15 digits, surrounding spaces allowed).
pub fn is_plain_decimal(text: &str) -> bool {
    let text = text.trim_ascii();
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = crate::ascii::split_once(digits, b'.').unwrap_or((digits, ""));
    !whole.is_empty()
        && whole.len() + fraction.len() <= 15
        && whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Arg {
        Arg::text(text)
    }

    #[test]
    fn settings_and_program_commands() {
        assert_eq!(
            parse(&[s("settings"), s("host"), s("https://c.test")]),
            Ok(Command::Setting {
                name: "host",
                value: &s("https://c.test")
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
                value: &s("affiliate")
            })
        );
        assert_eq!(
            parse(&[
                s("program"),
                s("AB12"),
                s("settings"),
                s("cookie_time"),
                Arg::Num(30.0)
            ]),
            Ok(Command::ProgramSetting {
                program: "AB12",
                name: "cookie_time",
                value: &Arg::Num(30.0)
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
        assert!(Customer::default().check().is_err());
        let bob = Customer {
            email: Some("bob@example.com".into()),
            ..Customer::default()
        };
        assert_eq!(bob.clone().check(), Ok(bob));
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
        assert!(parse(&[Arg::Num(1.0)]).is_err());
    }

    #[test]
    fn fields() {
        assert_eq!(clean_text(&s("  Bob ")).as_deref(), Some("Bob"));
        assert_eq!(clean_text(&s("   ")), None);
        assert_eq!(clean_text(&Arg::Num(3.0)), None);
        assert_eq!(clean_text(&s(&"x".repeat(257))), None);
        assert_eq!(amount(Arg::Num(49.5)), Ok(Arg::Num(49.5)));
        assert_eq!(amount(s("49.95")), Ok(s("49.95")));
        assert_eq!(amount(Arg::Other), Ok(Arg::Other));
        assert!(amount(s("lots")).is_err());
        assert!(amount(Arg::Num(f64::INFINITY)).is_err());
        assert!(amount(Arg::Bool(true)).is_err());
    }

    #[test]
    fn decimals() {
        for good in ["49", " 49.95 ", "-5.5", "0.1", "123456789012345"] {
            assert!(is_plain_decimal(good), "{good}");
        }
        for bad in [
            "",
            ".5",
            "4e3",
            "1.2.3",
            "abc",
            "1234567890123456",
            "--1",
            "0x10",
        ] {
            assert!(!is_plain_decimal(bad), "{bad}");
        }
    }
}
