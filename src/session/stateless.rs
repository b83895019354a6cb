//! The 2026-07-28 stateless wire, client side: no `initialize`, and every request carries its
//! protocol version, client identity and client capabilities in `params._meta`; over HTTP the
//! request also mirrors its version, method and target name into headers.
//!
//! [`Stateless`] holds what a session declares on each request and turns an outgoing message into
//! its stateless form ([`Stateless::prepare`]): the `_meta` fields are merged into a request's
//! params (a key the caller already set is kept, so a check can send a wrong version on purpose)
//! and the per-request headers are derived from the final message. Raw sends bypass all of this.
//! [`ResultType`] reads a result's `resultType` the way a client must (absent = complete).

use base64::Engine as _;
use serde_json::{json, Map, Value};

/// `_meta` key of the request's protocol version.
pub const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key of the client's name and version.
pub const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key of the client capabilities declared for the request.
pub const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key of the lowest log level the request opts in to.
pub const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";

/// Prefix of the header-value encoding for values that are not plain header-safe ASCII.
const B64_PREFIX: &str = "=?base64?";
/// Suffix of the header-value encoding.
const B64_SUFFIX: &str = "?=";

/// What a stateless session declares on every request.
#[derive(Clone, Debug, PartialEq)]
pub struct Stateless {
    /// `…/protocolVersion` and the `MCP-Protocol-Version` header.
    pub version: String,
    /// `…/clientInfo` (`None`: not sent; the field is a SHOULD).
    pub client_info: Option<Value>,
    /// `…/clientCapabilities` (`{}`: none declared).
    pub client_capabilities: Value,
    /// `…/logLevel` (`None`: no log messages wanted).
    pub log_level: Option<String>,
    /// Tools whose input schema mirrors arguments into `Mcp-Param-*` headers, by tool name.
    pub param_headers: Vec<(String, Vec<ParamHeader>)>,
}

/// One `x-mcp-header` annotation of a tool's input schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamHeader {
    /// The header is `Mcp-Param-{name}`.
    pub name: String,
    /// The chain of `properties` keys from the schema root to the annotated argument.
    pub path: Vec<String>,
}

impl Stateless {
    /// Declarations at `version`: clientInfo mcpcheck, no capabilities, no log level.
    pub fn new(version: &str) -> Self {
        Self {
            version: version.to_string(),
            client_info: Some(json!({"name": "mcpcheck", "version": env!("CARGO_PKG_VERSION")})),
            client_capabilities: json!({}),
            log_level: None,
            param_headers: Vec::new(),
        }
    }

    /// The `_meta` fields this session adds to each request.
    pub fn meta(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            META_PROTOCOL_VERSION.into(),
            Value::String(self.version.clone()),
        );
        if let Some(info) = &self.client_info {
            m.insert(META_CLIENT_INFO.into(), info.clone());
        }
        m.insert(
            META_CLIENT_CAPABILITIES.into(),
            self.client_capabilities.clone(),
        );
        if let Some(level) = &self.log_level {
            m.insert(META_LOG_LEVEL.into(), Value::String(level.clone()));
        }
        m
    }

    /// The stateless form of `message` and its per-request HTTP headers. Requests get the
    /// `_meta` fields (keys already present win); notifications and responses are left as they
    /// are. Anything that is not a single JSON-RPC message (a batch, a scalar) is left alone and
    /// gets no headers.
    pub fn prepare(&self, mut message: Value) -> (Value, Vec<(String, String)>) {
        let Some(obj) = message.as_object_mut() else {
            return (message, Vec::new());
        };
        let Some(method) = obj
            .get("method")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return (message, Vec::new());
        };
        if obj.contains_key("id") {
            let params = obj
                .entry("params")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(p) = params.as_object_mut() {
                let meta = p
                    .entry("_meta")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(m) = meta.as_object_mut() {
                    for (k, v) in self.meta() {
                        m.entry(k).or_insert(v);
                    }
                }
            }
        }
        let headers = self.headers_for(&message, &method);
        (message, headers)
    }

    /// `MCP-Protocol-Version` (the version the body names, else the session's), `Mcp-Method`,
    /// `Mcp-Name` where the method has one, and `Mcp-Param-*` for annotated tool arguments.
    fn headers_for(&self, message: &Value, method: &str) -> Vec<(String, String)> {
        let params = message.get("params");
        let version = params
            .and_then(|p| p.pointer("/_meta"))
            .and_then(|m| m.get(META_PROTOCOL_VERSION))
            .and_then(Value::as_str)
            .unwrap_or(&self.version);
        let mut h = vec![
            ("mcp-protocol-version".to_string(), version.to_string()),
            ("mcp-method".to_string(), method.to_string()),
        ];
        if let Some(name) = params.and_then(|p| name_source(method, p)) {
            h.push(("mcp-name".into(), encode_header_value(name)));
        }
        if method == "tools/call" {
            let tool = params.and_then(|p| p.get("name")).and_then(Value::as_str);
            let args = params.and_then(|p| p.get("arguments"));
            if let (Some(tool), Some(args)) = (tool, args) {
                h.extend(self.param_values(tool, args));
            }
        }
        h
    }

    /// `Mcp-Param-*` headers for a call of `tool` with `args`.
    fn param_values(&self, tool: &str, args: &Value) -> Vec<(String, String)> {
        let Some((_, annotated)) = self.param_headers.iter().find(|(n, _)| n == tool) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for p in annotated {
            let mut cur = args;
            let mut found = true;
            for key in &p.path {
                match cur.get(key) {
                    Some(v) => cur = v,
                    None => {
                        found = false;
                        break;
                    }
                }
            }
            // Absent or null: the header is left out (the server must not expect it).
            let text = match cur {
                _ if !found => continue,
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
                _ => continue,
            };
            out.push((
                format!("mcp-param-{}", p.name.to_ascii_lowercase()),
                encode_header_value(&text),
            ));
        }
        out
    }

    /// Records the `x-mcp-header` annotations of every listed tool (valid ones only; a tool
    /// with an invalid annotation keeps none, so nothing is mirrored for it).
    pub fn learn_tools(&mut self, tools: &[Value]) {
        self.param_headers.clear();
        for tool in tools {
            let Some(name) = tool.get("name").and_then(Value::as_str) else {
                continue;
            };
            if super::param_annotations::annotation_problem(tool).is_some() {
                // An invalid tool is dropped (and never called), so it needs no headers.
                continue;
            }
            let mut found = Vec::new();
            if let Some(schema) = tool.get("inputSchema") {
                collect_param_headers(schema, &mut Vec::new(), &mut found);
            }
            if !found.is_empty() {
                self.param_headers.push((name.to_string(), found));
            }
        }
    }
}

