//! The run's extra inputs read before the checks start, so a bad file costs no run:
//! `--baseline FILE` / `--write-baseline FILE` (see [`crate::baseline`]: read the known
//! failures, apply them or write new ones after the run, and tell the user on stderr) and
//! `--load-report FILE` (load plots for the HTML report).

use super::{SuiteArgs, EXIT_USAGE};
use crate::baseline::{self, Baseline};
use crate::check::RunReport;
use crate::report::html::{from_load_report, LoadPlots};
use std::process::ExitCode;

/// Reads `--baseline` (before the run, so a bad file costs no run).
pub fn load(a: &SuiteArgs) -> Result<Option<Baseline>, ExitCode> {
    a.baseline
        .as_deref()
        .map(Baseline::load)
        .transpose()
        .map_err(|e| {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_USAGE)
        })
}

/// With `--write-baseline`, writes the run's failures there and applies that new baseline;
/// otherwise applies `--baseline` if given.
pub fn apply(
    report: &mut RunReport,
    given: Option<&Baseline>,
    a: &SuiteArgs,
) -> Result<(), ExitCode> {
    let written;
    let baseline = match &a.write_baseline {
        Some(path) => {
            baseline::write(path, report).map_err(|e| {
                eprintln!("error: {e}");
                ExitCode::from(EXIT_USAGE)
            })?;
            written = Baseline::parse(&path.display().to_string(), &baseline::render(report))
                .map_err(|e| {
                    eprintln!("error: {e}");
                    ExitCode::from(EXIT_USAGE)
                })?;
            eprintln!(
                "wrote {} known failure{} to {}",
                written.entries.len(),
                if written.entries.len() == 1 { "" } else { "s" },
                path.display()
            );
            &written
        }
        None => match given {
            Some(b) => b,
            None => return Ok(()),
        },
    };
    let applied = baseline.apply(report);
    if !applied.known.is_empty() {
        eprintln!(
            "baseline {}: {} known failure{} not failing the run",
            baseline.origin,
            applied.known.len(),
            if applied.known.len() == 1 { "" } else { "s" }
        );
    }
    for id in &applied.stale {
        eprintln!(
            "baseline {}: `{id}` now passes; remove it from the baseline (stale entries fail the run)",
            baseline.origin
        );
    }
    if !applied.absent.is_empty() {
        eprintln!(
            "baseline {}: not in this run (filtered out, renamed or removed): {}",
            baseline.origin,
            applied.absent.join(", ")
        );
    }
    Ok(())
}

/// Reads `--load-report` into plots for the HTML report.
pub fn load_plots(a: &SuiteArgs) -> Result<Option<LoadPlots>, ExitCode> {
    let Some(path) = &a.load_report else {
        return Ok(None);
    };
    let fail = |msg: String| {
        eprintln!("error: --load-report {}: {msg}", path.display());
        ExitCode::from(EXIT_USAGE)
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not valid JSON: {e}")))?;
    from_load_report(&value).map(Some).map_err(fail)
}
