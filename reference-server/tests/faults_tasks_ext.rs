//! Fault switches of the 2026-07-28 tasks extension (`io.modelcontextprotocol/tasks`): each test
//! runs the same modern exchange over stdio against a clean server and against one with the
//! switch on, and asserts the rule holds, then breaks. One test also walks the clean server's
//! extension end to end (discover, create, input, update, completion); the listen tests follow
//! a task over `subscriptions/listen` (`notifications/tasks`).

mod common;

use common::modern as m;
use common::stdio::StdioClient;
use common::{assert_covers, error_code, result};
use mcp_reference_server::{Fault, ServerConfig};
use serde_json::{json, Value};
use std::time::Duration;

const COVERED: &[Fault] = &[
    Fault::V26TaskUndeclared,
    Fault::V26TaskMethodsUndeclared,
    Fault::V26TaskNotDurable,
    Fault::V26TaskCreateShape,
    Fault::V26TaskGetResultType,
    Fault::V26TaskNoResult,
    Fault::V26TaskIsErrorFailed,
    Fault::V26TaskInputNoRequests,
    Fault::V26TaskInputKeyReused,
    Fault::V26TaskFailedNoError,
    Fault::V26TaskUnknownIdInternal,
    Fault::V26TaskCancelTerminal,
    Fault::V26TaskNotifyUndeclared,
    Fault::V26TaskNotifyPartial,
    Fault::V26TaskNotifyUntagged,
    Fault::V26TaskNotifyProgress,
];

const EXT: &str = "io.modelcontextprotocol/tasks";

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_tasks_ext", COVERED);
}

/// A stdio client of a server with `fault` (or clean), and its next request id.
struct Client {
    c: StdioClient,
    next: i64,
}

impl Client {
    fn new(fault: Option<Fault>) -> Self {
        Self {
            c: StdioClient::start(fault.map(ServerConfig::with_fault).unwrap_or_default()),
            next: 1,
        }
    }

    /// Sends a modern request declaring `caps` (plus the extension when `ext`).
    async fn ask(&mut self, method: &str, params: Value, ext: bool, caps: Value) -> Value {
        let mut caps = caps;
        if ext {
            caps["extensions"] = json!({EXT: {}});
        }
        let mut params = params;
        params["_meta"] = json!({"io.modelcontextprotocol/clientCapabilities": caps});
        let id = json!(self.next);
        self.next += 1;
        self.c.send(&m::request(id.clone(), method, params)).await;
        self.c.response(&id).await
    }

    async fn call(&mut self, tool: &str, args: Value, ext: bool) -> Value {
        let caps = json!({"elicitation": {}});
        self.ask(
            "tools/call",
            json!({"name": tool, "arguments": args}),
            ext,
            caps,
        )
        .await
    }

    async fn create(&mut self, tool: &str, args: Value) -> (String, Value) {
        let r = self.call(tool, args, true).await;
        let task = result(&r).clone();
        assert_eq!(task["resultType"], "task", "{task}");
        (task["taskId"].as_str().unwrap().to_string(), task)
    }

    async fn task(&mut self, method: &str, id: &str, extra: Value, ext: bool) -> Value {
        let mut params = json!({"taskId": id});
        for (k, v) in extra.as_object().unwrap() {
            params[k] = v.clone();
        }
        self.ask(method, params, ext, json!({})).await
    }

    async fn get(&mut self, id: &str) -> Value {
        let r = self.task("tasks/get", id, json!({}), true).await;
        result(&r).clone()
    }

