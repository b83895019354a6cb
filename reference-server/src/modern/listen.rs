//! `subscriptions/listen`: a long-lived request whose stream carries the change notifications
//! the client opted in to. The first message acknowledges the filter the server honours (a
//! subset of the one asked for); every message carries the listen request's id under
//! `io.modelcontextprotocol/subscriptionId`, with its JSON type. Nothing request-scoped
//! (progress, logs) travels here. Over HTTP the client ends it by closing the stream; on stdio
//! by `notifications/cancelled`. When the server shuts down, or `--listen-max-ms` after the
//! listen opened, it answers the listen request (a complete result carrying the subscription
//! id, the ending the subscriptions page favours over `notifications/cancelled`) and closes
//! the stream.
//!
//! The events: `notifications/resources/updated` for subscribed URIs (the item store changes
//! under the data tools). The tool, prompt and resource lists do not change for modern
//! clients (nothing in them depends on a session), so those flags are honoured but never fire.
//!
//! With the tasks extension (`io.modelcontextprotocol/tasks`), `notifications.taskIds` asks
//! for `notifications/tasks` about those tasks: the listen must declare the extension (else
//! -32021 naming it), the acknowledgement lists the ids agreed to (the live tasks among them;
//! a task id is its own credential, so knowing it is owning it), and every change of such a
//! task then sends its full `DetailedTask`, as `tasks/get` would show it at that moment.

use super::errors::missing_capability;
use super::meta::SUBSCRIPTION_ID;
use super::results;
use super::route::Prepared;
use super::stream::{keep_alive, message_event};
use super::tasks;
use super::tasks::store::Faults as TaskFaults;
use crate::config::Capability;
use crate::fault::Fault;
use crate::jsonrpc::{notification, response, RpcError};
use crate::session::lock;
use crate::state::ServerState;
use bytes::Bytes;
use futures::Stream;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use task_notices::task_sink;
use tokio::sync::{mpsc, watch};

mod task_notices;

/// The notification types one subscription honours.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Filter {
    tools: bool,
    prompts: bool,
    resources: bool,
    uris: Option<Vec<String>>,
    /// The tasks asked about (the acknowledgement keeps the live ones).
    task_ids: Option<Vec<String>>,
}

impl Filter {
    /// Reads `params.notifications` (-32602 when missing or malformed) and keeps what the
    /// server can honour (the list flags of the capabilities it serves; task ids when it serves
    /// tools, and so the tasks extension). Task ids from a request that did not declare the
    /// extension are -32021.
    pub fn parse(state: &ServerState, params: Option<&Value>) -> Result<Filter, RpcError> {
        let Some(Value::Object(n)) = params.and_then(|p| p.get("notifications")) else {
            return Err(RpcError::invalid_params(
                "`notifications` (the subscription filter) must be an object",
            ));
        };
        let flag = |key: &str| -> Result<bool, RpcError> {
            match n.get(key) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(RpcError::invalid_params(format!(
                    "`notifications.{key}` must be a boolean"
                ))),
            }
        };
        let uris = match n.get("resourceSubscriptions") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|u| u.as_str().map(str::to_string))
                    .collect::<Option<Vec<String>>>()
                    .ok_or_else(|| {
                        RpcError::invalid_params("`resourceSubscriptions` must list URI strings")
                    })?,
            ),
            Some(_) => {
                return Err(RpcError::invalid_params(
                    "`resourceSubscriptions` must be an array",
                ))
            }
        };
        let task_ids = match n.get("taskIds") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|u| u.as_str().map(str::to_string))
                    .collect::<Option<Vec<String>>>()
                    .ok_or_else(|| {
                        RpcError::invalid_params("`taskIds` must list task id strings")
                    })?,
            ),
            Some(_) => return Err(RpcError::invalid_params("`taskIds` must be an array")),
        };
        let tools = state.serves(Capability::Tools);
        // Fault `v26-task-notify-undeclared`: task ids are served without the declaration.
        if task_ids.is_some()
            && tools
            && !tasks::declared_in(params)
            && !state.has(Fault::V26TaskNotifyUndeclared)
        {
            return Err(missing_capability(tasks::required()));
        }
        let resources = state.serves(Capability::Resources);
        Ok(Filter {
            tools: flag("toolsListChanged")? && tools,
            prompts: flag("promptsListChanged")? && state.serves(Capability::Prompts),
            resources: flag("resourcesListChanged")? && resources,
            uris: uris.filter(|_| resources),
            task_ids: task_ids.filter(|_| tools),
        })
    }

    /// The filter as the acknowledgement states it.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (key, on) in [
            ("toolsListChanged", self.tools),
            ("promptsListChanged", self.prompts),
            ("resourcesListChanged", self.resources),
        ] {
            if on {
                m.insert(key.into(), json!(true));
            }
        }
        if let Some(uris) = &self.uris {
            m.insert("resourceSubscriptions".into(), json!(uris));
        }
        Value::Object(m)
    }

    fn wants_uri(&self, uri: &str) -> bool {
        self.uris
            .as_ref()
            .is_some_and(|us| us.iter().any(|u| u == uri))
    }
}

