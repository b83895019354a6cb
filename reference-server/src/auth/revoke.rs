//! Token revocation (RFC 7009): `POST /revoke` with client authentication. A refresh token
//! revokes its whole family (and the access tokens issued in it); an access token is added to
//! the revocation list that `/mcp` and introspection consult. Unknown tokens, and tokens of
//! other clients, are answered 200 without effect (RFC 7009 §2.2: nothing to tell).

use super::access::verify_own;
use super::client_auth::authenticate;
use super::form::Params;
use super::oauth_error::{Endpoint, OAuthError};
use super::server::{now_secs, AuthServer};
use super::token::{is_form, param};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;

/// `POST /revoke`.
pub(crate) async fn handle(
    State(auth): State<Arc<AuthServer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match run(&auth, &headers, &body).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => e.response(&auth, Endpoint::Other),
    }
}

async fn run(auth: &AuthServer, headers: &HeaderMap, body: &[u8]) -> Result<(), OAuthError> {
    if !is_form(headers) {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let params = Params::parse(body);
    let client = authenticate(auth, headers, &params).await?;
    let token =
        param(&params, "token")?.ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let now = now_secs();
    let refresh = auth.lock().refresh_family(token, now);
    if let Some((family, grant)) = refresh {
        if grant.client_id == client.id {
            auth.lock().revoke_family(&family);
            tracing::info!(client_id = %client.id, "refresh token family revoked");
        }
        return Ok(());
    }
    if let Some(claims) = verify_own(auth, token, false) {
        let s = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or("");
        if s("client_id") == client.id {
            let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(now);
            auth.lock().revoke_access(s("jti"), exp, now);
            tracing::info!(client_id = %client.id, "access token revoked");
        }
    }
    Ok(())
}
