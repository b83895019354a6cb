//! The Streamable HTTP transport: one `/mcp` endpoint for POST, GET and DELETE behind the
//! Origin/Host guard (and the bearer guard when authorization is on), plus `/health` and the
//! OAuth endpoints of `crate::auth`.

mod delete;
mod get;
mod guard;
mod headers;
mod legacy;
mod post;
pub(crate) mod reply;
mod resume;

use crate::auth::AuthServer;
use crate::config::ServerConfig;
use crate::state::ServerState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get as get_route, post as post_route};
use axum::{middleware, Router};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Largest request body accepted; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// How long `shutdown` waits for connections to finish before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The axum application for `state`: `/mcp` (behind the bearer guard when `auth` is on, and
/// absent on a stand-alone authorization server), `/health`, and the OAuth endpoints.
fn router(state: Arc<ServerState>, auth: Option<Arc<AuthServer>>) -> Router {
    let serves_mcp = auth.as_ref().map_or(true, |a| a.config.serves_mcp());
    let mut app = Router::new();
    if serves_mcp {
        let mcp = Router::new().route(
            "/mcp",
            post_route(post::handle)
                .get(get::handle)
                .delete(delete::handle),
        );
        // The Origin/Host guard is added last so that it runs first.
        app = crate::auth::protect(mcp, auth.as_ref())
            .route_layer(middleware::from_fn_with_state(state.clone(), guard::check));
        // The legacy HTTP+SSE transport of 2024-11-05: GET /sse and POST /messages.
        app = app.merge(legacy::routes(state.clone(), auth.as_ref()));
    }
    app.route("/health", get_route(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
        .merge(crate::auth::routes(auth.as_ref()))
}

/// A server started with [`start_http`].
pub struct RunningServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningServer {
    /// The bound address (with the actual port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The MCP endpoint URL, `http://<addr>/mcp`.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// Live HTTP sessions (falls to 0 once every session is deleted or has expired).
    pub fn session_count(&self) -> usize {
        self.state.sessions.len()
    }

    /// Sessions still holding memory: live ones plus removed ones a request or stream still
    /// uses (what `--max-sessions` counts).
    pub fn sessions_held(&self) -> usize {
        self.state.limits.sessions_held()
    }

    /// The origin, `http://<addr>` (the issuer of the built-in authorization server).
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the 2026-07-28 `Mcp-Param-*` tools saw so far (`header_echo` calls accepted and
    /// refused for their headers, calls of the invalid `header_ratio`).
    pub fn param_header_stats(&self) -> crate::ParamHeaderStats {
        self.state.modern.param_tools().snapshot()
    }

    /// Stops accepting connections, ends open streams and waits (briefly) for the server task.
    pub async fn shutdown(mut self) {
        self.state.begin_shutdown();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

/// Binds `addr` and serves in a background task; returns once the socket is bound.
pub async fn start_http(config: ServerConfig, addr: SocketAddr) -> io::Result<RunningServer> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let auth = AuthServer::start(&config, addr).await?;
    let state = ServerState::new(config);
    crate::expiry::spawn_sweeper(&state);
    let app = router(state.clone(), auth);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningServer {
        addr,
        state,
        stop: Some(stop),
        task,
    })
}
