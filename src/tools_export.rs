//! A server's tools in the function-calling format of an LLM provider: the adapter a user
//! needs to hand MCP tools to a model (`mcpcheck tools <target> --format …`).
//!
//! - `openai`: Chat Completions tools, `{"type": "function", "function": {"name",
//!   "description", "parameters"}}`.
//! - `anthropic`: Messages API tools, `{"name", "description", "input_schema"}`.
//! - `mcp`: the tools as the server listed them, `{"tools": […]}`.
//!
//! Both providers require names of 1–64 characters from `[A-Za-z0-9_-]` and an object schema
//! for the parameters; MCP allows longer names with `.` and `/`, and a tool may lack a schema.
//! Such names are rewritten (other characters become `_`, cut to 64, made unique) and every
//! rewrite is reported as a [`Note`], so the caller can map a model's call back to the tool.

use serde_json::{json, Map, Value};
use std::fmt;
use std::str::FromStr;

/// Longest function name both providers accept.
pub const MAX_NAME: usize = 64;

/// A function-calling format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// OpenAI Chat Completions.
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
    /// MCP itself (no conversion).
    Mcp,
}

impl FromStr for Provider {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "openai" => Ok(Provider::OpenAi),
            "anthropic" => Ok(Provider::Anthropic),
            "mcp" => Ok(Provider::Mcp),
            other => Err(format!(
                "--format {other:?}: expected openai, anthropic or mcp"
            )),
        }
    }
}

/// Something the conversion changed or could not keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The tool's MCP name.
    pub tool: String,
    /// What happened.
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tool {:?}: {}", self.tool, self.message)
    }
}

/// The tools in `provider`'s format, and what the conversion had to change.
pub fn convert(tools: &[Value], provider: Provider) -> (Value, Vec<Note>) {
    if provider == Provider::Mcp {
        return (json!({ "tools": tools }), Vec::new());
    }
    let mut notes = Vec::new();
    let mut used: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for t in tools {
        let mcp_name = t.get("name").and_then(Value::as_str).unwrap_or_default();
        if mcp_name.is_empty() {
            notes.push(Note {
                tool: String::new(),
                message: "has no name; left out".into(),
            });
            continue;
        }
        let name = unique(function_name(mcp_name), &used);
        if name != mcp_name {
            notes.push(Note {
                tool: mcp_name.to_string(),
                message: format!("renamed to {name:?} (names must be 1-64 of A-Z a-z 0-9 _ -)"),
            });
        }
        used.push(name.clone());
        let description = t
            .get("description")
            .or_else(|| t.get("title"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let schema = parameters(t.get("inputSchema"), mcp_name, &mut notes);
        out.push(match provider {
            Provider::OpenAi => json!({
                "type": "function",
                "function": {"name": name, "description": description, "parameters": schema},
            }),
            Provider::Anthropic | Provider::Mcp => json!({
                "name": name, "description": description, "input_schema": schema,
            }),
        });
    }
    (Value::Array(out), notes)
}

/// `name` with characters outside `[A-Za-z0-9_-]` replaced by `_`, cut to [`MAX_NAME`].
pub fn function_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_NAME)
        .collect()
}

/// `name`, or `name` with a numeric suffix (still within [`MAX_NAME`]) when already used.
fn unique(name: String, used: &[String]) -> String {
    if !used.contains(&name) {
        return name;
    }
    (2..)
        .map(|n| {
            let suffix = format!("_{n}");
            let keep: String = name.chars().take(MAX_NAME - suffix.len()).collect();
            format!("{keep}{suffix}")
        })
        .find(|c| !used.contains(c))
        .unwrap_or(name)
}

/// The tool's input schema as an object schema with `properties` (what both APIs require).
fn parameters(schema: Option<&Value>, tool: &str, notes: &mut Vec<Note>) -> Value {
    let Some(Value::Object(s)) = schema else {
        notes.push(Note {
            tool: tool.to_string(),
            message: "has no inputSchema object; given an empty object schema".into(),
        });
        return json!({"type": "object", "properties": {}});
    };
    let mut s: Map<String, Value> = s.clone();
    if s.get("type").and_then(Value::as_str) != Some("object") {
        notes.push(Note {
            tool: tool.to_string(),
            message: "inputSchema is not of type object; set to object".into(),
        });
        s.insert("type".into(), json!("object"));
    }
    s.entry("properties").or_insert_with(|| json!({}));
    Value::Object(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tools() -> Vec<Value> {
        vec![
            json!({"name": "weather", "title": "Weather", "description": "Current weather",
                   "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}),
            json!({"name": "files/read.v2", "title": "Read"}),
            json!({"name": "files_read_v2", "description": "clash",
                   "inputSchema": {"type": "object"}}),
        ]
    }

    #[test]
    fn openai_functions() {
        let (v, notes) = convert(&tools(), Provider::OpenAi);
        assert_eq!(v[0]["type"], "function");
        assert_eq!(v[0]["function"]["name"], "weather");
        assert_eq!(v[0]["function"]["parameters"]["required"], json!(["city"]));
        assert_eq!(v[1]["function"]["name"], "files_read_v2");
        assert_eq!(v[1]["function"]["description"], "Read");
        assert_eq!(
            v[1]["function"]["parameters"],
            json!({"type": "object", "properties": {}})
        );
        assert_eq!(v[2]["function"]["name"], "files_read_v2_2");
        assert_eq!(v[2]["function"]["parameters"]["properties"], json!({}));
        let said: Vec<String> = notes.iter().map(ToString::to_string).collect();
        assert!(
            said.iter()
                .any(|n| n.contains("\"files/read.v2\": renamed to \"files_read_v2\"")),
            "{said:?}"
        );
        assert!(
            said.iter()
                .any(|n| n.contains("renamed to \"files_read_v2_2\"")),
            "{said:?}"
        );
    }

    #[test]
    fn anthropic_tools_and_mcp_passthrough() {
        let (v, _) = convert(&tools(), Provider::Anthropic);
        assert_eq!(v[0]["name"], "weather");
        assert_eq!(v[0]["input_schema"]["properties"]["city"]["type"], "string");
        assert!(v[0].get("type").is_none());
        let (m, notes) = convert(&tools(), Provider::Mcp);
        assert_eq!(m["tools"].as_array().unwrap().len(), 3);
        assert!(notes.is_empty());
    }

    #[test]
    fn names_are_cut_to_64() {
        let long = "a".repeat(100);
        assert_eq!(function_name(&long).len(), MAX_NAME);
        let u = unique("a".repeat(64), &["a".repeat(64)]);
        assert_eq!(u.len(), MAX_NAME);
        assert!(u.ends_with("_2"));
        assert!("OpenAI".parse::<Provider>().is_ok());
        assert!("gemini".parse::<Provider>().is_err());
    }
}
