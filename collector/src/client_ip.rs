//! The client's IP address and its privacy-preserving hash.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::forwarded;

/// The peer address, or the address the trusted proxy saw (the right-most `X-Forwarded-For`
/// entry, see [`crate::forwarded`]) when `--trust-proxy` is set.
pub fn client_ip(parts: &Parts, trust_proxy: bool) -> IpAddr {
    if trust_proxy && let Some(forwarded) = forwarded::client_ip(&parts.headers) {
        return forwarded;
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// Drops the host part: IPv4 keeps /24, IPv6 keeps /48.
pub fn truncate(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            IpAddr::V4(Ipv4Addr::new(a, b, c, 0))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return truncate(IpAddr::V4(v4));
            }
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0))
        }
    }
}

/// Hex SHA-256 of the installation salt and the truncated address (the raw IP is never stored).
pub fn hash_ip(salt: &[u8], ip: IpAddr) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(truncate(ip).to_string().as_bytes());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_and_hashes() {
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "203.0.113.200".parse().unwrap();
        assert_eq!(truncate(a).to_string(), "203.0.113.0");
        assert_eq!(hash_ip(b"s", a), hash_ip(b"s", b));
        assert_ne!(hash_ip(b"s", a), hash_ip(b"t", a));
        assert!(!hash_ip(b"s", a).contains("203"));
        let v6: IpAddr = "2001:db8:1:2:3:4:5:6".parse().unwrap();
        assert_eq!(truncate(v6).to_string(), "2001:db8:1::");
    }
}
