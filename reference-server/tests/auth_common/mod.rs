//! Helpers shared by the `auth_*` integration tests: starting instances in each mode, a small
//! OAuth client over reqwest (PKCE, DCR, the login and consent forms, token requests), and
//! an MCP client that sends a bearer token. Plain code on purpose: the tests must not depend
//! on the mcpcheck harness. Test credentials live here only; the server has none built in.
#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mcp_reference_server::{
    start_http, AuthConfig, ClientSpec, Fault, RunningServer, ServerConfig, UserSpec,
};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

pub const USER: &str = "alice";
pub const PASSWORD: &str = "wonderland-test-pw";
pub const SVC: &str = "svc";
pub const SVC_SECRET: &str = "svc-test-secret";
pub const READER: &str = "reader";
pub const READER_SECRET: &str = "reader-test-secret";
pub const REDIRECT: &str = "http://127.0.0.1:5599/callback";

/// The users and clients every test instance has.
pub fn users() -> Vec<UserSpec> {
    vec![UserSpec::new(USER, PASSWORD)]
}

/// `svc` (every scope) and `reader` (read only), both confidential.
pub fn clients() -> Vec<ClientSpec> {
    vec![
        ClientSpec::new(SVC, SVC_SECRET),
        ClientSpec::new(READER, READER_SECRET).with_scopes(&["read"]),
    ]
}

/// Same-origin OAuth with auto-approve.
pub fn same_origin() -> AuthConfig {
    AuthConfig::oauth_same_origin(users(), clients()).with_auto_approve()
}

/// A server configuration with `auth` and the given faults.
pub fn config(auth: AuthConfig, faults: &[Fault]) -> ServerConfig {
    ServerConfig {
        faults: faults.iter().copied().collect::<BTreeSet<_>>(),
        auth,
        ..ServerConfig::default()
    }
}

/// Starts an instance on an ephemeral loopback port.
pub async fn start(config: ServerConfig) -> RunningServer {
    start_http(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("start")
}

/// An HTTP client that does not follow redirects.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = format!("v{}", "x".repeat(42)) + &rand_suffix();
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    (verifier, URL_SAFE_NO_PAD.encode(digest.as_ref()))
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}", N.fetch_add(1, Ordering::Relaxed))
}

/// A response read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub async fn read(resp: reqwest::Response) -> Self {
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap_or_default();
        Self {
            status,
            headers,
            body,
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The query parameters of the Location header.
    pub fn location_params(&self) -> Vec<(String, String)> {
        let loc = self
            .header("location")
            .unwrap_or_else(|| panic!("no Location: {} {}", self.status, self.body));
        url::Url::parse(&loc)
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub fn location_param(&self, name: &str) -> Option<String> {
        self.location_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// GET `url`.
pub async fn get(url: &str) -> Reply {
    Reply::read(http().get(url).send().await.expect("GET")).await
}

/// POSTs a form, optionally with HTTP Basic credentials.
pub async fn post_form(url: &str, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> Reply {
    let mut b = http().post(url).form(form);
    if let Some((id, secret)) = basic {
        b = b.basic_auth(id, Some(secret));
    }
    Reply::read(b.send().await.expect("POST")).await
}

/// POSTs JSON.
pub async fn post_json(url: &str, body: &Value) -> Reply {
    Reply::read(http().post(url).json(body).send().await.expect("POST")).await
}

/// Registers a public client with DCR; returns its id.
pub async fn register_public(origin: &str, redirect: &str) -> String {
    let r = post_json(
        &format!("{origin}/register"),
        &json!({"redirect_uris": [redirect], "token_endpoint_auth_method": "none", "client_name": "tests"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["client_id"].as_str().unwrap().to_string()
}

/// Unescapes the five HTML entities the server's pages use.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// The (name, value) of every hidden input of a page's form.
pub fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    html.split("<input")
        .skip(1)
        .map(|rest| &rest[..rest.find('>').unwrap_or(rest.len())])
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default())))
        .collect()
}

/// Submits the page's form to `action` with its hidden inputs plus `extra`.
pub async fn submit(action: &str, html: &str, extra: &[(&str, &str)]) -> Reply {
    let mut form = hidden_inputs(html);
    form.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Reply::read(http().post(action).form(&form).send().await.expect("POST")).await
}

/// The parameters of an authorization request for a public client.
pub fn authz_params<'a>(
    client_id: &'a str,
    redirect: &'a str,
    challenge: &'a str,
    scope: &'a str,
    resource: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut p = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
        ("state", "st-123"),
    ];
    if !scope.is_empty() {
        p.push(("scope", scope));
    }
    if !resource.is_empty() {
        p.push(("resource", resource));
    }
    p
}

/// The authorization URL for `params` at `origin`.
pub fn authorize_url(origin: &str, params: &[(&str, &str)]) -> String {
    let mut u = url::Url::parse(&format!("{origin}/authorize")).unwrap();
    u.query_pairs_mut().extend_pairs(params);
    u.to_string()
}

/// Drives a browser through `url`: follows redirects (across origins), logs in on a login
/// page, approves on a consent page; stops at the first redirect to `stop_prefix` and returns
/// that response.
pub async fn browse(url: &str, user: &str, password: &str, stop_prefix: &str) -> Reply {
    let mut reply = get(url).await;
    let mut current = url.to_string();
    for _ in 0..10 {
        if reply.status == StatusCode::FOUND {
            let loc = reply.header("location").unwrap();
            if loc.starts_with(stop_prefix) {
                return reply;
            }
            current = url::Url::parse(&current)
                .unwrap()
                .join(&loc)
                .unwrap()
                .to_string();
            reply = get(&current).await;
            continue;
        }
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let action = url::Url::parse(&current)
            .unwrap()
            .join("/authorize")
            .unwrap()
            .to_string();
        reply = if reply.body.contains("name=\"password\"") {
            submit(
                &action,
                &reply.body,
                &[("username", user), ("password", password)],
            )
            .await
        } else if reply.body.contains("value=\"approve\"") {
            submit(&action, &reply.body, &[("decision", "approve")]).await
        } else {
            panic!("unexpected page: {}", reply.body)
        };
    }
    panic!("too many steps")
}

/// Runs the whole authorization code flow for a public client and returns the token JSON.
pub async fn code_flow(origin: &str, client_id: &str, scope: &str, resource: &str) -> Value {
    let (verifier, challenge) = pkce();
    let url = authorize_url(
        origin,
        &authz_params(client_id, REDIRECT, &challenge, scope, resource),
    );
    let done = browse(&url, USER, PASSWORD, REDIRECT).await;
    assert_eq!(done.location_param("state").as_deref(), Some("st-123"));
    let code = done.location_param("code").expect("code");
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
        ("client_id", client_id),
    ];
    if !resource.is_empty() {
        form.push(("resource", resource));
    }
    let t = post_form(&format!("{origin}/token"), &form, None).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    t.json()
}

