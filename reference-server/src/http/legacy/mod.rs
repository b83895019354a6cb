//! The legacy HTTP+SSE transport of protocol 2024-11-05, served next to `/mcp`.
//!
//! A client opens `GET /sse`; the stream's first event is `endpoint`, whose data is the URI to
//! POST messages to (`/messages?sessionId=<id>`). Each POST is answered `202 Accepted` and
//! every message the server sends — responses included — travels as an SSE `message` event on
//! that one stream. The session lives as long as its stream: when the client goes away, the
//! session ends and its POST URI answers 404. Everything is bounded: the number of live
//! sessions, the messages queued for a stream that is not read (the session ends when its
//! queue is full) and the requests handled at once.
//!
//! The same Origin/Host guard as `/mcp` protects both routes (`legacy-no-origin-check` turns
//! the Origin half off here only).

mod messages;
mod stream;

use super::guard::{host_allowed, origin_allowed};
use super::reply;
use crate::auth::AuthServer;
use crate::fault::Fault;
use crate::session::{lock, new_session_id, Session};
use crate::state::ServerState;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Semaphore};

/// Path of the SSE stream a legacy client opens.
pub(crate) const SSE_PATH: &str = "/sse";
/// Path the `endpoint` event points at (plus `?sessionId=<id>`).
pub(crate) const MESSAGES_PATH: &str = "/messages";
/// Live legacy sessions at most; another `GET /sse` gets 503.
const MAX_SESSIONS: usize = 256;
/// Messages queued for one stream; a client that does not read its stream loses the session.
const STREAM_QUEUE: usize = 256;
/// Requests of all legacy sessions handled at once; more get 503.
const MAX_IN_FLIGHT: usize = 512;

/// The legacy transport's state: the server's, plus its sessions by id.
pub(crate) struct Legacy {
    server: Arc<ServerState>,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    in_flight: Arc<Semaphore>,
}

impl Legacy {
    fn new(server: Arc<ServerState>) -> Self {
        Self {
            server,
            sessions: Mutex::new(HashMap::new()),
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        }
    }

    /// A new session and the receiving end of its stream; `None` when at the session limit.
    fn open(self: &Arc<Self>) -> Option<(String, mpsc::Receiver<Value>)> {
        let id = new_session_id(false);
        let (session_tx, mut session_rx) = mpsc::unbounded_channel::<Value>();
        let (stream_tx, stream_rx) = mpsc::channel::<Value>(STREAM_QUEUE);
        let session = Arc::new(Session::new_legacy(id.clone(), session_tx));
        {
            let mut sessions = lock(&self.sessions);
            if sessions.len() >= MAX_SESSIONS {
                return None;
            }
            sessions.insert(id.clone(), session.clone());
        }
        // In the server-wide store too, so resource updates reach subscribed legacy sessions.
        self.server.sessions.insert(session);
        // Moves what the session sends into the stream's bounded queue as it comes; a queue
        // that stays full means the client is not reading, and the session ends.
        let legacy = Arc::clone(self);
        let forward_id = id.clone();
        tokio::spawn(async move {
            while let Some(msg) = session_rx.recv().await {
                if stream_tx.try_send(msg).is_err() {
                    legacy.close(&forward_id);
                    break;
                }
            }
        });
        Some((id, stream_rx))
    }

    /// The live session with this id.
    fn session(&self, id: &str) -> Option<Arc<Session>> {
        lock(&self.sessions).get(id).cloned()
    }

    /// Ends a session: its POST URI answers 404 from now on.
    fn close(&self, id: &str) {
        lock(&self.sessions).remove(id);
        self.server.sessions.remove(id);
    }

    /// Whether `fault` is on.
    fn has(&self, fault: Fault) -> bool {
        self.server.has(fault)
    }
}

/// `GET /sse` and `POST /messages` behind the Origin/Host guard (which runs first) and, when
/// authorization is on, the bearer guard.
pub(crate) fn routes(
    server: Arc<ServerState>,
    auth: Option<&Arc<AuthServer>>,
) -> Router<Arc<ServerState>> {
    let legacy = Arc::new(Legacy::new(server));
    let routes = Router::new()
        .route(SSE_PATH, get(stream::handle))
        .route(MESSAGES_PATH, post(messages::handle));
    crate::auth::protect(routes, auth)
        .route_layer(middleware::from_fn_with_state(legacy.clone(), guard))
        .with_state(legacy)
}

/// The DNS-rebinding guard: a present `Origin` must be a loopback origin (unless
/// `legacy-no-origin-check`), `Host` a loopback host (unless `no-host-check` or remote access
/// is allowed); otherwise 403.
async fn guard(State(legacy): State<Arc<Legacy>>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    if !legacy.has(Fault::LegacyNoOriginCheck) {
        if let Some(origin) = headers.get(header::ORIGIN) {
            if !origin.to_str().is_ok_and(origin_allowed) {
                return reply::bad(StatusCode::FORBIDDEN, "Forbidden: Origin not allowed");
            }
        }
    }
    if !legacy.has(Fault::NoHostCheck) && !legacy.server.config.allow_remote {
        if let Some(host) = headers.get(header::HOST) {
            if !host.to_str().is_ok_and(host_allowed) {
                return reply::bad(StatusCode::FORBIDDEN, "Forbidden: Host not allowed");
            }
        }
    }
    next.run(req).await
}
