//! Finding the authorization server of a protected MCP server, in the order the spec gives.
//!
//! 2025-06-18 and later (RFC 9728, RFC 8414, OIDC Discovery): an unauthenticated request gets a
//! 401 whose `WWW-Authenticate: Bearer resource_metadata="…"` names the protected resource
//! metadata (PRM); without it (or when it fails) the client tries
//! `/.well-known/oauth-protected-resource/<path>` and then the root one. The PRM's `resource` must
//! be the MCP endpoint, and its `authorization_servers` name the issuer, whose metadata is tried
//! at `/.well-known/oauth-authorization-server<path>`, `/.well-known/openid-configuration<path>`
//! and `<path>/.well-known/openid-configuration`; the metadata's `issuer` must be that issuer
//! exactly. 2025-03-26: the metadata sits at the MCP origin's root, and without it the default
//! endpoints `/authorize`, `/token` and `/register` are used.

use super::challenge::{self, Challenge};
use super::exchange::{OAuthHttp, Request, Response};
use super::AuthError;
use crate::protocol::ProtocolVersion;
use serde_json::{json, Value};

/// What discovery found, step by step (kept even when it stops early, as evidence).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Discovery {
    /// The MCP endpoint: the resource identifier (RFC 8707) of the server.
    pub resource: String,
    /// The unauthenticated probe answered 401.
    pub protected: bool,
    /// The probe's response.
    pub probe: Option<Response>,
    /// Challenges of the probe's `WWW-Authenticate`.
    pub challenges: Vec<Challenge>,
    /// `resource_metadata` from the Bearer challenge.
    pub resource_metadata_url: Option<String>,
    /// Where the PRM was found.
    pub prm_url: Option<String>,
    /// The PRM document.
    pub prm: Option<Value>,
    /// The authorization server's issuer identifier.
    pub issuer: Option<String>,
    /// Where its metadata was found.
    pub as_metadata_url: Option<String>,
    /// The metadata (for 2025-03-26 without metadata: the default endpoints).
    pub as_metadata: Option<Value>,
    /// 2025-03-26 default endpoints in use (no metadata served).
    pub legacy_defaults: bool,
    /// Every URL tried, in order, with its status (0: no response).
    pub tried: Vec<(String, u16)>,
}

impl Discovery {
    /// An endpoint URL from the AS metadata (`token_endpoint`, …).
    pub fn endpoint(&self, key: &str) -> Option<String> {
        self.as_metadata
            .as_ref()?
            .get(key)?
            .as_str()
            .map(str::to_string)
    }

    /// Whether the metadata lists `method` in `code_challenge_methods_supported`.
    pub fn supports_pkce(&self, method: &str) -> bool {
        self.as_metadata
            .as_ref()
            .and_then(|m| m.get("code_challenge_methods_supported"))
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(method)))
    }

    /// The step-document form: `/auth/discover/...`.
    pub fn to_json(&self) -> Value {
        let bearer = self.challenges.iter().find(|c| c.is_bearer());
        json!({
            "resource": self.resource,
            "protected": self.protected,
            "probe_status": self.probe.as_ref().map(|p| p.status),
            "www_authenticate": self.probe.as_ref().map(|p| p.header_all("www-authenticate").join(", ")),
            "challenges": self.challenges.iter().map(Challenge::to_json).collect::<Vec<_>>(),
            "bearer": bearer.map(Challenge::to_json),
            "resource_metadata_url": self.resource_metadata_url,
            "prm_url": self.prm_url,
            "prm": self.prm,
            "issuer": self.issuer,
            "as_metadata_url": self.as_metadata_url,
            "as_metadata": self.as_metadata,
            "legacy_defaults": self.legacy_defaults,
            "tried": self.tried.iter().map(|(u, s)| json!({"url": u, "status": s})).collect::<Vec<_>>(),
        })
    }
}

/// The unauthenticated probe: one MCP request without credentials (see [`probe_with`]).
pub async fn probe(
    http: &OAuthHttp,
    endpoint: &str,
    version: ProtocolVersion,
) -> Result<Response, AuthError> {
    probe_with(http, endpoint, version, None).await
}

/// The JSON-RPC request an authorization probe sends at `version`, with its per-request
/// headers: `initialize` where the version has the handshake; on the stateless 2026-07-28 wire
/// (no `initialize`) a `tools/list` carrying the `_meta` declarations and the
/// `MCP-Protocol-Version` / `Mcp-Method` headers every request there needs. `tools/list`
/// rather than `server/discover`: a server may answer discovery without credentials, while
/// listing tools is an operation the resource protects.
pub fn probe_request(version: ProtocolVersion) -> (Value, Vec<(String, String)>) {
    if version.features().initialize {
        let body = json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {
                "protocolVersion": version.as_str(),
                "capabilities": {},
                "clientInfo": {"name": "mcpcheck", "version": env!("CARGO_PKG_VERSION")}
            }
        });
        return (body, Vec::new());
    }
    let st = crate::session::Stateless::new(version.as_str());
    st.prepare(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
}

