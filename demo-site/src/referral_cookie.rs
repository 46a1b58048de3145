//! Reading the referral cookies the tracker writes when a visitor lands on a referral link:
//! `partnero_referral` (refer-a-friend programs) and `partnero_partner` (affiliate programs).

use axum_extra::extract::CookieJar;

/// Name of the cookie holding the referring customer's key.
pub const REFERRAL_COOKIE: &str = "partnero_referral";
/// Name of the cookie holding the partner's (link) key in affiliate programs.
pub const PARTNER_COOKIE: &str = "partnero_partner";

/// What the sign-up found in the referral cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferralCookie {
    /// No cookie: an organic sign-up.
    Absent,
    /// A well-formed referral key.
    Key(String),
    /// A cookie that cannot be a referral key (tampered with or corrupt); ignored.
    Garbage(String),
}

impl ReferralCookie {
    /// Reads and checks the cookie: keys are 1–64 characters of `[A-Za-z0-9_.-]`.
    pub fn from_jar(jar: &CookieJar) -> Self {
        Self::named(jar, REFERRAL_COOKIE)
    }

    /// Reads and checks the affiliate cookie (`partnero_partner`).
    pub fn partner_from_jar(jar: &CookieJar) -> Self {
        Self::named(jar, PARTNER_COOKIE)
    }

    fn named(jar: &CookieJar, name: &str) -> Self {
        match jar.get(name) {
            None => ReferralCookie::Absent,
            Some(cookie) => Self::parse(cookie.value()),
        }
    }

    /// Checks one raw cookie value.
    pub fn parse(raw: &str) -> Self {
        let value = raw.trim();
        if value.is_empty() {
            return ReferralCookie::Absent;
        }
        let well_formed = value.len() <= 64
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if well_formed {
            ReferralCookie::Key(value.to_string())
        } else {
            ReferralCookie::Garbage(value.chars().take(80).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReferralCookie;

    #[test]
    fn accepts_keys_and_rejects_garbage() {
        assert_eq!(
            ReferralCookie::parse("alice-1x2y3z"),
            ReferralCookie::Key("alice-1x2y3z".into())
        );
        assert_eq!(
            ReferralCookie::parse("a_b.C-9"),
            ReferralCookie::Key("a_b.C-9".into())
        );
        assert_eq!(ReferralCookie::parse(""), ReferralCookie::Absent);
        assert!(matches!(
            ReferralCookie::parse("<script>"),
            ReferralCookie::Garbage(_)
        ));
        assert!(matches!(
            ReferralCookie::parse("a b"),
            ReferralCookie::Garbage(_)
        ));
        assert!(matches!(
            ReferralCookie::parse(&"k".repeat(65)),
            ReferralCookie::Garbage(_)
        ));
    }
}
