//! The `refresh_token` grant (OAuth 2.1 §4.3): the token must be its family's current one and
//! belong to the authenticated client; a narrower `scope` applies to the new access token
//! only; the refresh token rotates, and presenting a rotated one again is taken as theft and
//! revokes the whole family (its refresh and access tokens).

use super::clients::Client;
use super::form::Params;
use super::issue::{access_token, token_body};
use super::oauth_error::OAuthError;
use super::scopes::ScopeSet;
use super::server::{now_secs, AuthServer};
use super::store::{Grant, RefreshUse};
use super::token::{check_resource, param};
use crate::fault::Fault;
use serde_json::Value;

/// Runs the grant for `client`.
pub(crate) fn grant(
    auth: &AuthServer,
    client: &Client,
    params: &Params,
) -> Result<Value, OAuthError> {
    let presented = param(params, "refresh_token")?
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let now = now_secs();
    let found = auth.lock().use_refresh(presented, now);
    let (family, grant) = match found {
        RefreshUse::Current { family, grant } => (family, grant),
        RefreshUse::Rotated { family } => {
            if !auth.has(Fault::AuthRefreshReuseNotDetected) {
                auth.lock().revoke_family(&family);
                tracing::warn!(client_id = %client.id, "rotated refresh token reused; family revoked");
            }
            return Err(OAuthError::invalid_grant(
                "the refresh token was already used",
            ));
        }
        RefreshUse::Invalid => return Err(OAuthError::invalid_grant("invalid refresh token")),
    };
    if grant.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if let Some(sid) = &grant.session {
        if !auth.lock().upstream_sessions.contains_key(sid) {
            return Err(OAuthError::invalid_grant("the upstream session has ended"));
        }
    }
    let scope = match param(params, "scope")? {
        None => grant.scope.clone(),
        Some(s) => {
            let asked = ScopeSet::parse(s)
                .map_err(|bad| OAuthError::invalid_scope(format!("unknown scope `{bad}`")))?;
            if !asked.is_subset(&grant.scope) {
                return Err(OAuthError::invalid_scope(
                    "a refresh cannot widen the granted scope",
                ));
            }
            asked
        }
    };
    check_resource(auth, params, &grant.audience)?;
    let narrowed = Grant { scope, ..grant };
    let (access, ttl) = access_token(auth, &narrowed, Some(&family))?;
    let refresh = if auth.has(Fault::AuthNoRefreshRotation) {
        presented.to_string()
    } else {
        auth.lock().issue_refresh(&family, now, false)
    };
    Ok(token_body(&access, ttl, &narrowed, Some(&refresh)))
}
