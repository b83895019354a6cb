//! The JSON-RPC classifier against an independent oracle.

use crate::prelude::*;

/// What `classify` must say, decided independently from the JSON-RPC 2.0 and MCP rules.
pub(crate) fn expected_class(v: &Value) -> Incoming {
    let invalid = |id: Value, reason: &str| Incoming::Invalid {
        id,
        reason: reason.into(),
    };
    let Some(obj) = v.as_object() else {
        return invalid(Value::Null, "");
    };
    let id = obj.get("id");
    let readable = id
        .filter(|i| is_valid_id(i))
        .cloned()
        .unwrap_or(Value::Null);
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid(readable, "");
    }
    if let Some(method) = obj.get("method") {
        let Some(method) = method.as_str() else {
            return invalid(readable, "");
        };
        let params = obj.get("params").cloned();
        return match id {
            None => Incoming::Notification {
                method: method.into(),
                params,
            },
            Some(i) if i.is_string() || i.is_i64() || i.is_u64() => Incoming::Request {
                id: i.clone(),
                method: method.into(),
                params,
            },
            Some(_) => invalid(readable, ""),
        };
    }
    if id.is_some() && (obj.contains_key("result") != obj.contains_key("error")) {
        return Incoming::Response;
    }
    invalid(readable, "")
}

/// The classification with the free-text reason blanked.
fn without_reason(c: Incoming) -> Incoming {
    match c {
        Incoming::Invalid { id, .. } => Incoming::Invalid {
            id,
            reason: String::new(),
        },
        other => other,
    }
}

#[test]
fn classifier_agrees_with_the_jsonrpc_rules_on_every_input() {
    let inputs = prop_oneof![3 => message(), 1 => json_value()];
    fuzz("jsonrpc-classify", inputs, |v| {
        let got = classify(&v);
        if let Incoming::Invalid { reason, .. } = &got {
            prop_assert!(!reason.is_empty(), "an invalid message says why");
        }
        prop_assert_eq!(without_reason(got), expected_class(&v), "input {}", v);
        Ok(())
    });
}