struct Listener {
    /// The subscription id its messages carry.
    id: Value,
    filter: Filter,
    /// Fault `v26-listen-unfiltered`: every resource update is sent, subscribed or not.
    unfiltered: bool,
    tx: mpsc::UnboundedSender<Value>,
}

/// The open subscriptions of one server instance.
#[derive(Default)]
pub(crate) struct Listeners {
    open: Mutex<HashMap<u64, Listener>>,
    next: AtomicU64,
}

/// Ends a subscription when dropped.
pub(crate) struct Registration {
    state: Arc<ServerState>,
    key: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock(&self.state.modern.listeners().open).remove(&self.key);
        self.state.modern.tasks().unwatch(self.key);
    }
}

/// Adds `_meta[subscriptionId]` (the listen request's id) to a message's params or result.
fn tag(mut msg: Value, id: &Value) -> Value {
    let slot = if msg.get("result").is_some() {
        "result"
    } else {
        "params"
    };
    if !msg.get(slot).is_some_and(Value::is_object) {
        msg[slot] = json!({});
    }
    let meta = &mut msg[slot]["_meta"];
    if !meta.is_object() {
        *meta = json!({});
    }
    meta[SUBSCRIPTION_ID] = id.clone();
    msg
}

impl Listeners {
    /// Sends `notifications/resources/updated` for `uri` to the subscriptions that asked.
    pub fn resource_updated(&self, uri: &str) {
        let open = lock(&self.open);
        for l in open
            .values()
            .filter(|l| l.unfiltered || l.filter.wants_uri(uri))
        {
            let msg = notification("notifications/resources/updated", json!({"uri": uri}));
            let _ = l.tx.send(tag(msg, &l.id));
        }
    }
}

/// Opens subscription `id`: its acknowledgement is already in the returned receiver, events
/// follow until the registration drops.
pub(crate) fn open(
    state: &Arc<ServerState>,
    id: &Value,
    filter: Filter,
) -> (Registration, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let id = &subscription_id(state, id);
    let listeners = state.modern.listeners();
    let key = listeners.next.fetch_add(1, Ordering::Relaxed);
    let asked = filter.task_ids.clone().unwrap_or_default();
    // The task watch starts with the acknowledgement (atomically: no change slips between).
    state.modern.tasks().watch(
        key,
        &asked,
        TaskFaults::of(state),
        task_sink(state, id, &tx),
        |agreed| {
            // Fault `v26-listen-no-ack`: the stream starts with the events.
            if state.has(Fault::V26ListenNoAck) {
                return;
            }
            let mut granted = filter.to_json();
            if !agreed.is_empty() {
                granted["taskIds"] = json!(agreed);
            }
            let ack = notification(
                "notifications/subscriptions/acknowledged",
                json!({"notifications": granted}),
            );
            let _ = tx.send(tag(ack, id));
        },
    );
    // Fault `v26-cancel-wrong-id`: the stream also cancels a request that is not this listen.
    if state.has(Fault::V26CancelWrongId) {
        let _ = tx.send(notification(
            "notifications/cancelled",
            json!({"requestId": other_id(id), "reason": "fault v26-cancel-wrong-id"}),
        ));
    }
    lock(&listeners.open).insert(
        key,
        Listener {
            id: id.clone(),
            filter,
            unfiltered: state.has(Fault::V26ListenUnfiltered),
            tx,
        },
    );
    (
        Registration {
            state: state.clone(),
            key,
        },
        rx,
    )
}

