//! The scenario file format (TOML), as data types.
//!
//! A scenario is one check: metadata (id, spec reference, level, versions, what it detects) and
//! steps. Each step does one thing on the wire and states expectations about what came back.
//! `Spanned` fields keep their byte range in the file so failures can point at `file:line`.

use crate::check::Level;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use toml::Spanned;

/// One scenario file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Stable id, `area.rule` (e.g. `lifecycle.ping`).
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Spec references: `<version>/<page>#<anchor>` or an RFC section.
    pub spec: Vec<String>,
    /// MUST / SHOULD / MAY: the verdict a failed expectation yields unless it says otherwise.
    pub level: LevelName,
    /// Protocol versions the rule applies to; default: every version with the `initialize`
    /// handshake (2024-11-05 to 2025-11-25).
    #[serde(default)]
    pub versions: Vec<String>,
    /// Transports the rule applies to (`http`, `stdio`, `sse` for legacy HTTP+SSE); default: all.
    #[serde(default)]
    pub transports: Vec<TransportName>,
    /// Server capabilities that must be advertised (e.g. `tools`, `resources.subscribe`), else SKIP.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Tools (names, templated) the server must list, else SKIP.
    #[serde(default)]
    pub requires_tools: Vec<String>,
    /// Variables (e.g. credentials: `username`, `password`, `client_id`) that must be set to a
    /// non-empty value, else SKIP with "set --var NAME".
    #[serde(default)]
    pub requires_vars: Vec<String>,
    /// Only meaningful against a server on a loopback address (e.g. DNS-rebinding rules).
    #[serde(default)]
    pub loopback_only: bool,
    /// Runs only when `--only` names it (by id or tag): checks of good practice beyond the
    /// letter of the spec, which must not fail a default run.
    #[serde(default)]
    pub opt_in: bool,
    /// Area tags; the first is the report area.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Reference-server fault switches this scenario must catch.
    #[serde(default)]
    pub detects: Vec<String>,
    /// How the session is prepared before the steps run.
    #[serde(default)]
    pub setup: Setup,
    /// The client side: capabilities declared in `initialize`, replies to server requests.
    #[serde(default)]
    pub client: Option<super::client_side::ClientSpec>,
    /// Variables with defaults, overridable with `--var name=value`.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// What the check does.
    #[serde(default, rename = "step")]
    pub steps: Vec<Spanned<Step>>,
    /// A check written in Rust, registered by name (see `scenario::builtin`), run after the steps.
    #[serde(default)]
    pub builtin: Option<Spanned<String>>,
    /// Arguments for the builtin.
    #[serde(default)]
    pub args: BTreeMap<String, Value>,
}

/// A requirement level as written in a file.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum LevelName {
    /// MUST / MUST NOT.
    #[serde(alias = "MUST NOT")]
    MUST,
    /// SHOULD / SHOULD NOT.
    #[serde(alias = "SHOULD NOT")]
    SHOULD,
    /// MAY.
    MAY,
}

impl From<LevelName> for Level {
    fn from(l: LevelName) -> Level {
        match l {
            LevelName::MUST => Level::Must,
            LevelName::SHOULD => Level::Should,
            LevelName::MAY => Level::May,
        }
    }
}

/// A transport a scenario applies to.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TransportName {
    /// Streamable HTTP.
    Http,
    /// stdio.
    Stdio,
    /// The legacy HTTP+SSE transport of 2024-11-05.
    Sse,
}

/// Session preparation before the steps.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Setup {
    /// `initialize` + `notifications/initialized` at the run's version.
    #[default]
    Initialized,
    /// Connected, nothing sent: the steps do the lifecycle themselves.
    None,
}

/// One step: exactly one action, then captures and expectations.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Label shown in findings.
    #[serde(default)]
    pub name: Option<String>,
    /// Send a JSON-RPC request and wait for its response.
    #[serde(default)]
    pub request: Option<RequestSpec>,
    /// Send a JSON-RPC notification.
    #[serde(default)]
    pub notify: Option<NotifySpec>,
    /// Send `initialize` with these params merged over the defaults (and a `version` shortcut).
    #[serde(default)]
    pub initialize: Option<InitializeSpec>,
    /// Send text as-is (a stdio line or an HTTP POST body), e.g. malformed JSON.
    #[serde(default)]
    pub raw: Option<String>,
    /// A raw HTTP exchange (HTTP targets only).
    #[serde(default)]
    pub http: Option<HttpSpec>,
    /// Send a request without waiting; `wait_response` collects it later.
    #[serde(default)]
    pub start: Option<RequestSpec>,
    /// Wait for the response to a request sent earlier with `start`.
    #[serde(default)]
    pub wait_response: Option<WaitResponseSpec>,
    /// Wait for a server notification (or request) by method.
    #[serde(default)]
    pub wait_notification: Option<WaitNotificationSpec>,
    /// Pause.
    #[serde(default)]
    pub sleep_ms: Option<u64>,
    /// An OAuth action (discover, register, authorize, token, …; see `auth::action`).
    #[serde(default)]
    pub auth: Option<crate::auth::action::AuthStep>,
    /// Collect what arrives within this window after the action (notifications, stray replies).
    #[serde(default)]
    pub quiet_ms: Option<u64>,
    /// Overrides the run's timeout for this step's wait.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Values to keep for later steps: name → JSON pointer into the step document.
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    /// Preconditions: if any fails, the whole check is SKIP with `skip_reason`.
    #[serde(default)]
    pub require: Vec<Spanned<Expect>>,
    /// Why the check is skipped when a `require` fails.
    #[serde(default)]
    pub skip_reason: Option<String>,
    /// Expectations about this step's document.
    #[serde(default)]
    pub expect: Vec<Spanned<Expect>>,
    /// Level for this step's expectations (default: the scenario's).
    #[serde(default)]
    pub level: Option<LevelName>,
}

