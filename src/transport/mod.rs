//! The wires a target speaks: Streamable HTTP, legacy HTTP+SSE (2024-11-05) and stdio, plus the
//! SSE parser they share.
//!
//! Each transport records everything it sends and receives into a [`Transcript`](crate::transcript::Transcript)
//! and delivers every received JSON-RPC message to the session's inbox.

pub mod http;
pub mod inbox;
pub mod legacy;
mod record;
pub mod roots;
pub mod sse;
pub mod stdio;

use serde_json::Value;
use std::time::Duration;

pub use http::{HttpTransport, RawRequest, RawResponse};
pub use inbox::{approx_size, Inbox, InboxReceiver};
pub use legacy::LegacySseTransport;
pub use sse::{SseError, SseEvent, SseParser};
pub use stdio::StdioTransport;

/// Default cap on a response body or SSE event the harness will read.
pub const DEFAULT_MAX_BODY: usize = 10 * 1024 * 1024;

/// What to connect to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A Streamable HTTP endpoint URL.
    Http { url: String },
    /// A legacy HTTP+SSE (2024-11-05) stream URL: GET it for the `endpoint` event, POST there.
    LegacySse { url: String },
    /// A command to spawn and speak newline-delimited JSON-RPC with over stdin/stdout.
    Stdio {
        program: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
    },
}

impl Target {
    /// `streamable-http`, `sse` or `stdio`.
    pub fn transport_name(&self) -> &'static str {
        match self {
            Target::Http { .. } => "streamable-http",
            Target::LegacySse { .. } => "sse",
            Target::Stdio { .. } => "stdio",
        }
    }

    /// The target as a user would write it.
    pub fn display(&self) -> String {
        match self {
            Target::Http { url } | Target::LegacySse { url } => url.clone(),
            Target::Stdio { program, args, .. } => std::iter::once(program.as_str())
                .chain(args.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// Client-side settings every transport honours.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Longest wait for any single network operation (connect, response head, body, next message).
    pub timeout: Duration,
    /// Largest response body or SSE event read; more is a [`TransportError::BodyTooLarge`].
    pub max_body_bytes: usize,
    /// Extra headers sent on every HTTP request (e.g. `Authorization`).
    pub headers: Vec<(String, String)>,
    /// A PEM file of extra root certificates to trust for https:// targets (`--ca-cert`),
    /// beside the webpki roots.
    pub ca_cert: Option<std::path::PathBuf>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_body_bytes: DEFAULT_MAX_BODY,
            headers: Vec::new(),
            ca_cert: None,
        }
    }
}

/// Why a wire operation could not complete. A target's misbehaviour, not a harness bug.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Nothing (or not enough) arrived in time.
    #[error("timed out after {}ms waiting for {what}", .after.as_millis())]
    Timeout { what: String, after: Duration },
    /// The target could not be reached or started.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// Reading or writing failed mid-way (reset, broken pipe, process exited).
    #[error("i/o error: {0}")]
    Io(String),
    /// A body or event exceeded the configured cap.
    #[error("response larger than the {limit}-byte cap")]
    BodyTooLarge { limit: usize },
    /// The target answered something the transport cannot use (e.g. a POST response that is
    /// neither JSON nor SSE when a JSON-RPC response was required).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The operation needs something this transport does not have (e.g. raw HTTP on stdio).
    #[error("not supported on this transport: {0}")]
    Unsupported(String),
}

/// HTTP facts of one POST/GET/DELETE the session made.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HttpMeta {
    /// Status code.
    pub status: u16,
    /// Response headers, names lower-cased, in received order.
    pub headers: Vec<(String, String)>,
    /// The `content-type` header, lower-cased, parameters kept.
    pub content_type: Option<String>,
    /// The body as text when it was not an SSE stream (lossy UTF-8, capped).
    pub body: Option<String>,
    /// SSE events of the response stream when it was one (all events, priming ones included).
    pub sse_events: Vec<SseEvent>,
}

impl HttpMeta {
    /// First header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One received item: a JSON-RPC message, or text that was not one.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// Parsed JSON (object or array).
    Message(Value),
    /// A line/event/body that is not valid JSON (kept as evidence).
    Garbage(String),
    /// The server side closed (stdio process exited, or a stream ended), with detail.
    Closed(String),
    /// The next `len` items arrived together as one JSON array (a batch). `whole_body`: the
    /// array was a whole HTTP response body (not an SSE event or a stdio line). Lets the session
    /// judge batches it never asked for.
    Batch { len: usize, whole_body: bool },
}

/// Like [`decode_messages`], with an [`Incoming::Batch`] marker before the items of a JSON array
/// (`whole_body`: the bytes were a whole HTTP response body).
pub fn decode_framed(bytes: &[u8], whole_body: bool) -> Vec<Incoming> {
    let (items, array) = decode(bytes);
    if !array {
        return items;
    }
    let mut out = Vec::with_capacity(items.len() + 1);
    out.push(Incoming::Batch {
        len: items.len(),
        whole_body,
    });
    out.extend(items);
    out
}

/// Turns one received body, line or SSE data field into inbox items: a JSON object is one
/// [`Incoming::Message`], a JSON array one item per element (non-object elements and top-level
/// scalars are [`Incoming::Garbage`], being no JSON-RPC message), anything unparsable one
/// [`Incoming::Garbage`] holding the text (lossy UTF-8, clipped for the record).
pub fn decode_messages(bytes: &[u8]) -> Vec<Incoming> {
    decode(bytes).0
}

/// The items, and whether the bytes were a JSON array.
fn decode(bytes: &[u8]) -> (Vec<Incoming>, bool) {
    let garbage =
        |b: &[u8]| Incoming::Garbage(crate::transcript::clip_body(&String::from_utf8_lossy(b)));
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v @ Value::Object(_)) => (vec![Incoming::Message(v)], false),
        Ok(Value::Array(items)) => (
            items
                .into_iter()
                .map(|v| match v {
                    Value::Object(_) => Incoming::Message(v),
                    other => Incoming::Garbage(other.to_string()),
                })
                .collect(),
            true,
        ),
        Ok(_) | Err(_) => (vec![garbage(bytes)], false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decode_splits_arrays_and_keeps_garbage() {
        assert_eq!(
            decode_messages(br#"{"a":1}"#),
            vec![Incoming::Message(json!({"a":1}))]
        );
        assert_eq!(
            decode_messages(br#"[{"a":1},2]"#),
            vec![
                Incoming::Message(json!({"a":1})),
                Incoming::Garbage("2".into())
            ]
        );
        assert_eq!(
            decode_messages(b"nope"),
            vec![Incoming::Garbage("nope".into())]
        );
        assert_eq!(decode_messages(b"42"), vec![Incoming::Garbage("42".into())]);
        assert!(decode_messages(b"[]").is_empty());
    }

    #[test]
    fn framed_decoding_marks_arrays_only() {
        assert_eq!(
            decode_framed(br#"[{"a":1}]"#, true),
            vec![
                Incoming::Batch {
                    len: 1,
                    whole_body: true
                },
                Incoming::Message(json!({"a":1}))
            ]
        );
        assert_eq!(
            decode_framed(b"[]", false),
            vec![Incoming::Batch {
                len: 0,
                whole_body: false
            }]
        );
        assert_eq!(
            decode_framed(br#"{"a":1}"#, true),
            vec![Incoming::Message(json!({"a":1}))]
        );
        assert_eq!(
            decode_framed(b"[oops", true),
            vec![Incoming::Garbage("[oops".into())]
        );
    }
}
