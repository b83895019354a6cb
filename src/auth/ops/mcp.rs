//! The MCP endpoint itself, in the form the run's protocol version speaks: `probe` (one request
//! straight to the endpoint, without credentials unless a `token` is given) and `connect` (the
//! session's opening request with the session's current token: `initialize` then
//! `notifications/initialized` where the version has the handshake; on the stateless 2026-07-28
//! wire a `tools/list` with the per-request `_meta` and headers, the session switched to that
//! wire). Scenarios use these instead of a literal `initialize`, so one file holds at every
//! version.

use super::{opt, Res};
use crate::auth::action::{Inputs, Outcome};
use crate::auth::discovery;
use crate::auth::state::AuthState;
use crate::protocol::jsonrpc;
use crate::scenario::context::RunContext;
use crate::scenario::doc;
use crate::session::Session;
use serde_json::{json, Value};
use std::time::Instant;

/// `probe`: the authorization probe ([`discovery::probe_request`]) POSTed once; its answer is
/// the step's `/http`.
pub async fn probe(i: &Inputs<'_>, st: &mut AuthState) -> Res {
    let token = opt(i.get(&i.step.token)?).flatten();
    if let Some(t) = &token {
        st.remember(Some(t));
    }
    let (body, _) = discovery::probe_request(st.version);
    let method = body.get("method").cloned().unwrap_or(Value::Null);
    Ok(
        match discovery::probe_with(&st.http, &st.endpoint, st.version, token.as_deref()).await {
            Ok(r) => Outcome::ok(json!({"status": r.status, "method": method})),
            Err(e) => Outcome::failed(e.to_string(), json!({"method": method})),
        },
    )
}

/// `connect`: the session's opening request; returns the whole step document (the exchange's
/// `/response` and `/http`, plus `/auth/connect/method`). A refusal (401, 403) is an answer, not
/// a failure: only a request that got no answer at all sets `/transport_error`.
pub async fn connect(session: &mut Session, ctx: &RunContext) -> Value {
    let started = Instant::now();
    let timeout = ctx.opts.timeout;
    let (method, res) = if ctx.version.features().initialize {
        let params = Session::default_initialize_params(ctx.version);
        let res = tokio::time::timeout(timeout, session.initialize(params)).await;
        if let Ok(Ok(ex)) = &res {
            if ex
                .response
                .as_ref()
                .is_some_and(|r| r.get("result").is_some())
            {
                let _ = session
                    .send(jsonrpc::notification("notifications/initialized", None))
                    .await;
            }
        }
        ("initialize", res)
    } else {
        if session.stateless().is_none() {
            session.enter_stateless(ctx.version);
        }
        let res = tokio::time::timeout(timeout, session.request("tools/list", None)).await;
        ("tools/list", res)
    };
    let (mut d, error) = match res {
        Ok(Ok(ex)) => (doc::from_exchange(&ex, session), None),
        Ok(Err(e)) => {
            let e = e.to_string();
            (doc::from_error(&e, session, started.elapsed()), Some(e))
        }
        Err(_) => {
            let e = format!("no answer within {}ms", timeout.as_millis());
            (doc::from_error(&e, session, started.elapsed()), Some(e))
        }
    };
    let ok = d.pointer("/response/result").is_some_and(Value::is_object);
    if let Some(o) = d.as_object_mut() {
        o.insert(
            "auth".into(),
            json!({
                "action": "connect",
                "ok": ok,
                "error": error,
                "connect": {"method": method},
            }),
        );
    }
    d
}
