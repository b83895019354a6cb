//! The request headers of modern Streamable HTTP: `MCP-Protocol-Version` must equal the `_meta`
//! version, `Mcp-Method` the body `method`, and `Mcp-Name` the `params.name` (`tools/call`,
//! `prompts/get`) or `params.uri` (`resources/read`). Names are case-insensitive (the
//! `HeaderMap` lowercases them), values case-sensitive. `Mcp-Name` may use the
//! `=?base64?…?=` encoding, decoded before comparing. Any failure is -32020 (HTTP 400).

use super::errors::header_mismatch;
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::state::ServerState;
use axum::http::HeaderMap;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use serde_json::Value;

/// The protocol version header.
pub(crate) const PROTOCOL_HEADER: &str = "mcp-protocol-version";
/// Mirrors the body `method`.
pub(crate) const METHOD_HEADER: &str = "mcp-method";
/// Mirrors `params.name` or `params.uri`.
pub(crate) const NAME_HEADER: &str = "mcp-name";

/// Marks the start of a Base64-encoded header value.
const B64_PREFIX: &str = "=?base64?";
/// Marks its end.
const B64_SUFFIX: &str = "?=";

/// The single value of header `name`: `Ok(None)` when absent, -32020 when repeated or not
/// representable as text (characters outside visible ASCII, space and tab).
pub(crate) fn single<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, RpcError> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(header_mismatch(format!("{name} is repeated")));
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| header_mismatch(format!("{name} contains invalid characters")))
}

/// A header value with the Base64 sentinel decoded (UTF-8 required); others as they are.
///
/// By hand because the sentinel is MCP's own: the exact lowercase prefix and suffix, both
/// required, and the value between them standard Base64 (padding optional here).
pub(crate) fn decode_value(raw: &str) -> Result<String, String> {
    let Some(inner) = raw
        .strip_prefix(B64_PREFIX)
        .and_then(|r| r.strip_suffix(B64_SUFFIX))
    else {
        return Ok(raw.to_string());
    };
    let bytes = STANDARD
        .decode(inner)
        .or_else(|_| STANDARD_NO_PAD.decode(inner))
        .map_err(|e| format!("invalid Base64 ({e})"))?;
    String::from_utf8(bytes).map_err(|_| "Base64 value is not UTF-8".to_string())
}

/// The body field `Mcp-Name` mirrors for `method`, if the method has one.
fn name_field(method: &str) -> Option<&'static str> {
    match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        // The tasks extension: its methods name the task.
        "tasks/get" | "tasks/update" | "tasks/cancel" => Some("taskId"),
        _ => None,
    }
}

/// Checks the headers of a modern request against its body. `version` is the `_meta` version.
pub(crate) fn check(
    state: &ServerState,
    headers: &HeaderMap,
    version: &str,
    method: &str,
    params: Option<&Value>,
) -> Result<(), RpcError> {
    if !state.has(Fault::V26HeaderMismatchOk) {
        match single(headers, PROTOCOL_HEADER)? {
            None => return Err(header_mismatch("MCP-Protocol-Version header is missing")),
            Some(h) if h != version => {
                return Err(header_mismatch(format!(
                    "MCP-Protocol-Version header value '{h}' does not match body value '{version}'"
                )))
            }
            Some(_) => {}
        }
    }
    if !state.has(Fault::V26MethodHeaderIgnored) {
        match single(headers, METHOD_HEADER)? {
            None => return Err(header_mismatch("Mcp-Method header is missing")),
            Some(h) if h != method => {
                return Err(header_mismatch(format!(
                    "Mcp-Method header value '{h}' does not match body value '{method}'"
                )))
            }
            Some(_) => {}
        }
    }
    if let (Some(field), false) = (name_field(method), state.has(Fault::V26NameHeaderIgnored)) {
        check_name(headers, field, params)?;
    }
    Ok(())
}

/// `Mcp-Name` against `params.<field>`. A body without the field is left to the handler's
/// -32602 unless a header claims a value.
fn check_name(headers: &HeaderMap, field: &str, params: Option<&Value>) -> Result<(), RpcError> {
    let body = params.and_then(|p| p.get(field)).and_then(Value::as_str);
    let header = single(headers, NAME_HEADER)?;
    match (header, body) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(header_mismatch("Mcp-Name header is missing")),
        (Some(raw), body) => {
            let decoded =
                decode_value(raw).map_err(|e| header_mismatch(format!("Mcp-Name header: {e}")))?;
            if Some(decoded.as_str()) == body {
                Ok(())
            } else {
                Err(header_mismatch(format!(
                    "Mcp-Name header value '{raw}' does not match body value '{}'",
                    body.unwrap_or("")
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;
    use axum::http::HeaderValue;
    use serde_json::json;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn code(state: &ServerState, h: &HeaderMap, method: &str, params: Value) -> Option<i64> {
        check(state, h, "2026-07-28", method, Some(&params))
            .err()
            .map(|e| e.code)
    }

    #[test]
    fn decodes_the_base64_sentinel() {
        assert_eq!(decode_value("plain").unwrap(), "plain");
        assert_eq!(
            decode_value("=?base64?SGVsbG8sIOS4lueVjA==?=").unwrap(),
            "Hello, 世界"
        );
        assert_eq!(
            decode_value("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=").unwrap(),
            "=?base64?literal?="
        );
        assert!(decode_value("=?base64?***?=").is_err());
        assert_eq!(decode_value("=?BASE64?eA==?=").unwrap(), "=?BASE64?eA==?=");
    }

    #[test]
    fn compares_version_method_and_name() {
        let state = ServerState::new(ServerConfig::default());
        let ok = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "echo"),
        ]);
        assert_eq!(
            code(&state, &ok, "tools/call", json!({"name": "echo"})),
            None
        );
        assert_eq!(
            code(&state, &ok, "tools/call", json!({"name": "add"})),
            Some(-32020)
        );
        let wrong_case = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "TOOLS/LIST"),
        ]);
        assert_eq!(
            code(&state, &wrong_case, "tools/list", json!({})),
            Some(-32020)
        );
        let no_version = headers(&[("mcp-method", "tools/list")]);
        assert_eq!(
            code(&state, &no_version, "tools/list", json!({})),
            Some(-32020)
        );
        let encoded = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "resources/read"),
            ("mcp-name", "=?base64?bWNwOi8vcmVmZXJlbmNlL3JlYWRtZQ==?="),
        ]);
        assert_eq!(
            code(
                &state,
                &encoded,
                "resources/read",
                json!({"uri": "mcp://reference/readme"})
            ),
            None
        );
        let repeated = headers(&[
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/list"),
            ("mcp-method", "tools/list"),
        ]);
        assert_eq!(
            code(&state, &repeated, "tools/list", json!({})),
            Some(-32020)
        );
    }

    #[test]
    fn faults_skip_their_header() {
        let h = headers(&[("mcp-protocol-version", "2025-11-25")]);
        let s = ServerState::new(ServerConfig::with_fault(Fault::V26HeaderMismatchOk));
        assert_eq!(code(&s, &h, "tools/list", json!({})), Some(-32020)); // Mcp-Method missing
        let mut config = ServerConfig::with_fault(Fault::V26HeaderMismatchOk);
        config.faults.insert(Fault::V26MethodHeaderIgnored);
        config.faults.insert(Fault::V26NameHeaderIgnored);
        let s = ServerState::new(config);
        assert_eq!(code(&s, &h, "tools/call", json!({"name": "echo"})), None);
    }
}
