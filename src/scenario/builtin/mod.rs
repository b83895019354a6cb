//! Checks that cannot be said as data (loops over what the server lists), registered by name.
//!
//! A scenario file names one with `builtin = "…"` and keeps its metadata (id, spec, level,
//! detects) in the file like any other scenario; `args` pass parameters.

mod argsgen;
mod batch;
mod broadcast;
mod client;
mod completion;
mod get_watch;
mod legacy;
mod lifecycle;
mod listen;
mod listing;
mod modern;
mod modern_era;
mod mrtr;
mod mrtr_checks;
mod progress;
mod prompts;
mod resources;
mod schema_dialect;
mod sse;
mod sub_close;
mod tasks;
mod tasks_ext;
mod tasks_ext_checks;
mod tasks_input;
mod tasks_notify;
mod tools;

pub use listing::walk_list;

use super::context::RunContext;
use super::template::Vars;
use crate::check::{Finding, Level, Verdict};
use crate::session::Session;
use serde_json::Value;
use std::collections::BTreeMap;

/// What a builtin may use.
pub struct BuiltinCtx<'a> {
    /// A session set up as the scenario's `setup` says.
    pub session: &'a mut Session,
    /// Run-wide facts.
    pub run: &'a RunContext,
    /// The scenario's `args`.
    pub args: &'a BTreeMap<String, Value>,
    /// Variables and captures.
    pub vars: &'a Vars,
    /// The scenario's level.
    pub level: Level,
}

impl BuiltinCtx<'_> {
    /// A finding at the scenario's level.
    pub fn finding(
        &self,
        message: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Finding {
        self.finding_at(self.level, message, expected, actual)
    }

    /// A finding at an explicit level.
    pub fn finding_at(
        &self,
        level: Level,
        message: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Finding {
        Finding {
            verdict: level.failure_verdict(),
            message: message.into(),
            expected: Some(expected.into()),
            actual: Some(actual.into()),
            location: None,
        }
    }

    /// Sends `method` and returns its response, validated against the negotiated version's wire
    /// schema. A transport failure, a missing response and every schema violation become
    /// findings (labelled `label`); `None` when there is no response to look at.
    pub async fn call(
        &mut self,
        method: &str,
        params: Value,
        label: &str,
        findings: &mut Vec<Finding>,
    ) -> Option<Value> {
        let id = Value::from(self.session.fresh_id());
        match self
            .send_validated(id, method, params, label, findings)
            .await
        {
            Ok(Some(resp)) => Some(resp),
            Ok(None) => {
                findings.push(self.finding(format!("{label}: no response"), "a response", "none"));
                None
            }
            Err(e) => {
                findings.push(self.finding(format!("{label}: {e}"), "a response", e.to_string()));
                None
            }
        }
    }

    /// Like [`call`](Self::call) with an explicit request id, but a transport failure (e.g. a
    /// timeout) or a missing response (`Ok(None)`) is left for the caller to judge; schema
    /// violations of a response still become findings.
    pub async fn send_validated(
        &mut self,
        id: Value,
        method: &str,
        params: Value,
        label: &str,
        findings: &mut Vec<Finding>,
    ) -> Result<Option<Value>, crate::transport::TransportError> {
        let version = self.session.protocol_version().unwrap_or(self.run.version);
        let message = crate::protocol::jsonrpc::request(id, method, Some(params));
        let ex = self.session.send(message).await?;
        let Some(resp) = ex.response else {
            return Ok(None);
        };
        for v in crate::validate::validate_response_message(version, method, &resp) {
            findings.push(self.finding_at(
                Level::Must,
                format!(
                    "{label}: the response violates the schema at {}: {}",
                    v.pointer, v.message
                ),
                format!("a valid {method} response"),
                super::expect::compact(&resp),
            ));
        }
        Ok(Some(resp))
    }

    /// A string arg, or its default.
    pub fn arg_str<'b>(&'b self, name: &str, default: &'b str) -> &'b str {
        self.args
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or(default)
    }
}

/// The check could not apply (with the reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip(pub String);

/// A builtin's outcome: findings (none = PASS), or SKIP.
pub type BuiltinResult = Result<Vec<Finding>, Skip>;

const NAMES: [&str; 51] = [
    "base.batch",
    "base.batch-removed",
    "tools.schema-dialect",
    "pagination.walk",
    "legacy.endpoint-event",
    "tools.call-each",
    "tools.output-schema",
    "tools.name-format",
    "resources.read-each",
    "prompts.get-each",
    "lifecycle.version-echo",
    "lifecycle.capabilities-honoured",
    "progress.notifications",
    "prompts.missing-argument",
    "completion.shape",
    "client.reply-variants",
    "tasks.lifecycle",
    "tasks.cancel",
    "tools.task-required",
    "tasks.input",
    "tasks.status-notice",
    "v26.result-type",
    "v26.cache-fields",
    "v26.err-codes",
    "v26.legacy-traffic",
    "v26.dual-era",
    "v26.mrtr-methods",
    "v26.mrtr-shape",
    "v26.mrtr-retry",
    "v26.mrtr-missing-input",
    "v26.mrtr-state-integrity",
    "v26.mrtr-capability",
    "v26.sub-ack-first",
    "v26.sub-id",
    "v26.sub-filter",
    "sse.polling",
    "sse.disconnect-not-cancel",
    "sse.resume-own-stream",
    "sse.event-ids-unique",
    "http.no-broadcast",
    "v26.sub-close",
    "v26.tasks-create",
    "v26.tasks-poll",
    "v26.tasks-iserror",
    "v26.tasks-input",
    "v26.tasks-failed",
    "v26.tasks-undeclared",
    "v26.tasks-unknown-id",
    "v26.tasks-cancel",
    "v26.tasks-notify",
    "v26.tasks-notify-undeclared",
];

/// Whether a builtin of this name exists.
pub fn exists(name: &str) -> bool {
    NAMES.contains(&name)
}

/// Every builtin name.
pub fn names() -> Vec<&'static str> {
    NAMES.to_vec()
}

