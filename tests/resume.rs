//! SSE resumability and polling, harness side: the resume checks against the clean reference
//! server with polling on and off (PASS or SKIP as designed), and the transport's resumption
//! against hand-scripted servers that misbehave (a stream closed with no id, a huge `retry`, a
//! resuming GET that hangs or is refused): each ends within the timeout with the evidence.

mod common;

use common::{explain, http_server, pack, run};
use mcp_reference_server::ServerConfig;
use mcpcheck::check::{CheckResult, RunReport, Verdict};
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::{load_builtin, Scenario};
use mcpcheck::session::Session;
use mcpcheck::transcript::{Entry, Transcript};
use mcpcheck::transport::{ClientOptions, Target, TransportError};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The checks of this area.
const IDS: [&str; 6] = [
    "http.sse-prime",
    "http.sse-poll",
    "http.sse-retry",
    "http.disconnect-not-cancel",
    "http.resume",
    "http.event-id-unique",
];

fn ours(all: &[Scenario]) -> Vec<&Scenario> {
    let picked: Vec<_> = all
        .iter()
        .filter(|s| IDS.contains(&s.file.id.as_str()))
        .collect();
    assert_eq!(
        picked.len(),
        IDS.len(),
        "every resume scenario is in the pack"
    );
    picked
}

fn verdicts(report: &RunReport) -> BTreeMap<String, Verdict> {
    report
        .checks
        .iter()
        .map(|c| (c.id.clone(), c.verdict))
        .collect()
}

async fn run_against(poll: Option<u64>, version: ProtocolVersion) -> RunReport {
    let server = http_server(ServerConfig {
        sse_poll: poll.map(Duration::from_millis),
        ..ServerConfig::default()
    })
    .await;
    let all = pack();
    let report = run(
        Target::Http { url: server.url() },
        &ours(&all),
        Some(version),
    )
    .await;
    server.shutdown().await;
    report
}

