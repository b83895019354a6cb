//! Tasks (2025-11-25) end to end: the clean reference server passes the tasks scenarios over
//! HTTP and stdio, each task fault is caught by the scenarios declaring it, and a server
//! without tasks (an earlier revision) makes them SKIP.

mod common;

use common::{explain, http_server, pack, run, stdio_target};
use mcp_reference_server::{Fault, ServerConfig};
use mcpcheck::check::Verdict;
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::Scenario;
use mcpcheck::transport::Target;

const IDS: [&str; 3] = ["tasks.cancel", "tasks.lifecycle", "tools.task-required"];

fn task_scenarios(all: &[Scenario]) -> Vec<&Scenario> {
    all.iter()
        .filter(|s| IDS.contains(&s.file.id.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_server_passes_over_http_and_stdio() {
    let all = pack();
    let scenarios = task_scenarios(&all);
    assert_eq!(scenarios.len(), IDS.len());
    let server = http_server(ServerConfig::default()).await;
    let http = run(Target::Http { url: server.url() }, &scenarios, None).await;
    server.shutdown().await;
    let stdio = run(stdio_target(&[]), &scenarios, None).await;
    for (wire, report) in [("http", &http), ("stdio", &stdio)] {
        let checks: Vec<_> = report.checks.iter().collect();
        assert!(
            checks.iter().all(|c| c.verdict == Verdict::Pass),
            "{wire}:\n{}",
            explain(&checks)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earlier_revisions_skip() {
    let all = pack();
    let scenarios = task_scenarios(&all);
    let server = http_server(ServerConfig::default()).await;
    let report = run(
        Target::Http { url: server.url() },
        &scenarios,
        Some(ProtocolVersion::V2025_06_18),
    )
    .await;
    server.shutdown().await;
    assert!(report.checks.iter().all(|c| c.verdict == Verdict::Skip));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_task_fault_is_caught_by_its_scenarios() {
    let all = pack();
    for fault in [
        Fault::TaskRequiredPlainOk,
        Fault::TaskResultNoRelatedMeta,
        Fault::TaskUnknownIdWrongCode,
        Fault::TaskCancelTerminalOk,
    ] {
        let declaring: Vec<&Scenario> = all
            .iter()
            .filter(|s| s.file.detects.iter().any(|d| d == fault.name()))
            .collect();
        assert!(!declaring.is_empty(), "{fault} is declared by no scenario");
        let server = http_server(ServerConfig::with_fault(fault)).await;
        let report = run(Target::Http { url: server.url() }, &declaring, None).await;
        server.shutdown().await;
        for c in &report.checks {
            assert_eq!(
                c.verdict,
                Verdict::Fail,
                "{fault} not caught by {}:\n{}",
                c.id,
                explain(&[c])
            );
        }
    }
}
