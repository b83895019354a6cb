//! The task store of the tasks extension: one per server instance (a 2026-07-28 request has no
//! session, so a task is found by its unguessable id alone), bounded in count and swept of
//! expired tasks.
//!
//! A task follows the extension's state machine: `working` ⇄ `input_required`, then one of the
//! terminal `completed` / `failed` / `cancelled`, which never changes again. While it waits for
//! input, the outstanding requests are kept by key; `tasks/update` hands each answer to the
//! waiting work and ignores keys that are not outstanding. Keys are never reused within a task.
//!
//! A `subscriptions/listen` may watch tasks by id (`watch`, in `watchers`): every change of a
//! watched task (its status, or the input requests it waits on) is handed to the watcher's
//! sink as the `DetailedTask` `tasks/get` would return at that moment. The sink is called while
//! the store is locked, so the watchers see the changes in the order they happened, and a
//! watch starts atomically with the snapshot of ids it agreed to.

use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::session::lock;
use crate::tasks::status::{rfc3339, Status};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{oneshot, watch};
pub(crate) use watchers::Sink;
use watchers::Watch;

mod watchers;

/// Lifetime of a task, in milliseconds.
pub(crate) const TTL_MS: u64 = 60_000;
/// Suggested polling interval, in milliseconds.
pub(crate) const POLL_INTERVAL_MS: u64 = 100;
/// Most tasks held at once; more are refused (-32603) until some expire.
const MAX_TASKS: usize = 256;
/// How long a task stays invisible after its creation under `v26-task-not-durable`.
const NOT_DURABLE_FOR: Duration = Duration::from_millis(1500);

struct Entry {
    status: Status,
    message: Option<String>,
    created: SystemTime,
    born: Instant,
    updated: SystemTime,
    outcome: Option<Result<Value, RpcError>>,
    /// Outstanding input requests by key, with where each answer goes.
    pending: Map<String, Value>,
    waiting: HashMap<String, oneshot::Sender<Value>>,
    /// Every key ever issued (never reused).
    issued: BTreeSet<String>,
    cancel: watch::Sender<bool>,
}

impl Entry {
    fn expired(&self) -> bool {
        self.born.elapsed() >= Duration::from_millis(TTL_MS)
    }

    /// Known to `tasks/get`: not expired and already visible.
    fn live(&self) -> bool {
        !self.expired() && self.born <= Instant::now()
    }

    fn to_json(&self, id: &str, faults: &Faults) -> Value {
        let mut m = Map::new();
        m.insert("taskId".into(), json!(id));
        m.insert("status".into(), json!(self.status.as_str()));
        if let Some(msg) = &self.message {
            m.insert("statusMessage".into(), json!(msg));
        }
        m.insert("createdAt".into(), json!(rfc3339(self.created)));
        m.insert("lastUpdatedAt".into(), json!(rfc3339(self.updated)));
        m.insert("ttlMs".into(), json!(TTL_MS));
        m.insert("pollIntervalMs".into(), json!(POLL_INTERVAL_MS));
        match (self.status, &self.outcome) {
            // Fault `v26-task-input-no-requests`: the outstanding requests are left out.
            (Status::InputRequired, _) if !faults.input_no_requests => {
                m.insert("inputRequests".into(), Value::Object(self.pending.clone()));
            }
            // Fault `v26-task-no-result`: a completed task without its result.
            (Status::Completed, Some(Ok(r))) if !faults.no_result => {
                m.insert("result".into(), r.clone());
            }
            // Fault `v26-task-failed-no-error`: a failed task without its error.
            (Status::Failed, Some(Err(e))) if !faults.failed_no_error => {
                m.insert("error".into(), e.to_json());
            }
            _ => {}
        }
        Value::Object(m)
    }
}

/// The fault switches the store's JSON obeys.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Faults {
    /// `v26-task-input-no-requests`.
    pub input_no_requests: bool,
    /// `v26-task-no-result`.
    pub no_result: bool,
    /// `v26-task-failed-no-error`.
    pub failed_no_error: bool,
    /// `v26-task-iserror-failed`.
    pub is_error_failed: bool,
    /// `v26-task-not-durable`.
    pub not_durable: bool,
    /// `v26-task-cancel-terminal`.
    pub cancel_terminal: bool,
}

