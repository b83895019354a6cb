//! Property tests ("fuzzing" that runs in `cargo test`) of the parts of the reference server a
//! hostile client reaches first: the JSON-RPC classifier, the POST /mcp decoder end to end, the
//! SSE writer, and the OAuth endpoints' form and JSON parsers (token, authorize, register,
//! revoke, introspect). Every input must be answered — never a panic, never a 5xx — and with
//! the right error for what is wrong with it.
//!
//! Each target runs `PROPTEST_CASES` inputs (proptest's default, 256, when unset) and prints how
//! many it ran. A long run, e.g. 100 000 inputs per target:
//! `PROPTEST_CASES=100000 cargo test -p mcp-reference-server --test fuzz_props -- --nocapture`.

mod common;

use common::init_params;
use mcp_reference_server::fuzzing::{
    classify, is_valid_id, sse_event_ids, sse_keep_alive, sse_message, sse_priming, Incoming,
};
use mcp_reference_server::{start_http, AuthConfig, ClientSpec, Limits, ServerConfig, UserSpec};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Strategies.

/// Strings worth trying: the field values that matter, plus arbitrary Unicode.
fn word() -> impl Strategy<Value = String> {
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
fn json_value() -> impl Strategy<Value = Value> {
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

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["jsonrpc", "id", "method", "params", "result", "error"])
            .prop_map(String::from),
        "[a-zA-Z_]{0,8}",
    ]
}

