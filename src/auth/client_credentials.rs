//! The client-credentials grant (RFC 6749 §4.4): a confidential client asks for a token for
//! itself, with no user and (RFC 6749 §4.4.3) no refresh token.

use super::exchange::OAuthHttp;
use super::token::{self, ClientCreds, TokenResponse};
use super::AuthError;

/// Sends `grant_type=client_credentials`, with `scope`/`resource` when given.
pub async fn client_credentials(
    http: &OAuthHttp,
    endpoint: &str,
    scope: Option<&str>,
    resource: Option<&str>,
    client: &ClientCreds,
) -> Result<TokenResponse, AuthError> {
    let mut fields = vec![("grant_type".to_string(), "client_credentials".to_string())];
    if let Some(s) = scope {
        fields.push(("scope".into(), s.into()));
    }
    if let Some(r) = resource {
        fields.push(("resource".into(), r.into()));
    }
    token::request(http, endpoint, fields, client).await
}
