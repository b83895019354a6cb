//! Issuing: authorization codes delivered to the redirect URI (with `state` and, per RFC 9207,
//! `iss`), and signed access tokens (RFC 9068 claims) with the token response around them.

use super::oauth_error::{found, OAuthError};
use super::request::AuthzRequest;
use super::secrets::random_token;
use super::server::{now_secs, AuthServer};
use super::store::{CodeGrant, Grant};
use crate::fault::Fault;
use serde_json::{json, Value};
use std::time::Instant;

/// A 302 to `redirect_uri` with `pairs` added to its query, plus `state` (echoed unless
/// `auth-state-dropped`) and `iss` (unless `auth-no-iss-in-response`, or for an error under
/// `auth-iss-missing-on-error`).
pub(crate) fn redirect_with(
    auth: &AuthServer,
    redirect_uri: &str,
    pairs: &[(&str, &str)],
    state: Option<&str>,
) -> axum::response::Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return found(redirect_uri);
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        if let (Some(s), false) = (state, auth.has(Fault::AuthStateDropped)) {
            q.append_pair("state", s);
        }
        // `auth-iss-missing-on-error`: error redirects leave `iss` out although the metadata
        // still advertises authorization_response_iss_parameter_supported.
        let is_error = pairs.iter().any(|(k, _)| *k == "error");
        let drop_iss = auth.has(Fault::AuthNoIssInResponse)
            || (is_error && auth.has(Fault::AuthIssMissingOnError));
        if !drop_iss {
            q.append_pair("iss", &auth.issuer);
        }
    }
    found(url.as_str())
}

/// An error sent to the redirect URI.
pub(crate) fn redirect_error(
    auth: &AuthServer,
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> axum::response::Response {
    redirect_with(
        auth,
        redirect_uri,
        &[("error", error), ("error_description", description)],
        state,
    )
}

/// Issues a code for `request`, granted to `subject` (bound to upstream `session`, if any),
/// and redirects to the client with it.
pub(crate) fn complete(
    auth: &AuthServer,
    request: &AuthzRequest,
    subject: &str,
    session: Option<String>,
) -> axum::response::Response {
    let code = auth.lock().add_code(CodeGrant {
        grant: Grant {
            client_id: request.client_id.clone(),
            subject: subject.to_string(),
            scope: request.scope.clone(),
            audience: request.audience.clone(),
            session,
        },
        redirect_uri: request.redirect_uri.clone(),
        redirect_given: request.redirect_given,
        challenge: request.challenge.clone(),
        expires: Instant::now() + auth.config.code_ttl,
        family: None,
        used: false,
    });
    tracing::info!(client_id = %request.client_id, "authorization code issued");
    redirect_with(
        auth,
        &request.redirect_uri,
        &[("code", &code)],
        request.state.as_deref(),
    )
}

/// A signed access token for `grant`, recorded in `family` (so that revoking the family
/// revokes it); returns the token and its lifetime in seconds.
pub(crate) fn access_token(
    auth: &AuthServer,
    grant: &Grant,
    family: Option<&str>,
) -> Result<(String, u64), OAuthError> {
    let now = now_secs();
    let ttl = auth.config.token_ttl.as_secs().max(1);
    let exp = now + ttl;
    let jti = random_token(16);
    let mut claims = json!({
        "iss": auth.issuer,
        "sub": grant.subject,
        "aud": grant.audience,
        "exp": exp,
        "iat": now,
        "nbf": now,
        "jti": jti,
        "client_id": grant.client_id,
    });
    if !grant.scope.is_empty() {
        claims["scope"] = json!(grant.scope.to_string());
    }
    if let Some(sid) = &grant.session {
        claims["sid"] = json!(sid);
    }
    let token = auth
        .key
        .sign(&claims)
        .map_err(|e| OAuthError::server_error(e.to_string()))?;
    if let Some(f) = family {
        auth.lock().record_access(f, &jti, exp);
    }
    tracing::info!(client_id = %grant.client_id, "access token issued");
    Ok((token, ttl))
}

/// The token response body (RFC 6749 §5.1).
pub(crate) fn token_body(access: &str, ttl: u64, grant: &Grant, refresh: Option<&str>) -> Value {
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl,
        "scope": grant.scope.to_string(),
    });
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    body
}
