//! The tools of the modern era whose arguments travel in `Mcp-Param-*` headers too.
//!
//! `header_echo` annotates a string, an integer, a boolean and one nested string with
//! `x-mcp-header`, so an HTTP client mirrors them into `Mcp-Param-Region`, `-Priority`,
//! `-Dry-Run` and `-Zone` (`param_headers` checks them). `header_ratio` carries an annotation
//! the specification forbids (on a `number`): an HTTP client must drop the tool from its list
//! and never call it, so the server counts the calls it gets over HTTP. Both are listed only to
//! modern requests (on both transports), after the other tools; legacy sessions never see them.

use crate::jsonrpc::{error_response, response, RpcError};
use crate::services::{object_schema, Hints, ToolOutput, ToolSpec};
use crate::version::Version;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};

/// The tool whose annotated arguments are mirrored into headers.
pub(crate) const ECHO_TOOL: &str = "header_echo";
/// The tool with an invalid annotation that a conforming HTTP client never calls.
pub(crate) const BAD_TOOL: &str = "header_ratio";

/// The largest integer JavaScript represents exactly (the range annotated integers must keep).
const SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// What the server saw of the tools over HTTP (read by tests through `RunningServer`).
#[derive(Default)]
pub(crate) struct ParamToolCounters {
    accepted: AtomicU64,
    rejected: AtomicU64,
    bad_tool_calls: AtomicU64,
}

/// A snapshot of the `Mcp-Param-*` counters of one server instance (HTTP requests only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParamHeaderStats {
    /// `tools/call` requests of `header_echo` whose `Mcp-Param-*` headers matched the body.
    pub accepted: u64,
    /// `tools/call` requests of `header_echo` refused with 400/-32020 for their param headers.
    pub rejected: u64,
    /// `tools/call` requests of `header_ratio`, which a conforming client never sends.
    pub bad_tool_calls: u64,
}

impl ParamToolCounters {
    /// Counts a `header_echo` call whose headers passed (`true`) or were refused.
    pub fn judged(&self, ok: bool) {
        let c = if ok { &self.accepted } else { &self.rejected };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a call of the invalid tool.
    pub fn bad_tool_called(&self) {
        self.bad_tool_calls.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn snapshot(&self) -> ParamHeaderStats {
        ParamHeaderStats {
            accepted: self.accepted.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            bad_tool_calls: self.bad_tool_calls.load(Ordering::Relaxed),
        }
    }
}

/// The `header_echo` definition.
fn echo_spec() -> ToolSpec {
    let zone = json!({"type": "object", "description": "Where inside the region",
        "properties": {"zone": {"type": "string", "description": "Zone name", "x-mcp-header": "Zone"}},
        "additionalProperties": false});
    ToolSpec {
        name: ECHO_TOOL,
        title: "Header echo",
        description: "Echoes its arguments; region, priority, dry_run and target.zone are also \
                      sent as Mcp-Param-* headers over HTTP, and checked against the body.",
        input_schema: object_schema(
            json!({
                "region": {"type": "string", "description": "Region name", "x-mcp-header": "Region"},
                "priority": {"type": "integer", "minimum": -SAFE_INTEGER, "maximum": SAFE_INTEGER,
                             "description": "Priority", "x-mcp-header": "Priority"},
                "dry_run": {"type": "boolean", "description": "Only pretend", "x-mcp-header": "Dry-Run"},
                "target": zone,
                "note": {"type": "string", "description": "Free text, not mirrored"},
            }),
            &["region", "priority", "dry_run"],
        ),
        output_schema: Some(json!({"type": "object", "properties": {
            "region": {"type": "string"},
            "priority": {"type": "integer"},
            "dry_run": {"type": "boolean"},
            "zone": {"type": ["string", "null"]},
        }, "required": ["region", "priority", "dry_run", "zone"]})),
        hints: Hints::READ_ONLY,
    }
}

/// The `header_ratio` definition: `x-mcp-header` on a `number` makes it invalid.
fn bad_spec() -> ToolSpec {
    ToolSpec {
        name: BAD_TOOL,
        title: "Header ratio (invalid)",
        description: "Its ratio argument is annotated with x-mcp-header although it is a number, \
                      which the specification forbids: HTTP clients must not list or call it.",
        input_schema: object_schema(
            json!({"ratio": {"type": "number", "description": "A ratio", "x-mcp-header": "Ratio"}}),
            &["ratio"],
        ),
        output_schema: None,
        hints: Hints::READ_ONLY,
    }
}

/// The annotated input schema of tool `name`, if it is one of these tools.
pub(crate) fn input_schema(name: &str) -> Option<Value> {
    match name {
        ECHO_TOOL => Some(echo_spec().input_schema),
        BAD_TOOL => Some(bad_spec().input_schema),
        _ => None,
    }
}

/// The tool `params` names, if `method` calls one of these tools.
pub(crate) fn called(method: &str, params: Option<&Value>) -> Option<&'static str> {
    let name = params?.get("name")?.as_str()?;
    (method == "tools/call")
        .then_some([ECHO_TOOL, BAD_TOOL].into_iter().find(|t| *t == name))
        .flatten()
}

/// Appends the tools to a `tools/list` response of the modern era when it is the last page.
pub(crate) fn extend_list(msg: &mut Value) {
    let Some(result) = msg.get_mut("result").and_then(Value::as_object_mut) else {
        return;
    };
    if result.get("nextCursor").is_some_and(|c| !c.is_null()) {
        return;
    }
    if let Some(Value::Array(tools)) = result.get_mut("tools") {
        tools.extend(
            [echo_spec(), bad_spec()]
                .iter()
                .map(|t| t.to_json(Version::NEWEST, false)),
        );
    }
}

/// The response to a `tools/call` of one of these tools (headers already checked on HTTP).
pub(crate) fn call(id: Value, params: Option<&Value>) -> Value {
    let name = params
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let args = match params.and_then(|p| p.get("arguments")) {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return error_response(
                id,
                &RpcError::invalid_params("`arguments` must be an object"),
            )
        }
    };
    let out = if name == BAD_TOOL {
        ToolOutput::text("header_ratio was called")
    } else {
        echo(&args).unwrap_or_else(ToolOutput::error)
    };
    response(id, out.to_json(Version::NEWEST))
}

