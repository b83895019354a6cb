//! Resuming an SSE stream that ended before the awaited response (2025-03-26 resumability,
//! 2025-11-25 polling): wait the server's `retry`, then `GET` with `Last-Event-ID` and keep
//! reading, as many times as needed within the timeout and a bounded number of reconnections.
//!
//! The rules followed: the client MUST wait the `retry` the server sent before reconnecting
//! (no `retry`: reconnect at once, and the record says it was absent); a wait longer than what
//! is left of the timeout is cut to it (a `retry: 999999999` must not hang the harness), and
//! then the resumption gives up. Every GET, its response head and its events are recorded in
//! the transcript, and each resumption is kept as a [`StreamResume`] that checks can inspect
//! (`HttpTransport::resumes`).

use super::read::{end_note, media_type, read_body, read_sse, End};
use super::{head_meta, merge_header, HttpTransport, Inner};
use crate::transcript::clip_body;
use crate::transport::{decode_framed, Incoming, SseEvent, TransportError};
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

/// Most reconnections for one stream.
pub const MAX_RECONNECTS: usize = 32;

/// Reconnections in a row that bring no event, from a server that never sent `retry` (so is
/// not polling), before the resumption gives up.
const MAX_IDLE_RECONNECTS: usize = 3;

/// Resumptions remembered per transport (the oldest are forgotten).
pub(super) const KEPT_RESUMES: usize = 64;

/// One reconnection: the GET sent after the server closed a connection of the stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reconnect {
    /// The `Last-Event-ID` sent.
    pub last_event_id: String,
    /// The reconnection delay the server had set (a `retry` field on the closed connection or
    /// an earlier one of the stream) when it closed the connection; `None`: it never sent one.
    pub retry_before_close: Option<u64>,
    /// How long the harness waited before reconnecting.
    pub waited_ms: u64,
    /// Status of the GET, once its response head arrived.
    pub status: Option<u16>,
    /// Events the GET delivered (priming ones included).
    pub events: usize,
    /// The body of a refused GET (not an event stream), clipped.
    pub refusal: Option<String>,
}

/// The history of one stream that ended before its response and was resumed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamResume {
    /// The ids of the requests whose responses were awaited.
    pub awaited: Vec<Value>,
    /// Each reconnection, in order.
    pub reconnects: Vec<Reconnect>,
    /// Whether every awaited response arrived in the end.
    pub delivered: bool,
    /// Why the resumption stopped without them.
    pub gave_up: Option<String>,
}

/// A stream resumed by hand ([`HttpTransport::resume_stream`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResumedStream {
    /// Every event the GETs delivered, in order (within the body cap).
    pub events: Vec<SseEvent>,
    /// What happened.
    pub history: StreamResume,
}

/// What is known of a stream being read: the responses it owes, the last event id, the
/// reconnection delay.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tracker {
    awaited: Vec<Value>,
    answered: Vec<bool>,
    /// The last event id (an empty `id` field clears it, as in the SSE standard).
    last_id: Option<String>,
    /// The reconnection delay the server set on the stream, if it ever did.
    retry: Option<u64>,
    /// The `retry` seen on the current connection.
    connection_retry: Option<u64>,
    /// Events seen on the current connection.
    connection_events: usize,
}

impl Tracker {
    /// Awaits the responses to the requests of a POST body (one request, or a batch).
    pub(crate) fn for_body(body: &[u8]) -> Self {
        let awaited = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Array(items)) => items.iter().filter_map(request_id).collect(),
            Ok(v) => request_id(&v).into_iter().collect(),
            Err(_) => Vec::new(),
        };
        Self::awaiting(awaited)
    }

    /// Awaits the responses to these request ids.
    pub(crate) fn awaiting(awaited: Vec<Value>) -> Self {
        Self {
            answered: vec![false; awaited.len()],
            awaited,
            ..Self::default()
        }
    }

    /// Notes an event's id and retry.
    pub(crate) fn event(&mut self, ev: &SseEvent) {
        self.connection_events += 1;
        match ev.id.as_deref() {
            Some("") => self.last_id = None,
            Some(id) => self.last_id = Some(id.to_string()),
            None => {}
        }
        if let Some(ms) = ev.retry {
            self.retry = Some(ms);
            self.connection_retry = Some(ms);
        }
    }

    /// Notes a received message (a response to an awaited id counts it as answered).
    pub(crate) fn message(&mut self, v: &Value) {
        if v.get("method").is_some() || !(v.get("result").is_some() || v.get("error").is_some()) {
            return;
        }
        let Some(id) = v.get("id") else { return };
        for (i, want) in self.awaited.iter().enumerate() {
            if want == id {
                self.answered[i] = true;
            }
        }
    }

    /// Whether an awaited response is still missing.
    pub(crate) fn pending(&self) -> bool {
        self.answered.iter().any(|a| !a)
    }

    /// The id to resume from.
    pub(crate) fn last_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// Starts a new connection; returns the `retry` and event count of the previous one.
    fn next_connection(&mut self) -> (Option<u64>, usize) {
        let out = (self.connection_retry.take(), self.connection_events);
        self.connection_events = 0;
        out
    }
}

