//! The fault matrix: every reference-server fault switch breaks one rule, and every scenario that
//! declares the fault in `detects` must then stop passing (FAIL, or WARN for a SHOULD rule).
//! Together with `suite_reference.rs` (the same scenarios PASS on the clean server) this proves
//! each check can fail.

mod auth_common;
mod common;

use common::{explain, http_server, pack, run, stdio_target};
use futures::stream::{self, StreamExt};
use mcp_reference_server::{Fault, ServerConfig};
use mcpcheck::check::Verdict;
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::model::TransportName;
use mcpcheck::scenario::Scenario;
use mcpcheck::transport::Target;
use std::collections::BTreeSet;

/// Faults no black-box scenario can observe, with the reason.
const NOT_DETECTABLE: &[(&str, &str)] = &[
    (
        "snap-tool-renamed",
        "snapshot fault: detected by tests/snapshot_*.rs",
    ),
    (
        "snap-required-arg-added",
        "snapshot fault: detected by tests/snapshot_*.rs",
    ),
    (
        "snap-capability-dropped",
        "snapshot fault: detected by tests/snapshot_*.rs",
    ),
    (
        "load-periodic-stall",
        "load fault: detected by the load threshold tests in tests/load_*.rs",
    ),
    (
        "load-error-rate",
        "load fault: detected by the load threshold tests in tests/load_*.rs",
    ),
];

/// Faults also exercised over stdio (the rules that hold on both transports).
const ALSO_OVER_STDIO: &[&str] = &[
    "parse-error-ok",
    "reply-to-notifications",
    "no-init-required",
    "initialized-rejected",
    "unknown-method-ok",
    "ping-error",
    // 2026-07-28 rules that hold on stdio too (the header and session rules are HTTP-only).
    "v26-no-discover",
    "v26-unsupported-version-served",
    "v26-removed-method-served",
    "v26-no-result-type",
    "v26-no-cache-hints",
    "v26-not-found-32002",
    "v26-log-unrequested",
    "v26-mrtr-state-unchecked",
    "v26-mrtr-missing-input-error",
    "v26-mrtr-without-capability",
    "v26-mrtr-bad-input-request",
    "v26-mrtr-on-list",
    "v26-listen-no-ack",
    "v26-listen-wrong-subscription-id",
    "v26-listen-unfiltered",
    // Batching per version and tool schema dialects hold on stdio as on HTTP.
    "batch-refused",
    "batch-after-removal",
    "batch-empty-ok",
    "tool-schema-invalid",
    // Elicitation completion ids and 2026-07-28 cancellation ids are judged on both transports.
    "elicitation-complete-unknown-id",
    "v26-cancel-wrong-id",
    // Task input, status notices and sampling tool balance ride tasks/result and tool streams
    // on both transports.
    "task-input-no-related-meta",
    "task-status-after-terminal",
    "task-status-notice-related-meta",
    "sampling-unbalanced-tool-use",
    // The 2026-07-28 tasks extension holds on both transports.
    "v26-task-undeclared",
    "v26-task-methods-undeclared",
    "v26-task-not-durable",
    "v26-task-create-shape",
    "v26-task-get-result-type",
    "v26-task-no-result",
    "v26-task-iserror-failed",
    "v26-task-input-no-requests",
    "v26-task-input-key-reused",
    "v26-task-failed-no-error",
    "v26-task-unknown-id-internal",
    "v26-task-cancel-terminal",
    // Task notifications over subscriptions/listen hold on both transports.
    "v26-task-notify-undeclared",
    "v26-task-notify-partial",
    "v26-task-notify-untagged",
    "v26-task-notify-progress",
    // The server ending a subscription is judged on both transports.
    "v26-listen-close-wrong-id",
];

#[test]
fn every_scenario_detects_a_known_fault_and_every_fault_is_detected() {
    let known: BTreeSet<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
    let mut declared = BTreeSet::new();
    for s in pack() {
        assert!(
            !s.file.detects.is_empty(),
            "{} declares no fault in `detects`",
            s.file.id
        );
        for d in &s.file.detects {
            assert!(
                known.contains(d.as_str()),
                "{} detects unknown fault `{d}`",
                s.file.id
            );
            declared.insert(d.clone());
        }
    }
    for f in &known {
        let excused = NOT_DETECTABLE.iter().any(|(n, _)| n == f);
        assert!(
            declared.contains(*f) || excused,
            "fault `{f}` is detected by no scenario"
        );
    }
}

/// The version a scenario runs at: the default (newest stateful) when it applies there, else the
/// newest version it names.
fn version_for(scenario: &Scenario) -> Option<ProtocolVersion> {
    let listed = scenario.versions();
    if listed.contains(&ProtocolVersion::NEWEST_STATEFUL) {
        None
    } else {
        listed.into_iter().max()
    }
}

/// The reference server configuration a fault is run with: the fault alone, plus what the
/// scenarios that catch it need from the server (SSE polling for the resumption faults).
fn server_config(fault: Fault) -> ServerConfig {
    let mut config = ServerConfig::with_fault(fault);
    if fault.name().starts_with("sse-") {
        config.sse_poll = Some(std::time::Duration::from_millis(POLL_MS));
    }
    if fault == Fault::V26ListenCloseWrongId {
        config.listen_max = Some(std::time::Duration::from_millis(LISTEN_MAX_MS));
    }
    config
}

