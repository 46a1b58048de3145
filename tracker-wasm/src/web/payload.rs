//! Request bodies of the public endpoints (see `docs/protocol.md`), built as JavaScript objects
//! (the host serialises them with `JSON.stringify`). Absent fields are left out.

use super::host::{array, number, object, push, put};
use crate::arg::Arg;
use crate::command::{Customer, Transaction};
use crate::extract::Found;
use alloc::string::String;
use wasm_bindgen::JsValue;

fn text(target: &JsValue, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        put(target, name, JsValue::from_str(value));
    }
}

/// `POST /pub/visits`.
pub fn visit(program: &str, found: &Found, visitor: &str, url: &str, referrer: &str) -> JsValue {
    let body = object();
    text(&body, "program", Some(program));
    text(&body, "key", Some(&found.key));
    text(&body, "visitor", Some(visitor));
    text(&body, "url", Some(url));
    text(&body, "referrer", Some(referrer));
    text(&body, "format", Some(found.format.as_str()));
    body
}

fn customer(c: &Customer) -> JsValue {
    let body = object();
    text(&body, "key", c.key.as_deref());
    text(&body, "email", c.email.as_deref());
    text(&body, "name", c.name.as_deref());
    if !c.tags.is_empty() {
        put(&body, "tags", js_array(&c.tags));
    }
    body
}

/// A JavaScript array of strings.
fn js_array(items: &[String]) -> JsValue {
    let list = array();
    for item in items {
        push(&list, JsValue::from_str(item));
    }
    list
}

/// `{program, visitor?, referral?}`: the start of a sign-up or transaction body.
fn head(program: &str, visitor: Option<&str>, referral: Option<&str>) -> JsValue {
    let body = object();
    text(&body, "program", Some(program));
    text(&body, "visitor", visitor);
    text(&body, "referral", referral);
    body
}

/// `POST /pub/signups`; `referral` is the referral cookie (or URL key).
pub fn signup(
    program: &str,
    visitor: Option<&str>,
    referral: Option<&str>,
    c: &Customer,
) -> JsValue {
    let body = head(program, visitor, referral);
    put(&body, "customer", customer(c));
    body
}

/// `POST /pub/transactions`.
pub fn transaction(
    program: &str,
    visitor: Option<&str>,
    referral: Option<&str>,
    t: &Transaction,
) -> JsValue {
    let sale = object();
    text(&sale, "key", t.key.as_deref());
    match &t.amount {
        Arg::Num(n) => put(&sale, "amount", JsValue::from_f64(*n)),
        Arg::Text(decimal) => put(&sale, "amount", JsValue::from_f64(number(decimal))),
        _ => {}
    }
    put(&sale, "customer", customer(&t.customer));
    let options = object();
    put(
        &options,
        "create_customer",
        JsValue::from_bool(t.create_customer),
    );
    let body = head(program, visitor, referral);
    put(&body, "transaction", sale);
    put(&body, "options", options);
    body
}
