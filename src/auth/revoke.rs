//! Token revocation (RFC 7009): a form POST of `token` (and `token_type_hint`) with client
//! authentication; 200 whether or not the token was known (§2.2).

use super::client_auth;
use super::exchange::{Body, OAuthHttp, Request, Response};
use super::token::ClientCreds;
use super::AuthError;

/// Revokes `token`.
pub async fn revoke(
    http: &OAuthHttp,
    endpoint: &str,
    token: &str,
    hint: Option<&str>,
    client: &ClientCreds,
) -> Result<Response, AuthError> {
    let mut fields = vec![("token".to_string(), token.to_string())];
    if let Some(h) = hint {
        fields.push(("token_type_hint".into(), h.into()));
    }
    post_with_client(http, endpoint, fields, client).await
}

/// A form POST with client authentication (shared with introspection).
pub async fn post_with_client(
    http: &OAuthHttp,
    endpoint: &str,
    mut fields: Vec<(String, String)>,
    client: &ClientCreds,
) -> Result<Response, AuthError> {
    let req = client_auth::apply(
        Request::form(endpoint, Vec::new()),
        &mut fields,
        client.client_id.as_deref(),
        client.client_secret.as_deref(),
        client.method,
    );
    http.send(Request {
        body: Some(Body::Form(fields)),
        ..req
    })
    .await
}
