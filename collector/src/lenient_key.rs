//! Keys and ids that clients send as JSON integers (`"key": 42`, a database id): read as their
//! decimal text, so `42` and `"42"` name the same customer. Use with
//! `#[serde(deserialize_with = "lenient_key::required")]`, or
//! `#[serde(default, deserialize_with = "lenient_key::optional")]` on `Option<String>`.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, Visitor};

struct KeyText;

impl<'de> Visitor<'de> for KeyText {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or an integer")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Some(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Some(text))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
        Ok(Some(number.to_string()))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
        Ok(Some(number.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
        inner.deserialize_any(KeyText)
    }
}

/// The text of a key in a JSON value: a string as is, an integer as its decimal text; `None` for
/// anything else (for code that reads keys from a `Value` rather than through serde).
pub fn text_of(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) if number.is_i64() || number.is_u64() => {
            Some(number.to_string())
        }
        _ => None,
    }
}

/// A key that may be given as text or as an integer; `null` is absent.
pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    deserializer.deserialize_any(KeyText)
}

/// A required key that may be given as text or as an integer.
pub fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer
        .deserialize_any(KeyText)?
        .ok_or_else(|| de::Error::invalid_type(de::Unexpected::Unit, &KeyText))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        #[serde(deserialize_with = "super::required")]
        key: String,
        #[serde(default, deserialize_with = "super::optional")]
        id: Option<String>,
    }

    #[test]
    fn integers_read_as_their_text() {
        let item: Item = serde_json::from_value(json!({"key": 42, "id": -7})).unwrap();
        assert_eq!((item.key.as_str(), item.id.as_deref()), ("42", Some("-7")));
        let item: Item = serde_json::from_value(json!({"key": "k", "id": null})).unwrap();
        assert_eq!((item.key.as_str(), item.id), ("k", None));
        let item: Item = serde_json::from_value(json!({"key": "k"})).unwrap();
        assert_eq!(item.id, None);
        for bad in [
            json!({"key": 1.5}),
            json!({"key": true}),
            json!({"key": null}),
            json!({"key": []}),
        ] {
            let error = serde_json::from_value::<Item>(bad.clone())
                .unwrap_err()
                .to_string();
            assert!(error.contains("a string or an integer"), "{bad}: {error}");
        }
    }
}
