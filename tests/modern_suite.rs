//! The 2026-07-28 stateless wire: the built-in pack at `--spec-version 2026-07-28` against the
//! clean reference server over HTTP and stdio (no FAIL, no WARN, only explained skips), the
//! preflight's use of `server/discover`, and what a stateless session puts on the wire
//! (`_meta`, `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`, no session id), observed with a
//! mock server.

mod common;

use common::{client, explain, http_server, not_passing, pack, run, stdio_target};
use mcp_reference_server::ServerConfig;
use mcpcheck::check::Verdict;
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::session::Session;
use mcpcheck::suite::{preflight, SuiteError, SuiteOptions};
use mcpcheck::transcript::Transcript;
use mcpcheck::transport::Target;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const MODERN: ProtocolVersion = ProtocolVersion::V2026_07_28;

/// Ids allowed to SKIP at 2026-07-28 against the clean server, and why.
fn allowed_skip(id: &str, transport: &str) -> bool {
    let http_only = id.starts_with("http.") || id.starts_with("v26.http-");
    match transport {
        "stdio" if http_only => true,
        "streamable-http" if id.starts_with("stdio.") => true,
        // The clean reference server is dual-era: the modern-only answers are not judged, and
        // its capabilities probe is a legacy (initialize) check.
        _ => id == "lifecycle.capabilities-honoured",
    }
}

