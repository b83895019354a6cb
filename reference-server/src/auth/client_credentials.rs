//! The `client_credentials` grant (RFC 6749 §4.4): confidential clients only, acting on their
//! own behalf (`sub` is the client id); scopes within the client's allowance; no refresh
//! token.

use super::clients::Client;
use super::form::Params;
use super::issue::{access_token, token_body};
use super::oauth_error::OAuthError;
use super::scopes::ScopeSet;
use super::server::AuthServer;
use super::store::Grant;
use super::token::param;
use serde_json::Value;

/// Runs the grant for `client`.
pub(crate) fn grant(
    auth: &AuthServer,
    client: &Client,
    params: &Params,
) -> Result<Value, OAuthError> {
    if !client.is_confidential() || !client.allows_grant("client_credentials") {
        return Err(OAuthError::unauthorized_client(
            "only confidential clients registered for client_credentials may use it",
        ));
    }
    let allowed = client.allowed_scopes();
    let scope = match param(params, "scope")? {
        None => allowed,
        Some(s) => {
            let asked = ScopeSet::parse(s)
                .map_err(|bad| OAuthError::invalid_scope(format!("unknown scope `{bad}`")))?;
            if !asked.is_subset(&allowed) {
                return Err(OAuthError::invalid_scope(format!(
                    "this client may request only `{allowed}`"
                )));
            }
            asked
        }
    };
    let resources = params.all("resource");
    if resources.len() > 1 {
        return Err(OAuthError::invalid_target("one resource per request"));
    }
    let audience = auth
        .audience_for(resources.first().copied())
        .map_err(OAuthError::invalid_target)?;
    let grant = Grant {
        client_id: client.id.clone(),
        subject: client.id.clone(),
        scope,
        audience,
        session: None,
    };
    let (access, ttl) = access_token(auth, &grant, None)?;
    Ok(token_body(&access, ttl, &grant, None))
}
