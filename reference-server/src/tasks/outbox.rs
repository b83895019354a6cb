//! A task's outbox: the messages for its requestor (status notices, the requests of an
//! `input_required` task), forwarded by a `tasks/result` onto its own stream.
//!
//! The outbox is re-attachable. A client MAY drop a `tasks/result` stream at any time (spec
//! `basic/utilities/tasks`, "Retrieving Task Results"); over HTTP the dropped request keeps
//! running, its messages stored for a `Last-Event-ID` resumption, so its forwarder would keep
//! swallowing the outbox into a stream nobody reads. So the newest `tasks/result` of a task
//! takes the outbox over: each one attaches with a new turn, an older forwarder stops as soon
//! as it is superseded (a message it already took is held back for the new one, never lost),
//! and what is queued from then on goes to the new stream.
//!
//! A request an older forwarder already sent stays on that stream (resumable there): sending
//! it again on the new one would replay a message on a different stream, which the transport
//! spec forbids. It is remembered as in flight, so the asker can see that it went out on a
//! superseded stream ([`Outbox::take_stale`]) and ask again, with a new request, on the new one.

use crate::session::lock;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::{mpsc, watch};

/// The receiving end of a task's outbox, shared by the `tasks/result` requests of the task.
pub(crate) struct Outbox {
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Value>>,
    state: Mutex<State>,
    turns: watch::Sender<u64>,
}

#[derive(Default)]
struct State {
    /// The turn of the newest `tasks/result` attached (0: none yet).
    turn: u64,
    /// Messages a superseded forwarder took but did not send.
    held: VecDeque<Value>,
    /// The last request sent, with the turn that sent it, until its answer arrives.
    in_flight: Option<(u64, Value)>,
}

impl Outbox {
    /// The outbox reading `rx`.
    pub fn new(rx: mpsc::UnboundedReceiver<Value>) -> Self {
        Self {
            rx: tokio::sync::Mutex::new(rx),
            state: Mutex::new(State::default()),
            turns: watch::channel(0).0,
        }
    }

    /// A new `tasks/result` attaches; returns its turn. Earlier forwarders stop.
    pub fn attach(&self) -> u64 {
        let turn = {
            let mut s = lock(&self.state);
            s.turn += 1;
            s.turn
        };
        self.turns.send_replace(turn);
        turn
    }

    /// Changes whenever a `tasks/result` attaches.
    pub fn turns(&self) -> watch::Receiver<u64> {
        self.turns.subscribe()
    }

    /// Sends `msg` with `send` when `turn` is still the newest (noting a request as in flight);
    /// otherwise holds it for the newest forwarder. Whether it was sent.
    fn pass(&self, turn: u64, msg: Value, send: &impl Fn(Value)) -> bool {
        let mut s = lock(&self.state);
        if s.turn != turn {
            s.held.push_back(msg);
            return false;
        }
        if msg.get("method").is_some() && msg.get("id").is_some() {
            s.in_flight = Some((turn, msg.clone()));
        }
        send(msg);
        true
    }

    /// Sends what superseded forwarders held back; `false` when `turn` is no longer the newest.
    fn send_held(&self, turn: u64, send: &impl Fn(Value)) -> bool {
        let mut s = lock(&self.state);
        if s.turn != turn {
            return false;
        }
        while let Some(msg) = s.held.pop_front() {
            if msg.get("method").is_some() && msg.get("id").is_some() {
                s.in_flight = Some((turn, msg.clone()));
            }
            send(msg);
        }
        true
    }

    /// Forwards the outbox with `send` for as long as `turn` is the newest attachment; returns
    /// once superseded (or if the outbox closed).
    pub async fn forward(&self, turn: u64, send: impl Fn(Value)) {
        let mut turns = self.turns.subscribe();
        let mut rx = tokio::select! {
            biased;
            _ = turns.wait_for(|t| *t != turn) => return,
            rx = self.rx.lock() => rx,
        };
        if !self.send_held(turn, &send) {
            return;
        }
        loop {
            tokio::select! {
                biased;
                _ = turns.wait_for(|t| *t != turn) => return,
                msg = rx.recv() => {
                    let Some(msg) = msg else { return };
                    if !self.pass(turn, msg, &send) {
                        return;
                    }
                }
            }
        }
    }