    /// Polls until the status is one of `want` (at most 10 s).
    async fn until(&mut self, id: &str, want: &[&str]) -> Value {
        for _ in 0..500 {
            let t = self.get(id).await;
            if want.iter().any(|w| t["status"] == *w) {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("task {id} never reached {want:?}");
    }

    async fn finish(self) {
        self.c.finish().await.unwrap();
    }

    /// Opens listen `id` for `notifications` (declaring the extension when `ext`) and returns
    /// its first message (its acknowledgement, or the error that refused it).
    async fn listen(&mut self, id: &Value, notifications: Value, ext: bool) -> Value {
        let caps = if ext {
            json!({"extensions": {EXT: {}}})
        } else {
            json!({})
        };
        let params = json!({
            "_meta": {"io.modelcontextprotocol/clientCapabilities": caps},
            "notifications": notifications,
        });
        self.c
            .send(&m::request(id.clone(), "subscriptions/listen", params))
            .await;
        self.c.recv().await
    }

    /// What arrives until a `notifications/tasks` with a terminal status (at most 10 s).
    async fn until_terminal_notice(&mut self) -> Vec<Value> {
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::time::Instant::now() < deadline {
            let Some(msg) = self.c.recv_within(Duration::from_millis(200)).await else {
                continue;
            };
            let terminal = msg["method"] == "notifications/tasks"
                && ["completed", "failed", "cancelled"]
                    .iter()
                    .any(|s| msg["params"]["status"] == *s);
            got.push(msg);
            if terminal {
                return got;
            }
        }
        panic!("no terminal notifications/tasks: {got:?}");
    }

    /// A `slow` task followed over a listen (`L`) to its end: the acknowledgement, what the
    /// stream carried, and `tasks/get` of the ended task.
    async fn followed(&mut self) -> (String, Value, Vec<Value>, Value) {
        let (id, _) = self.create("slow", json!({"ms": 300, "steps": 1})).await;
        let ack = self
            .listen(&json!("L"), json!({"taskIds": [id]}), true)
            .await;
        let stream = self.until_terminal_notice().await;
        let got = self.get(&id).await;
        (id, ack, stream, got)
    }
}

const SUB: &str = "io.modelcontextprotocol/subscriptionId";

#[tokio::test]
async fn listen_for_tasks_without_the_extension() {
    for (fault, served) in [(None, false), (Some(Fault::V26TaskNotifyUndeclared), true)] {
        let mut c = Client::new(fault);
        let (id, _) = c.create("slow", json!({"ms": 10, "steps": 1})).await;
        let first = c.listen(&json!("L"), json!({"taskIds": [id]}), false).await;
        if served {
            assert_eq!(first["method"], "notifications/subscriptions/acknowledged");
            assert_eq!(first["params"]["notifications"]["taskIds"], json!([id]));
        } else {
            assert_eq!(first["id"], "L", "{first}");
            assert_eq!(error_code(&first), -32021);
            assert_eq!(
                first["error"]["data"]["requiredCapabilities"]["extensions"][EXT],
                json!({})
            );
        }
        // Declared, the same listen is acknowledged; unknown ids are left out.
        let ack = c
            .listen(&json!("M"), json!({"taskIds": [id, "no-such-task"]}), true)
            .await;
        assert_eq!(
            ack["params"]["notifications"]["taskIds"],
            json!([id]),
            "{ack}"
        );
        assert_eq!(ack["params"]["_meta"][SUB], "M");
        c.finish().await;
    }
}

#[tokio::test]
async fn task_notices_lack_the_result() {
    for (fault, whole) in [(None, true), (Some(Fault::V26TaskNotifyPartial), false)] {
        let mut c = Client::new(fault);
        let (_, ack, stream, got) = c.followed().await;
        assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
        let last = &stream.last().unwrap()["params"];
        assert_eq!(last["status"], "completed");
        let mut bare = last.clone();
        bare.as_object_mut().unwrap().remove("_meta");
        let mut want = got.clone();
        for k in ["resultType", "_meta"] {
            want.as_object_mut().unwrap().remove(k);
        }
        assert_eq!(bare == want, whole, "{fault:?}: {bare} vs tasks/get {want}");
        assert_eq!(last.get("result").is_some(), whole, "{fault:?}");
        c.finish().await;
    }
}

#[tokio::test]
async fn task_notices_lack_the_subscription_id() {
    for (fault, tagged) in [(None, true), (Some(Fault::V26TaskNotifyUntagged), false)] {
        let mut c = Client::new(fault);
        let (_, _, stream, _) = c.followed().await;
        let last = stream.last().unwrap();
        assert_eq!(
            last["params"]["_meta"][SUB] == json!("L"),
            tagged,
            "{fault:?}: {last}"
        );
        c.finish().await;
    }
}

#[tokio::test]
async fn progress_rides_the_listen_stream() {
    for (fault, progress) in [(None, false), (Some(Fault::V26TaskNotifyProgress), true)] {
        let mut c = Client::new(fault);
        let (_, _, stream, _) = c.followed().await;
        let any = stream.iter().any(|m| {
            m["method"] == "notifications/progress" || m["method"] == "notifications/message"
        });
        assert_eq!(any, progress, "{fault:?}: {stream:?}");
        c.finish().await;
    }
}

#[tokio::test]
async fn clean_extension_end_to_end() {
    let mut c = Client::new(None);
    let d = c.ask("server/discover", json!({}), false, json!({})).await;
    assert_eq!(result(&d)["capabilities"]["extensions"][EXT], json!({}));
    let (id, task) = c.create("ask_user", json!({})).await;
    assert_eq!(task["status"], "working");
    assert_eq!(task["ttlMs"], json!(60_000));
    let asked = c.until(&id, &["input_required"]).await;
    let req = &asked["inputRequests"]["user_form"];
    assert_eq!(req["method"], "elicitation/create");
    let ack = c
        .task(
            "tasks/update",
            &id,
            json!({"inputResponses": {
                "user_form": {"action": "accept", "content": {"name": "Ada"}},
                "never-issued": {"action": "decline"},
            }}),
            true,
        )
        .await;
    assert_eq!(result(&ack)["resultType"], "complete");
    let done = c.until(&id, &["completed", "failed"]).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert!(done["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("name=Ada"));
    // Without the extension: a plain result; batch_job (task only) is -32021.
    let plain = c.call("slow", json!({"ms": 10, "steps": 1}), false).await;
    assert!(result(&plain).get("taskId").is_none());
    let job = c.call("batch_job", json!({"ms": 10}), false).await;
    assert_eq!(error_code(&job), -32021);
    c.finish().await;
}

#[tokio::test]
async fn undeclared_call_gets_a_task() {
    for (fault, task) in [(None, false), (Some(Fault::V26TaskUndeclared), true)] {
        let mut c = Client::new(fault);
        let r = c.call("slow", json!({"ms": 10, "steps": 1}), false).await;
        assert_eq!(result(&r)["resultType"] == "task", task, "{fault:?}: {r}");
        c.finish().await;
    }
}

#[tokio::test]
async fn undeclared_task_methods_are_served() {
    for (fault, served) in [(None, false), (Some(Fault::V26TaskMethodsUndeclared), true)] {
        let mut c = Client::new(fault);
        let (id, _) = c.create("slow", json!({"ms": 10, "steps": 1})).await;
        let r = c.task("tasks/get", &id, json!({}), false).await;
        if served {
            assert_eq!(result(&r)["taskId"], json!(id));
        } else {
            assert_eq!(error_code(&r), -32021);
            assert_eq!(
                r["error"]["data"]["requiredCapabilities"]["extensions"][EXT],
                json!({})
            );
        }
        c.finish().await;
    }
}

#[tokio::test]
async fn a_new_task_is_not_yet_visible() {
    for (fault, visible) in [(None, true), (Some(Fault::V26TaskNotDurable), false)] {
        let mut c = Client::new(fault);
        let (id, _) = c.create("slow", json!({"ms": 10, "steps": 1})).await;
        let r = c.task("tasks/get", &id, json!({}), true).await;
        assert_eq!(r.get("result").is_some(), visible, "{fault:?}: {r}");
        c.finish().await;
    }
}

#[tokio::test]
async fn create_result_lacks_ttl() {
    for (fault, has) in [(None, true), (Some(Fault::V26TaskCreateShape), false)] {
        let mut c = Client::new(fault);
        let (_, task) = c.create("slow", json!({"ms": 10, "steps": 1})).await;
        assert_eq!(task.get("ttlMs").is_some(), has, "{fault:?}");
        c.finish().await;
    }
}

#[tokio::test]
async fn get_says_task() {
    for (fault, rt) in [
        (None, "complete"),
        (Some(Fault::V26TaskGetResultType), "task"),
    ] {
        let mut c = Client::new(fault);
        let (id, _) = c.create("slow", json!({"ms": 10, "steps": 1})).await;
        assert_eq!(c.get(&id).await["resultType"], rt, "{fault:?}");
        c.finish().await;
    }
}

#[tokio::test]
async fn completed_without_result() {
    for (fault, has) in [(None, true), (Some(Fault::V26TaskNoResult), false)] {
        let mut c = Client::new(fault);
        let (id, _) = c.create("slow", json!({"ms": 10, "steps": 1})).await;
        let done = c.until(&id, &["completed"]).await;
        assert_eq!(done.get("result").is_some(), has, "{fault:?}: {done}");
        c.finish().await;
    }
}

#[tokio::test]
async fn is_error_results_fail_the_task() {
    for (fault, status) in [
        (None, "completed"),
        (Some(Fault::V26TaskIsErrorFailed), "failed"),
    ] {
        let mut c = Client::new(fault);
        let (id, _) = c.create("divide", json!({"a": 1, "b": 0})).await;
        let done = c.until(&id, &["completed", "failed"]).await;
        assert_eq!(done["status"], status, "{fault:?}: {done}");
        c.finish().await;
    }
}

#[tokio::test]
async fn input_required_without_requests() {
    for (fault, has) in [(None, true), (Some(Fault::V26TaskInputNoRequests), false)] {
        let mut c = Client::new(fault);
        let (id, _) = c.create("ask_user", json!({})).await;
        let asked = c.until(&id, &["input_required"]).await;
        assert_eq!(asked.get("inputRequests").is_some(), has, "{fault:?}");
        c.finish().await;
    }
}

#[tokio::test]
async fn answered_keys_are_asked_again() {
    for (fault, again) in [(None, false), (Some(Fault::V26TaskInputKeyReused), true)] {
        let mut c = Client::new(fault);
        let (id, _) = c.create("ask_user", json!({})).await;
        let first = c.until(&id, &["input_required"]).await;
        let answer = json!({"inputResponses": {"user_form": {"action": "accept", "content": {"name": "Ada"}}}});
        c.task("tasks/update", &id, answer, true).await;
        let next = c.until(&id, &["input_required", "completed"]).await;
        let reused = next["status"] == "input_required"
            && next["inputRequests"]["user_form"] != first["inputRequests"]["user_form"];
        assert_eq!(reused, again, "{fault:?}: {next}");
        c.finish().await;
    }
}

#[tokio::test]
async fn failed_without_error() {
    for (fault, has) in [(None, true), (Some(Fault::V26TaskFailedNoError), false)] {
        let mut c = Client::new(fault);
        let (id, _) = c.create("ask_user", json!({})).await;
        c.until(&id, &["input_required"]).await;
        let bad = json!({"inputResponses": {"user_form": {"action": "accept"}}});
        c.task("tasks/update", &id, bad, true).await;
        let done = c.until(&id, &["failed", "completed"]).await;
        assert_eq!(done["status"], "failed", "{done}");
        assert_eq!(done.get("error").is_some(), has, "{fault:?}: {done}");
        if has {
            assert_eq!(done["error"]["code"], -32602);
        }
        c.finish().await;
    }
}

#[tokio::test]
async fn unknown_ids_are_internal_errors() {
    for (fault, code) in [
        (None, -32602),
        (Some(Fault::V26TaskUnknownIdInternal), -32603),
    ] {
        let mut c = Client::new(fault);
        for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
            let extra = if method == "tasks/update" {
                json!({"inputResponses": {}})
            } else {
                json!({})
            };
            let r = c.task(method, "no-such-task", extra, true).await;
            assert_eq!(error_code(&r), code, "{fault:?} {method}");
        }
        c.finish().await;
    }
}

#[tokio::test]
async fn cancel_overwrites_terminal_tasks() {
    for (fault, status) in [
        (None, "completed"),
        (Some(Fault::V26TaskCancelTerminal), "cancelled"),
    ] {
        let mut c = Client::new(fault);
        let (id, _) = c.create("slow", json!({"ms": 10, "steps": 1})).await;
        c.until(&id, &["completed"]).await;
        let ack = c.task("tasks/cancel", &id, json!({}), true).await;
        assert_eq!(result(&ack)["resultType"], "complete");
        assert_eq!(c.get(&id).await["status"], status, "{fault:?}");
        c.finish().await;
    }
    // A running task is cancelled.
    let mut c = Client::new(None);
    let (id, _) = c.create("slow", json!({"ms": 5000, "steps": 5})).await;
    c.task("tasks/cancel", &id, json!({}), true).await;
    assert_eq!(c.get(&id).await["status"], "cancelled");
    c.finish().await;
}
