//! Token introspection (RFC 7662): whether the authorization server considers a token active,
//! asked with client authentication.

use super::exchange::{OAuthHttp, Response};
use super::revoke::post_with_client;
use super::token::ClientCreds;
use super::AuthError;
use serde_json::Value;

/// Introspects `token`; returns the response and its `active` member, if any.
pub async fn introspect(
    http: &OAuthHttp,
    endpoint: &str,
    token: &str,
    hint: Option<&str>,
    client: &ClientCreds,
) -> Result<(Response, Option<bool>), AuthError> {
    let mut fields = vec![("token".to_string(), token.to_string())];
    if let Some(h) = hint {
        fields.push(("token_type_hint".into(), h.into()));
    }
    let r = post_with_client(http, endpoint, fields, client).await?;
    let active = r
        .json
        .as_ref()
        .and_then(|j| j.get("active"))
        .and_then(Value::as_bool);
    Ok((r, active))
}
