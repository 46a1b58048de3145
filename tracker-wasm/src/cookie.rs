//! Cookie names, `document.cookie` strings and reading the cookie header.

use crate::ascii::push_decimal;
use crate::settings::Lifetime;
use crate::text::Sink;
use alloc::string::String;

/// Referral cookie of refer-a-friend programs (the referring customer's key).
pub const REFERRAL_COOKIE: &str = "partnero_referral";
/// Referral cookie of affiliate programs (the partner's key).
pub const PARTNER_COOKIE: &str = "partnero_partner";
/// The visitor id (UUID v4).
pub const VISITOR_COOKIE: &str = "partnero_session_uuid";
/// The probe written while looking for the registrable domain.
pub const PROBE_COOKIE: &str = "partnero_probe";

/// Browsers cap cookie lifetimes at 400 days.
pub const MAX_DAYS: u32 = 400;
const SECONDS_PER_DAY: u32 = 86_400;

/// `Max-Age` in seconds for a lifetime, capped at 400 days.
pub fn max_age(lifetime: Lifetime) -> u32 {
    let days = match lifetime {
        Lifetime::Days(d) => d.min(MAX_DAYS),
        Lifetime::Forever => MAX_DAYS,
    };
    days * SECONDS_PER_DAY
}

/// What to write: `name=value` with its attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieSpec<'a> {
    pub name: &'a [u8],
    pub value: &'a [u8],
    /// `Domain=` (the registrable domain); `None` for a host-only cookie.
    pub domain: Option<&'a [u8]>,
    /// `Max-Age` in seconds; 0 deletes.
    pub max_age: u32,
    /// `Secure` (on https pages).
    pub secure: bool,
}

impl CookieSpec<'_> {
    /// Writes the string to assign to `document.cookie`.
    pub fn write(&self, out: &mut impl Sink) {
        out.put(self.name);
        out.put(b"=");
        out.put(self.value);
        if let Some(domain) = self.domain {
            out.put(b"; Domain=");
            out.put(domain);
        }
        out.put(b"; Path=/; Max-Age=");
        push_decimal(out, self.max_age);
        out.put(b"; SameSite=Lax");
        if self.secure {
            out.put(b"; Secure");
        }
    }

    /// The string to assign to `document.cookie`.
    pub fn to_cookie_string(&self) -> String {
        crate::text::to_string(|out| self.write(out))
    }
}

/// The value of cookie `name` in a `document.cookie` header (`a=1; b=2`).
pub fn read_cookie<'a>(header: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    crate::ascii::split(header, b';')
        .filter_map(|pair| crate::ascii::split_once(pair.trim_ascii(), b'='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_in_days_and_capped() {
        assert_eq!(max_age(Lifetime::Days(30)), 2_592_000);
        assert_eq!(max_age(Lifetime::Days(1000)), 34_560_000);
        assert_eq!(max_age(Lifetime::Forever), 34_560_000);
    }

    #[test]
    fn cookie_strings() {
        let spec = CookieSpec {
            name: REFERRAL_COOKIE.as_bytes(),
            value: b"alice",
            domain: Some(b"shop.test"),
            max_age: 2_592_000,
            secure: true,
        };
        assert_eq!(
            spec.to_cookie_string(),
            "partnero_referral=alice; Domain=shop.test; Path=/; Max-Age=2592000; SameSite=Lax; Secure"
        );
        let host_only = CookieSpec {
            domain: None,
            secure: false,
            max_age: 0,
            ..spec
        };
        assert_eq!(
            host_only.to_cookie_string(),
            "partnero_referral=alice; Path=/; Max-Age=0; SameSite=Lax"
        );
    }

    #[test]
    fn reads_the_header() {
        let header = b"a=1; partnero_referral=alice;partnero_partner=bob; x";
        assert_eq!(
            read_cookie(header, REFERRAL_COOKIE.as_bytes()),
            Some(&b"alice"[..])
        );
        assert_eq!(
            read_cookie(header, PARTNER_COOKIE.as_bytes()),
            Some(&b"bob"[..])
        );
        assert_eq!(read_cookie(header, b"partnero"), None);
        assert_eq!(read_cookie(b"", b"a"), None);
    }
}
