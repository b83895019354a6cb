//! The harness's OAuth discovery against hostile metadata (issue 6, the "metadata documents"
//! part of the chaos set): a small axum server protects `/mcp` and serves protected resource
//! metadata (PRM) or authorization server metadata that is huge, of the wrong type, or points
//! to another origin; a second "sentinel" server on another origin records every request it
//! gets. Each case runs a discovery check and then a client-credentials flow, as a suite would.
//!
//! Every case must end in a FAIL with the misbehaviour in its transcript, within the configured
//! timeouts; the run goes on; no credential (client secret, bearer token) ever reaches the
//! sentinel; and a 100 MiB document grows the process's resident set by far less than its size.

mod common;

use mcpcheck::check::{CheckResult, Verdict};
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::template::Vars;
use mcpcheck::scenario::{run_scenario, RunContext, Scenario, ToolCallPolicy};
use mcpcheck::transport::{ClientOptions, Target};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TIMEOUT: Duration = Duration::from_millis(1500);
const SLACK: Duration = Duration::from_secs(4);
/// The body cap of the cases (small, so "huge" costs little).
const CAP: usize = 256 * 1024;
/// A "huge" document: far over the cap, generated as it is written.
const HUGE: usize = 100 << 20;
const CLIENT_ID: &str = "chaos-client";
const CLIENT_SECRET: &str = "chaos-secret-never-elsewhere";
const BEARER: &str = "chaos-run-token-never-elsewhere";

/// How the metadata misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    /// Correct metadata (the control: the discovery check passes).
    Control,
    /// The PRM is 100 MiB.
    PrmHuge,
    /// The PRM is a JSON array.
    PrmArray,
    /// `authorization_servers` is a string, not an array.
    PrmServersString,
    /// The PRM describes a resource on another origin (a metadata endpoint address).
    PrmForeignResource,
    /// The 401 names a `resource_metadata` URL on the sentinel's origin, whose PRM is for the
    /// sentinel's own resource.
    ChallengeOtherOrigin,
    /// The PRM names the sentinel as authorization server; its metadata claims another issuer.
    IssuerOtherOrigin,
    /// The authorization server metadata is 100 MiB.
    AsHuge,
    /// The authorization server metadata is a JSON string.
    AsString,
    /// The authorization server metadata answers 200 with HTML.
    AsHtml,
}

/// One request as received: method, path, lower-cased headers, body.
#[derive(Clone, Debug)]
struct Req {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response: status, extra headers, and a body (`None`: `HUGE` bytes of unterminated JSON).
struct Resp {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Option<String>,
}

fn json_resp(v: &Value) -> Resp {
    Resp {
        status: 200,
        headers: vec![("content-type", "application/json".into())],
        body: Some(v.to_string()),
    }
}

fn huge_resp() -> Resp {
    Resp {
        status: 200,
        headers: vec![("content-type", "application/json".into())],
        body: None,
    }
}

type Handler = Arc<dyn Fn(&Req) -> Resp + Send + Sync>;

/// Reads one request (head up to 64 KiB, body by Content-Length up to 1 MiB).
async fn read_req(sock: &mut TcpStream) -> Option<Req> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
        .min(1 << 20);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Req {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

async fn write_resp(sock: &mut TcpStream, r: Resp) {
    let mut head = format!("HTTP/1.1 {} X\r\nconnection: close\r\n", r.status);
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    match r.body {
        Some(body) => {
            head.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
            let _ = sock.write_all(head.as_bytes()).await;
        }
        None => {
            // Close-delimited, so the client cannot know the size in advance.
            head.push_str("\r\n{\"pad\":\"");
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..HUGE / chunk.len() {
                if sock.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        }
    }
    let _ = sock.shutdown().await;
}

/// Serves `handler` on 127.0.0.1 (one exchange per connection); returns the origin.
async fn serve(handler: Handler) -> (String, tokio::task::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", l.local_addr().unwrap());
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            let h = handler.clone();
            tokio::spawn(async move {
                if let Some(req) = read_req(&mut sock).await {
                    let resp = h(&req);
                    write_resp(&mut sock, resp).await;
                }
            });
        }
    });
    (origin, task)
}

/// Cases take it shared; the memory test takes it alone, so no other case's allocations move
/// the resident-set figure it measures.
static GATE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// Every request the sentinel saw.
type Seen = Arc<Mutex<Vec<Req>>>;

