//! Performing one step's action on the wire and turning what came back into the step document.
//!
//! The runner ([`super::runner`]) decides what to run and judges the documents; this module only
//! acts: JSON-RPC sends, raw HTTP, waits, and auth actions.

use super::context::RunContext;
use super::doc;
use super::model::Step;
use super::template::{render_str, render_value, Vars};
use crate::protocol::jsonrpc;
use crate::session::Session;
use crate::transcript::Transcript;
use crate::transport::http::RawRequest;
use crate::transport::Target;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Why a step could not produce a document.
pub(super) enum StepError {
    Template(super::template::UnknownVar),
    Unsupported(String),
}

/// An auth step, with the check's auth state created on first use.
pub(super) async fn perform_auth(
    step: &crate::auth::action::AuthStep,
    auth: &mut Option<crate::auth::state::AuthState>,
    session: &mut Session,
    ctx: &RunContext,
    vars: &Vars,
    transcript: &Transcript,
) -> Result<Value, StepError> {
    use crate::auth::action::{self, StepFailure};
    let Target::Http { url } = &ctx.target else {
        return Err(StepError::Unsupported(
            "authorization applies to HTTP targets only".into(),
        ));
    };
    if auth.is_none() {
        let http = crate::auth::exchange::OAuthHttp::with_ca_cert(
            transcript.clone(),
            ctx.opts.timeout,
            ctx.opts.max_body_bytes,
            ctx.opts.ca_cert.as_deref(),
        )
        .map_err(|e| StepError::Unsupported(e.to_string()))?;
        *auth = Some(crate::auth::state::AuthState::new(http, ctx.version, url));
    }
    let Some(state) = auth.as_mut() else {
        return Err(StepError::Unsupported("no auth state".into()));
    };
    action::perform(step, state, session, ctx, vars)
        .await
        .map_err(|e| match e {
            StepFailure::Template(t) => StepError::Template(t),
            StepFailure::Unsupported(u) => StepError::Unsupported(u),
        })
}

impl From<super::template::UnknownVar> for StepError {
    fn from(e: super::template::UnknownVar) -> Self {
        StepError::Template(e)
    }
}

