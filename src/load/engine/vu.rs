//! A virtual user: one tokio task owning one HTTP/1.1 connection and (per the profile) one MCP
//! session, running iterations of weighted-random calls and recording each one.

use super::conn::Conn;
use super::Shared;
use crate::load::metrics::{ErrorKind, Sample, TransportKind};
use crate::load::operation::{Fill, OpKind};
use crate::load::profile::SessionMode;
use crate::load::session::{self, McpSession, Timed};
use bytes::Bytes;
use hyper::header::{HeaderMap, AUTHORIZATION};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Pause after a failed connect or initialize, so a dead target is not hammered in a tight loop.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// `base` plus the run's current bearer token, when the run is authenticated.
fn with_token(shared: &Shared, base: &HeaderMap) -> HeaderMap {
    let mut h = base.clone();
    if let Some(slot) = &shared.token {
        h.insert(AUTHORIZATION, slot.header());
    }
    h
}

/// One virtual user.
pub struct Vu {
    /// The user's number (from 0).
    pub index: usize,
    shared: Arc<Shared>,
    conn: Option<Conn>,
    session: Option<McpSession>,
    rng: SmallRng,
    buf: Vec<u8>,
    next_id: u64,
    iteration: u64,
}

impl Vu {
    /// User `index` of a run.
    pub fn new(index: usize, shared: Arc<Shared>) -> Self {
        Vu {
            index,
            rng: SmallRng::seed_from_u64(0x6d63_7063_6865_636b ^ index as u64),
            shared,
            conn: None,
            session: None,
            buf: Vec::with_capacity(512),
            next_id: 1,
            iteration: 0,
        }
    }

    fn record(
        &self,
        op: usize,
        error: Option<ErrorKind>,
        latency: Duration,
        raw: Option<Duration>,
        at: Instant,
    ) {
        self.shared.hub.record(
            self.index,
            Sample {
                op,
                error,
                latency,
                raw,
                measured: at >= self.shared.measure_from(),
            },
        );
    }

    fn record_session<T>(&self, slot: usize, t: &Timed<T>) {
        let op = self.shared.ops.len() + slot;
        self.record(
            op,
            t.result.as_ref().err().copied(),
            t.ended - t.started,
            None,
            t.ended,
        );
    }

    /// Makes sure the user has a usable connection (reconnecting after a failure).
    async fn connect(&mut self) -> Result<(), ErrorKind> {
        if self.conn.as_mut().is_some_and(Conn::is_usable) {
            return Ok(());
        }
        self.conn = None;
        self.conn = Some(Conn::open(&self.shared.endpoint, self.shared.timeout).await?);
        Ok(())
    }

    /// Makes sure the user has a session, opening one (initialize + initialized) if needed.
    pub async fn ensure_session(&mut self) -> Result<(), ErrorKind> {
        if self.session.is_some() {
            return Ok(());
        }
        let shared = self.shared.clone();
        let id = self.take_id();
        if let Err(e) = self.connect().await {
            tokio::time::sleep(RETRY_PAUSE).await;
            return Err(e);
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err(ErrorKind::Transport(TransportKind::Connect));
        };
        let headers = with_token(&shared, &shared.endpoint.base_headers);
        let init = session::initialize(
            conn,
            &shared.endpoint,
            &headers,
            &shared.handshake,
            id,
            shared.timeout,
            shared.max_body,
            &mut self.rng,
        )
        .await;
        self.record_session(0, &init);
        let s = match init.result {
            Ok(s) => s,
            Err(e) => {
                self.drop_conn_on(e);
                tokio::time::sleep(RETRY_PAUSE).await;
                return Err(e);
            }
        };
        self.connect().await?;
        let Some(conn) = self.conn.as_mut() else {
            return Err(ErrorKind::Transport(TransportKind::Connect));
        };
        let note = session::initialized(
            conn,
            &shared.endpoint,
            &with_token(&shared, &s.headers),
            &shared.handshake,
            shared.timeout,
            &mut self.rng,
        )
        .await;
        self.record_session(1, &note);
        if let Err(e) = note.result {
            self.drop_conn_on(e);
            return Err(e);
        }
        self.session = Some(s);
        Ok(())
    }

