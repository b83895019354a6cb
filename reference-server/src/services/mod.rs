//! The demo tools: their definitions (`ToolSpec`), their results (`ToolOutput`), and the
//! catalog that lists them in a fixed order and routes a call by name to its service.

pub(crate) mod asking;
pub(crate) mod beta;
pub(crate) mod cache;
pub(crate) mod calculator;
pub(crate) mod data;
pub(crate) mod echo;
pub(crate) mod sampling_loop;
pub(crate) mod search;
pub(crate) mod slow;
pub(crate) mod weather;

use crate::context::{Failure, RequestCtx};
use crate::fault::Fault;
use crate::state::ServerState;
use crate::version::Version;
use serde_json::{json, Map, Value};

/// Arguments of a tool call.
pub(crate) type Args = Map<String, Value>;

/// Behaviour hints, set truthfully for each tool.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hints {
    /// Does not modify its environment.
    pub read_only: bool,
    /// May destroy or overwrite data (meaningful when not read-only).
    pub destructive: bool,
    /// Repeating a call has no further effect.
    pub idempotent: bool,
    /// Reaches outside a closed, built-in domain.
    pub open_world: bool,
}

impl Hints {
    /// A pure, read-only tool over built-in data.
    pub const READ_ONLY: Hints = Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: false,
    };
}

/// A tool definition.
#[derive(Clone, Debug)]
pub(crate) struct ToolSpec {
    /// Programmatic name.
    pub name: &'static str,
    /// Display name (2025-06-18+).
    pub title: &'static str,
    /// What the tool does.
    pub description: &'static str,
    /// JSON Schema of the arguments.
    pub input_schema: Value,
    /// JSON Schema of `structuredContent` (2025-06-18+), for tools that return it.
    pub output_schema: Option<Value>,
    /// Behaviour hints.
    pub hints: Hints,
}

impl ToolSpec {
    /// The `Tool` object as the session's revision has it.
    pub fn to_json(&self, version: Version, omit_input_schema: bool) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        if version.titles() {
            m.insert("title".into(), json!(self.title));
        }
        m.insert("description".into(), json!(self.description));
        if !omit_input_schema {
            m.insert("inputSchema".into(), self.input_schema.clone());
        }
        if let (true, Some(schema)) = (version.structured_output(), &self.output_schema) {
            m.insert("outputSchema".into(), schema.clone());
        }
        m.insert(
            "annotations".into(),
            json!({
                "title": self.title,
                "readOnlyHint": self.hints.read_only,
                "destructiveHint": self.hints.destructive,
                "idempotentHint": self.hints.idempotent,
                "openWorldHint": self.hints.open_world,
            }),
        );
        if let (true, Some(support)) = (
            crate::tasks::enabled(version),
            crate::tasks::task_support(self.name),
        ) {
            m.insert("execution".into(), json!({"taskSupport": support}));
        }
        Value::Object(m)
    }
}

/// An object schema with `properties` and `required`, closed to other properties.
pub(crate) fn object_schema(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

/// A tool's result before it is shaped for the session's revision.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ToolOutput {
    /// Content blocks.
    pub content: Vec<Value>,
    /// Structured result (sent only to 2025-06-18+ sessions; always also in a text block).
    pub structured: Option<Value>,
    /// Whether the call failed.
    pub is_error: bool,
}

impl ToolOutput {
    /// A single text block.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            content: vec![json!({"type": "text", "text": text.into()})],
            structured: None,
            is_error: false,
        }
    }

    /// A tool execution error with a message.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            is_error: true,
            ..Self::text(message)
        }
    }

    /// A structured result, also serialised as a text block.
    pub fn structured(value: Value) -> Self {
        Self {
            structured: Some(value.clone()),
            ..Self::text(value.to_string())
        }
    }

    /// The `CallToolResult` for the session's revision.
    pub fn to_json(&self, version: Version) -> Value {
        let mut m = Map::new();
        m.insert("content".into(), Value::Array(self.content.clone()));
        if let (true, Some(s)) = (version.structured_output(), &self.structured) {
            m.insert("structuredContent".into(), s.clone());
        }
        if self.is_error {
            m.insert("isError".into(), json!(true));
        }
        Value::Object(m)
    }
}

/// Why a tool produced no normal output.
#[derive(Debug)]
pub(crate) enum ToolError {
    /// A tool execution error: reported as an `isError` result.
    Execution(String),
    /// A protocol-level failure (JSON-RPC error, or cancelled).
    Protocol(Failure),
}

impl From<Failure> for ToolError {
    fn from(f: Failure) -> Self {
        ToolError::Protocol(f)
    }
}

/// What a tool returns.
pub(crate) type ToolResult = Result<ToolOutput, ToolError>;

