//! Signing secrets and the two signatures every delivery carries.
//!
//! - `Signature`: hex HMAC-SHA256 of the raw body, keyed with the secret string as returned to
//!   the owner (the Partnero way).
//! - Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`): `v1,` and the
//!   base64 HMAC-SHA256 of `id.timestamp.body`, keyed with the base64-decoded part of the secret
//!   after `whsec_`, so the Standard Webhooks receiver libraries verify it as is.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The key of the Standard Webhooks signature: the decoded base64 after `whsec_` (the raw
/// secret bytes if it is not in that form).
fn standard_key(secret: &str) -> Vec<u8> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD
        .decode(encoded)
        .unwrap_or_else(|_| secret.as_bytes().to_vec())
}

/// The `Signature` header: hex HMAC-SHA256 of the body keyed with the secret string.
pub fn partnero_signature(secret: &str, body: &[u8]) -> String {
    hex::encode(mac(secret.as_bytes(), &[body]))
}

/// The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
pub fn standard_signature(secret: &str, message_id: &str, timestamp: i64, body: &[u8]) -> String {
    let signed = mac(
        &standard_key(secret),
        &[
            message_id.as_bytes(),
            b".",
            timestamp.to_string().as_bytes(),
            b".",
            body,
        ],
    );
    format!("v1,{}", STANDARD.encode(signed))
}

/// Checks a `Signature` header (constant time).
pub fn verify_partnero(secret: &str, body: &[u8], header: &str) -> bool {
    let Ok(given) = hex::decode(header.trim()) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// Checks a `webhook-signature` header (any of its space-separated `v1,` signatures, constant
/// time) and that the timestamp is within `tolerance_secs` of `now_secs`.
pub fn verify_standard(
    secret: &str,
    message_id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
    now_secs: i64,
    tolerance_secs: i64,
) -> bool {
    if (now_secs - timestamp).abs() > tolerance_secs {
        return false;
    }
    let key = standard_key(secret);
    header.split(' ').any(|candidate| {
        let Some(encoded) = candidate.strip_prefix("v1,") else {
            return false;
        };
        let Ok(given) = STANDARD.decode(encoded) else {
            return false;
        };
        let mut mac = HmacSha256::new_from_slice(&key).unwrap_or_else(|_| unreachable!());
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&given).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let signature =
            standard_signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(verify_standard(
            secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            body,
            &format!("v1,bogus {signature}"),
            1614265330 + 10,
            300,
        ));
        assert!(!verify_standard(
            secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            body,
            &signature,
            1614265330 + 301,
            300,
        ));
    }

    #[test]
    fn partnero_signature_is_hex_hmac_of_the_body() {
        let secret = new_secret();
        assert!(secret.starts_with(SECRET_PREFIX));
        let signature = partnero_signature(&secret, b"{}");
        assert_eq!(signature.len(), 64);
        assert!(verify_partnero(&secret, b"{}", &signature));
        assert!(!verify_partnero(&secret, b"{ }", &signature));
        assert!(!verify_partnero("whsec_other", b"{}", &signature));
        // Known value: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
        assert_eq!(
            partnero_signature("key", b"The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
