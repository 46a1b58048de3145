//! The refer-a-friend form: `<div data-partnero-form></div>` or `po('form','render',{target})`.
//! E-mail (and optionally name) in, the customer's referral link out, with a copy button and share
//! links. Built with DOM calls only (no `innerHTML`), native controls inside labels (keyboard use
//! as usual), styled by a low-specificity constructed stylesheet driven by CSS custom properties.

use super::capture::IGNORE_ATTRIBUTE;
use super::js::{call, callback, document, get, global_get, item, length, s, set, text, then};
use super::runtime::{Job, Runtime};
use crate::command::FormOptions;
use crate::endpoint::{REFERRAL_LINKS, join};
use crate::payload::{checked_referral_link, referral_link_request};
use crate::share::share_links;
use crate::signup_fields::looks_like_email;
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

/// Elements rendered without code.
pub const MARKER_SELECTOR: &str = "[data-partnero-form]";
/// Set on a target once its form is rendered.
const RENDERED: &str = "data-partnero-rendered";

/// The stylesheet; colours and sizes are custom properties with defaults.
const CSS: &str = ":where(.partnero-form){display:grid;gap:var(--partnero-gap,.5rem);max-width:var(--partnero-width,28rem);font:var(--partnero-font,inherit)}\
:where(.partnero-form label){display:grid;gap:.25rem}\
:where(.partnero-form input,.partnero-form button){font:inherit;padding:var(--partnero-padding,.5rem .75rem);border-radius:var(--partnero-radius,.375rem);border:var(--partnero-border,1px solid #767676)}\
:where(.partnero-form button){cursor:pointer;background:var(--partnero-accent,#1d4ed8);color:var(--partnero-accent-text,#fff)}\
:where(.partnero-form [hidden]){display:none}\
:where(.partnero-share){display:flex;flex-wrap:wrap;gap:.75rem}";

/// The parts of one rendered form that its handlers update.
struct Parts {
    endpoint: String,
    program: String,
    net: Function,
    email: JsValue,
    name: Option<JsValue>,
    button: JsValue,
    status: JsValue,
    result: JsValue,
}

/// Renders into every element matching `selector`; returns how many forms were rendered.
pub fn render_all(
    selector: &str,
    program: &str,
    base: &str,
    options: &FormOptions,
    net: &Function,
) -> u32 {
    let Ok(list) = call(&document(), "querySelectorAll", &[&s(selector)]) else {
        return 0;
    };
    (0..length(&list))
        .map(|i| render(&item(&list, i), program, base, options, net))
        .sum()
}

/// Renders into `target` (an element) unless already done; returns 1 when a form was rendered.
pub fn render(
    target: &JsValue,
    program: &str,
    base: &str,
    options: &FormOptions,
    net: &Function,
) -> u32 {
    let fresh = call(target, "hasAttribute", &[&s(RENDERED)])
        .ok()
        .and_then(|v| v.as_bool())
        == Some(false);
    u32::from(fresh && build(&document(), target, program, base, options, net).is_some())
}

/// Dispatches [`Job::DomReady`] once the document is parsed.
pub fn when_dom_ready(runtime: &Rc<Runtime>) {
    let doc = document();
    if text(&get(&doc, "readyState")) != "loading" {
        runtime.dispatch(Job::DomReady);
        return;
    }
    let runtime = runtime.clone();
    let listener = callback(Box::new(move |_| runtime.dispatch(Job::DomReady)));
    let _ = call(
        &doc,
        "addEventListener",
        &[&s("DOMContentLoaded"), &listener],
    );
}

fn element(
    doc: &JsValue,
    tag: &str,
    attributes: &[(&str, &str)],
    content: &str,
) -> Option<JsValue> {
    let element = call(doc, "createElement", &[&s(tag)]).ok()?;
    for (name, value) in attributes {
        call(&element, "setAttribute", &[&s(name), &s(value)]).ok()?;
    }
    set(&element, "textContent", &s(content));
    Some(element)
}

fn append(parent: &JsValue, child: &JsValue) -> Option<()> {
    call(parent, "append", &[child]).ok().map(drop)
}

fn say(status: &JsValue, message: &str) {
    set(status, "textContent", &s(message));
}

/// `<label>text <input …></label>` appended to `parent`; returns the input.
fn field(
    doc: &JsValue,
    parent: &JsValue,
    label: &str,
    attributes: &[(&str, &str)],
) -> Option<JsValue> {
    let wrapper = element(doc, "label", &[], label)?;
    let input = element(doc, "input", attributes, "")?;
    append(&wrapper, &input)?;
    append(parent, &wrapper)?;
    Some(input)
}

