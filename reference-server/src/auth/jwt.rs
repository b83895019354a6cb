//! JWT access tokens (RFC 9068 profile of RFC 7519), signed ES256 (RFC 7518 §3.4) with a P-256
//! key generated at start; the public key is published as a JWK (RFC 7517) whose `kid` is its
//! RFC 7638 thumbprint.
//!
//! Written over `ring` (already in the tree via rustls) rather than a JWT crate because the
//! checks must be exact and separable for conformance: the algorithm is pinned to ES256 (no
//! `none`, no algorithm taken from the token), `typ` must be `at+jwt`, the `kid` must name a
//! known key, and each fault switch skips exactly one check (signature, expiry, audience).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair};
use serde_json::{json, Map, Value};

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum JwtError {
    /// Not three base64url segments of JSON.
    #[error("malformed token")]
    Malformed,
    /// `alg` is not ES256 (including `none`).
    #[error("unsupported algorithm")]
    Algorithm,
    /// `typ` is not `at+jwt`.
    #[error("not an access token (typ)")]
    Type,
    /// No known key has the token's `kid`.
    #[error("unknown key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("bad signature")]
    Signature,
    /// `exp` is in the past (or missing).
    #[error("token expired")]
    Expired,
    /// `iss` is not the expected issuer.
    #[error("wrong issuer")]
    Issuer,
    /// `aud` does not name this resource.
    #[error("wrong audience")]
    Audience,
    /// Signing failed (not caused by input).
    #[error("signing failed")]
    Sign,
}

/// A public key that verifies tokens.
#[derive(Clone, Debug)]
pub(crate) struct VerifyKey {
    /// Key id.
    pub kid: String,
    /// Uncompressed P-256 point (0x04 || x || y).
    pub point: Vec<u8>,
}

impl VerifyKey {
    /// The key of an EC P-256 JWK; `None` for any other key.
    pub fn from_jwk(jwk: &Value) -> Option<Self> {
        if jwk.get("kty")? != "EC" || jwk.get("crv")? != "P-256" {
            return None;
        }
        if jwk.get("use").is_some_and(|u| u != "sig") {
            return None;
        }
        let coord = |k: &str| {
            URL_SAFE_NO_PAD
                .decode(jwk.get(k)?.as_str()?)
                .ok()
                .filter(|b| b.len() == 32)
        };
        let mut point = vec![4u8];
        point.extend(coord("x")?);
        point.extend(coord("y")?);
        Some(Self {
            kid: jwk.get("kid")?.as_str()?.to_string(),
            point,
        })
    }
}

/// The server's signing key.
pub(crate) struct SigningKey {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
    kid: String,
}

impl SigningKey {
    /// A fresh P-256 key.
    pub fn generate() -> Result<Self, JwtError> {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).map_err(|_| JwtError::Sign)?;
        let pair =
            EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).map_err(|_| JwtError::Sign)?;
        let mut key = Self {
            pair,
            rng,
            kid: String::new(),
        };
        key.kid = thumbprint(&key.jwk_without_kid());
        Ok(key)
    }

    fn coords(&self) -> (String, String) {
        let p = self.pair.public_key().as_ref();
        (
            URL_SAFE_NO_PAD.encode(&p[1..33]),
            URL_SAFE_NO_PAD.encode(&p[33..65]),
        )
    }

    fn jwk_without_kid(&self) -> Value {
        let (x, y) = self.coords();
        json!({"crv": "P-256", "kty": "EC", "x": x, "y": y})
    }

    /// The public JWK.
    pub fn jwk(&self) -> Value {
        let mut jwk = self.jwk_without_kid();
        jwk["kid"] = json!(self.kid);
        jwk["use"] = json!("sig");
        jwk["alg"] = json!("ES256");
        jwk
    }

    /// The key as a verifier.
    pub fn verify_key(&self) -> VerifyKey {
        VerifyKey {
            kid: self.kid.clone(),
            point: self.pair.public_key().as_ref().to_vec(),
        }
    }

    /// A compact JWS of `claims` with header `typ: at+jwt`.
    pub fn sign(&self, claims: &Value) -> Result<String, JwtError> {
        let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": self.kid});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = self
            .pair
            .sign(&self.rng, input.as_bytes())
            .map_err(|_| JwtError::Sign)?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())))
    }
}

/// The RFC 7638 thumbprint of an EC JWK (members in lexicographic order, no whitespace).
fn thumbprint(jwk: &Value) -> String {
    let canonical = format!(
        r#"{{"crv":{},"kty":{},"x":{},"y":{}}}"#,
        jwk["crv"], jwk["kty"], jwk["x"], jwk["y"]
    );
    URL_SAFE_NO_PAD.encode(super::secrets::sha256(canonical.as_bytes()))
}

/// Which checks to run (each fault switch turns one off).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checks {
    /// Verify the signature.
    pub signature: bool,
    /// Refuse every algorithm but ES256 (when false, `alg: none` tokens pass unsigned).
    pub algorithm: bool,
    /// Reject past `exp`.
    pub expiry: bool,
    /// Require `aud` to name the resource.
    pub audience: bool,
}

impl Checks {
    /// Every check.
    pub const ALL: Checks = Checks {
        signature: true,
        algorithm: true,
        expiry: true,
        audience: true,
    };
}

/// The claims of a token (as a JSON object).
pub(crate) type Claims = Map<String, Value>;

fn segment(s: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)
}

fn object(bytes: &[u8]) -> Result<Map<String, Value>, JwtError> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(JwtError::Malformed),
    }
}

