//! Property tests of JSON-RPC framing: building, decoding and classifying messages never panics,
//! and what the harness builds is read back as what it meant.

use mcpcheck::protocol::jsonrpc::{self, is_response_to, Message};
use mcpcheck::transport::{decode_messages, Incoming};
use proptest::prelude::*;
use serde_json::{json, Value};

fn arb_id() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from)
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn requests_round_trip_through_the_wire(id in arb_id(), method in "[a-z/_]{1,20}", params in proptest::option::of(arb_json())) {
        let msg = jsonrpc::request(id.clone(), &method, params.clone());
        let bytes = serde_json::to_vec(&msg).unwrap();
        let decoded = decode_messages(&bytes);
        prop_assert_eq!(decoded.len(), 1);
        let Incoming::Message(v) = &decoded[0] else { panic!("not a message: {decoded:?}") };
        prop_assert_eq!(Message::classify(v), Message::Request { id, method, params });
    }

    #[test]
    fn responses_match_only_their_own_id(a in arb_id(), b in arb_id()) {
        let r = jsonrpc::response(a.clone(), json!({}));
        prop_assert!(is_response_to(&r, &a));
        prop_assert_eq!(is_response_to(&r, &b), a == b);
    }

    #[test]
    fn arbitrary_json_classifies_without_panic(v in arb_json()) {
        let _ = Message::classify(&v);
        let _ = mcpcheck::validate::validate_envelope(&v);
    }

    #[test]
    fn arbitrary_bytes_decode_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        for item in decode_messages(&bytes) {
            if let Incoming::Message(v) = item {
                let _ = Message::classify(&v);
            }
        }
    }
}
