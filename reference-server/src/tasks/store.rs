//! The task store of one session: each task's status, timestamps, lifetime and, once it ends,
//! the outcome of the request it wraps; bounded in count and swept of expired tasks.
//!
//! Status changes follow the spec's state machine: `working` ⇄ `input_required`, either of
//! them → `completed` / `failed` / `cancelled`, and a terminal status never changes again (a
//! task cancelled while its work finishes stays `cancelled`).
//!
//! Each task has an outbox: the messages for its requestor that ride on a `tasks/result`
//! stream (the spec's suggested side channel): a `notifications/tasks/status` per status change,
//! and the requests the task sends while it is `input_required`. They wait there, in order,
//! until a `tasks/result` for the task forwards them (the newest one, see `outbox`).

pub(crate) use super::status::{rfc3339, Status};
use crate::jsonrpc::{notification, RpcError};
use crate::session::lock;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{mpsc, watch};

/// Lifetime of a task whose requestor asked none, in milliseconds.
pub(crate) const DEFAULT_TTL_MS: u64 = 60_000;
/// Longest lifetime granted, in milliseconds (longer requests are lowered).
pub(crate) const MAX_TTL_MS: u64 = 600_000;
/// Suggested polling interval, in milliseconds.
pub(crate) const POLL_INTERVAL_MS: u64 = 100;
/// Most tasks a session keeps; more are refused until some expire.
const MAX_TASKS: usize = 64;
/// Tasks per `tasks/list` page.
const PAGE: usize = 20;

/// How a task's status notices are written (the fault switches that bend them).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Notices {
    /// Add the related-task `_meta` (fault `task-status-notice-related-meta`).
    pub related_meta: bool,
    /// After the terminal notice, send one saying `working` (fault `task-status-after-terminal`).
    pub after_terminal: bool,
}

use super::outbox::Outbox;

/// What the wrapped request produced.
pub(crate) type Outcome = Result<Value, RpcError>;

struct Entry {
    seq: u64,
    status: Status,
    message: Option<String>,
    created: SystemTime,
    born: Instant,
    updated: SystemTime,
    ttl_ms: u64,
    outcome: Option<Outcome>,
    done: watch::Sender<bool>,
    cancel: watch::Sender<bool>,
    notices: Notices,
    outbox_tx: mpsc::UnboundedSender<Value>,
    outbox: Arc<Outbox>,
}

impl Entry {
    fn expired(&self) -> bool {
        self.born.elapsed() >= Duration::from_millis(self.ttl_ms)
    }

    fn to_json(&self, id: &str) -> Value {
        let mut m = Map::new();
        m.insert("taskId".into(), json!(id));
        m.insert("status".into(), json!(self.status.as_str()));
        if let Some(msg) = &self.message {
            m.insert("statusMessage".into(), json!(msg));
        }
        m.insert("createdAt".into(), json!(rfc3339(self.created)));
        m.insert("lastUpdatedAt".into(), json!(rfc3339(self.updated)));
        m.insert("ttl".into(), json!(self.ttl_ms));
        m.insert("pollInterval".into(), json!(POLL_INTERVAL_MS));
        Value::Object(m)
    }

    /// Moves to `status` (with `message`) and queues the status notice.
    fn set(&mut self, id: &str, status: Status, message: Option<String>) {
        self.status = status;
        self.message = message;
        self.updated = SystemTime::now();
        self.notify(id, self.to_json(id));
        if status.is_terminal() && self.notices.after_terminal {
            let mut again = self.to_json(id);
            again["status"] = json!("working");
            self.notify(id, again);
        }
    }

    /// Queues `notifications/tasks/status` carrying `task` (the full Task). No related-task
    /// `_meta`: the spec says SHOULD NOT, the id is in the params (unless the fault adds it).
    fn notify(&self, id: &str, mut task: Value) {
        if self.notices.related_meta {
            task["_meta"] = json!({super::RELATED_TASK: {"taskId": id}});
        }
        // The receiver lives in the entry too, so the send cannot fail while the entry exists.
        let _ = self
            .outbox_tx
            .send(notification("notifications/tasks/status", task));
    }
}

