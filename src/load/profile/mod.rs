//! Load profiles: the TOML file format, its parser (errors with file:line, rendered like
//! scenario errors), the built-in profiles embedded from `scenarios/load/`, and the resolved
//! [`Profile`] the engine runs.
//!
//! A profile says how many virtual users (closed model: fixed, ramped or a goose test plan) or
//! how many arrivals per second over a bounded pool of users (open model), for how long (after
//! a warm-up that is not measured) or how many iterations, whether each user keeps one MCP
//! session or opens a new one per iteration (churn), the weighted mix of operations, and the
//! thresholds that decide the exit code.

mod resolve;

use super::operation::Operation;
use super::plan::Plan;
use super::threshold::Threshold;
use crate::protocol::ProtocolVersion;
use crate::scenario::loader::LoadError;
use include_dir::{include_dir, Dir};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/scenarios/load");

/// The file as written (before validation).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    /// Profile name.
    pub name: Option<String>,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// `closed` (default) or `open`.
    pub model: Option<Spanned<String>>,
    /// Closed: users held for the run.
    pub users: Option<u32>,
    /// Closed: time to reach `users` from 0.
    pub ramp: Option<Spanned<String>>,
    /// Closed: a goose test plan (`"10,60s;0,30s"`) instead of users/ramp/duration.
    pub plan: Option<Spanned<String>>,
    /// Measured time after the warm-up.
    pub duration: Option<Spanned<String>>,
    /// Time at the start that is run but not measured.
    pub warmup: Option<Spanned<String>>,
    /// Stop after this many iterations in total (the duration still bounds the run).
    pub iterations: Option<u64>,
    /// Pause between iterations of a user: `"50ms"` or a range `"10ms..50ms"`.
    pub think_time: Option<Spanned<String>>,
    /// Open: constant arrivals per second.
    pub rate: Option<f64>,
    /// Open: ramping arrival rate in the test-plan grammar (values are arrivals per second).
    pub rate_plan: Option<Spanned<String>>,
    /// Open: the pool of users arrivals are handed to.
    pub max_users: Option<u32>,
    /// `per_user` (default) or `per_iteration` (session churn).
    pub session: Option<Spanned<String>>,
    /// Calls per iteration (default 1).
    pub calls_per_iteration: Option<u32>,
    /// Protocol version to ask for in initialize (default the newest).
    pub protocol_version: Option<Spanned<String>>,
    /// Longest wait for one call.
    pub timeout: Option<Spanned<String>>,
    /// Pass/fail criteria.
    #[serde(default)]
    pub thresholds: Vec<Spanned<String>>,
    /// Authorization requirements.
    pub auth: Option<AuthFile>,
    /// The operation mix.
    #[serde(default, rename = "operation")]
    pub operations: Vec<Spanned<OperationFile>>,
}

/// `[auth]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthFile {
    /// The profile cannot run without credentials.
    #[serde(default)]
    pub required: bool,
    /// Refresh the access token this often while the load runs.
    pub refresh_every: Option<String>,
}

/// One `[[operation]]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationFile {
    /// JSON-RPC method (`tools/call`, `tools/list`, `resources/read`, `prompts/get`, `ping`,
    /// any `notifications/…` for a raw notification, or any other method with `params`).
    pub method: String,
    /// Name in reports and thresholds (default: derived from the method and target).
    pub name: Option<String>,
    /// Relative weight in the mix (default 1).
    pub weight: Option<u32>,
    /// tools/call: the tool.
    pub tool: Option<String>,
    /// tools/call, prompts/get: arguments (strings may hold `${vu}`, `${iteration}`,
    /// `${random}`, `${id}`).
    pub arguments: Option<Map<String, Value>>,
    /// tools/call: build random arguments from the tool's inputSchema (from tools/list).
    #[serde(default)]
    pub arguments_from_schema: bool,
    /// resources/read: the URI.
    pub uri: Option<String>,
    /// prompts/get: the prompt.
    pub prompt: Option<String>,
    /// Any other method or notification: its params.
    pub params: Option<Value>,
}

