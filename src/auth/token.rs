//! The token endpoint (RFC 6749 §3.2, OAuth 2.1 §3.2): one form POST with client
//! authentication, and its answer read as evidence; plus the authorization-code grant.

use super::client_auth::{self, AuthMethod};
use super::exchange::{OAuthHttp, Request, Response};
use super::jwt;
use super::AuthError;
use serde_json::{json, Value};

/// Who is asking, for client authentication.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientCreds {
    /// `client_id`, if any.
    pub client_id: Option<String>,
    /// `client_secret`, if any.
    pub client_secret: Option<String>,
    /// How to authenticate.
    pub method: AuthMethod,
}

/// A token endpoint answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TokenResponse {
    /// The HTTP response.
    pub response: Response,
    /// 200 with an `access_token`.
    pub ok: bool,
    /// `error` of an error response.
    pub error: Option<String>,
    /// `access_token`.
    pub access_token: Option<String>,
    /// `refresh_token`.
    pub refresh_token: Option<String>,
    /// `token_type`.
    pub token_type: Option<String>,
    /// `expires_in`.
    pub expires_in: Option<u64>,
    /// `scope`.
    pub scope: Option<String>,
}

impl TokenResponse {
    /// Reads a token endpoint response.
    pub fn from_response(response: Response) -> Self {
        let j = response.json.clone().unwrap_or(Value::Null);
        let s = |k: &str| j.get(k).and_then(Value::as_str).map(str::to_string);
        let access_token = s("access_token");
        Self {
            ok: response.status == 200 && access_token.is_some(),
            error: s("error"),
            access_token,
            refresh_token: s("refresh_token"),
            token_type: s("token_type"),
            expires_in: j.get("expires_in").and_then(Value::as_u64),
            scope: s("scope"),
            response,
        }
    }

    /// A one-line reason for a failed request.
    pub fn failure(&self) -> String {
        let j = self.response.json.as_ref();
        let desc = j
            .and_then(|j| j.get("error_description"))
            .and_then(Value::as_str)
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        match &self.error {
            Some(e) => format!("HTTP {}: {e}{desc}", self.response.status),
            None => format!("HTTP {} without an access_token", self.response.status),
        }
    }

    /// The step-document form: status, error, tokens, decoded JWT header and claims,
    /// `cache_control` and the raw JSON.
    pub fn to_json(&self) -> Value {
        let decoded = self.access_token.as_deref().and_then(jwt::decode);
        let j = self.response.json.as_ref();
        json!({
            "ok": self.ok,
            "status": self.response.status,
            "error": self.error,
            "error_description": j.and_then(|j| j.get("error_description")).cloned(),
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "scope": self.scope,
            "cache_control": self.response.header("cache-control"),
            "jwt_header": decoded.as_ref().map(|d| d.0.clone()),
            "claims": decoded.map(|d| d.1),
            "response": self.response.json,
        })
    }
}

/// POSTs `fields` to the token endpoint with client authentication.
pub async fn request(
    http: &OAuthHttp,
    endpoint: &str,
    mut fields: Vec<(String, String)>,
    client: &ClientCreds,
) -> Result<TokenResponse, AuthError> {
    let req = client_auth::apply(
        Request::form(endpoint, Vec::new()),
        &mut fields,
        client.client_id.as_deref(),
        client.client_secret.as_deref(),
        client.method,
    );
    let req = Request {
        body: Some(super::exchange::Body::Form(fields)),
        ..req
    };
    Ok(TokenResponse::from_response(http.send(req).await?))
}

/// The authorization-code grant's parameters (`None`: the parameter is left out).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeGrant {
    /// `code`.
    pub code: Option<String>,
    /// `code_verifier`.
    pub code_verifier: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `resource` (RFC 8707).
    pub resource: Option<String>,
}

/// Redeems an authorization code.
pub async fn exchange_code(
    http: &OAuthHttp,
    endpoint: &str,
    grant: &CodeGrant,
    client: &ClientCreds,
    grant_type: &str,
) -> Result<TokenResponse, AuthError> {
    let mut fields = vec![("grant_type".to_string(), grant_type.to_string())];
    let mut opt = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            fields.push((k.to_string(), v.clone()));
        }
    };
    opt("code", &grant.code);
    opt("redirect_uri", &grant.redirect_uri);
    opt("code_verifier", &grant.code_verifier);
    opt("resource", &grant.resource);
    request(http, endpoint, fields, client).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Transcript;
    use std::time::Duration;
    use wiremock::matchers::{body_string_contains, header_exists, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn code_grant_sends_every_parameter_and_reads_the_answer() {
        let s = MockServer::start().await;
        Mock::given(method("POST"))
            .and(body_string_contains("grant_type=authorization_code"))
            .and(body_string_contains("code_verifier=v1"))
            .and(body_string_contains("resource=http%3A%2F%2Fr%2Fmcp"))
            .and(header_exists("authorization"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("cache-control", "no-store")
                    .set_body_json(json!({"access_token": "a.b.c", "token_type": "Bearer", "expires_in": 60, "refresh_token": "r1"})),
            )
            .mount(&s)
            .await;
        let http = OAuthHttp::new(Transcript::new(), Duration::from_secs(5), 1 << 16).unwrap();
        let grant = CodeGrant {
            code: Some("c1".into()),
            code_verifier: Some("v1".into()),
            redirect_uri: Some("http://127.0.0.1:9/cb".into()),
            resource: Some("http://r/mcp".into()),
        };
        let client = ClientCreds {
            client_id: Some("id".into()),
            client_secret: Some("sec".into()),
            method: AuthMethod::Basic,
        };
        let t = exchange_code(&http, &s.uri(), &grant, &client, "authorization_code")
            .await
            .unwrap();
        assert!(t.ok, "{t:?}");
        assert_eq!(t.refresh_token.as_deref(), Some("r1"));
        assert_eq!(t.to_json()["cache_control"], "no-store");
    }

    #[test]
    fn error_responses_are_read() {
        let t = TokenResponse::from_response(Response {
            status: 400,
            json: Some(json!({"error": "invalid_grant", "error_description": "used"})),
            ..Response::default()
        });
        assert!(!t.ok);
        assert_eq!(t.failure(), "HTTP 400: invalid_grant (used)");
    }
}