fn build(
    doc: &JsValue,
    target: &JsValue,
    program: &str,
    base: &str,
    options: &FormOptions,
    net: &Function,
) -> Option<()> {
    add_stylesheet(doc);
    let attribute = |name: &str| get_attribute(target, name);
    let form = element(
        doc,
        "form",
        &[
            ("class", "partnero-form"),
            (IGNORE_ATTRIBUTE, ""),
            ("novalidate", ""),
        ],
        "",
    )?;
    let email = field(
        doc,
        &form,
        "Your e-mail",
        &[
            ("type", "email"),
            ("name", "email"),
            ("autocomplete", "email"),
            ("required", ""),
        ],
    )?;
    let name = match options.ask_name || attribute("data-partnero-name").is_some() {
        true => Some(field(
            doc,
            &form,
            "Your name",
            &[("name", "name"), ("autocomplete", "name")],
        )?),
        false => None,
    };
    let label = options
        .button
        .clone()
        .or_else(|| attribute("data-partnero-button"));
    let button = element(
        doc,
        "button",
        &[("type", "submit")],
        label.as_deref().unwrap_or("Get my referral link"),
    )?;
    let status = element(
        doc,
        "p",
        &[
            ("class", "partnero-status"),
            ("role", "status"),
            ("aria-live", "polite"),
        ],
        "",
    )?;
    let result = element(
        doc,
        "div",
        &[("class", "partnero-result"), ("hidden", "")],
        "",
    )?;
    for part in [&button, &status, &result] {
        append(&form, part)?;
    }
    let parts = Rc::new(Parts {
        endpoint: join(base, REFERRAL_LINKS),
        program: program.into(),
        net: net.clone(),
        email,
        name,
        button,
        status,
        result,
    });
    let on_submit = callback(Box::new(move |event| {
        let _ = call(&event, "preventDefault", &[]);
        submit(&parts);
    }));
    call(&form, "addEventListener", &[&s("submit"), &on_submit]).ok()?;
    call(target, "setAttribute", &[&s(RENDERED), &s("")]).ok()?;
    append(target, &form)
}

fn get_attribute(element: &JsValue, name: &str) -> Option<String> {
    call(element, "getAttribute", &[&s(name)]).ok()?.as_string()
}

fn add_stylesheet(doc: &JsValue) {
    let sheets = get(doc, "adoptedStyleSheets");
    let Ok(constructor) = global_get("CSSStyleSheet").dyn_into::<Function>() else {
        return;
    };
    let Ok(sheet) = js_sys::Reflect::construct(&constructor, &js_sys::Array::new()) else {
        return;
    };
    for i in 0..length(&sheets) {
        if get(&item(&sheets, i), "partnero").is_truthy() {
            return;
        }
    }
    set(&sheet, "partnero", &JsValue::TRUE);
    if call(&sheet, "replaceSync", &[&s(CSS)]).is_ok()
        && let Ok(all) = call(&sheets, "concat", &[&sheet])
    {
        set(doc, "adoptedStyleSheets", &all);
    }
}

fn value_of(input: &JsValue) -> String {
    String::from(text(&get(input, "value")).trim_ascii())
}

fn submit(parts: &Rc<Parts>) {
    let email = value_of(&parts.email);
    if !looks_like_email(&email) {
        say(&parts.status, "Please enter a valid e-mail address.");
        let _ = call(&parts.email, "focus", &[]);
        return;
    }
    let name = parts.name.as_ref().map(value_of).filter(|n| !n.is_empty());
    let body = referral_link_request(&parts.program, &email, name.as_deref());
    say(&parts.status, "Getting your link…");
    set(&parts.button, "disabled", &JsValue::TRUE);
    let (ok, failed_parts) = (parts.clone(), parts.clone());
    then(
        parts
            .net
            .call2(&JsValue::NULL, &s(&parts.endpoint), &s(&body)),
        Box::new(move |answer| {
            let link = get(&get(&answer, "data"), "referral_link").as_string();
            if show_link(&ok, checked_referral_link(link)).is_none() {
                failed(&ok);
            }
        }),
        Box::new(move |_| failed(&failed_parts)),
    );
}

fn failed(parts: &Parts) {
    set(&parts.button, "disabled", &JsValue::FALSE);
    say(
        &parts.status,
        "Sorry, your link could not be created. Please try again.",
    );
}

fn show_link(parts: &Parts, link: Option<String>) -> Option<()> {
    let link = link?;
    let doc = document();
    let result = &parts.result;
    set(&parts.button, "disabled", &JsValue::FALSE);
    set(result, "textContent", &s(""));
    let input = field(
        &doc,
        result,
        "Your referral link",
        &[("type", "url"), ("readonly", ""), ("value", &link)],
    )?;
    let copy = element(&doc, "button", &[("type", "button")], "Copy link")?;
    append(result, &copy)?;
    let share = element(&doc, "p", &[("class", "partnero-share")], "")?;
    for (label, href) in share_links(&link) {
        append(
            &share,
            &element(
                &doc,
                "a",
                &[
                    ("href", &href),
                    ("target", "_blank"),
                    ("rel", "noopener noreferrer"),
                ],
                label,
            )?,
        )?;
    }
    append(result, &share)?;
    let status = parts.status.clone();
    let on_copy = callback(Box::new(move |_| copy_link(&link, &input, &status)));
    call(&copy, "addEventListener", &[&s("click"), &on_copy]).ok()?;
    call(result, "removeAttribute", &[&s("hidden")]).ok()?;
    say(&parts.status, "Share your referral link:");
    Some(())
}

fn copy_link(link: &str, input: &JsValue, status: &JsValue) {
    let clipboard = get(&global_get("navigator"), "clipboard");
    let (copied, manual, input) = (status.clone(), status.clone(), input.clone());
    then(
        call(&clipboard, "writeText", &[&s(link)]),
        Box::new(move |_| say(&copied, "Link copied.")),
        Box::new(move |_| {
            let _ = call(&input, "select", &[]);
            say(&manual, "Press Ctrl+C (⌘C) to copy the selected link.");
        }),
    );
}