impl Faults {
    /// The switches that are on in `state`.
    pub fn of(state: &crate::state::ServerState) -> Self {
        Self {
            input_no_requests: state.has(Fault::V26TaskInputNoRequests),
            no_result: state.has(Fault::V26TaskNoResult),
            failed_no_error: state.has(Fault::V26TaskFailedNoError),
            is_error_failed: state.has(Fault::V26TaskIsErrorFailed),
            not_durable: state.has(Fault::V26TaskNotDurable),
            cancel_terminal: state.has(Fault::V26TaskCancelTerminal),
        }
    }
}

/// Why an input request got no answer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NoAnswer {
    /// The task was cancelled, expired or swept.
    Gone,
    /// The key was issued before (keys are unique over a task's lifetime).
    KeyReused,
}

/// The extension's tasks.
#[derive(Default)]
pub(crate) struct ExtTasks {
    map: Mutex<HashMap<String, Entry>>,
    /// Subscriptions watching tasks, by listener key. Locked only while `map` is (or alone).
    watches: Mutex<HashMap<u64, Watch>>,
}

/// The error for an unknown or expired task id.
pub(crate) fn not_found(id: &str) -> RpcError {
    RpcError::invalid_params(format!(
        "Failed to retrieve task: no task {id:?} (unknown or expired)"
    ))
}

impl ExtTasks {
    /// Creates a `working` task; returns its id, its JSON and the receiver that turns `true`
    /// when it is cancelled.
    pub fn create(
        &self,
        faults: &Faults,
    ) -> Result<(String, Value, watch::Receiver<bool>), RpcError> {
        let mut map = lock(&self.map);
        map.retain(|_, e| !e.expired());
        if map.len() >= MAX_TASKS {
            return Err(RpcError::internal(format!(
                "more than {MAX_TASKS} tasks are held; retry once some expire"
            )));
        }
        // 128 random bits: ids are bearer tokens for the task's state.
        let id = format!("{:032x}", rand::random::<u128>());
        let now = SystemTime::now();
        let (cancel, cancel_rx) = watch::channel(false);
        let born = if faults.not_durable {
            // Fault `v26-task-not-durable`: the task appears only a while after the response.
            Instant::now() + NOT_DURABLE_FOR
        } else {
            Instant::now()
        };
        let entry = Entry {
            status: Status::Working,
            message: None,
            created: now,
            born,
            updated: now,
            outcome: None,
            pending: Map::new(),
            waiting: HashMap::new(),
            issued: BTreeSet::new(),
            cancel,
        };
        let mut task = entry.to_json(&id, faults);
        task["status"] = json!(Status::Working.as_str());
        map.insert(id.clone(), entry);
        Ok((id, task, cancel_rx))
    }

    /// Runs `f` on a live task (known, not expired, visible), or -32602.
    fn with<T>(&self, id: &str, f: impl FnOnce(&mut Entry) -> T) -> Result<T, RpcError> {
        let mut map = lock(&self.map);
        match map.get_mut(id) {
            Some(e) if e.live() => Ok(f(e)),
            _ => Err(not_found(id)),
        }
    }

    /// Like `with`, and when `f` reports a change, the task's watchers are told (the store
    /// still locked, so notices keep the order of the changes).
    fn change(&self, id: &str, f: impl FnOnce(&mut Entry) -> bool) -> Result<(), RpcError> {
        let mut map = lock(&self.map);
        match map.get_mut(id) {
            Some(e) if e.live() => {
                if f(e) {
                    self.publish(id, e);
                }
                Ok(())
            }
            _ => Err(not_found(id)),
        }
    }

    /// The task as `tasks/get` shows it.
    pub fn get(&self, id: &str, faults: &Faults) -> Result<Value, RpcError> {
        self.with(id, |e| e.to_json(id, faults))
    }

