//! Entry points for the property tests of `tests/fuzz_props/`: the JSON-RPC classifier and
//! the SSE framing functions, reachable from outside the crate without making the modules that
//! hold them public. Hidden from the documentation and not a stable API.

use bytes::Bytes;
use serde_json::Value;

pub use crate::jsonrpc::{classify, is_valid_id, Incoming};

/// One SSE event carrying `msg` with event id `id`, as the server frames it.
pub fn sse_message(id: &str, msg: &Value) -> Bytes {
    crate::sse::message_event(id, msg)
}

/// The priming event (an id and an empty `data` field).
pub fn sse_priming(id: &str) -> Bytes {
    crate::sse::priming_event(id)
}

/// The keep-alive comment.
pub fn sse_keep_alive() -> Bytes {
    crate::sse::keep_alive()
}

/// The first `n` event ids of stream number `stream` of a session.
pub fn sse_event_ids(stream: u64, n: usize) -> Vec<String> {
    let mut ids = crate::sse::EventIds::new(stream);
    (0..n).map(|_| ids.next_id()).collect()
}
