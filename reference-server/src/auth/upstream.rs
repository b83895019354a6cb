//! Upstream (third-party) mode, the flow of MCP 2025-03-26 "third-party authorization": the
//! MCP server's own authorization endpoint sends the user to an upstream IdP (another
//! reference instance playing `--role as`) with PKCE of its own; the IdP redirects back to
//! `/upstream/callback`, where this server checks `state` and `iss`, exchanges the upstream
//! code, keeps the upstream tokens as a session, and only then issues its own code to the MCP
//! client. The tokens the MCP client gets are this server's, bound to that session (`sid`);
//! the upstream token is never handed out nor accepted at `/mcp` (unless the
//! `auth-upstream-token-passthrough` fault is on).

use super::form::Params;
use super::issue::{complete, redirect_error};
use super::jwt::peek_claims;
use super::login_form::error_page;
use super::oauth_error::{found, html};
use super::pkce::s256;
use super::remote::{is_loopback_url, RemoteError, RemoteIssuer, FETCH_TIMEOUT};
use super::request::AuthzRequest;
use super::secrets::random_token;
use super::server::AuthServer;
use super::settings::ClientSpec;
use super::store::{Pending, UpstreamSession};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};
use std::sync::Arc;
use url::form_urlencoded::byte_serialize;

/// This server's link to the upstream IdP.
pub(crate) struct Upstream {
    /// The IdP (issuer, metadata, keys).
    pub remote: RemoteIssuer,
    authorization_endpoint: String,
    token_endpoint: String,
    iss_required: bool,
    client_id: String,
    /// This server's own secret at the IdP (needed in clear to authenticate there; never
    /// logged).
    client_secret: String,
    callback: String,
    http: reqwest::Client,
}

fn endpoint(meta: &Value, key: &str, url: &str) -> Result<String, RemoteError> {
    meta.get(key)
        .and_then(Value::as_str)
        .filter(|u| is_loopback_url(u))
        .map(str::to_string)
        .ok_or_else(|| RemoteError::BadJson {
            url: url.into(),
            what: format!("no loopback `{key}`"),
        })
}

fn bad(url: &str, what: impl Into<String>) -> RemoteError {
    RemoteError::BadJson {
        url: url.into(),
        what: what.into(),
    }
}

impl Upstream {
    /// Reads the IdP's metadata and, without `client`, registers this server there (DCR).
    pub async fn connect(
        http: &reqwest::Client,
        issuer: &str,
        client: Option<&ClientSpec>,
        origin: &str,
    ) -> Result<Self, RemoteError> {
        let remote = RemoteIssuer::new(issuer, http.clone());
        let meta = remote.metadata().await?;
        let callback = format!("{origin}/upstream/callback");
        let (client_id, client_secret) = match client {
            Some(c) => (c.id.clone(), c.secret.clone()),
            None => {
                let reg = endpoint(&meta, "registration_endpoint", issuer)?;
                register(http, &reg, &callback).await?
            }
        };
        Ok(Self {
            authorization_endpoint: endpoint(&meta, "authorization_endpoint", issuer)?,
            token_endpoint: endpoint(&meta, "token_endpoint", issuer)?,
            iss_required: meta
                .get("authorization_response_iss_parameter_supported")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            remote,
            client_id,
            client_secret,
            callback,
            http: http.clone(),
        })
    }

    /// The HTTP Basic credentials (RFC 6749 §2.3.1: each part form-encoded first).
    fn basic(&self) -> (String, String) {
        (
            byte_serialize(self.client_id.as_bytes()).collect(),
            byte_serialize(self.client_secret.as_bytes()).collect(),
        )
    }

    async fn exchange(&self, code: &str, verifier: &str) -> Result<Value, RemoteError> {
        let url = &self.token_endpoint;
        let (id, secret) = self.basic();
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.callback),
            ("code_verifier", verifier),
        ];
        let resp = self
            .http
            .post(url)
            .basic_auth(id, Some(secret))
            .form(&form)
            .timeout(FETCH_TIMEOUT)
            .send()
            .await
            .map_err(|e| RemoteError::Transport {
                url: url.clone(),
                message: e.without_url().to_string(),
            })?;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.map_err(|_| bad(url, "not JSON"))?;
        if status != 200 || body.get("access_token").and_then(Value::as_str).is_none() {
            let err = body
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("no access_token");
            return Err(bad(url, format!("HTTP {status}: {err}")));
        }
        Ok(body)
    }
}

