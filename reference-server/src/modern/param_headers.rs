//! `Mcp-Param-{Name}` headers of a modern `tools/call` over HTTP: for every argument its tool
//! annotates with `x-mcp-header` (reached through `properties` only), a value in the body must
//! arrive in the header (strings as they are, integers in decimal, booleans `true`/`false`,
//! any of them possibly in the `=?base64?…?=` form, decoded before comparing); a null or
//! absent argument must not. A missing, repeated, unreadable or different header is -32020
//! (HTTP 400). Integers compare numerically (`42.0` equals `42`).
//!
//! Only the tools of `param_tools` carry annotations; a call of its invalid tool is counted
//! (a conforming client never sends one) and otherwise left alone.

use super::errors::header_mismatch;
use super::headers::{decode_value, single};
use super::param_tools::{self, BAD_TOOL};
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::state::ServerState;
use axum::http::HeaderMap;
use serde_json::Value;

/// One `x-mcp-header` annotation: the header's name part and the `properties` path to it.
#[derive(Debug, PartialEq, Eq)]
struct Annotation {
    name: String,
    path: Vec<String>,
}

/// Walks `properties` chains only: annotations anywhere else are not honoured.
fn annotations(schema: &Value, path: &mut Vec<String>, out: &mut Vec<Annotation>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (key, sub) in props {
        path.push(key.clone());
        if let Some(name) = sub.get("x-mcp-header").and_then(Value::as_str) {
            out.push(Annotation {
                name: name.to_string(),
                path: path.clone(),
            });
        }
        annotations(sub, path, out);
        path.pop();
    }
}

/// The instance value at `path` of the arguments; `None` when absent or null.
fn value_at<'a>(args: Option<&'a Value>, path: &[String]) -> Option<&'a Value> {
    let mut cur = args?;
    for key in path {
        cur = cur.get(key)?;
    }
    (!cur.is_null()).then_some(cur)
}

/// Whether the (decoded) header text stands for the body value.
fn matches(text: &str, body: &Value) -> bool {
    match body {
        Value::String(s) => text == s,
        Value::Bool(b) => text == if *b { "true" } else { "false" },
        Value::Number(n) => match (text.parse::<i64>(), n.as_i64()) {
            (Ok(h), Some(b)) => h == b,
            // Numerically, as the specification advises (`42.0` and `42` are equal).
            _ => text
                .parse::<f64>()
                .ok()
                .zip(n.as_f64())
                .is_some_and(|(h, b)| h == b),
        },
        _ => false,
    }
}

/// Checks the `Mcp-Param-*` headers of a modern HTTP request, counting what it saw.
pub(crate) fn check(
    state: &ServerState,
    headers: &HeaderMap,
    method: &str,
    params: Option<&Value>,
) -> Result<(), RpcError> {
    let Some(tool) = param_tools::called(method, params) else {
        return Ok(());
    };
    let counters = state.modern.param_tools();
    if tool == BAD_TOOL {
        counters.bad_tool_called();
        return Ok(());
    }
    // Fault `v26-param-header-unchecked`: whatever the headers say, the call is served.
    let outcome = if state.has(Fault::V26ParamHeaderUnchecked) {
        Ok(())
    } else {
        compare(state, headers, tool, params)
    };
    counters.judged(outcome.is_ok());
    outcome
}

