//! `--spec-version auto` (probe, report, pick the newest accepted version) and `run --matrix`
//! (the suite once per accepted version, then a version × area table).

use super::matrix::{for_server, table, Outcome};
use super::run::{execute, suite_options, usage};
use super::{SuiteArgs, EXIT_USAGE};
use crate::protocol::ProtocolVersion;
use crate::suite::{checkable, SuiteOptions};
use crate::transport::Target;
use crate::versions::probe;
use std::process::ExitCode;

/// Probes the target and returns the newest version it accepts; prints the evidence to stderr.
pub(super) async fn auto_version(options: &SuiteOptions) -> Result<ProtocolVersion, ExitCode> {
    let support = probe(&options.target, &options.client).await;
    eprintln!("mcpcheck: version probe\n{}", indent(&support.describe()));
    let (runnable, elsewhere) = split(&options.target, support.accepted());
    for v in &elsewhere {
        eprintln!("mcpcheck: {}", not_over(&options.target, *v));
    }
    match runnable.last().copied() {
        Some(v) => {
            eprintln!(
                "mcpcheck: the server accepts {}; checking {v}",
                list(&support.accepted())
            );
            Ok(v)
        }
        None => {
            eprintln!("error: the server accepted none of the known protocol versions");
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// `run --matrix`: probe, run the suite at each accepted version (report paths get the version,
/// `run.json` → `run.2025-11-25.json`), print the matrix. Exit 2 when no version is accepted or a
/// run could not start, else 1 when a check failed, else 0.
pub(super) async fn run_matrix(target: Target, args: &SuiteArgs) -> ExitCode {
    let options = match suite_options(target.clone(), args) {
        Ok(o) => o,
        Err(m) => return usage(&m),
    };
    let support = probe(&options.target, &options.client).await;
    println!("version probe:\n{}", indent(&support.describe()));
    let accepted = support.accepted();
    let (runnable, elsewhere) = split(&target, accepted.clone());
    if runnable.is_empty() {
        eprintln!(
            "error: the server accepted none of the protocol versions checkable over {}",
            target.transport_name()
        );
        return ExitCode::from(EXIT_USAGE);
    }
    println!("accepted: {}", list(&accepted));
    for v in &elsewhere {
        println!("{}", not_over(&target, *v));
    }
    println!();
    let mut rows = Vec::new();
    for v in runnable {
        println!("== protocol {v} ==");
        let mut a = for_server(args, v.as_str());
        a.spec_version = Some(v.as_str().to_string());
        let outcome = match execute(target.clone(), &a).await {
            Ok(report) => Outcome::Ran(Box::new(report)),
            Err(_) => Outcome::Unreachable,
        };
        println!();
        rows.push((v.as_str().to_string(), outcome));
    }
    print!("{}", table("version", &rows));
    if rows.iter().any(|(_, o)| matches!(o, Outcome::Unreachable)) {
        ExitCode::from(EXIT_USAGE)
    } else if rows
        .iter()
        .any(|(_, o)| matches!(o, Outcome::Ran(r) if r.exit_code() != 0))
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The accepted versions a run can check over `target`, and the others (oldest first).
fn split(
    target: &Target,
    accepted: Vec<ProtocolVersion>,
) -> (Vec<ProtocolVersion>, Vec<ProtocolVersion>) {
    accepted.into_iter().partition(|v| checkable(target, *v))
}

fn not_over(target: &Target, v: ProtocolVersion) -> String {
    let how = if v == ProtocolVersion::V2024_11_05 {
        " (its transport is the legacy HTTP+SSE: check it with --transport sse and the server's SSE URL, or over stdio)"
    } else {
        ""
    };
    format!("{v} is not checked over {}{how}", target.transport_name())
}

fn list(versions: &[ProtocolVersion]) -> String {
    versions
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
