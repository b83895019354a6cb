//! The legacy HTTP+SSE transport of protocol 2024-11-05, client side.
//!
//! Connecting opens `GET <url>` with `Accept: text/event-stream` and waits (within the timeout)
//! for the server's `endpoint` event. Its data is resolved against the stream URL; a URI on
//! another origin is refused and never contacted. Every message is then POSTed to that URI,
//! and every `message` event of the stream reaches the session's inbox. A POST's answer is
//! only an acknowledgement: a JSON-RPC message in its body is recorded and noted, never taken
//! as the server's reply (real 2024-11-05 clients ignore it too). Everything is recorded in the
//! transcript; events are capped at `max_body_bytes`; the stream ending is an
//! [`Incoming::Closed`](super::Incoming::Closed) for the session.

mod detect;
mod stream;

pub use detect::detect;

pub use stream::ConnectFacts;

use super::http::{HttpTransport, RawRequest, RawResponse};
use super::{ClientOptions, HttpMeta, Inbox, TransportError};
use crate::transcript::Transcript;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How long the harness reads a POST answer that is (against expectations) an SSE stream.
const POST_SSE_WINDOW: Duration = Duration::from_millis(500);

/// One legacy HTTP+SSE connection: the open stream and the POST URI it named. Cloning shares
/// the connection; it closes when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct LegacySseTransport {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// POSTs go through a Streamable HTTP client whose endpoint is the POST URI (raw exchanges
    /// only: nothing in a POST answer reaches the inbox).
    post: HttpTransport,
    facts: ConnectFacts,
    reader: JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the GET stream ends the session on the server.
        self.reader.abort();
    }
}

impl LegacySseTransport {
    /// Opens the stream at `url` and waits for its `endpoint` event (at most `opts.timeout`).
    /// Fails when the GET is not answered with an event stream, no endpoint event comes in
    /// time, the stream ends first, or the endpoint is on another origin.
    pub async fn connect(
        url: &str,
        opts: ClientOptions,
        transcript: Transcript,
        inbox: Inbox,
    ) -> Result<Self, TransportError> {
        let opened = stream::open(url, &opts, &transcript, inbox).await?;
        let post = match HttpTransport::new(
            &opened.facts.post_url,
            opts,
            transcript.clone(),
            // POST answers never reach the inbox (raw exchanges), so this one stays empty.
            Inbox::channel(1024, transcript).0,
        ) {
            Ok(p) => p,
            Err(e) => {
                opened.reader.abort();
                return Err(e);
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                post,
                facts: opened.facts,
                reader: opened.reader,
            }),
        })
    }

    /// The stream URL connected to.
    pub fn stream_url(&self) -> &str {
        &self.inner.facts.stream_url
    }

    /// The POST URI, resolved from the endpoint event.
    pub fn post_url(&self) -> &str {
        &self.inner.facts.post_url
    }

    /// What connecting observed (status, headers, events before the endpoint event).
    pub fn facts(&self) -> &ConnectFacts {
        &self.inner.facts
    }

    /// The HTTP client bound to the POST URI, for raw exchanges (`url: None` means the POST
    /// URI; session headers are never sent: the legacy transport has none).
    pub fn http(&self) -> &HttpTransport {
        &self.inner.post
    }

    /// Whether the stream is still being read (false once it ended or failed).
    pub fn stream_open(&self) -> bool {
        !self.inner.reader.is_finished()
    }

    /// POSTs one message (or any body) to the POST URI and returns the answer's HTTP facts.
    /// A JSON-RPC message in the answer's body is noted in the transcript, not delivered.
    pub async fn post(&self, body: Vec<u8>) -> Result<HttpMeta, TransportError> {
        let req = RawRequest {
            method: "POST".into(),
            url: None,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(body),
            with_session: false,
            default_headers: false,
            sse_window: POST_SSE_WINDOW,
            max_events: 64,
        };
        let r = self.inner.post.raw(req).await?;
        if holds_jsonrpc(r.json.as_ref()) {
            self.inner.post.transcript().note(format!(
                "the POST answer (HTTP {}) carries a JSON-RPC message in its body; over the legacy \
                 SSE transport every server message must come as an SSE `message` event, so it \
                 is not taken as one",
                r.status
            ));
        }
        Ok(meta_of(r))
    }

    /// POSTs in a spawned task without waiting (answers to server requests); the outcome is in
    /// the transcript.
    pub fn post_detached(&self, body: Vec<u8>) {
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.post(body).await {
                this.inner
                    .post
                    .transcript()
                    .note(format!("POST failed: {e}"));
            }
        });
    }
}

/// Whether a POST answer body is a JSON-RPC message (or an array of them).
fn holds_jsonrpc(json: Option<&Value>) -> bool {
    let is_message = |v: &Value| {
        v.get("jsonrpc").is_some()
            || v.get("result").is_some()
            || v.get("error").is_some()
            || v.get("method").is_some()
    };
    match json {
        Some(Value::Array(items)) => items.iter().any(is_message),
        Some(v) => is_message(v),
        None => false,
    }
}

/// The HTTP facts of a raw POST answer.
fn meta_of(r: RawResponse) -> HttpMeta {
    let content_type = r.header("content-type").map(str::to_ascii_lowercase);
    HttpMeta {
        status: r.status,
        content_type,
        body: Some(r.body),
        sse_events: r.sse_events,
        headers: r.headers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recognises_jsonrpc_bodies_only() {
        assert!(holds_jsonrpc(Some(
            &json!({"jsonrpc":"2.0","id":1,"result":{}})
        )));
        assert!(holds_jsonrpc(Some(&json!([{"id":1,"error":{}}]))));
        assert!(!holds_jsonrpc(Some(&json!("Accepted"))));
        assert!(!holds_jsonrpc(Some(&json!({"ok":true}))));
        assert!(!holds_jsonrpc(None));
    }
}
