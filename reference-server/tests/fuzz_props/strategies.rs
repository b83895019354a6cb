//! Input strategies: words, arbitrary JSON and message-shaped objects.

use crate::prelude::*;

/// Strings worth trying: the field values that matter, plus arbitrary Unicode.
pub(crate) fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "2.0",
            "1.0",
            "",
            "ping",
            "initialize",
            "tools/list",
            "resources/list",
            "prompts/list",
            "notifications/initialized",
            "notifications/cancelled",
            "logging/setLevel",
            "completion/complete",
            "\u{0}",
            "\r\n",
            "\u{2028}",
        ])
        .prop_map(String::from),
        ".{0,24}",
    ]
}

/// Arbitrary JSON, nested a few levels, with the member names of JSON-RPC messages favoured.
pub(crate) fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

pub(crate) fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["jsonrpc", "id", "method", "params", "result", "error"])
            .prop_map(String::from),
        "[a-zA-Z_]{0,8}",
    ]
}

/// Message-shaped objects: each JSON-RPC member present or not, valid or not.
pub(crate) fn message() -> impl Strategy<Value = Value> {
    let version = prop_oneof![4 => Just(json!("2.0")), 1 => json_value()];
    let id = prop_oneof![
        any::<i32>().prop_map(|n| json!(n)),
        "[a-z0-9]{0,6}".prop_map(Value::String),
        json_value(),
    ];
    let method = prop_oneof![4 => word().prop_map(Value::String), 1 => json_value()];
    (
        prop::option::weighted(0.9, version),
        prop::option::of(id),
        prop::option::weighted(0.7, method),
        prop::option::of(json_value()),
        prop::option::weighted(0.15, json_value()),
        prop::option::weighted(0.15, json_value()),
        prop::collection::vec(("[a-z]{1,5}", json_value()), 0..2),
    )
        .prop_map(|(v, id, method, params, result, error, extra)| {
            let mut m = Map::new();
            let fields = [
                ("jsonrpc", v),
                ("id", id),
                ("method", method),
                ("params", params),
                ("result", result),
                ("error", error),
            ];
            for (k, val) in fields {
                if let Some(val) = val {
                    m.insert(k.to_string(), val);
                }
            }
            for (k, val) in extra {
                m.entry(k).or_insert(val);
            }
            Value::Object(m)
        })
}