/// Each annotated argument of `tool` against its header.
fn compare(
    state: &ServerState,
    headers: &HeaderMap,
    tool: &str,
    params: Option<&Value>,
) -> Result<(), RpcError> {
    let Some(schema) = param_tools::input_schema(tool) else {
        return Ok(());
    };
    let mut found = Vec::new();
    annotations(&schema, &mut Vec::new(), &mut found);
    let args = params.and_then(|p| p.get("arguments"));
    for a in found {
        let header = format!("Mcp-Param-{}", a.name);
        let raw = single(headers, &header.to_ascii_lowercase())?;
        match (raw, value_at(args, &a.path)) {
            (None, None) => {}
            (None, Some(_)) => return Err(header_mismatch(format!("{header} header is missing"))),
            (Some(raw), body) => {
                // Fault `v26-param-header-not-decoded`: the encoded form is compared as it is.
                let text = if state.has(Fault::V26ParamHeaderNotDecoded) {
                    raw.to_string()
                } else {
                    decode_value(raw)
                        .map_err(|e| header_mismatch(format!("{header} header: {e}")))?
                };
                let Some(body) = body else {
                    return Err(header_mismatch(format!(
                        "{header} header value '{raw}' has no value in the body to match"
                    )));
                };
                if !matches(&text, body) {
                    return Err(header_mismatch(format!(
                        "{header} header value '{raw}' does not match body value {body}"
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;
    use crate::modern::param_tools::ECHO_TOOL;
    use axum::http::HeaderValue;
    use serde_json::json;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn echo(args: Value) -> Value {
        json!({"name": ECHO_TOOL, "arguments": args})
    }

    fn code(state: &ServerState, h: &HeaderMap, args: Value) -> Option<i64> {
        check(state, h, "tools/call", Some(&echo(args)))
            .err()
            .map(|e| e.code)
    }

    const GOOD: [(&str, &str); 3] = [
        ("mcp-param-region", "eu-west"),
        ("mcp-param-priority", "7"),
        ("mcp-param-dry-run", "false"),
    ];

    #[test]
    fn walks_properties_chains_only() {
        let mut out = Vec::new();
        let schema = json!({"properties": {
            "a": {"x-mcp-header": "A", "properties": {"b": {"x-mcp-header": "B"}}},
            "c": {"items": {"x-mcp-header": "C"}}
        }});
        annotations(&schema, &mut Vec::new(), &mut out);
        let names: Vec<_> = out
            .iter()
            .map(|a| (a.name.as_str(), a.path.join(".")))
            .collect();
        assert_eq!(names, [("A", "a".to_string()), ("B", "a.b".to_string())]);
    }

    #[test]
    fn every_present_argument_needs_its_matching_header() {
        let state = ServerState::new(ServerConfig::default());
        let args = json!({"region": "eu-west", "priority": 7, "dry_run": false});
        assert_eq!(code(&state, &headers(&GOOD), args.clone()), None);
        // Missing, different, or not decodable: -32020.
        assert_eq!(
            code(&state, &headers(&GOOD[..2]), args.clone()),
            Some(-32020)
        );
        let mut wrong = GOOD;
        wrong[1].1 = "8";
        assert_eq!(code(&state, &headers(&wrong), args.clone()), Some(-32020));
        wrong = GOOD;
        wrong[0].1 = "=?base64?***?=";
        assert_eq!(code(&state, &headers(&wrong), args.clone()), Some(-32020));
        // A nested argument, encoded; a header for an argument the body does not have.
        let nested = json!({"region": "eu-west", "priority": 7, "dry_run": false,
                            "target": {"zone": "Zürich"}});
        let mut h = headers(&GOOD);
        assert_eq!(code(&state, &h, nested.clone()), Some(-32020));
        h.append(
            "mcp-param-zone",
            HeaderValue::from_static("=?base64?WsO8cmljaA==?="),
        );
        assert_eq!(code(&state, &h, nested), None);
        assert_eq!(code(&state, &h, args.clone()), Some(-32020));
        // Null is absent; an integer compares numerically; other tools are not judged.
        let null_zone = json!({"region": "eu-west", "priority": 7.0, "dry_run": false,
                               "target": {"zone": null}});
        assert_eq!(code(&state, &headers(&GOOD), null_zone), None);
        let other = json!({"name": "echo", "arguments": {"region": "x"}});
        assert!(check(&state, &HeaderMap::new(), "tools/call", Some(&other)).is_ok());
        assert_eq!(
            state.modern.param_tools().snapshot(),
            param_tools::ParamHeaderStats {
                accepted: 3,
                rejected: 5,
                bad_tool_calls: 0
            }
        );
        let bad = json!({"name": BAD_TOOL, "arguments": {"ratio": 0.5}});
        assert!(check(&state, &HeaderMap::new(), "tools/call", Some(&bad)).is_ok());
        assert_eq!(state.modern.param_tools().snapshot().bad_tool_calls, 1);
    }

    #[test]
    fn faults_skip_the_check_or_the_decoding() {
        let args = json!({"region": "Hello, 世界", "priority": 1, "dry_run": true});
        let encoded = headers(&[
            ("mcp-param-region", "=?base64?SGVsbG8sIOS4lueVjA==?="),
            ("mcp-param-priority", "1"),
            ("mcp-param-dry-run", "true"),
        ]);
        let clean = ServerState::new(ServerConfig::default());
        assert_eq!(code(&clean, &encoded, args.clone()), None);
        let raw = ServerState::new(ServerConfig::with_fault(Fault::V26ParamHeaderNotDecoded));
        assert_eq!(code(&raw, &encoded, args.clone()), Some(-32020));
        let lax = ServerState::new(ServerConfig::with_fault(Fault::V26ParamHeaderUnchecked));
        assert_eq!(code(&lax, &HeaderMap::new(), args), None);
    }
}
