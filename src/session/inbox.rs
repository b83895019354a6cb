//! Taking items off the session inbox: buffering messages, keeping garbage, noting closure, and
//! answering server→client requests (`ping`, configured replies, otherwise -32601).

use super::kept::{Evict, Kept};
use super::{Session, Wire};
use crate::protocol::jsonrpc::{self, Message};
use crate::transcript::Transcript;
use crate::transport::Incoming;
use serde_json::Value;
use tokio::time::Instant;

/// Responses a send is waiting for, and what else arrived meanwhile.
#[derive(Debug, Default)]
pub(super) struct Waiting {
    /// Ids of the requests sent (in order), each with its response once seen.
    slots: Vec<(Value, Option<Value>)>,
    /// With no ids to match (raw input): take the first error response whose id is null/absent.
    null_error: bool,
    null_found: Option<Value>,
    /// Other messages that arrived while waiting (within a byte budget).
    pub received: Kept<Value>,
    /// When the first response arrived.
    pub first_at: Option<Instant>,
}

/// What [`Waiting::offer`] made of a message.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Offer {
    /// An awaited response, now taken.
    Taken,
    /// A response to a request whose response was already taken (kept in `received`).
    Duplicate(Value),
    /// Anything else (kept in `received`).
    Other,
}

impl Waiting {
    /// Waits for the responses to the requests in `message` (one object or a batch array).
    pub fn for_message(message: &Value) -> Self {
        let items: Vec<&Value> = match message {
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        let slots = items
            .into_iter()
            .filter_map(|m| match Message::classify(m) {
                Message::Request { id, .. } => Some((id, None)),
                _ => None,
            })
            .collect();
        Self {
            slots,
            ..Self::default()
        }
    }

    /// For raw text: its request ids if it parses, else the first null-id error.
    pub fn for_raw(body: &str) -> Self {
        match serde_json::from_str::<Value>(body) {
            Ok(v) => {
                let w = Self::for_message(&v);
                if w.slots.is_empty() {
                    Self {
                        null_error: true,
                        ..Self::default()
                    }
                } else {
                    w
                }
            }
            Err(_) => Self {
                null_error: true,
                ..Self::default()
            },
        }
    }

    /// Keeps at most about `budget` bytes of other messages.
    pub fn limit(mut self, budget: usize) -> Self {
        self.received = Kept::new(budget, Evict::Newest, "messages received while waiting");
        self
    }

    /// Ids of the requests awaited.
    pub fn ids(&self) -> Vec<Value> {
        self.slots.iter().map(|(id, _)| id.clone()).collect()
    }

    /// Whether any response is expected.
    pub fn expects_response(&self) -> bool {
        !self.slots.is_empty() || self.null_error
    }

    /// Takes `v` if it is an awaited response; otherwise keeps it in `received`.
    pub fn offer(&mut self, v: &Value, transcript: &Transcript) -> Offer {
        if let Some(slot) = self
            .slots
            .iter_mut()
            .find(|(id, got)| got.is_none() && jsonrpc::is_response_to(v, id))
        {
            slot.1 = Some(v.clone());
            self.first_at.get_or_insert_with(Instant::now);
            return Offer::Taken;
        }
        if self.null_error && self.null_found.is_none() && is_null_id_error(v) {
            self.null_found = Some(v.clone());
            self.first_at.get_or_insert_with(Instant::now);
            return Offer::Taken;
        }
        let duplicate = self
            .slots
            .iter()
            .find(|(id, got)| got.is_some() && jsonrpc::is_response_to(v, id))
            .map(|(id, _)| id.clone());
        self.received.push(v.clone(), transcript);
        match duplicate {
            Some(id) => Offer::Duplicate(id),
            None => Offer::Other,
        }
    }

    /// Every awaited response arrived.
    pub fn complete(&self) -> bool {
        if self.null_error {
            return self.null_found.is_some();
        }
        self.slots.iter().all(|(_, got)| got.is_some())
    }

    /// Whether at least one awaited response arrived.
    pub fn any(&self) -> bool {
        self.null_found.is_some() || self.slots.iter().any(|(_, got)| got.is_some())
    }

    /// The response: the single one, or for a batch the array of those that arrived (in request
    /// order); `None` if none arrived.
    pub fn into_response(mut self, batch: bool) -> (Option<Value>, Vec<Value>) {
        let received = self.received.take_all();
        if let Some(v) = self.null_found {
            return (Some(v), received);
        }
        let mut got: Vec<Value> = self.slots.into_iter().filter_map(|(_, r)| r).collect();
        let response = match (batch, got.len()) {
            (_, 0) => None,
            (true, _) => Some(Value::Array(got)),
            (false, _) => got.pop(),
        };
        (response, received)
    }
}

fn is_null_id_error(v: &Value) -> bool {
    v.get("error").is_some()
        && v.get("method").is_none()
        && v.get("id").map_or(true, Value::is_null)
}

impl Session {
    /// Handles one inbox item. Messages are returned (server requests answered first); garbage
    /// and closure are recorded and yield `None`.
    pub(super) async fn absorb(&mut self, item: Incoming) -> Option<Value> {
        match item {
            Incoming::Garbage(text) => {
                self.garbage.push(text, &self.transcript);
                None
            }
            Incoming::Batch { len, whole_body } => {
                if let Some(why) = self.framing.batch(len, whole_body, self.version) {
                    self.transcript.note(why);
                }
                None
            }
            Incoming::Closed(why) => {
                self.closed.get_or_insert(why);
                None
            }
            Incoming::Message(v) => {
                if let Message::Request { id, method, params } = Message::classify(&v) {
                    self.server_requests.push(v.clone(), &self.transcript);
                    self.answer(id, &method, params.as_ref()).await;
                } else if (v.get("id").is_none()
                    && v.get("method")
                        .and_then(Value::as_str)
                        .is_some_and(|m| super::JUDGED_NOTIFICATIONS.contains(&m)))
                    || v.pointer("/error/code") == Some(&serde_json::json!(-32042))
                {
                    self.judged_notifications.push(v.clone(), &self.transcript);
                }
                Some(v)
            }
        }
    }

