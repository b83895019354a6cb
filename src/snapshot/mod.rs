//! Snapshots of a server's protocol surface: record its responses once, then check later runs
//! against them and say which differences break clients.
//!
//! [`record()`] captures the initialize result, every page of `tools/list`, `resources/list`,
//! `resources/templates/list` and `prompts/list` (merged, items sorted by name or URI), and the
//! results of the calls a scenario file names; [`normalize`] redacts volatile values and orders
//! keys; [`store`] keeps one readable JSON file per response plus a manifest in a folder;
//! [`compare`] prints a unified diff per file; [`classify()`] labels each difference breaking
//! (tool removed, required argument added, argument type narrowed, output schema changed
//! incompatibly, capability dropped, …) or compatible (additions). [`check`] puts the last two
//! together into a [`CheckOutcome`].

pub mod classify;
pub mod compare;
pub mod normalize;
pub mod record;
pub mod store;

pub use classify::{classify, Change, Impact};
pub use compare::{diff_files, FileDiff, FileStatus};
pub use normalize::{Normalizer, RedactRule};
pub use record::{calls_from_scenario, record, RecordOptions, Recorded};
pub use store::{Call, Manifest, MANIFEST};

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Snapshot files: file name (`tools.json`) → normalized content.
pub type Files = BTreeMap<String, serde_json::Value>;

/// Why a snapshot could not be recorded, read or written (exit code 2 at the binary edge).
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The target did not answer the recording session.
    #[error("target {target} is unreachable or did not initialize: {reason}")]
    Unreachable {
        /// The target as given.
        target: String,
        /// What went wrong.
        reason: String,
    },
    /// The folder holds no snapshot.
    #[error("no snapshot in {}: {MANIFEST} is missing (record one with `mcpcheck snapshot record`)", dir.display())]
    Missing {
        /// The folder.
        dir: PathBuf,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file could not be written or removed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A stored file is not what a snapshot holds.
    #[error("{}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The scenario file naming the calls cannot be used.
    #[error("{0}")]
    Calls(String),
}

/// When `snapshot check` fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailOn {
    /// On any difference (the default).
    #[default]
    Any,
    /// Only on a breaking change.
    Breaking,
}

impl std::str::FromStr for FailOn {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "any" => Ok(FailOn::Any),
            "breaking" => Ok(FailOn::Breaking),
            other => Err(format!("--fail-on {other:?}: expected any or breaking")),
        }
    }
}

/// What comparing a stored snapshot with a fresh one found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckOutcome {
    /// One entry per file that differs.
    pub diffs: Vec<FileDiff>,
    /// The classified changes.
    pub changes: Vec<Change>,
}

impl CheckOutcome {
    /// No file differs.
    pub fn is_clean(&self) -> bool {
        self.diffs.is_empty()
    }

    /// Some change is breaking.
    pub fn has_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.impact == Impact::Breaking)
    }

    /// Whether the check fails under `fail_on`.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        match fail_on {
            FailOn::Any => !self.is_clean(),
            FailOn::Breaking => self.has_breaking(),
        }
    }

    /// The diffs, then the classified changes and a one-line verdict, as plain text.
    pub fn render(&self) -> String {
        if self.is_clean() {
            return "snapshot matches: no difference\n".to_string();
        }
        let mut out = String::new();
        for d in &self.diffs {
            out.push_str(&d.render());
            out.push('\n');
        }
        let breaking = self
            .changes
            .iter()
            .filter(|c| c.impact == Impact::Breaking)
            .count();
        let _ = writeln!(
            out,
            "changes: {breaking} breaking, {} compatible",
            self.changes.len() - breaking
        );
        for c in &self.changes {
            let _ = writeln!(out, "  {c}");
        }
        let _ = writeln!(
            out,
            "{} file{} differ{}",
            self.diffs.len(),
            if self.diffs.len() == 1 { "" } else { "s" },
            if self.diffs.len() == 1 { "s" } else { "" }
        );
        out
    }
}

/// Compares `stored` with `fresh`: a diff per differing file and the classified changes.
pub fn check(stored: &Files, fresh: &Files) -> CheckOutcome {
    CheckOutcome {
        diffs: diff_files(stored, fresh),
        changes: classify(stored, fresh),
    }
}
