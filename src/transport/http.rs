//! Streamable HTTP client: JSON-RPC messages POSTed to one endpoint, answered with JSON or an
//! SSE stream, plus raw exchanges for transport-rule checks.
//!
//! One [`HttpTransport`] serves one session. Message POSTs run in spawned tasks so several can be
//! in flight and progress notifications reach the inbox while the session waits; every request,
//! response head, body and SSE event is recorded in the transcript. Redirects are never followed
//! (a conformance client must not carry credentials off-origin, and must see the 3xx itself).
//! A POST whose SSE stream ends before its response, after an event id, is resumed with
//! `GET` + `Last-Event-ID` (see `resume`).

mod raw;
mod read;
mod resume;

pub use raw::{RawRequest, RawResponse};
pub use resume::{Reconnect, ResumedStream, StreamResume, MAX_RECONNECTS};

use super::record::STREAM_RECORD_BYTES;
use super::{decode_framed, ClientOptions, HttpMeta, Inbox, Incoming, TransportError};
use crate::transcript::{clip_body, Entry, Transcript, MAX_RECORDED_BODY};
use read::{end_note, header_list, media_type, read_body, read_sse, End};
use resume::{take_event, Tracker};
use serde_json::Value;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::sync::oneshot;
use tokio::time::Instant;

/// The `Accept` value of every message POST: both response kinds the spec allows.
pub const ACCEPT_BOTH: &str = "application/json, text/event-stream";

/// Streamable HTTP connection state of one session. Cloning shares the state.
#[derive(Clone, Debug)]
pub struct HttpTransport {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    endpoint: url::Url,
    opts: ClientOptions,
    transcript: Transcript,
    session_id: Mutex<Option<String>>,
    protocol_version: Mutex<Option<String>>,
    inbox: Inbox,
    /// Streams resumed after ending before their response (the last `resume::KEPT_RESUMES`).
    resumes: Mutex<VecDeque<resume::StreamResume>>,
}

/// A message POST running in the background; resolves to its HTTP facts once the body or SSE
/// stream has been read (messages reach the inbox before that, as they arrive).
#[derive(Debug)]
pub struct PostHandle {
    rx: oneshot::Receiver<Result<HttpMeta, TransportError>>,
}

impl Future for PostHandle {
    type Output = Result<HttpMeta, TransportError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx).poll(cx).map(|r| {
            r.unwrap_or_else(|_| {
                Err(TransportError::Io(
                    "the POST task ended without a result".into(),
                ))
            })
        })
    }
}

impl HttpTransport {
    /// A transport for `url` delivering received messages to `inbox`. Does not connect yet.
    pub fn new(
        url: &str,
        opts: ClientOptions,
        transcript: Transcript,
        inbox: Inbox,
    ) -> Result<Self, TransportError> {
        let endpoint = url::Url::parse(url)
            .map_err(|e| TransportError::Connect(format!("invalid URL `{url}`: {e}")))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(TransportError::Connect(format!(
                "`{url}` is not an http(s) URL"
            )));
        }
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(opts.timeout);
        let client = super::roots::trust(builder, opts.ca_cert.as_deref())?
            .build()
            .map_err(|e| TransportError::Connect(error_chain(&e)))?;
        let inner = Inner {
            client,
            endpoint,
            opts,
            transcript,
            session_id: Mutex::new(None),
            protocol_version: Mutex::new(None),
            inbox,
            resumes: Mutex::new(VecDeque::new()),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> &str {
        self.inner.endpoint.as_str()
    }

    /// The `Mcp-Session-Id` sent with requests, if any.
    pub fn session_id(&self) -> Option<String> {
        lock(&self.inner.session_id).clone()
    }

    /// Sets (or clears) the session id sent from now on.
    pub fn set_session_id(&self, id: Option<String>) {
        *lock(&self.inner.session_id) = id;
    }

    /// The `MCP-Protocol-Version` header value sent from now on, if any.
    pub fn protocol_version(&self) -> Option<String> {
        lock(&self.inner.protocol_version).clone()
    }

    /// Sets (or clears) the `MCP-Protocol-Version` header value.
    pub fn set_protocol_version(&self, version: Option<String>) {
        *lock(&self.inner.protocol_version) = version;
    }

    /// The transcript this transport records into.
    pub fn transcript(&self) -> &Transcript {
        &self.inner.transcript
    }

    /// The client options in force.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.opts
    }