/// The `serve --stdio` arguments a fault is run with (as `server_config`, for stdio).
fn stdio_args(fault: Fault) -> Vec<String> {
    let mut args = vec!["--fault".to_string(), fault.name().to_string()];
    if fault == Fault::V26ListenCloseWrongId {
        args.extend(["--listen-max-ms".to_string(), LISTEN_MAX_MS.to_string()]);
    }
    args
}

/// How long the server keeps a listen open for `v26-listen-close-wrong-id` (the server ends
/// subscriptions only when told to, and `v26.sub-close` reads one for 600 ms).
const LISTEN_MAX_MS: u64 = 300;

/// The polling interval of servers started for the `sse-*` faults.
const POLL_MS: u64 = 250;

struct Case<'a> {
    fault: Fault,
    scenario: &'a Scenario,
    stdio: bool,
}

async fn run_case(case: &Case<'_>) -> (String, Verdict, String) {
    let label = format!(
        "{} × {}{}",
        case.fault.name(),
        case.scenario.file.id,
        if case.stdio { " (stdio)" } else { "" }
    );
    let report = if case.fault.name().starts_with("auth-") {
        // Authorization faults need an auth-enabled deployment, the test credentials as
        // scenario variables, and a token for the preflight.
        let (mode, ttl) = auth_common::setup_for(case.fault.name());
        let env = auth_common::start(mode, BTreeSet::from([case.fault]), ttl).await;
        let r = auth_common::run(
            &env,
            &[case.scenario],
            auth_common::version_for(case.scenario),
        )
        .await;
        env.shutdown().await;
        r
    } else if case.scenario.file.transports == [TransportName::Sse] {
        run_legacy(case.fault, case.scenario).await
    } else if case.stdio {
        run(
            stdio_target(&stdio_args(case.fault)),
            &[case.scenario],
            version_for(case.scenario),
        )
        .await
    } else {
        let server = http_server(server_config(case.fault)).await;
        let r = run(
            Target::Http { url: server.url() },
            &[case.scenario],
            version_for(case.scenario),
        )
        .await;
        server.shutdown().await;
        r
    };
    let check = &report.checks[0];
    (label, check.verdict, explain(&[check]))
}

/// A legacy HTTP+SSE scenario against the reference server's `/sse` at 2024-11-05. A fault
/// that breaks the connection itself (no endpoint event, responses in the POST body) also
/// breaks the preflight; the scenario then runs on a bare context and must fail on its own.
async fn run_legacy(fault: Fault, scenario: &Scenario) -> mcpcheck::check::RunReport {
    use mcpcheck::scenario::{RunContext, ToolCallPolicy};
    use mcpcheck::suite::{preflight, run_suite, SuiteOptions};
    let server = http_server(server_config(fault)).await;
    let options = SuiteOptions {
        target: Target::LegacySse {
            url: format!("{}/sse", server.origin()),
        },
        client: common::client(),
        spec_version: Some(ProtocolVersion::V2024_11_05),
        vars: Default::default(),
        call_tools: ToolCallPolicy::NonDestructive,
    };
    let ctx = match preflight(&options).await {
        Ok(ctx) => ctx,
        Err(_) => RunContext {
            target: options.target.clone(),
            opts: options.client.clone(),
            version: ProtocolVersion::V2024_11_05,
            init_result: serde_json::json!({}),
            tools: Vec::new(),
            vars: Default::default(),
            call_tools: ToolCallPolicy::NonDestructive,
        },
    };
    let report = run_suite(&[scenario], &ctx, |_| {}).await;
    server.shutdown().await;
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_caught_by_the_scenarios_that_declare_it() {
    let scenarios = pack();
    let mut cases = Vec::new();
    for fault in Fault::ALL {
        for s in scenarios
            .iter()
            .filter(|s| s.file.detects.iter().any(|d| d == fault.name()))
        {
            let stdio_only = s.file.transports == [TransportName::Stdio];
            let http_ok = s.file.transports.is_empty()
                || s.file.transports.contains(&TransportName::Http)
                || s.file.transports == [TransportName::Sse];
            if http_ok {
                cases.push(Case {
                    fault: *fault,
                    scenario: s,
                    stdio: false,
                });
            }
            if stdio_only
                || (ALSO_OVER_STDIO.contains(&fault.name())
                    && !s.file.transports.contains(&TransportName::Http))
            {
                cases.push(Case {
                    fault: *fault,
                    scenario: s,
                    stdio: true,
                });
            }
        }
    }
    let results: Vec<_> = stream::iter(cases.iter())
        .map(run_case)
        .buffer_unordered(8)
        .collect()
        .await;
    let missed: Vec<_> = results
        .iter()
        .filter(|(_, v, _)| !matches!(v, Verdict::Fail | Verdict::Warn))
        .collect();
    let caught: BTreeSet<&str> = cases
        .iter()
        .zip(&results)
        .filter(|(_, (_, v, _))| matches!(v, Verdict::Fail | Verdict::Warn))
        .map(|(c, _)| c.fault.name())
        .collect();
    println!(
        "fault matrix: {} of {} faults caught, {} fault × scenario cases",
        caught.len(),
        Fault::ALL.len(),
        results.len()
    );
    assert!(
        missed.is_empty(),
        "faults not caught:\n{}",
        missed
            .iter()
            .map(|(l, v, e)| format!("{l}: {}\n{e}", v.as_str()))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
