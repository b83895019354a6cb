//! Framing violations only the session can see: a JSON array (batch) it never asked for, and a
//! second response to a request already answered.
//!
//! Each is noted in the transcript when seen. A request's exchange during which one occurred
//! ends in `TransportError::Protocol` naming it, so the check fails with the reason instead of
//! quietly taking the first of two answers or an answer the server was not allowed to send.
//!
//! The batch rule: an array is fine while the session itself sent a batch. Otherwise it is a
//! violation when the negotiated version has no batching (2025-06-18 on), when it is a whole
//! POST response body (a JSON response to a POST is one object), or when it is empty. Arrays on
//! SSE streams and stdio under 2025-03-26 are allowed ("these responses MAY be batched").

use crate::protocol::jsonrpc::is_response_to;
use crate::protocol::ProtocolVersion;
use serde_json::Value;
use std::collections::VecDeque;

/// How many answered request ids are remembered to spot late duplicates.
const ANSWERED_KEPT: usize = 256;

/// The session's framing state.
#[derive(Debug, Default)]
pub(super) struct Framing {
    /// Violations since the current exchange began.
    violations: Vec<String>,
    /// Ids of requests answered lately (the last [`ANSWERED_KEPT`]).
    answered: VecDeque<Value>,
    /// The exchange in progress sent a batch.
    sending_batch: bool,
}

impl Framing {
    /// An exchange begins: forget earlier violations; the ids it sends may be answered again.
    pub(super) fn begin(&mut self, ids: &[Value], batch: bool) {
        self.violations.clear();
        self.sending_batch = batch;
        self.answered.retain(|a| !ids.contains(a));
    }

    /// The exchange ended: its violations, if any.
    pub(super) fn end(&mut self) -> Vec<String> {
        self.sending_batch = false;
        std::mem::take(&mut self.violations)
    }

    /// Records a violation; returns its text for the transcript.
    pub(super) fn violation(&mut self, text: String) -> String {
        self.violations.push(text.clone());
        text
    }

    /// Judges an array of `len` items (`whole_body`: a whole POST response body).
    pub(super) fn batch(
        &mut self,
        len: usize,
        whole_body: bool,
        version: Option<ProtocolVersion>,
    ) -> Option<String> {
        let why = if len == 0 {
            "the server sent an empty JSON array (an empty batch is never a valid reply)"
                .to_string()
        } else if self.sending_batch {
            return None;
        } else if let Some(v) = version.filter(|v| !v.features().batching) {
            format!("the server sent a JSON array (a batch of {len}) although no batch was sent and {v} has no batching")
        } else if whole_body {
            format!("the server answered a POST that carried no batch with a JSON array (a batch of {len}); the JSON response must be one object")
        } else {
            return None;
        };
        Some(self.violation(why))
    }

    /// A response to `id` was taken.
    pub(super) fn answered(&mut self, id: Value) {
        if self.answered.len() == ANSWERED_KEPT {
            self.answered.pop_front();
        }
        self.answered.push_back(id);
    }

    /// Whether `v` is a response to a request answered earlier (and not sent again since).
    pub(super) fn is_late_duplicate(&self, v: &Value) -> bool {
        self.answered.iter().any(|id| is_response_to(v, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn batches_are_judged_by_what_was_sent_the_version_and_the_wire() {
        let mut f = Framing::default();
        let new = Some(ProtocolVersion::V2025_11_25);
        let old = Some(ProtocolVersion::V2025_03_26);
        f.begin(&[json!(1)], false);
        assert!(
            f.batch(1, false, new).is_some(),
            "no batching in 2025-11-25"
        );
        assert!(
            f.batch(1, false, old).is_none(),
            "SSE batches allowed in 2025-03-26"
        );
        assert!(f.batch(1, true, old).is_some(), "a JSON body is one object");
        assert!(f.batch(0, false, old).is_some(), "empty arrays never");
        assert!(f.batch(2, true, None).is_some());
        assert_eq!(f.end().len(), 4);
        f.begin(&[json!(1), json!(2)], true);
        assert!(f.batch(2, true, new).is_none(), "a batch answers a batch");
        assert!(f.end().is_empty());
    }

    #[test]
    fn late_duplicates_are_spotted_until_the_id_is_sent_again() {
        let mut f = Framing::default();
        f.answered(json!(7));
        let dup = json!({"jsonrpc":"2.0","id":7,"result":{}});
        assert!(f.is_late_duplicate(&dup));
        assert!(!f.is_late_duplicate(&json!({"jsonrpc":"2.0","id":"7","result":{}})));
        assert!(!f.is_late_duplicate(&json!({"jsonrpc":"2.0","id":7,"method":"ping"})));
        f.begin(&[json!(7)], false);
        assert!(
            !f.is_late_duplicate(&dup),
            "the id was reused by a new request"
        );
    }
}