    /// POSTs `body` as a message in a spawned task; messages in the response reach the inbox as
    /// they arrive. The whole exchange is bounded by `ClientOptions::timeout`. Must be called
    /// within a Tokio runtime.
    pub fn post(&self, body: Vec<u8>) -> PostHandle {
        self.post_with(body, Vec::new())
    }

    /// Like [`post`](Self::post), with headers for this request only (e.g. the 2026-07-28
    /// `Mcp-Method`/`Mcp-Name` mirrors): they replace the session's defaults of the same name,
    /// and the user's `ClientOptions::headers` still come last.
    pub fn post_with(&self, body: Vec<u8>, extra: Vec<(String, String)>) -> PostHandle {
        let inner = Arc::clone(&self.inner);
        let (tx, rx) = oneshot::channel();
        tokio::spawn(async move {
            let result = inner.post_now(body, &extra).await;
            if let Err(e) = &result {
                inner.transcript.note(format!("POST failed: {e}"));
            }
            let _ = tx.send(result);
        });
        PostHandle { rx }
    }

    /// POSTs one JSON-RPC message (or batch) and waits until its response body or stream is read.
    pub async fn post_message(&self, message: &Value) -> Result<HttpMeta, TransportError> {
        self.post(message.to_string().into_bytes()).await
    }

    /// Sends `DELETE` with the session id to end the session. The stored id is kept, so checks
    /// can show that the server now refuses it.
    pub async fn delete_session(&self) -> Result<HttpMeta, TransportError> {
        let Some(id) = self.session_id() else {
            return Err(TransportError::Unsupported(
                "DELETE needs a session id, and none was issued".into(),
            ));
        };
        let mut headers = vec![("mcp-session-id".to_string(), id)];
        if let Some(v) = self.protocol_version() {
            headers.push(("mcp-protocol-version".into(), v));
        }
        for (k, v) in &self.inner.opts.headers {
            merge_header(&mut headers, k, v);
        }
        let deadline = Instant::now() + self.inner.opts.timeout;
        let url = self.inner.endpoint.clone();
        let mut resp = self
            .inner
            .send(reqwest::Method::DELETE, url, &headers, None, deadline)
            .await?;
        let mut meta = head_meta(&resp);
        let body = read_body(&mut resp, self.inner.opts.max_body_bytes, deadline).await;
        self.inner.finish_plain(&mut meta, body.bytes, &body.end);
        Ok(meta)
    }

    /// One raw exchange for transport-rule checks; see [`RawRequest`]. Nothing reaches the inbox.
    pub async fn raw(&self, req: RawRequest) -> Result<RawResponse, TransportError> {
        raw::exchange(&self.inner, req, false).await
    }

    /// Like [`raw`](Self::raw), except that the JSON-RPC messages of an SSE response also reach
    /// the inbox as they arrive, so the session sees and answers what the server sends there
    /// (e.g. the standalone GET stream, watched while a check waits for a server request).
    pub async fn raw_delivering(&self, req: RawRequest) -> Result<RawResponse, TransportError> {
        raw::exchange(&self.inner, req, true).await
    }
}