/// `header_echo`: the arguments back as structured content, or why they are wrong.
fn echo(args: &Map<String, Value>) -> Result<ToolOutput, String> {
    let region = args
        .get("region")
        .and_then(Value::as_str)
        .ok_or("`region` must be a string")?;
    let priority = args
        .get("priority")
        .and_then(Value::as_i64)
        .filter(|p| p.abs() <= SAFE_INTEGER)
        .ok_or("`priority` must be an integer within ±(2^53 - 1)")?;
    let dry_run = args
        .get("dry_run")
        .and_then(Value::as_bool)
        .ok_or("`dry_run` must be a boolean")?;
    let zone = match args.get("target") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Object(t)) => match t.get("zone") {
            None | Some(Value::Null) => Value::Null,
            Some(Value::String(z)) => json!(z),
            Some(_) => return Err("`target.zone` must be a string".into()),
        },
        Some(_) => return Err("`target` must be an object".into()),
    };
    Ok(ToolOutput::structured(
        json!({"region": region, "priority": priority, "dry_run": dry_run, "zone": zone}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_page_lists_both_tools_and_others_none() {
        let mut last = json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": [{"name": "echo"}]}});
        extend_list(&mut last);
        let names: Vec<_> = last["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["echo", ECHO_TOOL, BAD_TOOL]);
        let tools = last["result"]["tools"].as_array().unwrap();
        assert_eq!(
            tools[1]["inputSchema"]["properties"]["target"]["properties"]["zone"]["x-mcp-header"],
            "Zone"
        );
        let mut first =
            json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": [], "nextCursor": "c"}});
        extend_list(&mut first);
        assert_eq!(first["result"]["tools"], json!([]));
    }

    #[test]
    fn echo_checks_and_returns_its_arguments() {
        let ok = call(
            json!(1),
            Some(
                &json!({"name": ECHO_TOOL, "arguments": {"region": "eu", "priority": -7,
                "dry_run": true, "target": {"zone": "b"}}}),
            ),
        );
        assert_eq!(
            ok["result"]["structuredContent"],
            json!({"region": "eu", "priority": -7, "dry_run": true, "zone": "b"})
        );
        let bad = call(
            json!(2),
            Some(
                &json!({"name": ECHO_TOOL, "arguments": {"region": "eu", "priority": 1.5, "dry_run": true}}),
            ),
        );
        assert_eq!(bad["result"]["isError"], true);
        let ratio = call(
            json!(3),
            Some(&json!({"name": BAD_TOOL, "arguments": {"ratio": 0.5}})),
        );
        assert!(ratio["result"]["content"][0]["text"].is_string());
        assert_eq!(
            called("tools/call", Some(&json!({"name": BAD_TOOL}))),
            Some(BAD_TOOL)
        );
        assert_eq!(called("tools/call", Some(&json!({"name": "echo"}))), None);
        assert_eq!(
            called("prompts/get", Some(&json!({"name": ECHO_TOOL}))),
            None
        );
    }
}
