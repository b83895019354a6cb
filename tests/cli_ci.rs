//! The CI-facing commands as a user runs them against the reference server: baselines (known
//! failures pass, stale entries fail, `--write-baseline`), Markdown and HTML report files,
//! `--config FILE --server/--all` with the server × area matrix, `tools --format`, and a
//! scripted `shell` session.

mod common;

use assert_cmd::Command;
use mcp_reference_server::{Fault, RunningServer, ServerConfig};
use std::process::Output;

fn mcpcheck() -> Command {
    let mut c = Command::cargo_bin("mcpcheck").expect("binary built");
    c.env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(120));
    c
}

/// Runs `mcpcheck ARGS` (with `stdin`) off the runtime the servers run on.
async fn run(args: Vec<String>, stdin: &str) -> Output {
    let stdin = stdin.to_string();
    tokio::task::spawn_blocking(move || {
        mcpcheck()
            .args(&args)
            .write_stdin(stdin)
            .output()
            .expect("runs")
    })
    .await
    .expect("joins")
}

fn strings(parts: &[&str]) -> Vec<String> {
    parts.iter().map(ToString::to_string).collect()
}

fn out(o: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn server(fault: Option<Fault>) -> RunningServer {
    common::http_server(fault.map_or_else(ServerConfig::default, ServerConfig::with_fault)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baselines_let_known_failures_pass_and_fail_stale_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("baseline.txt");
    let bl = baseline.display().to_string();
    let faulty = server(Some(Fault::PingError)).await;
    let url = faulty.url();

    let o = run(strings(&["run", &url, "--only", "lifecycle.ping"]), "").await;
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));

    let o = run(
        strings(&[
            "run",
            &url,
            "--only",
            "lifecycle.ping",
            "--write-baseline",
            &bl,
        ]),
        "",
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let text = std::fs::read_to_string(&baseline).expect("written");
    assert!(text.contains("\nlifecycle.ping  # "), "{text}");

    let md = dir.path().join("r/run.md");
    let html = dir.path().join("r/run.html");
    let o = run(
        strings(&[
            "run",
            &url,
            "--only",
            "lifecycle.ping",
            "--baseline",
            &bl,
            "--report",
            &format!("markdown:{}", md.display()),
            "--report",
            &format!("html:{}", html.display()),
        ]),
        "",
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("known failure"), "{}", out(&o));
    let md = std::fs::read_to_string(&md).expect("markdown written");
    assert!(
        md.contains("⚠️ `lifecycle.ping`") && md.contains("known failure"),
        "{md}"
    );
    let html = std::fs::read_to_string(&html).expect("html written");
    assert!(html.contains("data-verdict=\"WARN\"") && html.contains("ping failed"));
    faulty.shutdown().await;

    let clean = server(None).await;
    let o = run(
        strings(&[
            "run",
            &clean.url(),
            "--only",
            "lifecycle.ping",
            "--baseline",
            &bl,
        ]),
        "",
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("stale baseline entry: `lifecycle.ping`") && out(&o).contains("remove it"),
        "{}",
        out(&o)
    );
    clean.shutdown().await;

    std::fs::write(&baseline, "two words\n").expect("write");
    let o = run(
        strings(&["run", "http://127.0.0.1:9/mcp", "--baseline", &bl]),
        "",
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("baseline.txt:1"), "{}", out(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_files_name_one_server_or_all_of_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clean = server(None).await;
    let faulty = server(Some(Fault::PingError)).await;
    let config = dir.path().join("mcp.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"mcpServers": {{
                "good": {{"url": "{}"}},
                "bad": {{"url": "{}", "headers": {{"X-Api-Key": "k-123456"}}}},
                "local": {{"command": "{}", "args": ["serve", "--stdio"], "env": {{"RUST_LOG": "off"}}}},
                "off": {{"command": "nope", "disabled": true}}
            }}}}"#,
            clean.url(),
            faulty.url(),
            env!("CARGO_BIN_EXE_mcpcheck")
        ),
    )
    .expect("write");
    let cfg = config.display().to_string();

    let o = run(
        strings(&[
            "run",
            "--config",
            &cfg,
            "--server",
            "good",
            "--only",
            "lifecycle.ping",
        ]),
        "",
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));

    let json = dir.path().join("out/run.json");
    let o = run(
        strings(&[
            "run",
            "--config",
            &cfg,
            "--all",
            "--only",
            "lifecycle.ping",
            "--only",
            "tools.list-shape",
            "--report",
            &format!("json:{}", json.display()),
        ]),
        "",
    )
    .await;
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    for name in ["== good ==", "== bad ==", "== local =="] {
        assert!(text.contains(name), "{name}: {text}");
    }
    let matrix: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("server "))
        .take(5)
        .collect();
    assert!(
        matrix[0].starts_with("server")
            && matrix[0].contains("lifecycle")
            && matrix[0].contains("tools"),
        "{text}"
    );
    assert!(
        matrix[1].starts_with("good ") && matrix[1].contains("PASS"),
        "{text}"
    );
    assert!(
        matrix[2].starts_with("bad ") && matrix[2].contains("1 FAIL"),
        "{text}"
    );
    assert!(
        matrix[3].starts_with("local ") && matrix[3].contains("PASS"),
        "{text}"
    );
    assert!(
        matrix[4].starts_with("off ") && matrix[4].ends_with("disabled"),
        "{text}"
    );
    for server in ["good", "bad", "local"] {
        assert!(
            dir.path().join(format!("out/run.{server}.json")).is_file(),
            "report per server: {server}"
        );
    }
    let bad = std::fs::read_to_string(dir.path().join("out/run.bad.json")).expect("read");
    assert!(
        !bad.contains("k-123456"),
        "the config's header value is a secret"
    );
    clean.shutdown().await;
    faulty.shutdown().await;

    let o = run(strings(&["run", "--config", &cfg, "--server", "nope"]), "").await;
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("good, bad, local, off"), "{}", out(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_are_printed_for_each_provider() {
    let s = server(None).await;
    let url = s.url();
    let o = run(strings(&["tools", &url, "--format", "openai"]), "").await;
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let weather = v
        .as_array()
        .expect("array")
        .iter()
        .find(|t| t["function"]["name"] == "weather")
        .expect("weather");
    assert_eq!(weather["type"], "function");
    assert_eq!(
        weather["function"]["parameters"]["required"],
        serde_json::json!(["city"])
    );

    let o = run(strings(&["tools", &url, "--format", "anthropic"]), "").await;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(v
        .as_array()
        .expect("array")
        .iter()
        .any(|t| t["name"] == "search" && t["input_schema"]["type"] == "object"));

    let o = run(strings(&["tools", &url, "--format", "mcp"]), "").await;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(v["tools"].as_array().expect("tools").len() >= 10);

    let o = run(strings(&["tools", &url, "--format", "gemini"]), "").await;
    assert_eq!(o.status.code(), Some(2));
    s.shutdown().await;

    let bad = server(Some(Fault::BadToolName)).await;
    let o = run(strings(&["tools", &bad.url(), "--format", "openai"]), "").await;
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("\"bad tool!\": renamed to \"bad_tool_\""),
        "{}",
        out(&o)
    );
    bad.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_shell_session() {
    let s = server(None).await;
    let script = "tools\ncall add {\"a\": 2, \"b\": 3}\ncall weather city=Paris\ncall nope\nread mcp://reference/items\nprompts\nbogus\nquit\n";
    let o = run(strings(&["shell", &s.url()]), script).await;
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("connected to"), "{text}");
    assert!(text.contains("weather(city*: string)"), "{text}");
    assert!(text.contains("{\"result\":5}"), "{text}");
    assert!(text.contains("\"conditions\":\"partly cloudy\""), "{text}");
    assert!(text.contains("error -32602: Unknown tool: nope"), "{text}");
    assert!(
        text.contains("--- mcp://reference/items (application/json)"),
        "{text}"
    );
    assert!(text.contains("greeting"), "{text}");
    assert!(text.contains("unknown command `bogus`"), "{text}");
    s.shutdown().await;

    let o = run(
        strings(&["shell", "http://127.0.0.1:9/mcp", "--timeout", "2s"]),
        "",
    )
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
}
