//! Limits that keep one hostile or runaway client from exhausting the server: JSON-RPC batch
//! size, live sessions, open SSE streams and in-flight requests per session, and the rate of
//! dynamic client registrations, plus the idle timeout after which a session expires (swept by
//! `crate::expiry`).
//!
//! Each refusal says which limit was hit: an HTTP status (413 for a batch, 503 for sessions,
//! 429 for streams, in-flight requests and registrations, the last three with `Retry-After`) and
//! a JSON-RPC error body (code -32000, `data.limit` naming the limit and `data.max` its value) —
//! or, for registration, an OAuth error body. A full server refuses new sessions; it never
//! evicts a live one to make room.

use crate::jsonrpc::{error_response, RpcError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The JSON-RPC error code of a refusal for a limit (implementation-defined server error range).
pub const LIMIT_EXCEEDED: i64 = -32000;

/// Seconds a client is told to wait (`Retry-After`) after a 429 or 503.
const RETRY_AFTER_SECS: u64 = 1;

/// The configurable limits of one server instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Most messages in one JSON-RPC batch (2025-03-26 sessions).
    pub max_batch: usize,
    /// Most live HTTP sessions; an initialize beyond it gets 503.
    pub max_sessions: usize,
    /// Most SSE streams open at once per session (GET streams and streamed POST responses).
    pub max_streams_per_session: usize,
    /// Most requests in flight at once per session.
    pub max_pending_per_session: usize,
    /// Dynamic client registrations allowed in a burst (the token bucket's size).
    pub registration_burst: u32,
    /// Registrations per second the bucket refills with (server-wide).
    pub registration_rate: f64,
    /// Time without any request after which an HTTP session expires (404 afterwards). A
    /// session with an open stream or a request in flight is not idle.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_batch: 100,
            max_sessions: 10_000,
            max_streams_per_session: 32,
            max_pending_per_session: 100,
            registration_burst: 100,
            registration_rate: 10.0,
            idle_timeout: Duration::from_secs(600),
        }
    }
}

/// Which limit a refusal is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Limit {
    /// `max-batch`.
    Batch,
    /// `max-sessions`.
    Sessions,
    /// `max-streams`.
    Streams,
    /// `max-pending`.
    Pending,
}

impl Limit {
    /// The limit's name (also its command-line flag without the dashes).
    pub fn name(self) -> &'static str {
        match self {
            Self::Batch => "max-batch",
            Self::Sessions => "max-sessions",
            Self::Streams => "max-streams",
            Self::Pending => "max-pending",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::Batch => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Sessions => StatusCode::SERVICE_UNAVAILABLE,
            Self::Streams | Self::Pending => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn what(self, max: usize) -> String {
        match self {
            Self::Batch => format!("a batch may hold at most {max} messages"),
            Self::Sessions => {
                format!("the server holds at most {max} sessions; end one or retry later")
            }
            Self::Streams => format!("a session may have at most {max} SSE streams open"),
            Self::Pending => format!("a session may have at most {max} requests in flight"),
        }
    }
}

/// A refusal for a limit, answering the request with `id` (null when there is none).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Exceeded {
    /// The limit hit.
    pub limit: Limit,
    /// Its configured value.
    pub max: usize,
    /// The id of the refused request.
    pub id: Value,
}

impl Exceeded {
    /// A refusal of `limit` (value `max`) for the request `id`.
    pub fn new(limit: Limit, max: usize, id: Value) -> Self {
        Self { limit, max, id }
    }

    /// The JSON-RPC error.
    pub fn error(&self) -> RpcError {
        RpcError::new(
            LIMIT_EXCEEDED,
            format!(
                "Limit exceeded ({}): {}",
                self.limit.name(),
                self.limit.what(self.max)
            ),
        )
        .with_data(json!({"limit": self.limit.name(), "max": self.max}))
    }

    /// The whole error response message.
    pub fn message(&self) -> Value {
        error_response(self.id.clone(), &self.error())
    }
}

impl IntoResponse for Exceeded {
    fn into_response(self) -> Response {
        let status = self.limit.status();
        let mut r = (status, self.message().to_string()).into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if status != StatusCode::PAYLOAD_TOO_LARGE {
            h.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        r
    }
}

/// The refusal of a batch of `len` messages, if it is over the limit.
pub(crate) fn check_batch(limits: &Limits, len: usize) -> Option<Exceeded> {
    (len > limits.max_batch).then(|| Exceeded::new(Limit::Batch, limits.max_batch, Value::Null))
}

/// Milliseconds since the first call in this process (a monotonic clock that fits an atomic).
fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Takes one unit of `counter` if it is below `max`.
fn acquire(counter: &AtomicUsize, max: usize) -> bool {
    counter
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < max).then_some(n + 1)
        })
        .is_ok()
}