/// One session's tasks.
#[derive(Default)]
pub(crate) struct TaskStore {
    map: Mutex<HashMap<String, Entry>>,
    seq: AtomicU64,
}

/// The error for an unknown or expired task id.
pub(crate) fn not_found(id: &str) -> RpcError {
    RpcError::invalid_params(format!(
        "Failed to retrieve task: no task {id:?} (unknown or expired)"
    ))
}

impl TaskStore {
    /// Creates a `working` task with the requested lifetime (clamped); returns its id, its JSON
    /// and the receiver that turns `true` when it is cancelled.
    pub fn create(
        &self,
        ttl_ms: Option<u64>,
        notices: Notices,
    ) -> Result<(String, Value, watch::Receiver<bool>), RpcError> {
        let mut map = lock(&self.map);
        map.retain(|_, e| !e.expired());
        if map.len() >= MAX_TASKS {
            return Err(RpcError::internal(format!(
                "more than {MAX_TASKS} tasks are held for this session; retry once some expire"
            )));
        }
        let id = format!("{:032x}", rand::random::<u128>());
        let now = SystemTime::now();
        let (done, _) = watch::channel(false);
        let (cancel, cancel_rx) = watch::channel(false);
        let (outbox_tx, outbox_rx) = mpsc::unbounded_channel();
        let entry = Entry {
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
            status: Status::Working,
            message: None,
            created: now,
            born: Instant::now(),
            updated: now,
            ttl_ms: ttl_ms.unwrap_or(DEFAULT_TTL_MS).min(MAX_TTL_MS),
            outcome: None,
            done,
            cancel,
            notices,
            outbox_tx,
            outbox: Arc::new(Outbox::new(outbox_rx)),
        };
        let task = entry.to_json(&id);
        map.insert(id.clone(), entry);
        Ok((id, task, cancel_rx))
    }

    /// Records the outcome of the wrapped request: `completed`, or `failed` for an error or an
    /// `isError` tool result. A task already terminal (cancelled) keeps its status.
    pub fn finish(&self, id: &str, outcome: Outcome) {
        let mut map = lock(&self.map);
        let Some(e) = map.get_mut(id) else {
            return;
        };
        if e.status.is_terminal() {
            return;
        }
        let (status, message) = match &outcome {
            Ok(r) if r.get("isError") == Some(&json!(true)) => (
                Status::Failed,
                Some("the tool reported an error".to_string()),
            ),
            Ok(_) => (Status::Completed, None),
            Err(err) => (Status::Failed, Some(err.message.clone())),
        };
        e.outcome = Some(outcome);
        e.set(id, status, message);
        e.done.send_replace(true);
    }

    /// Moves a `working` task to `input_required` (with `why` as its status message); `false`
    /// when the task is gone or not working.
    pub fn need_input(&self, id: &str, why: &str) -> bool {
        let mut map = lock(&self.map);
        match map.get_mut(id) {
            Some(e) if e.status == Status::Working => {
                e.set(id, Status::InputRequired, Some(why.to_string()));
                true
            }
            _ => false,
        }
    }

    /// Moves an `input_required` task back to `working` (its input arrived, or will not).
    pub fn resume(&self, id: &str) {
        let mut map = lock(&self.map);
        if let Some(e) = map
            .get_mut(id)
            .filter(|e| e.status == Status::InputRequired)
        {
            e.set(id, Status::Working, None);
        }
    }

    /// The sender of a task's outbox (for the requests it sends its requestor), and how long
    /// the task has left to live.
    pub fn outbox_sender(&self, id: &str) -> Option<(mpsc::UnboundedSender<Value>, Duration)> {
        let map = lock(&self.map);
        map.get(id).filter(|e| !e.expired()).map(|e| {
            let left = Duration::from_millis(e.ttl_ms).saturating_sub(e.born.elapsed());
            (e.outbox_tx.clone(), left)
        })
    }