/// The response that ends subscription `id` gracefully.
pub(crate) fn closing(state: &ServerState, prepared: &Prepared) -> Value {
    let msg = response(prepared.id.clone(), json!({}));
    let msg = results::shape(state, &prepared.method, prepared.params.as_ref(), msg);
    let id = subscription_id(state, &prepared.id);
    // Fault `v26-listen-close-wrong-id`: the closing result names another subscription.
    let id = if state.has(Fault::V26ListenCloseWrongId) {
        other_id(&id)
    } else {
        id
    };
    tag(msg, &id)
}

/// An id that is not `id` (for the faults that name the wrong request).
fn other_id(id: &Value) -> Value {
    Value::String(match id {
        Value::String(s) => format!("{s}-other"),
        v => format!("{v}-other"),
    })
}

/// When a listen opened now must end (`--listen-max-ms`); `None`: only at shutdown.
pub(crate) fn deadline(state: &ServerState) -> Option<tokio::time::Instant> {
    state
        .config
        .listen_max
        .map(|max| tokio::time::Instant::now() + max)
}

/// Waits for `deadline`, or forever without one.
pub(crate) async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// The id the messages of subscription `id` carry: the listen request's id with its JSON type,
/// or under fault `v26-listen-wrong-subscription-id` a number as a string.
fn subscription_id(state: &ServerState, id: &Value) -> Value {
    match id {
        Value::Number(n) if state.has(Fault::V26ListenWrongSubscriptionId) => {
            Value::String(n.to_string())
        }
        other => other.clone(),
    }
}

/// One step of a listen stream.
enum Step {
    Message(Value),
    KeepAlive,
    /// Shutdown or `--listen-max-ms`: the closing response, then the end.
    Close,
    End,
}

