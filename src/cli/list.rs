//! `mcpcheck list`: the scenarios with id, level, versions and spec reference.

use super::{run::load_scenarios, ListArgs, EXIT_USAGE};
use std::process::ExitCode;

/// Prints one line per scenario.
pub fn list(args: &ListArgs) -> ExitCode {
    let scenarios = match load_scenarios(&args.scenario_dirs) {
        Ok(s) => s,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let width = scenarios
        .iter()
        .map(|s| s.file.id.len())
        .max()
        .unwrap_or(10);
    for s in &scenarios {
        let versions = if s.file.versions.is_empty() {
            "2025-03-26+".to_string()
        } else {
            s.file.versions.join(",")
        };
        let level: crate::check::Level = s.file.level.into();
        println!(
            "{:<width$}  {:<6}  {:<34}  {}{}",
            s.file.id,
            level.as_str(),
            versions,
            s.file.spec.first().map(String::as_str).unwrap_or(""),
            if s.file.opt_in {
                "  (opt-in: --only strict)"
            } else {
                ""
            }
        );
    }
    println!("{} scenarios", scenarios.len());
    ExitCode::SUCCESS
}
