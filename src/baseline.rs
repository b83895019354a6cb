//! Expected failures: a baseline file lists checks known to fail, so a team can adopt mcpcheck
//! in CI before fixing everything and still catch new failures and regressions.
//!
//! The file is text: one check id per line, `#` starts a comment (the written file puts each
//! check's title there). [`Baseline::apply`] turns a listed FAIL into a WARN that says it is a
//! known failure (the run passes), and a listed check that now PASSes into a FAIL that says the
//! entry is stale and should be removed (the run fails, so the baseline only ever shrinks).
//! [`render`] writes the current failures as a new baseline (`--write-baseline`).

use crate::check::{CheckResult, Finding, RunReport, Summary, Verdict};
use std::path::{Path, PathBuf};

/// A parsed baseline file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Baseline {
    /// Where it was read from (shown in findings).
    pub origin: String,
    /// Listed check ids with their 1-based line numbers, in file order.
    pub entries: Vec<(String, usize)>,
}

/// A baseline file that cannot be read, parsed or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Reading failed.
    #[error("cannot read the baseline {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Writing failed.
    #[error("cannot write the baseline {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A line is not a single check id.
    #[error("{origin}:{line}: expected one check id per line (then an optional # comment), found {text:?}")]
    Syntax {
        /// The file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// The line's content before any comment.
        text: String,
    },
}

/// What applying a baseline did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Listed checks that failed and now count as known failures.
    pub known: Vec<String>,
    /// Listed checks that passed: stale entries, now failures.
    pub stale: Vec<String>,
    /// Listed ids that were not in the run (filtered out, renamed or removed).
    pub absent: Vec<String>,
}

impl Baseline {
    /// Parses baseline text; `origin` names the file in errors and findings.
    pub fn parse(origin: &str, text: &str) -> Result<Baseline, BaselineError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let content = raw.split('#').next().unwrap_or_default().trim();
            if content.is_empty() {
                continue;
            }
            if content.split_whitespace().count() != 1 {
                return Err(BaselineError::Syntax {
                    origin: origin.to_string(),
                    line: i + 1,
                    text: content.to_string(),
                });
            }
            entries.push((content.to_string(), i + 1));
        }
        Ok(Baseline {
            origin: origin.to_string(),
            entries,
        })
    }

    /// Reads and parses a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Baseline::parse(&path.display().to_string(), &text)
    }

    /// Whether `id` is listed.
    pub fn lists(&self, id: &str) -> bool {
        self.entries.iter().any(|(e, _)| e == id)
    }

    fn line_of(&self, id: &str) -> usize {
        self.entries
            .iter()
            .find(|(e, _)| e == id)
            .map_or(0, |(_, l)| *l)
    }

    /// Known failures become WARN, stale entries (listed checks that pass) become FAIL; the
    /// summary is recounted.
    pub fn apply(&self, report: &mut RunReport) -> Applied {
        let mut applied = Applied::default();
        for c in &mut report.checks {
            if !self.lists(&c.id) {
                continue;
            }
            let location = Some(format!("{}:{}", self.origin, self.line_of(&c.id)));
            match c.verdict {
                Verdict::Fail => {
                    c.verdict = Verdict::Warn;
                    c.findings.insert(
                        0,
                        Finding {
                            verdict: Verdict::Warn,
                            message:
                                "known failure: listed in the baseline, so it does not fail the run"
                                    .into(),
                            expected: None,
                            actual: None,
                            location,
                        },
                    );
                    applied.known.push(c.id.clone());
                }
                Verdict::Pass => {
                    c.verdict = Verdict::Fail;
                    c.findings.push(stale_finding(&c.id, location));
                    applied.stale.push(c.id.clone());
                }
                Verdict::Warn | Verdict::Skip => {}
            }
        }
        for (id, _) in &self.entries {
            if !report.checks.iter().any(|c: &CheckResult| &c.id == id)
                && !applied.absent.contains(id)
            {
                applied.absent.push(id.clone());
            }
        }
        report.summary = Summary::of(&report.checks);
        applied
    }
}

