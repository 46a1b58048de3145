//! One argument of a `po(...)` call or one entry of the collector's settings document, as read
//! from JavaScript: strings, numbers, booleans and lists of strings (objects stay in JavaScript).

use alloc::string::String;
use alloc::vec::Vec;

/// A JavaScript value the core understands.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `undefined`, `null`, objects, functions.
    Other,
    Bool(bool),
    Num(f64),
    Text(String),
    /// An array; its non-string items are dropped.
    List(Vec<String>),
}

impl Arg {
    /// A string argument.
    pub fn text(text: &str) -> Arg {
        Arg::Text(text.into())
    }

    /// The text of a string argument.
    pub fn as_str(&self) -> &str {
        match self {
            Arg::Text(s) => s,
            _ => "",
        }
    }

    /// A boolean reading: `true`, non-zero numbers, `"true"`, `"1"`, `"yes"` and `"on"` are true.
    pub fn truthy(&self) -> Option<bool> {
        match self {
            Arg::Bool(b) => Some(*b),
            Arg::Num(n) => Some(*n != 0.0),
            Arg::Text(s) => {
                const WORDS: [&str; 9] = ["true", "1", "yes", "on", "false", "0", "no", "off", ""];
                let i = WORDS.iter().position(|w| w == s)?;
                Some(i < 4)
            }
            Arg::Other => Some(false),
            Arg::List(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truthiness() {
        assert_eq!(Arg::text("on").truthy(), Some(true));
        assert_eq!(Arg::Num(0.0).truthy(), Some(false));
        assert_eq!(Arg::text("maybe").truthy(), None);
        assert_eq!(Arg::Other.truthy(), Some(false));
        assert_eq!(Arg::List(Vec::new()).truthy(), None);
        assert_eq!(Arg::Num(1.0).as_str(), "");
    }
}
