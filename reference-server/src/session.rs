//! Sessions: per-client state (negotiated version, log level, subscriptions, echo history,
//! requests in flight) and where the server sends messages not tied to a request.
//!
//! Over HTTP those go to the session's GET stream (kept in a bounded backlog until one is
//! open); over stdio they go straight to stdout. A session store keeps the HTTP sessions by id.

use crate::methods::logging::LogLevel;
use crate::version::Version;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use tokio::sync::{mpsc, watch};

/// Messages kept for a GET stream that is not open yet; older ones are dropped beyond this.
const BACKLOG_LIMIT: usize = 64;

/// Locks a mutex, recovering the data if a holder panicked (state stays usable; no panic here).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The outcome of `initialize` for a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Negotiated {
    /// Revision whose features the session's output follows.
    pub version: Version,
    /// The version string sent in the initialize result (differs from `version` only under
    /// the `version-echo-unknown` fault).
    pub wire: String,
}

/// Where a session's unsolicited messages go.
enum Outbox {
    /// stdout of the stdio transport.
    Stdio(mpsc::UnboundedSender<Value>),
    /// The session's GET stream, or a backlog until one is open.
    Http(Mutex<HttpOutbox>),
}

#[derive(Default)]
struct HttpOutbox {
    stream: Option<mpsc::UnboundedSender<Value>>,
    backlog: VecDeque<Value>,
    /// Earlier GET streams kept open by the `broadcast-notifications` fault: each gets a copy
    /// of every message (the spec's "one stream only" broken on purpose).
    broadcast: Vec<mpsc::UnboundedSender<Value>>,
}

#[derive(Default)]
struct SessionState {
    negotiated: Option<Negotiated>,
    initialized_notified: bool,
    log_level: LogLevel,
    subscriptions: BTreeSet<String>,
    echo_history: Vec<String>,
    beta_enabled: bool,
    in_flight: HashMap<String, watch::Sender<bool>>,
}

/// One client session.
pub(crate) struct Session {
    id: String,
    state: Mutex<SessionState>,
    outbox: Outbox,
    next_stream: AtomicU64,
    active_posts: AtomicUsize,
    client: crate::client_requests::ClientSide,
    tasks: crate::tasks::store::TaskStore,
    /// SSE events of the session's streams, kept for resumption (`crate::event_store`).
    events: crate::event_store::EventStore,
    /// Open streams, requests in flight and last activity, for the limits and idle expiry.
    gauges: Arc<crate::limits::Gauges>,
}

