//! Bounded keeping of what arrived: messages waiting to be taken, garbage, the messages an
//! exchange saw besides its response.
//!
//! A hostile server can send without end; the session keeps what a check needs as evidence
//! within a byte budget (the `max_body_bytes` cap) and counts the rest, saying so in the
//! transcript once per overflow.

use crate::transcript::Transcript;
use crate::transport::approx_size;
use serde_json::Value;

/// Which end gives way when the budget is exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Evict {
    /// Drop the oldest (messages still waiting to be taken: the newest matter most).
    Oldest,
    /// Refuse the newest (evidence: the first ones tell the story).
    Newest,
}

/// A list of received items held within a byte budget.
#[derive(Debug)]
pub(super) struct Kept<T> {
    items: Vec<T>,
    bytes: usize,
    budget: usize,
    evict: Evict,
    what: &'static str,
    dropped: usize,
}

impl<T> Default for Kept<T> {
    /// An unbounded list (a budget is set where one is known).
    fn default() -> Self {
        Self {
            items: Vec::new(),
            bytes: 0,
            budget: usize::MAX,
            evict: Evict::Newest,
            what: "items",
            dropped: 0,
        }
    }
}

/// Approximate memory of a kept item.
pub(super) trait Weigh {
    fn weight(&self) -> usize;
}

impl Weigh for Value {
    fn weight(&self) -> usize {
        approx_size(self)
    }
}

impl Weigh for String {
    fn weight(&self) -> usize {
        self.len() + 24
    }
}

impl<T: Weigh> Kept<T> {
    /// An empty list of `what` (for notes) holding about `budget` bytes.
    pub(super) fn new(budget: usize, evict: Evict, what: &'static str) -> Self {
        Self {
            items: Vec::new(),
            bytes: 0,
            budget,
            evict,
            what,
            dropped: 0,
        }
    }

    /// Adds `item`, giving way as configured when over the budget (noted once per overflow).
    pub(super) fn push(&mut self, item: T, transcript: &Transcript) {
        let size = item.weight();
        if self.evict == Evict::Newest && self.bytes.saturating_add(size) > self.budget {
            self.dropped_one(transcript);
            return;
        }
        self.bytes = self.bytes.saturating_add(size);
        self.items.push(item);
        if self.evict == Evict::Oldest && self.bytes > self.budget {
            // Keep the newest item whatever its size; drop from the front until within budget.
            let mut cut = 0;
            let mut bytes = self.bytes;
            while bytes > self.budget && cut + 1 < self.items.len() {
                bytes -= self.items[cut].weight();
                cut += 1;
            }
            self.items.drain(..cut);
            self.bytes = bytes;
            for _ in 0..cut {
                self.dropped_one(transcript);
            }
        }
    }

    fn dropped_one(&mut self, transcript: &Transcript) {
        if self.dropped == 0 {
            transcript.note(format!(
                "more than {} bytes of {} held; dropping the {} ones",
                self.budget,
                self.what,
                match self.evict {
                    Evict::Oldest => "oldest",
                    Evict::Newest => "newest",
                }
            ));
        }
        self.dropped += 1;
    }

    /// Removes and returns the first item matching `pred`.
    pub(super) fn take_first(&mut self, pred: impl Fn(&T) -> bool) -> Option<T> {
        let i = self.items.iter().position(pred)?;
        let item = self.items.remove(i);
        self.bytes = self.bytes.saturating_sub(item.weight());
        Some(item)
    }

    /// Removes and returns everything.
    pub(super) fn take_all(&mut self) -> Vec<T> {
        self.bytes = 0;
        self.dropped = 0;
        std::mem::take(&mut self.items)
    }

    /// The items held.
    pub(super) fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// How many were dropped since the list was last emptied.
    #[cfg(test)]
    pub(super) fn dropped(&self) -> usize {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_give_way_newest_stay() {
        let t = Transcript::new();
        let mut k: Kept<String> = Kept::new(100, Evict::Oldest, "messages");
        for i in 0..10 {
            k.push(format!("{i:0>20}"), &t);
        }
        assert!(k.as_slice().len() < 10);
        assert_eq!(
            k.as_slice().last().map(String::as_str),
            Some("00000000000000000009")
        );
        assert!(k.dropped() > 0);
        assert_eq!(t.since(0).len(), 1, "one note per overflow");
        assert_eq!(
            k.take_first(|s| s.ends_with('9')).as_deref(),
            Some("00000000000000000009")
        );
    }

    #[test]
    fn newest_are_refused_and_an_oversized_item_is_kept_when_oldest_give_way() {
        let t = Transcript::new();
        let mut k: Kept<String> = Kept::new(60, Evict::Newest, "garbage");
        k.push("a".repeat(30), &t);
        k.push("b".repeat(30), &t);
        assert_eq!(k.as_slice().len(), 1);
        let mut o: Kept<String> = Kept::new(10, Evict::Oldest, "messages");
        o.push("x".repeat(1000), &t);
        assert_eq!(
            o.as_slice().len(),
            1,
            "the newest is kept whatever its size"
        );
        assert_eq!(k.take_all().len(), 1);
        assert!(k.as_slice().is_empty());
    }
}