/// The SSE body of a listen request over HTTP: the acknowledgement, events and keep-alive
/// comments, then on shutdown (or at `--listen-max-ms`) the closing response.
pub(crate) fn sse_stream(
    state: Arc<ServerState>,
    prepared: Prepared,
    filter: Filter,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    let (registration, mut rx) = open(&state, &prepared.id, filter);
    let mut shutdown: watch::Receiver<bool> = state.shutdown_signal();
    // A zero interval would panic in tokio; keep-alives need no finer grain than this.
    let period = state
        .config
        .keep_alive
        .max(std::time::Duration::from_millis(100));
    let ends = deadline(&state);
    async_stream::stream! {
        let _registration = registration;
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            let step = tokio::select! {
                msg = rx.recv() => msg.map_or(Step::End, Step::Message),
                _ = ticker.tick() => Step::KeepAlive,
                _ = shutdown.wait_for(|s| *s) => Step::Close,
                () = until(ends) => Step::Close,
            };
            match step {
                Step::Message(m) => yield Ok(message_event(&m)),
                Step::KeepAlive => yield Ok(keep_alive()),
                Step::Close => {
                    yield Ok(message_event(&closing(&state, &prepared)));
                    break;
                }
                Step::End => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;
    use crate::modern::meta::CLIENT_CAPABILITIES;

    #[test]
    fn filters_keep_what_is_served_and_asked() {
        let state = ServerState::new(ServerConfig {
            without: vec!["prompts".into()],
            ..ServerConfig::default()
        });
        let p = json!({"notifications": {"toolsListChanged": true, "promptsListChanged": true, "resourceSubscriptions": ["a"]}});
        let f = Filter::parse(&state, Some(&p)).unwrap();
        assert_eq!(
            f.to_json(),
            json!({"toolsListChanged": true, "resourceSubscriptions": ["a"]})
        );
        assert!(Filter::parse(&state, Some(&json!({}))).is_err());
        let bad = json!({"notifications": {"resourceSubscriptions": [1]}});
        assert!(Filter::parse(&state, Some(&bad)).is_err());
        let bad = json!({"notifications": {"taskIds": "t"}});
        assert_eq!(Filter::parse(&state, Some(&bad)).unwrap_err().code, -32602);
    }

    fn declaring(notifications: Value) -> Value {
        json!({
            "_meta": {CLIENT_CAPABILITIES: {"extensions": {tasks::EXTENSION: {}}}},
            "notifications": notifications,
        })
    }

    #[test]
    fn task_ids_need_the_extension() {
        let state = ServerState::new(ServerConfig::default());
        let undeclared = json!({"notifications": {"taskIds": ["t"]}});
        let e = Filter::parse(&state, Some(&undeclared)).unwrap_err();
        assert_eq!(e.code, -32021);
        assert_eq!(
            e.data.unwrap()["requiredCapabilities"]["extensions"][tasks::EXTENSION],
            json!({})
        );
        assert!(Filter::parse(&state, Some(&declaring(json!({"taskIds": ["t"]})))).is_ok());
        let lenient = ServerState::new(ServerConfig::with_fault(Fault::V26TaskNotifyUndeclared));
        assert!(Filter::parse(&lenient, Some(&undeclared)).is_ok());
    }

    #[tokio::test]
    async fn task_changes_reach_the_subscription_after_its_ack() {
        let state = ServerState::new(ServerConfig::default());
        let faults = TaskFaults::of(&state);
        let (task, _, _) = state.modern.tasks().create(&faults).unwrap();
        let p = declaring(json!({"taskIds": [task, "nope"]}));
        let filter = Filter::parse(&state, Some(&p)).unwrap();
        let (reg, mut rx) = open(&state, &json!(9), filter);
        let ack = rx.try_recv().unwrap();
        assert_eq!(ack["params"]["notifications"]["taskIds"], json!([task]));
        state
            .modern
            .tasks()
            .finish(&task, Ok(json!({"content": []})), &faults);
        let n = rx.try_recv().unwrap();
        assert_eq!(n["method"], "notifications/tasks");
        assert_eq!(n["params"]["status"], "completed");
        assert_eq!(n["params"]["result"], json!({"content": []}));
        assert_eq!(n["params"]["_meta"][SUBSCRIPTION_ID], json!(9));
        drop(reg);
        let (other, _, _) = state.modern.tasks().create(&faults).unwrap();
        let (_reg, mut rx) = open(
            &state,
            &json!(10),
            Filter::parse(&state, Some(&declaring(json!({"taskIds": ["nope"]})))).unwrap(),
        );
        assert!(
            rx.try_recv().unwrap()["params"]["notifications"]
                .get("taskIds")
                .is_none(),
            "no id agreed: none listed"
        );
        state.modern.tasks().cancel(&other, &faults).unwrap();
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn events_reach_only_subscribers_tagged_with_their_id() {
        let state = ServerState::new(ServerConfig::default());
        let wants = Filter::parse(
            &state,
            Some(&json!({"notifications": {"resourceSubscriptions": ["u"]}})),
        )
        .unwrap();
        let other = Filter::parse(
            &state,
            Some(&json!({"notifications": {"toolsListChanged": true}})),
        )
        .unwrap();
        let (reg_a, mut a) = open(&state, &json!("s-1"), wants);
        let (_reg_b, mut b) = open(&state, &json!(7), other);
        let ack = a.try_recv().unwrap();
        assert_eq!(ack["params"]["_meta"][SUBSCRIPTION_ID], json!("s-1"));
        assert_eq!(
            b.try_recv().unwrap()["params"]["_meta"][SUBSCRIPTION_ID],
            json!(7)
        );
        state.modern.listeners().resource_updated("u");
        let ev = a.try_recv().unwrap();
        assert_eq!(ev["params"]["uri"], json!("u"));
        assert_eq!(ev["params"]["_meta"][SUBSCRIPTION_ID], json!("s-1"));
        assert!(b.try_recv().is_err());
        drop(reg_a);
        state.modern.listeners().resource_updated("u");
        assert!(a.try_recv().is_err());
    }
}
