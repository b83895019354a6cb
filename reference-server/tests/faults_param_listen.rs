//! 2026-07-28 `Mcp-Param-*` headers (the `header_echo` tool checks them against its arguments,
//! `header_ratio` has an invalid `x-mcp-header` and counts its calls) and the server ending a
//! subscription (`--listen-max-ms`): the clean behaviour, then each fault switch breaking it.

mod common;

use common::http::{start, Exchange, HttpClient};
use common::modern::{self as m, set};
use common::stdio::StdioClient;
use common::{assert_covers, error_code, result, tool_names, QUIET};
use mcp_reference_server::{Fault, ParamHeaderStats, ServerConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const COVERED: &[Fault] = &[
    Fault::V26ParamHeaderUnchecked,
    Fault::V26ParamHeaderNotDecoded,
    Fault::V26ListenCloseWrongId,
];

const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

#[test]
fn covers_every_fault_of_this_file() {
    assert_covers("faults_param_listen", COVERED);
}

fn config(fault: Option<Fault>) -> ServerConfig {
    fault.map(ServerConfig::with_fault).unwrap_or_default()
}

/// A modern `tools/call` of `header_echo` with `args`.
fn echo_call(args: Value) -> Value {
    m::request(
        json!(1),
        "tools/call",
        json!({"name": "header_echo", "arguments": args}),
    )
}

/// The standard headers of `body` plus the given `Mcp-Param-*` ones.
fn with_params(body: &Value, params: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut h = m::headers_for(body);
    for (k, v) in params {
        set(&mut h, &format!("Mcp-Param-{k}"), Some(v));
    }
    h
}

/// POSTs `body` with `params` headers to a server with `fault`; the exchange and the counters.
async fn post(
    fault: Option<Fault>,
    body: &Value,
    params: &[(&str, &str)],
) -> (Exchange, ParamHeaderStats) {
    let server = start(config(fault)).await;
    let c = HttpClient::new(server.url());
    let ex = m::post_with(&c, body, &with_params(body, params)).await;
    let stats = server.param_header_stats();
    server.shutdown().await;
    (ex, stats)
}

const PLAIN: [(&str, &str); 3] = [
    ("Region", "eu-west"),
    ("Priority", "-7"),
    ("Dry-Run", "true"),
];

fn plain_args() -> Value {
    json!({"region": "eu-west", "priority": -7, "dry_run": true})
}

#[tokio::test]
async fn modern_lists_carry_the_tools_and_legacy_lists_do_not() {
    let mut c = StdioClient::start(ServerConfig {
        page_size: 100,
        ..ServerConfig::default()
    });
    let modern = m::stdio_request(&mut c, json!(1), "tools/list", json!({})).await;
    let names = tool_names(result(&modern));
    assert!(names.iter().any(|n| n == "header_echo"), "{names:?}");
    assert!(names.iter().any(|n| n == "header_ratio"), "{names:?}");
    c.initialize("2025-11-25").await;
    let legacy = c.call("tools/list", json!({})).await;
    assert!(!tool_names(&legacy).iter().any(|n| n.starts_with("header_")));
    c.finish().await.unwrap();
}

#[tokio::test]
async fn v26_param_header_unchecked() {
    let body = echo_call(plain_args());
    let (ok, stats) = post(None, &body, &PLAIN).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(
        result(ok.message())["structuredContent"],
        json!({"region": "eu-west", "priority": -7, "dry_run": true, "zone": null})
    );
    assert_eq!((stats.accepted, stats.rejected), (1, 0));
    // One header left out, one header with another value.
    for params in [&PLAIN[..2], &[PLAIN[0], ("Priority", "7"), PLAIN[2]][..]] {
        let (refused, stats) = post(None, &body, params).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{params:?}");
        assert_eq!(error_code(refused.message()), -32020);
        assert_eq!((stats.accepted, stats.rejected), (0, 1));
        let (served, _) = post(Some(Fault::V26ParamHeaderUnchecked), &body, params).await;
        assert_eq!(served.status, StatusCode::OK, "{params:?}");
        assert!(result(served.message())["content"].is_array());
    }
}

#[tokio::test]
async fn v26_param_header_not_decoded() {
    let body = echo_call(
        json!({"region": "Hello, 世界", "priority": 1, "dry_run": false,
                                "target": {"zone": " padded "}}),
    );
    let params = [
        ("Region", "=?base64?SGVsbG8sIOS4lueVjA==?="),
        ("Priority", "1"),
        ("Dry-Run", "false"),
        ("Zone", "=?base64?IHBhZGRlZCA=?="),
    ];
    let (ok, _) = post(None, &body, &params).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(
        result(ok.message())["structuredContent"]["zone"],
        " padded "
    );
    let (refused, stats) = post(Some(Fault::V26ParamHeaderNotDecoded), &body, &params).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(refused.message()), -32020);
    assert_eq!(stats.rejected, 1);
}

