//! Standard Webhooks signatures: HMAC-SHA256 over `id.timestamp.body`, sent as
//! `v1,<base64>` in `webhook-signature`, one per valid secret separated by spaces so a
//! receiver keeps verifying while a secret rotates. Secrets are `whsec_` and base64 of 24
//! random bytes; the key is those bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// A fresh secret from the operating system's random source.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

/// The key a secret stands for: the base64 after `whsec_`, or the text itself when it is
/// not base64 (as the reference libraries accept).
fn key(secret: &str) -> Vec<u8> {
    let b64 = secret.strip_prefix(PREFIX).unwrap_or(secret);
    STANDARD.decode(b64).unwrap_or_else(|_| secret.as_bytes().to_vec())
}

/// One signature, `v1,<base64>`.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key(secret)).expect("HMAC takes a key of any length");
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per secret.
pub fn header(secrets: &[&str], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|s| sign(s, msg_id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// Whether any `v1` signature in `header` is `secret`'s over this message (compared in
/// constant time), for receivers and tests.
pub fn verify(secret: &str, header: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key(secret)).expect("HMAC takes a key of any length");
    mac.update(format!("{msg_id}.{timestamp}.").as_bytes());
    mac.update(body);
    header
        .split_whitespace()
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|s| STANDARD.decode(s).ok())
        .any(|sig| mac.clone().verify_slice(&sig).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector the Standard Webhooks reference libraries test against: a signature that
    /// matches it is one every receiver library accepts.
    #[test]
    fn signatures_reproduce_the_specification_test_vector() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let sig = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(verify(secret, &sig, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body));
    }

    #[test]
    fn a_changed_body_id_or_time_fails_verification() {
        let s = new_secret();
        let h = header(&[&s], "msg_1", 100, b"{}");
        assert!(verify(&s, &h, "msg_1", 100, b"{}"));
        assert!(!verify(&s, &h, "msg_1", 100, b"{ }"));
        assert!(!verify(&s, &h, "msg_2", 100, b"{}"));
        assert!(!verify(&s, &h, "msg_1", 101, b"{}"));
        assert!(!verify(&new_secret(), &h, "msg_1", 100, b"{}"));
    }

    #[test]
    fn while_a_secret_rotates_both_keys_verify() {
        let (old, new) = (new_secret(), new_secret());
        assert_ne!(old, new);
        let h = header(&[&new, &old], "msg_1", 100, b"{}");
        assert_eq!(h.split(' ').count(), 2);
        assert!(verify(&old, &h, "msg_1", 100, b"{}"));
        assert!(verify(&new, &h, "msg_1", 100, b"{}"));
    }
}
