//! Destination URLs: http/https only, and no private, loopback or link-local addresses unless
//! the operator allows them (`--allow-private-webhook-urls`).
//!
//! IP literals and `localhost` names are refused when the webhook is saved; host names are
//! checked again at every delivery by [`GuardedResolver`], which drops private addresses from
//! DNS answers (so a name that later resolves to an internal address is refused too).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Longest accepted URL.
pub const MAX_URL_LEN: usize = 2048;

/// Whether an address is not publicly routable (loopback, private, link-local, CGNAT,
/// unspecified, multicast, documentation, IPv6 unique-local, ...).
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_private_v4(v4);
            }
            let [first, second, ..] = v6.segments();
            v6.is_loopback()
                || (first == 0x0064 && second == 0xff9b && v6.segments()[2] == 1) // local NAT64 64:ff9b:1::/48
                || (first == 0x2001 && second == 0) // Teredo 2001::/32 (an obfuscated IPv4 inside)
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
                || v6 == Ipv6Addr::from([0u16, 0, 0, 0, 0, 0, 0, 1])
        }
    }
}

/// The IPv4 address an IPv6 address carries and a host may route to: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4
/// (`2002:AABB:CCDD::`).
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let from = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = v6.to_ipv4() {
        return Some(v4);
    }
    if s[..6] == [0x0064, 0xff9b, 0, 0, 0, 0] {
        return Some(from(s[6], s[7]));
    }
    (s[0] == 0x2002).then(|| from(s[1], s[2]))
}

fn is_private_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || a >= 240
}

/// Checks a destination URL; returns it normalised, or the reason it is refused.
pub fn check_url(text: &str, allow_private: bool) -> Result<String, String> {
    if text.len() > MAX_URL_LEN {
        return Err(format!(
            "The url may not be longer than {MAX_URL_LEN} characters."
        ));
    }
    let url = Url::parse(text.trim()).map_err(|_| "The url must be a valid URL.".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("The url must use http or https.".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("The url may not contain credentials.".to_owned());
    }
    let private = match url.host() {
        None => return Err("The url must have a host.".to_owned()),
        Some(Host::Ipv4(ip)) => is_private(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_private(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost") || !name.contains('.')
        }
    };
    if private && !allow_private {
        return Err(
            "The url points to a private or loopback address, which this collector does not allow."
                .to_owned(),
        );
    }
    let mut url = url;
    url.set_fragment(None);
    Ok(url.to_string())
}

/// A DNS resolver for deliveries that drops private addresses unless they are allowed, and fails
/// when nothing public remains.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    /// Keep private addresses.
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allow_private || !is_private(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether the literal IP host of a URL is refused (names are left to [`GuardedResolver`]).
pub fn literal_host_refused(url: &Url, allow_private: bool) -> bool {
    if allow_private {
        return false;
    }
    match url.host() {
        Some(Host::Ipv4(ip)) => is_private(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_private(IpAddr::V6(ip)),
        Some(Host::Domain(_)) => false,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_private_destinations_unless_allowed() {
        for refused in [
            "http://127.0.0.1:9000/hook",
            "http://10.1.2.3/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:8080/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::169.254.169.254]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[64:ff9b:1::8.8.8.8]/",
            "http://[2002:a9fe:a9fe::1]/",
            "http://[2002:7f00:1::]/",
            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
            "http://192.0.0.8/",
            "http://localhost:3000/",
            "http://api.localhost/",
            "http://intranet/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
        ] {
            assert!(check_url(refused, false).is_err(), "{refused}");
            assert!(check_url(refused, true).is_ok(), "{refused}");
        }
        for refused_always in [
            "ftp://example.com/",
            "javascript:alert(1)",
            "http://user:pw@example.com/",
            "not a url",
            "file:///etc/passwd",
        ] {
            assert!(check_url(refused_always, true).is_err(), "{refused_always}");
        }
        assert_eq!(
            check_url("https://hooks.example.com/in#frag", false).unwrap(),
            "https://hooks.example.com/in"
        );
        for public in [
            "http://93.184.216.34/x",
            "http://[64:ff9b::5db8:d822]/",
            "http://[2002:5db8:d822::1]/",
            "http://[2606:4700::1111]/",
        ] {
            assert!(check_url(public, false).is_ok(), "{public}");
        }
    }
}