fn assert_verdicts(report: &RunReport, want: &[(&str, Verdict)]) {
    let got = verdicts(report);
    let all: Vec<&CheckResult> = report.checks.iter().collect();
    for (id, v) in want {
        assert_eq!(got.get(*id), Some(v), "{id}:\n{}", explain(&all));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_with_polling_passes_every_resume_check() {
    let report = run_against(Some(200), ProtocolVersion::V2025_11_25).await;
    let want: Vec<_> = IDS.iter().map(|id| (*id, Verdict::Pass)).collect();
    assert_verdicts(&report, &want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_without_polling_skips_only_the_polling_checks() {
    let report = run_against(None, ProtocolVersion::V2025_11_25).await;
    assert_verdicts(
        &report,
        &[
            ("http.sse-prime", Verdict::Pass),
            ("http.sse-poll", Verdict::Skip),
            ("http.sse-retry", Verdict::Skip),
            ("http.disconnect-not-cancel", Verdict::Pass),
            ("http.resume", Verdict::Pass),
            ("http.event-id-unique", Verdict::Pass),
        ],
    );
    let skip = report
        .checks
        .iter()
        .find(|c| c.id == "http.sse-poll")
        .and_then(|c| c.skip_reason.clone())
        .unwrap_or_default();
    assert!(skip.contains("never closed"), "{skip}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumability_is_checked_at_2025_03_26_too() {
    let report = run_against(Some(200), ProtocolVersion::V2025_03_26).await;
    assert_verdicts(
        &report,
        &[
            // Priming and polling arrived in 2025-11-25 (the server does not poll older sessions).
            ("http.sse-prime", Verdict::Skip),
            ("http.sse-poll", Verdict::Skip),
            ("http.disconnect-not-cancel", Verdict::Pass),
            ("http.resume", Verdict::Pass),
            ("http.event-id-unique", Verdict::Pass),
        ],
    );
}

// ---- Scripted servers ----------------------------------------------------------------------

/// What a scripted server answers: status, content type, chunks written after delays, and
/// whether the connection is then held open.
#[derive(Clone, Debug)]
struct Reply {
    status: u16,
    content_type: &'static str,
    chunks: Vec<(u64, String)>,
    hold_open: bool,
}

impl Reply {
    fn json(body: Value) -> Self {
        Self {
            status: 200,
            content_type: "application/json",
            chunks: vec![(0, body.to_string())],
            hold_open: false,
        }
    }

    fn sse(chunks: &[&str]) -> Self {
        Self {
            status: 200,
            content_type: "text/event-stream",
            chunks: chunks.iter().map(|c| (0, c.to_string())).collect(),
            hold_open: false,
        }
    }

    fn status(status: u16) -> Self {
        Self {
            status,
            content_type: "application/json",
            chunks: vec![(0, r#"{"error":"no"}"#.into())],
            hold_open: false,
        }
    }
}

/// A request the scripted server received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    headers: Vec<(String, String)>,
}

/// A minimal MCP server over HTTP/1.1 (one request per connection): `initialize`,
/// `tools/list` (one tool, `slow`) and notifications are answered properly; `tools/call` with
/// `call`, `GET` with `get`. Hand-rolled because the cases need streams that close or hang at
/// chosen points, which mock-HTTP crates (whole bodies) cannot serve.
async fn scripted(call: Reply, get: Reply) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (call, get, log) = (call.clone(), get.clone(), log.clone());
            tokio::spawn(async move { serve(sock, call, get, log).await });
        }
    });
    (format!("http://{addr}/mcp"), seen)
}

async fn serve(
    mut sock: tokio::net::TcpStream,
    call: Reply,
    get: Reply,
    log: Arc<Mutex<Vec<Seen>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let method = lines
        .next()
        .and_then(|l| l.split(' ').next())
        .unwrap_or("")
        .to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body: Value = serde_json::from_slice(&buf[head_end..head_end + len]).unwrap_or(Value::Null);
    log.lock().unwrap().push(Seen {
        method: method.clone(),
        headers,
    });
    let reply = match (method.as_str(), body.get("method").and_then(Value::as_str)) {
        ("GET", _) => get,
        ("POST", Some("initialize")) => {
            Reply::json(json!({"jsonrpc":"2.0","id":body["id"],"result":{
            "protocolVersion":"2025-11-25","capabilities":{"tools":{}},
            "serverInfo":{"name":"scripted","version":"0"}}}))
        }
        ("POST", Some("tools/list")) => {
            Reply::json(json!({"jsonrpc":"2.0","id":body["id"],"result":{
            "tools":[{"name":"slow","inputSchema":{"type":"object"}}]}}))
        }
        ("POST", Some("tools/call")) => call,
        ("POST", Some("ping")) => Reply::json(json!({"jsonrpc":"2.0","id":body["id"],"result":{}})),
        ("POST", _) => Reply {
            status: 202,
            content_type: "application/json",
            chunks: Vec::new(),
            hold_open: false,
        },
        _ => Reply::status(405),
    };
    let head = format!(
        "HTTP/1.1 {} X\r\ncontent-type: {}\r\nmcp-session-id: s1\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        reply.status, reply.content_type
    );
    if sock.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    for (delay, text) in &reply.chunks {
        tokio::time::sleep(Duration::from_millis(*delay)).await;
        let c = format!("{:x}\r\n{text}\r\n", text.len());
        if sock.write_all(c.as_bytes()).await.is_err() {
            return;
        }
    }
    if reply.hold_open {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
}

fn opts(ms: u64) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_millis(ms),
        ..ClientOptions::default()
    }
}

fn notes(t: &Transcript) -> Vec<String> {
    t.since(0)
        .into_iter()
        .filter_map(|e| match e {
            Entry::Note { text, .. } => Some(text),
            _ => None,
        })
        .collect()
}

const CALL: &str = r#"{"jsonrpc":"2.0","id":"c1","method":"tools/call","params":{"name":"slow"}}"#;

async fn session(url: &str, ms: u64) -> (Session, Transcript) {
    let t = Transcript::new();
    let s = Session::open(&Target::Http { url: url.into() }, opts(ms), t.clone())
        .await
        .unwrap();
    (s, t)
}

#[tokio::test]
async fn the_transport_waits_retry_then_resumes_with_last_event_id() {
    let call = Reply::sse(&["id: s-0\nretry: 120\ndata:\n\n"]);
    let get = Reply::sse(&[
        "id: s-1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"c1\",\"progress\":1}}\n\n",
        "id: s-2\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"c1\",\"result\":{\"content\":[]}}\n\n",
    ]);
    let (url, seen) = scripted(call, get).await;
    let (mut s, _t) = session(&url, 3000).await;
    s.handshake(ProtocolVersion::V2025_11_25).await.unwrap();
    let t0 = Instant::now();
    let ex = s
        .send(serde_json::from_str(CALL).unwrap())
        .await
        .expect("the call completes");
    assert_eq!(ex.response.as_ref().unwrap()["id"], json!("c1"));
    assert!(
        t0.elapsed() >= Duration::from_millis(120),
        "waited the retry"
    );
    assert!(
        ex.received
            .iter()
            .any(|m| m["method"] == json!("notifications/progress")),
        "the resumed stream's messages reach the session"
    );
    assert!(s.garbage().is_empty(), "the priming event is no message");
    let history = &s.http().unwrap().resumes()[0];
    assert!(history.delivered);
    assert_eq!(history.reconnects.len(), 1);
    assert_eq!(history.reconnects[0].retry_before_close, Some(120));
    assert!(history.reconnects[0].waited_ms >= 120);
    let gets: Vec<Seen> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.method == "GET")
        .cloned()
        .collect();
    assert_eq!(gets.len(), 1);
    let header = |name: &str| {
        gets[0]
            .headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("last-event-id").as_deref(), Some("s-0"));
    assert_eq!(header("mcp-session-id").as_deref(), Some("s1"));
    assert_eq!(header("accept").as_deref(), Some("text/event-stream"));
}

