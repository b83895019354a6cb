//! Token introspection (RFC 7662): `POST /introspect`, for confidential clients only. Active
//! access tokens are described by their claims; active refresh tokens by their grant;
//! anything else (unknown, expired, revoked, foreign) is just `{"active": false}`.

use super::access::verify_own;
use super::client_auth::authenticate;
use super::form::Params;
use super::oauth_error::{json_response, Endpoint, OAuthError};
use super::server::{now_secs, AuthServer};
use super::token::{is_form, param};
use crate::fault::Fault;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{json, Value};
use std::sync::Arc;

/// `POST /introspect`.
pub(crate) async fn handle(
    State(auth): State<Arc<AuthServer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match run(&auth, &headers, &body).await {
        Ok(v) => json_response(StatusCode::OK, &v, true),
        Err(e) => e.response(&auth, Endpoint::Other),
    }
}

async fn run(auth: &AuthServer, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    if !is_form(headers) {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let params = Params::parse(body);
    let client = authenticate(auth, headers, &params).await?;
    if !client.is_confidential() {
        return Err(OAuthError::invalid_client(
            "introspection needs a confidential client",
            false,
        ));
    }
    let token =
        param(&params, "token")?.ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let refresh = auth.lock().refresh_family(token, now_secs());
    if let Some((_, grant)) = refresh {
        return Ok(json!({
            "active": true,
            "token_type": "refresh_token",
            "client_id": grant.client_id,
            "sub": grant.subject,
            "aud": grant.audience,
            "scope": grant.scope.to_string(),
            "iss": auth.issuer,
        }));
    }
    let check_revoked = !auth.has(Fault::AuthIntrospectionStale);
    let Some(claims) = verify_own(auth, token, check_revoked) else {
        return Ok(json!({"active": false}));
    };
    let mut out = json!({"active": true, "token_type": "Bearer"});
    for k in [
        "scope",
        "client_id",
        "sub",
        "aud",
        "iss",
        "exp",
        "iat",
        "nbf",
        "jti",
    ] {
        if let Some(v) = claims.get(k) {
            out[k] = v.clone();
        }
    }
    Ok(out)
}
