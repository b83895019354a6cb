//! The built-in suite against real, independently written MCP servers: the npm package
//! `@modelcontextprotocol/server-everything` (Streamable HTTP, stdio and the legacy HTTP+SSE
//! transport) and a small server on the PyPI package `mcp` (2.x `MCPServer`, which also speaks the
//! stateless 2026-07-28 wire, and 1.x `FastMCP`) and one on the TypeScript SDK v2 (npm
//! `@modelcontextprotocol/server`, also 2026-07-28), each over Streamable HTTP and stdio.
//!
//! Every test is `#[ignore]`: the servers are installed by `fixtures/real-servers/setup.sh` (npm
//! and pip, into `target/real-servers`), then `cargo test --test real_servers -- --ignored`.
//! Each test does what `mcpcheck run --matrix` does: it probes which versions the server accepts
//! (and asserts the documented set), then runs the suite once per version. At each version it
//! asserts that the FAIL ids and the WARN ids equal the documented lists: the servers' real
//! violations (fixtures/real-servers/README.md quotes the rule for each) plus any known false
//! verdict of mcpcheck awaiting a fix. A new false failure, or a fixed one, breaks the test.
//! Everything stays on loopback: HTTP servers bind 127.0.0.1 on a free port.

use mcpcheck::check::{RunReport, Verdict};
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::{load_builtin, load_dir, Scenario, ToolCallPolicy};
use mcpcheck::suite::{checkable, preflight, run_suite, SuiteOptions};
use mcpcheck::transport::{ClientOptions, Target};
use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ProtocolVersion::{V2024_11_05, V2025_03_26, V2025_06_18, V2025_11_25, V2026_07_28};

/// The stateful versions over Streamable HTTP (2024-11-05 has no Streamable HTTP).
const HTTP_STATEFUL: [ProtocolVersion; 3] = [V2025_03_26, V2025_06_18, V2025_11_25];
/// The stateful versions over stdio and the legacy HTTP+SSE transport.
const STATEFUL: [ProtocolVersion; 4] = [V2024_11_05, V2025_03_26, V2025_06_18, V2025_11_25];
/// Every version: what mcp 2.x speaks over stdio.
const ALL: [ProtocolVersion; 5] = [
    V2024_11_05,
    V2025_03_26,
    V2025_06_18,
    V2025_11_25,
    V2026_07_28,
];
/// mcp 2.x over Streamable HTTP.
const HTTP_ALL: [ProtocolVersion; 4] = [V2025_03_26, V2025_06_18, V2025_11_25, V2026_07_28];

/// Longest wait for an HTTP server to accept connections.
const STARTUP: Duration = Duration::from_secs(30);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The install folder of setup.sh (`REAL_SERVERS_DIR` overrides it, as in the script).
fn install_dir() -> PathBuf {
    std::env::var_os("REAL_SERVERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/real-servers"))
}

/// `path`, or a panic that says how to install it.
fn installed(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run fixtures/real-servers/setup.sh first",
        path.display()
    );
    path
}

fn everything_js() -> PathBuf {
    installed(
        install_dir()
            .join("node/node_modules/@modelcontextprotocol/server-everything/dist/index.js"),
    )
}

