//! The `notifications/tasks` of one subscription (the tasks extension): the sink the task
//! store calls with each new `DetailedTask` of a watched task, which sends it on the listen
//! stream tagged with the subscription id. The faults that bend these notices live here.

use super::tag;
use crate::fault::Fault;
use crate::jsonrpc::notification;
use crate::modern::tasks::store::Sink;
use crate::state::ServerState;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

/// The sink of subscription `id`'s task notifications: each `DetailedTask` becomes a
/// `notifications/tasks` tagged with the subscription id.
pub(super) fn task_sink(
    state: &ServerState,
    id: &Value,
    tx: &mpsc::UnboundedSender<Value>,
) -> Sink {
    let (tx, id) = (tx.clone(), id.clone());
    let partial = state.has(Fault::V26TaskNotifyPartial);
    let untagged = state.has(Fault::V26TaskNotifyUntagged);
    let progress = state.has(Fault::V26TaskNotifyProgress);
    let sent = AtomicU64::new(0);
    Box::new(move |mut task: Value| {
        if progress {
            // Fault `v26-task-notify-progress`: progress for the task on the listen stream.
            let n = sent.fetch_add(1, Ordering::Relaxed) + 1;
            let token = task.get("taskId").cloned().unwrap_or(Value::Null);
            let p = notification(
                "notifications/progress",
                json!({"progressToken": token, "progress": n}),
            );
            let _ = tx.send(tag(p, &id));
        }
        if partial {
            // Fault `v26-task-notify-partial`: the status's payload is left out.
            if let Some(m) = task.as_object_mut() {
                for key in ["result", "error", "inputRequests"] {
                    m.remove(key);
                }
            }
        }
        let msg = notification("notifications/tasks", task);
        // Fault `v26-task-notify-untagged`: no subscription id.
        let _ = tx.send(if untagged { msg } else { tag(msg, &id) });
    })
}
