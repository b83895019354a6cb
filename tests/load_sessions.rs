//! 1,000 sessions at once from `mcpcheck load` against the reference server: zero errors, the
//! server holds all of them; after the load, 1,000 more sessions are opened and abandoned (no
//! DELETE) and the idle timeout reclaims every one. The session count then returns to exactly 0
//! and the process's resident set returns near its baseline (a loose bound, stated below; the
//! figures are printed with `--nocapture`).

mod common;

use common::http_server;
use mcp_reference_server::{Limits, ServerConfig};
use mcpcheck::load::{self, LoadOptions, Overrides};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USERS: usize = 1000;
const IDLE: Duration = Duration::from_secs(3);
/// How far above its baseline the resident set may stay once every session is gone. Loose on
/// purpose: the allocator keeps some freed memory, and the load engine's own buffers are in the
/// same process. A leak of the sessions would be proportional (tens of KiB each, so 2,000
/// leaked sessions plus their connections would exceed it).
const MAX_RSS_GROWTH_KB: u64 = 96 * 1024;

/// How much a second identical round of abandoned sessions may add (a leak of 1,000 sessions
/// and their connections would add several MiB; allocator noise stays well below).
const MAX_SECOND_ROUND_GROWTH_KB: u64 = 8 * 1024;

const PROFILE: &str = r#"
name = "sessions-1000"
description = "1,000 users, one session each, a call per second each."
users = 1000
ramp = "3s"
duration = "8s"
warmup = "0s"
think_time = "800ms..1200ms"
session = "per_user"
timeout = "20s"
thresholds = ["error_rate<0.001%"]

[[operation]]
method = "tools/call"
tool = "echo"
arguments = { text = "hold ${vu}-${iteration}" }
weight = 3

[[operation]]
method = "ping"
weight = 1
"#;

/// `VmRSS` of this process in KiB (Linux); `None` elsewhere.
fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

async fn wait_until(what: &str, within: Duration, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !cond() {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens `n` sessions (initialize + initialized) and abandons them: no DELETE.
async fn abandon_sessions(url: &str, n: usize) {
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let http = http.clone();
            let url = url.to_string();
            tokio::spawn(async move {
                let init = json!({"jsonrpc": "2.0", "id": i, "method": "initialize", "params": {
                    "protocolVersion": "2025-11-25", "capabilities": {},
                    "clientInfo": {"name": "abandoner", "version": "0"}}});
                let r = http
                    .post(&url)
                    .header("accept", "application/json, text/event-stream")
                    .header("content-type", "application/json")
                    .body(init.to_string())
                    .send()
                    .await
                    .expect("initialize");
                assert_eq!(r.status(), 200);
                let sid = r.headers()["mcp-session-id"].to_str().unwrap().to_string();
                let _ = r.bytes().await;
                let ack = http
                    .post(&url)
                    .header("accept", "application/json, text/event-stream")
                    .header("content-type", "application/json")
                    .header("mcp-session-id", sid)
                    .header("mcp-protocol-version", "2025-11-25")
                    .body(
                        json!({"jsonrpc": "2.0", "method": "notifications/initialized"})
                            .to_string(),
                    )
                    .send()
                    .await
                    .expect("initialized");
                assert_eq!(ack.status(), 202);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_sessions_are_served_without_errors_and_then_reclaimed() {
    let server = Arc::new(
        http_server(ServerConfig {
            limits: Limits {
                idle_timeout: IDLE,
                ..Limits::default()
            },
            ..ServerConfig::default()
        })
        .await,
    );
    let url = server.url();
    // Warm up (allocator arenas, the load engine) before the baseline.
    abandon_sessions(&url, 50).await;
    wait_until("warm-up sessions expire", IDLE * 5, || {
        server.session_count() == 0
    })
    .await;
    let baseline = rss_kb();

    // The load, with the session count sampled throughout.
    let peak = Arc::new(AtomicUsize::new(0));
    let sampler = {
        let (server, peak) = (server.clone(), peak.clone());
        tokio::spawn(async move {
            loop {
                peak.fetch_max(server.session_count(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let profile = load::profile::parse("sessions-1000.toml", PROFILE, &Overrides::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let opts = LoadOptions {
        url: url.clone(),
        ..LoadOptions::default()
    };
    let report = load::run(&profile, &opts, |_, _| {}).await.expect("runs");
    let during = rss_kb();
    sampler.abort();
    let summary = load::console::summary(&report);
    assert_eq!(report.summary.errors, 0, "{summary}");
    for op in &report.operations {
        assert_eq!(op.errors, 0, "{}: {summary}", op.name);
    }
    assert!(report.passed, "{summary}");
    assert_eq!(report.peak_users, USERS, "{summary}");
    let held = peak.load(Ordering::Relaxed);
    assert_eq!(held, USERS, "all 1,000 sessions were live at once");
    let inits = report
        .operations
        .iter()
        .find(|o| o.name == "initialize")
        .map_or(0, |o| o.count);
    assert_eq!(inits, USERS as u64, "{summary}");
    // Every user ended its session with DELETE.
    assert_eq!(server.session_count(), 0);
    let requests = report.summary.count;
    drop(report);

    // Clients that vanish without DELETE: the idle timeout reclaims their sessions.
    let opening = Instant::now();
    abandon_sessions(&url, USERS).await;
    let live = server.session_count();
    if opening.elapsed() < IDLE {
        assert_eq!(live, USERS);
    } else {
        // Opening them took longer than the timeout: the first ones may be gone already.
        assert!(live > USERS / 2, "{live} of {USERS} still live");
    }
    let abandoned_at = Instant::now();
    wait_until("abandoned sessions expire", IDLE * 10, || {
        server.session_count() == 0 && server.sessions_held() == 0
    })
    .await;
    let reclaimed_after = abandoned_at.elapsed();
    // Let the allocator settle after the last connections close.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kb();
    eprintln!(
        "load_sessions: {USERS} sessions held at once, {requests} measured requests, 0 errors; \
         {USERS} abandoned sessions reclaimed in {reclaimed_after:?} (idle timeout {IDLE:?}); \
         RSS baseline {baseline:?} KiB, end of load {during:?} KiB, after expiry {after:?} KiB"
    );
    if let (Some(b), Some(a)) = (baseline, after) {
        let grew = a.saturating_sub(b);
        assert!(
            grew < MAX_RSS_GROWTH_KB,
            "resident set still {grew} KiB above baseline ({b} -> {a} KiB)"
        );
    }
    // A second round of 1,000 abandoned sessions reuses what the allocator kept: a leak would
    // add to it again, allocator retention does not.
    abandon_sessions(&url, USERS).await;
    wait_until("the second round expires", IDLE * 10, || {
        server.session_count() == 0 && server.sessions_held() == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let again = rss_kb();
    eprintln!(
        "load_sessions: after a second round of {USERS} abandoned sessions: RSS {again:?} KiB"
    );
    if let (Some(a), Some(a2)) = (after, again) {
        let grew = a2.saturating_sub(a);
        assert!(
            grew < MAX_SECOND_ROUND_GROWTH_KB,
            "the second round grew the resident set by {grew} KiB ({a} -> {a2} KiB): a leak"
        );
    }
    if let Ok(s) = Arc::try_unwrap(server) {
        s.shutdown().await;
    }
}
