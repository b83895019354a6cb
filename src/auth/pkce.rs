//! PKCE (RFC 7636): a fresh code verifier and its challenge.
//!
//! The verifier is 32 random bytes, base64url without padding: 43 characters of the unreserved
//! set (§4.1). The S256 challenge is BASE64URL(SHA-256(ASCII(verifier))) (§4.2); the hash comes
//! from `ring`, already in the tree through rustls.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

/// A verifier and the challenge sent for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pkce {
    /// The secret kept until the token request.
    pub verifier: String,
    /// What the authorization request carries.
    pub challenge: String,
    /// `S256` or `plain`.
    pub method: String,
}

impl Pkce {
    /// A fresh verifier with an S256 challenge.
    pub fn s256() -> Self {
        let verifier = new_verifier();
        Self {
            challenge: challenge_s256(&verifier),
            verifier,
            method: "S256".into(),
        }
    }

    /// A fresh verifier sent as a `plain` challenge (only to check that servers refuse it).
    pub fn plain() -> Self {
        let verifier = new_verifier();
        Self {
            challenge: verifier.clone(),
            verifier,
            method: "plain".into(),
        }
    }
}

/// 43 characters from 32 random bytes.
pub fn new_verifier() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// BASE64URL(SHA-256(verifier)).
pub fn challenge_s256(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// Whether `v` is a valid verifier: 43 to 128 characters of `[A-Za-z0-9-._~]` (§4.1).
pub fn is_valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn fresh_verifiers_are_valid_and_distinct() {
        let a = Pkce::s256();
        let b = Pkce::s256();
        assert!(is_valid_verifier(&a.verifier), "{}", a.verifier);
        assert_ne!(a.verifier, b.verifier);
        assert_eq!(a.challenge, challenge_s256(&a.verifier));
        assert!(!is_valid_verifier("short"));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}!", "a".repeat(50))));
        let p = Pkce::plain();
        assert_eq!(
            (p.challenge.as_str(), p.method.as_str()),
            (p.verifier.as_str(), "plain")
        );
    }
}