/// Marks an HTTP request of a session as in progress until dropped.
pub(crate) struct ActiveGuard(Arc<Session>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active_posts.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The key of a request id in the in-flight table: its JSON text, so `1` and `"1"` differ.
pub(crate) fn id_key(id: &Value) -> String {
    id.to_string()
}

impl Session {
    /// A session whose unsolicited messages wait for a GET stream.
    pub fn new_http(id: String) -> Self {
        Self::with_outbox(id, Outbox::Http(Mutex::new(HttpOutbox::default())))
    }

    /// The single session of a stdio connection.
    pub fn new_stdio(out: mpsc::UnboundedSender<Value>) -> Self {
        Self::with_outbox("stdio".into(), Outbox::Stdio(out))
    }

    /// A session of the legacy HTTP+SSE transport: every message it sends (responses
    /// included) goes to `out`, which feeds its SSE stream.
    pub fn new_legacy(id: String, out: mpsc::UnboundedSender<Value>) -> Self {
        Self::with_outbox(id, Outbox::Stdio(out))
    }

    fn with_outbox(id: String, outbox: Outbox) -> Self {
        Self {
            id,
            state: Mutex::new(SessionState::default()),
            outbox,
            next_stream: AtomicU64::new(0),
            active_posts: AtomicUsize::new(0),
            client: crate::client_requests::ClientSide::default(),
            tasks: crate::tasks::store::TaskStore::default(),
            events: crate::event_store::EventStore::default(),
            gauges: Arc::default(),
        }
    }

    /// The session's tasks (2025-11-25).
    pub fn tasks(&self) -> &crate::tasks::store::TaskStore {
        &self.tasks
    }

    /// The client side: declared capabilities and requests awaiting the client's response.
    pub fn client(&self) -> &crate::client_requests::ClientSide {
        &self.client
    }

    /// The SSE events of the session's streams, kept for resumption.
    pub fn events(&self) -> &crate::event_store::EventStore {
        &self.events
    }

    /// The session id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The session's use of the per-session limits and its last activity (`crate::limits`).
    pub fn gauges(&self) -> &Arc<crate::limits::Gauges> {
        &self.gauges
    }

    /// The negotiated version, once initialized.
    pub fn negotiated(&self) -> Option<Negotiated> {
        lock(&self.state).negotiated.clone()
    }

    /// Records the outcome of `initialize`.
    pub fn set_negotiated(&self, n: Negotiated) {
        lock(&self.state).negotiated = Some(n);
    }

    /// The revision the session's output follows (the newest before initialization).
    pub fn version(&self) -> Version {
        // Without cloning the negotiated wire string: this is asked several times per request.
        lock(&self.state)
            .negotiated
            .as_ref()
            .map_or(Version::NEWEST, |n| n.version)
    }

    /// Whether `initialize` has succeeded.
    pub fn is_initialized(&self) -> bool {
        lock(&self.state).negotiated.is_some()
    }

    /// Records `notifications/initialized`.
    pub fn mark_initialized_notified(&self) {
        lock(&self.state).initialized_notified = true;
    }

    /// The minimum level of log messages sent to this session.
    pub fn log_level(&self) -> LogLevel {
        lock(&self.state).log_level
    }

    /// Sets the minimum log level.
    pub fn set_log_level(&self, level: LogLevel) {
        lock(&self.state).log_level = level;
    }

    /// Subscribes to updates of `uri`.
    pub fn subscribe(&self, uri: &str) {
        lock(&self.state).subscriptions.insert(uri.to_string());
    }

    /// Ends a subscription to `uri`.
    pub fn unsubscribe(&self, uri: &str) {
        lock(&self.state).subscriptions.remove(uri);
    }

    /// Whether the session subscribed to `uri`.
    pub fn is_subscribed(&self, uri: &str) -> bool {
        lock(&self.state).subscriptions.contains(uri)
    }

    /// Appends a text to the session's echo history.
    pub fn record_echo(&self, text: &str) {
        lock(&self.state).echo_history.push(text.to_string());
    }

    /// Flips whether this session lists the `beta` tool; returns the previous value.
    pub fn toggle_beta(&self) -> bool {
        let mut st = lock(&self.state);
        st.beta_enabled = !st.beta_enabled;
        !st.beta_enabled
    }

    /// Whether this session lists the `beta` tool.
    pub fn beta_enabled(&self) -> bool {
        lock(&self.state).beta_enabled
    }

    /// The texts echoed in this session, oldest first.
    pub fn echo_history(&self) -> Vec<String> {
        lock(&self.state).echo_history.clone()
    }

    /// Registers a request in flight; the receiver turns `true` when it is cancelled.
    pub fn begin_request(&self, id: &Value) -> watch::Receiver<bool> {
        let (tx, rx) = watch::channel(false);
        lock(&self.state).in_flight.insert(id_key(id), tx);
        rx
    }

    /// Removes a finished request.
    pub fn end_request(&self, id: &Value) {
        lock(&self.state).in_flight.remove(&id_key(id));
    }

    /// Signals cancellation of the request with this id; false if none is in flight.
    pub fn cancel_request(&self, id: &Value) -> bool {
        match lock(&self.state).in_flight.get(&id_key(id)) {
            Some(tx) => {
                let _ = tx.send(true);
                true
            }
            None => false,
        }
    }

    /// Counts an HTTP request as in progress until the guard drops; returns how many were
    /// already in progress.
    pub fn enter_post(self: &Arc<Self>) -> (ActiveGuard, usize) {
        let before = self.active_posts.fetch_add(1, Ordering::SeqCst);
        (ActiveGuard(self.clone()), before)
    }

    /// A fresh stream number, for SSE event ids unique within the session.
    pub fn next_stream_no(&self) -> u64 {
        self.next_stream.fetch_add(1, Ordering::Relaxed)
    }

    /// Sends a message not tied to a request: stdout (stdio), the GET stream or, while none is
    /// open, a bounded backlog delivered when one opens (HTTP).
    pub fn push(&self, msg: Value) {
        self.deliver(msg, true);
    }

    /// Like `push`, but over HTTP the message is dropped when no GET stream is open (for log
    /// messages, which would otherwise pile up for clients that never listen).
    pub fn push_transient(&self, msg: Value) {
        self.deliver(msg, false);
    }

    /// Like `push_transient`, but builds the message only when it will be sent: over HTTP, only
    /// while a GET stream is open (so nothing is built for clients that never listen).
    pub fn push_transient_with(&self, build: impl FnOnce() -> Value) {
        if let Outbox::Http(slot) = &self.outbox {
            if lock(slot).stream.as_ref().map_or(true, |tx| tx.is_closed()) {
                return;
            }
        }
        self.deliver(build(), false);
    }

    fn deliver(&self, msg: Value, keep: bool) {
        match &self.outbox {
            Outbox::Stdio(tx) => {
                let _ = tx.send(msg);
            }
            Outbox::Http(slot) => {
                let mut out = lock(slot);
                out.broadcast.retain(|tx| tx.send(msg.clone()).is_ok());
                let msg = match &out.stream {
                    Some(tx) => match tx.send(msg) {
                        Ok(()) => return,
                        Err(mpsc::error::SendError(msg)) => {
                            out.stream = None;
                            msg
                        }
                    },
                    None => msg,
                };
                if !keep {
                    return;
                }
                if out.backlog.len() >= BACKLOG_LIMIT {
                    out.backlog.pop_front();
                }
                out.backlog.push_back(msg);
            }
        }
    }

    /// Opens the GET stream: replaces any earlier one (which then ends, so no message goes to
    /// two streams) and delivers the backlog first. `None` for a stdio session.
    pub fn open_listener(&self) -> Option<mpsc::UnboundedReceiver<Value>> {
        let Outbox::Http(slot) = &self.outbox else {
            return None;
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let mut out = lock(slot);
        for msg in out.backlog.drain(..) {
            let _ = tx.send(msg);
        }
        out.stream = Some(tx);
        Some(rx)
    }

    /// Like `open_listener`, but the earlier GET stream stays open and keeps getting a copy
    /// of every message (the `broadcast-notifications` fault).
    pub fn open_listener_broadcast(&self) -> Option<mpsc::UnboundedReceiver<Value>> {
        if let Outbox::Http(slot) = &self.outbox {
            let mut out = lock(slot);
            if let Some(old) = out.stream.take().filter(|tx| !tx.is_closed()) {
                out.broadcast.push(old);
            }
        }
        self.open_listener()
    }

    /// Ends the GET stream, if any (on session deletion).
    pub fn close_listener(&self) {
        if let Outbox::Http(slot) = &self.outbox {
            let mut out = lock(slot);
            out.stream = None;
            out.broadcast.clear();
        }
    }
}

/// Shards of the session store; a power of two, so the shard is picked with a mask.
const SHARDS: usize = 32;

/// One shard of the session store.
type Shard = RwLock<HashMap<String, Arc<Session>>>;

/// The HTTP sessions by id, in independently locked shards so concurrent requests of
/// different sessions do not contend on one lock (lookups, the hot path, take a shard's read
/// lock). Written by hand rather than with a concurrent-map crate: none is in the tree and this
/// needs only a handful of operations.
pub(crate) struct SessionStore {
    shards: Box<[Shard]>,
    /// Keyed per store, so client-chosen ids cannot be made to collide into one shard.
    hasher: RandomState,
    len: AtomicUsize,
    ever_created: AtomicBool,
}

impl Default for SessionStore {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
            hasher: RandomState::new(),
            len: AtomicUsize::new(0),
            ever_created: AtomicBool::new(false),
        }
    }
}

