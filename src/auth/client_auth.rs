//! Client identity and client authentication at the token, revocation and introspection
//! endpoints: `none` (public client: `client_id` in the body), `client_secret_basic` and
//! `client_secret_post` (RFC 6749 §2.3.1).

use super::exchange::Request;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

/// How a client authenticates (`token_endpoint_auth_method`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthMethod {
    /// Public client: `client_id` in the body, no secret.
    #[default]
    None,
    /// HTTP Basic with the form-encoded id and secret.
    Basic,
    /// `client_id` and `client_secret` in the body.
    Post,
}

impl AuthMethod {
    /// From a `token_endpoint_auth_method` value or the short names `none`, `basic`, `post`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(Self::None),
            "client_secret_basic" | "basic" => Some(Self::Basic),
            "client_secret_post" | "post" => Some(Self::Post),
            _ => None,
        }
    }

    /// The RFC 7591 name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Basic => "client_secret_basic",
            Self::Post => "client_secret_post",
        }
    }
}

/// A registered client as the harness knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Client {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`, for confidential clients.
    pub client_secret: Option<String>,
    /// How it authenticates.
    pub method: AuthMethod,
    /// RFC 7592 `registration_access_token`.
    pub registration_access_token: Option<String>,
    /// RFC 7592 `registration_client_uri`.
    pub registration_client_uri: Option<String>,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// `dcr`, `cimd` or `preregistered`.
    pub kind: String,
}

impl Client {
    /// The step-document form (secrets included: reports redact them by key and by value).
    pub fn to_json(&self) -> Value {
        json!({
            "kind": self.kind,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "token_endpoint_auth_method": self.method.as_str(),
            "registration_access_token": self.registration_access_token,
            "registration_client_uri": self.registration_client_uri,
            "redirect_uris": self.redirect_uris,
        })
    }
}

/// Adds client authentication to a form request whose fields are `fields`.
pub fn apply(
    mut req: Request,
    fields: &mut Vec<(String, String)>,
    client_id: Option<&str>,
    secret: Option<&str>,
    method: AuthMethod,
) -> Request {
    match (method, client_id, secret) {
        (AuthMethod::Basic, Some(id), Some(secret)) => {
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let cred = STANDARD.encode(format!("{}:{}", enc(id), enc(secret)));
            req = req.header("authorization", &format!("Basic {cred}"));
        }
        (AuthMethod::Post, Some(id), secret) => {
            fields.push(("client_id".into(), id.to_string()));
            if let Some(s) = secret {
                fields.push(("client_secret".into(), s.to_string()));
            }
        }
        (_, Some(id), _) => fields.push(("client_id".into(), id.to_string())),
        (_, None, _) => {}
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_encodes_id_and_secret_first() {
        let mut f = Vec::new();
        let r = apply(
            Request::form("http://x/token", Vec::new()),
            &mut f,
            Some("a b"),
            Some("p:w"),
            AuthMethod::Basic,
        );
        assert!(f.is_empty());
        let (_, v) = &r.headers[0];
        let decoded = STANDARD.decode(v.trim_start_matches("Basic ")).unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "a+b:p%3Aw");
    }

    #[test]
    fn post_and_none_put_the_id_in_the_body() {
        let mut f = Vec::new();
        apply(
            Request::get("http://x"),
            &mut f,
            Some("id"),
            Some("s"),
            AuthMethod::Post,
        );
        assert_eq!(
            f,
            vec![
                ("client_id".into(), "id".into()),
                ("client_secret".into(), "s".into())
            ]
        );
        let mut f = Vec::new();
        let r = apply(
            Request::get("http://x"),
            &mut f,
            Some("id"),
            Some("s"),
            AuthMethod::None,
        );
        assert_eq!(f, vec![("client_id".into(), "id".into())]);
        assert!(r.headers.is_empty());
        assert_eq!(
            AuthMethod::parse("client_secret_basic"),
            Some(AuthMethod::Basic)
        );
    }
}