struct Env {
    target: String,
    sentinel: String,
    seen: Seen,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Env {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn start(case: Case) -> Env {
    let seen: Seen = Arc::default();
    let sentinel_origin: Arc<OnceLock<String>> = Arc::default();
    let s_seen = seen.clone();
    let s_origin = sentinel_origin.clone();
    let (sentinel, s_task) = serve(Arc::new(move |req: &Req| {
        s_seen.lock().unwrap().push(req.clone());
        let origin = s_origin.get().cloned().unwrap_or_default();
        if req.path.contains("oauth-protected-resource") {
            return json_resp(&json!({
                "resource": format!("{origin}/mcp"),
                "authorization_servers": [origin],
            }));
        }
        json_resp(&json!({
            "issuer": "http://evil.example",
            "authorization_endpoint": format!("{origin}/authorize"),
            "token_endpoint": format!("{origin}/token"),
            "registration_endpoint": format!("{origin}/register"),
            "response_types_supported": ["code"],
        }))
    }))
    .await;
    let _ = sentinel_origin.set(sentinel.clone());

    let target_origin: Arc<OnceLock<String>> = Arc::default();
    let t_origin = target_origin.clone();
    let t_sentinel = sentinel.clone();
    let (target, t_task) = serve(Arc::new(move |req: &Req| {
        let origin = t_origin.get().cloned().unwrap_or_default();
        let sentinel = t_sentinel.clone();
        let mcp = format!("{origin}/mcp");
        let path = req.path.as_str();
        if path == "/mcp" {
            let prm = if case == Case::ChallengeOtherOrigin {
                format!("{sentinel}/.well-known/oauth-protected-resource/mcp")
            } else {
                format!("{origin}/.well-known/oauth-protected-resource/mcp")
            };
            return Resp {
                status: 401,
                headers: vec![(
                    "www-authenticate",
                    format!("Bearer resource_metadata=\"{prm}\""),
                )],
                body: Some(String::new()),
            };
        }
        if path.starts_with("/.well-known/oauth-protected-resource") {
            let issuer = if case == Case::IssuerOtherOrigin {
                sentinel.clone()
            } else {
                origin.clone()
            };
            return match case {
                Case::PrmHuge => huge_resp(),
                Case::PrmArray => json_resp(&json!(["resource", mcp])),
                Case::PrmServersString => {
                    json_resp(&json!({"resource": mcp, "authorization_servers": issuer}))
                }
                Case::PrmForeignResource => json_resp(&json!({
                    "resource": "http://169.254.169.254/mcp",
                    "authorization_servers": [issuer],
                })),
                _ => json_resp(&json!({
                    "resource": mcp, "authorization_servers": [issuer],
                    "scopes_supported": ["read"],
                })),
            };
        }
        if path.starts_with("/.well-known/oauth-authorization-server")
            || path.starts_with("/.well-known/openid-configuration")
        {
            return match case {
                Case::AsHuge => huge_resp(),
                Case::AsString => json_resp(&json!("issuer")),
                Case::AsHtml => Resp {
                    status: 200,
                    headers: vec![("content-type", "text/html".into())],
                    body: Some("<html><body>metadata</body></html>".into()),
                },
                _ => json_resp(&json!({
                    "issuer": origin,
                    "authorization_endpoint": format!("{origin}/authorize"),
                    "token_endpoint": format!("{origin}/token"),
                    "response_types_supported": ["code"],
                    "grant_types_supported": ["client_credentials"],
                    "code_challenge_methods_supported": ["S256"],
                })),
            };
        }
        Resp {
            status: 404,
            headers: Vec::new(),
            body: Some(String::new()),
        }
    }))
    .await;
    let _ = target_origin.set(target.clone());
    Env {
        target,
        sentinel,
        seen,
        tasks: vec![s_task, t_task],
    }
}

fn pack() -> &'static [Scenario] {
    static PACK: OnceLock<Vec<Scenario>> = OnceLock::new();
    PACK.get_or_init(common::pack)
}

fn scenario(id: &str) -> &'static Scenario {
    pack()
        .iter()
        .find(|s| s.file.id == id)
        .unwrap_or_else(|| panic!("no built-in scenario `{id}`"))
}

fn context(url: String) -> RunContext {
    let mut vars = Vars::new();
    vars.insert("client_id".into(), json!(CLIENT_ID));
    vars.insert("client_secret".into(), json!(CLIENT_SECRET));
    RunContext {
        target: Target::Http { url },
        opts: ClientOptions {
            timeout: TIMEOUT,
            max_body_bytes: CAP,
            headers: vec![("Authorization".into(), format!("Bearer {BEARER}"))],
            ..ClientOptions::default()
        },
        version: ProtocolVersion::V2025_11_25,
        init_result: json!({"capabilities": {"tools": {}}}),
        tools: Vec::new(),
        vars,
        call_tools: ToolCallPolicy::NonDestructive,
    }
}

fn explain(r: &CheckResult, took: Duration) -> String {
    let findings: Vec<String> = r
        .findings
        .iter()
        .map(|f| format!("  {:?}: {}", f.verdict, f.message))
        .collect();
    let evidence = serde_json::to_string(&r.transcript).unwrap_or_default();
    let end = evidence
        .char_indices()
        .nth(3000)
        .map_or(evidence.len(), |(i, _)| i);
    format!(
        "{} {:?} in {took:?}\n{}\n{}",
        r.id,
        r.verdict,
        findings.join("\n"),
        &evidence[..end]
    )
}

