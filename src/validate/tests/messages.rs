//! Server notifications and requests, whole response messages and any server message.

use super::{found, tool, STATEFUL};
use crate::protocol::ProtocolVersion::{self, V2024_11_05, V2025_03_26, V2025_06_18, V2025_11_25};
use crate::validate::*;
use serde_json::{json, Value};

fn notif(v: ProtocolVersion, method: &str, params: Option<Value>) -> Vec<(String, String)> {
    found(validate_server_notification(v, method, params.as_ref()))
}

#[test]
fn server_notifications() {
    for v in STATEFUL {
        assert_eq!(
            notif(
                v,
                "notifications/message",
                Some(json!({"level": "info", "data": {"a": 1}}))
            ),
            vec![]
        );
        assert_eq!(
            notif(
                v,
                "notifications/message",
                Some(json!({"level": "verbose", "data": 1}))
            )[0]
            .0,
            "/level"
        );
        assert_eq!(
            notif(v, "notifications/message", Some(json!({"level": "info"})))[0].1,
            "missing required property data"
        );
        assert_eq!(
            notif(
                v,
                "notifications/progress",
                Some(json!({"progressToken": "t", "progress": 0.5, "total": 1}))
            ),
            vec![]
        );
        assert_eq!(
            notif(
                v,
                "notifications/progress",
                Some(json!({"progressToken": true, "progress": 1}))
            )[0]
            .0,
            "/progressToken"
        );
        assert_eq!(
            notif(v, "notifications/resources/updated", None),
            vec![("".into(), "missing required property params".into())]
        );
        assert_eq!(
            notif(v, "notifications/resources/updated", Some(json!({}))),
            vec![("".into(), "missing required property uri".into())]
        );
        assert_eq!(notif(v, "notifications/tools/list_changed", None), vec![]);
        assert_eq!(
            notif(
                v,
                "notifications/prompts/list_changed",
                Some(json!({"_meta": 1}))
            )[0]
            .0,
            "/_meta"
        );
        assert_eq!(notif(v, "vendor/thing", Some(json!(5))), vec![]);
    }
    let message = Some(json!({"progressToken": 1, "progress": 1, "message": 5}));
    assert_eq!(
        notif(V2024_11_05, "notifications/progress", message.clone()),
        vec![]
    );
    assert_eq!(
        notif(V2025_03_26, "notifications/progress", message)[0].0,
        "/message"
    );
    let cancel = Some(json!({"reason": "bored"}));
    assert_eq!(
        notif(V2025_06_18, "notifications/cancelled", cancel.clone()),
        vec![("".into(), "missing required property requestId".into())]
    );
    assert_eq!(
        notif(V2025_11_25, "notifications/cancelled", cancel),
        vec![]
    );
    let complete = Some(json!({"elicitationId": "e"}));
    assert_eq!(
        notif(
            V2025_11_25,
            "notifications/elicitation/complete",
            complete.clone()
        ),
        vec![]
    );
    let too_new = notif(V2025_06_18, "notifications/elicitation/complete", complete);
    assert_eq!(too_new.len(), 1);
    assert!(
        too_new[0]
            .1
            .contains("not defined in protocol version 2025-06-18 (added in 2025-11-25)"),
        "{too_new:?}"
    );
}

fn req(v: ProtocolVersion, method: &str, params: Value) -> Vec<(String, String)> {
    found(validate_server_request(v, method, Some(&params)))
}