/// A code from the authorization endpoint (auto-approve) for a public client; returns
/// (code, verifier).
pub async fn get_code(origin: &str, client_id: &str, scope: &str) -> (String, String) {
    let (verifier, challenge) = pkce();
    let url = authorize_url(
        origin,
        &authz_params(client_id, REDIRECT, &challenge, scope, ""),
    );
    let done = browse(&url, USER, PASSWORD, REDIRECT).await;
    (done.location_param("code").expect("code"), verifier)
}

/// A client_credentials token for `svc` (every scope) or `reader`.
pub async fn cc_token(origin: &str, id: &str, secret: &str, scope: &str) -> String {
    let mut form = vec![("grant_type", "client_credentials")];
    if !scope.is_empty() {
        form.push(("scope", scope));
    }
    let t = post_form(&format!("{origin}/token"), &form, Some((id, secret))).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    t.json()["access_token"].as_str().unwrap().to_string()
}

/// The claims of a JWT (no verification).
pub fn claims(jwt: &str) -> Value {
    let p = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

/// An MCP session over Streamable HTTP with a bearer token.
pub struct Mcp {
    pub url: String,
    pub token: Option<String>,
    pub session: Option<String>,
}

impl Mcp {
    pub fn new(url: &str, token: Option<&str>) -> Self {
        Self {
            url: url.to_string(),
            token: token.map(str::to_string),
            session: None,
        }
    }

    /// POSTs one JSON-RPC message.
    pub async fn post(&self, body: &Value) -> Reply {
        let mut b = http()
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = &self.token {
            b = b.bearer_auth(t);
        }
        if let Some(s) = &self.session {
            b = b
                .header("mcp-session-id", s)
                .header("mcp-protocol-version", "2025-11-25");
        }
        Reply::read(b.send().await.expect("POST /mcp")).await
    }

    /// initialize + initialized; returns the initialize reply.
    pub async fn initialize(&mut self) -> Reply {
        let r = self
            .post(
                &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "auth-tests", "version": "0"}}}),
            )
            .await;
        if r.status == StatusCode::OK {
            self.session = r.header("mcp-session-id");
            let ack = self
                .post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
                .await;
            assert_eq!(ack.status, StatusCode::ACCEPTED, "{}", ack.body);
        }
        r
    }

    /// tools/call.
    pub async fn call(&self, tool: &str, args: Value) -> Reply {
        self.post(&json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": tool, "arguments": args}}))
            .await
    }
}

/// Status of `initialize` with `token` at `url`.
pub async fn init_status(url: &str, token: Option<&str>) -> StatusCode {
    Mcp::new(url, token).initialize().await.status
}

/// A same-origin instance (auto-approve, loopback CIMD) with `fault` on, if any.
pub async fn srv(fault: Option<Fault>) -> RunningServer {
    start(config(same_origin().with_loopback_cimd(), fault.as_slice())).await
}

/// Runs `probe` on a clean server and on one with `fault`; returns (clean, faulty).
pub async fn both<T, F, Fut>(fault: Fault, probe: F) -> (T, T)
where
    F: Fn(RunningServer) -> Fut,
    Fut: Future<Output = T>,
{
    let clean = probe(srv(None).await).await;
    let faulty = probe(srv(Some(fault)).await).await;
    (clean, faulty)
}