/// The id of a request message (a request has `method` and `id`).
fn request_id(v: &Value) -> Option<Value> {
    v.get("method")?;
    v.get("id").cloned()
}

/// Feeds one event to the tracker and, when `deliver`, its messages to the inbox.
pub(super) fn take_event(inner: &Inner, tracker: &mut Tracker, ev: &SseEvent, deliver: bool) {
    tracker.event(ev);
    // A priming event (empty data) carries no message and is never parsed as one.
    if ev.data.is_empty() {
        return;
    }
    for item in decode_framed(ev.data.as_bytes(), false) {
        if let Incoming::Message(v) = &item {
            tracker.message(v);
        }
        if deliver {
            inner.inbox.send(item);
        }
    }
}

impl Inner {
    /// Resumes the stream `tracker` follows until its responses arrive, `deadline` passes, the
    /// server refuses, or the reconnection bounds are reached. Events go to `events` while they
    /// total at most `keep` bytes; messages go to the inbox when `deliver`.
    pub(super) async fn resume_loop(
        &self,
        tracker: &mut Tracker,
        deadline: Instant,
        deliver: bool,
        events: &mut Vec<SseEvent>,
        keep: usize,
    ) -> Result<StreamResume, TransportError> {
        let mut history = StreamResume {
            awaited: tracker.awaited.clone(),
            ..StreamResume::default()
        };
        let cap = self.opts.max_body_bytes;
        let mut idle = 0;
        let mut kept = 0usize;
        while tracker.pending() {
            if history.reconnects.len() >= MAX_RECONNECTS {
                history.gave_up = Some(format!("{MAX_RECONNECTS} reconnections without it"));
                break;
            }
            let Some(last) = tracker.last_id().map(str::to_string) else {
                history.gave_up = Some("the stream left no event id to resume from".into());
                break;
            };
            tracker.next_connection();
            let mut rec = Reconnect {
                last_event_id: last.clone(),
                retry_before_close: tracker.retry,
                ..Reconnect::default()
            };
            let left = deadline.saturating_duration_since(Instant::now());
            let delay = Duration::from_millis(tracker.retry.unwrap_or(0));
            if tracker.retry.is_none() && history.reconnects.is_empty() {
                self.transcript.note(
                    "the server closed the stream without a `retry` field; reconnecting at once",
                );
            }
            if delay >= left {
                self.transcript.note(format!(
                    "the server asked to wait {}ms before reconnecting; only {}ms of the timeout are left, so waiting that long and giving up",
                    delay.as_millis(),
                    left.as_millis()
                ));
                tokio::time::sleep(left).await;
                rec.waited_ms = millis(left);
                history.reconnects.push(rec);
                history.gave_up = Some(format!(
                    "the server's retry of {}ms exceeds the timeout",
                    delay.as_millis()
                ));
                break;
            }
            tokio::time::sleep(delay).await;
            rec.waited_ms = millis(delay);
            self.transcript.note(format!(
                "the stream ended before the response; resuming with GET and Last-Event-ID `{last}` after {}ms",
                delay.as_millis()
            ));
            let mut headers = vec![("accept".to_string(), "text/event-stream".to_string())];
            self.session_headers(&mut headers);
            for (k, v) in &self.opts.headers {
                merge_header(&mut headers, k, v);
            }
            merge_header(&mut headers, "last-event-id", &last);
            let url = self.endpoint.clone();
            let mut resp = match self
                .send(reqwest::Method::GET, url, &headers, None, deadline)
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    history.reconnects.push(rec);
                    history.gave_up = Some(format!("the resuming GET failed: {e}"));
                    break;
                }
            };
            let meta = head_meta(&resp);
            rec.status = Some(meta.status);
            let is_sse =
                media_type(meta.content_type.as_deref()).as_deref() == Some("text/event-stream");
            if meta.status != 200 || !is_sse {
                let body = read_body(&mut resp, cap, deadline).await;
                let text = clip_body(&String::from_utf8_lossy(&body.bytes));
                self.record_head(&meta, (!text.is_empty()).then(|| text.clone()));
                rec.refusal = Some(text);
                history.reconnects.push(rec);
                history.gave_up = Some(format!(
                    "the resuming GET was answered HTTP {} {}",
                    meta.status,
                    meta.content_type.as_deref().unwrap_or("(no content type)")
                ));
                break;
            }
            self.record_head(&meta, None);
            let started = Instant::now();
            let read = read_sse(
                &mut resp,
                cap,
                keep.saturating_sub(kept),
                deadline,
                usize::MAX,
                false,
                &self.transcript,
                |ev| take_event(self, tracker, ev, deliver),
            )
            .await;
            rec.events = tracker.connection_events;
            kept += read.events.iter().map(|e| e.data.len() + 16).sum::<usize>();
            events.extend(read.events);
            if let Some(note) = end_note(&read.end, "resumed stream", cap, started.elapsed()) {
                self.transcript.note(note);
            }
            let got_events = rec.events > 0;
            history.reconnects.push(rec);
            match read.end {
                End::OverCap => return Err(TransportError::BodyTooLarge { limit: cap }),
                End::TimedOut => {
                    if tracker.pending() {
                        history.gave_up = Some("the timeout passed".into());
                    }
                    break;
                }
                End::Complete | End::Failed(_) | End::EventLimit => {}
            }
            if got_events || tracker.retry.is_some() {
                idle = 0;
            } else {
                idle += 1;
                if idle >= MAX_IDLE_RECONNECTS {
                    history.gave_up = Some(format!(
                        "{idle} resumed connections in a row ended without any event"
                    ));
                    break;
                }
            }
        }
        history.delivered = !tracker.pending();
        if let Some(why) = &history.gave_up {
            self.transcript
                .note(format!("stopped resuming the stream: {why}"));
        }
        self.keep_resume(history.clone());
        Ok(history)
    }

    fn keep_resume(&self, history: StreamResume) {
        let mut kept = super::lock(&self.resumes);
        if kept.len() >= KEPT_RESUMES {
            kept.pop_front();
        }
        kept.push_back(history);
    }
}

