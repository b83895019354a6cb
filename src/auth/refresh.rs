//! The refresh-token grant (RFC 6749 §6, OAuth 2.1 §4.3): a new access token, and for public
//! clients a rotated refresh token.

use super::exchange::OAuthHttp;
use super::token::{self, ClientCreds, TokenResponse};
use super::AuthError;

/// Sends `grant_type=refresh_token` with `refresh_token`, and `scope`/`resource` when given.
pub async fn refresh(
    http: &OAuthHttp,
    endpoint: &str,
    refresh_token: &str,
    scope: Option<&str>,
    resource: Option<&str>,
    client: &ClientCreds,
) -> Result<TokenResponse, AuthError> {
    let mut fields = vec![
        ("grant_type".to_string(), "refresh_token".to_string()),
        ("refresh_token".to_string(), refresh_token.to_string()),
    ];
    if let Some(s) = scope {
        fields.push(("scope".into(), s.into()));
    }
    if let Some(r) = resource {
        fields.push(("resource".into(), r.into()));
    }
    token::request(http, endpoint, fields, client).await
}