/// One session's use of the per-session limits and its last activity, for idle expiry.
#[derive(Debug)]
pub(crate) struct Gauges {
    streams: AtomicUsize,
    pending: AtomicUsize,
    last_active_ms: AtomicU64,
    /// The server-wide session slot this session holds (none for sessions that are not stored).
    slot: Mutex<Option<SessionSlot>>,
}

impl Default for Gauges {
    fn default() -> Self {
        Self {
            streams: AtomicUsize::new(0),
            pending: AtomicUsize::new(0),
            last_active_ms: AtomicU64::new(now_ms()),
            slot: Mutex::new(None),
        }
    }
}

impl Gauges {
    /// Records activity now.
    pub fn touch(&self) {
        self.last_active_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// How long since the last activity.
    pub fn idle_for(&self) -> Duration {
        let last = self.last_active_ms.load(Ordering::Relaxed);
        Duration::from_millis(now_ms().saturating_sub(last))
    }

    /// Whether a stream is open or a request is in flight.
    pub fn busy(&self) -> bool {
        self.streams.load(Ordering::Acquire) > 0 || self.pending.load(Ordering::Acquire) > 0
    }

    /// Whether the session has been idle (and not busy) for at least `timeout`.
    pub fn expired(&self, timeout: Duration) -> bool {
        !self.busy() && self.idle_for() >= timeout
    }

    /// Open streams now.
    #[cfg(test)]
    pub fn streams(&self) -> usize {
        self.streams.load(Ordering::Acquire)
    }

    /// Requests in flight now.
    #[cfg(test)]
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// Attaches the session slot (released when the session is dropped).
    pub fn hold_slot(&self, slot: SessionSlot) {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(slot);
    }
}

/// What a [`Held`] counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Stream,
    Pending,
}

/// One unit of a per-session limit, given back (and counted as activity) when dropped.
#[derive(Debug)]
pub(crate) struct Held {
    gauges: Arc<Gauges>,
    kind: Kind,
}

impl Drop for Held {
    fn drop(&mut self) {
        let counter = match self.kind {
            Kind::Stream => &self.gauges.streams,
            Kind::Pending => &self.gauges.pending,
        };
        counter.fetch_sub(1, Ordering::AcqRel);
        self.gauges.touch();
    }
}

/// Takes an SSE stream slot of the session, or the refusal.
pub(crate) fn open_stream(
    limits: &Limits,
    gauges: &Arc<Gauges>,
    id: &Value,
) -> Result<Held, Exceeded> {
    let max = limits.max_streams_per_session;
    if !acquire(&gauges.streams, max) {
        return Err(Exceeded::new(Limit::Streams, max, id.clone()));
    }
    gauges.touch();
    Ok(Held {
        gauges: gauges.clone(),
        kind: Kind::Stream,
    })
}

/// Takes an in-flight request slot of the session, or the refusal.
pub(crate) fn begin_pending(
    limits: &Limits,
    gauges: &Arc<Gauges>,
    id: &Value,
) -> Result<Held, Exceeded> {
    let max = limits.max_pending_per_session;
    if !acquire(&gauges.pending, max) {
        return Err(Exceeded::new(Limit::Pending, max, id.clone()));
    }
    gauges.touch();
    Ok(Held {
        gauges: gauges.clone(),
        kind: Kind::Pending,
    })
}

/// `stream`, holding `held` until the stream is dropped (ended, or its client gone).
pub(crate) fn hold_while<S>(stream: S, held: Held) -> impl Stream<Item = S::Item> + Send + 'static
where
    S: Stream + Send + 'static,
{
    stream.map(move |item| {
        let _ = &held;
        item
    })
}

/// A place for one live session, given back when dropped (with the session holding it).
#[derive(Debug)]
pub(crate) struct SessionSlot(Arc<AtomicUsize>);

impl Drop for SessionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The server-wide limit state: the configured limits and the session slots taken.
#[derive(Debug)]
pub(crate) struct Limiter {
    /// The configured limits.
    pub limits: Limits,
    sessions: Arc<AtomicUsize>,
}

impl Limiter {
    /// Fresh state for `limits`.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            sessions: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Takes a session slot for the initialize `id`, or the refusal. Taken before initialize
    /// runs, so concurrent initializes cannot overshoot the limit.
    pub fn reserve_session(&self, id: &Value) -> Result<SessionSlot, Exceeded> {
        let max = self.limits.max_sessions;
        if !acquire(&self.sessions, max) {
            return Err(Exceeded::new(Limit::Sessions, max, id.clone()));
        }
        Ok(SessionSlot(self.sessions.clone()))
    }