/// The probe ([`probe_request`]) POSTed with `bearer` (none: no `Authorization` at all).
pub async fn probe_with(
    http: &OAuthHttp,
    endpoint: &str,
    version: ProtocolVersion,
    bearer: Option<&str>,
) -> Result<Response, AuthError> {
    let (body, headers) = probe_request(version);
    let mut req = Request::json("POST", endpoint, body)
        .header("accept", "application/json, text/event-stream");
    for (k, v) in &headers {
        req = req.header(k, v);
    }
    if let Some(t) = bearer {
        req = req.header("authorization", &format!("Bearer {t}"));
    }
    http.send(req).await
}

/// PRM well-known URLs for `endpoint`: path-based first (when there is a path), then root.
pub fn prm_candidates(endpoint: &str) -> Vec<String> {
    well_known(endpoint, "oauth-protected-resource")
}

/// AS metadata URLs for `issuer`, in the order of 2025-11-25 (RFC 8414 §3.1, then OIDC).
pub fn as_metadata_candidates(issuer: &str) -> Vec<String> {
    let Ok(u) = url::Url::parse(issuer) else {
        return Vec::new();
    };
    let origin = u.origin().ascii_serialization();
    let path = u.path().trim_end_matches('/');
    if path.is_empty() {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server"),
            format!("{origin}/.well-known/openid-configuration"),
        ]
    } else {
        vec![
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{origin}/.well-known/openid-configuration{path}"),
            format!("{origin}{path}/.well-known/openid-configuration"),
        ]
    }
}

fn well_known(endpoint: &str, name: &str) -> Vec<String> {
    let Ok(u) = url::Url::parse(endpoint) else {
        return Vec::new();
    };
    let origin = u.origin().ascii_serialization();
    let path = u.path().trim_end_matches('/');
    let mut out = Vec::new();
    if !path.is_empty() {
        out.push(format!("{origin}/.well-known/{name}{path}"));
    }
    out.push(format!("{origin}/.well-known/{name}"));
    out
}

/// The MCP version header for discovery GETs (2025-03-26 clients SHOULD send it).
fn version_header(version: ProtocolVersion) -> Vec<(String, String)> {
    vec![(
        "mcp-protocol-version".to_string(),
        version.as_str().to_string(),
    )]
}

/// Runs discovery for `endpoint` at `version`. `Ok` with `protected: false` when the probe was
/// not refused; `Err(Refused)` when a spec-following client must stop (the partial result is in
/// `out`, which the caller keeps as evidence).
pub async fn discover(
    http: &OAuthHttp,
    endpoint: &str,
    version: ProtocolVersion,
    out: &mut Discovery,
) -> Result<(), AuthError> {
    out.resource = endpoint.to_string();
    let resp = probe(http, endpoint, version).await?;
    out.protected = resp.status == 401;
    out.challenges = challenge::parse_all(resp.header_all("www-authenticate"));
    out.resource_metadata_url = out
        .challenges
        .iter()
        .find(|c| c.is_bearer())
        .and_then(|c| c.param("resource_metadata"))
        .map(str::to_string);
    out.probe = Some(resp);
    if !out.protected {
        return Ok(());
    }
    if !super::features(version).prm {
        return legacy(http, endpoint, version, out).await;
    }
    find_prm(http, endpoint, version, out).await?;
    let issuer = out
        .prm
        .as_ref()
        .and_then(|p| p.get("authorization_servers"))
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            AuthError::Refused(
                "the protected resource metadata names no authorization server (`authorization_servers`)".into(),
            )
        })?;
    out.issuer = Some(issuer.clone());
    find_as_metadata(http, &issuer, version, out).await
}

async fn find_prm(
    http: &OAuthHttp,
    endpoint: &str,
    version: ProtocolVersion,
    out: &mut Discovery,
) -> Result<(), AuthError> {
    let mut candidates: Vec<String> = out.resource_metadata_url.iter().cloned().collect();
    for c in prm_candidates(endpoint) {
        if !candidates.contains(&c) {
            candidates.push(c);
        }
    }
    for url in candidates {
        let r = match http.get(&url, &version_header(version)).await {
            Ok(r) => r,
            Err(_) => {
                out.tried.push((url, 0));
                continue;
            }
        };
        out.tried.push((url.clone(), r.status));
        let Some(doc @ Value::Object(_)) = r.json.clone().filter(|_| r.status == 200) else {
            continue;
        };
        out.prm_url = Some(url);
        let resource = doc
            .get("resource")
            .and_then(Value::as_str)
            .map(str::to_string);
        out.prm = Some(doc);
        // RFC 9728 §3.3: metadata whose `resource` is not the resource asked about MUST NOT be used.
        if resource.as_deref() != Some(endpoint) {
            return Err(AuthError::Refused(format!(
                "the protected resource metadata is for {}, not for {endpoint} (RFC 9728 §3.3: it must not be used)",
                resource.map_or("no resource".into(), |r| format!("`{r}`"))
            )));
        }
        return Ok(());
    }
    Err(AuthError::Refused(
        "no protected resource metadata: neither the 401's resource_metadata nor the well-known URLs answered 200 JSON".into(),
    ))
}

