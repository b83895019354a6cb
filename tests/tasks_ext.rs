//! The 2026-07-28 tasks extension (`io.modelcontextprotocol/tasks`): the clean reference server
//! passes every `v26.tasks-*` check over HTTP and stdio; a mock server whose task never ends is a
//! bounded FAIL (and the harness declares the extension, mirrors the task id into `Mcp-Name`
//! and honours `pollIntervalMs`); a server that does not advertise the extension gets SKIP only.

mod common;

use common::{explain, http_server, not_passing, pack, run, stdio_target};
use mcp_reference_server::ServerConfig;
use mcpcheck::check::Verdict;
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::Scenario;
use mcpcheck::transport::Target;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const MODERN: ProtocolVersion = ProtocolVersion::V2026_07_28;
const EXT: &str = "io.modelcontextprotocol/tasks";

fn tasks_pack(scenarios: &[Scenario]) -> Vec<&Scenario> {
    scenarios
        .iter()
        .filter(|s| s.file.id.starts_with("v26.tasks-"))
        .collect()
}

async fn assert_clean(target: Target) {
    let scenarios = pack();
    let ours = tasks_pack(&scenarios);
    assert_eq!(ours.len(), 10, "the ten tasks-extension checks");
    let report = run(target, &ours, Some(MODERN)).await;
    let bad = not_passing(&report);
    assert!(
        bad.is_empty(),
        "clean server over {}:\n{}",
        report.transport,
        explain(&bad)
    );
    let skipped: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.verdict != Verdict::Pass)
        .collect();
    assert!(
        skipped.is_empty(),
        "every check applies to the reference server:\n{}",
        explain(&skipped)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_over_http_passes_the_tasks_extension() {
    let server = http_server(ServerConfig::default()).await;
    assert_clean(Target::Http { url: server.url() }).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_server_over_stdio_passes_the_tasks_extension() {
    assert_clean(stdio_target(&[])).await;
}

/// What a mock saw: each request body, its `Mcp-Name` header and when it came.
type Seen = Arc<Mutex<Vec<(Value, Option<String>, Instant)>>>;

/// A modern server advertising the extension (or not) whose `slow` task never ends.
struct Endless {
    advertise: bool,
    seen: Seen,
}

impl Respond for Endless {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let name = request
            .headers
            .get("mcp-name")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).push((
            body.clone(),
            name,
            Instant::now(),
        ));
        let id = body["id"].clone();
        let task = |rt: &str| {
            json!({
                "resultType": rt, "taskId": "t-1", "status": "working",
                "createdAt": "2026-01-01T00:00:00Z", "lastUpdatedAt": "2026-01-01T00:00:00Z",
                "ttlMs": 60000, "pollIntervalMs": 200,
            })
        };
        let caps = if self.advertise {
            json!({"tools": {}, "extensions": {EXT: {}}})
        } else {
            json!({"tools": {}})
        };
        let result = match body["method"].as_str().unwrap_or("") {
            "server/discover" => json!({
                "resultType": "complete", "ttlMs": 0, "cacheScope": "public",
                "supportedVersions": ["2026-07-28"], "capabilities": caps,
                "serverInfo": {"name": "endless", "version": "0"},
            }),
            "tools/list" => json!({
                "resultType": "complete", "ttlMs": 0, "cacheScope": "public",
                "tools": [{"name": "slow", "inputSchema": {"type": "object"}}],
            }),
            "tools/call" => task("task"),
            "tasks/get" => task("complete"),
            _ => json!({"resultType": "complete"}),
        };
        ResponseTemplate::new(200)
            .set_body_json(json!({"jsonrpc": "2.0", "id": id, "result": result}))
    }
}

