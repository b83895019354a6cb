//! Reading JWT access tokens (RFC 7519, RFC 9068 profile) without verifying them, and making
//! forged variants the resource server must refuse.
//!
//! The harness never needs to trust a token: it reads header and claims as evidence (audience,
//! expiry, scope) and derives tampered copies (a flipped signature, `alg: none`) to prove the
//! server verifies signatures.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

/// Header and claims of a compact JWS, if `token` is one with JSON parts.
pub fn decode(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let (h, p, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some((part(h)?, part(p)?))
}

fn part(b64: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(b64.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `exp` of a JWT, in seconds since the epoch.
pub fn expiry(token: &str) -> Option<u64> {
    decode(token)?.1.get("exp")?.as_u64()
}

/// The token with its signature altered (one character changed), or the token with `x`
/// appended when it is not a JWS.
pub fn tamper_signature(token: &str) -> String {
    match token.rsplit_once('.') {
        Some((head, sig)) if !sig.is_empty() => {
            let mut chars: Vec<char> = sig.chars().collect();
            // Change a middle character: the last one may carry only padding bits.
            let i = chars.len() / 2;
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            format!("{head}.{}", chars.into_iter().collect::<String>())
        }
        _ => format!("{token}x"),
    }
}

/// The token re-encoded with header `alg: none` and no signature.
pub fn alg_none(token: &str) -> Option<String> {
    let (mut header, claims) = decode(token)?;
    header["alg"] = Value::String("none".into());
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    Some(format!("{}.{}.", enc(&header), enc(&claims)))
}

/// The token with one claim replaced (its signature no longer matches).
pub fn with_claim(token: &str, name: &str, value: Value) -> Option<String> {
    let (header, mut claims) = decode(token)?;
    let sig = token.rsplit('.').next().unwrap_or_default();
    claims[name] = value;
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    Some(format!("{}.{}.{sig}", enc(&header), enc(&claims)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> String {
        let enc = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.c2lnbmF0dXJl",
            enc(json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1"})),
            enc(json!({"aud": "http://x/mcp", "exp": 1700000000u64, "scope": "read"}))
        )
    }

    #[test]
    fn decodes_header_and_claims() {
        let (h, c) = decode(&sample()).unwrap();
        assert_eq!(h["typ"], "at+jwt");
        assert_eq!(c["aud"], "http://x/mcp");
        assert_eq!(expiry(&sample()), Some(1_700_000_000));
        assert!(decode("not-a-jwt").is_none());
        assert!(decode("a.b.c.d").is_none());
    }

    #[test]
    fn forgeries_differ_and_keep_shape() {
        let t = sample();
        let bad = tamper_signature(&t);
        assert_ne!(bad, t);
        assert_eq!(bad.split('.').count(), 3);
        assert_eq!(decode(&bad).unwrap().1, decode(&t).unwrap().1);
        let none = alg_none(&t).unwrap();
        assert!(none.ends_with('.'));
        assert_eq!(decode(&none).unwrap().0["alg"], "none");
        let other = with_claim(&t, "aud", json!("http://other/mcp")).unwrap();
        assert_eq!(decode(&other).unwrap().1["aud"], "http://other/mcp");
        assert_eq!(tamper_signature("opaque"), "opaquex");
    }
}
