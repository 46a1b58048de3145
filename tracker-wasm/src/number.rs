//! Decimal and hexadecimal digits without the `core::fmt` machinery (which would bloat the wasm).

use alloc::string::String;

/// Appends `n` in decimal.
pub fn push_decimal(out: &mut String, n: u64) {
    let mut divisor: u64 = 1;
    while n / divisor >= 10 {
        divisor *= 10;
    }
    loop {
        out.push(char::from(b'0' + ((n / divisor) % 10) as u8));
        if divisor == 1 {
            break;
        }
        divisor /= 10;
    }
}

/// Appends an amount as a JSON number with up to 6 decimals (trailing zeros dropped);
/// `null` when it is not finite or too large to be a price.
pub fn push_amount(out: &mut String, amount: f64) {
    if !amount.is_finite() || amount.abs() >= 1e12 {
        out.push_str("null");
        return;
    }
    if amount < 0.0 {
        out.push('-');
    }
    let micros = (amount.abs() * 1e6 + 0.5) as u64;
    push_decimal(out, micros / 1_000_000);
    let mut fraction = micros % 1_000_000;
    if fraction != 0 {
        out.push('.');
        let mut digits = 6;
        while fraction.is_multiple_of(10) {
            fraction /= 10;
            digits -= 1;
        }
        let mut scale = 1;
        for _ in 1..digits {
            scale *= 10;
        }
        while scale > fraction && scale > 1 {
            out.push('0');
            scale /= 10;
        }
        push_decimal(out, fraction);
    }
}

/// The lowercase hexadecimal digit for the low four bits of `nibble`.
pub fn hex_digit(nibble: u8) -> char {
    let n = nibble & 15;
    char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(x: f64) -> String {
        let mut s = String::new();
        push_amount(&mut s, x);
        s
    }

    #[test]
    fn decimal_matches_display() {
        for n in [
            0,
            7,
            10,
            99,
            100,
            86_400,
            34_560_000,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut s = String::new();
            push_decimal(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }

    #[test]
    fn amounts() {
        assert_eq!(amount(49.0), "49");
        assert_eq!(amount(49.95), "49.95");
        assert_eq!(amount(0.05), "0.05");
        assert_eq!(amount(-5.5), "-5.5");
        assert_eq!(amount(1.000001), "1.000001");
        assert_eq!(amount(0.1 + 0.2), "0.3");
        assert_eq!(amount(f64::NAN), "null");
        assert_eq!(amount(1e13), "null");
    }

    #[test]
    fn hex_digits() {
        assert_eq!(hex_digit(0), '0');
        assert_eq!(hex_digit(10), 'a');
        assert_eq!(hex_digit(0x1f), 'f');
    }
}
