//! The watchers of the task store: the `subscriptions/listen` streams that asked for some
//! tasks' notifications. Each change of a watched task reaches the watcher's sink as the
//! `DetailedTask` `tasks/get` would show at that moment, called with the store locked so the
//! order of the changes is kept; a watch starts atomically with the acknowledgement of the ids
//! it agreed to (see `ExtTasks::watch`).

use super::{lock, Entry, ExtTasks, Faults};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;

/// Where a watcher's task notifications go: called with each new `DetailedTask`.
pub(crate) type Sink = Box<dyn Fn(Value) + Send>;

/// One subscription's interest in some tasks.
pub(super) struct Watch {
    ids: BTreeSet<String>,
    /// The switches its `DetailedTask`s obey (those of `tasks/get`).
    faults: Faults,
    sink: Sink,
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch").field("ids", &self.ids).finish()
    }
}

impl ExtTasks {
    /// Hands the task's current `DetailedTask` to every watcher of `id` (the map is locked).
    pub(super) fn publish(&self, id: &str, e: &Entry) {
        for w in lock(&self.watches).values().filter(|w| w.ids.contains(id)) {
            (w.sink)(e.to_json(id, &w.faults));
        }
    }

    /// Starts watch `key` on the live tasks among `asked` (unknown and expired ids are left
    /// out): `first` is called with the agreed ids before any change can reach `sink`.
    pub fn watch(
        &self,
        key: u64,
        asked: &[String],
        faults: Faults,
        sink: Sink,
        first: impl FnOnce(&[String]),
    ) {
        let map = lock(&self.map);
        let mut agreed: Vec<String> = Vec::new();
        for id in asked {
            if map.get(id).is_some_and(Entry::live) && !agreed.contains(id) {
                agreed.push(id.clone());
            }
        }
        first(&agreed);
        if !agreed.is_empty() {
            let ids = agreed.into_iter().collect();
            lock(&self.watches).insert(key, Watch { ids, faults, sink });
        }
    }

    /// Ends watch `key` (nothing when it watched nothing).
    pub fn unwatch(&self, key: u64) {
        lock(&self.watches).remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ExtTasks, Faults, RpcError};
    use super::*;
    use serde_json::{json, Map};
    use std::sync::Mutex;
    use std::time::Duration;

    fn clean() -> Faults {
        Faults::default()
    }

    #[tokio::test]
    async fn watchers_see_every_change_in_order() {
        let s = ExtTasks::default();
        let (id, _, _) = s.create(&clean()).unwrap();
        let seen = std::sync::Arc::new(Mutex::new(Vec::<Value>::new()));
        let sink_seen = seen.clone();
        let mut agreed_ids = Vec::new();
        let asked = [id.clone(), "unknown".to_string(), id.clone()];
        s.watch(
            1,
            &asked,
            clean(),
            Box::new(move |t| lock(&sink_seen).push(t)),
            |a| agreed_ids = a.to_vec(),
        );
        assert_eq!(agreed_ids, vec![id.clone()], "unknown ids are left out");
        let asking = s.ask(&id, "k", json!({"method": "roots/list"}));
        tokio::pin!(asking);
        assert!(tokio::time::timeout(Duration::from_millis(10), &mut asking)
            .await
            .is_err());
        let mut r = Map::new();
        r.insert("k".into(), json!({"roots": []}));
        s.update(&id, &r).unwrap();
        asking.await.unwrap();
        s.finish(&id, Ok(json!({"content": []})), &clean());
        // Cancelling a terminal task changes nothing, so nothing is sent.
        s.cancel(&id, &clean()).unwrap();
        let got = lock(&seen).clone();
        let statuses: Vec<_> = got.iter().map(|t| t["status"].clone()).collect();
        assert_eq!(
            statuses,
            vec![
                json!("input_required"),
                json!("working"),
                json!("completed")
            ]
        );
        assert_eq!(got[0]["inputRequests"]["k"]["method"], "roots/list");
        assert_eq!(
            got[2],
            s.get(&id, &clean()).unwrap(),
            "as tasks/get shows it"
        );
        s.unwatch(1);
        let (other, _, _) = s.create(&clean()).unwrap();
        s.watch(
            2,
            std::slice::from_ref(&other),
            clean(),
            Box::new(|_| {}),
            |_| {},
        );
        s.finish(&id, Err(RpcError::internal("late")), &clean());
        s.cancel(&other, &clean()).unwrap();
        assert_eq!(lock(&seen).len(), 3, "an ended watch hears nothing");
    }
}