async fn endless(advertise: bool) -> (MockServer, Seen) {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .respond_with(Endless {
            advertise,
            seen: seen.clone(),
        })
        .mount(&server)
        .await;
    (server, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_that_never_ends_is_a_bounded_fail() {
    let (server, seen) = endless(true).await;
    let scenarios = pack();
    let poll: Vec<_> = scenarios
        .iter()
        .filter(|s| s.file.id == "v26.tasks-poll")
        .collect();
    let started = Instant::now();
    let report = run(Target::Http { url: server.uri() }, &poll, Some(MODERN)).await;
    assert!(started.elapsed() < Duration::from_secs(40), "took too long");
    let check = &report.checks[0];
    assert_eq!(check.verdict, Verdict::Fail, "{}", explain(&[check]));
    assert!(
        check
            .findings
            .iter()
            .any(|f| f.message.contains("still working after")),
        "{}",
        explain(&[check])
    );
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let call = seen
        .iter()
        .find(|(b, _, _)| b["method"] == "tools/call")
        .expect("a tools/call");
    assert_eq!(
        call.0["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"]["extensions"][EXT],
        json!({}),
        "the call declares the extension"
    );
    let gets: Vec<_> = seen
        .iter()
        .filter(|(b, _, _)| b["method"] == "tasks/get")
        .collect();
    assert!(gets.len() >= 3, "polled several times: {}", gets.len());
    for (body, name, _) in &gets {
        assert_eq!(body["params"]["taskId"], json!("t-1"));
        assert_eq!(name.as_deref(), Some("t-1"), "Mcp-Name mirrors taskId");
    }
    for pair in gets.windows(2) {
        let gap = pair[1].2.duration_since(pair[0].2);
        assert!(
            gap >= Duration::from_millis(180),
            "pollIntervalMs 200 is honoured: {gap:?}"
        );
    }
    // Bounded by max_wait_ms (15 s) at 200 ms per poll.
    assert!(gets.len() <= 80, "{} polls", gets.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_the_extension_gets_skips_only() {
    let (server, seen) = endless(false).await;
    let scenarios = pack();
    let ours = tasks_pack(&scenarios);
    let report = run(Target::Http { url: server.uri() }, &ours, Some(MODERN)).await;
    for c in &report.checks {
        assert_eq!(c.verdict, Verdict::Skip, "{}", explain(&[c]));
        assert!(
            c.skip_reason
                .as_deref()
                .unwrap_or("")
                .contains("io.modelcontextprotocol/tasks"),
            "{}",
            explain(&[c])
        );
    }
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        !seen.iter().any(|(b, _, _)| b["method"] == "tools/call"
            || b["method"].as_str().unwrap_or("").starts_with("tasks/")),
        "nothing task-related is sent"
    );
}

/// Each task-notification fault fails its check for the rule it breaks, on both transports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_faults_fail_for_their_rule() {
    use mcp_reference_server::Fault;
    let scenarios = pack();
    let cases = [
        (
            Fault::V26TaskNotifyUndeclared,
            "v26.tasks-notify-undeclared",
            "served instead of refused",
        ),
        (
            Fault::V26TaskNotifyPartial,
            "v26.tasks-notify",
            "a completed task without its result",
        ),
        (
            Fault::V26TaskNotifyPartial,
            "v26.tasks-notify",
            "differs from tasks/get of the ended task at `result`",
        ),
        (
            Fault::V26TaskNotifyUntagged,
            "v26.tasks-notify",
            "not tagged with the listen id",
        ),
        (
            Fault::V26TaskNotifyProgress,
            "v26.tasks-notify",
            "notifications/progress on the listen stream",
        ),
    ];
    for (fault, id, why) in cases {
        let scenario: Vec<_> = scenarios.iter().filter(|s| s.file.id == id).collect();
        let server = http_server(ServerConfig::with_fault(fault)).await;
        let over_http = run(Target::Http { url: server.url() }, &scenario, Some(MODERN)).await;
        server.shutdown().await;
        let over_stdio = run(
            stdio_target(&["--fault".to_string(), fault.name().to_string()]),
            &scenario,
            Some(MODERN),
        )
        .await;
        for report in [over_http, over_stdio] {
            let check = &report.checks[0];
            assert_eq!(
                check.verdict,
                Verdict::Fail,
                "{fault}: {}",
                explain(&[check])
            );
            assert!(
                check.findings.iter().any(|f| f.message.contains(why)),
                "{fault} over {}: expected a finding {why:?}\n{}",
                report.transport,
                explain(&[check])
            );
        }
    }
}

/// A modern server with the extension whose `slow` task is `working` at the first `tasks/get`
/// and `completed` after; its listen acknowledges the task (or declines it) and then sends
/// nothing.
struct Silent {
    decline: bool,
    gets: Arc<Mutex<usize>>,
}

impl Respond for Silent {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let id = body["id"].clone();
        let task = |rt: &str, status: &str| {
            let mut t = json!({
                "resultType": rt, "taskId": "t-1", "status": status,
                "createdAt": "2026-01-01T00:00:00Z", "lastUpdatedAt": "2026-01-01T00:00:00Z",
                "ttlMs": 60000, "pollIntervalMs": 100,
            });
            if status == "completed" {
                t["result"] = json!({"content": [], "isError": false});
            }
            t
        };
        let result = match body["method"].as_str().unwrap_or("") {
            "server/discover" => json!({
                "resultType": "complete", "ttlMs": 0, "cacheScope": "public",
                "supportedVersions": ["2026-07-28"],
                "capabilities": {"tools": {}, "extensions": {EXT: {}}},
                "serverInfo": {"name": "silent", "version": "0"},
            }),
            "tools/list" => json!({
                "resultType": "complete", "ttlMs": 0, "cacheScope": "public",
                "tools": [{"name": "slow", "inputSchema": {"type": "object"}}],
            }),
            "tools/call" => task("task", "working"),
            "tasks/get" => {
                let mut n = self.gets.lock().unwrap_or_else(|e| e.into_inner());
                *n += 1;
                task("complete", if *n == 1 { "working" } else { "completed" })
            }
            "subscriptions/listen" => {
                let granted = if self.decline {
                    json!({})
                } else {
                    json!({"taskIds": body["params"]["notifications"]["taskIds"]})
                };
                let ack = json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
                    "params": {"notifications": granted,
                               "_meta": {"io.modelcontextprotocol/subscriptionId": id}}});
                return ResponseTemplate::new(200).set_body_raw(
                    format!("event: message\ndata: {ack}\n\n"),
                    "text/event-stream",
                );
            }
            _ => json!({"resultType": "complete"}),
        };
        ResponseTemplate::new(200)
            .set_body_json(json!({"jsonrpc": "2.0", "id": id, "result": result}))
    }
}

