//! Client registration: dynamic registration (RFC 7591) and its management endpoint (RFC 7592),
//! client ID metadata documents (the harness hosts its own on a loopback port), and clients
//! registered beforehand.

use super::client_auth::{AuthMethod, Client};
use super::exchange::{OAuthHttp, Request, Response};
use super::loopback::{LoopbackServer, Reply, Seen};
use super::AuthError;
use serde_json::{json, Value};
use std::sync::Arc;

/// The client metadata the harness registers: a native client with one loopback redirect URI.
pub fn default_metadata(redirect_uri: &str, method: AuthMethod, scope: Option<&str>) -> Value {
    let mut grants = vec!["authorization_code", "refresh_token"];
    if method != AuthMethod::None {
        grants.push("client_credentials");
    }
    let mut m = json!({
        "client_name": "mcpcheck",
        "redirect_uris": [redirect_uri],
        "grant_types": grants,
        "response_types": ["code"],
        "token_endpoint_auth_method": method.as_str(),
        "application_type": "native",
    });
    if let Some(s) = scope {
        m["scope"] = Value::String(s.to_string());
    }
    m
}

/// Merges `overrides` into `base` (top-level keys replace; a null value removes the key).
pub fn merge(base: &mut Value, overrides: &Value) {
    if let (Some(b), Some(o)) = (base.as_object_mut(), overrides.as_object()) {
        for (k, v) in o {
            if v.is_null() {
                b.remove(k);
            } else {
                b.insert(k.clone(), v.clone());
            }
        }
    }
}

/// POSTs `metadata` to the registration endpoint. The client is `Some` on a 201/200 answer with
/// a `client_id`.
pub async fn dcr(
    http: &OAuthHttp,
    endpoint: &str,
    metadata: &Value,
) -> Result<(Response, Option<Client>), AuthError> {
    let r = http
        .send(Request::json("POST", endpoint, metadata.clone()))
        .await?;
    let client = (matches!(r.status, 200 | 201))
        .then(|| r.json.as_ref().and_then(|j| client_from(j, metadata)))
        .flatten();
    Ok((r, client))
}

