//! A modern message over stdio (the branch `stdio.rs` takes for it). The same process serves
//! legacy sessions and modern requests side by side: a modern request needs no `initialize`.
//! Its allowed notifications and then its response go to stdout; `notifications/cancelled`
//! naming it stops it. Long-running tool calls run concurrently, like legacy ones.

use super::listen::{self, Filter};
use super::route::{self, Prepared, Route};
use super::stream::is_response;
use crate::context::Outlet;
use crate::dispatch;
use crate::jsonrpc::{classify, error_response, is_valid_id, Incoming, RpcError};
use crate::state::ServerState;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Cancels the modern request a `notifications/cancelled` names, if one is in flight.
pub(crate) fn cancel(state: &ServerState, params: Option<&Value>) -> bool {
    params
        .and_then(|p| p.get("requestId"))
        .filter(|id| is_valid_id(id))
        .is_some_and(|id| state.modern.cancel(id))
}

/// Handles one modern message read from stdin.
pub(crate) async fn handle(
    state: &Arc<ServerState>,
    out: &mpsc::UnboundedSender<Value>,
    msg: Value,
    tasks: &mut JoinSet<()>,
) {
    let (id, method, params) = match classify(&msg) {
        Incoming::Invalid { id, reason } => {
            let _ = out.send(error_response(id, &RpcError::invalid_request(reason)));
            return;
        }
        Incoming::Response => return,
        Incoming::Notification { method, params } => {
            if method == "notifications/cancelled" {
                cancel(state, params.as_ref());
            }
            return;
        }
        Incoming::Request { id, method, params } => (id, method, params),
    };
    let prepared = match route::prepare(state, id.clone(), method, params) {
        Ok(p) => p,
        Err(e) => {
            let _ = out.send(error_response(id, &e));
            return;
        }
    };
    if prepared.route == Route::Listen {
        match listen::Filter::parse(state, prepared.params.as_ref()) {
            Ok(filter) => {
                tasks.spawn(subscription(state.clone(), out.clone(), prepared, filter));
            }
            Err(e) => {
                let _ = out.send(error_response(id, &e));
            }
        }
        return;
    }
    let long = prepared.route != Route::Mrtr
        && dispatch::is_long_running(&prepared.method, prepared.params.as_ref());
    let work = run(state.clone(), out.clone(), prepared);
    if long {
        tasks.spawn(work);
    } else {
        work.await;
    }
}

/// Runs a request, relaying what its policy allows and then its response to `out`.
async fn run(state: Arc<ServerState>, out: mpsc::UnboundedSender<Value>, prepared: Prepared) {
    let id = prepared.id.clone();
    let session = route::session_for(&prepared.meta);
    let policy = prepared.policy(&state);
    state.modern.begin(&id, &session);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let exec = {
        let (state, session) = (state.clone(), session.clone());
        async move {
            let reply =
                route::execute(&state, prepared, &session, Outlet::Stream(tx.clone())).await;
            if let Some(m) = reply.into_message() {
                let _ = tx.send(m);
            }
        }
    };
    let relay = async {
        while let Some(msg) = rx.recv().await {
            if policy.allows(&msg) {
                let _ = out.send(msg.clone());
            }
            if is_response(&msg) {
                break;
            }
        }
    };
    tokio::join!(exec, relay);
    state.modern.end(&id);
}

/// Relays a subscription's acknowledgement and events to `out` until `notifications/cancelled`
/// names it (or input ends and the task is dropped), or until `--listen-max-ms` ends it with
/// the closing response.
async fn subscription(
    state: Arc<ServerState>,
    out: mpsc::UnboundedSender<Value>,
    prepared: Prepared,
    filter: Filter,
) {
    let id = prepared.id.clone();
    let session = route::session_for(&prepared.meta);
    let mut cancelled = session.begin_request(&id);
    state.modern.begin(&id, &session);
    let (registration, mut rx) = listen::open(&state, &id, filter);
    let ends = listen::deadline(&state);
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(m) => { let _ = out.send(m); }
                None => break,
            },
            _ = cancelled.wait_for(|c| *c) => break,
            () = listen::until(ends) => {
                let _ = out.send(listen::closing(&state, &prepared));
                break;
            }
        }
    }
    drop(registration);
    state.modern.end(&id);
}
