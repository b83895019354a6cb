//! Whether a tool's `x-mcp-header` annotations are valid (2026-07-28, Streamable HTTP).
//!
//! An annotation names the header `Mcp-Param-{name}` an argument is mirrored into. It is valid
//! when its value is a non-empty HTTP token (RFC 9110 `1*tchar`, so no control characters),
//! unique among the schema's annotations regardless of case, on a property whose type is
//! `string`, `integer` or `boolean` (not `number`, nothing composite), and that property is
//! reached from the schema root through `properties` keys only — never through `items`,
//! composition, conditionals, `$ref`/`$defs` or any other keyword. A client on HTTP must drop a
//! tool with any invalid annotation from its list and so never call it (`v26.http-bad-tool`);
//! [`annotation_problem`] says why a tool is dropped.

use serde_json::{Map, Value};

/// Keywords whose values are data, not subschemas: an `x-mcp-header` key inside them is not
/// an annotation.
const DATA_KEYWORDS: [&str; 4] = ["enum", "const", "default", "examples"];

/// RFC 9110 §5.6.2 `tchar`.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Why `tool`'s `x-mcp-header` annotations make it invalid, or `None` when they are all valid
/// (or it has none).
pub fn annotation_problem(tool: &Value) -> Option<String> {
    let schema = tool.get("inputSchema")?;
    let mut seen = Vec::new();
    // The root is no property, but its `properties` start the chains.
    walk(schema, "", (false, true), &mut seen).err()
}

