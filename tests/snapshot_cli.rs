//! `mcpcheck snapshot record|check` as a user runs it: record against the clean reference
//! server, check against each snapshot fault (exit 1, a diff, the breaking change named),
//! `--fail-on any|breaking`, `--update` rewriting the snapshot, redaction rules kept in the
//! manifest, a target from a config file, and exit 2 for what cannot be checked.

mod common;

use assert_cmd::Command;
use mcp_reference_server::{Fault, RunningServer, ServerConfig};
use std::path::Path;
use std::process::Output;

fn mcpcheck() -> Command {
    let mut c = Command::cargo_bin("mcpcheck").expect("binary built");
    c.env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(120));
    c
}

/// Runs `mcpcheck ARGS` off the runtime (the servers run on it).
async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || mcpcheck().args(&args).output().expect("runs"))
        .await
        .expect("joins")
}

fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(ToString::to_string).collect()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

async fn server(fault: Option<Fault>) -> RunningServer {
    common::http_server(fault.map_or_else(ServerConfig::default, ServerConfig::with_fault)).await
}

async fn record(url: &str, dir: &Path, extra: &[&str]) {
    let mut a = args(&["snapshot", "record", url, "--out"]);
    a.push(dir.display().to_string());
    a.extend(args(extra));
    let out = run(a).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("recorded"), "{}", stdout(&out));
}

async fn check(url: &str, dir: &Path, extra: &[&str]) -> Output {
    let mut a = args(&["snapshot", "check", url, "--dir"]);
    a.push(dir.display().to_string());
    a.extend(args(extra));
    run(a).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_snapshot_fault_fails_the_check_as_breaking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("snap");
    let clean = server(None).await;
    record(&clean.url(), &snap, &[]).await;
    for f in ["initialize.json", "tools.json", "manifest.json"] {
        assert!(snap.join(f).is_file(), "{f} written");
    }
    let out = check(&clean.url(), &snap, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("no difference"), "{}", stdout(&out));
    clean.shutdown().await;

    for (fault, says) in [
        (
            Fault::SnapToolRenamed,
            "BREAKING    tools.json: tool `weather` removed",
        ),
        (
            Fault::SnapRequiredArgAdded,
            "BREAKING    tools.json: tool `search`: required argument `language` added",
        ),
        (
            Fault::SnapCapabilityDropped,
            "BREAKING    initialize.json: capability `logging` dropped",
        ),
    ] {
        let faulty = server(Some(fault)).await;
        for fail_on in ["any", "breaking"] {
            let out = check(&faulty.url(), &snap, &["--fail-on", fail_on]).await;
            let text = stdout(&out);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{fault} --fail-on {fail_on}: {text}"
            );
            assert!(text.contains(says), "{fault}: {text}");
            assert!(text.contains("+++ server/"), "a diff: {text}");
            assert!(text.contains("--update"), "says how to accept: {text}");
        }
        faulty.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_on_breaking_lets_compatible_changes_through_and_update_accepts_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("snap");
    let clean = server(None).await;
    record(&clean.url(), &snap, &[]).await;
    clean.shutdown().await;

    // An extra tool is an addition: compatible.
    let extra = server(Some(Fault::BadToolName)).await;
    let out = check(&extra.url(), &snap, &["--fail-on", "breaking"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("compatible  tools.json: tool `bad tool!` added"));
    let out = check(&extra.url(), &snap, &["--fail-on", "any"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    let before = std::fs::read_to_string(snap.join("tools.json")).expect("read");
    let out = check(&extra.url(), &snap, &["--update"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("updated the snapshot"),
        "{}",
        stdout(&out)
    );
    let after = std::fs::read_to_string(snap.join("tools.json")).expect("read");
    assert_ne!(before, after);
    assert!(after.contains("\"name\": \"bad tool!\""), "{after}");
    let out = check(&extra.url(), &snap, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    extra.shutdown().await;

    let bad = check("http://127.0.0.1:9/mcp", &snap, &["--fail-on", "some"]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("any or breaking"), "{}", stderr(&bad));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redaction_rules_and_calls_are_kept_for_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("snap");
    let calls = dir.path().join("calls.toml");
    std::fs::write(
        &calls,
        r#"
id = "snap.calls"
title = "calls kept in the snapshot"
spec = ["2025-11-25/server/tools#calling-tools"]
level = "MUST"

[vars]
city = "Paris"

[[step]]
name = "weather"
request = { method = "tools/call", params = { name = "weather", arguments = { city = "${city}" } } }
"#,
    )
    .expect("write");
    let clean = server(None).await;
    let calls_arg = calls.display().to_string();
    record(
        &clean.url(),
        &snap,
        &[
            "--calls",
            &calls_arg,
            "--var",
            "city=Tokyo",
            "--redact",
            "/tools/*/description=<text>",
            "--redact-server-version",
        ],
    )
    .await;
    let call = std::fs::read_to_string(snap.join("call.weather.json")).expect("call file");
    assert!(call.contains("\"city\": \"Tokyo\""), "{call}");
    let init = std::fs::read_to_string(snap.join("initialize.json")).expect("init");
    assert!(init.contains("\"version\": \"[server-version]\""), "{init}");
    let tools = std::fs::read_to_string(snap.join("tools.json")).expect("tools");
    assert!(tools.contains("\"description\": \"<text>\""), "{tools}");
    let out = check(&clean.url(), &snap, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    clean.shutdown().await;

    // A call that starts failing is breaking: the renamed tool no longer answers to `weather`.
    let renamed = server(Some(Fault::SnapToolRenamed)).await;
    let out = check(&renamed.url(), &snap, &["--fail-on", "breaking"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("call.weather.json: call `weather` now fails"),
        "{}",
        stdout(&out)
    );
    renamed.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_from_a_config_file_and_usage_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clean = server(None).await;
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"mcpServers": {{"reference": {{"url": "{}"}}, "other": {{"command": "nope"}}}}}}"#,
            clean.url()
        ),
    )
    .expect("write");
    let snap = dir.path().join("snap");
    let out = run(vec![
        "snapshot".into(),
        "record".into(),
        "--config".into(),
        config.display().to_string(),
        "--server".into(),
        "reference".into(),
        "--out".into(),
        snap.display().to_string(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(snap.join("tools.json").is_file());
    let out = run(vec![
        "snapshot".into(),
        "record".into(),
        "--config".into(),
        config.display().to_string(),
        "--server".into(),
        "missing".into(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no server named \"missing\"") && stderr(&out).contains("reference"),
        "{}",
        stderr(&out)
    );
    clean.shutdown().await;

    let empty = dir.path().join("empty");
    let out = check("http://127.0.0.1:9/mcp", &empty, &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no snapshot in"), "{}", stderr(&out));
    let out = check("http://127.0.0.1:9/mcp", &snap, &["--timeout", "2s"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unreachable"), "{}", stderr(&out));
}
