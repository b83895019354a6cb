//! Secret handling: random values for codes, tokens and ids; salted PBKDF2 hashes for client
//! secrets and passwords (verified in constant time); SHA-256 digests under which issued
//! codes and tokens are stored, so the store never holds a usable value; constant-time
//! comparison for everything else.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use ring::{digest, pbkdf2};
use std::num::NonZeroU32;
use subtle::ConstantTimeEq;

/// PBKDF2 rounds: cheap on purpose (a test server that hashes on every token request), yet
/// enough that a dumped store does not hand out secrets for free.
const ROUNDS: NonZeroU32 = match NonZeroU32::new(10_000) {
    Some(n) => n,
    None => NonZeroU32::MIN,
};

/// The SHA-256 digest of an issued value: the key it is stored under.
pub(crate) type Digest = [u8; 32];

/// `n` random bytes, base64url without padding (`n = 32` gives 43 characters).
pub(crate) fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of `value`.
pub(crate) fn sha256(value: &[u8]) -> Digest {
    let d = digest::digest(&digest::SHA256, value);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// The storage key of an issued code or token.
pub(crate) fn digest_of(value: &str) -> Digest {
    sha256(value.as_bytes())
}

/// Whether `a` and `b` are equal, in time independent of where they differ.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// A salted PBKDF2-HMAC-SHA256 hash of a secret.
#[derive(Clone)]
pub(crate) struct SecretHash {
    salt: [u8; 16],
    hash: [u8; 32],
}

impl SecretHash {
    /// Hashes `secret` with a fresh salt.
    pub fn new(secret: &str) -> Self {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let mut hash = [0u8; 32];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            ROUNDS,
            &salt,
            secret.as_bytes(),
            &mut hash,
        );
        Self { salt, hash }
    }

    /// Whether `candidate` is the secret (constant-time comparison inside ring).
    pub fn verify(&self, candidate: &str) -> bool {
        pbkdf2::verify(
            pbkdf2::PBKDF2_HMAC_SHA256,
            ROUNDS,
            &self.salt,
            candidate.as_bytes(),
            &self.hash,
        )
        .is_ok()
    }
}

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_secret() {
        let h = SecretHash::new("s3cret");
        assert!(h.verify("s3cret"));
        assert!(!h.verify("s3cret ") && !h.verify("") && !h.verify("S3cret"));
        let h2 = SecretHash::new("s3cret");
        assert_ne!(h.salt, h2.salt, "salts are random");
        assert!(!format!("{h:?}").contains("s3cret"));
    }

    #[test]
    fn tokens_are_random_and_url_safe() {
        let a = random_token(32);
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(a, random_token(32));
        assert!(ct_eq(b"abc", b"abc") && !ct_eq(b"abc", b"abd") && !ct_eq(b"ab", b"abc"));
        assert_eq!(digest_of("x"), sha256(b"x"));
    }
}
