//! Request bodies of the public endpoints (see `docs/protocol.md`), as JSON text.

use crate::command::{Customer, Transaction};
use crate::extract::Found;
use crate::json::JsonObject;
use crate::share::is_web_link;
use alloc::string::String;

/// `POST /pub/visits`.
pub fn visit(program: &str, found: &Found, visitor: &str, url: &str, referrer: &str) -> String {
    JsonObject::new()
        .text("program", Some(program))
        .text("key", Some(&found.key))
        .text("visitor", Some(visitor))
        .text("url", Some(url))
        .text("referrer", Some(referrer))
        .text("format", Some(found.format.as_str()))
        .finish()
}

fn customer(c: &Customer) -> JsonObject {
    JsonObject::new()
        .text("key", c.key.as_deref())
        .text("email", c.email.as_deref())
        .text("name", c.name.as_deref())
        .list("tags", &c.tags)
}

fn head(program: &str, visitor: Option<&str>, referral: Option<&str>) -> JsonObject {
    JsonObject::new()
        .text("program", Some(program))
        .text("visitor", visitor)
        .text("referral", referral)
}

/// `POST /pub/signups`; `referral` is the referral cookie (or URL key), left out when absent.
pub fn signup(
    program: &str,
    visitor: Option<&str>,
    referral: Option<&str>,
    c: &Customer,
) -> String {
    head(program, visitor, referral)
        .object("customer", customer(c))
        .finish()
}

/// `POST /pub/transactions`.
pub fn transaction(
    program: &str,
    visitor: Option<&str>,
    referral: Option<&str>,
    t: &Transaction,
) -> String {
    let body = JsonObject::new()
        .text("key", t.key.as_deref())
        .amount("amount", t.amount)
        .object("customer", customer(&t.customer));
    head(program, visitor, referral)
        .object("transaction", body)
        .object(
            "options",
            JsonObject::new().flag("create_customer", t.create_customer),
        )
        .finish()
}

/// `POST /pub/referral-links`.
pub fn referral_link_request(program: &str, email: &str, name: Option<&str>) -> String {
    JsonObject::new()
        .text("program", Some(program))
        .text("email", Some(email))
        .text("name", name)
        .finish()
}

/// The answer's `data.referral_link`, when it is a web link (never `javascript:` & co.).
pub fn checked_referral_link(link: Option<String>) -> Option<String> {
    link.filter(|l| is_web_link(l))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::LinkFormat;
    use alloc::vec;

    #[test]
    fn visit_body() {
        let found = Found {
            key: "alice".into(),
            format: LinkFormat::Query,
        };
        assert_eq!(
            visit("AB12", &found, "u-1", "https://shop.test/?ref=alice", ""),
            r#"{"program":"AB12","key":"alice","visitor":"u-1","url":"https://shop.test/?ref=alice","referrer":"","format":"query"}"#
        );
    }

    #[test]
    fn signup_body_leaves_out_absent_fields() {
        let c = Customer {
            email: Some("bob@example.com".into()),
            tags: vec!["beta".into()],
            ..Customer::default()
        };
        assert_eq!(
            signup("AB12", Some("u-1"), None, &c),
            r#"{"program":"AB12","visitor":"u-1","customer":{"email":"bob@example.com","tags":["beta"]}}"#
        );
    }

    #[test]
    fn transaction_body() {
        let t = Transaction {
            key: Some("o9".into()),
            amount: Some(49.0),
            customer: Customer {
                key: Some("u_42".into()),
                ..Customer::default()
            },
            create_customer: true,
        };
        assert_eq!(
            transaction("AB12", None, Some("alice"), &t),
            r#"{"program":"AB12","referral":"alice","transaction":{"key":"o9","amount":49,"customer":{"key":"u_42"}},"options":{"create_customer":true}}"#
        );
    }

    #[test]
    fn referral_link_bodies() {
        assert_eq!(
            referral_link_request("AB12", "carol@example.com", Some("Carol")),
            r#"{"program":"AB12","email":"carol@example.com","name":"Carol"}"#
        );
        assert_eq!(
            checked_referral_link(Some("https://shop.test/?ref=carol".into())).as_deref(),
            Some("https://shop.test/?ref=carol")
        );
        assert_eq!(
            checked_referral_link(Some("javascript:alert(1)".into())),
            None
        );
        assert_eq!(checked_referral_link(None), None);
    }
}
