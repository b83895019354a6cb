//! The load fault switches: `load-error-rate` fails every 10th tools/call, and
//! `load-periodic-stall` periodically holds every request for ~100 ms. Each probe runs against
//! a clean server and one with the switch on. (mcpcheck's load tests show the thresholds catch
//! them; these show the server does what the switch says.)

mod common;

use common::http::{start, HttpClient};
use common::{assert_covers, error_code};
use mcp_reference_server::{Fault, ServerConfig};
use serde_json::json;
use std::time::{Duration, Instant};

const COVERED: &[Fault] = &[Fault::LoadPeriodicStall, Fault::LoadErrorRate];

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_load", COVERED);
}

async fn client(config: ServerConfig) -> (mcp_reference_server::RunningServer, HttpClient) {
    let server = start(config).await;
    let mut c = HttpClient::new(server.url());
    c.initialize("2025-11-25").await;
    (server, c)
}

async fn failed_echoes(config: ServerConfig) -> usize {
    let (server, c) = client(config).await;
    let mut failed = 0;
    for id in 1..=30 {
        let ex = c
            .request(
                json!(id),
                "tools/call",
                json!({"name": "echo", "arguments": {"text": "x"}}),
            )
            .await;
        if ex.message().get("error").is_some() {
            assert_eq!(error_code(ex.message()), -32603);
            failed += 1;
        }
    }
    server.shutdown().await;
    failed
}

#[tokio::test]
async fn load_error_rate() {
    assert_eq!(failed_echoes(ServerConfig::default()).await, 0);
    assert_eq!(
        failed_echoes(ServerConfig::with_fault(Fault::LoadErrorRate)).await,
        3
    );
}

/// The slowest of the pings sent back to back over `span`.
async fn slowest_ping(config: ServerConfig, span: Duration) -> Duration {
    let (server, c) = client(config).await;
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut id = 1;
    while start.elapsed() < span {
        let t = Instant::now();
        c.request(json!(id), "ping", json!({})).await;
        slowest = slowest.max(t.elapsed());
        id += 1;
    }
    server.shutdown().await;
    slowest
}

#[tokio::test]
async fn load_periodic_stall() {
    let span = Duration::from_millis(500);
    let clean = slowest_ping(ServerConfig::default(), span).await;
    let stalled = slowest_ping(ServerConfig::with_fault(Fault::LoadPeriodicStall), span).await;
    assert!(clean < Duration::from_millis(80), "{clean:?}");
    assert!(stalled >= Duration::from_millis(95), "{stalled:?}");
}
