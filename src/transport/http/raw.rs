//! Raw HTTP exchanges for transport-rule checks: any method, any headers, any body, with the
//! response kept whole (status, headers, body text, SSE events) as evidence.

use super::read::{end_note, header_list, media_type, read_body, read_sse, End};
use super::resume::{take_event, Tracker};
use super::{merge_header, Inner, ACCEPT_BOTH};
use crate::transcript::{clip_body, Entry};
use crate::transport::{SseEvent, TransportError};
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

/// One hand-built HTTP request.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRequest {
    /// `GET`, `POST`, `DELETE`, `OPTIONS`, …
    pub method: String,
    /// Absolute URL; `None` means the session's endpoint.
    pub url: Option<String>,
    /// Headers to send. They override every default; an empty value means "omit this header",
    /// except `Accept`, which the HTTP client always sends: omitted, it goes out as `*/*`
    /// (the same meaning as no `Accept`, RFC 9110 §12.5.1) and is recorded so.
    pub headers: Vec<(String, String)>,
    /// Request body.
    pub body: Option<Vec<u8>>,
    /// Add `Mcp-Session-Id` and `MCP-Protocol-Version` when the session knows them.
    pub with_session: bool,
    /// Add `Content-Type: application/json` (when there is a body) and the standard `Accept`.
    pub default_headers: bool,
    /// For an SSE response: stop reading after this long (from the response head).
    pub sse_window: Duration,
    /// For an SSE response: stop reading after this many events.
    pub max_events: usize,
}

impl Default for RawRequest {
    /// A `POST` to the endpoint with session and default headers, no body, a 2 s SSE window and
    /// at most 64 events.
    fn default() -> Self {
        Self {
            method: "POST".into(),
            url: None,
            headers: Vec::new(),
            body: None,
            with_session: true,
            default_headers: true,
            sse_window: Duration::from_secs(2),
            max_events: 64,
        }
    }
}

impl RawRequest {
    /// A request with `method` and the defaults of [`RawRequest::default`].
    pub fn new(method: &str) -> Self {
        Self {
            method: method.to_string(),
            ..Self::default()
        }
    }

    /// A `POST` of `body`.
    pub fn post(body: impl Into<Vec<u8>>) -> Self {
        Self {
            body: Some(body.into()),
            ..Self::default()
        }
    }

    /// A `GET` asking for an SSE stream (`Accept: text/event-stream`).
    pub fn get_stream() -> Self {
        Self::new("GET").header("accept", "text/event-stream")
    }

    /// Adds a header (overriding defaults; an empty value omits the header).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// What came back from a [`RawRequest`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased, in received order.
    pub headers: Vec<(String, String)>,
    /// The body (for SSE: the raw stream text read), lossy UTF-8, at most the cap.
    pub body: String,
    /// The body parsed as JSON, when it is JSON (whatever the content type).
    pub json: Option<Value>,
    /// SSE events, when the response was an event stream.
    pub sse_events: Vec<SseEvent>,
    /// Reading stopped before the end: cap, time window, event limit or a read error.
    pub truncated: bool,
    /// From sending the request to the end of reading.
    pub elapsed: Duration,
}

impl RawResponse {
    /// First header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of `content-type`, lower-cased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        media_type(self.header("content-type"))
    }
}

/// Performs `req` for the transport `inner`; with `deliver`, the messages of an SSE response
/// also reach the inbox as they arrive.
pub(super) async fn exchange(
    inner: &Inner,
    req: RawRequest,
    deliver: bool,
) -> Result<RawResponse, TransportError> {
    let started = Instant::now();
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|_| {
        TransportError::Unsupported(format!("invalid HTTP method `{}`", req.method))
    })?;
    let url = match &req.url {
        None => inner.endpoint.clone(),
        Some(u) => url::Url::parse(u)
            .map_err(|e| TransportError::Connect(format!("invalid URL `{u}`: {e}")))?,
    };
    let mut headers = Vec::new();
    if req.default_headers {
        if req.body.is_some() {
            merge_header(&mut headers, "content-type", "application/json");
        }
        merge_header(&mut headers, "accept", ACCEPT_BOTH);
    }
    for (k, v) in &inner.opts.headers {
        merge_header(&mut headers, k, v);
    }
    if req.with_session {
        inner.session_headers(&mut headers);
    }
    for (k, v) in &req.headers {
        merge_header(&mut headers, k, v);
    }
    let cap = inner.opts.max_body_bytes;
    let mut resp = inner
        .send(
            method,
            url,
            &headers,
            req.body,
            started + inner.opts.timeout,
        )
        .await?;
    let head_at = Instant::now();
    let mut out = RawResponse {
        status: resp.status().as_u16(),
        headers: header_list(resp.headers()),
        ..RawResponse::default()
    };
    let record_head = |body: Option<String>| {
        inner.transcript.push(Entry::HttpResponse {
            t_ms: inner.transcript.now_ms(),
            status: out.status,
            headers: out.headers.clone(),
            body,
        });
    };
    let end = if out.media_type().as_deref() == Some("text/event-stream") {
        record_head(None);
        let window_end = head_at + req.sse_window;
        // Nothing is awaited on a raw stream: the tracker only parses the events.
        let mut tracker = Tracker::default();
        let read = read_sse(
            &mut resp,
            cap,
            cap,
            window_end,
            req.max_events,
            true,
            &inner.transcript,
            |ev| {
                if deliver {
                    take_event(inner, &mut tracker, ev, true);
                }
            },
        )
        .await;
        out.sse_events = read.events;
        out.body = String::from_utf8_lossy(&read.raw).into_owned();
        if let Some(note) = end_note(&read.end, "SSE stream", cap, req.sse_window) {
            inner.transcript.note(note);
        }
        read.end
    } else {
        let body = read_body(&mut resp, cap, head_at + inner.opts.timeout).await;
        out.body = String::from_utf8_lossy(&body.bytes).into_owned();
        out.json = serde_json::from_slice(&body.bytes).ok();
        record_head((!out.body.is_empty()).then(|| clip_body(&out.body)));
        if let Some(note) = end_note(&body.end, "response body", cap, inner.opts.timeout) {
            inner.transcript.note(note);
        }
        body.end
    };
    out.truncated = end != End::Complete;
    out.elapsed = started.elapsed();
    Ok(out)
}
