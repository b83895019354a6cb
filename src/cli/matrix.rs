//! `mcpcheck run --config FILE --all`: the suite against every server of an MCP client config
//! file, one after the other, then a server × area matrix.
//!
//! Each server's console report is printed under its name; `--report` paths get the server name
//! (`out/run.json` → `out/run.<server>.json`), and so do `--baseline` and `--write-baseline`
//! files, since a check may be a known failure on one server only. Exit code: 2 if a server could not be checked
//! (unreachable, bad entry), else 1 if any check failed, else 0. Disabled entries are listed and
//! not run.

use super::run::execute;
use super::target::load_config;
use super::{SuiteArgs, EXIT_USAGE};
use crate::check::{RunReport, Verdict};
use crate::report::evidence::by_area;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

/// How one server's run ended.
#[derive(Debug)]
pub enum Outcome {
    /// The suite ran.
    Ran(Box<RunReport>),
    /// The run could not start (the reason was printed).
    Unreachable,
    /// `"disabled": true` in the file.
    Disabled,
}

/// Runs the suite against every server of `config` and prints the matrix.
pub async fn run_all(config: &Path, suite: &SuiteArgs) -> ExitCode {
    let servers = match load_config(config) {
        Ok(s) if s.is_empty() => {
            eprintln!("error: {} lists no servers", config.display());
            return ExitCode::from(EXIT_USAGE);
        }
        Ok(s) => s,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut rows = Vec::new();
    for entry in &servers {
        if entry.disabled {
            rows.push((entry.name.clone(), Outcome::Disabled));
            continue;
        }
        println!("== {} ==", entry.name);
        let mut a = for_server(suite, &entry.name);
        let mut headers: Vec<String> = entry
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        headers.append(&mut a.headers);
        a.headers = headers;
        let outcome = match execute(entry.target.clone(), &a).await {
            Ok(report) => Outcome::Ran(Box::new(report)),
            Err(_) => Outcome::Unreachable,
        };
        println!();
        rows.push((entry.name.clone(), outcome));
    }
    print!("{}", matrix(&rows));
    let unusable = rows.iter().any(|(_, o)| matches!(o, Outcome::Unreachable));
    let failed = rows
        .iter()
        .any(|(_, o)| matches!(o, Outcome::Ran(r) if r.exit_code() != 0));
    if unusable {
        ExitCode::from(EXIT_USAGE)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The suite options for one server (or version): `--report` and baseline paths suffixed with
/// its (file-safe) name.
pub(super) fn for_server(args: &SuiteArgs, server: &str) -> SuiteArgs {
    let safe: String = server
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut a = args.clone();
    let suffix = |path: &str| {
        let p = Path::new(path);
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let name = match p.extension() {
            Some(ext) => format!("{stem}.{safe}.{}", ext.to_string_lossy()),
            None => format!("{stem}.{safe}"),
        };
        p.with_file_name(name).display().to_string()
    };
    a.reports = args
        .reports
        .iter()
        .map(|r| match r.split_once(':') {
            Some((format, path)) => format!("{format}:{}", suffix(path)),
            None => r.clone(),
        })
        .collect();
    // A check can fail on one server and pass on another, so each server has its own baseline.
    let per_server = |p: &Option<std::path::PathBuf>| {
        p.as_ref().map(|p| suffix(&p.display().to_string()).into())
    };
    a.baseline = per_server(&args.baseline);
    a.write_baseline = per_server(&args.write_baseline);
    a
}

/// The server × area table: per cell `N FAIL`, `N WARN`, `ok N` (passed), `skip` or `-` (no
/// check of that area ran), then the server's overall result.
pub fn matrix(rows: &[(String, Outcome)]) -> String {
    table("server", rows)
}

/// [`matrix`] with another heading for the first column (e.g. `version`).
pub fn table(first: &str, rows: &[(String, Outcome)]) -> String {
    let mut areas: Vec<String> = Vec::new();
    for (_, o) in rows {
        if let Outcome::Ran(r) = o {
            for (area, _) in by_area(&r.checks) {
                if !areas.iter().any(|a| a == area) {
                    areas.push(area.to_string());
                }
            }
        }
    }
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut head = vec![first.to_string()];
    head.extend(areas.iter().cloned());
    head.push("result".into());
    table.push(head);
    for (name, o) in rows {
        let mut row = vec![crate::report::sanitize::one_line(name)];
        match o {
            Outcome::Ran(r) => {
                let groups = by_area(&r.checks);
                for area in &areas {
                    let cell = match groups.iter().find(|(a, _)| a == area) {
                        None => "-".to_string(),
                        Some((_, checks)) => {
                            let n = |v| checks.iter().filter(|c| c.verdict == v).count();
                            match (n(Verdict::Fail), n(Verdict::Warn), n(Verdict::Pass)) {
                                (f, _, _) if f > 0 => format!("{f} FAIL"),
                                (_, w, _) if w > 0 => format!("{w} WARN"),
                                (_, _, p) if p > 0 => format!("ok {p}"),
                                _ => "skip".to_string(),
                            }
                        }
                    };
                    row.push(cell);
                }
                let s = &r.summary;
                row.push(if s.fail > 0 {
                    format!("FAIL ({} of {})", s.fail, s.total)
                } else {
                    format!("PASS ({} passed, {} skipped)", s.pass + s.warn, s.skip)
                });
            }
            Outcome::Unreachable | Outcome::Disabled => {
                row.extend(areas.iter().map(|_| "-".to_string()));
                row.push(
                    if matches!(o, Outcome::Disabled) {
                        "disabled"
                    } else {
                        "not checked (see the error above)"
                    }
                    .into(),
                );
            }
        }
        table.push(row);
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|i| {
            table
                .iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &table {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckResult, Level, Summary};

    fn check(id: &str, verdict: Verdict) -> CheckResult {
        CheckResult {
            id: id.into(),
            title: String::new(),
            level: Level::Must,
            spec: vec![],
            tags: vec![id.split('.').next().unwrap_or_default().to_string()],
            verdict,
            skip_reason: None,
            findings: vec![],
            duration_ms: 0,
            transcript: vec![],
        }
    }

    fn report(checks: Vec<CheckResult>) -> Box<RunReport> {
        Box::new(RunReport {
            schema_version: 1,
            tool: String::new(),
            target: String::new(),
            transport: String::new(),
            protocol_version: None,
            server_info: None,
            started_at: String::new(),
            duration_ms: 0,
            summary: Summary::of(&checks),
            checks,
        })
    }

    #[test]
    fn one_row_per_server_one_column_per_area() {
        let rows = vec![
            (
                "a".to_string(),
                Outcome::Ran(report(vec![
                    check("lifecycle.x", Verdict::Pass),
                    check("tools.y", Verdict::Fail),
                ])),
            ),
            (
                "b".to_string(),
                Outcome::Ran(report(vec![
                    check("lifecycle.x", Verdict::Warn),
                    check("http.z", Verdict::Skip),
                ])),
            ),
            ("c".to_string(), Outcome::Unreachable),
            ("d".to_string(), Outcome::Disabled),
        ];
        let m = matrix(&rows);
        let lines: Vec<&str> = m.lines().collect();
        assert_eq!(lines.len(), 5, "{m}");
        assert!(
            lines[0].starts_with("server  lifecycle  tools   http  result"),
            "{m}"
        );
        assert!(
            lines[1].starts_with("a       ok 1       1 FAIL  -     FAIL (1 of 2)"),
            "{m}"
        );
        assert!(
            lines[2].starts_with("b       1 WARN     -       skip  PASS"),
            "{m}"
        );
        assert!(lines[3].contains("not checked"), "{m}");
        assert!(lines[4].ends_with("disabled"), "{m}");
    }
}
