//! Reports: one result model ([`RunReport`]), one small module per output format.
//!
//! [`render`] turns a run into text in a [`Format`]; [`write_reports`] writes the files asked for
//! with `--report FORMAT:PATH` ([`parse_report_arg`]). Redaction happens here, at the boundary:
//! every format renders a copy passed through the built-in [`Redactor`] rules, so no format can
//! leak a credential header or token. Callers that know extra secret values (user-supplied header
//! values) redact with [`Redactor::new`] first; redaction is idempotent. The live line printed as
//! each check finishes is [`console::check_line`].

pub mod console;
pub mod evidence;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod redact;
pub mod sanitize;
pub mod spec_link;

pub use redact::Redactor;

use crate::check::RunReport;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Human-readable text, optionally coloured.
    Console,
    /// The [`RunReport`] as pretty JSON (see `reports/README.md`).
    Json,
    /// JUnit XML for CI systems.
    Junit,
    /// Markdown for a CI step summary (see [`markdown`]).
    Markdown,
    /// A self-contained HTML page (see [`html`]).
    Html,
}

impl Format {
    /// Every format, in the order they are listed to users.
    pub const ALL: &'static [Format] = &[
        Format::Console,
        Format::Json,
        Format::Junit,
        Format::Markdown,
        Format::Html,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Console => "console",
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    fn names() -> String {
        Format::ALL
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown report format {given:?}; expected one of: {}",
    Format::names()
)]
pub struct UnknownFormat {
    /// The name as given.
    pub given: String,
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses a name of [`Format::ALL`] (ASCII case-insensitive); `md` is short for `markdown`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let s = if s.eq_ignore_ascii_case("md") {
            "markdown"
        } else {
            s
        };
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFormat {
                given: s.to_string(),
            })
    }
}

/// How to render.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Console: colour the verdicts with ANSI escapes.
    pub color: bool,
    /// Console: print the transcript of each FAIL and WARN check.
    pub verbose: bool,
}

/// `report` rendered in `format`, after the built-in redaction rules.
pub fn render(format: Format, report: &RunReport, opts: &RenderOptions) -> String {
    let report = Redactor::default().redact_report(report);
    match format {
        Format::Console => console::render(&report, opts),
        Format::Json => json::render(&report),
        Format::Junit => junit::render(&report),
        Format::Markdown => markdown::render(&report),
        Format::Html => html::render(&report),
    }
}

/// A bad `--report FORMAT:PATH` argument.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReportArgError {
    /// No `:` between format and path.
    #[error(
        "--report {arg:?}: expected FORMAT:PATH, e.g. junit:reports/out/junit.xml (formats: {})",
        Format::names()
    )]
    MissingSeparator {
        /// The argument as given.
        arg: String,
    },
    /// The part before the `:` is not a format.
    #[error(
        "--report {arg:?}: unknown format {format:?} before the ':'; expected one of: {}",
        Format::names()
    )]
    UnknownFormat {
        /// The argument as given.
        arg: String,
        /// The part before the first `:`.
        format: String,
    },
    /// Nothing after the `:`.
    #[error("--report {arg:?}: the path after \"{format}:\" is empty")]
    EmptyPath {
        /// The argument as given.
        arg: String,
        /// The format part.
        format: String,
    },
}

/// Parses `FORMAT:PATH` (split at the first `:`, so `json:C:\out.json` works).
pub fn parse_report_arg(s: &str) -> Result<(Format, PathBuf), ReportArgError> {
    let Some((format, path)) = s.split_once(':') else {
        return Err(ReportArgError::MissingSeparator { arg: s.to_string() });
    };
    let parsed: Format = format.parse().map_err(|_| ReportArgError::UnknownFormat {
        arg: s.to_string(),
        format: format.to_string(),
    })?;
    if path.trim().is_empty() {
        return Err(ReportArgError::EmptyPath {
            arg: s.to_string(),
            format: format.to_string(),
        });
    }
    Ok((parsed, PathBuf::from(path)))
}

