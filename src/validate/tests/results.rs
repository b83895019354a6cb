//! Results of client requests, per method and per revision difference.

use super::{bad, ok, tool, STATEFUL};
use crate::protocol::ProtocolVersion::{V2024_11_05, V2025_03_26, V2025_06_18, V2025_11_25};
use serde_json::{json, Value};

#[test]
fn initialize_result() {
    let good = json!({"protocolVersion": "2025-06-18", "capabilities": {"tools": {"listChanged": true}, "logging": {}},
        "serverInfo": {"name": "s", "version": "1"}, "instructions": "hi"});
    ok(&STATEFUL, "initialize", good.clone());
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("serverInfo");
    bad(
        &STATEFUL,
        "initialize",
        missing,
        "",
        "missing required property serverInfo",
    );
    bad(
        &STATEFUL,
        "initialize",
        json!({"protocolVersion": "x", "capabilities": {}, "serverInfo": {"name": "s"}}),
        "/serverInfo",
        "missing required property version",
    );
    bad(
        &STATEFUL,
        "initialize",
        json!({"protocolVersion": "x", "capabilities": {"tools": {"listChanged": "yes"}},
        "serverInfo": {"name": "s", "version": "1"}}),
        "/capabilities/tools/listChanged",
        "expected boolean, found string",
    );
    // title: 2025-06-18+; icons, websiteUrl: 2025-11-25.
    let titled = json!({"protocolVersion": "x", "capabilities": {}, "serverInfo": {"name": "s", "version": "1", "title": 5}});
    ok(&[V2024_11_05, V2025_03_26], "initialize", titled.clone());
    bad(
        &[V2025_06_18, V2025_11_25],
        "initialize",
        titled,
        "/serverInfo/title",
        "expected string, found integer",
    );
    let icons = json!({"protocolVersion": "x", "capabilities": {}, "serverInfo": {"name": "s", "version": "1", "icons": [{}]}});
    ok(&[V2025_06_18], "initialize", icons.clone());
    bad(
        &[V2025_11_25],
        "initialize",
        icons,
        "/serverInfo/icons/0",
        "missing required property src",
    );
    let completions = json!({"protocolVersion": "x", "capabilities": {"completions": 1}, "serverInfo": {"name": "s", "version": "1"}});
    ok(&[V2024_11_05], "initialize", completions.clone());
    bad(
        &[V2025_03_26, V2025_11_25],
        "initialize",
        completions,
        "/capabilities/completions",
        "expected object",
    );
}

#[test]
fn empty_results() {
    for method in [
        "ping",
        "resources/subscribe",
        "resources/unsubscribe",
        "logging/setLevel",
    ] {
        ok(&STATEFUL, method, json!({}));
        ok(&STATEFUL, method, json!({"_meta": {"k": 1}, "extra": true}));
        bad(
            &STATEFUL,
            method,
            json!({"_meta": 5}),
            "/_meta",
            "expected object, found integer",
        );
        bad(
            &STATEFUL,
            method,
            json!([]),
            "",
            "expected object, found array",
        );
    }
}

#[test]
fn tools_list() {
    ok(
        &STATEFUL,
        "tools/list",
        json!({"tools": [tool("a"), tool("b")], "nextCursor": "c"}),
    );
    let four = json!({"tools": [tool("a"), tool("b"), tool("c"), {"name": "d"}]});
    bad(
        &STATEFUL,
        "tools/list",
        four,
        "/tools/3",
        "missing required property inputSchema",
    );
    bad(
        &STATEFUL,
        "tools/list",
        json!({"tools": [{"name": "a", "inputSchema": {"type": "array"}}]}),
        "/tools/0/inputSchema/type",
        "expected \"object\", found \"array\"",
    );
    bad(
        &STATEFUL,
        "tools/list",
        json!({"tools": [{"name": "a", "inputSchema": {"type": "object", "properties": {"x": 1}}}]}),
        "/tools/0/inputSchema/properties/x",
        "expected object, found integer",
    );
    bad(
        &STATEFUL,
        "tools/list",
        json!({"tools": [tool("a")], "nextCursor": 5}),
        "/nextCursor",
        "expected string",
    );
    bad(
        &STATEFUL,
        "tools/list",
        json!({}),
        "",
        "missing required property tools",
    );
    // annotations: 2025-03-26+.
    let mut annotated = tool("a");
    annotated["annotations"] = json!({"readOnlyHint": "yes"});
    ok(
        &[V2024_11_05],
        "tools/list",
        json!({"tools": [annotated.clone()]}),
    );
    bad(
        &[V2025_03_26, V2025_11_25],
        "tools/list",
        json!({"tools": [annotated]}),
        "/tools/0/annotations/readOnlyHint",
        "expected boolean",
    );
    // outputSchema: 2025-06-18+.
    let mut output = tool("a");
    output["outputSchema"] = json!({"type": "array"});
    ok(
        &[V2024_11_05, V2025_03_26],
        "tools/list",
        json!({"tools": [output.clone()]}),
    );
    bad(
        &[V2025_06_18, V2025_11_25],
        "tools/list",
        json!({"tools": [output]}),
        "/tools/0/outputSchema/type",
        "\"object\"",
    );
    // execution and inputSchema.$schema: 2025-11-25.
    let mut exec = tool("a");
    exec["execution"] = json!({"taskSupport": "sometimes"});
    ok(
        &[V2025_06_18],
        "tools/list",
        json!({"tools": [exec.clone()]}),
    );
    bad(
        &[V2025_11_25],
        "tools/list",
        json!({"tools": [exec]}),
        "/tools/0/execution/taskSupport",
        "expected one of",
    );
    let mut dialect = tool("a");
    dialect["inputSchema"]["$schema"] = json!(7);
    ok(
        &[V2025_06_18],
        "tools/list",
        json!({"tools": [dialect.clone()]}),
    );
    bad(
        &[V2025_11_25],
        "tools/list",
        json!({"tools": [dialect]}),
        "/tools/0/inputSchema/$schema",
        "expected string",
    );
    // _meta on a tool: 2025-06-18+.
    let mut meta = tool("a");
    meta["_meta"] = json!("m");
    ok(
        &[V2025_03_26],
        "tools/list",
        json!({"tools": [meta.clone()]}),
    );
    bad(
        &[V2025_06_18],
        "tools/list",
        json!({"tools": [meta]}),
        "/tools/0/_meta",
        "expected object",
    );
}

