//! Cookies on the registrable domain, found by probing: a test cookie is written on each
//! candidate parent domain (shortest first) and the first one the browser keeps wins.

use super::host::{cookie, set_cookie};
use crate::cookie::{CookieSpec, PROBE_COOKIE, read_cookie};
use crate::domain::cookie_domain_candidates;
use alloc::string::String;

/// Where and how this page's cookies are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieJar {
    /// The registrable domain (`Domain=`), `None` for host-only cookies.
    pub domain: Option<String>,
    /// `Secure` (https pages).
    pub secure: bool,
}

impl CookieJar {
    /// Probes the real document for the shortest parent of `host` that accepts cookies.
    pub fn probe(host: &str, secure: bool) -> CookieJar {
        for candidate in cookie_domain_candidates(host) {
            let spec = CookieSpec {
                name: PROBE_COOKIE,
                value: "1",
                domain: Some(candidate),
                max_age: 10,
                secure,
            };
            set_cookie(&spec.to_cookie_string());
            if read_cookie(&cookie(), PROBE_COOKIE) == Some("1") {
                set_cookie(&CookieSpec { max_age: 0, ..spec }.to_cookie_string());
                return CookieJar {
                    domain: Some(candidate.into()),
                    secure,
                };
            }
        }
        CookieJar {
            domain: None,
            secure,
        }
    }

    /// The current value of cookie `name`.
    pub fn read(&self, name: &str) -> Option<String> {
        read_cookie(&cookie(), name).map(String::from)
    }

    /// Writes `name=value` for `max_age` seconds on `domain` (`None`: host-only).
    fn write_on(&self, domain: Option<&str>, name: &str, value: &str, max_age: u32) {
        let spec = CookieSpec {
            name,
            value,
            domain,
            max_age,
            secure: self.secure,
        };
        set_cookie(&spec.to_cookie_string());
    }

    /// Writes `name=value` for `max_age` seconds.
    pub fn write(&self, name: &str, value: &str, max_age: u32) {
        self.write_on(self.domain.as_deref(), name, value, max_age);
    }

    /// Deletes cookie `name`, on the registrable domain and host-only.
    pub fn delete(&self, name: &str) {
        self.write(name, "", 0);
        if self.domain.is_some() {
            self.write_on(None, name, "", 0);
        }
    }
}