async fn assert_clean(target: Target) {
    let scenarios = pack();
    let all: Vec<_> = scenarios.iter().collect();
    let report = run(target, &all, Some(MODERN)).await;
    assert_eq!(report.protocol_version.as_deref(), Some("2026-07-28"));
    println!("{} at 2026-07-28: {:?}", report.transport, report.summary);
    let bad = not_passing(&report);
    assert!(
        bad.is_empty(),
        "clean reference server at 2026-07-28 over {}:\n{}",
        report.transport,
        explain(&bad)
    );
    let ran: Vec<_> = report
        .checks
        .iter()
        .filter(|c| {
            c.verdict != Verdict::Skip
                || !c
                    .skip_reason
                    .as_deref()
                    .unwrap_or("")
                    .contains("applies to")
        })
        .collect();
    let unexpected: Vec<_> = ran
        .iter()
        .filter(|c| {
            let auth = c.tags.iter().any(|t| t == "auth");
            c.verdict == Verdict::Skip && !auth && !allowed_skip(&c.id, &report.transport)
        })
        .copied()
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected skips:\n{}",
        explain(&unexpected)
    );
    let v26_passed = report
        .checks
        .iter()
        .filter(|c| c.id.starts_with("v26.") && c.verdict == Verdict::Pass)
        .count();
    assert!(
        v26_passed >= 6,
        "too few 2026-07-28 checks passed: {v26_passed}"
    );
    assert!(
        report.summary.pass >= 15,
        "too few checks passed at 2026-07-28: {:?}",
        report.summary
    );
    assert!(
        report.server_info.is_some(),
        "the report names no server (discover's serverInfo)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_over_http_passes_the_2026_pack() {
    let server = http_server(ServerConfig::default()).await;
    assert_clean(Target::Http { url: server.url() }).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_over_stdio_passes_the_2026_pack() {
    assert_clean(stdio_target(&[])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_uses_discover_and_keeps_its_capabilities() {
    let server = http_server(ServerConfig::default()).await;
    let options = SuiteOptions {
        target: Target::Http { url: server.url() },
        client: client(),
        spec_version: Some(MODERN),
        vars: Default::default(),
        call_tools: Default::default(),
    };
    let ctx = preflight(&options).await.expect("preflight");
    assert_eq!(ctx.version, MODERN);
    assert!(ctx.init_result.get("supportedVersions").is_some());
    assert!(ctx.has_capability("tools"));
    assert!(!ctx.tools.is_empty());
    server.shutdown().await;
}

/// Records every request and answers each with a fixed body.
struct Recorder {
    seen: std::sync::Arc<std::sync::Mutex<Vec<Request>>>,
    reply: fn(&Value) -> (u16, Value),
}

impl Respond for Recorder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(request.clone());
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let (status, reply) = (self.reply)(&body);
        ResponseTemplate::new(status).set_body_json(reply)
    }
}

async fn mock(
    reply: fn(&Value) -> (u16, Value),
) -> (MockServer, std::sync::Arc<std::sync::Mutex<Vec<Request>>>) {
    let server = MockServer::start().await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .respond_with(Recorder {
            seen: seen.clone(),
            reply,
        })
        .mount(&server)
        .await;
    (server, seen)
}

fn header(r: &Request, name: &str) -> Option<String> {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn echo_result(body: &Value) -> (u16, Value) {
    (
        200,
        json!({"jsonrpc": "2.0", "id": body["id"], "result": {"resultType": "complete", "tools": [], "ttlMs": 0, "cacheScope": "public"}}),
    )
}

#[tokio::test]
async fn stateless_requests_carry_meta_and_mirrored_headers() {
    let (server, seen) = mock(echo_result).await;
    let target = Target::Http { url: server.uri() };
    let mut s = Session::open(&target, client(), Transcript::new())
        .await
        .expect("open");
    s.enter_stateless(MODERN);
    s.request("tools/list", None).await.expect("tools/list");
    s.request(
        "tools/call",
        Some(json!({"name": "héllo", "arguments": {}})),
    )
    .await
    .expect("tools/call");
    s.request(
        "resources/read",
        Some(json!({"uri": "file:///a.txt", "_meta": {"io.modelcontextprotocol/protocolVersion": "1900-01-01"}})),
    )
    .await
    .expect("resources/read");
    s.send_raw(
        "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/list\"}",
        std::time::Duration::from_millis(200),
    )
    .await
    .expect("raw");
    let _ = s.close().await;
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(seen.len(), 4, "one POST per send");
    for r in &seen {
        assert!(
            header(r, "mcp-session-id").is_none(),
            "no session id is ever sent"
        );
    }
    let body = |i: usize| serde_json::from_slice::<Value>(&seen[i].body).unwrap();

    let list = body(0);
    let meta = &list["params"]["_meta"];
    assert_eq!(
        meta["io.modelcontextprotocol/protocolVersion"],
        "2026-07-28"
    );
    assert_eq!(
        meta["io.modelcontextprotocol/clientCapabilities"],
        json!({})
    );
    assert_eq!(
        meta["io.modelcontextprotocol/clientInfo"]["name"],
        "mcpcheck"
    );
    assert_eq!(
        header(&seen[0], "mcp-protocol-version").as_deref(),
        Some("2026-07-28")
    );
    assert_eq!(
        header(&seen[0], "mcp-method").as_deref(),
        Some("tools/list")
    );
    assert!(header(&seen[0], "mcp-name").is_none());

    assert_eq!(
        header(&seen[1], "mcp-method").as_deref(),
        Some("tools/call")
    );
    assert_eq!(
        header(&seen[1], "mcp-name").as_deref(),
        Some("=?base64?aMOpbGxv?="),
        "a non-ASCII name is sent base64-encoded"
    );

    assert_eq!(
        header(&seen[2], "mcp-name").as_deref(),
        Some("file:///a.txt")
    );
    assert_eq!(
        header(&seen[2], "mcp-protocol-version").as_deref(),
        Some("1900-01-01"),
        "the header follows a version the request names itself"
    );
    assert_eq!(
        body(2)["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"],
        "1900-01-01"
    );

    let raw = body(3);
    assert!(raw.get("params").is_none(), "raw sends are not rewritten");
    assert!(
        header(&seen[3], "mcp-method").is_none(),
        "raw sends get no mirrored headers"
    );
    drop(server);
}

#[tokio::test]
async fn a_server_without_the_version_stops_the_run_with_its_list() {
    let (server, _) = mock(|body| {
        (
            400,
            json!({"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32022, "message": "Unsupported protocol version",
                "data": {"supported": ["2025-11-25"], "requested": "2026-07-28"}}}),
        )
    })
    .await;
    let options = SuiteOptions {
        target: Target::Http { url: server.uri() },
        client: client(),
        spec_version: Some(MODERN),
        vars: Default::default(),
        call_tools: Default::default(),
    };
    match preflight(&options).await {
        Err(SuiteError::Version(msg)) => assert!(msg.contains("2025-11-25"), "{msg}"),
        other => panic!("expected a version error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_failing_discover_is_still_checked_with_inferred_capabilities() {
    let (server, _) = mock(|body| match body["method"].as_str() {
        Some("server/discover") => (
            404,
            json!({"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32601, "message": "Method not found"}}),
        ),
        _ => echo_result(body),
    })
    .await;
    let options = SuiteOptions {
        target: Target::Http { url: server.uri() },
        client: client(),
        spec_version: Some(MODERN),
        vars: Default::default(),
        call_tools: Default::default(),
    };
    let ctx = preflight(&options).await.expect("preflight goes on");
    assert!(ctx.has_capability("tools"));
    assert!(ctx.init_result.get(mcpcheck::suite::INFERRED_KEY).is_some());
    let scenarios = pack();
    let discover: Vec<_> = scenarios
        .iter()
        .filter(|s| s.file.id == "v26.discover")
        .collect();
    let report = mcpcheck::suite::run_suite(&discover, &ctx, |_| {}).await;
    assert_eq!(
        report.checks[0].verdict,
        Verdict::Fail,
        "{}",
        explain(&[&report.checks[0]])
    );
}

fn mcpcheck() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("mcpcheck").expect("binary built");
    c.env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(180));
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_run_at_2026_exits_0_on_the_clean_server_and_1_on_a_faulty_one() {
    let clean = http_server(ServerConfig::default()).await;
    let url = clean.url();
    let out = tokio::task::spawn_blocking(move || {
        mcpcheck()
            .args(["run", &url, "--spec-version", "2026-07-28"])
            .output()
            .expect("runs")
    })
    .await
    .expect("joins");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("v26.discover"), "{stdout}");
    assert!(stdout.contains("2026-07-28"), "{stdout}");
    clean.shutdown().await;

    let fault = mcp_reference_server::Fault::from_name("v26-no-cache-hints").expect("fault");
    let faulty = http_server(ServerConfig::with_fault(fault)).await;
    let url = faulty.url();
    let out = tokio::task::spawn_blocking(move || {
        mcpcheck()
            .args([
                "run",
                &url,
                "--spec-version",
                "2026-07-28",
                "--only",
                "v26.*",
            ])
            .output()
            .expect("runs")
    })
    .await
    .expect("joins");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL") && stdout.contains("v26.cache-fields"),
        "{stdout}"
    );
    faulty.shutdown().await;
}