    /// Ends the user's session with a DELETE, if it has one.
    pub async fn end_session(&mut self) {
        let Some(s) = self.session.take() else { return };
        if s.id.is_none() {
            return; // a server without sessions has nothing to end
        }
        let shared = self.shared.clone();
        if self.connect().await.is_err() {
            return;
        }
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let headers = with_token(&shared, &s.headers);
        let t = session::delete(conn, &shared.endpoint, &headers, shared.timeout).await;
        self.record_session(2, &t);
        if let Err(e) = t.result {
            self.drop_conn_on(e);
        }
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        id
    }

    fn drop_conn_on(&mut self, e: ErrorKind) {
        if matches!(e, ErrorKind::Timeout | ErrorKind::Transport(_)) {
            self.conn = None;
        }
    }

    /// One iteration: (a new session under churn,) the profile's calls, (the DELETE).
    /// `intended` is the arrival's intended start (open model), which latencies are measured from.
    pub async fn iteration(&mut self, intended: Option<Instant>) {
        self.iteration += 1;
        let churn = self.shared.session_mode == SessionMode::PerIteration;
        for n in 0..self.shared.calls_per_iteration {
            let op = self.shared.picker.pick(&mut self.rng);
            let from = if n == 0 { intended } else { None };
            self.call(op, from).await;
        }
        if churn {
            self.end_session().await;
        }
    }

    async fn call(&mut self, op: usize, intended: Option<Instant>) {
        let begun = Instant::now();
        if let Err(e) = self.ensure_session().await {
            // The call could not even be attempted: it failed the way the session did.
            let now = Instant::now();
            let from = intended.unwrap_or(begun);
            self.record(op, Some(e), now - from, intended.map(|_| now - begun), now);
            return;
        }
        let shared = self.shared.clone();
        let operation = &shared.ops[op];
        let body = if operation.bodies.len() > 1 {
            &operation.bodies[self.rng.random_range(0..operation.bodies.len())]
        } else {
            &operation.bodies[0]
        };
        let id = match operation.kind {
            OpKind::Request => Some(self.take_id()),
            OpKind::Notification => None,
        };
        let fill = Fill {
            id: id.unwrap_or(0),
            vu: self.index as u64,
            iteration: self.iteration,
        };
        body.render(&mut self.buf, fill, &mut self.rng);
        let bytes = Bytes::copy_from_slice(&self.buf);
        let Some(headers) = self
            .session
            .as_ref()
            .map(|s| with_token(&shared, &s.headers))
        else {
            return;
        };
        let sent = Instant::now();
        let result = match (self.connect().await, self.conn.as_mut()) {
            (Ok(()), Some(conn)) => {
                conn.post(
                    &shared.endpoint,
                    &headers,
                    bytes,
                    id,
                    sent + shared.timeout,
                    shared.max_body,
                )
                .await
            }
            (Err(e), _) => Err(e),
            (Ok(()), None) => Err(ErrorKind::Transport(TransportKind::Connect)),
        };
        let done = Instant::now();
        let error = match result {
            Ok(a) => {
                if a.status == 404 {
                    // The session is gone (expired or ended by the server): open a new one next time.
                    self.session = None;
                }
                a.error()
            }
            Err(e) => {
                self.drop_conn_on(e);
                Some(e)
            }
        };
        match intended {
            Some(due) => self.record(
                op,
                error,
                done.saturating_duration_since(due),
                Some(done - sent),
                done,
            ),
            None => self.record(op, error, done - sent, None, done),
        }
    }

    /// A think-time pause drawn from the profile's range.
    pub fn think_time(&mut self) -> Duration {
        let (lo, hi) = self.shared.think;
        if hi <= lo {
            return lo;
        }
        let span = u64::try_from((hi - lo).as_micros()).unwrap_or(u64::MAX);
        lo + Duration::from_micros(self.rng.random_range(0..=span))
    }
}