/// Walks `properties` chains only (the places an annotation is valid).
fn collect_param_headers(schema: &Value, path: &mut Vec<String>, out: &mut Vec<ParamHeader>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (key, sub) in props {
        path.push(key.clone());
        if let Some(name) = sub.get("x-mcp-header").and_then(Value::as_str) {
            if !name.is_empty() && name.bytes().all(is_tchar) {
                out.push(ParamHeader {
                    name: name.to_string(),
                    path: path.clone(),
                });
            }
        }
        collect_param_headers(sub, path, out);
        path.pop();
    }
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The body value `Mcp-Name` mirrors: `params.name` for `tools/call` and `prompts/get`,
/// `params.uri` for `resources/read`, `params.taskId` for the tasks extension's methods.
pub fn name_source<'a>(method: &str, params: &'a Value) -> Option<&'a str> {
    let field = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        "tasks/get" | "tasks/update" | "tasks/cancel" => "taskId",
        _ => return None,
    };
    params.get(field).and_then(Value::as_str)
}

/// A header value for `value`: as-is when it is plain header-safe ASCII, else
/// `=?base64?{standard base64 of the UTF-8}?=`. Values with leading or trailing whitespace, and
/// values that look like the encoding themselves, are encoded too. Written by hand because the
/// sentinel format is MCP's own and must be exact.
pub fn encode_header_value(value: &str) -> String {
    let plain = value
        .bytes()
        .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b))
        && !value.starts_with([' ', '\t'])
        && !value.ends_with([' ', '\t'])
        && !looks_encoded(value);
    if plain {
        value.to_string()
    } else {
        format!(
            "{B64_PREFIX}{}{B64_SUFFIX}",
            base64::engine::general_purpose::STANDARD.encode(value.as_bytes())
        )
    }
}

/// Whether a header value has the form of the base64 encoding.
fn looks_encoded(value: &str) -> bool {
    value.len() >= B64_PREFIX.len() + B64_SUFFIX.len()
        && value.starts_with(B64_PREFIX)
        && value.ends_with(B64_SUFFIX)
}

/// What a result says it is (`resultType`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResultType {
    /// `"complete"`, or no `resultType` at all (earlier revisions never send it).
    Complete,
    /// `"input_required"`: a multi round-trip request needs client input.
    InputRequired,
    /// Any other value (an extension's, or invalid when none was advertised).
    Other(String),
}

