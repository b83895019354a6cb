//! The legacy HTTP+SSE transport (2024-11-05) from the harness side: the default suite over it
//! against the clean reference server, auto-detection, and legacy servers that misbehave (no
//! endpoint event, an endpoint on another origin, a stream that ends) — each a prompt, evidenced
//! failure, never a hang.

mod common;

use common::{client, explain, http_server, not_passing, pack, run, stdio_target};
use mcp_reference_server::ServerConfig;
use mcpcheck::check::Verdict;
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::model::TransportName;
use mcpcheck::scenario::{run_scenario, RunContext, Scenario, ToolCallPolicy};
use mcpcheck::session::Session;
use mcpcheck::transcript::Transcript;
use mcpcheck::transport::{legacy, ClientOptions, Target, TransportError};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The reference server's legacy stream URL.
fn sse_url(server: &mcp_reference_server::RunningServer) -> String {
    format!("{}/sse", server.origin())
}

/// Whether a SKIP at 2024-11-05 over `transport` is expected: the scenario is for another
/// transport or later versions, needs authorization, or probes capabilities the clean server
/// all advertises.
fn expected_skip(s: &Scenario, transport: TransportName) -> bool {
    let other_transport = !s.file.transports.is_empty() && !s.file.transports.contains(&transport);
    let later_only = !s.versions().contains(&ProtocolVersion::V2024_11_05);
    let auth = s.file.tags.iter().any(|t| t == "auth");
    other_transport || later_only || auth || s.file.id == "lifecycle.capabilities-honoured"
}

/// Runs the whole pack at 2024-11-05 and asserts no FAIL, no WARN and only expected SKIPs;
/// returns the ids that passed.
async fn assert_clean_at_2024(target: Target, transport: TransportName) -> Vec<String> {
    let scenarios = pack();
    let all: Vec<_> = scenarios.iter().collect();
    let report = run(target, &all, Some(ProtocolVersion::V2024_11_05)).await;
    assert_eq!(report.protocol_version.as_deref(), Some("2024-11-05"));
    let bad = not_passing(&report);
    assert!(bad.is_empty(), "{}:\n{}", report.transport, explain(&bad));
    let unexpected: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Skip)
        .filter(|c| {
            let s = scenarios
                .iter()
                .find(|s| s.file.id == c.id)
                .expect("known id");
            !expected_skip(s, transport)
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected skips:\n{}",
        explain(&unexpected)
    );
    report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Pass)
        .map(|c| c.id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_suite_over_legacy_sse_at_2024_11_05_is_clean() {
    let server = http_server(ServerConfig::default()).await;
    let passed = assert_clean_at_2024(
        Target::LegacySse {
            url: sse_url(&server),
        },
        TransportName::Sse,
    )
    .await;
    for id in [
        "legacy.endpoint-event",
        "legacy.message-event",
        "legacy.origin",
        "lifecycle.ping",
        "base.parse-error",
        "tools.call-each",
    ] {
        assert!(
            passed.contains(&id.to_string()),
            "{id} did not pass: {passed:?}"
        );
    }
    assert!(
        passed.len() >= 25,
        "too few checks passed: {}",
        passed.len()
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_suite_over_stdio_at_2024_11_05_is_clean() {
    let passed = assert_clean_at_2024(stdio_target(&[]), TransportName::Stdio).await;
    assert!(passed.contains(&"lifecycle.initialize-result".to_string()));
}

#[tokio::test]
async fn auto_detection_picks_legacy_on_sse_and_streamable_http_on_mcp() {
    let server = http_server(ServerConfig::default()).await;
    let opts = client();
    assert!(legacy::detect(&sse_url(&server), &opts).await);
    assert!(!legacy::detect(&server.url(), &opts).await);
    // The probe of /mcp opened a session and deleted it again.
    server.shutdown().await;
}

#[tokio::test]
async fn the_cli_reports_the_detected_legacy_transport() {
    let server = http_server(ServerConfig::default()).await;
    let url = sse_url(&server);
    let out = tokio::task::spawn_blocking(move || {
        assert_cmd::Command::cargo_bin("mcpcheck")
            .unwrap()
            .args([
                "run",
                &url,
                "--only",
                "legacy.*",
                "--timeout",
                "5s",
                "--no-color",
            ])
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stderr}\n{stdout}");
    assert!(stderr.contains("legacy HTTP+SSE"), "{stderr}");
    assert!(stdout.contains("legacy.endpoint-event"), "{stdout}");
    server.shutdown().await;
}

// ---- misbehaving legacy servers -------------------------------------------------------------

/// A hand-rolled HTTP/1.1 server: every GET gets an SSE stream of `events` (then held open
/// for 30 s, or ended when `end` is set); every POST is counted and answered 202. Returns the
/// stream URL and the POST counter.
async fn legacy_server(events: String, end: bool) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let posts = Arc::new(AtomicUsize::new(0));
    let counter = posts.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let events = events.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                if head.starts_with(b"POST") {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let _ = sock
                        .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                        .await;
                    return;
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                if !events.is_empty() {
                    let chunk = format!("{:x}\r\n{events}\r\n", events.len());
                    let _ = sock.write_all(chunk.as_bytes()).await;
                }
                if end {
                    let _ = sock.write_all(b"0\r\n\r\n").await;
                } else {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            });
        }
    });
    (format!("http://{addr}/sse"), posts)
}