fn python(venv: &str) -> PathBuf {
    installed(install_dir().join(venv).join("bin/python"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/real-servers").join(name)
}

/// The environment the servers get, and nothing else: server-everything's `get-env` tool returns
/// its whole environment (which would land in transcripts), and `GZIP_ALLOWED_DOMAINS` makes its
/// `gzip-file-as-resource` tool refuse its default https URL before fetching anything.
fn server_env() -> Vec<(String, String)> {
    let mut env = vec![("GZIP_ALLOWED_DOMAINS".to_string(), "127.0.0.1".to_string())];
    for key in ["PATH", "HOME"] {
        if let Ok(v) = std::env::var(key) {
            env.push((key.to_string(), v));
        }
    }
    env
}

/// A server child process, killed (and reaped) on drop.
struct ServerProcess {
    child: Child,
    port: u16,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port (bound, then released for the server to take).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Starts `program args` (with `@PORT@` in args replaced, and `PORT` in its environment) and
/// waits, at most [`STARTUP`], until 127.0.0.1:port accepts connections.
fn start_http(program: &Path, args: &[String]) -> ServerProcess {
    let port = free_port();
    let args: Vec<String> = args
        .iter()
        .map(|a| a.replace("@PORT@", &port.to_string()))
        .collect();
    let child = Command::new(program)
        .args(&args)
        .env_clear()
        .envs(server_env())
        .env("PORT", port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let mut server = ServerProcess { child, port };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + STARTUP;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return server;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!(
                "{} {args:?} exited before listening: {status}",
                program.display()
            );
        }
        assert!(
            Instant::now() < deadline,
            "{} did not listen on {addr} within {STARTUP:?}",
            program.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A stdio target that runs `program args` under `env -i` with [`server_env`] only.
fn stdio_target(program: &Path, args: &[&str]) -> Target {
    let mut argv = vec!["-i".to_string()];
    argv.extend(server_env().into_iter().map(|(k, v)| format!("{k}={v}")));
    argv.push(program.display().to_string());
    argv.extend(args.iter().map(|a| a.to_string()));
    Target::Stdio {
        program: "env".to_string(),
        args: argv,
        env: Vec::new(),
    }
}

fn everything_http() -> ServerProcess {
    let args = [
        "-r".to_string(),
        fixture("loopback.cjs").display().to_string(), // it would otherwise bind every interface
        everything_js().display().to_string(),
        "streamableHttp".to_string(),
    ];
    start_http(Path::new("node"), &args)
}

fn fastmcp_http(venv: &str) -> ServerProcess {
    let args = [
        fixture("fastmcp_server.py").display().to_string(),
        "streamable-http".to_string(),
        "--port".to_string(),
        "@PORT@".to_string(),
    ];
    start_http(&python(venv), &args)
}

/// The built-in pack, with the scenarios of `extra` replacing built-ins of the same id (as
/// `mcpcheck run --scenarios` does).
fn scenarios(extra: Option<&Path>) -> Vec<Scenario> {
    let errors = |errs: Vec<mcpcheck::scenario::LoadError>| {
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut all = load_builtin().unwrap_or_else(|e| panic!("{}", errors(e)));
    if let Some(dir) = extra {
        for s in load_dir(dir).unwrap_or_else(|e| panic!("{}", errors(e))) {
            match all.iter().position(|x| x.file.id == s.file.id) {
                Some(i) => all[i] = s,
                None => all.push(s),
            }
        }
    }
    all
}

/// Runs every scenario against `target` at `version`, with the CLI's default timeout.
async fn run(target: Target, scenarios: &[Scenario], version: ProtocolVersion) -> RunReport {
    let options = SuiteOptions {
        target,
        client: ClientOptions::default(),
        spec_version: Some(version),
        vars: Default::default(),
        call_tools: ToolCallPolicy::NonDestructive,
    };
    let ctx = preflight(&options)
        .await
        .unwrap_or_else(|e| panic!("preflight: {e}"));
    // The default selection, as `mcpcheck run` makes it (opt-in checks excluded).
    let all = mcpcheck::suite::select(scenarios, &[], &[]).unwrap_or_else(|e| panic!("{e}"));
    run_suite(&all, &ctx, |_| {}).await
}

/// What a target is documented to yield at one version. `real`: the server breaks the rule
/// (README.md quotes it). `harness`: a false verdict of mcpcheck, with the fix proposed in
/// README.md; remove it here once the harness is fixed.
#[derive(Default)]
struct Expected {
    real_fail: Vec<&'static str>,
    harness_fail: Vec<&'static str>,
    real_warn: Vec<&'static str>,
    harness_warn: Vec<&'static str>,
}

fn ids(report: &RunReport, verdict: Verdict) -> BTreeSet<String> {
    report
        .checks
        .iter()
        .filter(|c| c.verdict == verdict)
        .map(|c| c.id.clone())
        .collect()
}

/// Every finding of every FAIL/WARN check, for the assertion message.
fn explain(report: &RunReport) -> String {
    report
        .checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Warn))
        .map(|c| {
            let findings: Vec<String> = c
                .findings
                .iter()
                .map(|f| format!("    - {} (actual {:?})", f.message, f.actual))
                .collect();
            format!("{} {}\n{}", c.verdict.as_str(), c.id, findings.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compares the report's FAIL and WARN ids with `expected`; returns the differences.
fn compare(
    label: &str,
    version: ProtocolVersion,
    report: &RunReport,
    expected: &Expected,
) -> Option<String> {
    let mut problems = Vec::new();
    for (verdict, real, harness) in [
        (Verdict::Fail, &expected.real_fail, &expected.harness_fail),
        (Verdict::Warn, &expected.real_warn, &expected.harness_warn),
    ] {
        let got = ids(report, verdict);
        let want: BTreeSet<String> = real
            .iter()
            .chain(harness.iter())
            .map(|s| s.to_string())
            .collect();
        for id in got.difference(&want) {
            problems.push(format!(
                "unexpected {} {id}: a new false verdict, or a real violation to document",
                verdict.as_str()
            ));
        }
        for id in want.difference(&got) {
            problems.push(format!("expected {} {id} is gone: if the harness was fixed, update the lists here and in README.md", verdict.as_str()));
        }
    }
    if report.protocol_version.as_deref() != Some(version.as_str()) {
        problems.push(format!(
            "negotiated {:?} instead of {version}",
            report.protocol_version
        ));
    }
    (!problems.is_empty()).then(|| {
        format!(
            "{label} at {version}:\n  {}\n{}",
            problems.join("\n  "),
            explain(report)
        )
    })
}

/// What `mcpcheck run --matrix` does, with assertions: probes the versions `target()` accepts
/// (they must be `versions`, restricted to those checkable over its transport), runs the suite at
/// each, and panics with every difference from `expected(version)`.
async fn check_matrix(
    label: &str,
    versions: &[ProtocolVersion],
    mut target: impl FnMut() -> Target,
    extra: Option<&Path>,
    expected: impl Fn(ProtocolVersion) -> Expected,
) {
    let probed = target();
    let support = mcpcheck::versions::probe(&probed, &ClientOptions::default()).await;
    let runnable: Vec<ProtocolVersion> = support
        .accepted()
        .into_iter()
        .filter(|v| checkable(&probed, *v))
        .collect();
    assert_eq!(
        runnable,
        versions,
        "{label}: the version probe saw other versions\n{}",
        support.describe()
    );
    let scenarios = scenarios(extra);
    let mut problems = Vec::new();
    for &version in versions {
        let report = run(target(), &scenarios, version).await;
        // A PASS must mean something: the run exercised most of the suite.
        let passed = ids(&report, Verdict::Pass).len();
        assert!(
            passed >= 15,
            "{label} at {version}: only {passed} checks passed\n{}",
            explain(&report)
        );
        problems.extend(compare(label, version, &report, &expected(version)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// How a target is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wire {
    Http,
    Stdio,
    LegacySse,
}

/// server-everything's violations, per transport and version.
fn everything_expected(wire: Wire, version: ProtocolVersion) -> Expected {
    let mut e = Expected {
        real_warn: vec![
            "base.invalid-params",         // -32603 for a params shape error
            "resources.unknown-uri",       // -32602, not -32002
            "tools.pagination",            // junk cursor accepted
            "tools.unknown-tool",          // isError result, not a JSON-RPC error
            "utilities.logging-set-level", // -32603 for an invalid level
        ],
        ..Expected::default()
    };
    if version <= V2025_03_26 {
        // get-resource-links answers with `resource_link` content, which 2024-11-05 and
        // 2025-03-26 do not have (added in 2025-06-18): the server ignores the negotiated version.
        e.real_fail.push("tools.call-each");
    }
    if version >= V2025_11_25 {
        // A plain call of the task-only simulate-research-query is an isError result, not -32601.
        e.real_fail.push("tools.task-required");
    }
    if version == V2025_03_26 {
        e.real_fail.push("base.batch"); // a batch is refused (400 / no answer): MUST receive them
    } else if version >= V2025_06_18 && wire != Wire::LegacySse {
        e.real_warn.push("base.batch-removed"); // run (HTTP) or silently dropped (stdio)
    }
    match wire {
        Wire::Http => {
            e.real_fail.extend(["http.origin", "http.session-delete"]);
            if version >= V2025_11_25 {
                e.real_fail.push("http.origin-403");
            }
            e.real_warn.push("http.session-unknown"); // 400, not 404
        }
        Wire::Stdio => e.real_warn.push("base.parse-error"), // malformed line dropped silently
        // SSEServerTransport checks no Origin unless asked to (allowedOrigins): a foreign Origin is
        // served on /sse and /message. (A malformed POST body is answered 400: no parse-error WARN.)
        Wire::LegacySse => e.real_fail.push("legacy.origin"),
    }
    e
}

/// The fixture server on mcp 2.x (`major == 2`) or 1.x, per transport and version.
fn fastmcp_expected(major: u8, wire: Wire, version: ProtocolVersion) -> Expected {
    let mut e = Expected {
        real_warn: vec![
            "prompts.missing-argument", // error code 0 (-32603 at 2026-07-28), not -32602
            "tools.pagination",         // junk cursor accepted
            "tools.unknown-tool",       // isError result, not a JSON-RPC error
        ],
        ..Expected::default()
    };
    let http = wire == Wire::Http;
    if version == V2025_03_26 {
        e.real_fail.push("base.batch"); // a batch is refused (400 / no answer): MUST receive them
    } else if !http && (version == V2025_06_18 || version == V2025_11_25) {
        e.real_warn.push("base.batch-removed"); // a batch line is dropped without an answer
    }
    if version.features().initialize {
        // -32602 (2.x) or 0 (1.x), not -32002. (2026-07-28 asks for -32602: v26.err-not-found.)
        e.real_warn.push("resources.unknown-uri");
        if !http {
            e.real_warn.push("base.parse-error"); // malformed line dropped silently
        }
        if http || major == 1 {
            e.real_warn.push("utilities.cancellation"); // answers the cancelled request
        }
        if major == 1 {
            e.real_warn.push("base.method-not-found"); // -32602 for an unknown method
        }
    }
    if http && version == V2025_11_25 {
        // No priming event (id, empty data) on a POST's SSE stream: the SDK primes only when an
        // event store is configured.
        e.real_warn.push("http.sse-prime");
    }
    if http && version == V2026_07_28 {
        // Header 2025-11-25 with a 2026-07-28 body: routed as legacy (400 "Missing session ID",
        // -32600), not HeaderMismatch -32020.
        e.real_warn.push("v26.http-version-header");
    }
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs fixtures/real-servers/setup.sh (npm)"]
async fn everything_streamable_http() {
    let server = everything_http();
    let url = format!("http://127.0.0.1:{}/mcp", server.port);
    check_matrix(
        "server-everything over HTTP",
        &HTTP_STATEFUL,
        || Target::Http { url: url.clone() },
        Some(&fixture("scenarios/everything")),
        |v| everything_expected(Wire::Http, v),
    )
    .await;
}

/// server-everything's `sse` mode: the TypeScript SDK's `SSEServerTransport` (legacy HTTP+SSE of
/// 2024-11-05) at `/sse`, POSTs to `/message?sessionId=…`.
fn everything_sse() -> ServerProcess {
    let args = [
        "-r".to_string(),
        fixture("loopback.cjs").display().to_string(),
        everything_js().display().to_string(),
        "sse".to_string(),
    ];
    start_http(Path::new("node"), &args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs fixtures/real-servers/setup.sh (npm)"]
async fn everything_legacy_sse() {
    let server = everything_sse();
    let url = format!("http://127.0.0.1:{}/sse", server.port);
    assert!(
        mcpcheck::transport::legacy::detect(&url, &ClientOptions::default()).await,
        "auto-detection does not see the legacy transport at {url}"
    );
    check_matrix(
        "server-everything over legacy HTTP+SSE",
        &STATEFUL,
        || Target::LegacySse { url: url.clone() },
        Some(&fixture("scenarios/everything")),
        |v| everything_expected(Wire::LegacySse, v),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs fixtures/real-servers/setup.sh (npm)"]
async fn everything_stdio() {
    let js = everything_js();
    check_matrix(
        "server-everything over stdio",
        &STATEFUL,
        || stdio_target(Path::new("node"), &[&js.display().to_string(), "stdio"]),
        Some(&fixture("scenarios/everything")),
        |v| everything_expected(Wire::Stdio, v),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs fixtures/real-servers/setup.sh (pip)"]
async fn fastmcp_v2_streamable_http() {
    let server = fastmcp_http("venv");
    let url = format!("http://127.0.0.1:{}/mcp", server.port);
    check_matrix(
        "mcp 2.x over HTTP",
        &HTTP_ALL,
        || Target::Http { url: url.clone() },
        None,
        |v| fastmcp_expected(2, Wire::Http, v),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs fixtures/real-servers/setup.sh (pip)"]
async fn fastmcp_v2_stdio() {
    let py = python("venv");
    let script = fixture("fastmcp_server.py").display().to_string();
    check_matrix(
        "mcp 2.x over stdio",
        &ALL,
        || stdio_target(&py, &[&script, "stdio"]),
        None,
        |v| fastmcp_expected(2, Wire::Stdio, v),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs fixtures/real-servers/setup.sh (pip)"]
async fn fastmcp_v1_streamable_http() {
    let server = fastmcp_http("venv-mcp1");
    let url = format!("http://127.0.0.1:{}/mcp", server.port);
    check_matrix(
        "mcp 1.x over HTTP",
        &HTTP_STATEFUL,
        || Target::Http { url: url.clone() },
        None,
        |v| fastmcp_expected(1, Wire::Http, v),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs fixtures/real-servers/setup.sh (pip)"]
async fn fastmcp_v1_stdio() {
    let py = python("venv-mcp1");
    let script = fixture("fastmcp_server.py").display().to_string();
    check_matrix(
        "mcp 1.x over stdio",
        &STATEFUL,
        || stdio_target(&py, &[&script, "stdio"]),
        None,
        |v| fastmcp_expected(1, Wire::Stdio, v),
    )
    .await;
}

/// The TypeScript SDK v2 fixture (`ts_sdk2_server.mjs`, npm `@modelcontextprotocol/server`):
/// the 2026-07-28 line, serving 2025-era traffic through its stateless legacy fallback.
fn ts_sdk2_js() -> PathBuf {
    installed(install_dir().join("node-sdk2/node_modules/@modelcontextprotocol/server"));
    fixture("ts_sdk2_server.mjs")
}

/// The TypeScript SDK v2 fixture's violations, per transport and version.
fn ts_sdk2_expected(wire: Wire, version: ProtocolVersion) -> Expected {
    let mut e = Expected {
        real_warn: vec!["tools.pagination"], // junk cursor accepted
        ..Expected::default()
    };
    let stdio = wire == Wire::Stdio;
    if version.features().initialize {
        e.real_warn.push("resources.unknown-uri"); // -32602, not -32002
        if stdio {
            e.real_warn.push("base.parse-error"); // malformed line dropped silently
        }
    }
    if version == V2025_03_26 && stdio {
        e.real_fail.push("base.batch"); // a batch line is dropped: MUST receive them
    }
    if version == V2025_06_18 || version == V2025_11_25 {
        e.real_warn.push("base.batch-removed"); // run (HTTP) or silently dropped (stdio)
    }
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs fixtures/real-servers/setup.sh (npm)"]
async fn ts_sdk2_streamable_http() {
    let js = ts_sdk2_js().display().to_string();
    let args = [
        js,
        "http".to_string(),
        "--port".to_string(),
        "@PORT@".to_string(),
    ];
    let server = start_http(Path::new("node"), &args);
    let url = format!("http://127.0.0.1:{}/mcp", server.port);
    check_matrix(
        "TypeScript SDK v2 over HTTP",
        &HTTP_ALL,
        || Target::Http { url: url.clone() },
        None,
        |v| ts_sdk2_expected(Wire::Http, v),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs fixtures/real-servers/setup.sh (npm)"]
async fn ts_sdk2_stdio() {
    let js = ts_sdk2_js().display().to_string();
    check_matrix(
        "TypeScript SDK v2 over stdio",
        &ALL,
        || stdio_target(Path::new("node"), &[&js, "stdio"]),
        None,
        |v| ts_sdk2_expected(Wire::Stdio, v),
    )
    .await;
}

/// A report whose checks have the given verdicts, negotiated at 2025-11-25.
fn synthetic(checks: &[(&str, &str)]) -> RunReport {
    let checks: Vec<serde_json::Value> = checks
        .iter()
        .map(|(id, verdict)| {
            serde_json::json!({"id": id, "title": id, "level": "MUST", "spec": [], "tags": [], "verdict": verdict,
                "findings": [], "duration_ms": 0, "transcript": []})
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "schema_version": 1, "tool": "mcpcheck", "target": "t", "transport": "stdio", "protocol_version": "2025-11-25",
        "started_at": "2026-01-01T00:00:00Z", "duration_ms": 0,
        "summary": {"total": 0, "pass": 0, "fail": 0, "warn": 0, "skip": 0}, "checks": checks,
    }))
    .expect("a valid report")
}

#[test]
fn compare_accepts_exactly_the_documented_verdicts() {
    let report = synthetic(&[
        ("a.real", "FAIL"),
        ("b.harness", "FAIL"),
        ("c.warn", "WARN"),
        ("d.ok", "PASS"),
    ]);
    let expected = Expected {
        real_fail: vec!["a.real"],
        harness_fail: vec!["b.harness"],
        real_warn: vec!["c.warn"],
        ..Expected::default()
    };
    assert_eq!(
        compare("t", ProtocolVersion::V2025_11_25, &report, &expected),
        None
    );
}

#[test]
fn compare_reports_new_missing_and_wrong_version() {
    let report = synthetic(&[("a.real", "FAIL"), ("n.new", "FAIL"), ("w.new", "WARN")]);
    let expected = Expected {
        real_fail: vec!["a.real", "g.gone"],
        real_warn: vec!["c.warn"],
        ..Expected::default()
    };
    let msg = compare("t", ProtocolVersion::V2025_11_25, &report, &expected).expect("differences");
    assert!(msg.contains("unexpected FAIL n.new"), "{msg}");
    assert!(msg.contains("unexpected WARN w.new"), "{msg}");
    assert!(msg.contains("expected FAIL g.gone is gone"), "{msg}");
    assert!(msg.contains("expected WARN c.warn is gone"), "{msg}");
    assert!(
        !msg.contains("unexpected FAIL a.real") && !msg.contains("a.real is gone"),
        "{msg}"
    );
    let msg = compare(
        "t",
        ProtocolVersion::V2025_06_18,
        &synthetic(&[]),
        &Expected::default(),
    )
    .expect("version mismatch");
    assert!(msg.contains("negotiated"), "{msg}");
}

/// The OAuth-protected fixture `auth_server.py` (mcp 2.x, the SDK's own authorization server
/// support). `any_resource`: accept tokens issued without an RFC 8707 `resource`, which is what
/// a 2025-03-26 client obtains (that version has no resource indicator).
fn auth_http(any_resource: bool) -> ServerProcess {
    let mut args = vec![
        fixture("auth_server.py").display().to_string(),
        "--port".to_string(),
        "@PORT@".to_string(),
    ];
    if any_resource {
        args.push("--any-resource".to_string());
    }
    start_http(&python("venv"), &args)
}

/// `mcpcheck run URL --auth headless` at `version`, through the binary (the login is the CLI's),
/// read back from its JSON report.
fn run_cli_headless(url: &str, version: ProtocolVersion) -> RunReport {
    let dir = std::env::temp_dir().join(format!("mcpcheck-real-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let json = dir.join(format!("{version}.json"));
    let out = Command::new(env!("CARGO_BIN_EXE_mcpcheck"))
        .args([
            "run",
            url,
            "--auth",
            "headless",
            "--username",
            "x",
            "--password",
            "y",
        ])
        .args(["--no-color", "--spec-version", version.as_str()])
        .arg("--report")
        .arg(format!("json:{}", json.display()))
        .output()
        .expect("mcpcheck runs");
    let text = std::fs::read_to_string(&json).unwrap_or_else(|e| {
        panic!(
            "no report at {version} ({e}); exit {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    serde_json::from_str(&text).expect("a valid JSON report")
}

/// The OAuth fixture's verdicts: the SDK's own violations, the fixture provider's (the SDK leaves
/// those to the provider), and mcpcheck's false verdicts (fixtures/real-servers/README.md, A1–A3).
fn auth_expected(version: ProtocolVersion) -> Expected {
    let mut e = Expected {
        real_fail: vec![
            "as.token-errors",      // SDK: unknown grant_type -> invalid_request
            "dcr.invalid-redirect", // SDK + provider: http://non-loopback redirect registered
            "tok.revocation",       // SDK: a public client cannot revoke (client_secret required)
        ],
        real_warn: vec![
            "as.code-single-use",    // provider: a replayed code does not revoke its tokens
            "tok.refresh-reuse", // provider: a replayed refresh token does not revoke the family
            "resources.unknown-uri", // -32602, not -32002
            "tools.pagination",  // junk cursor accepted
            "tools.unknown-tool", // isError result, not a JSON-RPC error
        ],
        ..Expected::default()
    };
    if version >= ProtocolVersion::V2025_11_25 {
        e.real_warn.push("auth.401-challenge"); // no scope; error=invalid_token without a token
    }
    if version == V2025_03_26 {
        e.real_fail.push("base.batch"); // a batch is refused with 400: MUST receive them
    }
    e
}

#[test]
#[ignore = "needs fixtures/real-servers/setup.sh (pip)"]
fn fastmcp_v2_oauth_headless() {
    let mut problems = Vec::new();
    for version in HTTP_STATEFUL {
        // A 2025-03-26 client sends no `resource`, so the strict server would refuse its token.
        let server = auth_http(version == ProtocolVersion::V2025_03_26);
        let url = format!("http://127.0.0.1:{}/mcp", server.port);
        let report = run_cli_headless(&url, version);
        // The headless flow completed: the suite ran authenticated and the flow checks passed.
        let passed = ids(&report, Verdict::Pass);
        assert!(
            passed.len() >= 25 && passed.contains("flow.code-pkce-dcr"),
            "mcp 2.x OAuth at {version}: only {} checks passed\n{}",
            passed.len(),
            explain(&report)
        );
        problems.extend(compare(
            "mcp 2.x OAuth (headless)",
            version,
            &report,
            &auth_expected(version),
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
