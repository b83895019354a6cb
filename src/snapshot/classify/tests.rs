//! The classifier on hand-made snapshot pairs.

use super::*;
use serde_json::json;

fn files(pairs: &[(&str, Value)]) -> Files {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn whats(changes: &[Change]) -> Vec<(Impact, &str)> {
    changes
        .iter()
        .map(|c| (c.impact, c.what.as_str()))
        .collect()
}

#[test]
fn capability_dropped_and_added() {
    let old = files(&[(
        "initialize.json",
        json!({"protocolVersion": "2025-11-25", "capabilities": {"logging": {}, "resources": {"subscribe": true}}}),
    )]);
    let new = files(&[(
        "initialize.json",
        json!({"protocolVersion": "2025-11-25", "capabilities": {"resources": {}, "tools": {}}}),
    )]);
    let got = classify(&old, &new);
    assert_eq!(
        whats(&got),
        [
            (Impact::Breaking, "capability `logging` dropped"),
            (Impact::Breaking, "capability `resources.subscribe` dropped"),
            (Impact::Compatible, "capability `tools` added"),
        ]
    );
    assert!(got.iter().all(|c| c.file == "initialize.json"));
}

#[test]
fn renamed_tool_is_removed_plus_added() {
    let t = |n: &str| json!({"name": n, "inputSchema": {"type": "object"}});
    let old = files(&[("tools.json", json!({"tools": [t("a"), t("weather")]}))]);
    let new = files(&[("tools.json", json!({"tools": [t("a"), t("get_weather")]}))]);
    assert_eq!(
        whats(&classify(&old, &new)),
        [
            (Impact::Breaking, "tool `weather` removed"),
            (Impact::Compatible, "tool `get_weather` added"),
        ]
    );
}

#[test]
fn description_change_is_compatible_and_hints_can_break() {
    let old = files(&[(
        "tools.json",
        json!({"tools": [{"name": "a", "description": "x", "annotations": {"readOnlyHint": true}}]}),
    )]);
    let new = files(&[(
        "tools.json",
        json!({"tools": [{"name": "a", "description": "y", "annotations": {"readOnlyHint": false}}]}),
    )]);
    assert_eq!(
        whats(&classify(&old, &new)),
        [
            (Impact::Breaking, "tool `a`: no longer read-only"),
            (
                Impact::Compatible,
                "tool `a`: annotations, description changed"
            ),
        ]
    );
}

#[test]
fn failing_lists_and_calls_break() {
    let old = files(&[
        (
            "prompts.json",
            json!({"prompts": [{"name": "p", "arguments": [{"name": "x"}]}]}),
        ),
        (
            "call.w.json",
            json!({"result": {"content": [], "structuredContent": {"t": 1}}}),
        ),
    ]);
    let new = files(&[
        (
            "prompts.json",
            json!({"prompts": [{"name": "p", "arguments": [{"name": "x", "required": true}]}]}),
        ),
        (
            "call.w.json",
            json!({"result": {"content": [], "structuredContent": {}}}),
        ),
    ]);
    let got = classify(&old, &new);
    assert_eq!(
        whats(&got),
        [
            (
                Impact::Breaking,
                "call `w`: structuredContent field `t` missing"
            ),
            (Impact::Breaking, "prompt `p`: argument `x` is now required"),
            (Impact::Compatible, "call `w`: result changed"),
        ]
    );
    let old = files(&[("prompts.json", old["prompts.json"].clone())]);
    let new = files(&[("prompts.json", json!({"error": {"code": -32601}}))]);
    let got = classify(&old, &new);
    assert!(
        got[0].what.starts_with("listing prompts now fails"),
        "{got:?}"
    );
    assert_eq!(got[0].impact, Impact::Breaking);
}

#[test]
fn identical_snapshots_have_no_change() {
    let f = files(&[("tools.json", json!({"tools": []}))]);
    assert!(classify(&f, &f).is_empty());
}
