//! Client authentication at the token, revocation and introspection endpoints (RFC 6749
//! §2.3.1): `client_secret_basic` (HTTP Basic, each part form-encoded), `client_secret_post`
//! (`client_id` and `client_secret` in the body), or, for public clients, `client_id` alone.
//! Using two methods at once is refused; every failure is `invalid_client` (401).

use super::clients::Client;
use super::form::{form_decode, Params};
use super::oauth_error::OAuthError;
use super::server::AuthServer;
use crate::fault::Fault;
use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Credentials from an `Authorization: Basic` header: `Ok(None)` without one.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || OAuthError::invalid_client("malformed Basic credentials", true);
    let text = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, rest)) = text.split_once(' ') else {
        return Err(malformed());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client(
            "unsupported client authentication scheme",
            true,
        ));
    }
    let decoded = STANDARD.decode(rest.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

/// The authenticated client of a request.
pub(crate) async fn authenticate(
    auth: &AuthServer,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Client, OAuthError> {
    let basic = basic_credentials(headers)?;
    let body_id = params
        .one("client_id")
        .map_err(OAuthError::invalid_request)?;
    let body_secret = params
        .one("client_secret")
        .map_err(OAuthError::invalid_request)?;
    let (id, secret, used_basic) = match (basic, body_secret) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "use one client authentication method, not two",
            ))
        }
        (Some((id, secret)), None) => {
            if body_id.is_some_and(|b| b != id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the Basic credentials",
                ));
            }
            (id, Some(secret), true)
        }
        (None, secret) => match body_id {
            Some(id) => (id.to_string(), secret.map(str::to_string), false),
            None => {
                return Err(OAuthError::invalid_client(
                    "client authentication is required",
                    false,
                ))
            }
        },
    };
    let client = auth
        .client(&id)
        .await
        .map_err(|e| OAuthError::invalid_client(e, used_basic))?
        .ok_or_else(|| OAuthError::invalid_client("unknown client", used_basic))?;
    let lax = auth.has(Fault::AuthWrongSecretAccepted);
    let ok = match (&client.secret, secret) {
        (Some(hash), Some(s)) => hash.verify(&s) || lax,
        (Some(_), None) => lax,
        (None, Some(_)) => lax,
        (None, None) => true,
    };
    if !ok {
        tracing::info!(client_id = %client.id, "client authentication failed");
        return Err(OAuthError::invalid_client(
            "client authentication failed",
            used_basic,
        ));
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut h = HeaderMap::new();
        assert_eq!(basic_credentials(&h).unwrap(), None);
        let enc = STANDARD.encode("my%3Aid:s%2Bcret");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {enc}")).unwrap(),
        );
        assert_eq!(
            basic_credentials(&h).unwrap(),
            Some(("my:id".into(), "s+cret".into()))
        );
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(basic_credentials(&h).unwrap_err().code, "invalid_client");
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert!(basic_credentials(&h).is_err());
    }
}
