//! The no-code sign-up capture (`po('integration','universal')`): recognising a form's e-mail and
//! name fields from their attributes.

use alloc::string::String;

/// What an `<input>` holds, judged from its attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRole {
    Email,
    Name,
    FirstName,
    LastName,
    /// Passwords, hidden fields and everything else.
    Other,
}

/// Input types that never hold an e-mail address or a name.
const SKIPPED_TYPES: &[&str] = &[
    "password", "hidden", "checkbox", "radio", "submit", "button", "file",
];

/// `autocomplete` tokens (the last one counts) and their roles.
const AUTOCOMPLETE: &[(&str, FieldRole)] = &[
    ("email", FieldRole::Email),
    ("name", FieldRole::Name),
    ("given-name", FieldRole::FirstName),
    ("family-name", FieldRole::LastName),
];

/// Field names and ids (lowercase, letters and digits only) and their roles.
const NAMES: &[(&str, FieldRole)] = &[
    ("mail", FieldRole::Email),
    ("firstname", FieldRole::FirstName),
    ("fname", FieldRole::FirstName),
    ("givenname", FieldRole::FirstName),
    ("userfirstname", FieldRole::FirstName),
    ("lastname", FieldRole::LastName),
    ("lname", FieldRole::LastName),
    ("surname", FieldRole::LastName),
    ("familyname", FieldRole::LastName),
    ("userlastname", FieldRole::LastName),
    ("name", FieldRole::Name),
    ("fullname", FieldRole::Name),
    ("yourname", FieldRole::Name),
    ("customername", FieldRole::Name),
];

/// The role of the entry of `table` equal to `text` (ignoring ASCII case).
fn lookup(table: &[(&str, FieldRole)], text: &str) -> FieldRole {
    for (name, role) in table {
        if text.eq_ignore_ascii_case(name) {
            return *role;
        }
    }
    FieldRole::Other
}

/// Classifies an input from its `type`, `name`, `id` and `autocomplete` attributes.
pub fn classify(input_type: &str, name: &str, id: &str, autocomplete: &str) -> FieldRole {
    if SKIPPED_TYPES
        .iter()
        .any(|t| input_type.eq_ignore_ascii_case(t))
    {
        return FieldRole::Other;
    }
    let token =
        crate::ascii::rsplit_once(autocomplete, b' ').map_or(autocomplete, |(_, last)| last);
    let role = lookup(AUTOCOMPLETE, token);
    if role != FieldRole::Other {
        return role;
    }
    if input_type.eq_ignore_ascii_case("email") {
        return FieldRole::Email;
    }
    for attr in [name, id] {
        let mut words = String::new();
        for b in attr.bytes() {
            if b.is_ascii_alphanumeric() {
                words.push(char::from(b.to_ascii_lowercase()));
            }
        }
        if words.as_bytes().windows(5).any(|w| w == b"email") {
            return FieldRole::Email;
        }
        let role = lookup(NAMES, &words);
        if role != FieldRole::Other {
            return role;
        }
    }
    FieldRole::Other
}

/// A plausible e-mail address: one `@`, something before it, a dot after it, no spaces.
pub fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = crate::ascii::split_once(text, b'@') else {
        return false;
    };
    !local.is_empty()
        && crate::ascii::has(domain, b'.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !crate::ascii::has(domain, b'@')
        && text.len() <= 254
        && !text
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
}

/// The customer's name from a full-name field or first and last name fields.
pub fn full_name(name: &str, first: &str, last: &str) -> Option<String> {
    let name = name.trim_ascii();
    if !name.is_empty() {
        return Some(name.into());
    }
    let mut out = String::from(first.trim_ascii());
    let last = last.trim_ascii();
    if !out.is_empty() && !last.is_empty() {
        out.push(' ');
    }
    out.push_str(last);
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_fields() {
        assert_eq!(classify("email", "", "", ""), FieldRole::Email);
        assert_eq!(classify("text", "user[email]", "", ""), FieldRole::Email);
        assert_eq!(
            classify("text", "", "signup-email-address", ""),
            FieldRole::Email
        );
        assert_eq!(
            classify("text", "x", "", "section-a email"),
            FieldRole::Email
        );
        assert_eq!(classify("text", "full_name", "", ""), FieldRole::Name);
        assert_eq!(classify("text", "", "", "name"), FieldRole::Name);
        assert_eq!(classify("text", "first-name", "", ""), FieldRole::FirstName);
        assert_eq!(classify("text", "", "", "family-name"), FieldRole::LastName);
        assert_eq!(classify("password", "email", "", ""), FieldRole::Other);
        assert_eq!(classify("hidden", "email", "", ""), FieldRole::Other);
        assert_eq!(classify("text", "username", "", ""), FieldRole::Other);
        assert_eq!(classify("text", "company", "", ""), FieldRole::Other);
    }

    #[test]
    fn emails() {
        assert!(looks_like_email("bob@example.com"));
        for bad in [
            "",
            "bob",
            "@example.com",
            "bob@example",
            "bob@.com",
            "bob@x.",
            "b ob@x.com",
            "a@b@c.de",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(
            full_name(" Bob Smith ", "x", "y").as_deref(),
            Some("Bob Smith")
        );
        assert_eq!(full_name("", "Bob", "Smith").as_deref(), Some("Bob Smith"));
        assert_eq!(full_name("", "", "Smith").as_deref(), Some("Smith"));
        assert_eq!(full_name("", " ", ""), None);
    }
}