/// A report file that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The parent directory could not be created.
    #[error("cannot create directory {} for the {format} report: {source}", dir.display())]
    CreateDir {
        /// The report's format.
        format: Format,
        /// The directory.
        dir: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("cannot write the {format} report to {}: {source}", path.display())]
    Write {
        /// The report's format.
        format: Format,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Writes `report` once per `(format, path)`, creating parent directories. Console files are
/// written without colour and with the transcripts of failures (verbose).
pub fn write_reports(report: &RunReport, targets: &[(Format, PathBuf)]) -> Result<(), ReportError> {
    write_reports_with_load(report, targets, None)
}

/// [`write_reports`], with the plots of a load run in the HTML report (`--load-report`).
pub fn write_reports_with_load(
    report: &RunReport,
    targets: &[(Format, PathBuf)],
    load: Option<&html::LoadPlots>,
) -> Result<(), ReportError> {
    let file_opts = RenderOptions {
        color: false,
        verbose: true,
    };
    for (format, path) in targets {
        let text = match (format, load) {
            (Format::Html, Some(load)) => {
                let redactor = Redactor::default();
                let load = html::LoadPlots {
                    title: redactor.redact_text(&load.title),
                    summary: load
                        .summary
                        .iter()
                        .map(|(k, v)| (k.clone(), redactor.redact_text(v)))
                        .collect(),
                    charts: load.charts.clone(),
                };
                html::render_with_load(&redactor.redact_report(report), Some(&load))
            }
            _ => render(*format, report, &file_opts),
        };
        write_file(*format, path, &text)?;
    }
    Ok(())
}

fn write_file(format: Format, path: &Path, text: &str) -> Result<(), ReportError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
            format,
            dir: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| ReportError::Write {
        format,
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_by_name() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(*f));
        }
        assert_eq!("JUnit".parse::<Format>(), Ok(Format::Junit));
        let err = "tap".parse::<Format>().unwrap_err();
        assert!(err.to_string().contains("\"tap\"") && err.to_string().contains("junit"));
    }

    #[test]
    fn report_arg_splits_at_first_colon() {
        assert_eq!(
            parse_report_arg("junit:out/j.xml"),
            Ok((Format::Junit, PathBuf::from("out/j.xml")))
        );
        assert_eq!(
            parse_report_arg("json:C:\\r.json"),
            Ok((Format::Json, PathBuf::from("C:\\r.json")))
        );
    }

    #[test]
    fn report_arg_errors_name_the_bad_part() {
        let e = parse_report_arg("report.xml").unwrap_err();
        assert!(matches!(e, ReportArgError::MissingSeparator { .. }));
        assert!(e.to_string().contains("FORMAT:PATH"));

        let e = parse_report_arg("xml:out.xml").unwrap_err();
        assert_eq!(
            e,
            ReportArgError::UnknownFormat {
                arg: "xml:out.xml".into(),
                format: "xml".into()
            }
        );
        assert!(e.to_string().contains("unknown format \"xml\""));

        let e = parse_report_arg("json: ").unwrap_err();
        assert!(matches!(e, ReportArgError::EmptyPath { .. }));
        assert!(e.to_string().contains("path after \"json:\" is empty"));
    }

    #[test]
    fn write_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let report = crate::check::RunReport {
            schema_version: 1,
            tool: "t".into(),
            target: "x".into(),
            transport: "stdio".into(),
            protocol_version: None,
            server_info: None,
            started_at: "2025-01-01T00:00:00Z".into(),
            duration_ms: 0,
            summary: Default::default(),
            checks: vec![],
        };
        let target = blocker.join("sub").join("r.json");
        let err = write_reports(&report, &[(Format::Json, target)]).unwrap_err();
        assert!(
            matches!(
                err,
                ReportError::CreateDir {
                    format: Format::Json,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("file"), "{err}");
    }
}
