//! The result model: what a run produced, independent of any report format.

use crate::transcript::Entry;
use serde::{Deserialize, Serialize};

/// Requirement level of a check (RFC 2119).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// MUST / MUST NOT / REQUIRED: failure is FAIL.
    Must,
    /// SHOULD / SHOULD NOT / RECOMMENDED: failure is WARN.
    Should,
    /// MAY / OPTIONAL: failure is only informational (WARN at most).
    May,
}

impl Level {
    /// The verdict a failed assertion at this level yields.
    pub fn failure_verdict(self) -> Verdict {
        match self {
            Level::Must => Verdict::Fail,
            Level::Should | Level::May => Verdict::Warn,
        }
    }

    /// The RFC 2119 keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

/// Outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    /// The rule was exercised and held.
    Pass,
    /// Not applicable to this target (with a reason); never counted as a pass.
    Skip,
    /// A SHOULD was not met.
    Warn,
    /// A MUST was broken, or the target misbehaved.
    Fail,
}

impl Verdict {
    /// Upper-case label used by every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Skip => "SKIP",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
        }
    }
}

/// One failed (or warned) expectation, with what was expected and what was seen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// FAIL or WARN.
    pub verdict: Verdict,
    /// One sentence saying what went wrong.
    pub message: String,
    /// What the rule asks for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What the target did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// Where the expectation is written (`scenario-file:line`), when it comes from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// The result of one check (one scenario) against one target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable scenario id, e.g. `lifecycle.ping`.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Requirement level of the rule.
    pub level: Level,
    /// Spec references (`<version>/<path>#<anchor>` or an RFC section).
    pub spec: Vec<String>,
    /// Tags (area names), first one is the area.
    pub tags: Vec<String>,
    /// PASS / FAIL / WARN / SKIP.
    pub verdict: Verdict,
    /// Why the check was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    /// Failed and warned expectations (empty on PASS/SKIP).
    pub findings: Vec<Finding>,
    /// Wall time of the check.
    pub duration_ms: u64,
    /// Everything that crossed the wire while the check ran.
    pub transcript: Vec<Entry>,
}

impl CheckResult {
    /// The area of the check (its first tag, or the id prefix).
    pub fn area(&self) -> &str {
        self.tags
            .first()
            .map(String::as_str)
            .unwrap_or_else(|| self.id.split('.').next().unwrap_or(&self.id))
    }
}

/// Counts per verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub skip: usize,
}

impl Summary {
    /// Counts the verdicts of `checks`.
    pub fn of(checks: &[CheckResult]) -> Summary {
        let mut s = Summary {
            total: checks.len(),
            ..Summary::default()
        };
        for c in checks {
            match c.verdict {
                Verdict::Pass => s.pass += 1,
                Verdict::Fail => s.fail += 1,
                Verdict::Warn => s.warn += 1,
                Verdict::Skip => s.skip += 1,
            }
        }
        s
    }
}

/// Everything a `run` produced: the input to every report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Report format version (bumped on incompatible change).
    pub schema_version: u32,
    /// `mcpcheck` and its version.
    pub tool: String,
    /// The target as given (URL or command line), secrets redacted.
    pub target: String,
    /// `streamable-http` or `stdio`.
    pub transport: String,
    /// Negotiated protocol version, if initialization succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    /// `serverInfo` from the initialize result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_info: Option<serde_json::Value>,
    /// RFC 3339 UTC start time.
    pub started_at: String,
    /// Wall time of the whole run.
    pub duration_ms: u64,
    /// Counts per verdict.
    pub summary: Summary,
    /// One entry per check, in run order.
    pub checks: Vec<CheckResult>,
}

impl RunReport {
    /// Exit code for the run: 1 when any check failed, else 0 (WARN and SKIP allowed).
    pub fn exit_code(&self) -> i32 {
        i32::from(self.summary.fail > 0)
    }
}