#[test]
fn tools_call() {
    ok(
        &STATEFUL,
        "tools/call",
        json!({"content": [{"type": "text", "text": "hi"}], "isError": false}),
    );
    ok(
        &STATEFUL,
        "tools/call",
        json!({"content": [{"type": "image", "data": "AA==", "mimeType": "image/png"},
        {"type": "resource", "resource": {"uri": "file:///a", "blob": "AA=="}}]}),
    );
    bad(
        &STATEFUL,
        "tools/call",
        json!({"isError": true}),
        "",
        "missing required property content",
    );
    bad(
        &STATEFUL,
        "tools/call",
        json!({"content": [{"type": "text"}]}),
        "/content/0",
        "missing required property text",
    );
    bad(
        &STATEFUL,
        "tools/call",
        json!({"content": [{"text": "x"}]}),
        "/content/0",
        "missing required property type",
    );
    bad(
        &STATEFUL,
        "tools/call",
        json!({"content": [{"type": "video"}]}),
        "/content/0/type",
        "expected one of",
    );
    bad(
        &STATEFUL,
        "tools/call",
        json!({"content": [], "isError": "no"}),
        "/isError",
        "expected boolean",
    );
    bad(
        &STATEFUL,
        "tools/call",
        json!({"content": [{"type": "text", "text": "x", "annotations": {"priority": 2}}]}),
        "/content/0/annotations/priority",
        "above the maximum 1",
    );
    bad(
        &STATEFUL,
        "tools/call",
        json!({"content": [{"type": "text", "text": "x", "annotations": {"audience": ["system"]}}]}),
        "/content/0/annotations/audience/0",
        "expected one of",
    );
    // audio: 2025-03-26+; resource_link: 2025-06-18+.
    let audio = json!({"content": [{"type": "audio", "data": "AA==", "mimeType": "audio/wav"}]});
    bad(
        &[V2024_11_05],
        "tools/call",
        audio.clone(),
        "/content/0/type",
        "expected one of",
    );
    ok(
        &[V2025_03_26, V2025_06_18, V2025_11_25],
        "tools/call",
        audio,
    );
    let link = json!({"content": [{"type": "resource_link", "uri": "file:///a", "name": "a"}]});
    bad(
        &[V2024_11_05, V2025_03_26],
        "tools/call",
        link.clone(),
        "/content/0/type",
        "expected one of",
    );
    ok(&[V2025_06_18, V2025_11_25], "tools/call", link);
    bad(
        &[V2025_06_18],
        "tools/call",
        json!({"content": [{"type": "resource_link", "name": "a"}]}),
        "/content/0",
        "missing required property uri",
    );
    // structuredContent: 2025-06-18+.
    let structured = json!({"content": [], "structuredContent": "text"});
    ok(&[V2025_03_26], "tools/call", structured.clone());
    bad(
        &[V2025_06_18, V2025_11_25],
        "tools/call",
        structured,
        "/structuredContent",
        "expected object, found string",
    );
    // A task instead of a result: 2025-11-25.
    let task = json!({"task": {"taskId": "t", "status": "working", "createdAt": "now", "lastUpdatedAt": "now", "ttl": null}});
    ok(&[V2025_11_25], "tools/call", task.clone());
    bad(
        &[V2025_06_18],
        "tools/call",
        task,
        "",
        "missing required property content",
    );
    bad(
        &[V2025_11_25],
        "tools/call",
        json!({"task": {"taskId": "t", "status": "done", "createdAt": "a", "lastUpdatedAt": "b", "ttl": 1}}),
        "/task/status",
        "expected one of",
    );
}