    /// The receiving end of a task's outbox, which a `tasks/result` drains onto its stream.
    pub fn outbox(&self, id: &str) -> Option<Arc<Outbox>> {
        lock(&self.map).get(id).map(|e| e.outbox.clone())
    }

    /// The task's JSON.
    pub fn get(&self, id: &str) -> Result<Value, RpcError> {
        let map = lock(&self.map);
        match map.get(id) {
            Some(e) if !e.expired() => Ok(e.to_json(id)),
            _ => Err(not_found(id)),
        }
    }

    /// Cancels a non-terminal task; `Err(Ok(task))` for a terminal one (the caller decides how
    /// to refuse), `Err(Err(_))` for an unknown one.
    pub fn cancel(&self, id: &str) -> Result<Value, Result<Value, RpcError>> {
        let mut map = lock(&self.map);
        let Some(e) = map.get_mut(id).filter(|e| !e.expired()) else {
            return Err(Err(not_found(id)));
        };
        if e.status.is_terminal() {
            return Err(Ok(e.to_json(id)));
        }
        e.set(
            id,
            Status::Cancelled,
            Some("The task was cancelled by request.".into()),
        );
        e.cancel.send_replace(true);
        e.done.send_replace(true);
        Ok(e.to_json(id))
    }

    /// Waits until the task is terminal (or its lifetime ends), then its outcome: the wrapped
    /// request's result or error; a cancelled task's is an error.
    pub async fn outcome(&self, id: &str) -> Outcome {
        let (mut done, left) = {
            let map = lock(&self.map);
            let e = map
                .get(id)
                .filter(|e| !e.expired())
                .ok_or_else(|| not_found(id))?;
            let left = Duration::from_millis(e.ttl_ms).saturating_sub(e.born.elapsed());
            (e.done.subscribe(), left)
        };
        // The sender lives in the store; a dropped one means the task was swept.
        let _ = tokio::time::timeout(left, done.wait_for(|d| *d)).await;
        let map = lock(&self.map);
        let e = map.get(id).ok_or_else(|| not_found(id))?;
        match (e.status, &e.outcome) {
            (Status::Cancelled, _) => Err(RpcError::internal("the task was cancelled")),
            (_, Some(o)) => o.clone(),
            (_, None) => Err(not_found(id)),
        }
    }