    /// Session slots taken now (live sessions, including removed ones still referenced).
    pub fn sessions_held(&self) -> usize {
        self.sessions.load(Ordering::Acquire)
    }
}

/// A token bucket (server-wide) for dynamic client registration: `burst` tokens, refilled at
/// `rate` per second. Written by hand: a dozen lines, and no rate-limit crate is in the tree.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    burst: f64,
    rate: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(burst: u32, rate: f64) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            burst,
            rate: if rate.is_finite() { rate.max(0.0) } else { 0.0 },
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes a token; `Err` carries the seconds until one is available (at least 1).
    pub fn take(&self) -> Result<(), u64> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(st.1).as_secs_f64() * self.rate;
        st.0 = (st.0 + refill).min(self.burst);
        st.1 = now;
        if st.0 >= 1.0 {
            st.0 -= 1.0;
            return Ok(());
        }
        let wait = if self.rate > 0.0 {
            ((1.0 - st.0) / self.rate).ceil()
        } else {
            3600.0
        };
        // Bounded above, so the conversion cannot overflow.
        Err(wait.clamp(1.0, 3600.0) as u64)
    }

    /// The bucket's size.
    pub fn burst(&self) -> u32 {
        // `burst` came from a u32.
        self.burst as u32
    }

    /// The refill rate per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_limit_and_carry_the_request_id() {
        let e = Exceeded::new(Limit::Pending, 4, json!(7)).message();
        assert_eq!(e["id"], json!(7));
        assert_eq!(e["error"]["code"], json!(LIMIT_EXCEEDED));
        assert_eq!(
            e["error"]["data"],
            json!({"limit": "max-pending", "max": 4})
        );
        assert!(e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max-pending"));
        let r = Exceeded::new(Limit::Sessions, 2, Value::Null).into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.headers().contains_key(header::RETRY_AFTER));
        let r = Exceeded::new(Limit::Batch, 2, Value::Null).into_response();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn batch_limit_is_inclusive() {
        let l = Limits {
            max_batch: 3,
            ..Limits::default()
        };
        assert!(check_batch(&l, 3).is_none());
        assert_eq!(check_batch(&l, 4).map(|e| e.limit), Some(Limit::Batch));
    }

    #[test]
    fn held_units_are_given_back_on_drop() {
        let l = Limits {
            max_streams_per_session: 2,
            max_pending_per_session: 1,
            ..Limits::default()
        };
        let g = Arc::new(Gauges::default());
        let a = open_stream(&l, &g, &json!(1)).unwrap();
        let _b = open_stream(&l, &g, &json!(2)).unwrap();
        assert_eq!(open_stream(&l, &g, &json!(3)).unwrap_err().id, json!(3));
        assert!(g.busy() && g.streams() == 2);
        drop(a);
        assert!(open_stream(&l, &g, &json!(4)).is_ok());
        let p = begin_pending(&l, &g, &json!(5)).unwrap();
        assert!(begin_pending(&l, &g, &json!(6)).is_err());
        drop(p);
        assert_eq!(g.pending(), 0);
    }

    #[test]
    fn session_slots_are_exact_and_released() {
        let lim = Limiter::new(Limits {
            max_sessions: 2,
            ..Limits::default()
        });
        let a = lim.reserve_session(&json!(0)).unwrap();
        let _b = lim.reserve_session(&json!(0)).unwrap();
        let refused = lim.reserve_session(&json!(9)).unwrap_err();
        assert_eq!((refused.limit, refused.id), (Limit::Sessions, json!(9)));
        drop(a);
        assert_eq!(lim.sessions_held(), 1);
        assert!(lim.reserve_session(&json!(0)).is_ok());
    }

    #[test]
    fn idle_and_busy_sessions() {
        let g = Arc::new(Gauges::default());
        assert!(g.expired(Duration::ZERO));
        assert!(!g.expired(Duration::from_secs(60)));
        let held = begin_pending(&Limits::default(), &g, &Value::Null).unwrap();
        assert!(!g.expired(Duration::ZERO), "a busy session never expires");
        drop(held);
        assert!(g.expired(Duration::ZERO));
    }

    #[test]
    fn token_bucket_allows_a_burst_then_refills() {
        let b = TokenBucket::new(2, 1000.0);
        assert!(b.take().is_ok() && b.take().is_ok());
        std::thread::sleep(Duration::from_millis(5));
        assert!(b.take().is_ok(), "refilled");
        let slow = TokenBucket::new(1, 0.5);
        assert!(slow.take().is_ok());
        assert_eq!(slow.take(), Err(2));
        assert_eq!(TokenBucket::new(1, 0.0).take().and(Ok(())), Ok(()));
    }
}