/// The follow check against `Silent`, bounded at one second.
async fn follow_silent(decline: bool) -> mcpcheck::check::CheckResult {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(Silent {
            decline,
            gets: Arc::new(Mutex::new(0)),
        })
        .mount(&server)
        .await;
    let mut scenario = pack()
        .into_iter()
        .find(|s| s.file.id == "v26.tasks-notify")
        .expect("the follow check");
    scenario.file.args.insert("max_wait_ms".into(), json!(1000));
    let report = run(
        Target::Http { url: server.uri() },
        &[&scenario],
        Some(MODERN),
    )
    .await;
    report.checks[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_task_that_ends_unannounced_fails_and_a_declined_one_skips() {
    let silent = follow_silent(false).await;
    assert_eq!(silent.verdict, Verdict::Fail, "{}", explain(&[&silent]));
    assert!(
        silent.findings.iter().any(|f| f
            .message
            .contains("no terminal notifications/tasks arrived")),
        "{}",
        explain(&[&silent])
    );
    let declined = follow_silent(true).await;
    assert_eq!(declined.verdict, Verdict::Skip, "{}", explain(&[&declined]));
    assert!(
        declined
            .skip_reason
            .as_deref()
            .unwrap_or("")
            .contains("declined"),
        "{}",
        explain(&[&declined])
    );
}
