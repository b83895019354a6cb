//! Requests the server sends to its client (`sampling/createMessage`, `elicitation/create`,
//! `roots/list`): what the client declared it supports, the table of requests still waiting
//! for the client's response, and [`ask`], which sends one related to the calling request and
//! waits — bounded by [`REPLY_TIMEOUT`] and the caller's cancellation — for the answer.
//!
//! The client answers with a message of its own (an HTTP POST, a stdio line); the transports
//! hand every response they receive to [`ClientSide::resolve`], which wakes the waiting tool.

use crate::context::RequestCtx;
use crate::session::{id_key, lock};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::oneshot;

/// Longest wait for the client's response to a request the server sent.
pub(crate) const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// Most requests a session may have outstanding at once; more are refused, not queued.
const MAX_OUTSTANDING: usize = 32;

/// The client half of a session: declared capabilities and outstanding requests.
#[derive(Default)]
pub(crate) struct ClientSide {
    capabilities: Mutex<Value>,
    pending: Mutex<HashMap<String, oneshot::Sender<Value>>>,
    next_id: AtomicU64,
}

/// What the client answered.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Answer {
    /// A `result`.
    Result(Value),
    /// An `error`, with its code and message.
    Error { code: i64, message: String },
}

/// Why no answer came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AskError {
    /// The client did not answer within the timeout.
    TimedOut(Duration),
    /// The calling request was cancelled meanwhile.
    Cancelled,
    /// Too many requests of this session are outstanding.
    Busy,
    /// The response was neither a result nor an error object.
    Malformed(String),
}

impl std::fmt::Display for AskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TimedOut(d) => write!(f, "the client did not answer within {}s", d.as_secs()),
            Self::Cancelled => f.write_str("the request was cancelled"),
            Self::Busy => write!(
                f,
                "more than {MAX_OUTSTANDING} requests to the client are outstanding"
            ),
            Self::Malformed(why) => write!(f, "the client's response is malformed: {why}"),
        }
    }
}

impl ClientSide {
    /// Records the `capabilities` object of the client's `initialize` (anything else: none).
    pub fn set_capabilities(&self, caps: Option<&Value>) {
        let caps = caps.filter(|c| c.is_object()).cloned().unwrap_or(json!({}));
        *lock(&self.capabilities) = caps;
    }

    /// The declared capability at a dotted `path` (`sampling`, `elicitation.url`), if any
    /// (`false` and `null` count as absent).
    pub fn declared(&self, path: &str) -> Option<Value> {
        let caps = lock(&self.capabilities);
        let mut cur = &*caps;
        for part in path.split('.') {
            cur = cur.get(part)?;
        }
        (!matches!(cur, Value::Null | Value::Bool(false))).then(|| cur.clone())
    }

    /// Whether the client supports form-mode elicitation: it declared `elicitation` empty
    /// (form only, for backward compatibility) or with `form`.
    pub fn supports_form_elicitation(&self) -> bool {
        match self.declared("elicitation") {
            Some(Value::Object(m)) => m.is_empty() || m.contains_key("form"),
            Some(_) => true,
            None => false,
        }
    }

    /// A fresh request id and the receiver of its response; `Err(Busy)` past the cap.
    fn register(&self) -> Result<(Value, oneshot::Receiver<Value>), AskError> {
        let mut pending = lock(&self.pending);
        if pending.len() >= MAX_OUTSTANDING {
            return Err(AskError::Busy);
        }
        let n = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let id = json!(format!("srv-{n}"));
        let (tx, rx) = oneshot::channel();
        pending.insert(id_key(&id), tx);
        Ok((id, rx))
    }

    /// Stops waiting for the answer to request `id` (a late answer is then ignored).
    pub(crate) fn forget(&self, id: &Value) {
        lock(&self.pending).remove(&id_key(id));
    }

    /// Hands a response from the client to the request waiting for it; `false` when no
    /// outstanding request has its id (late, duplicate or unsolicited: ignored).
    pub fn resolve(&self, msg: &Value) -> bool {
        let Some(id) = msg.get("id") else {
            return false;
        };
        match lock(&self.pending).remove(&id_key(id)) {
            Some(tx) => tx.send(msg.clone()).is_ok(),
            None => false,
        }
    }

    /// How many requests are waiting for the client.
    #[cfg(test)]
    pub fn outstanding(&self) -> usize {
        lock(&self.pending).len()
    }
}

/// Sends request `method` to the client of `ctx` (on the request's stream) and waits for the
/// answer, at most [`REPLY_TIMEOUT`].
pub(crate) async fn ask(ctx: &RequestCtx, method: &str, params: Value) -> Result<Answer, AskError> {
    ask_within(ctx, method, params, REPLY_TIMEOUT).await
}

