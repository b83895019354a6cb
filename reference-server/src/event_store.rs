//! The per-session SSE event store behind resumability (2025-03-26+) and polling (2025-11-25).
//!
//! Every event a session's streams carry is appended to the log of its stream under an id
//! `<stream>-<seq>`: unique across the session because stream numbers are, and naming the stream
//! it belongs to, so a `Last-Event-ID` finds its stream and position. A request's stream is
//! filled by its request task whether or not a connection is reading it, so a response produced
//! while the client was away is still delivered when it resumes (disconnection is not
//! cancellation). Readers (connections) wait on the log's change signal; a newer connection to
//! the same stream ends the older one, so no event goes out on two live connections.
//!
//! Limits: each stream keeps its newest [`EVENTS_PER_STREAM`] events and each session its newest
//! [`STREAMS_PER_SESSION`] streams; older ones are dropped (a `Last-Event-ID` into a dropped
//! stream is unknown; one before a dropped event replays from the oldest event kept).

use crate::session::lock;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Events kept per stream (the oldest are dropped beyond this).
pub(crate) const EVENTS_PER_STREAM: usize = 256;

/// Streams kept per session (the oldest are dropped beyond this).
pub(crate) const STREAMS_PER_SESSION: usize = 32;

/// What a stream carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamKind {
    /// The response stream of one POSTed request.
    Request,
    /// The session's GET stream (messages not tied to a request).
    Listener,
}

/// One stored event.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StoredEvent {
    /// Position within its stream (0, 1, …).
    pub seq: u64,
    /// The SSE `id`.
    pub id: String,
    /// The JSON-RPC message; `None` for a priming event (empty `data`).
    pub message: Option<Value>,
}

impl StoredEvent {
    /// Whether the event carries a JSON-RPC response (result or error).
    pub fn is_response(&self) -> bool {
        self.message.as_ref().is_some_and(|m| {
            m.get("method").is_none() && (m.get("result").is_some() || m.get("error").is_some())
        })
    }
}

#[derive(Default)]
struct LogState {
    events: VecDeque<StoredEvent>,
    next_seq: u64,
    finished: bool,
    /// Generation of the connection currently reading the stream.
    connection: u64,
}

/// The events of one stream.
pub(crate) struct StreamLog {
    number: u64,
    kind: StreamKind,
    /// `sse-event-id-reused`: ids are the bare sequence number, the same on every stream.
    bare_ids: bool,
    state: Mutex<LogState>,
    changed: watch::Sender<()>,
}

impl StreamLog {
    fn new(number: u64, kind: StreamKind, bare_ids: bool) -> Self {
        Self {
            number,
            kind,
            bare_ids,
            state: Mutex::new(LogState::default()),
            changed: watch::channel(()).0,
        }
    }

    /// What the stream carries.
    pub fn kind(&self) -> StreamKind {
        self.kind
    }

    /// Appends an event (`None`: a priming event) and wakes the reading connection.
    pub fn append(&self, message: Option<Value>) -> StoredEvent {
        let ev = {
            let mut st = lock(&self.state);
            let seq = st.next_seq;
            st.next_seq += 1;
            let id = if self.bare_ids {
                // Fault `sse-event-id-reused`: the stream is not part of the id.
                seq.to_string()
            } else {
                format!("{}-{seq}", self.number)
            };
            let ev = StoredEvent { seq, id, message };
            if st.events.len() >= EVENTS_PER_STREAM {
                st.events.pop_front();
            }
            st.events.push_back(ev.clone());
            ev
        };
        self.changed.send_replace(());
        ev
    }

    /// Marks the stream complete: nothing more will be appended.
    pub fn finish(&self) {
        lock(&self.state).finished = true;
        self.changed.send_replace(());
    }

    /// The stored events after position `after` (all with `None`), and whether the stream is
    /// complete.
    pub fn after(&self, after: Option<u64>) -> (Vec<StoredEvent>, bool) {
        let st = lock(&self.state);
        let events = st
            .events
            .iter()
            .filter(|e| after.map_or(true, |a| e.seq > a))
            .cloned()
            .collect();
        (events, st.finished)
    }

    /// The stored events carrying messages (for the `sse-resume-other-stream` fault).
    pub fn messages(&self) -> Vec<StoredEvent> {
        lock(&self.state)
            .events
            .iter()
            .filter(|e| e.message.is_some())
            .cloned()
            .collect()
    }

    /// Registers a new connection reading the stream; returns its generation. Any older
    /// connection stops at its next wake-up.
    pub fn attach(&self) -> u64 {
        let generation = {
            let mut st = lock(&self.state);
            st.connection += 1;
            st.connection
        };
        self.changed.send_replace(());
        generation
    }