/// Fetches and validates the metadata of `issuer` (the first candidate answering 200 JSON).
pub async fn find_as_metadata(
    http: &OAuthHttp,
    issuer: &str,
    version: ProtocolVersion,
    out: &mut Discovery,
) -> Result<(), AuthError> {
    out.issuer = Some(issuer.to_string());
    for url in as_metadata_candidates(issuer) {
        let r = match http.get(&url, &version_header(version)).await {
            Ok(r) => r,
            Err(_) => {
                out.tried.push((url, 0));
                continue;
            }
        };
        out.tried.push((url.clone(), r.status));
        let Some(doc @ Value::Object(_)) = r.json.clone().filter(|_| r.status == 200) else {
            continue;
        };
        let served = doc
            .get("issuer")
            .and_then(Value::as_str)
            .map(str::to_string);
        out.as_metadata_url = Some(url.clone());
        out.as_metadata = Some(doc);
        // RFC 8414 §3.3: the issuer must be identical to the one the URL was built from.
        if served.as_deref() != Some(issuer) {
            return Err(AuthError::Refused(format!(
                "the authorization server metadata at {url} has issuer {}, not `{issuer}` (RFC 8414 §3.3: it must not be used)",
                served.map_or("none".into(), |s| format!("`{s}`"))
            )));
        }
        return Ok(());
    }
    Err(AuthError::Refused(format!(
        "no authorization server metadata found for issuer `{issuer}`"
    )))
}