/// `VmRSS` of this process in KiB (Linux); `None` elsewhere.
fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs the discovery check `check` then `flow.client-credentials` against a `case` server;
/// asserts the first FAILs with one of `needles` in its evidence, in time, the second reaches a
/// verdict, and the sentinel saw no credential. Returns the evidence size of the first.
async fn run_case(case: Case, check: &str, needles: &[&str]) -> usize {
    let _shared = GATE.read().await;
    run_case_alone(case, check, needles).await
}

async fn run_case_alone(case: Case, check: &str, needles: &[&str]) -> usize {
    let env = start(case).await;
    let ctx = context(format!("{}/mcp", env.target));
    let started = Instant::now();
    let first = run_scenario(scenario(check), &ctx).await;
    let took = started.elapsed();
    let why = explain(&first, took);
    let steps = u32::try_from(scenario(check).file.steps.len()).unwrap_or(1);
    // Each step may cost a timeout, and discovery tries up to eight URLs within one step.
    let bound = TIMEOUT * (steps + 8) + SLACK;
    assert!(took <= bound, "{case:?}: took {took:?} > {bound:?}\n{why}");
    let evidence = serde_json::to_string(&first.transcript).unwrap_or_default();
    if case == Case::Control {
        assert_eq!(first.verdict, Verdict::Pass, "{why}");
    } else {
        assert_eq!(first.verdict, Verdict::Fail, "{case:?}: {why}");
        assert!(
            first.findings.iter().any(|f| f.verdict == Verdict::Fail),
            "{why}"
        );
        assert!(
            needles.iter().any(|n| evidence.contains(n)),
            "{case:?}: the evidence shows the misbehaviour ({needles:?}): {why}"
        );
    }
    // The run goes on: the flow check reaches a verdict in time.
    let started = Instant::now();
    let second = run_scenario(scenario("flow.client-credentials"), &ctx).await;
    let took2 = started.elapsed();
    let steps2 = u32::try_from(scenario("flow.client-credentials").file.steps.len()).unwrap_or(1);
    assert!(
        took2 <= TIMEOUT * (steps2 + 8) + SLACK,
        "{case:?}: flow took {took2:?}"
    );
    assert_ne!(second.verdict, Verdict::Pass, "{}", explain(&second, took2));
    // No credential left for another origin.
    for req in env.seen.lock().unwrap().iter() {
        let auth = req.header("authorization");
        assert!(
            auth.is_none(),
            "{case:?}: {} {}{} carried Authorization: {auth:?}",
            req.method,
            env.sentinel,
            req.path
        );
        assert!(
            !req.body.contains(CLIENT_SECRET) && !req.body.contains(BEARER),
            "{case:?}: {} {} carried a credential in its body",
            req.method,
            req.path
        );
        assert_eq!(
            req.method, "GET",
            "{case:?}: only metadata may be fetched there"
        );
    }
    evidence.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_metadata_passes_discovery() {
    run_case(Case::Control, "auth.prm-as", &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prm_of_the_wrong_type_fails_with_evidence() {
    run_case(Case::PrmArray, "auth.prm-as", &["[\\\"resource\\\""]).await;
    run_case(
        Case::PrmServersString,
        "auth.prm-as",
        &["authorization_servers"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prm_pointing_to_other_origins_fails_and_sends_no_credentials() {
    run_case(
        Case::PrmForeignResource,
        "auth.prm-resource",
        &["169.254.169.254"],
    )
    .await;
    run_case(
        Case::ChallengeOtherOrigin,
        "auth.prm-resource",
        &["RFC 9728", "oauth-protected-resource"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_metadata_wrong_type_or_foreign_issuer_fails() {
    run_case(
        Case::AsString,
        "as.meta-issuer",
        &["oauth-authorization-server"],
    )
    .await;
    run_case(Case::AsHtml, "as.meta-issuer", &["<html>"]).await;
    run_case(Case::IssuerOtherOrigin, "as.meta-issuer", &["evil.example"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_metadata_is_capped_and_memory_stays_bounded() {
    let _alone = GATE.write().await;
    // Warm up (allocator arenas, the scenario pack) before the baseline.
    run_case_alone(Case::Control, "auth.prm-as", &[]).await;
    let before = rss_kb();
    let prm = run_case_alone(Case::PrmHuge, "auth.prm-as", &["oauth-protected-resource"]).await;
    let asm = run_case_alone(
        Case::AsHuge,
        "as.meta-issuer",
        &["oauth-authorization-server"],
    )
    .await;
    // The evidence keeps at most the cap of each body, not 100 MiB.
    for size in [prm, asm] {
        assert!(size < 16 * CAP, "evidence of {size} bytes");
    }
    if let (Some(b), Some(a)) = (before, rss_kb()) {
        let grew = a.saturating_sub(b);
        eprintln!("huge metadata: RSS {b} KiB -> {a} KiB (+{grew} KiB) for 2 x 100 MiB documents");
        assert!(grew < 16 * 1024, "resident set grew by {grew} KiB");
    }
}
