//! Load reports: real output validates against `reports/load/schema.json`, merging two runs
//! gives exactly the counts and histograms of both, compare flags a regression, the HTML report
//! is self-contained, and the `mcpcheck load` command line sets its exit codes.

mod common;

use common::http_server;
use mcp_reference_server::{Fault, ServerConfig};
use mcpcheck::load::{self, compare, merge, report_html, LoadOptions, LoadReport, Overrides};
use serde_json::Value;

const CLOSED: &str = r#"
name = "report-test"
users = 2
duration = "1s"
warmup = "200ms"
thresholds = ["error_rate<50%", "p99<1s for tools/call"]
[[operation]]
method = "tools/call"
tool = "echo"
arguments = { text = "r ${iteration}" }
weight = 3
[[operation]]
method = "ping"
"#;

const OPEN: &str = r#"
name = "report-open"
model = "open"
rate = 150
max_users = 16
duration = "1s"
[[operation]]
method = "ping"
"#;

async fn run_text(config: ServerConfig, text: &str) -> LoadReport {
    let server = http_server(config).await;
    let profile = load::profile::parse("t.toml", text, &Overrides::default()).unwrap();
    let opts = LoadOptions {
        url: server.url(),
        ..LoadOptions::default()
    };
    let r = load::run(&profile, &opts, |_, _| {}).await.unwrap();
    server.shutdown().await;
    r
}

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/reports/load/schema.json"
    ))
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(r: &LoadReport) {
    let v: Value = serde_json::from_str(&r.to_json()).unwrap();
    let errors: Vec<String> = schema()
        .iter_errors(&v)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_validate_against_the_published_schema() {
    let closed = run_text(ServerConfig::with_fault(Fault::LoadErrorRate), CLOSED).await;
    assert!(closed.summary.errors > 0, "errors_by_kind gets exercised");
    assert_valid(&closed);
    let open = run_text(ServerConfig::default(), OPEN).await;
    assert_valid(&open);
    // The schema is strict: a report with an unknown member or a bad histogram fails it.
    let mut v: Value = serde_json::from_str(&open.to_json()).unwrap();
    v["surprise"] = Value::Bool(true);
    assert!(!schema().is_valid(&v));
    let mut v: Value = serde_json::from_str(&open.to_json()).unwrap();
    v["histograms"][0]["hdr"] = Value::String("not a histogram".into());
    assert!(!schema().is_valid(&v));
    // And the JSON reads back into the same report.
    assert_eq!(LoadReport::from_json(&open.to_json()).unwrap(), open);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merging_two_runs_adds_their_counts_and_histograms_exactly() {
    let a = run_text(ServerConfig::with_fault(Fault::LoadErrorRate), CLOSED).await;
    let b = run_text(ServerConfig::with_fault(Fault::LoadErrorRate), CLOSED).await;
    let m = merge::merge(&[a.clone(), b.clone()]).unwrap();
    assert_valid(&m);
    assert_eq!(m.merged_from, 2);
    assert_eq!(m.summary.count, a.summary.count + b.summary.count);
    assert_eq!(m.summary.errors, a.summary.errors + b.summary.errors);
    for op in &m.operations {
        let find = |r: &LoadReport| {
            r.operations
                .iter()
                .find(|o| o.name == op.name)
                .unwrap()
                .clone()
        };
        let (oa, ob) = (find(&a), find(&b));
        assert_eq!(op.count, oa.count + ob.count, "{}", op.name);
        for (k, n) in &op.errors_by_kind {
            assert_eq!(
                *n,
                oa.errors_by_kind.get(k).unwrap_or(&0) + ob.errors_by_kind.get(k).unwrap_or(&0)
            );
        }
    }
    // Lossless: the merged percentiles are those of the two histograms added together.
    let (ma, _) = a.metrics().unwrap();
    let (mb, _) = b.metrics().unwrap();
    let mut all = ma[0].all();
    all.add(mb[0].all()).unwrap();
    let echo = &m.operations[0];
    assert_eq!(echo.latency_us.p99, all.value_at_quantile(0.99));
    assert_eq!(echo.latency_us.max, all.max());
    assert_eq!(echo.latency_us.min, all.min());
    // Merging a merged report with nothing new changes nothing.
    let again = merge::merge(std::slice::from_ref(&m)).unwrap();
    assert_eq!(again.summary.count, m.summary.count);
    assert_eq!(again.summary.latency_us, m.summary.latency_us);
    assert_eq!(again.thresholds.len(), a.thresholds.len());
    assert!(merge::merge(&[]).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_flags_a_latency_regression_and_not_a_rerun() {
    let base = run_text(ServerConfig::default(), OPEN).await;
    let slow = run_text(ServerConfig::with_fault(Fault::LoadPeriodicStall), OPEN).await;
    let c = compare::compare(&base, &slow, 0.10);
    assert!(c.regressed(), "{}", compare::render(&c, 0.10));
    assert!(c
        .changes
        .iter()
        .any(|ch| ch.metric == "p99" && ch.operation == "all" && ch.regression));
    let same = compare::compare(&base, &base, 0.10);
    assert!(!same.regressed(), "{}", compare::render(&same, 0.10));
    let errors = run_text(ServerConfig::with_fault(Fault::LoadErrorRate), CLOSED).await;
    let clean = run_text(ServerConfig::default(), CLOSED).await;
    let c = compare::compare(&clean, &errors, 0.10);
    assert!(c
        .changes
        .iter()
        .any(|ch| ch.metric == "error_rate" && ch.regression));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_report_is_self_contained_with_three_charts() {
    let r = run_text(ServerConfig::default(), OPEN).await;
    let html = report_html::render(&r);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "percentiles, throughput, distribution"
    );
    for forbidden in ["<script", "src=\"http", "href=\"http", "@import"] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    assert!(html.contains("Latency percentiles over time"));
    assert!(html.contains("Throughput over time"));
    assert!(html.contains("Latency distribution"));
}

fn mcpcheck(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mcpcheck"))
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_gates_on_thresholds_and_regressions() {
    let server = http_server(ServerConfig::with_fault(Fault::LoadErrorRate)).await;
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.toml");
    std::fs::write(&profile, CLOSED).unwrap();
    let (p, d) = (
        profile.display().to_string(),
        dir.path().display().to_string(),
    );
    let url = server.url();
    let out = tokio::task::spawn_blocking(move || {
        let ok = mcpcheck(&[
            "load",
            &url,
            "--profile",
            &p,
            "--duration",
            "700ms",
            "--report",
            &format!("json:{d}/a.json"),
            "--report",
            &format!("html:{d}/a.html"),
        ]);
        let strict = mcpcheck(&[
            "load",
            &url,
            "--profile",
            &p,
            "--duration",
            "700ms",
            "--threshold",
            "error_rate<1%",
            "--report",
            &format!("json:{d}/b.json"),
        ]);
        let bad = mcpcheck(&["load", &url, "--profile", &format!("{d}/missing.toml")]);
        let merged = mcpcheck(&[
            "load",
            "merge",
            &format!("{d}/a.json"),
            &format!("{d}/b.json"),
            "-o",
            &format!("{d}/m.json"),
        ]);
        let cmp = mcpcheck(&[
            "load",
            "compare",
            &format!("{d}/a.json"),
            &format!("{d}/a.json"),
        ]);
        let profiles = mcpcheck(&["load", "profiles"]);
        (ok, strict, bad, merged, cmp, profiles)
    })
    .await
    .unwrap();
    server.shutdown().await;
    let (ok, strict, bad, merged, cmp, profiles) = out;
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(text(&ok).contains("tools/call:echo"), "{}", text(&ok));
    assert!(dir.path().join("a.html").exists());
    assert_eq!(
        strict.status.code(),
        Some(1),
        "10% errors break error_rate<1%: {}",
        text(&strict)
    );
    assert!(
        text(&strict).contains("threshold FAIL error_rate<1%"),
        "{}",
        text(&strict)
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert_eq!(
        merged.status.code(),
        Some(1),
        "the merged report keeps b's failing threshold: {}",
        text(&merged)
    );
    let m = LoadReport::from_json(&std::fs::read_to_string(dir.path().join("m.json")).unwrap())
        .unwrap();
    assert_eq!(m.merged_from, 2);
    assert_eq!(cmp.status.code(), Some(0), "{}", text(&cmp));
    assert!(text(&profiles).contains("throughput"));
}

#[test]
fn profile_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "users = 2\nduration = \"2s\"\nthresholds = [\"p99 < fast\"]\n[[operation]]\nmethod = \"ping\"\n").unwrap();
    let out = mcpcheck(&[
        "load",
        "http://127.0.0.1:9/mcp",
        "--profile",
        &path.display().to_string(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("bad.toml:3"), "{err}");
}

#[test]
fn an_unreachable_target_is_a_usage_error() {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    let out = mcpcheck(&["load", "http://127.0.0.1:9/mcp", "--duration", "1s"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect"));
}