/// A required string argument.
pub(crate) fn arg_str<'a>(args: &'a Args, key: &str) -> Result<&'a str, ToolError> {
    match args.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ToolError::Execution(format!(
            "argument `{key}` must be a string"
        ))),
        None => Err(ToolError::Execution(format!(
            "missing required argument `{key}`"
        ))),
    }
}

/// An optional string argument.
pub(crate) fn opt_str<'a>(args: &'a Args, key: &str) -> Result<Option<&'a str>, ToolError> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ToolError::Execution(format!(
            "argument `{key}` must be a string"
        ))),
    }
}

/// A required number argument.
pub(crate) fn arg_number(args: &Args, key: &str) -> Result<f64, ToolError> {
    match args.get(key) {
        Some(Value::Number(n)) => n
            .as_f64()
            .ok_or_else(|| ToolError::Execution(format!("`{key}` is out of range"))),
        Some(_) => Err(ToolError::Execution(format!(
            "argument `{key}` must be a number"
        ))),
        None => Err(ToolError::Execution(format!(
            "missing required argument `{key}`"
        ))),
    }
}

/// An optional integer argument within `min..=max`.
pub(crate) fn opt_int(
    args: &Args,
    key: &str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, ToolError> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ToolError::Execution(format!(
                "argument `{key}` must be an integer from {min} to {max}"
            ))),
        },
    }
}

/// The tools a session currently lists, in listing order (`beta` is per session); built once
/// per (revision, beta) and then served from `ServerState::tool_catalog`.
pub(crate) fn catalog<'a>(
    state: &'a ServerState,
    session: &crate::session::Session,
) -> std::borrow::Cow<'a, [ToolSpec]> {
    let (version, beta) = (session.version(), session.beta_enabled());
    match state
        .tool_catalog
        .specs(version, beta, || build_catalog(state, version, beta))
    {
        Some(tools) => std::borrow::Cow::Borrowed(tools),
        None => std::borrow::Cow::Owned(build_catalog(state, version, beta)),
    }
}

/// Builds the catalog. It may depend only on the configuration, `version` and `beta`: it is
/// cached under those (see `cache`).
pub(crate) fn build_catalog(state: &ServerState, version: Version, beta: bool) -> Vec<ToolSpec> {
    let mut tools = calculator::specs();
    tools.push(weather::spec());
    if state.has(Fault::SnapToolRenamed) {
        if let Some(w) = tools.last_mut() {
            w.name = weather::RENAMED;
        }
    }
    tools.push(search::spec());
    if state.has(Fault::SnapRequiredArgAdded) {
        if let Some(s) = tools.last_mut() {
            search::add_required_language(&mut s.input_schema);
        }
    }
    // Fault `tool-schema-invalid`: from 2025-11-25 (where tool schemas must be valid JSON
    // Schema, 2020-12 by default) one property of search's inputSchema has no valid type.
    if version >= Version::V2025_11_25 && state.has(Fault::ToolSchemaInvalid) {
        if let Some(s) = tools.last_mut() {
            search::break_query_type(&mut s.input_schema);
        }
    }
    tools.extend(data::specs());
    tools.extend(echo::specs());
    tools.push(slow::spec());
    tools.extend(asking::specs(version));
    tools.extend(sampling_loop::spec(version));
    tools.extend(crate::tasks::specs(version));
    tools.push(beta::toggle_spec());
    if beta {
        tools.push(beta::beta_spec());
    }
    if state.has(Fault::BadToolName) {
        tools.push(beta::bad_name_spec());
    }
    tools
}

/// Runs the named tool; `None` if no such tool is listed.
pub(crate) async fn call(ctx: &RequestCtx, name: &str, args: &Args) -> Option<ToolResult> {
    if !catalog(&ctx.state, &ctx.session)
        .iter()
        .any(|t| t.name == name)
    {
        return None;
    }
    Some(match name {
        "add" | "subtract" | "multiply" | "divide" => calculator::call(ctx, name, args),
        "weather" | weather::RENAMED => weather::call(ctx, args),
        "search" => search::call(args),
        "echo" | "echo_history" => echo::call(ctx, name, args),
        "slow" => slow::call(ctx, args).await,
        n if asking::NAMES.contains(&n) => asking::call(ctx, n, args).await,
        "batch_job" => crate::tasks::run_job(ctx, args).await,
        crate::tasks::input::TOOL => crate::tasks::input::run(ctx, args).await,
        sampling_loop::NAME => sampling_loop::call(ctx, args).await,
        "toggle_beta_tool" | "beta" | "bad tool!" => beta::call(ctx, name),
        _ => data::call(ctx, name, args)?,
    })
}