fn stale_finding(id: &str, location: Option<String>) -> Finding {
    Finding {
        verdict: Verdict::Fail,
        message: format!(
            "stale baseline entry: `{id}` is listed as a known failure but now passes; remove it from the baseline"
        ),
        expected: Some("a listed check still fails".into()),
        actual: Some("the check passed".into()),
        location,
    }
}

/// A baseline listing every FAIL of `report`, each with its title as a comment.
pub fn render(report: &RunReport) -> String {
    let mut out = format!(
        "# mcpcheck baseline: checks known to fail, one id per line (`--baseline FILE`).\n\
         # A listed check that passes fails the run as stale: delete its line then.\n\
         # Written by {} against {} at {}.\n",
        report.tool,
        crate::report::sanitize::one_line(&report.target),
        report.started_at
    );
    for c in report.checks.iter().filter(|c| c.verdict == Verdict::Fail) {
        out.push_str(&format!(
            "{}  # {}\n",
            c.id,
            crate::report::sanitize::one_line(&c.title)
        ));
    }
    out
}

/// Writes [`render`] to `path`, creating parent directories.
pub fn write(path: &Path, report: &RunReport) -> Result<(), BaselineError> {
    let err = |source| BaselineError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, render(report)).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Level;

    fn check(id: &str, verdict: Verdict) -> CheckResult {
        CheckResult {
            id: id.into(),
            title: format!("{id} title"),
            level: Level::Must,
            spec: vec![],
            tags: vec![],
            verdict,
            skip_reason: None,
            findings: vec![],
            duration_ms: 1,
            transcript: vec![],
        }
    }

    fn report(checks: Vec<CheckResult>) -> RunReport {
        RunReport {
            schema_version: 1,
            tool: "mcpcheck 0.1.0".into(),
            target: "http://127.0.0.1:1/mcp".into(),
            transport: "streamable-http".into(),
            protocol_version: None,
            server_info: None,
            started_at: "2025-01-01T00:00:00Z".into(),
            duration_ms: 0,
            summary: Summary::of(&checks),
            checks,
        }
    }

    #[test]
    fn known_failures_pass_and_stale_entries_fail() {
        let b = Baseline::parse(
            "b.txt",
            "# known\na.fails  # title\n\nb.passes\nc.skips\ngone.id\n",
        )
        .unwrap();
        let mut r = report(vec![
            check("a.fails", Verdict::Fail),
            check("b.passes", Verdict::Pass),
            check("c.skips", Verdict::Skip),
            check("d.other", Verdict::Fail),
        ]);
        let applied = b.apply(&mut r);
        assert_eq!(applied.known, ["a.fails"]);
        assert_eq!(applied.stale, ["b.passes"]);
        assert_eq!(applied.absent, ["gone.id"]);
        assert_eq!(r.checks[0].verdict, Verdict::Warn);
        assert_eq!(r.checks[0].findings[0].location.as_deref(), Some("b.txt:2"));
        assert_eq!(r.checks[1].verdict, Verdict::Fail);
        assert!(r.checks[1].findings[0].message.contains("remove it"));
        assert_eq!(r.checks[2].verdict, Verdict::Skip);
        assert_eq!((r.summary.fail, r.summary.warn), (2, 1));
        assert_eq!(r.exit_code(), 1);
    }

    #[test]
    fn a_written_baseline_makes_the_same_run_pass() {
        let r0 = report(vec![
            check("a.fails", Verdict::Fail),
            check("b.passes", Verdict::Pass),
        ]);
        let text = render(&r0);
        assert!(text.contains("a.fails  # a.fails title\n"), "{text}");
        assert!(!text.contains("b.passes"));
        let mut r = r0.clone();
        Baseline::parse("x", &text).unwrap().apply(&mut r);
        assert_eq!(r.exit_code(), 0);
    }

    #[test]
    fn a_line_with_two_words_is_an_error_with_its_line() {
        let e = Baseline::parse("b.txt", "ok.id\nnot ok\n").unwrap_err();
        assert!(e.to_string().starts_with("b.txt:2:"), "{e}");
    }
}