    /// Records the outcome of the wrapped request: `completed` for a result (an `isError` tool
    /// result included), `failed` for a JSON-RPC error. A terminal task keeps its status.
    pub fn finish(&self, id: &str, outcome: Result<Value, RpcError>, faults: &Faults) {
        let mut map = lock(&self.map);
        let Some(e) = map.get_mut(id).filter(|e| !e.status.is_terminal()) else {
            return;
        };
        let outcome = match outcome {
            // Fault `v26-task-iserror-failed`: a tool error result reported as a failure.
            Ok(r) if faults.is_error_failed && r.get("isError") == Some(&json!(true)) => Err(
                RpcError::internal("the tool reported an error (isError: true)"),
            ),
            other => other,
        };
        (e.status, e.message) = match &outcome {
            Ok(_) => (Status::Completed, None),
            Err(err) => (Status::Failed, Some(err.message.clone())),
        };
        e.outcome = Some(outcome);
        e.pending.clear();
        e.waiting.clear();
        e.updated = SystemTime::now();
        self.publish(id, e);
    }

    /// Puts the task in `input_required` with `request` under `key`, then waits for the answer
    /// (at most the task's lifetime).
    pub async fn ask(&self, id: &str, key: &str, request: Value) -> Result<Value, NoAnswer> {
        let (rx, left) = {
            let mut map = lock(&self.map);
            let e = map
                .get_mut(id)
                .filter(|e| !e.status.is_terminal())
                .ok_or(NoAnswer::Gone)?;
            if e.issued.contains(key) {
                return Err(NoAnswer::KeyReused);
            }
            let (tx, rx) = oneshot::channel();
            e.issued.insert(key.to_string());
            e.pending.insert(key.to_string(), request);
            e.waiting.insert(key.to_string(), tx);
            e.status = Status::InputRequired;
            e.message = Some("waiting for the client's input".into());
            e.updated = SystemTime::now();
            self.publish(id, e);
            let left = Duration::from_millis(TTL_MS).saturating_sub(e.born.elapsed());
            (rx, left)
        };
        match tokio::time::timeout(left, rx).await {
            Ok(Ok(answer)) => Ok(answer),
            _ => Err(NoAnswer::Gone),
        }
    }

    /// Asks again under a key already issued (fault `v26-task-input-key-reused` only).
    pub async fn ask_again(&self, id: &str, key: &str, request: Value) -> Result<Value, NoAnswer> {
        self.with(id, |e| {
            e.issued.remove(key);
        })
        .map_err(|_| NoAnswer::Gone)?;
        self.ask(id, key, request).await
    }

    /// `tasks/update`: hands each answer for an outstanding key to the waiting work; other keys
    /// are ignored. The task is `working` again once nothing is outstanding.
    pub fn update(&self, id: &str, responses: &Map<String, Value>) -> Result<(), RpcError> {
        self.change(id, |e| {
            let mut changed = false;
            for (key, answer) in responses {
                if e.pending.remove(key).is_some() {
                    changed = true;
                    if let Some(tx) = e.waiting.remove(key) {
                        let _ = tx.send(answer.clone());
                    }
                }
            }
            if e.status == Status::InputRequired && e.pending.is_empty() {
                e.status = Status::Working;
                e.message = None;
                e.updated = SystemTime::now();
            }
            changed
        })
    }

