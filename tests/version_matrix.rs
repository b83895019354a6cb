//! `--spec-version auto` and `run --matrix` against the reference server: the probe names every
//! version the server accepts, the suite runs once per version, and the version × area table
//! (snapshot-tested) shows each version's results; a fault shows up in every version's row.

mod common;

use assert_cmd::Command;
use mcp_reference_server::{Fault, ServerConfig};
use std::process::Output;

/// Runs `mcpcheck ARGS` off the runtime the server runs on.
async fn mcpcheck(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::cargo_bin("mcpcheck")
            .expect("binary built")
            .env("NO_COLOR", "1")
            .timeout(std::time::Duration::from_secs(240))
            .args(&args)
            .output()
            .expect("runs")
    })
    .await
    .expect("joins")
}

fn args(url: &str, extra: &[&str]) -> Vec<String> {
    let mut a = vec!["run".to_string(), url.to_string(), "--no-color".into()];
    a.extend(extra.iter().map(ToString::to_string));
    a
}

/// The probe section and the final table of a `--matrix` run (the per-version console reports
/// between them carry timings).
fn probe_and_table(stdout: &str) -> String {
    let probe: Vec<&str> = stdout
        .lines()
        .take_while(|l| !l.starts_with("== protocol"))
        .collect();
    let lines: Vec<&str> = stdout.lines().collect();
    let start = lines
        .iter()
        .rposition(|l| l.starts_with("version "))
        .unwrap_or(lines.len());
    let table = &lines[start..];
    format!("{}\n{}", probe.join("\n").trim_end(), table.join("\n"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_runs_every_accepted_version() {
    let server = common::http_server(ServerConfig::default()).await;
    let out = mcpcheck(args(
        &server.url(),
        &["--matrix", "--only", "lifecycle", "--only", "base"],
    ))
    .await;
    server.shutdown().await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!("matrix_clean", probe_and_table(&stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_fails_every_version_row() {
    let server = common::http_server(ServerConfig::with_fault(Fault::PingError)).await;
    let out = mcpcheck(args(
        &server.url(),
        &["--matrix", "--only", "lifecycle.ping"],
    ))
    .await;
    server.shutdown().await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let table = probe_and_table(&stdout);
    let rows: Vec<&str> = table
        .lines()
        .skip(1)
        .skip_while(|l| !l.starts_with("version "))
        .skip(1)
        .collect();
    assert!(rows.len() >= 3, "one row per accepted version:\n{table}");
    for row in rows {
        if row.starts_with("2026-07-28") {
            // ping was removed from the stateless revision: the check does not apply there.
            assert!(row.contains("skip"), "ping checked at 2026-07-28: {row}");
        } else {
            assert!(row.contains("1 FAIL"), "row without the failure: {row}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_reports_the_probe_and_checks_the_newest_version() {
    let server = common::http_server(ServerConfig::default()).await;
    let out = mcpcheck(args(
        &server.url(),
        &["--spec-version", "auto", "--only", "lifecycle.ping"],
    ))
    .await;
    server.shutdown().await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("initialize 2025-11-25: accepted"),
        "{stderr}"
    );
    assert!(stderr.contains("server/discover:"), "{stderr}");
    assert!(stderr.contains("the server accepts"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_conflicts_with_a_fixed_version() {
    let out = mcpcheck(args(
        "http://127.0.0.1:9/mcp",
        &["--matrix", "--spec-version", "2025-06-18"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--matrix"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_checks_every_wire_and_prints_the_pass_table() {
    let out = mcpcheck(vec![
        "demo".into(),
        "--no-color".into(),
        "--only".into(),
        "lifecycle".into(),
        "--only".into(),
        "base".into(),
    ])
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    let start = lines
        .iter()
        .rposition(|l| l.starts_with("pass "))
        .expect("a pass table");
    let passes: Vec<&str> = lines[start + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split("  ").next().unwrap_or_default())
        .collect();
    assert_eq!(
        passes,
        ["http", "http 2026-07-28", "sse 2024-11-05", "stdio"],
        "{stdout}"
    );
    for row in &lines[start + 1..start + 5] {
        assert!(row.contains("PASS ("), "{row}");
    }
}
