//! The channel from transports to their session, bounded in bytes.
//!
//! Transports push what they receive as it arrives; the session takes it when it waits. A server
//! that floods a stream nobody is reading at the moment (a request started with
//! `Session::start`, notifications between steps) must not grow the harness without bound, so
//! the channel counts the approximate size of what it holds and, past its budget, drops new
//! items (noting how many in the transcript) until the session catches up. Responses get twice
//! the budget (a flood of notifications cannot crowd out the awaited answer); closure reports
//! are never dropped.

use super::Incoming;
use crate::transcript::Transcript;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Sending side, held by transports. Cloning shares the budget.
#[derive(Clone, Debug)]
pub struct Inbox {
    tx: mpsc::UnboundedSender<(usize, Incoming)>,
    shared: Arc<Shared>,
}

/// Receiving side, held by the session.
#[derive(Debug)]
pub struct InboxReceiver {
    rx: mpsc::UnboundedReceiver<(usize, Incoming)>,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    queued: AtomicUsize,
    budget: usize,
    transcript: Transcript,
    /// Items dropped since the budget was last exceeded (bytes too).
    dropped: Mutex<(usize, usize)>,
}

impl Inbox {
    /// A channel holding at most about `budget` bytes of unread items; drops are noted in
    /// `transcript`.
    pub fn channel(budget: usize, transcript: Transcript) -> (Inbox, InboxReceiver) {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queued: AtomicUsize::new(0),
            budget,
            transcript,
            dropped: Mutex::new((0, 0)),
        });
        (
            Inbox {
                tx,
                shared: Arc::clone(&shared),
            },
            InboxReceiver { rx, shared },
        )
    }

    /// Queues `item`; returns false if it was dropped (budget exceeded, or receiver gone).
    pub fn send(&self, item: Incoming) -> bool {
        let size = item_size(&item);
        let s = &self.shared;
        // Closure reports always pass; a response (what a check waits for) gets twice the room
        // of notifications and junk, so a flood of those cannot crowd it out.
        let limit = match &item {
            Incoming::Closed(_) => usize::MAX,
            Incoming::Message(v) if is_response(v) => s.budget.saturating_mul(2),
            _ => s.budget,
        };
        if s.queued.load(Ordering::Relaxed).saturating_add(size) > limit {
            let mut d = lock(&s.dropped);
            if d.0 == 0 {
                s.transcript.note(format!(
                    "more than {} bytes of received messages are waiting unread; dropping new ones until the harness catches up",
                    s.budget
                ));
            }
            d.0 += 1;
            d.1 = d.1.saturating_add(size);
            return false;
        }
        s.queued.fetch_add(size, Ordering::Relaxed);
        if self.tx.send((size, item)).is_err() {
            s.queued.fetch_sub(size, Ordering::Relaxed);
            return false;
        }
        true
    }
}

impl InboxReceiver {
    /// The next item; `None` once every sender is gone.
    pub async fn recv(&mut self) -> Option<Incoming> {
        let got = self.rx.recv().await;
        got.map(|(size, item)| self.taken(size, item))
    }

    /// The next item before `deadline`; `None` on timeout or when every sender is gone.
    pub async fn recv_until(&mut self, deadline: Instant) -> Option<Incoming> {
        tokio::time::timeout_at(deadline, self.recv())
            .await
            .ok()
            .flatten()
    }

    /// The next item if one is queued.
    pub fn try_recv(&mut self) -> Option<Incoming> {
        let got = self.rx.try_recv().ok();
        got.map(|(size, item)| self.taken(size, item))
    }

    fn taken(&self, size: usize, item: Incoming) -> Incoming {
        let s = &self.shared;
        s.queued.fetch_sub(size, Ordering::Relaxed);
        let mut d = lock(&s.dropped);
        if d.0 > 0 && s.queued.load(Ordering::Relaxed) == 0 {
            s.transcript.note(format!(
                "{} received messages ({} bytes) were dropped unread while over the budget",
                d.0, d.1
            ));
            *d = (0, 0);
        }
        item
    }
}

/// A JSON-RPC response (result or error, no method).
fn is_response(v: &Value) -> bool {
    v.get("method").is_none() && (v.get("result").is_some() || v.get("error").is_some())
}

/// Approximate memory held by an inbox item.
fn item_size(item: &Incoming) -> usize {
    match item {
        Incoming::Message(v) => approx_size(v),
        Incoming::Garbage(s) | Incoming::Closed(s) => s.len() + 32,
        Incoming::Batch { .. } => 32,
    }
}

/// Approximate bytes a JSON value holds in memory (its text size plus a little per node).
/// Used for budgets, not for accounting exactness.
pub fn approx_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => 16,
        Value::String(s) => s.len() + 24,
        Value::Array(a) => a.iter().map(approx_size).sum::<usize>() + 24,
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| k.len() + 24 + approx_size(v))
            .sum::<usize>()
            .saturating_add(32),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave two counters inconsistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn drops_past_the_budget_and_recovers() {
        let t = Transcript::new();
        let (tx, mut rx) = Inbox::channel(1000, t.clone());
        let big = Incoming::Message(json!({"data": "x".repeat(600)}));
        assert!(tx.send(big.clone()));
        assert!(!tx.send(big.clone()), "a second one is over the budget");
        assert!(
            tx.send(Incoming::Closed("bye".into())),
            "closure always passes"
        );
        assert_eq!(rx.try_recv(), Some(big.clone()));
        assert_eq!(rx.try_recv(), Some(Incoming::Closed("bye".into())));
        assert!(tx.send(big.clone()), "room again once read");
        let response = Incoming::Message(json!({"id": 1, "result": {"data": "y".repeat(600)}}));
        assert!(tx.send(response.clone()), "a response has twice the room");
        assert!(!tx.send(response), "but not more");
        let notes = serde_json::to_string(&t.since(0)).unwrap();
        assert!(notes.contains("dropping new ones"), "{notes}");
        assert!(notes.contains("1 received messages"), "{notes}");
    }

    #[test]
    fn sizes_grow_with_content() {
        let small = approx_size(&json!({"a": 1}));
        let large = approx_size(&json!({"a": "x".repeat(1000)}));
        assert!(small < 100 && large > 1000, "{small} {large}");
    }
}