impl ResultType {
    /// Reads `result.resultType`; an absent field is [`ResultType::Complete`], a non-string one
    /// is `Other` with its JSON text.
    pub fn of(result: &Value) -> ResultType {
        match result.get("resultType") {
            None => ResultType::Complete,
            Some(Value::String(s)) if s == "complete" => ResultType::Complete,
            Some(Value::String(s)) if s == "input_required" => ResultType::InputRequired,
            Some(Value::String(s)) => ResultType::Other(s.clone()),
            Some(other) => ResultType::Other(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
        h.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn requests_get_meta_and_headers_and_explicit_keys_win() {
        let s = Stateless::new("2026-07-28");
        let (m, h) = s.prepare(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}));
        let meta = &m["params"]["_meta"];
        assert_eq!(meta[META_PROTOCOL_VERSION], "2026-07-28");
        assert_eq!(meta[META_CLIENT_CAPABILITIES], json!({}));
        assert_eq!(meta[META_CLIENT_INFO]["name"], "mcpcheck");
        assert_eq!(header(&h, "MCP-Protocol-Version"), Some("2026-07-28"));
        assert_eq!(header(&h, "Mcp-Method"), Some("tools/list"));
        assert_eq!(header(&h, "Mcp-Name"), None);

        let (m, h) = s.prepare(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "echo", "_meta": {META_PROTOCOL_VERSION: "1900-01-01", "k": 1}}}));
        assert_eq!(m["params"]["_meta"][META_PROTOCOL_VERSION], "1900-01-01");
        assert_eq!(m["params"]["_meta"]["k"], 1);
        assert_eq!(header(&h, "mcp-protocol-version"), Some("1900-01-01"));
        assert_eq!(header(&h, "mcp-name"), Some("echo"));
    }

    #[test]
    fn notifications_and_odd_messages_get_no_meta() {
        let s = Stateless::new("2026-07-28");
        let n = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}});
        let (m, h) = s.prepare(n.clone());
        assert_eq!(m, n);
        assert_eq!(header(&h, "mcp-method"), Some("notifications/cancelled"));
        let batch = json!([{"jsonrpc": "2.0", "id": 1, "method": "x"}]);
        assert_eq!(s.prepare(batch.clone()), (batch, Vec::new()));
        let odd = json!({"jsonrpc": "2.0", "id": 1, "method": "x", "params": [1]});
        assert_eq!(s.prepare(odd.clone()).0, odd);
    }

    #[test]
    fn name_header_per_method() {
        let s = Stateless::new("2026-07-28");
        let name = |method: &str, params: Value| {
            let (_, h) =
                s.prepare(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
            header(&h, "mcp-name").map(str::to_string)
        };
        assert_eq!(
            name("resources/read", json!({"uri": "file:///a b"})),
            Some("file:///a b".into())
        );
        assert_eq!(name("prompts/get", json!({"name": "p"})), Some("p".into()));
        assert_eq!(
            name("tasks/get", json!({"taskId": "t-1"})),
            Some("t-1".into())
        );
        assert_eq!(name("completion/complete", json!({"name": "p"})), None);
    }

    #[test]
    fn unsafe_values_are_base64_encoded() {
        assert_eq!(encode_header_value("us-west1"), "us-west1");
        assert_eq!(
            encode_header_value("Hello, 世界"),
            "=?base64?SGVsbG8sIOS4lueVjA==?="
        );
        assert_eq!(encode_header_value(" padded "), "=?base64?IHBhZGRlZCA=?=");
        assert_eq!(
            encode_header_value("line1\nline2"),
            "=?base64?bGluZTEKbGluZTI=?="
        );
        assert_eq!(
            encode_header_value("=?base64?literal?="),
            "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="
        );
        assert_eq!(encode_header_value("=?base64?"), "=?base64?");
    }

    #[test]
    fn param_headers_follow_properties_chains_only() {
        let mut s = Stateless::new("2026-07-28");
        s.learn_tools(&[json!({"name": "sql", "inputSchema": {"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "opts": {"type": "object", "properties": {"dry": {"type": "boolean", "x-mcp-header": "Dry"}}},
            "n": {"type": "integer", "x-mcp-header": "N"},
            "list": {"type": "array", "items": {"type": "string"}}
        }}})]);
        let (_, h) = s.prepare(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "sql", "arguments": {"region": "éu", "opts": {"dry": true}, "n": null, "list": ["x"]}}}));
        assert_eq!(header(&h, "mcp-param-region"), Some("=?base64?w6l1?="));
        assert_eq!(header(&h, "mcp-param-dry"), Some("true"));
        assert_eq!(header(&h, "mcp-param-n"), None);
        // A tool with an invalid annotation (here under `items`) is dropped: no headers at all
        // (see `param_annotations`).
        s.learn_tools(&[
            json!({"name": "sql", "inputSchema": {"type": "object", "properties": {
                "region": {"type": "string", "x-mcp-header": "Region"},
                "list": {"type": "array", "items": {"type": "string", "x-mcp-header": "Item"}}
            }}}),
        ]);
        let (_, h) = s.prepare(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "sql", "arguments": {"region": "eu", "list": ["x"]}}}),
        );
        assert_eq!(header(&h, "mcp-param-region"), None);
        assert_eq!(header(&h, "mcp-param-item"), None);
    }

    #[test]
    fn result_type_reads_absent_as_complete() {
        assert_eq!(ResultType::of(&json!({})), ResultType::Complete);
        assert_eq!(
            ResultType::of(&json!({"resultType": "complete"})),
            ResultType::Complete
        );
        assert_eq!(
            ResultType::of(&json!({"resultType": "input_required"})),
            ResultType::InputRequired
        );
        assert_eq!(
            ResultType::of(&json!({"resultType": 3})),
            ResultType::Other("3".into())
        );
    }
}