/// 2025-03-26: metadata at the MCP origin's root, else the default endpoints.
async fn legacy(
    http: &OAuthHttp,
    endpoint: &str,
    version: ProtocolVersion,
    out: &mut Discovery,
) -> Result<(), AuthError> {
    let origin = url::Url::parse(endpoint)
        .map(|u| u.origin().ascii_serialization())
        .map_err(|e| AuthError::Protocol(format!("invalid endpoint `{endpoint}`: {e}")))?;
    out.issuer = Some(origin.clone());
    let url = format!("{origin}/.well-known/oauth-authorization-server");
    let r = http.get(&url, &version_header(version)).await?;
    out.tried.push((url.clone(), r.status));
    if let Some(doc @ Value::Object(_)) = r.json.clone().filter(|_| r.status == 200) {
        out.as_metadata_url = Some(url);
        out.as_metadata = Some(doc);
        return Ok(());
    }
    out.legacy_defaults = true;
    out.as_metadata = Some(json!({
        "issuer": origin,
        "authorization_endpoint": format!("{origin}/authorize"),
        "token_endpoint": format!("{origin}/token"),
        "registration_endpoint": format!("{origin}/register"),
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Transcript;
    use std::time::Duration;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[test]
    fn candidate_orders() {
        assert_eq!(
            prm_candidates("http://h:1/mcp"),
            vec![
                "http://h:1/.well-known/oauth-protected-resource/mcp",
                "http://h:1/.well-known/oauth-protected-resource"
            ]
        );
        assert_eq!(
            as_metadata_candidates("https://as.example/tenant1"),
            vec![
                "https://as.example/.well-known/oauth-authorization-server/tenant1",
                "https://as.example/.well-known/openid-configuration/tenant1",
                "https://as.example/tenant1/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            as_metadata_candidates("http://127.0.0.1:9"),
            vec![
                "http://127.0.0.1:9/.well-known/oauth-authorization-server",
                "http://127.0.0.1:9/.well-known/openid-configuration",
            ]
        );
    }

    async fn server_with(prm_resource: &str, issuer_served: &str) -> MockServer {
        let s = MockServer::start().await;
        let uri = s.uri();
        Mock::given(method("POST"))
            .and(path("/mcp"))
            .respond_with(ResponseTemplate::new(401).insert_header(
                "www-authenticate",
                format!("Bearer resource_metadata=\"{uri}/prm-here\""),
            ))
            .mount(&s)
            .await;
        Mock::given(path("/prm-here"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "resource": prm_resource.replace("{uri}", &uri),
                "authorization_servers": [format!("{uri}/as")]
            })))
            .mount(&s)
            .await;
        // Only the last candidate answers: the client must walk the list in order.
        Mock::given(path("/as/.well-known/openid-configuration"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "issuer": issuer_served.replace("{uri}", &uri),
                "authorization_endpoint": format!("{uri}/as/authorize"),
                "token_endpoint": format!("{uri}/as/token"),
                "code_challenge_methods_supported": ["S256"]
            })))
            .mount(&s)
            .await;
        s
    }

    fn http() -> OAuthHttp {
        OAuthHttp::new(Transcript::new(), Duration::from_secs(5), 1 << 20).unwrap()
    }

    #[tokio::test]
    async fn follows_header_then_walks_as_candidates() {
        let s = server_with("{uri}/mcp", "{uri}/as").await;
        let mut d = Discovery::default();
        let endpoint = format!("{}/mcp", s.uri());
        discover(&http(), &endpoint, ProtocolVersion::V2025_11_25, &mut d)
            .await
            .unwrap();
        assert!(d.protected);
        assert_eq!(d.prm_url, Some(format!("{}/prm-here", s.uri())));
        assert_eq!(d.issuer, Some(format!("{}/as", s.uri())));
        assert!(d.supports_pkce("S256"));
        let statuses: Vec<u16> = d.tried.iter().map(|t| t.1).collect();
        assert_eq!(statuses, vec![200, 404, 404, 200]);
        assert_eq!(
            d.endpoint("token_endpoint"),
            Some(format!("{}/as/token", s.uri()))
        );
    }

    /// A foreign PRM `resource` and a metadata `issuer` other than the one the URL was built
    /// from are refused, at 2025-11-25 and at 2026-07-28 (v2607.meta-issuer).
    #[tokio::test]
    async fn refuses_foreign_prm_and_issuer_mismatch() {
        for v in [ProtocolVersion::V2025_11_25, ProtocolVersion::V2026_07_28] {
            let s = server_with("{uri}/other", "{uri}/as").await;
            let mut d = Discovery::default();
            let endpoint = format!("{}/mcp", s.uri());
            let e = discover(&http(), &endpoint, v, &mut d).await.unwrap_err();
            assert!(
                matches!(e, AuthError::Refused(ref m) if m.contains("9728")),
                "{v}: {e}"
            );
            for foreign in ["{uri}/as/", "{uri}/AS", "{uri}/other-as"] {
                let s = server_with("{uri}/mcp", foreign).await;
                let mut d = Discovery::default();
                let endpoint = format!("{}/mcp", s.uri());
                let e = discover(&http(), &endpoint, v, &mut d).await.unwrap_err();
                assert!(
                    matches!(e, AuthError::Refused(ref m) if m.contains("8414")),
                    "{v} {foreign}: {e}"
                );
                assert!(d.as_metadata.is_some(), "kept as evidence");
            }
        }
    }

    /// The probe at each version: `initialize` with the handshake; at 2026-07-28 a stateless
    /// `tools/list` with its `_meta` and the headers every request there carries.
    #[test]
    fn the_probe_speaks_the_run_version() {
        let (body, headers) = probe_request(ProtocolVersion::V2025_11_25);
        assert_eq!(body["method"], "initialize");
        assert_eq!(body["params"]["protocolVersion"], "2025-11-25");
        assert!(headers.is_empty());
        let (body, headers) = probe_request(ProtocolVersion::V2026_07_28);
        assert_eq!(body["method"], "tools/list");
        assert_eq!(
            body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"],
            "2026-07-28"
        );
        assert!(body["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"].is_object());
        let h = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(h("mcp-protocol-version"), Some("2026-07-28"));
        assert_eq!(h("mcp-method"), Some("tools/list"));
    }

    #[tokio::test]
    async fn unprotected_server_is_not_an_error() {
        let s = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"jsonrpc": "2.0", "id": 1, "result": {}})),
            )
            .mount(&s)
            .await;
        let mut d = Discovery::default();
        discover(
            &http(),
            &format!("{}/mcp", s.uri()),
            ProtocolVersion::V2025_06_18,
            &mut d,
        )
        .await
        .unwrap();
        assert!(!d.protected);
    }

    #[tokio::test]
    async fn legacy_uses_root_metadata_or_defaults() {
        let s = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&s)
            .await;
        let mut d = Discovery::default();
        discover(
            &http(),
            &format!("{}/mcp", s.uri()),
            ProtocolVersion::V2025_03_26,
            &mut d,
        )
        .await
        .unwrap();
        assert!(d.legacy_defaults);
        assert_eq!(
            d.endpoint("token_endpoint"),
            Some(format!("{}/token", s.uri()))
        );
        assert_eq!(
            d.tried[0].0,
            format!("{}/.well-known/oauth-authorization-server", s.uri())
        );
    }
}
