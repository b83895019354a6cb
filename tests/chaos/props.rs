//! Property tests of the harness-side decoders: arbitrary bytes through the framing decoder,
//! and generated HTTP responses (well-formed or not) through the whole HTTP client path. No
//! input may panic, hang past the timeout, or yield a response that was never sent.
//!
//! The case count follows `PROPTEST_CASES` (default 256 here); a long run is
//! `PROPTEST_CASES=20000 cargo test -p mcpcheck --test chaos props`.

use super::server::{Chaos, ChaosServer};
use super::GATE;
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::session::Session;
use mcpcheck::transcript::Transcript;
use mcpcheck::transport::{decode_framed, ClientOptions, Incoming, Target};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Pieces a response body is built from: JSON-RPC fragments, SSE syntax, junk.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(br#"{"jsonrpc":"2.0","id":ID,"result":{}}"#.to_vec()),
        Just(br#"[{"jsonrpc":"2.0","id":ID,"result":{}}]"#.to_vec()),
        Just(br#"{"jsonrpc":"2.0","method":"notifications/message","params":{}}"#.to_vec()),
        Just(b"data: ".to_vec()),
        Just(b"event: endpoint\n".to_vec()),
        Just(b"id: 1\n".to_vec()),
        Just(b"retry: 99999999999999999999\n".to_vec()),
        Just(b": comment\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"[]".to_vec()),
        Just(b"null".to_vec()),
        Just(b"\xff\xfe\xc3(".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ]
}

/// A response head: a status line (sometimes broken) and headers from a menu.
fn head() -> impl Strategy<Value = (String, Vec<(&'static str, String)>)> {
    let status = prop_oneof![
        Just("HTTP/1.1 200 OK".to_string()),
        Just("HTTP/1.1 202 Accepted".to_string()),
        Just("HTTP/1.1 500 Oops".to_string()),
        Just("HTTP/1.1 307 Moved".to_string()),
        Just("HTTP/1.0 200 OK".to_string()),
        Just("HTTP/9.9 999 ???".to_string()),
        "[ -~]{0,20}",
    ];
    let header = prop_oneof![
        Just(("content-type", "application/json".to_string())),
        Just(("content-type", "text/event-stream".to_string())),
        Just(("content-type", "text/plain".to_string())),
        Just(("transfer-encoding", "chunked".to_string())),
        Just(("location", "http://127.0.0.1:1/elsewhere".to_string())),
        (0u64..400).prop_map(|n| ("content-length", n.to_string())),
        "[ -~]{0,30}".prop_map(|v| ("x-junk", v)),
    ];
    (status, prop::collection::vec(header, 0..5))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn framed_decoding_never_panics_and_counts_batches(bytes in prop::collection::vec(any::<u8>(), 0..200), whole in any::<bool>()) {
        let items = decode_framed(&bytes, whole);
        if let Some(Incoming::Batch { len, whole_body }) = items.first() {
            prop_assert_eq!(*len, items.len() - 1);
            prop_assert_eq!(*whole_body, whole);
        }
        let one_marker_at_most = items.iter().skip(1).all(|i| !matches!(i, Incoming::Batch { .. }));
        prop_assert!(one_marker_at_most);
    }

    #[test]
    fn json_arrays_are_marked_with_their_length(values in prop::collection::vec(prop_oneof![Just(json!({"a":1})), Just(json!(1)), Just(json!("s"))], 0..6)) {
        let bytes = Value::Array(values.clone()).to_string().into_bytes();
        let items = decode_framed(&bytes, true);
        prop_assert_eq!(&items[0], &Incoming::Batch { len: values.len(), whole_body: true });
        prop_assert_eq!(items.len(), values.len() + 1);
    }

    #[test]
    fn generated_http_responses_end_in_time_without_panic((status, headers) in head(), body in prop::collection::vec(piece(), 0..8)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let _shared = GATE.read().await;
            let mut raw = status.into_bytes();
            raw.extend_from_slice(b"\r\nconnection: close\r\n");
            for (k, v) in &headers {
                raw.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
            }
            raw.extend_from_slice(b"\r\n");
            for p in &body {
                raw.extend_from_slice(p);
            }
            // Ids as the harness sends them: the step's request uses this one.
            let raw = String::from_utf8_lossy(&raw).replace("ID", "2").into_bytes();
            let server = ChaosServer::start(Chaos::Raw(raw)).await;
            let opts = ClientOptions { timeout: Duration::from_millis(800), max_body_bytes: 4096, ..ClientOptions::default() };
            let mut s = Session::open(&Target::Http { url: server.url() }, opts, Transcript::new()).await.expect("open");
            s.handshake(ProtocolVersion::V2025_11_25).await.expect("the handshake is answered correctly");
            let started = Instant::now();
            let got = s.request("ping", None).await;
            let took = started.elapsed();
            assert!(took < Duration::from_millis(800) + Duration::from_millis(1700), "took {took:?}");
            if let Ok(ex) = &got {
                if let Some(r) = &ex.response {
                    assert_eq!(r.get("id"), Some(&json!(2)), "only a response with the request's id is taken");
                }
            }
            let _ = s.close().await;
        });
    }
}
