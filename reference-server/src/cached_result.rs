//! A result serialised once and sent many times: the pages of `tools/list`, which depend only
//! on the server's configuration and the session's revision, are kept as JSON bytes and
//! spliced into each response with the request's id, instead of being copied out of the cache
//! into a fresh `Value` tree, serialised and dropped on every call.
//!
//! The bytes are exactly what serialising `response(id, value)` writes (the tests compare the
//! two), so a client cannot tell a cached reply from a built one. The `Value` is kept beside
//! the bytes for the paths that must edit or re-wrap a response (SSE events, batches, stdio,
//! the 2026-07-28 shaping); those take a copy, as they did before.

use crate::jsonrpc::response;
use serde_json::Value;
use std::sync::Arc;

/// What a handler answers with: a result built for this request, or a cached one.
#[derive(Debug)]
pub(crate) enum ResultBody {
    /// A result built for this request.
    Built(Value),
    /// A result serialised ahead of time.
    Cached(Arc<CachedResult>),
}

impl From<Value> for ResultBody {
    fn from(v: Value) -> Self {
        ResultBody::Built(v)
    }
}

/// A `result` member with its compact JSON serialisation.
#[derive(Debug)]
pub(crate) struct CachedResult {
    value: Value,
    json: Box<[u8]>,
}

/// What goes before the id of a success response. The members are in the order `response`
/// inserts them (`preserve_order` keeps insertion order), written by hand because the splice
/// must match serde_json's compact output byte for byte.
const HEAD: &[u8] = br#"{"jsonrpc":"2.0","id":"#;
/// What goes between the id and the result.
const MIDDLE: &[u8] = br#","result":"#;

impl CachedResult {
    /// Serialises `value` once.
    pub fn new(value: Value) -> Self {
        // A `Value` always serialises (string keys only); the fallback is for the type system.
        let json = serde_json::to_vec(&value)
            .unwrap_or_else(|_| value.to_string().into_bytes())
            .into_boxed_slice();
        Self { value, json }
    }

    /// The whole response message for `id`, as `response(id, value)` would serialise.
    pub fn response_bytes(&self, id: &Value) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEAD.len() + MIDDLE.len() + self.json.len() + 24);
        out.extend_from_slice(HEAD);
        if serde_json::to_writer(&mut out, id).is_err() {
            // Unreachable for a JSON value; keep the message well formed regardless.
            out.extend_from_slice(b"null");
        }
        out.extend_from_slice(MIDDLE);
        out.extend_from_slice(&self.json);
        out.push(b'}');
        out
    }

    /// The response message for `id` as a `Value` (a copy of the result).
    pub fn response(&self, id: Value) -> Value {
        response(id, self.value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spliced_bytes_equal_the_built_response() {
        let results = [
            json!({"tools": [{"name": "a", "inputSchema": {"type": "object"}}], "nextCursor": "x"}),
            json!({"tools": []}),
            json!({"z": 1, "a": "é\"\\\n", "m": [null, true, 1.5]}),
        ];
        let ids = [
            json!(0),
            json!(-7),
            json!(u64::MAX),
            json!("abc"),
            json!("q\"uote"),
            Value::Null,
        ];
        for r in &results {
            let cached = CachedResult::new(r.clone());
            for id in &ids {
                let built = serde_json::to_vec(&response(id.clone(), r.clone())).unwrap();
                assert_eq!(
                    String::from_utf8(cached.response_bytes(id)).unwrap(),
                    String::from_utf8(built).unwrap()
                );
                assert_eq!(cached.response(id.clone()), response(id.clone(), r.clone()));
            }
        }
    }
}
