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

/// Classifies an input from its `type`, `name`, `id` and `autocomplete` attributes.
pub fn classify(input_type: &str, name: &str, id: &str, autocomplete: &str) -> FieldRole {
    let input_type = input_type.to_ascii_lowercase();
    if matches!(
        input_type.as_str(),
        "password" | "hidden" | "checkbox" | "radio" | "submit" | "button" | "file"
    ) {
        return FieldRole::Other;
    }
    let autocomplete = autocomplete.to_ascii_lowercase();
    match crate::ascii::rsplit_once(&autocomplete, b' ')
        .map_or(autocomplete.as_str(), |(_, last)| last)
    {
        "email" => return FieldRole::Email,
        "name" => return FieldRole::Name,
        "given-name" => return FieldRole::FirstName,
        "family-name" => return FieldRole::LastName,
        _ => {}
    }
    if input_type == "email" {
        return FieldRole::Email;
    }
    for attr in [name, id] {
        let attr = attr.to_ascii_lowercase();
        let words: String = attr.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if words.as_bytes().windows(5).any(|w| w == b"email") || words == "mail" {
            return FieldRole::Email;
        }
        match words.as_str() {
            "firstname" | "fname" | "givenname" | "userfirstname" => return FieldRole::FirstName,
            "lastname" | "lname" | "surname" | "familyname" | "userlastname" => {
                return FieldRole::LastName;
            }
            "name" | "fullname" | "yourname" | "customername" => return FieldRole::Name,
            _ => {}
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