    /// The next inbox item before `deadline`, absorbed: `Ok(Some(msg))` for a message,
    /// `Ok(None)` for garbage or closure, `Err(())` when the deadline passed (or, once the server
    /// closed, when nothing is left to read).
    pub(super) async fn next_message(&mut self, deadline: Instant) -> Result<Option<Value>, ()> {
        if self.closed.is_some() {
            return match self.inbox.try_recv() {
                Some(item) => Ok(self.absorb(item).await),
                None => Err(()),
            };
        }
        match self.inbox.recv_until(deadline).await {
            Some(item) => Ok(self.absorb(item).await),
            // The session holds a sender, so the channel never closes; `None` is the deadline.
            None => Err(()),
        }
    }

    /// Absorbs everything already in the inbox, offering messages to `waiting` and buffering
    /// those it does not take.
    pub(super) async fn absorb_ready(&mut self, waiting: &mut Waiting) {
        while let Some(item) = self.inbox.try_recv() {
            if let Some(v) = self.absorb(item).await {
                self.keep(waiting, v);
            }
        }
    }

    /// Offers `v` to `waiting`; buffers it unless taken as a response. A second response to
    /// the same request is a framing violation.
    pub(super) fn keep(&mut self, waiting: &mut Waiting, v: Value) {
        match waiting.offer(&v, &self.transcript) {
            Offer::Taken => {
                // A null id answers unreadable input, not a request; it may come again.
                if let Some(id) = v.get("id").filter(|id| !id.is_null()) {
                    self.framing.answered(id.clone());
                }
            }
            Offer::Duplicate(id) => {
                let why = self.framing.violation(format!(
                    "the server sent a second response to request id {id}"
                ));
                self.transcript.note(why);
                self.buffer.push(v, &self.transcript);
            }
            Offer::Other => self.buffer_message(v),
        }
    }