    /// Whether the connection of `generation` is still the stream's current one.
    pub fn is_current(&self, generation: u64) -> bool {
        lock(&self.state).connection == generation
    }

    /// A receiver that wakes on every append, finish and attach.
    pub fn subscribe(&self) -> watch::Receiver<()> {
        self.changed.subscribe()
    }
}

/// The streams of one session.
#[derive(Default)]
pub(crate) struct EventStore {
    streams: Mutex<VecDeque<Arc<StreamLog>>>,
}

impl EventStore {
    /// Starts the log of stream `number`.
    pub fn open(&self, number: u64, kind: StreamKind, bare_ids: bool) -> Arc<StreamLog> {
        let log = Arc::new(StreamLog::new(number, kind, bare_ids));
        let mut streams = lock(&self.streams);
        if streams.len() >= STREAMS_PER_SESSION {
            streams.pop_front();
        }
        streams.push_back(log.clone());
        log
    }

    /// The stream and position a `Last-Event-ID` names, if the store still knows it.
    pub fn find(&self, last_event_id: &str) -> Option<(Arc<StreamLog>, u64)> {
        let streams = lock(&self.streams);
        if let Some((stream, seq)) = parse_id(last_event_id) {
            if let Some(log) = streams.iter().find(|l| l.number == stream && !l.bare_ids) {
                return Some((log.clone(), seq));
            }
        }
        // Ids without a stream part (only under `sse-event-id-reused`): the newest stream
        // holding that id.
        streams.iter().rev().find_map(|l| {
            let st = lock(&l.state);
            st.events
                .iter()
                .find(|e| e.id == last_event_id)
                .map(|e| (l.clone(), e.seq))
        })
    }

    /// Every stream except `log`, oldest first.
    pub fn others(&self, log: &Arc<StreamLog>) -> Vec<Arc<StreamLog>> {
        lock(&self.streams)
            .iter()
            .filter(|l| !Arc::ptr_eq(l, log))
            .cloned()
            .collect()
    }
}

/// `<stream>-<seq>` as numbers.
fn parse_id(id: &str) -> Option<(u64, u64)> {
    let (stream, seq) = id.split_once('-')?;
    Some((stream.parse().ok()?, seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_name_the_stream_and_find_their_position() {
        let store = EventStore::default();
        let a = store.open(0, StreamKind::Request, false);
        let b = store.open(1, StreamKind::Request, false);
        assert_eq!(a.append(None).id, "0-0");
        assert_eq!(a.append(Some(json!({"id": 1, "result": {}}))).id, "0-1");
        assert_eq!(b.append(None).id, "1-0");
        let (log, seq) = store.find("0-0").unwrap();
        assert!(Arc::ptr_eq(&log, &a) && seq == 0);
        let (after, finished) = log.after(Some(seq));
        assert_eq!(after.len(), 1);
        assert!(after[0].is_response() && !finished);
        assert!(store.find("7-0").is_none() && store.find("junk").is_none());
        assert_eq!(store.others(&a).len(), 1);
    }

    #[test]
    fn bare_ids_repeat_across_streams() {
        let store = EventStore::default();
        let a = store.open(0, StreamKind::Request, true);
        let b = store.open(1, StreamKind::Request, true);
        assert_eq!(a.append(None).id, b.append(None).id);
        let (log, _) = store.find("0").unwrap();
        assert!(Arc::ptr_eq(&log, &b), "the newest stream holding the id");
    }

    #[test]
    fn logs_and_stores_are_bounded() {
        let store = EventStore::default();
        let first = store.open(0, StreamKind::Request, false);
        for i in 0..(EVENTS_PER_STREAM + 10) {
            first.append(Some(json!(i)));
        }
        let (all, _) = first.after(None);
        assert_eq!(all.len(), EVENTS_PER_STREAM);
        assert_eq!(all[0].seq, 10, "the oldest events were dropped");
        for n in 1..=STREAMS_PER_SESSION as u64 {
            store.open(n, StreamKind::Request, false);
        }
        assert!(store.find("0-0").is_none(), "the oldest stream was dropped");
        assert!(store.find("1-0").is_some());
    }

    #[test]
    fn a_newer_connection_supersedes_the_older() {
        let log = StreamLog::new(0, StreamKind::Listener, false);
        let first = log.attach();
        assert!(log.is_current(first));
        let second = log.attach();
        assert!(!log.is_current(first) && log.is_current(second));
        log.finish();
        assert!(log.after(None).1);
    }
}
