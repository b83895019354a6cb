//! The harness against misbehaving targets (issue 6, first part): a chaos HTTP server and tiny
//! `sh -c` stdio servers break the protocol in one way each, and real scenarios run against them.
//!
//! Every case runs two scenarios in a row and asserts that the first is a FAIL (not PASS, not
//! SKIP) carrying evidence of the misbehaviour in its transcript, that each check ends within
//! its steps' timeouts plus a small slack, and that the second check still runs to a verdict:
//! no panic, no hang, the run goes on. A control case proves the chaos server itself is correct
//! when told not to misbehave, so every FAIL comes from the misbehaviour. One test streams 50 MiB
//! and checks that the process's resident memory stays bounded; it runs alone (see [`GATE`]).

mod common;

#[path = "chaos/http_cases.rs"]
mod http_cases;
#[path = "chaos/memory.rs"]
mod memory;
#[path = "chaos/misbehave.rs"]
mod misbehave;
#[path = "chaos/props.rs"]
mod props;
#[path = "chaos/server.rs"]
mod server;
#[path = "chaos/stdio_cases.rs"]
mod stdio_cases;

use mcpcheck::check::{CheckResult, Verdict};
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::scenario::{run_scenario, RunContext, Scenario, ToolCallPolicy};
use mcpcheck::transport::{ClientOptions, Target};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The per-operation timeout every case configures.
pub const TIMEOUT: Duration = Duration::from_millis(1500);

/// What a check may take beyond its steps' timeouts (handshake, DELETE, grace periods, a loaded
/// machine).
pub const SLACK: Duration = Duration::from_secs(4);

/// The body/event cap every case configures (small, so "huge" costs little).
pub const CAP: usize = 256 * 1024;

/// Cases take it shared; the memory test takes it alone, so no other case's allocations move
/// the resident-set figure it measures.
pub static GATE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// The built-in scenario pack, loaded once.
fn pack() -> &'static [Scenario] {
    static PACK: OnceLock<Vec<Scenario>> = OnceLock::new();
    PACK.get_or_init(common::pack)
}

/// A built-in scenario by id.
pub fn scenario(id: &str) -> &'static Scenario {
    pack()
        .iter()
        .find(|s| s.file.id == id)
        .unwrap_or_else(|| panic!("no built-in scenario `{id}`"))
}

/// Every built-in scenario id.
pub fn all_ids() -> Vec<&'static str> {
    pack().iter().map(|s| s.file.id.as_str()).collect()
}

/// Steps in a scenario (each may cost one timeout).
pub fn steps(id: &str) -> u32 {
    u32::try_from(scenario(id).file.steps.len().max(1)).unwrap_or(u32::MAX)
}

/// Client options of the cases: [`TIMEOUT`] and [`CAP`].
pub fn opts() -> ClientOptions {
    ClientOptions {
        timeout: TIMEOUT,
        max_body_bytes: CAP,
        ..ClientOptions::default()
    }
}

/// A run context as `mcpcheck run` builds it after preflight, for `target`.
pub fn context(target: Target, opts: ClientOptions) -> RunContext {
    RunContext {
        target,
        opts,
        version: ProtocolVersion::V2025_11_25,
        init_result: serde_json::json!({"capabilities": {"tools": {}}}),
        tools: Vec::new(),
        vars: Default::default(),
        call_tools: ToolCallPolicy::NonDestructive,
    }
}

/// One check's result with how long it took.
pub struct Ran {
    pub result: CheckResult,
    pub took: Duration,
}

impl Ran {
    /// The transcript as JSON text, to search for evidence.
    pub fn evidence(&self) -> String {
        serde_json::to_string(&self.result.transcript).unwrap_or_default()
    }

    /// The check's findings, one per line, for assertion messages.
    pub fn explain(&self) -> String {
        let findings: Vec<String> = self
            .result
            .findings
            .iter()
            .map(|f| format!("  {:?}: {}", f.verdict, f.message))
            .collect();
        format!(
            "{} {:?} in {:?}\n{}\ntranscript: {}",
            self.result.id,
            self.result.verdict,
            self.took,
            findings.join("\n"),
            crate::clip(&self.evidence(), 3000)
        )
    }
}

/// At most `n` bytes of `s` (on a char boundary).
pub fn clip(s: &str, n: usize) -> &str {
    let mut end = s.len().min(n);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Runs the scenarios `ids` one after the other against `target`, as a suite would.
pub async fn run_in_a_row(target: Target, o: ClientOptions, ids: &[&str]) -> Vec<Ran> {
    let ctx = context(target, o);
    let mut out = Vec::new();
    for id in ids {
        let started = Instant::now();
        let result = run_scenario(scenario(id), &ctx).await;
        out.push(Ran {
            result,
            took: started.elapsed(),
        });
    }
    out
}

/// Asserts that `ran` is a FAIL with a failing finding, evidence containing one of `needles`,
/// and a duration within its steps' timeouts plus [`SLACK`] (`extra` adds known costs).
pub fn assert_fail(ran: &Ran, needles: &[&str], timeout: Duration, extra: Duration) {
    let r = &ran.result;
    assert_eq!(r.verdict, Verdict::Fail, "{}", ran.explain());
    assert!(
        r.findings.iter().any(|f| f.verdict == Verdict::Fail),
        "a FAIL names what failed: {}",
        ran.explain()
    );
    let evidence = ran.evidence();
    assert!(
        needles.iter().any(|n| evidence.contains(n)),
        "the transcript shows the misbehaviour (one of {needles:?}): {}",
        ran.explain()
    );
    assert_within(ran, timeout, extra);
}

/// Asserts that `ran` ended within its steps' timeouts plus [`SLACK`] and `extra`.
pub fn assert_within(ran: &Ran, timeout: Duration, extra: Duration) {
    let bound = timeout * steps(&ran.result.id) + SLACK + extra;
    assert!(
        ran.took <= bound,
        "took {:?}, more than {bound:?}: {}",
        ran.took,
        ran.explain()
    );
}