#[test]
fn server_requests() {
    let sampling = json!({"messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}], "maxTokens": 10,
        "modelPreferences": {"hints": [{"name": "m"}], "costPriority": 0.3}, "includeContext": "none"});
    for v in STATEFUL {
        assert_eq!(req(v, "sampling/createMessage", sampling.clone()), vec![]);
        assert_eq!(
            req(v, "sampling/createMessage", json!({"messages": []})),
            vec![("".into(), "missing required property maxTokens".into())]
        );
        let mut costly = sampling.clone();
        costly["modelPreferences"]["costPriority"] = json!(2);
        assert_eq!(
            req(v, "sampling/createMessage", costly)[0].0,
            "/modelPreferences/costPriority"
        );
        assert_eq!(
            found(validate_server_request(v, "roots/list", None)),
            vec![]
        );
        assert_eq!(
            req(v, "ping", json!({"_meta": {"progressToken": true}}))[0].0,
            "/_meta/progressToken"
        );
    }
    // Tool use and content arrays in sampling: 2025-11-25.
    let tool_use = json!({"messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "1", "name": "t", "input": {}}]}], "maxTokens": 5});
    assert_eq!(
        req(V2025_11_25, "sampling/createMessage", tool_use.clone()),
        vec![]
    );
    assert_eq!(
        req(V2025_06_18, "sampling/createMessage", tool_use),
        vec![(
            "/messages/0/content".into(),
            "expected object, found array".into()
        )]
    );
    let audio = json!({"messages": [{"role": "user", "content": {"type": "audio", "data": "AA==", "mimeType": "audio/wav"}}], "maxTokens": 5});
    assert_eq!(
        req(V2024_11_05, "sampling/createMessage", audio.clone())[0].0,
        "/messages/0/content/type"
    );
    assert_eq!(req(V2025_03_26, "sampling/createMessage", audio), vec![]);
}

#[test]
fn elicitation_requests() {
    let form = json!({"message": "who?", "requestedSchema": {"type": "object", "properties": {
        "name": {"type": "string", "minLength": 1}, "age": {"type": "integer"}, "ok": {"type": "boolean", "default": true},
        "color": {"type": "string", "enum": ["red", "blue"], "enumNames": ["Red", "Blue"]}}, "required": ["name"]}});
    let too_new = req(V2025_03_26, "elicitation/create", form.clone());
    assert_eq!(too_new.len(), 1);
    assert!(too_new[0].1.contains("added in 2025-06-18"));
    for v in [V2025_06_18, V2025_11_25] {
        assert_eq!(req(v, "elicitation/create", form.clone()), vec![]);
        let mut nested = form.clone();
        nested["requestedSchema"]["properties"]["address"] = json!({"type": "object"});
        assert_eq!(
            req(v, "elicitation/create", nested)[0].0,
            "/requestedSchema/properties/address/type"
        );
        assert_eq!(
            req(v, "elicitation/create", json!({"message": "m"})),
            vec![(
                "".into(),
                "missing required property requestedSchema".into()
            )]
        );
    }
    let url = json!({"mode": "url", "message": "go", "elicitationId": "e", "url": "https://example.com/x"});
    assert_eq!(req(V2025_11_25, "elicitation/create", url), vec![]);
    assert_eq!(
        req(
            V2025_11_25,
            "elicitation/create",
            json!({"mode": "url", "message": "go", "url": "https://e"})
        ),
        vec![("".into(), "missing required property elicitationId".into())]
    );
    let multi = json!({"message": "m", "requestedSchema": {"type": "object", "properties": {
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}}}});
    assert_eq!(
        req(V2025_11_25, "elicitation/create", multi.clone()),
        vec![]
    );
    assert_eq!(
        req(V2025_06_18, "elicitation/create", multi)[0].0,
        "/requestedSchema/properties/tags/type"
    );
    let default = json!({"message": "m", "requestedSchema": {"type": "object", "properties": {"n": {"type": "string", "default": 5}}}});
    assert_eq!(
        req(V2025_06_18, "elicitation/create", default.clone()),
        vec![]
    );
    assert_eq!(
        req(V2025_11_25, "elicitation/create", default)[0].0,
        "/requestedSchema/properties/n/default"
    );
}

#[test]
fn response_messages_prefix_result_pointers_and_require_the_id() {
    let msg = json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": [tool("a"), tool("b"), tool("c"), {"name": "d"}]}});
    assert_eq!(
        found(validate_response_message(V2025_11_25, "tools/list", &msg)),
        vec![(
            "/result/tools/3".into(),
            "missing required property inputSchema".into()
        )]
    );
    let error = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "bad"}});
    assert_eq!(
        found(validate_response_message(V2025_11_25, "tools/call", &error)),
        vec![]
    );
    let anonymous = json!({"jsonrpc": "2.0", "error": {"code": -32602, "message": "bad"}});
    assert_eq!(
        found(validate_response_message(
            V2025_11_25,
            "tools/call",
            &anonymous
        )),
        vec![("".into(), "missing required property id".into())]
    );
    let both =
        json!({"jsonrpc": "2.0", "id": 1, "result": {}, "error": {"code": 1, "message": "m"}});
    assert_eq!(
        found(validate_response_message(V2025_11_25, "ping", &both)),
        vec![("".into(), "has both result and error".into())]
    );
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    assert_eq!(
        validate_response_message(V2025_11_25, "ping", &request).len(),
        1
    );
}

#[test]
fn server_messages_of_every_kind() {
    let v = V2025_06_18;
    let log = json!({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "loud", "data": 1}});
    assert_eq!(
        found(validate_server_message(v, &log, None))[0].0,
        "/params/level"
    );
    let elicit = json!({"jsonrpc": "2.0", "id": 3, "method": "elicitation/create"});
    assert_eq!(
        found(validate_server_message(v, &elicit, None)),
        vec![("".into(), "missing required property params".into())]
    );
    let too_new =
        json!({"jsonrpc": "2.0", "id": 3, "method": "tasks/get", "params": {"taskId": "t"}});
    assert_eq!(
        found(validate_server_message(v, &too_new, None))[0].0,
        "/method"
    );
    let result = json!({"jsonrpc": "2.0", "id": 1, "result": {"content": [{"type": "text"}]}});
    assert_eq!(
        found(validate_server_message(v, &result, Some("tools/call"))),
        vec![(
            "/result/content/0".into(),
            "missing required property text".into()
        )]
    );
    let batch = json!([{"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": 1}}, 5]);
    assert_eq!(
        found(validate_server_message(V2025_03_26, &batch, None)),
        vec![
            (
                "/1".into(),
                "expected a JSON-RPC message object, found integer".into()
            ),
            (
                "/0/params".into(),
                "missing required property progress".into()
            ),
        ]
    );
}

#[test]
fn violations_display_their_pointer() {
    assert_eq!(Violation::new("", "m").to_string(), "(root): m");
    assert_eq!(
        Violation::new("/a", "m").prefixed("/result").to_string(),
        "/result/a: m"
    );
}