/// Performs a step's action and returns its document (wire failures are in the document).
pub(super) async fn perform(
    step: &Step,
    session: &mut Session,
    ctx: &RunContext,
    vars: &Vars,
    session_ended: &mut bool,
) -> Result<Value, StepError> {
    let started = Instant::now();
    let timeout = step
        .timeout_ms
        .map(Duration::from_millis)
        .unwrap_or(ctx.opts.timeout);
    let quiet = step.quiet_ms.map(Duration::from_millis);
    let render = |v: &Option<Value>| -> Result<Option<Value>, StepError> {
        Ok(match v {
            Some(v) => Some(render_value(v, vars)?),
            None => None,
        })
    };
    let outcome = if let Some(r) = &step.request {
        let id = match &r.id {
            Some(id) => render_value(id, vars)?,
            None => json!(next_id()),
        };
        let msg = jsonrpc::request(id, &r.method, render(&r.params)?);
        let res = tokio::time::timeout(timeout, session.send(msg)).await;
        flatten(res, timeout)
    } else if let Some(n) = &step.notify {
        let msg = jsonrpc::notification(&n.method, render(&n.params)?);
        flatten(
            tokio::time::timeout(timeout, session.send(msg)).await,
            timeout,
        )
    } else if let Some(i) = &step.initialize {
        let version = i
            .version
            .clone()
            .unwrap_or_else(|| ctx.version.as_str().to_string());
        let mut params = Session::default_initialize_params(ctx.version);
        params["protocolVersion"] = Value::String(render_str(&version, vars)?);
        if let Some(Value::Object(extra)) = render(&i.params)? {
            for (k, v) in extra {
                params[k.as_str()] = v;
            }
        }
        let res = flatten(
            tokio::time::timeout(timeout, session.initialize(params)).await,
            timeout,
        );
        if i.then_initialized {
            if let Ok(ex) = &res {
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
        }
        res
    } else if let Some(text) = &step.raw {
        let text = render_str(text, vars)?;
        let window = quiet.unwrap_or(Duration::from_millis(500));
        let res = flatten(
            tokio::time::timeout(timeout + window, session.send_raw(&text, window)).await,
            timeout,
        );
        return Ok(match res {
            Ok(ex) => doc::from_exchange(&ex, session),
            Err(e) => doc::from_error(&e, session, started.elapsed()),
        });
    } else if let Some(h) = &step.http {
        let Some(http) = session.http() else {
            return Err(StepError::Unsupported("needs an HTTP target".into()));
        };
        let mut headers = Vec::new();
        for (k, v) in &h.headers {
            headers.push((k.clone(), render_str(v, vars)?));
        }
        let body = match (&h.json, &h.body) {
            (Some(j), _) => Some(render_value(j, vars)?.to_string().into_bytes()),
            (None, Some(b)) => Some(render_str(b, vars)?.into_bytes()),
            (None, None) => None,
        };
        let req = RawRequest {
            method: h.method.to_ascii_uppercase(),
            url: match &h.url {
                Some(u) => Some(render_str(u, vars)?),
                None => None,
            },
            headers,
            body,
            with_session: h.session,
            default_headers: h.default_headers,
            sse_window: Duration::from_millis(h.sse_window_ms.unwrap_or(500)),
            max_events: 64,
        };
        let res = tokio::time::timeout(timeout + Duration::from_secs(1), http.raw(req)).await;
        if h.ends_session {
            *session_ended = true;
        }
        return Ok(match res {
            Ok(Ok(r)) => doc::from_raw(&r, session),
            Ok(Err(e)) => doc::from_error(&e.to_string(), session, started.elapsed()),
            Err(_) => doc::from_error(
                &format!("no HTTP response within {}ms", timeout.as_millis()),
                session,
                started.elapsed(),
            ),
        });
    } else if let Some(r) = &step.start {
        let id = match &r.id {
            Some(id) => render_value(id, vars)?,
            None => json!(next_id()),
        };
        let msg = jsonrpc::request(id, &r.method, render(&r.params)?);
        return Ok(match session.start(msg).await {
            Ok(()) => doc::from_received(None, Vec::new(), session, started.elapsed()),
            Err(e) => doc::from_error(&e.to_string(), session, started.elapsed()),
        });
    } else if let Some(w) = &step.wait_response {
        let id = render_value(&w.id, vars)?;
        return Ok(match session.wait_response(&id, timeout).await {
            Ok(resp) => {
                let received = match quiet {
                    Some(q) => session.drain(q).await,
                    None => Vec::new(),
                };
                doc::from_received(resp, received, session, started.elapsed())
            }
            Err(e) => doc::from_error(&e.to_string(), session, started.elapsed()),
        });
    } else if let Some(w) = &step.wait_notification {
        let method = w.method.clone();
        let got = session
            .wait_for(timeout, |m| {
                m.get("method").and_then(Value::as_str) == Some(method.as_str())
            })
            .await;
        return Ok(doc::from_received(
            None,
            got.into_iter().collect(),
            session,
            started.elapsed(),
        ));
    } else if let Some(ms) = step.sleep_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        let received = session.drain(Duration::ZERO).await;
        return Ok(doc::from_received(
            None,
            received,
            session,
            started.elapsed(),
        ));
    } else {
        return Err(StepError::Unsupported("step has no action".into()));
    };
    let mut outcome = outcome;
    if let Ok(ex) = &mut outcome {
        // Whatever else arrives in the quiet window (stray replies, notifications).
        if let Some(q) = quiet {
            ex.received.extend(session.drain(q).await);
        }
    }
    Ok(match outcome {
        Ok(ex) => doc::from_exchange(&ex, session),
        Err(e) => doc::from_error(&e, session, started.elapsed()),
    })
}

/// A fresh request id for steps that do not give one (far from the session's own counter).
fn next_id() -> i64 {
    static NEXT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(100_000);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn flatten<T, E: std::fmt::Display>(
    r: Result<Result<T, E>, tokio::time::error::Elapsed>,
    timeout: Duration,
) -> Result<T, String> {
    match r {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {}ms", timeout.as_millis())),
    }
}
