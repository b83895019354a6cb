//! The binary's contract: exit codes 0/1/2, scenario errors with file and line, user scenarios,
//! and `list`. Runs `mcpcheck` as a child process against the reference server.

mod common;

use assert_cmd::Command;
use mcp_reference_server::{Fault, ServerConfig};

fn mcpcheck() -> Command {
    let mut c = Command::cargo_bin("mcpcheck").expect("binary built");
    c.env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(120));
    c
}

fn fixture(p: &str) -> String {
    format!("{}/fixtures/scenarios/{p}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_malformed_scenario_is_exit_2_with_file_and_line() {
    let out = mcpcheck()
        .args(["list", "--scenarios", &fixture("bad-type")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.toml:6"), "{err}");
    assert!(err.contains("string"), "says what was expected: {err}");

    let out = mcpcheck()
        .args(["list", "--scenarios", &fixture("bad-action")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("two-actions.toml:7") && err.contains("exactly one action"),
        "{err}"
    );
}

#[test]
fn list_names_every_builtin_scenario() {
    let out = mcpcheck().arg("list").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for id in ["lifecycle.ping", "http.session-delete", "tools.call-each"] {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
}

#[test]
fn usage_errors_and_unreachable_targets_are_exit_2() {
    let out = mcpcheck()
        .args(["run", "ftp://nowhere"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = mcpcheck()
        .args(["run", "http://127.0.0.1:9/mcp", "--timeout", "2s"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = mcpcheck()
        .args(["run", "http://127.0.0.1:9/mcp", "--header", "no-colon"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_0_on_a_clean_server_and_1_on_a_faulty_one_with_reports_written() {
    let clean = common::http_server(ServerConfig::default()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let junit = dir.path().join("out/run.xml");
    let url = clean.url();
    let junit_arg = format!("junit:{}", junit.display());
    let out = tokio::task::spawn_blocking(move || {
        mcpcheck()
            .args([
                "run",
                &url,
                "--only",
                "lifecycle.*",
                "--scenarios",
                &fixture("good"),
                "--only",
                "mine.*",
            ])
            .args([
                "--report",
                &junit_arg,
                "--header",
                "Authorization: Bearer very-secret-token-1",
            ])
            .output()
            .expect("runs")
    })
    .await
    .expect("joins");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("mine.echo-roundtrip"),
        "user scenario ran: {stdout}"
    );
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        xml.contains("<testcase") && !xml.contains("very-secret-token-1"),
        "{xml}"
    );
    clean.shutdown().await;

    let faulty = common::http_server(ServerConfig::with_fault(
        Fault::from_name("ping-error").expect("fault"),
    ))
    .await;
    let url = faulty.url();
    let out = tokio::task::spawn_blocking(move || {
        mcpcheck()
            .args(["run", &url, "--only", "lifecycle.ping", "-v"])
            .output()
            .expect("runs")
    })
    .await
    .expect("joins");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL") && stdout.contains("lifecycle.ping"),
        "{stdout}"
    );
    faulty.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_body_caps_what_is_read_and_bad_sizes_are_usage_errors() {
    let server = common::http_server(ServerConfig::default()).await;
    let url = server.url();
    let out = tokio::task::spawn_blocking(move || {
        mcpcheck()
            .args([
                "run",
                &url,
                "--only",
                "tools.list-shape",
                "--max-body",
                "2k",
            ])
            .output()
            .expect("runs")
    })
    .await
    .expect("joins");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("larger than the 2048-byte cap"), "{stdout}");
    server.shutdown().await;
    let out = mcpcheck()
        .args(["run", "http://127.0.0.1:9/mcp", "--max-body", "5"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}