/// Checks the schema at JSON pointer `at`. `reach.0`: a chain of `properties` keys leads to it
/// from the root (an annotation may sit here); `reach.1`: its own `properties` continue such a
/// chain. `seen` collects the lower-cased names so far.
fn walk(
    schema: &Value,
    at: &str,
    reach: (bool, bool),
    seen: &mut Vec<String>,
) -> Result<(), String> {
    let (reachable, chain) = reach;
    match schema {
        Value::Object(obj) => {
            if let Some(a) = obj.get("x-mcp-header") {
                check_annotation(obj, a, at, reachable, seen)?;
            }
            for (key, sub) in obj {
                let here = format!("{at}/{key}");
                if key == "properties" {
                    if let Value::Object(props) = sub {
                        for (name, prop) in props {
                            walk(prop, &format!("{here}/{name}"), (chain, chain), seen)?;
                        }
                        continue;
                    }
                }
                if key != "x-mcp-header" && !DATA_KEYWORDS.contains(&key.as_str()) {
                    walk(sub, &here, (false, false), seen)?;
                }
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| walk(v, &format!("{at}/{i}"), (false, false), seen)),
        _ => Ok(()),
    }
}

/// One annotation `a` on the schema `obj` at `at`.
fn check_annotation(
    obj: &Map<String, Value>,
    a: &Value,
    at: &str,
    reachable: bool,
    seen: &mut Vec<String>,
) -> Result<(), String> {
    let at = if at.is_empty() { "/" } else { at };
    if !reachable {
        return Err(format!(
            "x-mcp-header at {at} is not reached through `properties` alone"
        ));
    }
    let Some(name) = a.as_str() else {
        return Err(format!("x-mcp-header at {at} is not a string"));
    };
    if name.is_empty() {
        return Err(format!("x-mcp-header at {at} is empty"));
    }
    if !name.bytes().all(is_tchar) {
        return Err(format!(
            "x-mcp-header {name:?} at {at} is not an HTTP token"
        ));
    }
    let lower = name.to_ascii_lowercase();
    if seen.contains(&lower) {
        return Err(format!(
            "x-mcp-header {name:?} at {at} repeats another annotation (case-insensitively)"
        ));
    }
    seen.push(lower);
    if !is_primitive(obj.get("type")) {
        return Err(format!(
            "x-mcp-header {name:?} at {at} is on a property of type {}, not string, integer or boolean",
            obj.get("type").map_or("(none)".to_string(), Value::to_string)
        ));
    }
    Ok(())
}

/// Whether a `type` keyword names one of the primitive types an annotation may sit on (an
/// array form may add `"null"`: a null argument simply has no header).
fn is_primitive(t: Option<&Value>) -> bool {
    let ok = |s: &str| matches!(s, "string" | "integer" | "boolean");
    match t {
        Some(Value::String(s)) => ok(s),
        Some(Value::Array(ts)) => {
            let named: Vec<&str> = ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| *s != "null")
                .collect();
            ts.iter().all(Value::is_string) && named.len() == 1 && ok(named[0])
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(props: Value) -> Value {
        json!({"name": "t", "inputSchema": {"type": "object", "properties": props}})
    }

    #[test]
    fn valid_annotations_pass() {
        let t = tool(json!({
            "region": {"type": "string", "x-mcp-header": "Region"},
            "n": {"type": "integer", "x-mcp-header": "N"},
            "dry": {"type": ["boolean", "null"], "x-mcp-header": "Dry-Run"},
            "nested": {"type": "object", "properties": {"z": {"type": "string", "x-mcp-header": "Zone"}}},
            "x-mcp-header": {"type": "string"},
            "e": {"type": "string", "enum": [{"x-mcp-header": "data"}]}
        }));
        assert_eq!(annotation_problem(&t), None);
        assert_eq!(annotation_problem(&json!({"name": "bare"})), None);
    }

    #[test]
    fn each_rule_rejects() {
        let cases = [
            json!({"a": {"type": "string", "x-mcp-header": ""}}),
            json!({"a": {"type": "string", "x-mcp-header": "a b"}}),
            json!({"a": {"type": "string", "x-mcp-header": "a\r\nX: y"}}),
            json!({"a": {"type": "string", "x-mcp-header": 3}}),
            json!({"a": {"type": "string", "x-mcp-header": "A"}, "b": {"type": "integer", "x-mcp-header": "a"}}),
            json!({"a": {"type": "number", "x-mcp-header": "A"}}),
            json!({"a": {"type": "object", "x-mcp-header": "A"}}),
            json!({"a": {"x-mcp-header": "A"}}),
            json!({"a": {"type": ["string", "integer"], "x-mcp-header": "A"}}),
            json!({"a": {"type": "array", "items": {"type": "string", "x-mcp-header": "A"}}}),
            json!({"a": {"anyOf": [{"type": "string", "x-mcp-header": "A"}]}}),
            json!({"a": {"type": "object", "additionalProperties": {"type": "string", "x-mcp-header": "A"}}}),
        ];
        for props in &cases {
            let t = tool(props.clone());
            assert!(annotation_problem(&t).is_some(), "accepted {props}");
        }
        let via_defs = json!({"name": "t", "inputSchema": {"type": "object",
            "properties": {"a": {"$ref": "#/$defs/s"}},
            "$defs": {"s": {"type": "string", "x-mcp-header": "A"}}}});
        let why = annotation_problem(&via_defs).unwrap();
        assert!(why.contains("/$defs/s"), "{why}");
        let on_root = json!({"name": "t", "inputSchema": {"type": "string", "x-mcp-header": "R"}});
        assert!(annotation_problem(&on_root).is_some());
    }

    #[test]
    fn a_stateless_session_mirrors_nothing_for_a_dropped_tool() {
        let mut s = crate::session::Stateless::new("2026-07-28");
        let good = json!({"name": "good", "inputSchema": {"type": "object", "properties": {
            "r": {"type": "string", "x-mcp-header": "R"}}}});
        let bad = json!({"name": "bad", "inputSchema": {"type": "object", "properties": {
            "r": {"type": "string", "x-mcp-header": "R"},
            "f": {"type": "number", "x-mcp-header": "F"}}}});
        s.learn_tools(&[good, bad]);
        let headers = |tool: &str| {
            let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                              "params": {"name": tool, "arguments": {"r": "x", "f": 0.5}}});
            let (_, h) = s.prepare(call);
            h.into_iter()
                .filter(|(k, _)| k.starts_with("mcp-param-"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            headers("good"),
            [("mcp-param-r".to_string(), "x".to_string())]
        );
        assert_eq!(headers("bad"), []);
    }
}