/// Reads a registration response (RFC 7591 §3.2.1).
fn client_from(j: &Value, sent: &Value) -> Option<Client> {
    let s = |k: &str| j.get(k).and_then(Value::as_str).map(str::to_string);
    let method = s("token_endpoint_auth_method")
        .or_else(|| {
            sent.get("token_endpoint_auth_method")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .and_then(|m| AuthMethod::parse(&m))
        .unwrap_or(AuthMethod::Basic);
    let redirect_uris = j
        .get("redirect_uris")
        .or_else(|| sent.get("redirect_uris"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Some(Client {
        client_id: s("client_id")?,
        client_secret: s("client_secret"),
        method,
        registration_access_token: s("registration_access_token"),
        registration_client_uri: s("registration_client_uri"),
        redirect_uris,
        kind: "dcr".into(),
    })
}

/// An RFC 7592 operation on the client configuration endpoint.
#[derive(Clone, Debug, PartialEq)]
pub enum Manage {
    /// `GET`: read the registration.
    Read,
    /// `PUT` with the full metadata.
    Update(Value),
    /// `DELETE`: deregister.
    Delete,
}

/// Performs `op` on `client_uri`, with `Authorization: Bearer <token>` when a token is given.
pub async fn manage(
    http: &OAuthHttp,
    client_uri: &str,
    token: Option<&str>,
    op: &Manage,
) -> Result<Response, AuthError> {
    let mut req = match op {
        Manage::Read => Request::get(client_uri),
        Manage::Update(body) => Request::json("PUT", client_uri, body.clone()),
        Manage::Delete => Request {
            method: "DELETE".into(),
            ..Request::get(client_uri)
        },
    };
    if let Some(t) = token {
        req = req.header("authorization", &format!("Bearer {t}"));
    }
    http.send(req).await
}

/// A client ID metadata document served by the harness on 127.0.0.1.
#[derive(Debug)]
pub struct CimdHost {
    /// The document's URL, which is the client's `client_id`.
    pub url: String,
    /// The document served.
    pub document: Value,
    server: LoopbackServer,
}

impl CimdHost {
    /// Serves a document for `redirect_uri` at `http://127.0.0.1:PORT/clients/mcpcheck.json`,
    /// with `overrides` merged in (e.g. a different `client_id`, to check the server refuses it).
    pub async fn start(redirect_uri: &str, overrides: Option<&Value>) -> Result<Self, AuthError> {
        let slot: Arc<std::sync::OnceLock<String>> = Arc::new(std::sync::OnceLock::new());
        let served = Arc::clone(&slot);
        let server = LoopbackServer::start(Arc::new(move |s: &Seen| {
            match (s.target.split('?').next(), served.get()) {
                (Some("/clients/mcpcheck.json"), Some(doc)) => Reply::json(doc.clone()),
                _ => Reply::not_found(),
            }
        }))
        .await
        .map_err(|e| AuthError::Http(format!("cannot serve a client metadata document: {e}")))?;
        let url = format!("{}/clients/mcpcheck.json", server.origin());
        let mut document = json!({
            "client_id": url,
            "client_name": "mcpcheck",
            "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        });
        if let Some(o) = overrides {
            merge(&mut document, o);
        }
        let _ = slot.set(document.to_string());
        Ok(Self {
            url,
            document,
            server,
        })
    }

    /// How many times the document was fetched.
    pub fn fetches(&self) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|s| s.target.starts_with("/clients/"))
            .count()
    }

    /// The client this document describes.
    pub fn client(&self) -> Client {
        Client {
            client_id: self.url.clone(),
            client_secret: None,
            method: AuthMethod::None,
            registration_access_token: None,
            registration_client_uri: None,
            redirect_uris: self
                .document
                .get("redirect_uris")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            kind: "cimd".into(),
        }
    }
}

/// A client registered beforehand (`--client-id`, `--client-secret`).
pub fn preregistered(
    client_id: &str,
    client_secret: Option<&str>,
    method: Option<AuthMethod>,
    redirect_uri: &str,
) -> Client {
    let method = method.unwrap_or(if client_secret.is_some() {
        AuthMethod::Basic
    } else {
        AuthMethod::None
    });
    Client {
        client_id: client_id.to_string(),
        client_secret: client_secret.map(str::to_string),
        method,
        registration_access_token: None,
        registration_client_uri: None,
        redirect_uris: vec![redirect_uri.to_string()],
        kind: "preregistered".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Transcript;
    use std::time::Duration;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn http() -> OAuthHttp {
        OAuthHttp::new(Transcript::new(), Duration::from_secs(5), 1 << 16).unwrap()
    }

    #[tokio::test]
    async fn dcr_reads_the_registered_client_and_manages_it() {
        let s = MockServer::start().await;
        let uri = s.uri();
        Mock::given(method("POST"))
            .and(path("/register"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "client_id": "c1", "client_secret": "s1",
                "registration_access_token": "rat", "registration_client_uri": format!("{uri}/register/c1"),
                "token_endpoint_auth_method": "client_secret_post",
                "redirect_uris": ["http://127.0.0.1:7/cb"]
            })))
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path("/register/c1"))
            .and(header("authorization", "Bearer rat"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"client_id": "c1"})))
            .mount(&s)
            .await;
        let meta = default_metadata("http://127.0.0.1:7/cb", AuthMethod::Post, Some("read"));
        assert_eq!(meta["application_type"], "native");
        let (r, c) = dcr(&http(), &format!("{uri}/register"), &meta)
            .await
            .unwrap();
        assert_eq!(r.status, 201);
        let c = c.unwrap();
        assert_eq!((c.client_id.as_str(), c.method), ("c1", AuthMethod::Post));
        let uri_c = c.registration_client_uri.clone().unwrap();
        let got = manage(
            &http(),
            &uri_c,
            c.registration_access_token.as_deref(),
            &Manage::Read,
        )
        .await
        .unwrap();
        assert_eq!(got.status, 200);
        let denied = manage(&http(), &uri_c, None, &Manage::Read).await.unwrap();
        assert_eq!(denied.status, 404, "no mock without the token");
    }

    #[tokio::test]
    async fn cimd_document_is_served_at_its_own_url() {
        let host = CimdHost::start(
            "http://127.0.0.1:7/cb",
            Some(&json!({"client_name": "x", "logo_uri": null})),
        )
        .await
        .unwrap();
        let r = http().get(&host.url, &[]).await.unwrap();
        let doc = r.json.unwrap();
        assert_eq!(doc["client_id"], host.url.as_str());
        assert_eq!(doc["client_name"], "x");
        assert_eq!(host.fetches(), 1);
        assert_eq!(host.client().redirect_uris, vec!["http://127.0.0.1:7/cb"]);
    }

    #[test]
    fn merge_replaces_and_removes() {
        let mut b = json!({"a": 1, "b": 2});
        merge(&mut b, &json!({"a": 3, "b": null, "c": 4}));
        assert_eq!(b, json!({"a": 3, "c": 4}));
    }
}
