//! Unit tests of the wire schemas: a valid and an invalid example per shape, and both sides of
//! each difference between revisions.

mod messages;
mod results;

use super::*;
use serde_json::json;
use ProtocolVersion::{V2024_11_05, V2025_03_26, V2025_06_18, V2025_11_25, V2026_07_28};

pub(super) const STATEFUL: [ProtocolVersion; 4] =
    [V2024_11_05, V2025_03_26, V2025_06_18, V2025_11_25];

pub(super) fn found(list: Vec<Violation>) -> Vec<(String, String)> {
    list.into_iter().map(|v| (v.pointer, v.message)).collect()
}

/// Asserts the result is valid at every version in `versions`.
pub(super) fn ok(versions: &[ProtocolVersion], method: &str, result: Value) {
    for v in versions {
        assert_eq!(
            found(validate_result(*v, method, &result)),
            vec![],
            "{v} {method} {result}"
        );
    }
}

/// Asserts the result has exactly one violation, at `pointer`, whose message contains `message`.
pub(super) fn bad(
    versions: &[ProtocolVersion],
    method: &str,
    result: Value,
    pointer: &str,
    message: &str,
) {
    for v in versions {
        let got = found(validate_result(*v, method, &result));
        assert_eq!(got.len(), 1, "{v} {method} {result}: {got:?}");
        assert_eq!(got[0].0, pointer, "{v} {method} {result}: {got:?}");
        assert!(got[0].1.contains(message), "{v} {method} {result}: {got:?}");
    }
}

pub(super) fn tool(name: &str) -> Value {
    json!({"name": name, "inputSchema": {"type": "object", "properties": {"x": {"type": "string"}}}})
}

#[test]
fn every_version_compiles_and_2026_has_its_own_tables() {
    for v in STATEFUL.into_iter().chain([V2026_07_28]) {
        assert!(supports(v));
        assert!(matches!(compiled::compiled(v), Some(Ok(_))), "{v}");
    }
    // 2026-07-28: resultType and the caching hints are required, initialize is gone, and a
    // result that asks for input is judged as an InputRequiredResult.
    let missing: Vec<_> = found(validate_result(
        V2026_07_28,
        "tools/list",
        &json!({"tools": []}),
    ))
    .into_iter()
    .map(|(_, m)| m)
    .collect();
    for field in ["resultType", "ttlMs", "cacheScope"] {
        assert!(
            missing.iter().any(|m| m.contains(field)),
            "{field}: {missing:?}"
        );
    }
    let listed =
        json!({"resultType": "complete", "tools": [tool("t")], "ttlMs": 0, "cacheScope": "public"});
    assert_eq!(validate_result(V2026_07_28, "tools/list", &listed), vec![]);
    assert_eq!(
        validate_result(V2026_07_28, "initialize", &json!({})),
        vec![]
    );
    let asks =
        json!({"resultType": "input_required", "inputRequests": {"r": {"method": "roots/list"}}});
    assert_eq!(validate_result(V2026_07_28, "tools/call", &asks), vec![]);
    let bogus = json!({"resultType": "input_required", "inputRequests": {"r": {"method": "ping"}}});
    assert!(!validate_result(V2026_07_28, "tools/call", &bogus).is_empty());
    assert!(!validate_result(
        V2026_07_28,
        "tools/call",
        &json!({"resultType": "complete"})
    )
    .is_empty());
    assert!(!validate_server_request(V2025_11_25, "roots/list", Some(&json!(3))).is_empty());
    assert_eq!(
        validate_server_request(V2026_07_28, "roots/list", Some(&json!(3))),
        vec![]
    );
}