    /// Buffers a message no exchange is waiting for, noting a late second response.
    pub(super) fn buffer_message(&mut self, v: Value) {
        if self.framing.is_late_duplicate(&v) {
            let id = v.get("id").cloned().unwrap_or(Value::Null);
            let why = self.framing.violation(format!(
                "the server sent another response to request id {id}, which was already answered"
            ));
            self.transcript.note(why);
        }
        self.buffer.push(v, &self.transcript);
    }

    /// Answers a server→client request: a configured reply, `ping` → `{}`, or -32601 (see
    /// `replies` for the client rules applied first).
    async fn answer(&mut self, id: Value, method: &str, params: Option<&Value>) {
        let reply = super::replies::answer_for(
            id,
            method,
            params,
            &self.client_caps,
            self.replies.get(method),
        );
        match &mut self.wire {
            Wire::Http(http) => {
                // Its own POST, not awaited: the reply's outcome is in the transcript.
                drop(http.post(reply.to_string().into_bytes()));
            }
            Wire::Legacy(legacy) => legacy.post_detached(reply.to_string().into_bytes()),
            Wire::Stdio(stdio) => {
                if let Err(e) = stdio.send(&reply).await {
                    self.transcript.note(format!(
                        "could not answer the server's {method} request: {e}"
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn waiting_matches_ids_by_type_and_keeps_the_rest() {
        let t = Transcript::new();
        let mut w = Waiting::for_message(&json!({"jsonrpc":"2.0","id":1,"method":"ping"}));
        assert!(w.expects_response());
        assert_eq!(
            w.offer(&json!({"jsonrpc":"2.0","id":"1","result":{}}), &t),
            Offer::Other
        );
        assert!(!w.complete());
        assert_eq!(
            w.offer(&json!({"jsonrpc":"2.0","id":1,"result":{}}), &t),
            Offer::Taken
        );
        assert!(w.complete());
        assert_eq!(
            w.offer(&json!({"jsonrpc":"2.0","id":1,"result":{"again":true}}), &t),
            Offer::Duplicate(json!(1))
        );
        let (resp, rest) = w.into_response(false);
        assert_eq!(resp, Some(json!({"jsonrpc":"2.0","id":1,"result":{}})));
        assert_eq!(rest.len(), 2);
    }

    #[test]
    fn batches_collect_responses_in_request_order() {
        let batch = json!([
            {"jsonrpc":"2.0","id":1,"method":"a"},
            {"jsonrpc":"2.0","method":"n"},
            {"jsonrpc":"2.0","id":2,"method":"b"}
        ]);
        let t = Transcript::new();
        let mut w = Waiting::for_message(&batch);
        assert_eq!(
            w.offer(&json!({"jsonrpc":"2.0","id":2,"result":{}}), &t),
            Offer::Taken
        );
        assert!(!w.complete());
        assert_eq!(
            w.offer(&json!({"jsonrpc":"2.0","id":1,"result":{}}), &t),
            Offer::Taken
        );
        let (resp, _) = w.into_response(true);
        let ids: Vec<Value> = resp
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].clone())
            .collect();
        assert_eq!(ids, vec![json!(1), json!(2)]);
    }

    #[test]
    fn notifications_expect_nothing_and_raw_garbage_takes_a_null_id_error() {
        assert!(!Waiting::for_message(&json!({"jsonrpc":"2.0","method":"n"})).expects_response());
        let t = Transcript::new();
        let mut w = Waiting::for_raw("{not json");
        assert_eq!(
            w.offer(
                &json!({"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}}),
                &t
            ),
            Offer::Other
        );
        assert_eq!(
            w.offer(
                &json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}),
                &t
            ),
            Offer::Taken
        );
        assert!(w.complete());
    }
}