impl Inner {
    /// Headers of a message POST: content type, accept, session and version, the request's
    /// own (`extra`), then the user's.
    fn message_headers(&self, extra: &[(String, String)]) -> Vec<(String, String)> {
        let mut h = vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("accept".to_string(), ACCEPT_BOTH.to_string()),
        ];
        self.session_headers(&mut h);
        for (k, v) in extra {
            merge_header(&mut h, k, v);
        }
        for (k, v) in &self.opts.headers {
            merge_header(&mut h, k, v);
        }
        h
    }

    /// Adds `Mcp-Session-Id` and `MCP-Protocol-Version` when known.
    fn session_headers(&self, h: &mut Vec<(String, String)>) {
        if let Some(id) = lock(&self.session_id).clone() {
            merge_header(h, "mcp-session-id", &id);
        }
        if let Some(v) = lock(&self.protocol_version).clone() {
            merge_header(h, "mcp-protocol-version", &v);
        }
    }

    /// Records and sends a request; waits for the response head until `deadline`.
    async fn send(
        &self,
        method: reqwest::Method,
        url: url::Url,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
        deadline: Instant,
    ) -> Result<reqwest::Response, TransportError> {
        let mut req = self.client.request(method.clone(), url.clone());
        // reqwest sends `Accept: */*` whenever a request has none and offers no way to omit it;
        // say so explicitly, so the transcript shows what went out. (RFC 9110 §12.5.1: no
        // Accept means any media type, which is what `*/*` says.)
        let mut headers = headers.to_vec();
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("accept"))
        {
            headers.push(("accept".into(), "*/*".into()));
        }
        for (k, v) in &headers {
            let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| TransportError::Unsupported(format!("invalid header name `{k}`")))?;
            let value = reqwest::header::HeaderValue::from_str(v).map_err(|_| {
                TransportError::Unsupported(format!("invalid value for header `{k}`"))
            })?;
            req = req.header(name, value);
        }
        let recorded_body = body
            .as_deref()
            .map(|b| clip_body(&String::from_utf8_lossy(b)));
        if let Some(b) = body {
            req = req.body(b);
        }
        self.transcript.push(Entry::HttpRequest {
            t_ms: self.transcript.now_ms(),
            method: method.to_string(),
            url: url.to_string(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            body: recorded_body,
        });
        match tokio::time::timeout_at(deadline, req.send()).await {
            Err(_) => Err(TransportError::Timeout {
                what: format!("the response to {method} {url}"),
                after: self.opts.timeout,
            }),
            Ok(Err(e)) if e.is_connect() => Err(TransportError::Connect(error_chain(&e))),
            Ok(Err(e)) if e.is_timeout() => Err(TransportError::Timeout {
                what: format!("connecting to {url}"),
                after: self.opts.timeout,
            }),
            Ok(Err(e)) => Err(TransportError::Io(error_chain(&e))),
            Ok(Ok(resp)) => Ok(resp),
        }
    }

    /// One message POST: send, then read a JSON body or an SSE stream into the inbox.
    async fn post_now(
        &self,
        body: Vec<u8>,
        extra: &[(String, String)],
    ) -> Result<HttpMeta, TransportError> {
        let started = Instant::now();
        let deadline = started + self.opts.timeout;
        let headers = self.message_headers(extra);
        let url = self.endpoint.clone();
        let mut tracker = Tracker::for_body(&body);
        let mut resp = self
            .send(reqwest::Method::POST, url, &headers, Some(body), deadline)
            .await?;
        let mut meta = head_meta(&resp);
        let no_content = matches!(meta.status, 202 | 204);
        let cap = self.opts.max_body_bytes;
        if !no_content
            && media_type(meta.content_type.as_deref()).as_deref() == Some("text/event-stream")
        {
            self.record_head(&meta, None);
            // The messages themselves go to the inbox; the events kept with the HTTP facts
            // are for transport checks (ids, priming, retry) and need not hold a flood.
            let keep = cap.min(STREAM_RECORD_BYTES);
            let read = read_sse(
                &mut resp,
                cap,
                keep,
                deadline,
                usize::MAX,
                false,
                &self.transcript,
                |ev| take_event(self, &mut tracker, ev, true),
            )
            .await;
            meta.sse_events = read.events;
            if let Some(note) = end_note(&read.end, "POST response stream", cap, started.elapsed())
            {
                self.transcript.note(note);
            }
            let closed_early = matches!(read.end, End::Complete | End::Failed(_));
            if read.end == End::OverCap {
                return Err(TransportError::BodyTooLarge { limit: cap });
            }
            // Ended before the response, with an id to resume from: resume (the events of
            // the resumed connections belong to the same stream).
            if closed_early && tracker.pending() && tracker.last_id().is_some() {
                let mut more = Vec::new();
                let kept: usize = meta.sse_events.iter().map(|e| e.data.len() + 16).sum();
                self.resume_loop(
                    &mut tracker,
                    deadline,
                    true,
                    &mut more,
                    keep.saturating_sub(kept),
                )
                .await?;
                meta.sse_events.extend(more);
            }
            return Ok(meta);
        }
        let body = read_body(&mut resp, cap, deadline).await;
        if body.end == End::OverCap {
            // Only the start is evidence; no copy of a body the size of the cap.
            let start = &body.bytes[..body.bytes.len().min(MAX_RECORDED_BODY)];
            self.record_head(&meta, Some(clip_body(&String::from_utf8_lossy(start))));
            if let Some(note) = end_note(&body.end, "response body", cap, self.opts.timeout) {
                self.transcript.note(note);
            }
            return Err(TransportError::BodyTooLarge { limit: cap });
        }
        let items = if no_content || body.bytes.is_empty() {
            Vec::new()
        } else {
            match media_type(meta.content_type.as_deref()).as_deref() {
                Some("application/json") => decode_framed(&body.bytes, true),
                _ => vec![Incoming::Garbage(clip_body(&String::from_utf8_lossy(
                    &body.bytes,
                )))],
            }
        };
        let end = body.end.clone();
        self.finish_plain(&mut meta, body.bytes, &end);
        match end {
            End::OverCap => return Err(TransportError::BodyTooLarge { limit: cap }),
            End::TimedOut => {
                return Err(TransportError::Timeout {
                    what: "the POST response body".into(),
                    after: self.opts.timeout,
                })
            }
            End::Failed(e) => return Err(TransportError::Io(e)),
            End::Complete | End::EventLimit => {}
        }
        for item in items {
            self.inbox.send(item);
        }
        Ok(meta)
    }

    /// Stores a plain (non-SSE) body in `meta` and records the response with it.
    fn finish_plain(&self, meta: &mut HttpMeta, bytes: Vec<u8>, end: &End) {
        // Moved, not copied, when it is valid UTF-8 (the usual case).
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        self.record_head(meta, (!text.is_empty()).then(|| clip_body(&text)));
        if let Some(note) = end_note(
            end,
            "response body",
            self.opts.max_body_bytes,
            self.opts.timeout,
        ) {
            self.transcript.note(note);
        }
        meta.body = Some(text);
    }

    fn record_head(&self, meta: &HttpMeta, body: Option<String>) {
        self.transcript.push(Entry::HttpResponse {
            t_ms: self.transcript.now_ms(),
            status: meta.status,
            headers: meta.headers.clone(),
            body,
        });
    }
}

