//! One send over the legacy HTTP+SSE transport: POST the message to the endpoint's URI, then
//! wait for the answer on the stream.
//!
//! The POST is only an acknowledgement (any 2xx). A refused POST (not 2xx) means nothing is
//! coming, so the exchange ends with the HTTP facts and no response. A response found in the
//! POST body instead of on the stream ends the exchange with `TransportError::Protocol` naming
//! that: a 2024-11-05 client never reads it there. The stream closing ends the wait early.

use super::inbox::Waiting;
use super::{Exchange, Session};
use crate::protocol::jsonrpc::is_response_to;
use crate::transport::{HttpMeta, LegacySseTransport, TransportError};
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

impl Session {
    /// Sends `text` over `legacy` and waits as `waiting` says (`quiet`: collect for that long).
    #[allow(clippy::too_many_arguments)] // the exchange's state, passed as the other wires get it
    pub(super) async fn exchange_legacy(
        &mut self,
        legacy: &LegacySseTransport,
        text: String,
        mut waiting: Waiting,
        batch: bool,
        quiet: Option<Duration>,
        started: Instant,
        what: &str,
    ) -> Result<Exchange, TransportError> {
        let deadline = started + self.opts.timeout;
        let meta = match tokio::time::timeout_at(deadline, legacy.post(text.into_bytes())).await {
            Err(_) => return Err(self.timed_out(&format!("the answer to the POST of {what}"))),
            Ok(Err(e)) => {
                self.transcript.note(format!("POST failed: {e}"));
                return Err(e);
            }
            Ok(Ok(m)) => m,
        };
        self.absorb_ready(&mut waiting).await;
        let accepted = (200..300).contains(&meta.status);
        let pending = waiting.expects_response() && !waiting.complete();
        if accepted && pending && answers_in_body(&meta, &waiting.ids()) {
            let why = format!(
                "{what} came back in the POST answer's body (HTTP {}) instead of as an SSE `message` event on the stream",
                meta.status
            );
            self.transcript.note(why.clone());
            return Err(TransportError::Protocol(why));
        }
        let until = started + quiet.unwrap_or(self.opts.timeout);
        if accepted || quiet.is_some() {
            while quiet.is_some() || (waiting.expects_response() && !waiting.complete()) {
                match self.next_message(until).await {
                    Ok(Some(v)) => self.keep(&mut waiting, v),
                    Ok(None) => {}
                    Err(()) => break,
                }
            }
        }
        if !accepted && pending {
            self.transcript.note(format!(
                "the POST was refused (HTTP {}); no answer to {what} is expected on the stream",
                meta.status
            ));
        }
        if quiet.is_none() && accepted && waiting.expects_response() && !waiting.any() {
            return Err(match &self.closed {
                Some(why) => {
                    TransportError::Io(format!("the stream closed before {what} came: {why}"))
                }
                None => self.timed_out(what),
            });
        }
        Ok(self.finish(waiting, batch, Some(meta), started))
    }
}

/// Whether the POST answer's body holds a response to one of `ids`.
fn answers_in_body(meta: &HttpMeta, ids: &[Value]) -> bool {
    let Some(body) = meta
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
    else {
        return false;
    };
    let answers = |v: &Value| ids.iter().any(|id| is_response_to(v, id));
    match &body {
        Value::Array(items) => items.iter().any(answers),
        one => answers(one),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spots_a_response_in_the_post_body() {
        let meta = |body: &str| HttpMeta {
            status: 200,
            body: Some(body.into()),
            ..HttpMeta::default()
        };
        let ids = [json!(3)];
        assert!(answers_in_body(
            &meta(r#"{"jsonrpc":"2.0","id":3,"result":{}}"#),
            &ids
        ));
        assert!(answers_in_body(
            &meta(r#"[{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}}]"#),
            &ids
        ));
        assert!(!answers_in_body(
            &meta(r#"{"jsonrpc":"2.0","id":"3","result":{}}"#),
            &ids
        ));
        assert!(!answers_in_body(&meta("Accepted"), &ids));
    }
}
