//! One send and its wait: POST (or write a line), collect the awaited responses and whatever
//! else arrives, and end within the timeout.
//!
//! Every way an exchange ends without its response leaves a note in the transcript (timed out,
//! the POST ended without it, the process closed), so a check's evidence says what happened and
//! not only what was missing. Framing violations seen meanwhile (an unsolicited batch, a second
//! response) turn a request's exchange into `TransportError::Protocol`.

use super::inbox::Waiting;
use super::{Exchange, Session, Wire, META_GRACE, STREAM_GRACE};
use crate::protocol::jsonrpc::Message;
use crate::transport::{HttpMeta, TransportError};
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

impl Session {
    /// Sends `text` and waits as `waiting` says; `quiet` is the stdio collection window of a raw
    /// send (`None`: until the responses arrived, at most the timeout).
    pub(super) async fn exchange(
        &mut self,
        text: String,
        waiting: Waiting,
        batch: bool,
        quiet: Option<Duration>,
        what: String,
    ) -> Result<Exchange, TransportError> {
        let waiting = waiting.limit(self.opts.max_body_bytes);
        self.framing.begin(&waiting.ids(), batch);
        let expects = waiting.expects_response();
        let result = self
            .exchange_inner(text, waiting, batch, quiet, &what)
            .await;
        let violations = self.framing.end();
        match result {
            Ok(_) if expects && !violations.is_empty() => {
                Err(TransportError::Protocol(violations.join("; ")))
            }
            other => other,
        }
    }

    async fn exchange_inner(
        &mut self,
        text: String,
        mut waiting: Waiting,
        batch: bool,
        quiet: Option<Duration>,
        what: &str,
    ) -> Result<Exchange, TransportError> {
        let started = Instant::now();
        let mut deadline = started + self.opts.timeout;
        let mut in_grace = false;
        let mut post = match &mut self.wire {
            Wire::Http(http) => {
                http.post_with(text.into_bytes(), std::mem::take(&mut self.request_headers))
            }
            Wire::Legacy(legacy) => {
                let legacy = legacy.clone();
                return self
                    .exchange_legacy(&legacy, text, waiting, batch, quiet, started, what)
                    .await;
            }
            Wire::Stdio(stdio) => {
                let mut line = text;
                line.push('\n');
                stdio.write_raw(line.as_bytes()).await?;
                return self
                    .collect_stdio(waiting, batch, quiet, started, what)
                    .await;
            }
        };
        let mut meta = None;
        let mut timed_out = false;
        loop {
            tokio::select! {
                // The POST's result first: once it is in, everything it delivered is queued.
                biased;
                done = &mut post => match done {
                    Ok(m) => {
                        meta = Some(m);
                        break;
                    }
                    Err(e) if !waiting.any() => return Err(e),
                    Err(_) => break, // the response arrived; the failure is in the transcript
                },
                item = self.inbox.recv() => {
                    if let Some(v) = match item { Some(i) => self.absorb(i).await, None => None } {
                        self.keep(&mut waiting, v);
                    }
                    if !in_grace && waiting.expects_response() && waiting.complete() {
                        in_grace = true;
                        deadline = deadline.min(Instant::now() + STREAM_GRACE);
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    timed_out = true;
                    break;
                }
            }
        }
        if timed_out && in_grace {
            self.transcript.note(format!(
                "the response stream was still open {}ms after the response arrived; not waiting for it to close",
                STREAM_GRACE.as_millis()
            ));
        }
        self.absorb_ready(&mut waiting).await;
        if timed_out {
            if !waiting.any() {
                return Err(self.timed_out(what));
            }
            meta = tokio::time::timeout(META_GRACE, post)
                .await
                .ok()
                .and_then(Result::ok);
            self.absorb_ready(&mut waiting).await;
        }
        if waiting.expects_response() && !waiting.complete() {
            if let Some(m) = &meta {
                self.transcript.note(format!(
                    "the POST ended without {what}: {}",
                    describe_http(m)
                ));
            }
        }
        Ok(self.finish(waiting, batch, meta, started))
    }

    /// stdio: waits for the responses (or `quiet` for a raw send) after the write.
    async fn collect_stdio(
        &mut self,
        mut waiting: Waiting,
        batch: bool,
        quiet: Option<Duration>,
        started: Instant,
        what: &str,
    ) -> Result<Exchange, TransportError> {
        let until = started + quiet.unwrap_or(self.opts.timeout);
        while quiet.is_some() || (waiting.expects_response() && !waiting.complete()) {
            match self.next_message(until).await {
                Ok(Some(v)) => self.keep(&mut waiting, v),
                Ok(None) => {}
                Err(()) => break,
            }
        }
        if quiet.is_none() && waiting.expects_response() && !waiting.any() {
            return Err(match &self.closed {
                Some(why) => {
                    TransportError::Io(format!("the server closed before answering: {why}"))
                }
                None => self.timed_out(what),
            });
        }
        Ok(self.finish(waiting, batch, None, started))
    }

    /// The timeout error for `what`, noted in the transcript.
    pub(super) fn timed_out(&self, what: &str) -> TransportError {
        self.transcript.note(format!(
            "waited {}ms for {what}; nothing came",
            self.opts.timeout.as_millis()
        ));
        TransportError::Timeout {
            what: what.to_string(),
            after: self.opts.timeout,
        }
    }

    pub(super) fn finish(
        &self,
        waiting: Waiting,
        batch: bool,
        http: Option<HttpMeta>,
        started: Instant,
    ) -> Exchange {
        let elapsed = waiting.first_at.unwrap_or_else(Instant::now) - started;
        let (response, received) = waiting.into_response(batch);
        Exchange {
            response,
            http,
            received,
            elapsed,
        }
    }
}

/// "HTTP 200, application/json, empty body" and the like.
fn describe_http(m: &HttpMeta) -> String {
    let body = match m.body.as_deref() {
        Some("") | None if m.sse_events.is_empty() => "empty body".to_string(),
        Some(b) if !b.is_empty() => format!("{}-byte body", b.len()),
        _ => format!("{} SSE events", m.sse_events.len()),
    };
    format!(
        "HTTP {}, {}, {body}",
        m.status,
        m.content_type.as_deref().unwrap_or("no content type")
    )
}

/// "the response to request id 3 (`tools/list`)" and the like, for timeout errors.
pub(super) fn describe_wait(message: &Value) -> String {
    match Message::classify(message) {
        Message::Request { id, method, .. } => {
            format!("the response to request id {id} (`{method}`)")
        }
        Message::Batch(_) => "the responses to the batch".into(),
        _ => "the message to be sent".into(),
    }
}
