//! What a run knows before its checks start: the target, client options, the negotiated
//! version, the server's advertised capabilities and tools, and the user's variables.

use super::template::Vars;
use crate::protocol::ProtocolVersion;
use crate::transport::{ClientOptions, Target};
use serde_json::Value;

/// Shared, read-only facts for every check of a run.
#[derive(Clone, Debug)]
pub struct RunContext {
    /// What to connect to.
    pub target: Target,
    /// Timeouts, caps, extra headers.
    pub opts: ClientOptions,
    /// The protocol version each check's session negotiates.
    pub version: ProtocolVersion,
    /// The `initialize` result of the preflight session.
    pub init_result: Value,
    /// Every tool the server lists (walked across pages, capped).
    pub tools: Vec<Value>,
    /// `--var name=value` overrides.
    pub vars: Vars,
    /// Whether the harness may call tools that are not marked read-only/non-destructive.
    pub call_tools: ToolCallPolicy,
}

/// Which tools the harness may call on its own initiative (builtins that call "each tool").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ToolCallPolicy {
    /// Every tool except those annotated `destructiveHint: true` or `openWorldHint: true`.
    #[default]
    NonDestructive,
    /// Only tools annotated `readOnlyHint: true` (and not `openWorldHint: true`).
    ReadOnly,
    /// Every tool.
    All,
    /// None (checks that need a call are SKIP).
    None,
}

impl RunContext {
    /// The server's `capabilities` object (empty object if absent).
    pub fn capabilities(&self) -> &Value {
        static EMPTY: Value = Value::Null;
        self.init_result.get("capabilities").unwrap_or(&EMPTY)
    }

    /// Whether a capability path like `tools` or `resources.subscribe` is advertised. A key
    /// holding dots or slashes is named in brackets with double quotes, e.g.
    /// `extensions["io.modelcontextprotocol/tasks"]`.
    pub fn has_capability(&self, path: &str) -> bool {
        let Some(parts) = capability_path(path) else {
            return false;
        };
        let mut cur = self.capabilities();
        for p in &parts {
            match cur.get(p.as_str()) {
                Some(v) => cur = v,
                None => return false,
            }
        }
        !parts.is_empty() && !matches!(cur, Value::Bool(false) | Value::Null)
    }

    /// Whether the server lists a tool of this name.
    pub fn has_tool(&self, name: &str) -> bool {
        self.tools
            .iter()
            .any(|t| t.get("name").and_then(Value::as_str) == Some(name))
    }

    /// Whether the target is an HTTP URL on a loopback host.
    pub fn target_is_loopback(&self) -> bool {
        match &self.target {
            Target::Http { url } | Target::LegacySse { url } => {
                url::Url::parse(url).ok().is_some_and(|u| match u.host() {
                    Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    None => false,
                })
            }
            Target::Stdio { .. } => true,
        }
    }

    /// Whether the policy lets the harness call this tool unprompted.
    pub fn may_call(&self, tool: &Value) -> bool {
        let ann = tool.get("annotations");
        let flag = |k: &str| ann.and_then(|a| a.get(k)).and_then(Value::as_bool);
        match self.call_tools {
            ToolCallPolicy::All => true,
            ToolCallPolicy::None => false,
            // Tools that say they reach the outside world are not called unprompted either.
            ToolCallPolicy::ReadOnly => {
                flag("readOnlyHint") == Some(true) && flag("openWorldHint") != Some(true)
            }
            ToolCallPolicy::NonDestructive => {
                flag("destructiveHint") != Some(true) && flag("openWorldHint") != Some(true)
            }
        }
    }
}

/// The keys of a capability path: segments split on `.`, where `["…"]` names one key verbatim
/// (it may hold dots). `None` for a malformed path (an unclosed bracket, an empty segment).
fn capability_path(path: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[\"") {
            let end = after.find("\"]")?;
            out.push(after[..end].to_string());
            rest = &after[end + 2..];
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
        if let Some(next) = rest.strip_prefix('.') {
            if next.is_empty() || next.starts_with('.') {
                return None;
            }
            rest = next;
        } else if !rest.is_empty() && !rest.starts_with('[') {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(caps: Value) -> RunContext {
        RunContext {
            target: Target::Stdio {
                program: "x".into(),
                args: Vec::new(),
                env: Vec::new(),
            },
            opts: ClientOptions::default(),
            version: ProtocolVersion::NEWEST_STATEFUL,
            init_result: json!({"capabilities": caps}),
            tools: Vec::new(),
            vars: Vars::default(),
            call_tools: ToolCallPolicy::default(),
        }
    }

    #[test]
    fn paths_split_on_dots_and_brackets_name_keys_verbatim() {
        assert_eq!(
            capability_path(r#"extensions["io.modelcontextprotocol/tasks"]"#),
            Some(vec![
                "extensions".into(),
                "io.modelcontextprotocol/tasks".into()
            ])
        );
        assert_eq!(
            capability_path(r#"a.b["x.y"].c"#),
            Some(vec!["a".into(), "b".into(), "x.y".into(), "c".into()])
        );
        assert_eq!(
            capability_path("resources.subscribe").map(|v| v.len()),
            Some(2)
        );
        for bad in [r#"a["x"#, "a..b", ".a", "a.", r#"a["x"]b"#] {
            assert_eq!(capability_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn extension_keys_are_found() {
        let c = ctx(json!({
            "tools": {},
            "resources": {"subscribe": false},
            "extensions": {"io.modelcontextprotocol/tasks": {}}
        }));
        assert!(c.has_capability("tools"));
        assert!(!c.has_capability("resources.subscribe"));
        assert!(c.has_capability(r#"extensions["io.modelcontextprotocol/tasks"]"#));
        assert!(!c.has_capability(r#"extensions["io.modelcontextprotocol/other"]"#));
        assert!(!c.has_capability("extensions.io"));
        assert!(!c.has_capability(""));
    }
}
