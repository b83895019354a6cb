//! The step document: one JSON value holding everything a step observed, for expectations to
//! point into.
//!
//! ```text
//! { "response": <JSON-RPC response or null>,  "received": [<other messages>],
//!   "http": { "status", "headers": {lower-case name: value}, "content_type", "body", "json",
//!             "sse": [{ "id", "event", "data", "retry" }] } | null,
//!   "garbage": [<non-JSON text seen>], "closed": <why the server side closed> | null,
//!   "transport_error": <message> | null, "session_id", "elapsed_ms" }
//! ```
//!
//! An `auth` step adds `"auth": { "action", "ok", "error", "<action>": {…} }` and puts the last
//! OAuth exchange under `http` (see `crate::auth::action`).

use crate::session::{Exchange, Session};
use crate::transport::http::RawResponse;
use crate::transport::{HttpMeta, SseEvent};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// Document for a JSON-RPC exchange.
pub fn from_exchange(ex: &Exchange, session: &Session) -> Value {
    base(
        ex.response.clone(),
        ex.received.clone(),
        ex.http.as_ref().map(http_meta),
        session,
        ex.elapsed,
    )
}

/// Document for a raw HTTP exchange.
pub fn from_raw(r: &RawResponse, session: &Session) -> Value {
    let http = json!({
        "status": r.status,
        "headers": headers(&r.headers),
        "content_type": r.header("content-type"),
        "body": r.body,
        "json": r.json,
        "sse": sse(&r.sse_events),
        "truncated": r.truncated,
    });
    base(None, Vec::new(), Some(http), session, r.elapsed)
}

/// Document for a step that only observed what arrived (waits).
pub fn from_received(
    response: Option<Value>,
    received: Vec<Value>,
    session: &Session,
    elapsed: Duration,
) -> Value {
    base(response, received, None, session, elapsed)
}

/// Document for a step whose wire operation failed.
pub fn from_error(err: &str, session: &Session, elapsed: Duration) -> Value {
    let mut d = base(None, Vec::new(), None, session, elapsed);
    if let Some(o) = d.as_object_mut() {
        o.insert("transport_error".into(), Value::String(err.to_string()));
    }
    d
}

fn base(
    response: Option<Value>,
    received: Vec<Value>,
    http: Option<Value>,
    session: &Session,
    elapsed: Duration,
) -> Value {
    json!({
        "response": response,
        "received": received,
        "http": http,
        "garbage": session.garbage(),
        "closed": session.closed(),
        "transport_error": null,
        "session_id": session.session_id(),
        "elapsed_ms": u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
    })
}

fn http_meta(m: &HttpMeta) -> Value {
    let body_json = m
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str::<Value>(b).ok());
    json!({
        "status": m.status,
        "headers": headers(&m.headers),
        "content_type": m.content_type,
        "body": m.body,
        "json": body_json,
        "sse": sse(&m.sse_events),
    })
}

fn headers(h: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in h {
        let k = k.to_ascii_lowercase();
        match map.get_mut(&k) {
            Some(Value::String(prev)) => {
                prev.push_str(", ");
                prev.push_str(v);
            }
            _ => {
                map.insert(k, Value::String(v.clone()));
            }
        }
    }
    Value::Object(map)
}

fn sse(events: &[SseEvent]) -> Value {
    Value::Array(
        events
            .iter()
            .map(|e| json!({"id": e.id, "event": e.event, "data": e.data, "retry": e.retry}))
            .collect(),
    )
}