#[tokio::test]
async fn null_arguments_need_no_header_and_the_invalid_tool_is_counted() {
    let body = echo_call(json!({"region": "r", "priority": 0, "dry_run": false,
                                "target": {"zone": null}}));
    let (ok, _) = post(
        None,
        &body,
        &[("Region", "r"), ("Priority", "0"), ("Dry-Run", "false")],
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    let ratio = m::request(
        json!(2),
        "tools/call",
        json!({"name": "header_ratio", "arguments": {"ratio": 0.5}}),
    );
    let (called, stats) = post(None, &ratio, &[("Ratio", "0.5")]).await;
    assert_eq!(called.status, StatusCode::OK);
    assert_eq!(stats.bad_tool_calls, 1);
}

fn listen(id: Value) -> Value {
    m::request(
        id,
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true}}),
    )
}

fn closing_config(fault: Option<Fault>) -> ServerConfig {
    ServerConfig {
        listen_max: Some(Duration::from_millis(200)),
        ..config(fault)
    }
}

/// Over HTTP: the acknowledgement, then the closing result, then the end of the stream.
async fn http_close(fault: Option<Fault>) -> Value {
    let server = start(closing_config(fault)).await;
    let c = HttpClient::new(server.url());
    let mut stream = m::open_stream(&c, &listen(json!(7))).await;
    let ack = stream.next_message(QUIET).await.expect("acknowledgement");
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    let end = stream
        .next_message(Duration::from_secs(3))
        .await
        .expect("closing result");
    assert!(stream.next_event(Duration::from_secs(2)).await.is_none());
    assert!(stream.ended, "the stream closes after the closing result");
    server.shutdown().await;
    end
}

/// Over stdio: the acknowledgement, then the closing result.
async fn stdio_close(fault: Option<Fault>) -> Value {
    let mut c = StdioClient::start(closing_config(fault));
    c.send(&listen(json!("s-1"))).await;
    let ack = c.recv().await;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    let end = c.response(&json!("s-1")).await;
    c.finish().await.unwrap();
    end
}

#[tokio::test]
async fn v26_listen_close_wrong_id() {
    let end = http_close(None).await;
    assert_eq!(end["id"], 7);
    assert_eq!(result(&end)["resultType"], "complete");
    assert_eq!(result(&end)["_meta"][SUBSCRIPTION_ID], 7);
    let end = stdio_close(None).await;
    assert_eq!(result(&end)["_meta"][SUBSCRIPTION_ID], "s-1");
    let wrong = http_close(Some(Fault::V26ListenCloseWrongId)).await;
    assert_eq!(wrong["id"], 7);
    assert_eq!(result(&wrong)["_meta"][SUBSCRIPTION_ID], "7-other");
    let wrong = stdio_close(Some(Fault::V26ListenCloseWrongId)).await;
    assert_eq!(result(&wrong)["_meta"][SUBSCRIPTION_ID], "s-1-other");
}

#[tokio::test]
async fn without_the_option_a_listen_stays_open() {
    let server = start(ServerConfig::default()).await;
    let c = HttpClient::new(server.url());
    let mut stream = m::open_stream(&c, &listen(json!(1))).await;
    assert!(stream.next_message(QUIET).await.is_some());
    assert!(stream
        .next_message(Duration::from_millis(600))
        .await
        .is_none());
    assert!(!stream.ended);
    server.shutdown().await;
}

#[test]
fn listen_max_ms_sets_the_listen_lifetime() {
    use clap::Parser;
    use mcp_reference_server::ServeArgs;
    let parse = |args: &[&str]| {
        ServeArgs::try_parse_from(args)
            .unwrap()
            .to_config()
            .unwrap()
    };
    assert_eq!(parse(&["srv"]).listen_max, None);
    assert_eq!(
        parse(&["srv", "--listen-max-ms", "250"]).listen_max,
        Some(Duration::from_millis(250))
    );
}
