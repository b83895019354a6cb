//! PKCE (RFC 7636) as OAuth 2.1 requires it: only the `S256` method; a verifier is 43 to 128
//! characters from the unreserved set; the challenge is the base64url SHA-256 of it.

use super::secrets::{ct_eq, sha256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Whether `s` is 43 to 128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
pub(crate) fn valid_verifier(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `s` is shaped like a challenge (the same alphabet and length bounds; an S256
/// challenge is exactly 43 characters).
pub(crate) fn valid_challenge(s: &str, method: &str) -> bool {
    valid_verifier(s) && (method != "S256" || s.len() == 43)
}

/// The S256 challenge of `verifier`.
pub(crate) fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()))
}

/// Whether `verifier` answers `challenge` under `method` (`plain` only reaches here under
/// the `auth-plain-pkce-accepted` fault).
pub(crate) fn verify(challenge: &str, method: &str, verifier: &str) -> bool {
    let expected = match method {
        "S256" => s256(verifier),
        "plain" => verifier.to_string(),
        _ => return false,
    };
    ct_eq(expected.as_bytes(), challenge.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_example() {
        let v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(s256(v), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert!(verify(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "S256",
            v
        ));
        assert!(!verify(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "S256",
            &v.replace('d', "e")
        ));
        assert!(!verify(v, "S256", v));
        assert!(!verify(v, "S512", v));
    }

    #[test]
    fn verifier_bounds() {
        assert!(!valid_verifier(&"a".repeat(42)));
        assert!(valid_verifier(&"a".repeat(43)) && valid_verifier(&"a".repeat(128)));
        assert!(!valid_verifier(&"a".repeat(129)));
        assert!(!valid_verifier(&format!("{}+", "a".repeat(43))));
        assert!(
            valid_challenge(&"a".repeat(43), "S256") && !valid_challenge(&"a".repeat(44), "S256")
        );
    }
}