#[test]
fn resources() {
    let res = json!({"uri": "file:///a", "name": "a", "mimeType": "text/plain", "size": 3,
        "annotations": {"audience": ["user"], "priority": 0.5}});
    ok(
        &STATEFUL,
        "resources/list",
        json!({"resources": [res.clone()]}),
    );
    bad(
        &STATEFUL,
        "resources/list",
        json!({"resources": [{"name": "a"}]}),
        "/resources/0",
        "missing required property uri",
    );
    bad(
        &STATEFUL,
        "resources/list",
        json!({"resources": [{"uri": "u", "name": "a", "size": 1.5}]}),
        "/resources/0/size",
        "expected integer, found number",
    );
    let modified =
        json!({"resources": [{"uri": "u", "name": "a", "annotations": {"lastModified": 5}}]});
    ok(&[V2025_03_26], "resources/list", modified.clone());
    bad(
        &[V2025_06_18],
        "resources/list",
        modified,
        "/resources/0/annotations/lastModified",
        "expected string",
    );
    ok(
        &STATEFUL,
        "resources/templates/list",
        json!({"resourceTemplates": [{"uriTemplate": "file:///{p}", "name": "t"}]}),
    );
    bad(
        &STATEFUL,
        "resources/templates/list",
        json!({"resourceTemplates": [{"name": "t"}]}),
        "/resourceTemplates/0",
        "missing required property uriTemplate",
    );
    ok(
        &STATEFUL,
        "resources/read",
        json!({"contents": [{"uri": "u", "text": "x"}, {"uri": "v", "blob": "AA=="}]}),
    );
    bad(
        &STATEFUL,
        "resources/read",
        json!({"contents": [{"uri": "u"}]}),
        "/contents/0",
        "missing required property text or blob",
    );
    bad(
        &STATEFUL,
        "resources/read",
        json!({"contents": [{"uri": 5, "text": "x"}]}),
        "/contents/0/uri",
        "expected string",
    );
    bad(
        &STATEFUL,
        "resources/read",
        json!({}),
        "",
        "missing required property contents",
    );
}

#[test]
fn prompts() {
    let prompt =
        json!({"name": "p", "description": "d", "arguments": [{"name": "a", "required": true}]});
    ok(&STATEFUL, "prompts/list", json!({"prompts": [prompt]}));
    bad(
        &STATEFUL,
        "prompts/list",
        json!({"prompts": [{"description": "d"}]}),
        "/prompts/0",
        "missing required property name",
    );
    bad(
        &STATEFUL,
        "prompts/list",
        json!({"prompts": [{"name": "p", "arguments": [{"name": "a", "required": "yes"}]}]}),
        "/prompts/0/arguments/0/required",
        "expected boolean",
    );
    let msg = |content: Value| json!({"messages": [{"role": "user", "content": content}]});
    ok(
        &STATEFUL,
        "prompts/get",
        msg(json!({"type": "text", "text": "hi"})),
    );
    bad(
        &STATEFUL,
        "prompts/get",
        json!({"messages": [{"role": "system", "content": {"type": "text", "text": "x"}}]}),
        "/messages/0/role",
        "expected one of",
    );
    bad(
        &STATEFUL,
        "prompts/get",
        json!({"messages": [{"role": "user"}]}),
        "/messages/0",
        "missing required property content",
    );
    bad(
        &[V2025_03_26],
        "prompts/get",
        msg(json!({"type": "resource_link", "uri": "u", "name": "n"})),
        "/messages/0/content/type",
        "expected one of",
    );
    ok(
        &[V2025_06_18],
        "prompts/get",
        msg(json!({"type": "resource_link", "uri": "u", "name": "n"})),
    );
}

#[test]
fn completion_and_tasks() {
    ok(
        &STATEFUL,
        "completion/complete",
        json!({"completion": {"values": ["a"], "total": 1, "hasMore": false}}),
    );
    bad(
        &STATEFUL,
        "completion/complete",
        json!({"completion": {}}),
        "/completion",
        "missing required property values",
    );
    bad(
        &STATEFUL,
        "completion/complete",
        json!({"completion": {"values": [], "total": 1.5}}),
        "/completion/total",
        "expected integer",
    );
    let task = json!({"taskId": "t", "status": "completed", "createdAt": "a", "lastUpdatedAt": "b", "ttl": 60000, "pollInterval": 5});
    ok(&[V2025_11_25], "tasks/get", task.clone());
    ok(&[V2025_11_25], "tasks/list", json!({"tasks": [task]}));
    bad(
        &[V2025_11_25],
        "tasks/cancel",
        json!({"taskId": "t", "status": "cancelled", "createdAt": "a", "lastUpdatedAt": "b"}),
        "",
        "missing required property ttl",
    );
    // Methods a version lacks, and unknown methods, are not judged.
    ok(&[V2025_06_18], "tasks/get", json!({}));
    ok(&STATEFUL, "vendor/custom", json!({"anything": 1}));
}