/// The HTTP facts of a response head.
fn head_meta(resp: &reqwest::Response) -> HttpMeta {
    let headers = header_list(resp.headers());
    let content_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.to_ascii_lowercase());
    HttpMeta {
        status: resp.status().as_u16(),
        headers,
        content_type,
        body: None,
        sse_events: Vec::new(),
    }
}

/// Sets header `name` (case-insensitive) to `value`, replacing earlier values; an empty value
/// removes it.
pub(crate) fn merge_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    if !value.is_empty() {
        headers.push((name.to_ascii_lowercase(), value.to_string()));
    }
}

/// An error with its causes, for messages (reqwest's own text omits the cause).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave an Option<String> inconsistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_replaces_case_insensitively_and_empty_removes() {
        let mut h = vec![
            ("accept".to_string(), "a".to_string()),
            ("x".to_string(), "1".to_string()),
        ];
        merge_header(&mut h, "Accept", "b");
        assert_eq!(
            h,
            vec![
                ("x".to_string(), "1".to_string()),
                ("accept".to_string(), "b".to_string())
            ]
        );
        merge_header(&mut h, "X", "");
        assert_eq!(h, vec![("accept".to_string(), "b".to_string())]);
    }

    #[tokio::test]
    async fn rejects_non_http_urls() {
        let (tx, _rx) = Inbox::channel(1024, Transcript::new());
        let err = HttpTransport::new(
            "ftp://127.0.0.1/",
            ClientOptions::default(),
            Transcript::new(),
            tx,
        )
        .unwrap_err();
        assert!(matches!(err, TransportError::Connect(_)));
    }
}
