//! POST /mcp end to end: every body answered with the right status and error.

use crate::classifier::expected_class;
use crate::prelude::*;
use crate::sse::parse_sse;

/// A body for POST /mcp.
#[derive(Clone, Debug)]
enum Body {
    /// Arbitrary bytes (mostly not JSON).
    Bytes(Vec<u8>),
    /// One JSON value (a message-shaped object or anything).
    One(Value),
    /// A JSON array (a 2025-03-26 batch).
    Batch(Vec<Value>),
    /// A valid message's text cut short or with a byte changed.
    Mangled(Vec<u8>),
}

fn body() -> impl Strategy<Value = Body> {
    let valid =
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}).to_string();
    let len = valid.len();
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(Body::Bytes),
        3 => message().prop_map(Body::One),
        1 => json_value().prop_map(Body::One),
        1 => prop::collection::vec(message(), 0..6).prop_map(Body::Batch),
        1 => (0..len, any::<u8>(), any::<bool>()).prop_map(move |(at, byte, cut)| {
            let mut b = valid.clone().into_bytes();
            if cut {
                b.truncate(at);
            } else {
                b[at] = byte;
            }
            Body::Mangled(b)
        }),
    ]
}

impl Body {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Bytes(b) | Body::Mangled(b) => b.clone(),
            Body::One(v) => v.to_string().into_bytes(),
            Body::Batch(items) => Value::Array(items.clone()).to_string().into_bytes(),
        }
    }
}

/// Checks the answer to one POSTed body against what the transport rules require.
fn check_mcp_answer(sent: &[u8], a: &Answer) -> Result<(), TestCaseError> {
    prop_assert!(
        !a.status.is_server_error(),
        "5xx for {:?}: {}",
        String::from_utf8_lossy(sent),
        a.body
    );
    let parsed: Result<Value, _> = serde_json::from_slice(sent);
    let Ok(value) = parsed else {
        prop_assert_eq!(a.status, StatusCode::BAD_REQUEST);
        prop_assert_eq!(a.json()?["error"]["code"].clone(), json!(-32700));
        return Ok(());
    };
    match &value {
        Value::Array(items) if items.is_empty() => {
            prop_assert_eq!(a.status, StatusCode::BAD_REQUEST);
            prop_assert_eq!(a.json()?["error"]["code"].clone(), json!(-32600));
        }
        Value::Array(_) => match a.status {
            StatusCode::ACCEPTED => prop_assert!(a.body.is_empty()),
            StatusCode::OK => {
                let replies = a.json()?;
                let replies = replies.as_array().cloned().unwrap_or_default();
                prop_assert!(!replies.is_empty());
                for r in replies {
                    prop_assert_eq!(r["jsonrpc"].clone(), json!("2.0"));
                    prop_assert!(r.get("result").is_some() != r.get("error").is_some());
                }
            }
            other => prop_assert!(false, "batch answered {}: {}", other, a.body),
        },
        one => match expected_class(one) {
            Incoming::Invalid { id, .. } => {
                prop_assert_eq!(a.status, StatusCode::BAD_REQUEST);
                let err = a.json()?;
                prop_assert_eq!(err["error"]["code"].clone(), json!(-32600));
                prop_assert_eq!(err["id"].clone(), id);
            }
            Incoming::Response => prop_assert_eq!(a.status, StatusCode::ACCEPTED),
            Incoming::Notification { .. } => {
                prop_assert!(
                    a.status == StatusCode::ACCEPTED || a.status == StatusCode::BAD_REQUEST,
                    "notification answered {}",
                    a.status
                );
                if a.status == StatusCode::BAD_REQUEST {
                    prop_assert!(a.json()?["error"]["code"].is_i64());
                }
            }
            Incoming::Request { id, .. } => {
                prop_assert_eq!(a.status, StatusCode::OK, "{}", a.body);
                let msg = if a.content_type.starts_with("text/event-stream") {
                    let events = parse_sse(a.body.as_bytes());
                    let last = events.iter().rev().find(|e| !e.data.is_empty());
                    let data = last.map(|e| e.data.clone()).unwrap_or_default();
                    serde_json::from_str::<Value>(&data)
                        .map_err(|e| TestCaseError::fail(format!("bad SSE data {data:?}: {e}")))?
                } else {
                    a.json()?
                };
                prop_assert_eq!(msg["id"].clone(), id);
                prop_assert!(msg.get("result").is_some() != msg.get("error").is_some());
            }
        },
    }
    Ok(())
}

#[test]
fn post_mcp_answers_every_body_with_the_right_status_and_error() {
    let rt = runtime();
    let (server, session) = rt.block_on(async {
        let server = start_http(ServerConfig::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let init = http()
            .post(server.url())
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(
                json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                "params": init_params("2025-03-26")})
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        let session = init.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_string();
        (server, session)
    });
    let client = http();
    let url = server.url();
    fuzz("post-mcp", body(), |b| {
        let bytes = b.bytes();
        let answer = rt.block_on(async {
            let r = client
                .post(&url)
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json")
                .header("mcp-session-id", &session)
                .header("mcp-protocol-version", "2025-03-26")
                .body(bytes.clone())
                .send()
                .await
                .map_err(|e| TestCaseError::fail(format!("no answer: {e}")))?;
            Ok::<_, TestCaseError>(Answer::read(r).await)
        })?;
        check_mcp_answer(&bytes, &answer)
    });
    rt.block_on(async {
        // Still serving after every input.
        let ping = client
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .header("mcp-session-id", &session)
            .body(json!({"jsonrpc": "2.0", "id": "last", "method": "ping"}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(ping.status(), StatusCode::OK);
        server.shutdown().await;
    });
}