/// The claims of a well-formed token, without any check (for values this server obtained
/// itself over a direct connection, e.g. the upstream IdP's token response).
pub(crate) fn peek_claims(token: &str) -> Result<Claims, JwtError> {
    let mut parts = token.split('.');
    let (_, Some(p), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    object(&segment(p)?)
}

/// Whether `aud` (a string or an array of strings) names `resource`.
fn audience_matches(aud: Option<&Value>, resource: &str) -> bool {
    match aud {
        Some(Value::String(s)) => s == resource,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(resource)),
        _ => false,
    }
}

/// Verifies `token` against `keys`, `issuer`, `resource` (when given) and the clock `now`
/// (seconds since the epoch), running the checks `checks` asks for; returns the claims.
pub(crate) fn verify(
    token: &str,
    keys: &[VerifyKey],
    issuer: &str,
    resource: Option<&str>,
    now: u64,
    checks: Checks,
) -> Result<Claims, JwtError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, s] = parts[..] else {
        return Err(JwtError::Malformed);
    };
    let header = object(&segment(h)?)?;
    let claims = object(&segment(p)?)?;
    let sig = segment(s)?;
    let alg = header.get("alg").and_then(Value::as_str);
    let unsigned = !checks.algorithm && alg == Some("none");
    if alg != Some("ES256") && !unsigned {
        return Err(JwtError::Algorithm);
    }
    let typ = header.get("typ").and_then(Value::as_str).unwrap_or("");
    if !typ.eq_ignore_ascii_case("at+jwt") && !typ.eq_ignore_ascii_case("application/at+jwt") {
        return Err(JwtError::Type);
    }
    if checks.signature && !unsigned {
        let kid = header.get("kid").and_then(Value::as_str);
        let key = keys
            .iter()
            .find(|k| Some(k.kid.as_str()) == kid)
            .ok_or(JwtError::UnknownKey)?;
        let input = &token[..h.len() + 1 + p.len()];
        signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &key.point)
            .verify(input.as_bytes(), &sig)
            .map_err(|_| JwtError::Signature)?;
    }
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err(JwtError::Issuer);
    }
    if checks.expiry {
        let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
        if exp <= now {
            return Err(JwtError::Expired);
        }
    }
    if let (true, Some(resource)) = (checks.audience, resource) {
        if !audience_matches(claims.get("aud"), resource) {
            return Err(JwtError::Audience);
        }
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "http://127.0.0.1:1";
    const AUD: &str = "http://127.0.0.1:1/mcp";

    fn claims(exp: u64, aud: &str) -> Value {
        json!({"iss": ISS, "sub": "u", "aud": aud, "exp": exp, "iat": 1, "jti": "j", "client_id": "c"})
    }

    #[test]
    fn round_trip_and_each_check() {
        let key = SigningKey::generate().unwrap();
        let keys = [key.verify_key()];
        let ok = key.sign(&claims(100, AUD)).unwrap();
        let c = verify(&ok, &keys, ISS, Some(AUD), 50, Checks::ALL).unwrap();
        assert_eq!(c["sub"], "u");
        assert_eq!(
            verify(&ok, &keys, ISS, Some(AUD), 100, Checks::ALL),
            Err(JwtError::Expired)
        );
        let no_exp = Checks {
            expiry: false,
            ..Checks::ALL
        };
        assert!(verify(&ok, &keys, ISS, Some(AUD), 100, no_exp).is_ok());
        assert_eq!(
            verify(&ok, &keys, "http://other", Some(AUD), 50, Checks::ALL),
            Err(JwtError::Issuer)
        );
        let other = key.sign(&claims(100, "http://other/mcp")).unwrap();
        assert_eq!(
            verify(&other, &keys, ISS, Some(AUD), 50, Checks::ALL),
            Err(JwtError::Audience)
        );
        // Tamper with the payload: the signature no longer verifies.
        let mut parts: Vec<String> = ok.split('.').map(String::from).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(claims(999, AUD).to_string());
        let forged = parts.join(".");
        assert_eq!(
            verify(&forged, &keys, ISS, Some(AUD), 50, Checks::ALL),
            Err(JwtError::Signature)
        );
        let lax = Checks {
            signature: false,
            ..Checks::ALL
        };
        assert!(verify(&forged, &keys, ISS, Some(AUD), 50, lax).is_ok());
        let stranger = SigningKey::generate().unwrap();
        assert_eq!(
            verify(
                &ok,
                &[stranger.verify_key()],
                ISS,
                Some(AUD),
                50,
                Checks::ALL
            ),
            Err(JwtError::UnknownKey)
        );
    }

    #[test]
    fn alg_none_and_garbage_are_rejected() {
        let key = SigningKey::generate().unwrap();
        let keys = [key.verify_key()];
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#),
            URL_SAFE_NO_PAD.encode(claims(100, AUD).to_string())
        );
        assert_eq!(
            verify(&none, &keys, ISS, Some(AUD), 1, Checks::ALL),
            Err(JwtError::Algorithm)
        );
        for bad in ["", "a.b", "a.b.c.d", "!!.!!.!!"] {
            assert!(verify(bad, &keys, ISS, Some(AUD), 1, Checks::ALL).is_err());
        }
    }

    #[test]
    fn jwk_round_trips_to_a_verifier() {
        let key = SigningKey::generate().unwrap();
        let jwk = key.jwk();
        let vk = VerifyKey::from_jwk(&jwk).unwrap();
        assert_eq!(vk.kid, jwk["kid"]);
        assert_eq!(vk.point, key.verify_key().point);
        let t = key.sign(&claims(100, AUD)).unwrap();
        assert!(verify(&t, &[vk], ISS, Some(AUD), 1, Checks::ALL).is_ok());
        assert!(VerifyKey::from_jwk(&json!({"kty": "RSA", "kid": "k"})).is_none());
        assert_eq!(peek_claims(&t).unwrap()["aud"], AUD);
    }
}
