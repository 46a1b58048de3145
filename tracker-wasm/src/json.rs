//! A tiny JSON object writer for request bodies (no serde in the wasm).

use crate::number::{hex_digit, push_amount};
use alloc::string::String;

/// Writes one JSON object; fields are added in order, `None`s are left out.
#[derive(Debug, Default)]
pub struct JsonObject {
    out: String,
}

impl JsonObject {
    /// An empty object.
    pub fn new() -> JsonObject {
        JsonObject {
            out: String::from("{"),
        }
    }

    fn name(&mut self, name: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        push_string(&mut self.out, name);
        self.out.push(':');
    }

    /// `"name":"value"` (when `value` is `Some`).
    pub fn text(mut self, name: &str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            self.name(name);
            push_string(&mut self.out, value);
        }
        self
    }

    /// `"name":123.45` (when `value` is `Some`).
    pub fn amount(mut self, name: &str, value: Option<f64>) -> Self {
        if let Some(value) = value {
            self.name(name);
            push_amount(&mut self.out, value);
        }
        self
    }

    /// `"name":true|false`.
    pub fn flag(mut self, name: &str, value: bool) -> Self {
        self.name(name);
        self.out.push_str(if value { "true" } else { "false" });
        self
    }

    /// `"name":["a","b"]` (when not empty).
    pub fn list(mut self, name: &str, items: &[String]) -> Self {
        if !items.is_empty() {
            self.name(name);
            let mut sep = '[';
            for item in items {
                self.out.push(sep);
                push_string(&mut self.out, item);
                sep = ',';
            }
            self.out.push(']');
        }
        self
    }

    /// `"name":{…}`.
    pub fn object(mut self, name: &str, value: JsonObject) -> Self {
        self.name(name);
        self.out.push_str(&value.finish());
        self
    }

    /// The JSON text.
    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Appends `text` as a JSON string literal.
pub fn push_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let code = c as u32;
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(hex_digit((code >> shift) as u8));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_objects() {
        let inner = JsonObject::new().text("k", Some("v"));
        let json = JsonObject::new()
            .text("a", Some("x\"y\\z\n\u{1}"))
            .text("skipped", None)
            .amount("n", Some(49.5))
            .flag("b", true)
            .list("l", &["p".into(), "q".into()])
            .list("empty", &[])
            .object("o", inner)
            .finish();
        assert_eq!(
            json,
            r#"{"a":"x\"y\\z\n\u0001","n":49.5,"b":true,"l":["p","q"],"o":{"k":"v"}}"#
                .replace("\\n", "\\u000a")
        );
        assert_eq!(JsonObject::new().finish(), "{}");
    }
}