#[tokio::test]
async fn a_stream_closed_without_an_id_fails_the_polling_check_with_evidence() {
    let call = Reply::sse(&["data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"x\",\"progress\":1}}\n\n"]);
    let (url, seen) = scripted(call, Reply::status(405)).await;
    let all = load_builtin().unwrap();
    let picked: Vec<_> = all
        .iter()
        .filter(|s| s.file.id == "http.sse-poll")
        .collect();
    let t0 = Instant::now();
    let report = run(Target::Http { url }, &picked, None).await;
    assert!(t0.elapsed() < Duration::from_secs(5), "no hang");
    let check = &report.checks[0];
    assert_eq!(check.verdict, Verdict::Warn, "{}", explain(&[check]));
    assert!(
        check.findings[0].message.contains("no event id"),
        "{:?}",
        check.findings
    );
    let transcript = serde_json::to_string(&check.transcript).unwrap();
    assert!(transcript.contains("ended without"), "{transcript}");
    assert!(
        seen.lock().unwrap().iter().all(|r| r.method != "GET"),
        "nothing to resume from, so no GET"
    );
}

#[tokio::test]
async fn a_huge_retry_is_capped_by_the_timeout() {
    let call = Reply::sse(&["id: s-0\ndata:\n\n", "retry: 999999999\n\n"]);
    let (url, seen) = scripted(call, Reply::sse(&[])).await;
    let (mut s, t) = session(&url, 1000).await;
    s.handshake(ProtocolVersion::V2025_11_25).await.unwrap();
    let t0 = Instant::now();
    let out = s.send(serde_json::from_str(CALL).unwrap()).await;
    assert!(
        t0.elapsed() < Duration::from_millis(2500),
        "{:?}",
        t0.elapsed()
    );
    assert!(
        matches!(out, Err(TransportError::Timeout { .. })),
        "{out:?}"
    );
    // The POST task gives up at its own deadline, a moment after the session's.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let history = &s.http().unwrap().resumes()[0];
    assert!(!history.delivered);
    assert!(
        history.gave_up.as_deref().unwrap_or("").contains("retry"),
        "{history:?}"
    );
    assert!(
        notes(&t).iter().any(|n| n.contains("999999999ms")),
        "{:?}",
        notes(&t)
    );
    assert!(seen.lock().unwrap().iter().all(|r| r.method != "GET"));
}

#[tokio::test]
async fn a_hanging_resume_times_out() {
    let call = Reply::sse(&["id: s-0\nretry: 10\ndata:\n\n"]);
    let get = Reply {
        hold_open: true,
        ..Reply::sse(&[": waiting\n\n"])
    };
    let (url, _) = scripted(call, get).await;
    let (mut s, t) = session(&url, 1000).await;
    s.handshake(ProtocolVersion::V2025_11_25).await.unwrap();
    let t0 = Instant::now();
    let out = s.send(serde_json::from_str(CALL).unwrap()).await;
    assert!(
        t0.elapsed() < Duration::from_millis(2500),
        "{:?}",
        t0.elapsed()
    );
    assert!(
        matches!(out, Err(TransportError::Timeout { .. })),
        "{out:?}"
    );
    // The POST task reports once its resumed read hits the same deadline.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let history = &s.http().unwrap().resumes()[0];
    assert_eq!(history.reconnects[0].status, Some(200));
    assert_eq!(history.gave_up.as_deref(), Some("the timeout passed"));
    assert!(
        notes(&t).iter().any(|n| n.contains("resumed stream")),
        "{:?}",
        notes(&t)
    );
}

#[tokio::test]
async fn a_refused_resume_is_reported_and_bounded() {
    let call = Reply::sse(&["id: s-0\ndata:\n\n"]);
    let (url, seen) = scripted(call, Reply::status(405)).await;
    let (mut s, _t) = session(&url, 2000).await;
    s.handshake(ProtocolVersion::V2025_11_25).await.unwrap();
    let ex = s.send(serde_json::from_str(CALL).unwrap()).await.unwrap();
    assert!(ex.response.is_none());
    let history = &s.http().unwrap().resumes()[0];
    assert_eq!(history.reconnects.len(), 1);
    assert_eq!(history.reconnects[0].status, Some(405));
    assert_eq!(
        history.reconnects[0].retry_before_close, None,
        "no retry was sent"
    );
    assert!(history.gave_up.as_deref().unwrap().contains("405"));
    let gets = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 1);
}

#[tokio::test]
async fn endless_empty_resumptions_stop() {
    // Every resumed connection ends at once with nothing: the harness stops after a few.
    let call = Reply::sse(&["id: s-0\ndata:\n\n"]);
    let (url, seen) = scripted(call, Reply::sse(&[])).await;
    let (mut s, _t) = session(&url, 3000).await;
    s.handshake(ProtocolVersion::V2025_11_25).await.unwrap();
    let t0 = Instant::now();
    let ex = s.send(serde_json::from_str(CALL).unwrap()).await.unwrap();
    assert!(ex.response.is_none());
    assert!(t0.elapsed() < Duration::from_secs(2));
    let gets = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 3);
    let history = &s.http().unwrap().resumes()[0];
    assert!(history
        .gave_up
        .as_deref()
        .unwrap()
        .contains("without any event"));
}