/// Registers this server at the IdP; returns its client id and secret.
async fn register(
    http: &reqwest::Client,
    url: &str,
    callback: &str,
) -> Result<(String, String), RemoteError> {
    let body = json!({
        "client_name": "mcp-reference-server (upstream mode)",
        "redirect_uris": [callback],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    });
    let resp = http
        .post(url)
        .json(&body)
        .timeout(FETCH_TIMEOUT)
        .send()
        .await
        .map_err(|e| RemoteError::Transport {
            url: url.into(),
            message: e.without_url().to_string(),
        })?;
    let status = resp.status().as_u16();
    let reg: Value = resp.json().await.map_err(|_| bad(url, "not JSON"))?;
    match (
        status,
        reg.get("client_id").and_then(Value::as_str),
        reg.get("client_secret").and_then(Value::as_str),
    ) {
        (200 | 201, Some(id), Some(secret)) => Ok((id.to_string(), secret.to_string())),
        _ => Err(bad(url, format!("registration failed (HTTP {status})"))),
    }
}

/// Sends the user to the IdP for `request` (validated at this server's `/authorize`).
pub(crate) fn begin(auth: &AuthServer, up: &Upstream, request: AuthzRequest) -> Response {
    let verifier = random_token(32);
    let scope = request.scope.to_string();
    let mut pending = Pending::new(request);
    pending.upstream_verifier = Some(verifier.clone());
    let id = auth.lock().add_pending(pending);
    let Ok(mut url) = url::Url::parse(&up.authorization_endpoint) else {
        return html(
            StatusCode::BAD_GATEWAY,
            error_page("Bad upstream endpoint."),
        );
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &up.client_id)
            .append_pair("redirect_uri", &up.callback)
            .append_pair("code_challenge", &s256(&verifier))
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &id);
        if !scope.is_empty() {
            q.append_pair("scope", &scope);
        }
    }
    found(url.as_str())
}

/// `GET /upstream/callback`: the IdP's authorization response.
pub(crate) async fn callback(State(auth): State<Arc<AuthServer>>, uri: Uri) -> Response {
    let params = Params::parse(uri.query().unwrap_or("").as_bytes());
    let pending = params
        .one("state")
        .ok()
        .flatten()
        .and_then(|s| auth.lock().take_pending(s));
    let (Some(pending), Some(up)) = (pending, auth.upstream.as_ref()) else {
        return html(
            StatusCode::BAD_REQUEST,
            error_page("Unknown or expired upstream authorization."),
        );
    };
    let req = &pending.request;
    let deny = |description: &str| {
        redirect_error(
            &auth,
            &req.redirect_uri,
            req.state.as_deref(),
            "access_denied",
            description,
        )
    };
    // RFC 9207 §2.4: the issuer must be the one the request went to, compared exactly.
    match params.one("iss").ok().flatten() {
        Some(iss) if iss != up.remote.issuer => {
            return deny("the upstream response came from another issuer")
        }
        None if up.iss_required => return deny("the upstream response lacks `iss`"),
        _ => {}
    }
    if params.one("error").ok().flatten().is_some() {
        return deny("the upstream identity provider refused the request");
    }
    let (Some(code), Some(verifier)) = (
        params.one("code").ok().flatten(),
        pending.upstream_verifier.as_deref(),
    ) else {
        return deny("the upstream response has no code");
    };
    let tokens = match up.exchange(code, verifier).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("upstream code exchange failed: {e}");
            return redirect_error(
                &auth,
                &req.redirect_uri,
                req.state.as_deref(),
                "server_error",
                "the upstream code exchange failed",
            );
        }
    };
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let subject = peek_claims(&access)
        .ok()
        .and_then(|c| c.get("sub").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "upstream-user".into());
    let sid = random_token(16);
    auth.lock().upstream_sessions.insert(
        sid.clone(),
        UpstreamSession {
            access_token: access,
            refresh_token: tokens["refresh_token"].as_str().map(str::to_string),
        },
    );
    tracing::info!(client_id = %req.client_id, "upstream session established");
    complete(&auth, req, &subject, Some(sid))
}