/// A JSON-RPC request to send.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// Method name.
    pub method: String,
    /// Params (templated).
    #[serde(default)]
    pub params: Option<Value>,
    /// Explicit id (default: a fresh integer).
    #[serde(default)]
    pub id: Option<Value>,
}

/// A JSON-RPC notification to send.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySpec {
    /// Method name.
    pub method: String,
    /// Params (templated).
    #[serde(default)]
    pub params: Option<Value>,
}

/// An explicit `initialize`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitializeSpec {
    /// `protocolVersion` to request (default: the run's version).
    #[serde(default)]
    pub version: Option<String>,
    /// Params merged over the defaults (top-level keys replace).
    #[serde(default)]
    pub params: Option<Value>,
    /// Also send `notifications/initialized` after a successful result.
    #[serde(default)]
    pub then_initialized: bool,
}

/// A raw HTTP exchange.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSpec {
    /// GET, POST, DELETE, …
    pub method: String,
    /// Absolute URL (templated); default: the session's endpoint (on the legacy transport, the
    /// POST URI its `endpoint` event named).
    #[serde(default)]
    pub url: Option<String>,
    /// Headers (templated); an empty value removes a default header.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body (templated).
    #[serde(default)]
    pub json: Option<Value>,
    /// A text body sent as-is.
    #[serde(default)]
    pub body: Option<String>,
    /// Send the session's `Mcp-Session-Id` and `MCP-Protocol-Version` (default true).
    #[serde(default = "yes")]
    pub session: bool,
    /// Add `Content-Type: application/json` and the standard `Accept` (default true).
    #[serde(default = "yes")]
    pub default_headers: bool,
    /// For an SSE response: read for at most this long (default 500 ms).
    #[serde(default)]
    pub sse_window_ms: Option<u64>,
    /// Forget the session afterwards (e.g. after a DELETE), so closing does not DELETE again.
    #[serde(default)]
    pub ends_session: bool,
}

fn yes() -> bool {
    true
}

/// Wait for a `start`ed request's response.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitResponseSpec {
    /// The request id (templated).
    pub id: Value,
}

/// Wait for a message from the server by method.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitNotificationSpec {
    /// Method to wait for.
    pub method: String,
}

/// One expectation on a step document: `path` (a JSON pointer) plus predicates, or `any_of`.
///
/// Predicates present all must hold. With no `path`, predicates apply to the whole document.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// JSON pointer into the step document (`/response/result/tools`, `/http/status`, …).
    #[serde(default)]
    pub path: Option<String>,
    /// Shortcut for `path = "/http/status"` + `equals`.
    #[serde(default)]
    pub status: Option<u16>,
    /// Shortcut for `path = "/http/status"` + `one_of`.
    #[serde(default)]
    pub status_in: Option<Vec<u16>>,
    /// Shortcut for `path = "/http/headers/<name>"` (lower-cased).
    #[serde(default)]
    pub header: Option<String>,
    /// The value exists and is not null (true), or is absent or null (false).
    #[serde(default)]
    pub exists: Option<bool>,
    /// Equals this JSON value (numbers by value and type: 1 ≠ "1").
    #[serde(default)]
    pub equals: Option<Value>,
    /// Does not equal this value (absent counts as not equal).
    #[serde(default)]
    pub not_equals: Option<Value>,
    /// Equals one of these.
    #[serde(default)]
    pub one_of: Option<Vec<Value>>,
    /// Is a number within [min, max].
    #[serde(default)]
    pub between: Option<(f64, f64)>,
    /// JSON type: null, boolean, integer, number, string, array, object.
    #[serde(rename = "type", default)]
    pub type_: Option<String>,
    /// A string matching this regex.
    #[serde(default)]
    pub matches: Option<String>,
    /// A string containing this text (case-insensitive), or an array containing this value.
    #[serde(default)]
    pub contains: Option<Value>,
    /// An empty string, array or object (or absent) when true; non-empty when false.
    #[serde(default)]
    pub empty: Option<bool>,
    /// Array length at least.
    #[serde(default)]
    pub min_len: Option<usize>,
    /// An object whose keys are all among these (e.g. `["_meta"]` for an empty result).
    #[serde(default)]
    pub only_keys: Option<Vec<String>>,
    /// Every element of the array (or value of the object) satisfies all of these.
    #[serde(default)]
    pub each: Option<Vec<Expect>>,
    /// At least one alternative (a list of expectations that all hold) holds.
    #[serde(default)]
    pub any_of: Option<Vec<Vec<Expect>>>,
    /// Level of this expectation (default: the step's or the scenario's).
    #[serde(default)]
    pub level: Option<LevelName>,
    /// Sentence to report when it fails (default: generated).
    #[serde(default)]
    pub message: Option<String>,
}