    /// `tasks/cancel`: a task not yet terminal becomes `cancelled` and its work is told to
    /// stop; a terminal one is left as it is (cancellation is cooperative).
    pub fn cancel(&self, id: &str, faults: &Faults) -> Result<(), RpcError> {
        self.change(id, |e| {
            // Fault `v26-task-cancel-terminal`: a terminal task is overwritten too.
            if e.status.is_terminal() && !faults.cancel_terminal {
                return false;
            }
            e.status = Status::Cancelled;
            e.message = Some("The task was cancelled by request.".into());
            e.outcome = None;
            e.pending.clear();
            e.waiting.clear();
            e.updated = SystemTime::now();
            e.cancel.send_replace(true);
            true
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean() -> Faults {
        Faults::default()
    }

    #[tokio::test]
    async fn lifecycle_input_and_terminal_finality() {
        let s = ExtTasks::default();
        let (id, task, _cancel) = s.create(&clean()).unwrap();
        assert_eq!(task["status"], "working");
        assert_eq!(task["ttlMs"], json!(TTL_MS));
        assert_eq!(id.len(), 32);
        assert_eq!(s.get(&id, &clean()).unwrap()["status"], "working");
        let asking = s.ask(&id, "k1", json!({"method": "roots/list"}));
        tokio::pin!(asking);
        // Not answered yet: the task shows the outstanding request.
        assert!(tokio::time::timeout(Duration::from_millis(20), &mut asking)
            .await
            .is_err());
        let got = s.get(&id, &clean()).unwrap();
        assert_eq!(got["status"], "input_required");
        assert_eq!(got["inputRequests"]["k1"]["method"], "roots/list");
        // Unknown keys are ignored.
        let mut r = Map::new();
        r.insert("other".into(), json!(1));
        s.update(&id, &r).unwrap();
        assert_eq!(s.get(&id, &clean()).unwrap()["status"], "input_required");
        r.insert("k1".into(), json!({"roots": []}));
        s.update(&id, &r).unwrap();
        assert_eq!(asking.await.unwrap(), json!({"roots": []}));
        assert_eq!(s.get(&id, &clean()).unwrap()["status"], "working");
        assert_eq!(
            s.ask(&id, "k1", json!({})).await.unwrap_err(),
            NoAnswer::KeyReused
        );
        s.finish(&id, Ok(json!({"content": [], "isError": true})), &clean());
        let done = s.get(&id, &clean()).unwrap();
        assert_eq!(done["status"], "completed");
        assert_eq!(done["result"]["isError"], true);
        s.cancel(&id, &clean()).unwrap();
        assert_eq!(s.get(&id, &clean()).unwrap()["status"], "completed");
        s.finish(&id, Err(RpcError::internal("late")), &clean());
        assert_eq!(s.get(&id, &clean()).unwrap()["status"], "completed");
    }

    #[test]
    fn unknown_ids_failures_and_cancel() {
        let s = ExtTasks::default();
        assert_eq!(s.get("nope", &clean()).unwrap_err().code, -32602);
        assert_eq!(s.cancel("nope", &clean()).unwrap_err().code, -32602);
        assert_eq!(s.update("nope", &Map::new()).unwrap_err().code, -32602);
        let (id, _, cancel) = s.create(&clean()).unwrap();
        s.finish(&id, Err(RpcError::invalid_params("bad")), &clean());
        let failed = s.get(&id, &clean()).unwrap();
        assert_eq!(failed["status"], "failed");
        assert_eq!(failed["error"]["code"], -32602);
        assert!(failed.get("result").is_none());
        let (id, _, cancel2) = s.create(&clean()).unwrap();
        s.cancel(&id, &clean()).unwrap();
        assert!(*cancel2.borrow());
        assert!(!*cancel.borrow());
        assert_eq!(s.get(&id, &clean()).unwrap()["status"], "cancelled");
    }

    #[test]
    fn faults_change_the_json() {
        let s = ExtTasks::default();
        let f = Faults {
            is_error_failed: true,
            cancel_terminal: true,
            ..Faults::default()
        };
        let (id, _, _) = s.create(&f).unwrap();
        s.finish(&id, Ok(json!({"content": [], "isError": true})), &f);
        assert_eq!(s.get(&id, &f).unwrap()["status"], "failed");
        s.cancel(&id, &f).unwrap();
        assert_eq!(s.get(&id, &f).unwrap()["status"], "cancelled");
        let hidden = Faults {
            not_durable: true,
            ..Faults::default()
        };
        let (id, _, _) = s.create(&hidden).unwrap();
        assert_eq!(s.get(&id, &hidden).unwrap_err().code, -32602);
        let bare = Faults {
            no_result: true,
            ..Faults::default()
        };
        let (id, _, _) = s.create(&bare).unwrap();
        s.finish(&id, Ok(json!({"content": []})), &bare);
        assert!(s.get(&id, &bare).unwrap().get("result").is_none());
    }
}
