//! The no-code sign-up capture (`po('integration','universal')`): on a form's submit, its e-mail
//! and name fields are read and reported as a browser sign-up before the page navigates away.

use super::host::{find, has_attribute};
use super::value::{item, length, text};
use crate::command::Customer;
use crate::signup_fields::{FieldRole, classify, full_name, looks_like_email};
use alloc::string::String;
use wasm_bindgen::JsValue;

/// Marks forms the capture never reads (our own refer-a-friend form carries it).
pub const IGNORE_ATTRIBUTE: &str = "data-partnero-ignore";
/// When any form carries it, only such forms are captured.
pub const SIGNUP_ATTRIBUTE: &str = "data-partnero-signup";

/// The customer a submitted sign-up form describes; `None` without a valid e-mail or when ignored.
pub fn read_form(form: &JsValue) -> Option<Customer> {
    if has_attribute(form, IGNORE_ATTRIBUTE) {
        return None;
    }
    let marked = length(&find("form[data-partnero-signup]", &JsValue::UNDEFINED)) > 0;
    if marked && !has_attribute(form, SIGNUP_ATTRIBUTE) {
        return None;
    }
    let inputs = find("input", form);
    let (mut email, mut name, mut first, mut last) =
        (None, String::new(), String::new(), String::new());
    for i in 0..length(&inputs) {
        let input = item(&inputs, i);
        let attr = |n: &str| text(&input, n);
        let value = attr("value");
        let value = value.trim_ascii();
        match classify(
            &attr("type"),
            &attr("name"),
            &attr("id"),
            &attr("autocomplete"),
        ) {
            FieldRole::Email if email.is_none() && looks_like_email(value) => {
                email = Some(String::from(value))
            }
            FieldRole::Name if name.is_empty() => name = value.into(),
            FieldRole::FirstName if first.is_empty() => first = value.into(),
            FieldRole::LastName if last.is_empty() => last = value.into(),
            _ => {}
        }
    }
    Some(Customer {
        email: Some(email?),
        name: full_name(&name, &first, &last),
        ..Customer::default()
    })
}