    /// Sends what is queued right now (the terminal notice, as the task ends), if `turn` is
    /// the newest attachment and no forwarder holds the outbox.
    pub fn drain_now(&self, turn: u64, send: impl Fn(Value)) {
        let Ok(mut rx) = self.rx.try_lock() else {
            return;
        };
        if !self.send_held(turn, &send) {
            return;
        }
        while let Ok(msg) = rx.try_recv() {
            if !self.pass(turn, msg, &send) {
                return;
            }
        }
    }

    /// The request in flight, if a forwarder that has since been superseded sent it: taken, so
    /// the asker asks again on the newest stream.
    pub fn take_stale(&self) -> Option<Value> {
        let mut s = lock(&self.state);
        match &s.in_flight {
            Some((sent_by, _)) if *sent_by != s.turn => s.in_flight.take().map(|(_, m)| m),
            _ => None,
        }
    }

    /// The request in flight was answered (or given up).
    pub fn settled(&self) {
        lock(&self.state).in_flight = None;
    }

    /// Everything queued or held now, taken (tests).
    #[cfg(test)]
    pub fn take_queued(&self) -> Vec<Value> {
        let mut out: Vec<Value> = lock(&self.state).held.drain(..).collect();
        if let Ok(mut rx) = self.rx.try_lock() {
            out.extend(std::iter::from_fn(|| rx.try_recv().ok()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;
    use std::time::Duration;

    fn collector() -> (Arc<Mutex<Vec<Value>>>, impl Fn(Value) + Clone) {
        let got = Arc::new(Mutex::new(Vec::new()));
        let g = Arc::clone(&got);
        (got, move |m| lock(&g).push(m))
    }

    async fn settle() {
        tokio::time::sleep(Duration::from_millis(30)).await;
    }

    #[tokio::test]
    async fn the_newest_tasks_result_takes_the_outbox_over() {
        let (tx, rx) = mpsc::unbounded_channel();
        let outbox = Arc::new(Outbox::new(rx));
        let (first, send_first) = collector();
        let t1 = outbox.attach();
        let o = Arc::clone(&outbox);
        let f1 = tokio::spawn(async move { o.forward(t1, send_first).await });
        tx.send(json!({"n": 1})).unwrap();
        settle().await;
        assert_eq!(lock(&first).len(), 1);
        let (second, send_second) = collector();
        let t2 = outbox.attach();
        settle().await;
        assert!(f1.is_finished(), "the superseded forwarder stops");
        let o = Arc::clone(&outbox);
        let f2 = tokio::spawn(async move { o.forward(t2, send_second).await });
        tx.send(json!({"n": 2})).unwrap();
        settle().await;
        assert_eq!(lock(&first).len(), 1, "nothing more on the old stream");
        assert_eq!(*lock(&second), vec![json!({"n": 2})]);
        f2.abort();
    }

    #[tokio::test]
    async fn a_message_taken_by_a_superseded_forwarder_is_held_for_the_next() {
        let (_tx, rx) = mpsc::unbounded_channel();
        let outbox = Outbox::new(rx);
        let (first, send_first) = collector();
        let t1 = outbox.attach();
        let t2 = outbox.attach();
        assert!(!outbox.pass(t1, json!({"late": true}), &send_first));
        assert!(lock(&first).is_empty());
        let (second, send_second) = collector();
        outbox.drain_now(t2, send_second);
        assert_eq!(*lock(&second), vec![json!({"late": true})]);
    }

    #[tokio::test]
    async fn a_request_sent_on_a_superseded_stream_is_stale() {
        let (_tx, rx) = mpsc::unbounded_channel();
        let outbox = Outbox::new(rx);
        let (_, send) = collector();
        let t1 = outbox.attach();
        let ask = json!({"jsonrpc": "2.0", "id": "srv-1", "method": "elicitation/create"});
        assert!(outbox.pass(t1, ask.clone(), &send));
        assert!(
            outbox.take_stale().is_none(),
            "its stream is still the newest"
        );
        outbox.attach();
        assert_eq!(outbox.take_stale(), Some(ask));
        assert!(outbox.take_stale().is_none(), "taken once");
        let t3 = outbox.attach();
        assert!(outbox.pass(t3, json!({"method": "n"}), &send));
        outbox.attach();
        assert!(
            outbox.take_stale().is_none(),
            "notifications are never in flight"
        );
        outbox.settled();
    }
}