/// Message-shaped objects: each JSON-RPC member present or not, valid or not.
fn message() -> impl Strategy<Value = Value> {
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

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Runs `cases` inputs of `strategy` through `test`, fails on the first failing one (shrunk),
/// prints and returns how many inputs ran.
fn fuzz<S: Strategy>(
    name: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> u64 {
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let wanted = u64::from(config.cases);
    let count = AtomicU64::new(0);
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |input| {
        count.fetch_add(1, Ordering::Relaxed);
        test(input)
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    let ran = count.load(Ordering::Relaxed);
    println!("fuzz target {name}: {ran} inputs, no failure");
    assert!(ran >= wanted, "{name} ran {ran} of {wanted} inputs");
    ran
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// A response read whole.
struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Answer {
    async fn read(r: reqwest::Response) -> Self {
        let status = r.status();
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = r.text().await.unwrap_or_default();
        Self {
            status,
            content_type,
            body,
        }
    }

    fn json(&self) -> Result<Value, TestCaseError> {
        serde_json::from_str(&self.body).map_err(|e| {
            TestCaseError::fail(format!("not JSON ({e}): {} {:?}", self.status, self.body))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The JSON-RPC classifier.

/// What `classify` must say, decided independently from the JSON-RPC 2.0 and MCP rules.
fn expected_class(v: &Value) -> Incoming {
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

// ---------------------------------------------------------------------------------------------
// POST /mcp end to end.

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

// ---------------------------------------------------------------------------------------------
// The SSE writer.

/// One event as a client parses it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Event {
    id: Option<String>,
    data: String,
}

/// An SSE parser following the WHATWG algorithm (any of CRLF, CR, LF ends a line; comments;
/// `field: value` with one optional space; `data` lines joined with LF; an event is dispatched
/// at a blank line, and only if it set a field). Independent of the server's code.
fn parse_sse(bytes: &[u8]) -> Vec<Event> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut events = Vec::new();
    let (mut id, mut data, mut touched) = (None, Vec::<String>::new(), false);
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    for line in normalised.split('\n') {
        if line.is_empty() {
            if touched {
                events.push(Event {
                    id: id.take(),
                    data: data.join("\n"),
                });
            }
            data.clear();
            touched = false;
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "id" if !value.contains('\0') => {
                id = Some(value.to_string());
                touched = true;
            }
            "data" => {
                data.push(value.to_string());
                touched = true;
            }
            _ => {}
        }
    }
    events
}

#[test]
fn sse_output_parses_back_to_the_same_messages_and_ids() {
    let inputs = (
        any::<u64>(),
        prop::collection::vec((json_value(), 0u8..4), 0..8),
        any::<bool>(),
    );
    fuzz("sse-writer", inputs, |(stream, messages, priming)| {
        let n = messages.len() + usize::from(priming);
        let ids = sse_event_ids(stream, n);
        let mut ids_iter = ids.iter();
        let mut bytes = Vec::new();
        let mut expected = Vec::new();
        if priming {
            let id = ids_iter.next().cloned().unwrap_or_default();
            bytes.extend_from_slice(&sse_priming(&id));
            expected.push(Event {
                id: Some(id),
                data: String::new(),
            });
        }
        for (msg, keep_alives) in &messages {
            for _ in 0..*keep_alives {
                bytes.extend_from_slice(&sse_keep_alive());
            }
            let id = ids_iter.next().cloned().unwrap_or_default();
            bytes.extend_from_slice(&sse_message(&id, msg));
            expected.push(Event {
                id: Some(id),
                data: msg.to_string(),
            });
        }
        let events = parse_sse(&bytes);
        prop_assert_eq!(&events, &expected);
        for (ev, (msg, _)) in events.iter().skip(usize::from(priming)).zip(&messages) {
            let back: Value = serde_json::from_str(&ev.data)
                .map_err(|e| TestCaseError::fail(format!("data is not JSON: {e}")))?;
            // Compared with the message as any client decodes its JSON text: serde_json's
            // default float parsing may differ from the in-memory f64 in the last bit, which
            // is a property of the decoder, not of the framing.
            let decoded: Value = serde_json::from_str(&msg.to_string())
                .map_err(|e| TestCaseError::fail(format!("message is not JSON: {e}")))?;
            prop_assert_eq!(&back, &decoded);
        }
        // Event ids are distinct within the stream and safe to put on one line.
        let unique: std::collections::BTreeSet<_> = ids.iter().collect();
        prop_assert_eq!(unique.len(), ids.len());
        prop_assert!(ids
            .iter()
            .all(|i| !i.is_empty() && !i.contains(['\n', '\r', '\0'])));
        // The stream ends on an event boundary.
        prop_assert!(bytes.is_empty() || bytes.ends_with(b"\n\n"));
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// The OAuth endpoints.

const SVC: &str = "svc";
const SVC_SECRET: &str = "fuzz-test-secret";

/// One request to an OAuth endpoint.
#[derive(Clone, Debug)]
enum OAuthInput {
    /// POST /token, /revoke or /introspect with a form (or raw bytes), maybe with Basic auth.
    Form {
        path: &'static str,
        body: Vec<u8>,
        basic: Option<(String, String)>,
        form_type: bool,
    },
    /// GET /authorize with a query, or POST /authorize with a form.
    Authorize { query: String, post: bool },
    /// POST /register with a JSON (or raw) body.
    Register { body: Vec<u8> },
}

fn form_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        4 => prop::sample::select(vec![
            "grant_type", "code", "redirect_uri", "code_verifier", "client_id",
            "client_secret", "refresh_token", "scope", "resource", "token",
            "token_type_hint", "response_type", "code_challenge", "code_challenge_method",
            "state", "request_id", "username", "password", "decision",
        ])
        .prop_map(String::from),
        1 => ".{0,8}",
    ];
    let value = prop_oneof![
        3 => prop::sample::select(vec![
            "authorization_code", "refresh_token", "client_credentials", "password",
            "S256", "plain", "code", "token", SVC, SVC_SECRET, "read", "write", "read write",
            "http://127.0.0.1:5599/callback", "https://example.com/cb", "approve",
            "access_token", "", "%", "%zz", "a+b",
        ])
        .prop_map(String::from),
        1 => ".{0,40}",
    ];
    prop::collection::vec((name, value), 0..8)
}

fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn oauth_input() -> impl Strategy<Value = OAuthInput> {
    let basic = prop::option::of(prop_oneof![
        Just((SVC.to_string(), SVC_SECRET.to_string())),
        (".{0,8}", ".{0,8}"),
    ]);
    let form_body = prop_oneof![
        4 => form_pairs().prop_map(|p| encode(&p).into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..120),
    ];
    let register = prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        client_metadata().prop_map(|v| v.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..120),
    ];
    prop_oneof![
        3 => (
            prop::sample::select(vec!["/token", "/revoke", "/introspect"]),
            form_body,
            basic,
            prop::bool::weighted(0.9),
        )
            .prop_map(|(path, body, basic, form_type)| OAuthInput::Form {
                path,
                body,
                basic,
                form_type,
            }),
        1 => (form_pairs(), any::<bool>()).prop_map(|(p, post)| OAuthInput::Authorize {
            query: encode(&p),
            post,
        }),
        1 => register.prop_map(|body| OAuthInput::Register { body }),
    ]
}

/// Registration metadata objects with the RFC 7591 members, valid or not.
fn client_metadata() -> impl Strategy<Value = Value> {
    let uris = prop::collection::vec(
        prop_oneof![
            Just(json!("http://127.0.0.1:5599/cb")),
            Just(json!("https://example.com/cb")),
            Just(json!("javascript:alert(1)")),
            Just(json!("http://evil.example/cb")),
            json_value(),
        ],
        0..3,
    );
    (
        prop::option::of(uris),
        prop::option::of(prop_oneof![
            Just(json!("none")),
            Just(json!("client_secret_basic")),
            Just(json!("client_secret_post")),
            json_value()
        ]),
        prop::option::of(prop_oneof![
            Just(json!(["authorization_code", "refresh_token"])),
            Just(json!(["client_credentials"])),
            json_value()
        ]),
        prop::option::of(json_value()),
    )
        .prop_map(|(uris, method, grants, name)| {
            let mut m = Map::new();
            if let Some(u) = uris {
                m.insert("redirect_uris".into(), Value::Array(u));
            }
            if let Some(x) = method {
                m.insert("token_endpoint_auth_method".into(), x);
            }
            if let Some(x) = grants {
                m.insert("grant_types".into(), x);
            }
            if let Some(x) = name {
                m.insert("client_name".into(), x);
            }
            Value::Object(m)
        })
}

/// The OAuth error codes each JSON endpoint may answer with (RFC 6749 §5.2, RFC 7009, RFC 7662,
/// RFC 7591 §3.2.2, RFC 8707).
fn allowed_errors(path: &str) -> &'static [&'static str] {
    match path {
        "/token" => &[
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
            "invalid_target",
        ],
        "/revoke" => &[
            "invalid_request",
            "invalid_client",
            "unsupported_token_type",
        ],
        "/introspect" => &["invalid_request", "invalid_client"],
        _ => &["invalid_client_metadata", "invalid_redirect_uri"],
    }
}

/// Checks a JSON endpoint's answer: a success of the right shape, or an OAuth error body
/// with an allowed code, the matching status and `Cache-Control`-free JSON.
fn check_oauth_json(path: &str, a: &Answer) -> Result<(), TestCaseError> {
    prop_assert!(a.content_type.starts_with("application/json") || a.body.is_empty());
    match a.status {
        StatusCode::OK if path == "/token" => {
            let t = a.json()?;
            prop_assert!(t["access_token"].is_string() && t["token_type"].is_string());
        }
        StatusCode::OK if path == "/introspect" => prop_assert!(a.json()?["active"].is_boolean()),
        StatusCode::OK if path == "/revoke" => {}
        StatusCode::CREATED if path == "/register" => {
            prop_assert!(a.json()?["client_id"].is_string());
        }
        StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED => {
            let e = a.json()?;
            let code = e["error"].as_str().unwrap_or_default();
            prop_assert!(
                allowed_errors(path).contains(&code),
                "{} answered error {:?}: {}",
                path,
                code,
                a.body
            );
            prop_assert_eq!(
                a.status == StatusCode::UNAUTHORIZED,
                code == "invalid_client",
                "401 exactly for invalid_client: {}",
                a.body
            );
            prop_assert!(e["error_description"].is_string());
        }
        other => prop_assert!(false, "{} answered {}: {}", path, other, a.body),
    }
    Ok(())
}

#[test]
fn oauth_endpoints_answer_every_input_with_a_well_formed_error_or_success() {
    let rt = runtime();
    let server = rt.block_on(async {
        let auth = AuthConfig::oauth_same_origin(
            vec![UserSpec::new("alice", "fuzz-test-pw")],
            vec![ClientSpec::new(SVC, SVC_SECRET)],
        );
        let config = ServerConfig {
            auth,
            limits: Limits {
                registration_burst: u32::MAX,
                registration_rate: 1e9,
                ..Limits::default()
            },
            ..ServerConfig::default()
        };
        start_http(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap()
    });
    let o = server.origin();
    let client = http();
    fuzz("oauth-endpoints", oauth_input(), |input| {
        let what = format!("{input:?}");
        let answer = rt.block_on(async {
            let req = match &input {
                OAuthInput::Form {
                    path,
                    body,
                    basic,
                    form_type,
                } => {
                    let mut b = client.post(format!("{o}{path}")).body(body.clone());
                    if *form_type {
                        b = b.header("content-type", "application/x-www-form-urlencoded");
                    }
                    if let Some((id, secret)) = basic {
                        b = b.basic_auth(id, Some(secret));
                    }
                    b
                }
                OAuthInput::Authorize { query, post: false } => {
                    client.get(format!("{o}/authorize?{query}"))
                }
                OAuthInput::Authorize { query, post: true } => client
                    .post(format!("{o}/authorize"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(query.clone()),
                OAuthInput::Register { body } => client
                    .post(format!("{o}/register"))
                    .header("content-type", "application/json")
                    .body(body.clone()),
            };
            let r = req
                .send()
                .await
                .map_err(|e| TestCaseError::fail(format!("no answer to {what}: {e}")))?;
            Ok::<_, TestCaseError>(Answer::read(r).await)
        })?;
        // The one 5xx allowed: 503 once the registered-client cap is reached (long runs).
        let full = matches!(input, OAuthInput::Register { .. })
            && answer.status == StatusCode::SERVICE_UNAVAILABLE
            && answer.body.contains("temporarily_unavailable");
        prop_assert!(
            full || !answer.status.is_server_error(),
            "5xx for {}: {}",
            what,
            answer.body
        );
        if full {
            return Ok(());
        }
        match &input {
            OAuthInput::Form { path, .. } => check_oauth_json(path, &answer)?,
            OAuthInput::Register { .. } => check_oauth_json("/register", &answer)?,
            OAuthInput::Authorize { .. } => {
                // An HTML page (the login form, or an error page when the client or its
                // redirect URI cannot be trusted), or a redirect carrying an error.
                prop_assert!(
                    matches!(
                        answer.status,
                        StatusCode::OK | StatusCode::BAD_REQUEST | StatusCode::FOUND
                    ),
                    "authorize answered {} for {}",
                    answer.status,
                    what
                );
                if answer.status != StatusCode::FOUND {
                    prop_assert!(answer.content_type.starts_with("text/html"));
                }
            }
        }
        Ok(())
    });
    rt.block_on(async {
        let meta = client
            .get(format!("{o}/.well-known/oauth-authorization-server"))
            .send()
            .await
            .unwrap();
        assert_eq!(meta.status(), StatusCode::OK, "still serving");
        server.shutdown().await;
    });
}
