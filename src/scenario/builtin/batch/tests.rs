//! The batch judges on hand-made replies: what passes, what fails, at which level.

use super::{judge_empty, judge_notifications, judge_removed, judge_requests, Reply};
use crate::check::Level;
use serde_json::{json, Value};

fn ok(id: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": {}})
}

fn err(id: Value, code: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": "x"}})
}

fn http(status: u16, responses: Vec<Value>) -> Reply {
    Reply {
        status: Some(status),
        empty_body: responses.is_empty(),
        streamable: true,
        body: Value::Array(responses.clone()).to_string(),
        responses,
        broken: None,
    }
}

fn stdio(responses: Vec<Value>) -> Reply {
    Reply {
        empty_body: true,
        responses,
        ..Reply::default()
    }
}

fn levels(p: &[super::Problem]) -> Vec<Level> {
    p.iter().map(|p| p.level).collect()
}

#[test]
fn both_requests_answered_in_any_order_pass() {
    let ids = [json!(4), json!("mcpcheck-batch-5")];
    let reply = http(200, vec![ok(ids[1].clone()), ok(ids[0].clone())]);
    assert_eq!(judge_requests(&reply, &ids), vec![]);
    assert_eq!(
        judge_requests(&stdio(vec![ok(ids[0].clone()), ok(ids[1].clone())]), &ids),
        vec![]
    );
}

#[test]
fn a_missing_refused_or_extra_response_fails() {
    let ids = [json!(4), json!("5")];
    // The string id answered as a number: not a response to it.
    let wrong_type = stdio(vec![ok(json!(4)), ok(json!(5))]);
    assert_eq!(
        levels(&judge_requests(&wrong_type, &ids)),
        [Level::Must, Level::Must]
    );
    let refused = http(400, vec![err(Value::Null, -32600)]);
    let p = judge_requests(&refused, &ids);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p.iter().all(|p| p.level == Level::Must));
    let each_error = stdio(vec![err(json!(4), -32600), err(json!("5"), -32600)]);
    assert_eq!(judge_requests(&each_error, &ids).len(), 2);
    let notification_answered = stdio(vec![ok(json!(4)), ok(json!("5")), ok(Value::Null)]);
    let p = judge_requests(&notification_answered, &ids);
    assert_eq!(p.len(), 1);
    assert!(p[0].message.contains("notifications must get none"));
    let mut broken = stdio(vec![ok(json!(4)), ok(json!("5"))]);
    broken.broken = Some("the server sent a second response to request id 4".into());
    assert_eq!(levels(&judge_requests(&broken, &ids)), [Level::Must]);
}

#[test]
fn notification_batches_get_202_and_nothing_else() {
    assert_eq!(judge_notifications(&http(202, vec![])), vec![]);
    assert_eq!(judge_notifications(&stdio(vec![])), vec![]);
    assert_eq!(
        levels(&judge_notifications(&http(200, vec![]))),
        [Level::Must]
    );
    // A 202 with a body and a response in it breaks both rules.
    assert_eq!(
        judge_notifications(&http(202, vec![ok(Value::Null)])).len(),
        2
    );
    assert_eq!(
        levels(&judge_notifications(&stdio(vec![ok(Value::Null)]))),
        [Level::Must]
    );
}

#[test]
fn an_empty_array_gets_one_error_or_a_4xx() {
    assert_eq!(
        judge_empty(&http(400, vec![err(Value::Null, -32600)])),
        vec![]
    );
    assert_eq!(judge_empty(&http(400, vec![])), vec![]);
    assert_eq!(
        judge_empty(&http(200, vec![err(Value::Null, -32600)])),
        vec![]
    );
    assert_eq!(judge_empty(&stdio(vec![err(Value::Null, -32600)])), vec![]);
    // Another code is a SHOULD.
    assert_eq!(
        levels(&judge_empty(&stdio(vec![err(Value::Null, -32700)]))),
        [Level::Should]
    );
    // 202, silence, a success, or `[]` (the session reports that as a framing violation).
    assert_eq!(levels(&judge_empty(&http(202, vec![]))), [Level::Must]);
    assert_eq!(levels(&judge_empty(&stdio(vec![]))), [Level::Must]);
    assert_eq!(
        levels(&judge_empty(&stdio(vec![ok(Value::Null)]))),
        [Level::Must]
    );
    let empty_array = Reply {
        broken: Some("the server sent an empty JSON array".into()),
        ..stdio(vec![])
    };
    assert_eq!(levels(&judge_empty(&empty_array)), [Level::Must]);
}

#[test]
fn removed_batches_are_refused_not_run() {
    let ids = [json!(1), json!("b")];
    assert_eq!(
        judge_removed(&http(400, vec![err(Value::Null, -32600)]), &ids),
        vec![]
    );
    assert_eq!(judge_removed(&http(400, vec![]), &ids), vec![]);
    assert_eq!(
        judge_removed(&stdio(vec![err(Value::Null, -32600)]), &ids),
        vec![]
    );
    assert_eq!(
        judge_removed(
            &stdio(vec![err(json!(1), -32600), err(json!("b"), -32600)]),
            &ids
        ),
        vec![]
    );
    let run = http(200, vec![ok(json!(1)), ok(json!("b"))]);
    assert_eq!(levels(&judge_removed(&run, &ids)), [Level::Should]);
    // Silence refuses nothing.
    assert_eq!(
        levels(&judge_removed(&stdio(vec![]), &ids)),
        [Level::Should]
    );
    assert_eq!(
        levels(&judge_removed(&http(202, vec![]), &ids)),
        [Level::Should]
    );
}
