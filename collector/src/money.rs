//! Exact amounts: integers in hundredths of a unit (cents), parsed from JSON numbers or
//! decimal strings without going through floating-point arithmetic.

use serde_json::Value;

/// Largest accepted amount, in hundredths (one trillion units).
pub const MAX_MINOR: i64 = 100_000_000_000_000;

/// Parses a non-negative amount with at most two decimals into hundredths.
pub fn parse_amount(value: &Value) -> Result<i64, String> {
    let text = match value {
        // serde_json prints an f64 with the shortest representation that round-trips, so
        // `49.99` prints as "49.99" and is parsed exactly below.
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.trim().to_owned(),
        Value::Null => return Err("The amount is required.".to_owned()),
        _ => return Err("The amount must be a number.".to_owned()),
    };
    parse_decimal(&text)
}

/// Parses a decimal string (`"12"`, `"12.5"`, `"0.99"`, `"1e2"`) into hundredths.
pub fn parse_decimal(text: &str) -> Result<i64, String> {
    if text.starts_with('-') {
        return Err("The amount must not be negative.".to_owned());
    }
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => {
            let exponent: i64 = text[at + 1..]
                .parse()
                .map_err(|_| "The amount must be a number.".to_owned())?;
            (&text[..at], exponent)
        }
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err("The amount must be a number.".to_owned());
    }
    // digits * 10^(exponent - fraction.len()) expressed in hundredths; saturating, so that the
    // largest and smallest exponents are "too large" or "too many decimals", never an overflow.
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    let scale = exponent
        .saturating_sub(fraction.len() as i64)
        .saturating_add(2);
    let (digits, scale) = if scale < 0 {
        let cut = usize::try_from(-scale).unwrap_or(usize::MAX);
        if digits.len() > cut && digits[digits.len() - cut..].bytes().any(|b| b != b'0')
            || digits.len() <= cut && digits.bytes().any(|b| b != b'0')
        {
            return Err("The amount must have at most two decimal places.".to_owned());
        }
        (&digits[..digits.len().saturating_sub(cut)], 0)
    } else {
        (digits, scale)
    };
    if digits.is_empty() {
        return Ok(0);
    }
    if (digits.len() as i64).saturating_add(scale) > 16 {
        return Err("The amount is too large.".to_owned());
    }
    let mut minor: i64 = digits
        .parse()
        .map_err(|_| "The amount is too large.".to_owned())?;
    for _ in 0..scale {
        minor = minor.checked_mul(10).ok_or("The amount is too large.")?;
    }
    if minor > MAX_MINOR {
        return Err("The amount is too large.".to_owned());
    }
    Ok(minor)
}

/// Renders hundredths as a JSON number (`4999` → `49.99`, `500` → `5`).
pub fn to_json(minor: i64) -> Value {
    if minor % 100 == 0 {
        Value::from(minor / 100)
    } else {
        // Exact for every value below 2^53 hundredths; the shortest round-trip print of
        // this f64 is the decimal we mean.
        Value::from(minor as f64 / 100.0)
    }
}

/// Renders hundredths as a decimal string (`4999` → `"49.99"`).
pub fn to_decimal_string(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_exact_amounts() {
        assert_eq!(parse_amount(&json!(100)), Ok(10_000));
        assert_eq!(parse_amount(&json!(49.99)), Ok(4_999));
        assert_eq!(parse_amount(&json!(0.1)), Ok(10));
        assert_eq!(parse_amount(&json!(0.07)), Ok(7));
        assert_eq!(parse_amount(&json!("12.50")), Ok(1_250));
        assert_eq!(parse_amount(&json!(1e2)), Ok(10_000));
        assert_eq!(parse_decimal("1.5e1"), Ok(1_500));
        assert_eq!(parse_decimal("0"), Ok(0));
        assert_eq!(parse_decimal("1.230"), Ok(123));
    }

    /// Exponents at the ends of i32 and beyond are an error or zero, never an overflow.
    #[test]
    fn extreme_exponents_are_errors_not_overflows() {
        let too_large = Err("The amount is too large.".to_owned());
        let decimals = Err("The amount must have at most two decimal places.".to_owned());
        assert_eq!(parse_decimal("1e2147483647"), too_large);
        assert_eq!(parse_decimal("11e2147483645"), too_large);
        assert_eq!(parse_decimal("1e9223372036854775807"), too_large);
        assert_eq!(parse_decimal("1e-2147483648"), decimals);
        assert_eq!(parse_decimal("1.5e-9223372036854775808"), decimals);
        assert_eq!(parse_decimal("0e-9223372036854775808"), Ok(0));
        assert_eq!(parse_decimal("0e9223372036854775807"), Ok(0));
        assert_eq!(
            parse_decimal("1e99999999999999999999"),
            Err("The amount must be a number.".to_owned())
        );
    }

    #[test]
    fn rejects_bad_amounts() {
        assert!(parse_amount(&json!(-1)).is_err());
        assert!(parse_amount(&json!(1.234)).is_err());
        assert!(parse_amount(&json!("abc")).is_err());
        assert!(parse_amount(&json!(true)).is_err());
        assert!(parse_amount(&json!(null)).is_err());
        assert!(parse_amount(&json!("")).is_err());
        assert!(parse_amount(&json!(1e300)).is_err());
        assert!(parse_decimal("1.").is_ok());
        assert!(parse_decimal(".").is_err());
        assert!(parse_decimal("NaN").is_err());
        assert!(parse_decimal("inf").is_err());
    }

    #[test]
    fn renders_amounts() {
        assert_eq!(to_json(4_999), json!(49.99));
        assert_eq!(to_json(500), json!(5));
        assert_eq!(to_decimal_string(-1_005), "-10.05");
    }
}