fn short(ms: u64) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_millis(ms),
        ..ClientOptions::default()
    }
}

/// A run context without a preflight (a server this broken cannot be preflighted).
fn bare_context(target: Target, opts: ClientOptions) -> RunContext {
    RunContext {
        target,
        opts,
        version: ProtocolVersion::V2024_11_05,
        init_result: json!({}),
        tools: Vec::new(),
        vars: Default::default(),
        call_tools: ToolCallPolicy::NonDestructive,
    }
}

fn scenario(id: &str) -> Scenario {
    pack()
        .into_iter()
        .find(|s| s.file.id == id)
        .expect("scenario exists")
}

/// Every text of a transcript, for evidence assertions.
fn transcript_text(check: &mcpcheck::check::CheckResult) -> String {
    serde_json::to_string(&check.transcript).unwrap_or_default()
}

#[tokio::test]
async fn no_endpoint_event_fails_within_the_timeout() {
    let (url, posts) = legacy_server(": hello\n\nevent: message\ndata: {}\n\n".into(), false).await;
    let started = Instant::now();
    let err = Session::open(
        &Target::LegacySse { url: url.clone() },
        short(800),
        Transcript::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, TransportError::Timeout { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let ctx = bare_context(Target::LegacySse { url }, short(800));
    let check = run_scenario(&scenario("legacy.endpoint-event"), &ctx).await;
    assert_eq!(check.verdict, Verdict::Fail, "{}", explain(&[&check]));
    assert!(
        check
            .findings
            .iter()
            .any(|f| f.message.contains("endpoint")),
        "{}",
        explain(&[&check])
    );
    assert!(transcript_text(&check).contains("endpoint"));
    assert_eq!(posts.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_endpoint_on_another_origin_is_never_contacted() {
    let (elsewhere, elsewhere_posts) = legacy_server(String::new(), false).await;
    let foreign = elsewhere.replace("/sse", "/messages?sessionId=x");
    let (url, posts) = legacy_server(format!("event: endpoint\ndata: {foreign}\n\n"), false).await;
    let err = Session::open(
        &Target::LegacySse { url: url.clone() },
        short(2_000),
        Transcript::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, TransportError::Protocol(_)), "{err}");
    assert!(err.to_string().contains("another origin"), "{err}");
    let ctx = bare_context(Target::LegacySse { url }, short(2_000));
    let check = run_scenario(&scenario("legacy.message-event"), &ctx).await;
    assert_eq!(check.verdict, Verdict::Fail);
    assert_eq!(
        elsewhere_posts.load(Ordering::SeqCst),
        0,
        "the foreign endpoint was contacted"
    );
    assert_eq!(posts.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_stream_that_ends_fails_the_check_with_evidence_not_a_hang() {
    let (url, posts) = legacy_server(
        "event: endpoint\ndata: /messages?sessionId=s\n\n".into(),
        true,
    )
    .await;
    let target = Target::LegacySse { url };
    // The endpoint arrived, so the session opens; the stream then ends: a request fails at once.
    let mut s = Session::open(&target, short(5_000), Transcript::new())
        .await
        .unwrap();
    let started = Instant::now();
    let err = s.request("ping", None).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(err.to_string().contains("stream"), "{err}");
    let ctx = bare_context(target, short(5_000));
    let started = Instant::now();
    let check = run_scenario(&scenario("legacy.message-event"), &ctx).await;
    assert_eq!(check.verdict, Verdict::Fail, "{}", explain(&[&check]));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(
        transcript_text(&check).contains("stream closed"),
        "{}",
        transcript_text(&check)
    );
    assert!(
        posts.load(Ordering::SeqCst) >= 1,
        "the POST went to the endpoint"
    );
}

#[tokio::test]
async fn responses_in_the_post_body_are_not_taken() {
    let server = http_server(ServerConfig::with_fault(
        mcp_reference_server::Fault::LegacyResponseInPost,
    ))
    .await;
    let transcript = Transcript::new();
    let mut s = Session::open(
        &Target::LegacySse {
            url: sse_url(&server),
        },
        client(),
        transcript.clone(),
    )
    .await
    .unwrap();
    let started = Instant::now();
    let err = s
        .initialize(Session::default_initialize_params(
            ProtocolVersion::V2024_11_05,
        ))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(err.to_string().contains("POST answer"), "{err}");
    let notes: Value = serde_json::to_value(transcript.since(0)).unwrap();
    assert!(
        notes.to_string().contains("JSON-RPC message in its body"),
        "{notes}"
    );
    server.shutdown().await;
}