/// Runs the named builtin.
pub async fn run(name: &str, ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    match name {
        "pagination.walk" => listing::pagination(ctx).await,
        "base.batch" => batch::batch(ctx).await,
        "base.batch-removed" => batch::batch_removed(ctx).await,
        "tools.schema-dialect" => schema_dialect::schema_dialect(ctx).await,
        "legacy.endpoint-event" => legacy::endpoint_event(ctx).await,
        "tools.call-each" => tools::call_each(ctx).await,
        "tools.output-schema" => tools::output_schema(ctx).await,
        "tools.name-format" => tools::name_format(ctx).await,
        "resources.read-each" => resources::read_each(ctx).await,
        "prompts.get-each" => prompts::get_each(ctx).await,
        "lifecycle.version-echo" => lifecycle::version_echo(ctx).await,
        "lifecycle.capabilities-honoured" => lifecycle::capabilities_honoured(ctx).await,
        "progress.notifications" => progress::notifications(ctx).await,
        "prompts.missing-argument" => prompts::missing_argument(ctx).await,
        "completion.shape" => completion::shape(ctx).await,
        "client.reply-variants" => client::reply_variants(ctx).await,
        "tasks.lifecycle" => tasks::lifecycle(ctx).await,
        "tasks.cancel" => tasks::cancel(ctx).await,
        "tools.task-required" => tasks::task_required(ctx).await,
        "tasks.input" => tasks_input::input(ctx).await,
        "tasks.status-notice" => tasks_input::status_notice(ctx).await,
        "v26.result-type" => modern::result_type(ctx).await,
        "v26.cache-fields" => modern::cache_fields(ctx).await,
        "v26.err-codes" => modern::err_codes(ctx).await,
        "v26.legacy-traffic" => modern_era::legacy_traffic(ctx).await,
        "v26.dual-era" => modern_era::dual_era(ctx).await,
        "v26.mrtr-methods" => mrtr_checks::methods(ctx).await,
        "v26.mrtr-shape" => mrtr_checks::shape(ctx).await,
        "v26.mrtr-retry" => mrtr_checks::retry(ctx).await,
        "v26.mrtr-missing-input" => mrtr_checks::missing_input(ctx).await,
        "v26.mrtr-state-integrity" => mrtr_checks::state_integrity(ctx).await,
        "v26.mrtr-capability" => mrtr_checks::capability(ctx).await,
        "v26.sub-ack-first" => listen::ack_first(ctx).await,
        "v26.sub-id" => listen::ids(ctx).await,
        "v26.sub-filter" => listen::filter(ctx).await,
        "sse.polling" => sse::polling(ctx).await,
        "sse.disconnect-not-cancel" => sse::disconnect_not_cancel(ctx).await,
        "sse.resume-own-stream" => sse::resume_own_stream(ctx).await,
        "sse.event-ids-unique" => sse::event_ids_unique(ctx).await,
        "http.no-broadcast" => broadcast::no_broadcast(ctx).await,
        "v26.sub-close" => sub_close::sub_close(ctx).await,
        "v26.tasks-create" => tasks_ext_checks::create_shape(ctx).await,
        "v26.tasks-poll" => tasks_ext_checks::poll_to_end(ctx).await,
        "v26.tasks-iserror" => tasks_ext_checks::is_error(ctx).await,
        "v26.tasks-input" => tasks_ext_checks::input(ctx).await,
        "v26.tasks-failed" => tasks_ext_checks::failed(ctx).await,
        "v26.tasks-undeclared" => tasks_ext_checks::undeclared(ctx).await,
        "v26.tasks-unknown-id" => tasks_ext_checks::unknown_id(ctx).await,
        "v26.tasks-cancel" => tasks_ext_checks::cancel(ctx).await,
        "v26.tasks-notify" => tasks_notify::follow_task(ctx).await,
        "v26.tasks-notify-undeclared" => tasks_notify::undeclared(ctx).await,
        other => Ok(vec![Finding {
            verdict: Verdict::Fail,
            message: format!("scenario error: unknown builtin `{other}`"),
            expected: None,
            actual: None,
            location: None,
        }]),
    }
}

/// The result object of a response, or a description of why there is none.
pub(crate) fn result_of(resp: Option<&Value>) -> Result<&Value, String> {
    match resp {
        None => Err("no response".into()),
        Some(r) => match (r.get("result"), r.get("error")) {
            (Some(res), None) => Ok(res),
            (_, Some(err)) => Err(format!("error response {}", super::expect::compact(err))),
            _ => Err(format!("malformed response {}", super::expect::compact(r))),
        },
    }
}
