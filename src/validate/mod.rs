//! Wire-schema validation: does a message the server sent have the shape its protocol version
//! defines?
//!
//! The shapes are the project's own JSON Schemas, written from the specification text: one
//! document per family of revisions (`schemas/stateful.json` for 2024-11-05 to 2025-11-25) in
//! the shape of the family's newest revision, and a table of what each revision added
//! (`revisions.rs`) from which the older shapes are derived; the stateless revision 2026-07-28
//! is `schemas/stateless.json`, the definitions it changed laid over the 2025-11-25 ones.
//! `methods.rs` maps each method to the definition its result or params must match (one table
//! set per era). The envelope (JSON-RPC 2.0) is checked by hand ([`validate_envelope`]). Every
//! violation names the JSON pointer of the offending field.
//!
//! Exact, not stricter than the specification: MCP objects are open (unknown properties pass),
//! `_meta` is allowed wherever the revision defines it, and `format` (`uri`, `byte`) is left to
//! dedicated checks. [`supports`] says which revisions have a schema (all known ones).

mod compiled;
mod envelope;
mod methods;
mod revisions;
mod tool_balance;
mod violation;

#[cfg(test)]
mod tests;

pub use envelope::validate_envelope;
pub use tool_balance::sampling_balance;
pub use violation::Violation;

use crate::protocol::ProtocolVersion;
use methods::Shape;
use serde_json::Value;

/// Whether messages of `version` can be validated (a schema family covers it). For other
/// versions every `validate_*` function except [`validate_envelope`] finds nothing: a caller
/// should report SKIP, not PASS.
pub fn supports(version: ProtocolVersion) -> bool {
    compiled::family(version).is_some()
}

/// Checks the result of a request the client sent with `method`, at `version`.
///
/// Covers `initialize`, `ping`, `tools/list`, `tools/call` (a `CallToolResult`, or at 2025-11-25
/// a `CreateTaskResult`), `resources/list`, `resources/templates/list`, `resources/read`,
/// `resources/subscribe`, `resources/unsubscribe`, `prompts/list`, `prompts/get`,
/// `completion/complete`, `logging/setLevel` and, at 2025-11-25, `tasks/*`. An unknown method
/// yields no violations. Pointers are relative to `result`.
pub fn validate_result(version: ProtocolVersion, method: &str, result: &Value) -> Vec<Violation> {
    match methods::find(methods::tables(version).0, method) {
        Some(shape) if shape.since <= version => against(version, shape.def, result),
        _ => Vec::new(),
    }
}

/// Checks a notification the server sent: `notifications/message`, `notifications/progress`,
/// `notifications/cancelled`, `notifications/resources/updated`, the `*/list_changed` ones and,
/// at 2025-11-25, `notifications/elicitation/complete` and `notifications/tasks/status`.
///
/// Pointers are relative to `params` (prefix them with `/params` for the message). A method
/// the version does not define yet is one violation at `""`; an unknown method yields none.
pub fn validate_server_notification(
    version: ProtocolVersion,
    method: &str,
    params: Option<&Value>,
) -> Vec<Violation> {
    params_violations(methods::tables(version).1, version, method, params)
}

/// Checks a request the server sent to the client: `sampling/createMessage`, `roots/list`,
/// `elicitation/create` (2025-06-18+), `ping` and, at 2025-11-25, `tasks/*`.
///
/// Pointers are relative to `params`, as for [`validate_server_notification`].
pub fn validate_server_request(
    version: ProtocolVersion,
    method: &str,
    params: Option<&Value>,
) -> Vec<Violation> {
    params_violations(methods::tables(version).2, version, method, params)
}

/// Checks a response to a request the client sent with `request_method`: the envelope, an id
/// (the request was readable, so the answer must echo its id), and, for a result, its shape
/// (pointers under `/result`).
pub fn validate_response_message(
    version: ProtocolVersion,
    request_method: &str,
    msg: &Value,
) -> Vec<Violation> {
    let mut out = validate_envelope(msg);
    let Some(obj) = msg.as_object() else {
        return out;
    };
    if obj.contains_key("method") {
        out.push(Violation::new(
            "",
            format!("expected a response to {request_method}, found a request or notification"),
        ));
        return out;
    }
    if obj.contains_key("error") && !obj.contains_key("result") {
        match obj.get("id") {
            None => out.push(Violation::new("", "missing required property id")),
            Some(Value::Null) => out.push(Violation::new("/id", "id must not be null")),
            Some(_) => {}
        }
    }
    if let (Some(result), None) = (obj.get("result"), obj.get("error")) {
        if result.is_object() {
            let found = validate_result(version, request_method, result);
            out.extend(found.into_iter().map(|v| v.prefixed("/result")));
        }
    }
    out
}