/// Closed or open workload model.
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
    /// N users in a loop (the plan gives N over time).
    Closed {
        /// Users over time.
        plan: Plan,
    },
    /// Arrivals at a rate (the plan gives arrivals per second over time) over a pool of users.
    Open {
        /// Arrival rate over time.
        plan: Plan,
        /// The pool size.
        max_users: usize,
    },
}

impl Model {
    /// `closed` or `open`.
    pub fn name(&self) -> &'static str {
        match self {
            Model::Closed { .. } => "closed",
            Model::Open { .. } => "open",
        }
    }

    /// The plan (users or arrivals per second).
    pub fn plan(&self) -> &Plan {
        match self {
            Model::Closed { plan } | Model::Open { plan, .. } => plan,
        }
    }
}

/// How sessions map to users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionMode {
    /// Initialize once per user, DELETE at the end.
    PerUser,
    /// Initialize, call, DELETE in every iteration (session churn).
    PerIteration,
}

/// Authorization needs of a profile.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthSpec {
    /// Refuse to run (SKIP) without credentials.
    pub required: bool,
    /// Token refresh cadence under load.
    pub refresh_every: Option<Duration>,
}

/// A validated profile, ready to run.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Where it came from (`builtin:smoke` or a path).
    pub origin: String,
    /// Workload model.
    pub model: Model,
    /// Unmeasured time at the start of the plan.
    pub warmup: Duration,
    /// Total iteration cap.
    pub iterations: Option<u64>,
    /// Think time between iterations (min, max).
    pub think: (Duration, Duration),
    /// Session mode.
    pub session: SessionMode,
    /// Calls per iteration.
    pub calls_per_iteration: u32,
    /// Version asked for in initialize.
    pub protocol_version: ProtocolVersion,
    /// Longest wait for one call.
    pub timeout: Duration,
    /// Thresholds.
    pub thresholds: Vec<Threshold>,
    /// Authorization needs.
    pub auth: Option<AuthSpec>,
    /// The operation mix.
    pub operations: Vec<Operation>,
}

impl Profile {
    /// The whole run's length (warm-up included).
    pub fn run_length(&self) -> Duration {
        self.model.plan().duration()
    }
}

/// Command-line overrides of a profile's fields (each a string as typed).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--users`.
    pub users: Option<u32>,
    /// `--duration`.
    pub duration: Option<String>,
    /// `--warmup`.
    pub warmup: Option<String>,
    /// `--plan` (closed) or the rate plan (open, with `--rate-plan`).
    pub plan: Option<String>,
    /// `--rate`.
    pub rate: Option<f64>,
    /// `--rate-plan`.
    pub rate_plan: Option<String>,
    /// `--max-users`.
    pub max_users: Option<u32>,
    /// `--iterations`.
    pub iterations: Option<u64>,
    /// `--timeout`.
    pub timeout: Option<String>,
    /// Extra `--threshold` expressions.
    pub thresholds: Vec<String>,
}

/// Names of the built-in profiles.
pub fn builtin_names() -> Vec<String> {
    let mut names: Vec<String> = BUILTIN
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
        .filter_map(|f| {
            f.path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    names
}

/// Loads a built-in profile by name, or a profile file by path.
pub fn load(name_or_path: &str, overrides: &Overrides) -> Result<Profile, LoadError> {
    let builtin = BUILTIN
        .get_file(format!("{name_or_path}.toml"))
        .and_then(|f| f.contents_utf8());
    if let (Some(text), false) = (builtin, Path::new(name_or_path).exists()) {
        return parse(
            &format!("scenarios/load/{name_or_path}.toml"),
            text,
            overrides,
        );
    }
    let text = std::fs::read_to_string(name_or_path).map_err(|e| LoadError {
        file: name_or_path.to_string(),
        line: 0,
        column: 0,
        message: format!(
            "cannot read profile: {e} (built-in profiles: {})",
            builtin_names().join(", ")
        ),
        snippet: None,
    })?;
    parse(name_or_path, &text, overrides)
}

/// Parses and validates one profile's text, applying `overrides`.
pub fn parse(origin: &str, text: &str, overrides: &Overrides) -> Result<Profile, LoadError> {
    let file: ProfileFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        resolve::error_at(origin, text, offset, e.message().to_string())
    })?;
    resolve::Resolver { origin, text }.resolve(file, overrides)
}

#[cfg(test)]
mod tests;
