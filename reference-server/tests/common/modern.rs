//! Helpers for the modern (2026-07-28) wire: `_meta` on every request, and over HTTP the
//! `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers a correct client sends.

use super::http::{Exchange, HttpClient, SseReader};
use super::stdio::StdioClient;
use reqwest::RequestBuilder;
use serde_json::{json, Value};

/// The modern revision.
pub const V26: &str = "2026-07-28";

/// The `_meta` of a correct modern request (no capabilities).
pub fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": V26,
        "io.modelcontextprotocol/clientInfo": {"name": "reference-server-tests", "version": "0.0.1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    })
}

/// `params` with the modern `_meta` added (keys already in `params._meta` are kept).
pub fn with_meta(params: Value) -> Value {
    let mut params = if params.is_object() {
        params
    } else {
        json!({})
    };
    let mut m = meta();
    if let Some(extra) = params.get("_meta").and_then(Value::as_object) {
        for (k, v) in extra {
            m[k] = v.clone();
        }
    }
    params["_meta"] = m;
    params
}

/// A modern request message.
pub fn request(id: Value, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": with_meta(params)})
}

/// The headers a correct client derives from a modern request body.
pub fn headers_for(body: &Value) -> Vec<(String, String)> {
    let mut h = Vec::new();
    let version = body
        .pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion")
        .and_then(Value::as_str);
    if let Some(v) = version {
        h.push(("MCP-Protocol-Version".to_string(), v.to_string()));
    }
    let method = body["method"].as_str().unwrap_or_default();
    h.push(("Mcp-Method".to_string(), method.to_string()));
    let field = match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    };
    if let Some(name) = field.and_then(|f| body["params"][f].as_str()) {
        h.push(("Mcp-Name".to_string(), name.to_string()));
    }
    h
}

/// A POST of `body` with exactly the given extra headers (plus Accept and Content-Type).
pub fn builder(c: &HttpClient, body: &Value, headers: &[(String, String)]) -> RequestBuilder {
    let mut b = c
        .http
        .post(&c.url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json");
    for (k, v) in headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(body.to_string())
}

/// POSTs `body` with exactly the given extra headers (plus Accept and Content-Type).
pub async fn post_with(c: &HttpClient, body: &Value, headers: &[(String, String)]) -> Exchange {
    c.send(builder(c, body, headers)).await
}

/// Opens a modern request whose answer is a long-lived stream (correct headers).
pub async fn open_stream(c: &HttpClient, body: &Value) -> SseReader {
    let resp = builder(c, body, &headers_for(body))
        .send()
        .await
        .expect("POST");
    SseReader::new(resp)
}

/// POSTs a modern request with correct headers.
pub async fn post(c: &HttpClient, body: &Value) -> Exchange {
    post_with(c, body, &headers_for(body)).await
}

/// POSTs a modern request with correct headers after `edit` changed them.
pub async fn post_edited(
    c: &HttpClient,
    body: &Value,
    edit: impl FnOnce(&mut Vec<(String, String)>),
) -> Exchange {
    let mut h = headers_for(body);
    edit(&mut h);
    post_with(c, body, &h).await
}

/// Replaces (or adds) header `name` (case-insensitive) in `h`; `None` removes it.
pub fn set(h: &mut Vec<(String, String)>, name: &str, value: Option<&str>) {
    h.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    if let Some(v) = value {
        h.push((name.to_string(), v.to_string()));
    }
}

/// Sends a modern request over stdio and returns its response (notifications set aside).
pub async fn stdio_request(c: &mut StdioClient, id: Value, method: &str, params: Value) -> Value {
    c.send(&request(id.clone(), method, params)).await;
    c.response(&id).await
}