    /// One page of tasks, oldest first; `cursor` is a previous page's `nextCursor`.
    pub fn list(&self, cursor: Option<&str>) -> Result<Value, RpcError> {
        let start = match cursor {
            None => 0,
            Some(c) => c
                .strip_prefix("tasks-after-")
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(|| RpcError::invalid_params("invalid tasks/list cursor"))?,
        };
        let mut map = lock(&self.map);
        map.retain(|_, e| !e.expired());
        let mut live: Vec<(&String, &Entry)> = map.iter().filter(|(_, e)| e.seq >= start).collect();
        live.sort_by_key(|(_, e)| e.seq);
        let more = live.len() > PAGE;
        let page: Vec<Value> = live
            .iter()
            .take(PAGE)
            .map(|(id, e)| e.to_json(id))
            .collect();
        let mut result = json!({"tasks": page});
        if more {
            if let Some((_, next)) = live.get(PAGE) {
                result["nextCursor"] = json!(format!("tasks-after-{}", next.seq));
            }
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tasks_move_from_working_to_one_terminal_status_only() {
        let s = TaskStore::default();
        let (id, task, cancel) = s.create(Some(10 * MAX_TTL_MS), Notices::default()).unwrap();
        assert_eq!(task["status"], json!("working"));
        assert_eq!(task["ttl"], json!(MAX_TTL_MS), "lowered to the maximum");
        s.finish(&id, Ok(json!({"content": []})));
        assert_eq!(s.get(&id).unwrap()["status"], json!("completed"));
        assert!(matches!(s.cancel(&id), Err(Ok(_))), "terminal: refused");
        assert!(!*cancel.borrow());
        assert_eq!(s.outcome(&id).await, Ok(json!({"content": []})));
        let (id2, _, cancel2) = s.create(None, Notices::default()).unwrap();
        assert_eq!(s.cancel(&id2).unwrap()["status"], json!("cancelled"));
        assert!(*cancel2.borrow());
        s.finish(&id2, Ok(json!({})));
        assert_eq!(
            s.get(&id2).unwrap()["status"],
            json!("cancelled"),
            "stays cancelled"
        );
        assert!(s.outcome(&id2).await.is_err());
        let (id3, _, _) = s.create(None, Notices::default()).unwrap();
        s.finish(&id3, Ok(json!({"content": [], "isError": true})));
        assert_eq!(s.get(&id3).unwrap()["status"], json!("failed"));
        assert_eq!(s.get("nope").unwrap_err().code, -32602);
    }

    /// The status notices queued in task `id`'s outbox so far.
    fn queued(s: &TaskStore, id: &str) -> Vec<Value> {
        s.outbox(id).unwrap().take_queued()
    }

    fn statuses(notices: &[Value]) -> Vec<&str> {
        notices
            .iter()
            .map(|n| n["params"]["status"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn input_required_comes_from_working_and_every_change_is_noticed() {
        let s = TaskStore::default();
        let (id, _, _) = s.create(None, Notices::default()).unwrap();
        s.resume(&id);
        assert!(queued(&s, &id).is_empty(), "working stays working");
        assert!(s.need_input(&id, "why"));
        assert!(!s.need_input(&id, "again"), "only from working");
        let t = s.get(&id).unwrap();
        assert_eq!(t["status"], json!("input_required"));
        assert_eq!(t["statusMessage"], json!("why"));
        s.resume(&id);
        s.finish(&id, Ok(json!({"content": []})));
        s.resume(&id);
        assert!(!s.need_input(&id, "late"), "terminal is final");
        let notices = queued(&s, &id);
        assert_eq!(
            statuses(&notices),
            ["input_required", "working", "completed"]
        );
        for n in &notices {
            assert_eq!(n["method"], json!("notifications/tasks/status"));
            assert_eq!(n["params"]["taskId"], json!(id));
            assert!(n["params"]["lastUpdatedAt"].is_string());
            assert!(n["params"].get("_meta").is_none());
        }
        let (id2, _, _) = s.create(None, Notices::default()).unwrap();
        s.cancel(&id2).unwrap();
        assert_eq!(statuses(&queued(&s, &id2)), ["cancelled"]);
    }

    #[test]
    fn the_notice_faults_bend_the_notices() {
        let s = TaskStore::default();
        let bent = Notices {
            related_meta: true,
            after_terminal: true,
        };
        let (id, _, _) = s.create(None, bent).unwrap();
        s.finish(&id, Ok(json!({})));
        let notices = queued(&s, &id);
        assert_eq!(statuses(&notices), ["completed", "working"]);
        assert_eq!(
            notices[0]["params"]["_meta"][super::super::RELATED_TASK]["taskId"],
            json!(id)
        );
        assert_eq!(s.get(&id).unwrap()["status"], json!("completed"));
    }

    #[test]
    fn listing_pages_through_every_task_and_the_store_is_bounded() {
        let s = TaskStore::default();
        let ids: Vec<String> = (0..MAX_TASKS)
            .map(|_| s.create(None, Notices::default()).unwrap().0)
            .collect();
        assert!(s.create(None, Notices::default()).is_err(), "bounded");
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = s.list(cursor.as_deref()).unwrap();
            for t in page["tasks"].as_array().unwrap() {
                seen.push(t["taskId"].as_str().unwrap().to_string());
            }
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen, ids);
        assert_eq!(s.list(Some("bogus")).unwrap_err().code, -32602);
    }

    #[tokio::test]
    async fn expired_tasks_are_gone() {
        let s = TaskStore::default();
        let (id, _, _) = s.create(Some(0), Notices::default()).unwrap();
        assert!(s.get(&id).is_err());
        assert!(s.outcome(&id).await.is_err());
        assert!(s.list(None).unwrap()["tasks"]
            .as_array()
            .unwrap()
            .is_empty());
    }
}