impl HttpTransport {
    /// Resumes a stream by hand: `GET` with `Last-Event-ID: last_event_id`, following the
    /// server's `retry` and further closes like an automatic resumption, until the responses to
    /// `awaited` arrived, within the timeout (with none awaited, nothing is sent). The messages
    /// are not delivered to the session; the events are returned.
    pub async fn resume_stream(
        &self,
        last_event_id: &str,
        awaited: &[Value],
    ) -> Result<ResumedStream, TransportError> {
        let inner = &self.inner;
        let mut tracker = Tracker::awaiting(awaited.to_vec());
        tracker.last_id = Some(last_event_id.to_string());
        let deadline = Instant::now() + inner.opts.timeout;
        let mut events = Vec::new();
        let keep = inner.opts.max_body_bytes;
        let history = inner
            .resume_loop(&mut tracker, deadline, false, &mut events, keep)
            .await?;
        Ok(ResumedStream { events, history })
    }

    /// Every resumption this transport made or was asked for, oldest first (the last 64).
    pub fn resumes(&self) -> Vec<StreamResume> {
        super::lock(&self.inner.resumes).iter().cloned().collect()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(id: Option<&str>, data: &str, retry: Option<u64>) -> SseEvent {
        SseEvent {
            id: id.map(str::to_string),
            event: None,
            data: data.to_string(),
            retry,
        }
    }

    #[test]
    fn tracks_awaited_responses_ids_and_retry() {
        let mut t = Tracker::for_body(br#"{"jsonrpc":"2.0","id":7,"method":"tools/call"}"#);
        assert!(t.pending() && t.last_id().is_none());
        t.event(&ev(Some("s-0"), "", Some(250)));
        assert_eq!((t.last_id(), t.retry), (Some("s-0"), Some(250)));
        t.message(&json!({"jsonrpc":"2.0","id":7,"method":"x"}));
        assert!(t.pending(), "a request with the same id is no response");
        t.message(&json!({"jsonrpc":"2.0","id":"7","result":{}}));
        assert!(t.pending(), "ids match by type too");
        t.message(&json!({"jsonrpc":"2.0","id":7,"result":{}}));
        assert!(!t.pending());
        t.event(&ev(Some(""), "", None));
        assert!(t.last_id().is_none(), "an empty id clears the last id");
        assert_eq!(t.next_connection(), (Some(250), 2));
        assert_eq!(t.next_connection(), (None, 0));
    }

    #[test]
    fn batches_await_every_request_and_notifications_none() {
        let t = Tracker::for_body(
            br#"[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"n"},{"jsonrpc":"2.0","id":2,"method":"b"}]"#,
        );
        assert_eq!(t.awaited, vec![json!(1), json!(2)]);
        assert!(!Tracker::for_body(br#"{"jsonrpc":"2.0","method":"n"}"#).pending());
        assert!(!Tracker::for_body(b"not json").pending());
    }
}