/// Read-locks a shard, recovering the data if a holder panicked.
fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Write-locks a shard, recovering the data if a holder panicked.
fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SessionStore {
    fn shard(&self, id: &str) -> &Shard {
        // Truncating the hash is intended: only its low bits pick the shard.
        let h = self.hasher.hash_one(id) as usize;
        &self.shards[h & (SHARDS - 1)]
    }

    /// Adds a session (replacing one with the same id).
    pub fn insert(&self, session: Arc<Session>) {
        self.ever_created.store(true, Ordering::Relaxed);
        let id = session.id().to_string();
        if write(self.shard(&id)).insert(id, session).is_none() {
            self.len.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The session with this id.
    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        read(self.shard(id)).get(id).cloned()
    }

    /// Removes and returns the session with this id.
    pub fn remove(&self, id: &str) -> Option<Arc<Session>> {
        let removed = write(self.shard(id)).remove(id);
        if removed.is_some() {
            self.len.fetch_sub(1, Ordering::Relaxed);
        }
        removed
    }

    /// How many sessions are live (for session limits; O(1), no lock).
    #[allow(dead_code)] // Not yet used outside the tests.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// Every live session (a snapshot; not atomic across shards).
    pub fn all(&self) -> Vec<Arc<Session>> {
        self.shards
            .iter()
            .flat_map(|shard| read(shard).values().cloned().collect::<Vec<_>>())
            .collect()
    }

    /// Whether any session was ever created.
    pub fn any_created(&self) -> bool {
        self.ever_created.load(Ordering::Relaxed)
    }

    /// Drops every session.
    pub fn clear(&self) {
        for shard in self.shards.iter() {
            let mut map = write(shard);
            self.len.fetch_sub(map.len(), Ordering::Relaxed);
            map.clear();
        }
    }
}

/// A new session id: 128 random bits from the thread-local CSPRNG, as 32 hex digits.
pub(crate) fn new_session_id(with_space: bool) -> String {
    use rand::Rng;
    let bits: u128 = rand::rng().random();
    if with_space {
        format!("sess {bits:032x}")
    } else {
        format!("{bits:032x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn session_ids_are_hex_and_distinct() {
        let a = new_session_id(false);
        let b = new_session_id(false);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(new_session_id(true).contains(' '));
    }

    #[test]
    fn backlog_is_delivered_when_a_listener_opens_and_old_listener_ends() {
        let s = Session::new_http("x".into());
        s.push(json!(1));
        let mut first = s.open_listener().unwrap();
        assert_eq!(first.try_recv().unwrap(), json!(1));
        s.push(json!(2));
        assert_eq!(first.try_recv().unwrap(), json!(2));
        let mut second = s.open_listener().unwrap();
        s.push(json!(3));
        assert_eq!(second.try_recv().unwrap(), json!(3));
        assert!(matches!(
            first.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
    }

    #[test]
    fn transient_messages_are_built_only_for_an_open_stream() {
        let s = Session::new_http("x".into());
        s.push_transient_with(|| panic!("built with no listener"));
        let mut rx = s.open_listener().unwrap();
        s.push_transient_with(|| json!("log"));
        assert_eq!(rx.try_recv().unwrap(), json!("log"));
        drop(rx);
        s.push_transient_with(|| panic!("built for a closed listener"));
        let (tx, mut out) = mpsc::unbounded_channel();
        let stdio = Session::new_stdio(tx);
        stdio.push_transient_with(|| json!("line"));
        assert_eq!(out.try_recv().unwrap(), json!("line"));
    }

    #[test]
    fn store_keeps_sessions_across_shards_and_counts_them() {
        let store = SessionStore::default();
        assert!(store.len() == 0 && !store.any_created());
        for i in 0..200 {
            store.insert(Arc::new(Session::new_http(format!("s{i}"))));
        }
        // Re-inserting an id replaces the session without counting it twice.
        store.insert(Arc::new(Session::new_http("s7".into())));
        assert_eq!(store.len(), 200);
        assert_eq!(store.all().len(), 200);
        assert_eq!(
            store.get("s42").map(|s| s.id().to_string()).as_deref(),
            Some("s42")
        );
        assert!(store.get("nope").is_none());
        assert!(store.remove("s42").is_some());
        assert!(store.remove("s42").is_none());
        assert!(store.get("s42").is_none());
        assert_eq!(store.len(), 199);
        store.clear();
        assert!(store.len() == 0 && store.all().is_empty() && store.any_created());
    }

    #[test]
    fn cancellation_distinguishes_id_types() {
        let s = Session::new_http("x".into());
        let rx = s.begin_request(&json!(1));
        assert!(!s.cancel_request(&json!("1")));
        assert!(s.cancel_request(&json!(1)));
        assert!(*rx.borrow());
        s.end_request(&json!(1));
        assert!(!s.cancel_request(&json!(1)));
    }
}
