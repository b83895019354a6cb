//! Shared helpers for the integration tests: the reference server in-process or as a stdio
//! child, and running scenarios through the library exactly as `mcpcheck run` does.
#![allow(dead_code)]

use mcp_reference_server::{start_http, RunningServer, ServerConfig};
use mcpcheck::check::{CheckResult, RunReport, Verdict};
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::{load_builtin, Scenario, ToolCallPolicy};
use mcpcheck::suite::{preflight, run_suite, SuiteOptions};
use mcpcheck::transport::{ClientOptions, Target};
use std::time::Duration;

/// The built-in scenario pack (panics with every load error).
pub fn pack() -> Vec<Scenario> {
    load_builtin().unwrap_or_else(|errs| {
        panic!(
            "{}",
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// Starts the reference server over HTTP on an ephemeral loopback port.
pub async fn http_server(config: ServerConfig) -> RunningServer {
    start_http(config, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("reference server starts")
}

/// A stdio target running `mcpcheck serve --stdio` with extra arguments.
pub fn stdio_target(extra: &[String]) -> Target {
    let mut args = vec!["serve".to_string(), "--stdio".to_string()];
    args.extend(extra.iter().cloned());
    Target::Stdio {
        program: env!("CARGO_BIN_EXE_mcpcheck").to_string(),
        args,
        env: Vec::new(),
    }
}

/// Client options for tests: short timeouts so a misbehaving server costs seconds, not minutes.
pub fn client() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

/// Runs `scenarios` against `target` at `version` (None: newest the server accepts).
pub async fn run(
    target: Target,
    scenarios: &[&Scenario],
    version: Option<ProtocolVersion>,
) -> RunReport {
    let options = SuiteOptions {
        target,
        client: client(),
        spec_version: version,
        vars: Default::default(),
        call_tools: ToolCallPolicy::NonDestructive,
    };
    let ctx = preflight(&options)
        .await
        .unwrap_or_else(|e| panic!("preflight: {e}"));
    run_suite(scenarios, &ctx, |_| {}).await
}

/// A readable dump of non-passing checks for assertion messages.
pub fn explain(checks: &[&CheckResult]) -> String {
    checks
        .iter()
        .map(|c| {
            let findings = c
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "    - {} (expected {:?}, actual {:?})",
                        f.message, f.expected, f.actual
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            format!(
                "{} {} {}\n{}",
                c.verdict.as_str(),
                c.id,
                c.skip_reason.clone().unwrap_or_default(),
                findings
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks whose verdict is FAIL or WARN.
pub fn not_passing(report: &RunReport) -> Vec<&CheckResult> {
    report
        .checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Warn))
        .collect()
}
