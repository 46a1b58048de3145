//! Reading JavaScript values (call arguments, settings, sign-up and transaction objects) into the
//! core's types.

use super::host::{get, is_list};
use crate::arg::Arg;
use crate::ascii::push_decimal;
use crate::command::{self, Customer, Transaction, clean_text};
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::JsValue;

/// `list[index]`.
pub fn item(list: &JsValue, index: u32) -> JsValue {
    let mut name = String::new();
    push_decimal(&mut name, index);
    get(list, &name)
}

/// `value.length` (0 when absent).
pub fn length(value: &JsValue) -> u32 {
    get(value, "length").as_f64().map_or(0, |n| n as u32)
}

/// `target[name]` as a string, or empty.
pub fn text(target: &JsValue, name: &str) -> String {
    get(target, name).as_string().unwrap_or_default()
}

/// Reads a JavaScript value as an [`Arg`] (lists: their first 64 string items).
pub fn arg(value: &JsValue) -> Arg {
    if let Some(text) = value.as_string() {
        Arg::Text(text)
    } else if let Some(n) = value.as_f64() {
        Arg::Num(n)
    } else if let Some(b) = value.as_bool() {
        Arg::Bool(b)
    } else if is_list(value) {
        let mut items = Vec::new();
        for i in 0..length(value).min(64) {
            if let Some(text) = item(value, i).as_string() {
                items.push(text);
            }
        }
        Arg::List(items)
    } else {
        Arg::Other
    }
}

/// `target[name]` as an [`Arg`].
pub fn field(target: &JsValue, name: &str) -> Arg {
    arg(&get(target, name))
}

/// `{data: {...}}` or the object itself.
pub fn data(object: &JsValue) -> JsValue {
    let inner = get(object, "data");
    if inner.is_object() {
        inner
    } else {
        object.clone()
    }
}

/// A customer object `{key, email, name, tags}` (fields cleaned, not yet checked).
pub fn customer(object: &JsValue) -> Customer {
    let text = |name: &str| clean_text(&field(object, name));
    Customer {
        key: text("key"),
        email: text("email"),
        name: text("name"),
        tags: match field(object, "tags") {
            Arg::List(tags) => tags,
            _ => Vec::new(),
        },
    }
}

/// `{data: {key, amount, customer}, options: {create_customer}}`.
pub fn transaction(object: &JsValue) -> Result<Transaction, &'static str> {
    let body = data(object);
    Ok(Transaction {
        key: clean_text(&field(&body, "key")),
        amount: command::amount(field(&body, "amount"))?,
        customer: customer(&get(&body, "customer")),
        create_customer: field(&get(object, "options"), "create_customer").truthy() == Some(true),
    })
}