/// [`ask`] with an explicit timeout.
pub(crate) async fn ask_within(
    ctx: &RequestCtx,
    method: &str,
    params: Value,
    timeout: Duration,
) -> Result<Answer, AskError> {
    let client = ctx.session.client();
    let (id, rx) = client.register()?;
    ctx.send_to_client(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
    let outcome = tokio::select! {
        r = tokio::time::timeout(timeout, rx) => match r {
            Ok(Ok(msg)) => answer_of(&msg),
            // The sender only goes away with the session.
            Ok(Err(_)) => Err(AskError::Cancelled),
            Err(_) => Err(AskError::TimedOut(timeout)),
        },
        _ = ctx.cancelled() => Err(AskError::Cancelled),
    };
    client.forget(&id);
    outcome
}

/// The answer in a response message.
fn answer_of(msg: &Value) -> Result<Answer, AskError> {
    match (msg.get("result"), msg.get("error")) {
        (Some(r), None) if r.is_object() => Ok(Answer::Result(r.clone())),
        (None, Some(e)) => {
            let code = e.get("code").and_then(Value::as_i64);
            let message = e.get("message").and_then(Value::as_str);
            match (code, message) {
                (Some(code), Some(message)) => Ok(Answer::Error {
                    code,
                    message: message.to_string(),
                }),
                _ => Err(AskError::Malformed(
                    "`error` lacks an integer code or a message".into(),
                )),
            }
        }
        _ => Err(AskError::Malformed(
            "expected a result object or an error".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_capabilities_follow_paths_and_treat_false_as_absent() {
        let c = ClientSide::default();
        assert!(c.declared("sampling").is_none());
        c.set_capabilities(Some(
            &json!({"sampling": {}, "roots": false, "elicitation": {"url": {}}}),
        ));
        assert_eq!(c.declared("sampling"), Some(json!({})));
        assert!(c.declared("roots").is_none());
        assert!(c.declared("elicitation.url").is_some());
        assert!(!c.supports_form_elicitation(), "url only");
        c.set_capabilities(Some(&json!({"elicitation": {}})));
        assert!(c.supports_form_elicitation(), "empty means form");
        c.set_capabilities(Some(&json!("nonsense")));
        assert!(c.declared("elicitation").is_none());
    }

    #[tokio::test]
    async fn responses_reach_their_request_once_and_the_table_is_bounded() {
        let c = ClientSide::default();
        let (id, rx) = c.register().unwrap();
        assert!(!c.resolve(&json!({"jsonrpc":"2.0","id":"other","result":{}})));
        assert!(c.resolve(&json!({"jsonrpc":"2.0","id":id.clone(),"result":{"x":1}})));
        assert!(
            !c.resolve(&json!({"jsonrpc":"2.0","id":id,"result":{}})),
            "a second response is ignored"
        );
        assert_eq!(
            answer_of(&rx.await.unwrap()),
            Ok(Answer::Result(json!({"x":1})))
        );
        let held: Vec<_> = (0..MAX_OUTSTANDING)
            .map(|_| c.register().unwrap())
            .collect();
        assert_eq!(c.register().err(), Some(AskError::Busy));
        c.forget(&held[0].0);
        assert_eq!(c.outstanding(), MAX_OUTSTANDING - 1);
    }

    fn ctx_with_output() -> (
        RequestCtx,
        tokio::sync::mpsc::UnboundedReceiver<Value>,
        tokio::sync::watch::Sender<bool>,
    ) {
        use crate::config::ServerConfig;
        use crate::context::Outlet;
        use crate::session::Session;
        use crate::state::ServerState;
        use std::sync::Arc;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
        let session = Arc::new(Session::new_stdio(tx));
        let ctx = RequestCtx::new(
            ServerState::new(ServerConfig::default()),
            session,
            None,
            Outlet::Session,
            cancel_rx,
        );
        (ctx, rx, cancel_tx)
    }

    #[tokio::test]
    async fn an_unanswered_request_times_out_and_leaves_nothing_behind() {
        let (ctx, mut out, _cancel) = ctx_with_output();
        let started = std::time::Instant::now();
        let r = ask_within(&ctx, "roots/list", json!({}), Duration::from_millis(50)).await;
        assert_eq!(r, Err(AskError::TimedOut(Duration::from_millis(50))));
        assert!(started.elapsed() < Duration::from_secs(5));
        let sent = out.try_recv().unwrap();
        assert_eq!(sent["method"], json!("roots/list"));
        assert!(sent["id"].is_string());
        assert_eq!(ctx.session.client().outstanding(), 0);
        assert!(!ctx
            .session
            .client()
            .resolve(&json!({"id": sent["id"], "result": {}})));
    }

    #[tokio::test]
    async fn a_cancelled_caller_stops_waiting() {
        let (ctx, _out, cancel) = ctx_with_output();
        cancel.send_replace(true);
        let r = ask_within(&ctx, "roots/list", json!({}), Duration::from_secs(30)).await;
        assert_eq!(r, Err(AskError::Cancelled));
        assert_eq!(ctx.session.client().outstanding(), 0);
    }

    #[tokio::test]
    async fn the_answer_is_returned_to_the_asker() {
        let (ctx, mut out, _cancel) = ctx_with_output();
        let session = ctx.session.clone();
        let answer = tokio::spawn(async move {
            let sent = out.recv().await.unwrap();
            session
                .client()
                .resolve(&json!({"jsonrpc": "2.0", "id": sent["id"], "result": {"roots": []}}))
        });
        let r = ask_within(&ctx, "roots/list", json!({}), Duration::from_secs(5)).await;
        assert_eq!(r, Ok(Answer::Result(json!({"roots": []}))));
        assert!(answer.await.unwrap());
    }

    #[test]
    fn answers_are_results_errors_or_malformed() {
        assert_eq!(
            answer_of(&json!({"id":1,"error":{"code":-1,"message":"no"}})),
            Ok(Answer::Error {
                code: -1,
                message: "no".into()
            })
        );
        assert!(matches!(
            answer_of(&json!({"id":1,"error":{"code":"x"}})),
            Err(AskError::Malformed(_))
        ));
        assert!(matches!(
            answer_of(&json!({"id":1,"result":3})),
            Err(AskError::Malformed(_))
        ));
    }
}
