//! A virtual user's MCP session over its connection: `initialize`, then
//! `notifications/initialized`, then requests carrying `Mcp-Session-Id` (and
//! `MCP-Protocol-Version` from 2025-06-18 on), and a DELETE at the end. Each step is timed and
//! recorded by the caller as a session operation, apart from the calls.

use super::engine::conn::{Answer, Conn, Endpoint, SESSION_HEADER, VERSION_HEADER};
use super::metrics::{ErrorKind, TransportKind};
use super::operation::{notification_template, request_template, BodyTemplate, Fill};
use crate::protocol::ProtocolVersion;
use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderValue};
use rand::rngs::SmallRng;
use serde_json::json;
use tokio::time::Instant;

/// Names of the session operations, in the order they follow the calls in the metrics.
/// (`token refresh` is the authenticated run's periodic token renewal.)
pub const SESSION_OPS: [(&str, &str); 4] = [
    ("initialize", "initialize"),
    ("notifications/initialized", "notifications/initialized"),
    ("DELETE", "DELETE"),
    ("token refresh", "oauth/token"),
];

/// Pre-serialised handshake messages.
#[derive(Clone, Debug)]
pub struct Handshake {
    initialize: BodyTemplate,
    initialized: BodyTemplate,
}

impl Handshake {
    /// Messages asking for `version`.
    pub fn new(version: ProtocolVersion) -> Self {
        Handshake {
            initialize: request_template(
                "initialize",
                Some(json!({
                    "protocolVersion": version.as_str(),
                    "capabilities": {},
                    "clientInfo": {"name": "mcpcheck-load", "version": env!("CARGO_PKG_VERSION")}
                })),
            ),
            initialized: notification_template("notifications/initialized", None),
        }
    }
}

/// An established session: the headers every call carries.
#[derive(Clone, Debug)]
pub struct McpSession {
    /// `Mcp-Session-Id`, when the server issued one.
    pub id: Option<String>,
    /// Negotiated protocol version.
    pub version: String,
    /// Base headers plus session id and protocol version.
    pub headers: HeaderMap,
}

/// One timed session step.
pub struct Timed<T> {
    /// What came of it.
    pub result: Result<T, ErrorKind>,
    /// When it started.
    pub started: Instant,
    /// When it ended.
    pub ended: Instant,
}

/// Sends `initialize` with `headers`; on success the session (its `initialized` notification
/// still to send).
#[allow(clippy::too_many_arguments)]
pub async fn initialize(
    conn: &mut Conn,
    ep: &Endpoint,
    headers: &HeaderMap,
    hs: &Handshake,
    id: u64,
    timeout: std::time::Duration,
    max_body: usize,
    rng: &mut SmallRng,
) -> Timed<McpSession> {
    let started = Instant::now();
    let mut buf = Vec::new();
    hs.initialize.render(
        &mut buf,
        Fill {
            id,
            ..Fill::default()
        },
        rng,
    );
    let sent = conn
        .post(
            ep,
            headers,
            Bytes::from(buf),
            Some(id),
            started + timeout,
            max_body,
        )
        .await;
    let result = sent.and_then(|a| session_from(ep, a));
    Timed {
        result,
        started,
        ended: Instant::now(),
    }
}

fn session_from(ep: &Endpoint, a: Answer) -> Result<McpSession, ErrorKind> {
    if let Some(e) = a.error() {
        return Err(e);
    }
    let version = a
        .protocol_version
        .clone()
        .ok_or(ErrorKind::Transport(TransportKind::Protocol))?;
    let mut headers = ep.base_headers.clone();
    if let Some(id) = &a.session_id {
        let v =
            HeaderValue::from_str(id).map_err(|_| ErrorKind::Transport(TransportKind::Protocol))?;
        headers.insert(SESSION_HEADER, v);
    }
    let needs_header =
        ProtocolVersion::parse(&version).map_or(true, |v| v.features().protocol_version_header);
    if needs_header {
        if let Ok(v) = HeaderValue::from_str(&version) {
            headers.insert(VERSION_HEADER, v);
        }
    }
    Ok(McpSession {
        id: a.session_id,
        version,
        headers,
    })
}

/// Sends `notifications/initialized` with the session's `headers`.
pub async fn initialized(
    conn: &mut Conn,
    ep: &Endpoint,
    headers: &HeaderMap,
    hs: &Handshake,
    timeout: std::time::Duration,
    rng: &mut SmallRng,
) -> Timed<()> {
    let started = Instant::now();
    let mut buf = Vec::new();
    hs.initialized.render(&mut buf, Fill::default(), rng);
    let result = conn
        .post(
            ep,
            headers,
            Bytes::from(buf),
            None,
            started + timeout,
            64 * 1024,
        )
        .await
        .and_then(|a| a.error().map_or(Ok(()), Err));
    Timed {
        result,
        started,
        ended: Instant::now(),
    }
}

/// Ends the session whose `headers` are given with a DELETE (405 — the server does not let
/// clients end sessions — is fine).
pub async fn delete(
    conn: &mut Conn,
    ep: &Endpoint,
    headers: &HeaderMap,
    timeout: std::time::Duration,
) -> Timed<()> {
    let started = Instant::now();
    let result = conn
        .delete(ep, headers, started + timeout)
        .await
        .and_then(|a| match a.status {
            200..=299 | 405 => Ok(()),
            s => Err(ErrorKind::Http(s)),
        });
    Timed {
        result,
        started,
        ended: Instant::now(),
    }
}
