//! Tokens at the MCP server: `use_token` (send a token, or a forged copy, from now on) and
//! `wait_expiry`.

use super::grants::token_input;
use super::Res;
use crate::auth::action::{reopen, Inputs, Outcome};
use crate::auth::discovery;
use crate::auth::jwt;
use crate::auth::state::{now_secs, AuthState};
use crate::scenario::context::RunContext;
use crate::session::Session;
use serde_json::{json, Value};
use std::time::Duration;

/// `use_token`: send a token (or a forged copy) on the session's MCP requests from now on.
pub async fn use_token(
    i: &Inputs<'_>,
    st: &mut AuthState,
    session: &mut Session,
    ctx: &RunContext,
) -> Res {
    let Some(token) = token_input(i, st)? else {
        return Ok(Outcome::failed(
            "no access token: obtain one first",
            Value::Null,
        ));
    };
    let sent = match i.step.tamper.as_deref() {
        Some("signature") => jwt::tamper_signature(&token),
        Some(_) => match jwt::alg_none(&token) {
            Some(t) => t,
            None => {
                return Ok(Outcome::failed(
                    "the token is not a JWT; it cannot be re-encoded unsigned",
                    Value::Null,
                ))
            }
        },
        None => token.clone(),
    };
    st.remember(Some(&token));
    st.remember(Some(&sent));
    let decoded = jwt::decode(&token);
    let origin = |u: &str| {
        url::Url::parse(u)
            .ok()
            .map(|u| u.origin().ascii_serialization())
    };
    let as_same_origin = st
        .discovery
        .as_ref()
        .and_then(|d| d.issuer.as_deref())
        .map(|iss| origin(iss) == origin(&st.endpoint));
    let mut data = json!({
        "tampered": i.step.tamper,
        "jwt_header": decoded.as_ref().map(|d| d.0.clone()),
        "claims": decoded.map(|d| d.1),
        "as_same_origin": as_same_origin,
    });
    if let Err(e) = reopen(session, ctx, Some(&sent)).await {
        return Ok(Outcome::failed(e.to_string(), data));
    }
    if i.step.probe.unwrap_or(false) {
        match discovery::probe_with(&st.http, &st.endpoint, st.version, Some(&sent)).await {
            Ok(r) => data["probe_status"] = json!(r.status),
            Err(e) => return Ok(Outcome::failed(e.to_string(), data)),
        }
    }
    Ok(Outcome::ok(data))
}

/// `wait_expiry`: wait until the current access token has expired, if that is soon enough.
pub async fn wait_expiry(i: &Inputs<'_>, st: &mut AuthState) -> Outcome {
    let Some(exp) = st.access_expires_at else {
        return Outcome::failed(
            "the access token's expiry is unknown (no JWT exp, no expires_in)",
            Value::Null,
        );
    };
    let max = Duration::from_millis(i.step.max_wait_ms.unwrap_or(5_000));
    // JWT times have one-second resolution and servers compare `now < exp`: wait past it.
    let wait = Duration::from_secs(exp.saturating_sub(now_secs()).saturating_add(1));
    if wait > max {
        return Outcome::ok(json!({"waited": false, "seconds_left": wait.as_secs()}));
    }
    tokio::time::sleep(wait).await;
    Outcome::ok(json!({"waited": true, "seconds_left": 0}))
}