/// Checks any message the server sent: the envelope, then a notification's or request's params
/// (pointers under `/params`), or a response's result when `request_method` names the request
/// it answers. Elements of a batch are checked the same way, except that their results are not
/// attributed to a request.
pub fn validate_server_message(
    version: ProtocolVersion,
    msg: &Value,
    request_method: Option<&str>,
) -> Vec<Violation> {
    if let Value::Array(items) = msg {
        let mut out = validate_envelope(msg);
        for (i, item) in items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.is_object())
        {
            let inner = kind_violations(version, item, None);
            out.extend(inner.into_iter().map(|v| v.prefixed(&format!("/{i}"))));
        }
        return out;
    }
    if let (Some(method), false) = (request_method, msg.get("method").is_some()) {
        return validate_response_message(version, method, msg);
    }
    let mut out = validate_envelope(msg);
    out.extend(kind_violations(version, msg, request_method));
    out
}

/// The params (or result) violations of one message object, envelope aside.
fn kind_violations(
    version: ProtocolVersion,
    msg: &Value,
    request_method: Option<&str>,
) -> Vec<Violation> {
    let Some(method) = msg.get("method").and_then(Value::as_str) else {
        return match (request_method, msg.get("result")) {
            (Some(m), Some(result)) if result.is_object() => validate_result(version, m, result)
                .into_iter()
                .map(|v| v.prefixed("/result"))
                .collect(),
            _ => Vec::new(),
        };
    };
    let (_, notifications, requests) = methods::tables(version);
    let table = if msg.get("id").is_some() {
        requests
    } else {
        notifications
    };
    let params = msg.get("params");
    match check_method(table, version, method, params) {
        MethodCheck::Nothing => Vec::new(),
        MethodCheck::Problem(problem) => vec![problem.at_message()],
        MethodCheck::Params(def, value) => against(version, def, value)
            .into_iter()
            .map(|v| v.prefixed("/params"))
            .collect(),
    }
}

/// What looking a method up in a table found.
enum MethodCheck<'a> {
    /// Nothing to judge: an unknown method, an unsupported version, or optional params absent.
    Nothing,
    /// The method or its params are wrong as a whole.
    Problem(MethodProblem),
    /// Params to validate against a definition.
    Params(&'static str, &'a Value),
}

/// A problem with a method as a whole.
enum MethodProblem {
    /// The version does not define the method yet.
    TooNew {
        method: String,
        version: ProtocolVersion,
        since: ProtocolVersion,
    },
    /// Params are required but absent.
    MissingParams,
}

impl MethodProblem {
    fn message(&self) -> String {
        match self {
            Self::TooNew {
                method,
                version,
                since,
            } => {
                format!("{method} is not defined in protocol version {version} (added in {since})")
            }
            Self::MissingParams => "missing required property params".to_string(),
        }
    }

    /// As a violation of the params value itself.
    fn at_params(&self) -> Violation {
        Violation::new("", self.message())
    }

    /// As a violation of the whole message.
    fn at_message(&self) -> Violation {
        match self {
            Self::TooNew { .. } => Violation::new("/method", self.message()),
            Self::MissingParams => Violation::new("", self.message()),
        }
    }
}

fn check_method<'a>(
    table: &'static [Shape],
    version: ProtocolVersion,
    method: &str,
    params: Option<&'a Value>,
) -> MethodCheck<'a> {
    let Some(shape) = methods::find(table, method) else {
        return MethodCheck::Nothing;
    };
    if !supports(version) {
        return MethodCheck::Nothing;
    }
    if shape.since > version {
        let (method, since) = (method.to_string(), shape.since);
        return MethodCheck::Problem(MethodProblem::TooNew {
            method,
            version,
            since,
        });
    }
    match params {
        Some(value) => MethodCheck::Params(shape.def, value),
        None if shape.params_required => MethodCheck::Problem(MethodProblem::MissingParams),
        None => MethodCheck::Nothing,
    }
}

fn params_violations(
    table: &'static [Shape],
    version: ProtocolVersion,
    method: &str,
    params: Option<&Value>,
) -> Vec<Violation> {
    match check_method(table, version, method, params) {
        MethodCheck::Nothing => Vec::new(),
        MethodCheck::Problem(problem) => vec![problem.at_params()],
        MethodCheck::Params(def, value) => against(version, def, value),
    }
}

/// Validates `value` against definition `def` of `version`'s schema.
fn against(version: ProtocolVersion, def: &str, value: &Value) -> Vec<Violation> {
    match compiled::compiled(version) {
        None => Vec::new(),
        Some(Ok(schemas)) => schemas.validate(def, value),
        Some(Err(e)) => vec![Violation::new(
            "",
            format!("mcpcheck bug: wire schema of {version} does not compile: {e}"),
        )],
    }
}
