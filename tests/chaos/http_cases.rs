//! Streamable HTTP misbehaviours: each runs `lifecycle.ping` then `base.method-not-found` (or a
//! scenario for the rule the misbehaviour breaks) against a [`ChaosServer`].

use super::server::{Chaos, ChaosServer};
use super::{
    assert_fail, assert_within, context, opts, run_in_a_row, scenario, Ran, GATE, SLACK, TIMEOUT,
};
use mcpcheck::check::Verdict;
use mcpcheck::scenario::Scenario;
use mcpcheck::suite::run_suite;
use mcpcheck::transport::Target;
use std::time::{Duration, Instant};

const PING: &str = "lifecycle.ping";
const UNKNOWN: &str = "base.method-not-found";

/// Runs `ids` against a chaos server; the first must FAIL with one of `needles` in its
/// transcript, the second must end (with `second` as its verdict when given).
async fn case(chaos: Chaos, ids: [&str; 2], needles: &[&str], second: Option<Verdict>) -> Vec<Ran> {
    let _shared = GATE.read().await;
    let server = ChaosServer::start(chaos).await;
    let ran = run_in_a_row(Target::Http { url: server.url() }, opts(), &ids).await;
    assert_fail(&ran[0], needles, TIMEOUT, Duration::ZERO);
    assert_within(&ran[1], TIMEOUT, Duration::ZERO);
    if let Some(v) = second {
        assert_eq!(ran[1].result.verdict, v, "{}", ran[1].explain());
    }
    ran
}

/// The usual pair: ping, then an unknown method; both must FAIL.
async fn both_fail(chaos: Chaos, needles: &[&str]) -> Vec<Ran> {
    case(chaos, [PING, UNKNOWN], needles, Some(Verdict::Fail)).await
}

#[tokio::test]
async fn control_an_honest_chaos_server_passes() {
    let _shared = GATE.read().await;
    let server = ChaosServer::start(Chaos::Honest).await;
    let ids = [
        PING,
        UNKNOWN,
        "base.notification-no-reply",
        "http.get-stream",
    ];
    let ran = run_in_a_row(Target::Http { url: server.url() }, opts(), &ids).await;
    for r in &ran {
        assert_eq!(r.result.verdict, Verdict::Pass, "{}", r.explain());
    }
}

#[tokio::test]
async fn connection_refused() {
    let _shared = GATE.read().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}/mcp");
    let ran = run_in_a_row(Target::Http { url }, opts(), &[PING, UNKNOWN]).await;
    for r in &ran {
        assert_fail(
            r,
            &["cannot connect", "onnection refused"],
            TIMEOUT,
            Duration::ZERO,
        );
    }
}

#[tokio::test]
async fn reset_mid_body() {
    both_fail(Chaos::ResetMidBody, &["read failed", "i/o error", "reset"]).await;
}

#[tokio::test]
async fn connection_closed_without_a_reply() {
    both_fail(Chaos::CloseWithoutReply, &["POST failed"]).await;
}

#[tokio::test]
async fn no_response_at_all() {
    both_fail(Chaos::NoResponse, &["nothing came"]).await;
}

#[tokio::test]
async fn sse_stream_that_sends_nothing() {
    both_fail(Chaos::SseSilent, &["nothing came"]).await;
}

#[tokio::test]
async fn sse_stream_of_comments_only() {
    both_fail(Chaos::SseCommentsOnly, &["nothing came"]).await;
}

#[tokio::test]
async fn slow_drip_one_byte_per_second() {
    both_fail(Chaos::SlowDrip, &["nothing came"]).await;
}

#[tokio::test]
async fn body_over_the_cap() {
    both_fail(Chaos::HugeBody(4 << 20), &["cap"]).await;
}

#[tokio::test]
async fn chunked_body_over_the_cap() {
    both_fail(Chaos::HugeChunkedBody(4 << 20), &["cap"]).await;
}

#[tokio::test]
async fn sse_event_over_the_cap() {
    both_fail(Chaos::HugeSseEvent(4 << 20), &["cap"]).await;
}

#[tokio::test]
async fn sse_event_that_never_ends() {
    both_fail(Chaos::SseEndlessEvent, &["cap"]).await;
}

#[tokio::test]
async fn invalid_utf8_in_the_body() {
    both_fail(Chaos::InvalidUtf8, &["\u{fffd}"]).await;
}

#[tokio::test]
async fn json_that_is_not_json_rpc() {
    both_fail(Chaos::NotJsonRpc, &["\\\"hello\\\":\\\"world\\\""]).await;
}

#[tokio::test]
async fn wrong_response_id() {
    both_fail(Chaos::WrongId, &["chaos-wrong-id"]).await;
}

#[tokio::test]
async fn response_id_of_another_type() {
    both_fail(Chaos::IdTypeChanged, &["\\\"id\\\":\\\"1000"]).await;
}

#[tokio::test]
async fn response_id_null() {
    both_fail(Chaos::IdNull, &["\\\"id\\\":null"]).await;
}

#[tokio::test]
async fn duplicate_responses() {
    both_fail(Chaos::DuplicateSse, &["second response", "duplicate"]).await;
}

#[tokio::test]
async fn response_to_a_notification() {
    case(
        Chaos::ResponseToNotification,
        ["base.notification-no-reply", PING],
        &["\\\"id\\\":null"],
        Some(Verdict::Pass),
    )
    .await;
}

#[tokio::test]
async fn batch_where_none_was_sent() {
    both_fail(Chaos::UnsolicitedBatch, &["batch", "array"]).await;
}

#[tokio::test]
async fn wrong_content_type() {
    both_fail(Chaos::WrongContentType, &["text/plain"]).await;
}

#[tokio::test]
async fn redirect_loop() {
    both_fail(Chaos::RedirectLoop, &["307"]).await;
}

#[tokio::test]
async fn redirect_to_another_origin_is_not_followed_with_credentials() {
    let _shared = GATE.read().await;
    let elsewhere = ChaosServer::start(Chaos::Honest).await;
    let server = ChaosServer::start(Chaos::RedirectTo(elsewhere.url())).await;
    let mut o = opts();
    o.headers
        .push(("authorization".into(), "Bearer chaos-secret".into()));
    let ran = run_in_a_row(Target::Http { url: server.url() }, o, &[PING, UNKNOWN]).await;
    for r in &ran {
        assert_fail(r, &[&elsewhere.url()], TIMEOUT, Duration::ZERO);
    }
    assert!(
        elsewhere.seen().is_empty(),
        "the other origin received {:?}",
        elsewhere.seen()
    );
    // The credentials did go to the target itself (so their absence elsewhere means something).
    assert!(server.seen().iter().any(|s| s
        .headers
        .iter()
        .any(|(k, v)| k == "authorization" && v == "Bearer chaos-secret")));
}

#[tokio::test]
async fn server_error_with_an_html_page() {
    both_fail(Chaos::Html5xx, &["upstream fell over"]).await;
}

#[tokio::test]
async fn unauthorized_without_www_authenticate() {
    both_fail(Chaos::Unauthorized(None), &["401"]).await;
}

#[tokio::test]
async fn unauthorized_with_a_garbage_challenge() {
    both_fail(
        Chaos::Unauthorized(Some("%%%garbage,,=\"unterminated".into())),
        &["%%%garbage"],
    )
    .await;
}

#[tokio::test]
async fn tls_to_a_plain_http_port() {
    let _shared = GATE.read().await;
    let server = ChaosServer::start(Chaos::Honest).await;
    let url = format!("https://127.0.0.1:{}/mcp", server.port());
    let ran = run_in_a_row(Target::Http { url }, opts(), &[PING, UNKNOWN]).await;
    for r in &ran {
        assert_fail(r, &["cannot connect"], TIMEOUT, Duration::ZERO);
    }
}

#[tokio::test]
async fn both_result_and_error() {
    both_fail(Chaos::ResultAndError, &["both at once"]).await;
}

#[tokio::test]
async fn empty_200_body() {
    both_fail(
        Chaos::EmptyBody200,
        &["HTTP 200, application/json, empty body"],
    )
    .await;
}

#[tokio::test]
async fn content_length_longer_than_the_body() {
    both_fail(Chaos::ContentLengthTooLong, &["read failed", "i/o error"]).await;
}

#[tokio::test]
async fn chunked_body_cut_short() {
    both_fail(Chaos::ChunkedCutShort, &["read failed", "i/o error"]).await;
}

#[tokio::test]
async fn chunked_body_that_never_ends() {
    both_fail(Chaos::ChunkedNoTerminator, &["nothing came"]).await;
}

#[tokio::test]
async fn sse_stream_closing_before_the_response() {
    both_fail(Chaos::SseClosesEarly, &["working on it"]).await;
}

#[tokio::test]
async fn sse_data_that_is_not_json() {
    both_fail(Chaos::SseDataNotJson, &["hello, not json"]).await;
}

#[tokio::test]
async fn sse_legacy_endpoint_event() {
    both_fail(Chaos::SseEndpointJunk, &["/messages?sessionId=chaos"]).await;
}

#[tokio::test]
async fn get_answered_with_json() {
    case(
        Chaos::GetJson,
        ["http.get-stream", PING],
        &["application/json"],
        Some(Verdict::Pass),
    )
    .await;
}

#[tokio::test]
async fn session_gone_after_initialization() {
    both_fail(Chaos::SessionGone404, &["session not found"]).await;
}

#[tokio::test]
async fn json_rpc_version_1() {
    both_fail(Chaos::JsonRpcVersion1, &["1.0"]).await;
}

#[tokio::test]
async fn request_answered_202_without_a_response() {
    both_fail(Chaos::Accepted202, &["HTTP 202"]).await;
}

#[tokio::test]
async fn status_line_that_is_not_http() {
    both_fail(Chaos::GarbageStatusLine, &["POST failed"]).await;
}

#[tokio::test]
async fn response_head_with_a_huge_header() {
    both_fail(Chaos::HugeHeader, &["POST failed"]).await;
}

#[tokio::test]
async fn a_request_instead_of_the_response() {
    both_fail(
        Chaos::RequestInsteadOfResponse,
        &["\\\"method\\\":\\\"ping\\\""],
    )
    .await;
}

/// Checks that may pass against a server whose only fault is its answers to requests after the
/// handshake: they look at the handshake, at notifications or at the HTTP layer.
const UNAFFECTED: &[&str] = &[
    "base.notification-no-reply",
    "http.get-stream",
    "http.notification-accepted",
    "http.session-id-format",
    "lifecycle.initialize-result",
    "lifecycle.version-echo",
    "lifecycle.version-fallback",
];

#[tokio::test]
async fn whole_suite_against_a_server_that_answers_with_wrong_ids() {
    let _shared = GATE.read().await;
    let server = ChaosServer::start(Chaos::WrongId).await;
    let scenarios: Vec<&Scenario> = super::all_ids().into_iter().map(scenario).collect();
    let ctx = context(Target::Http { url: server.url() }, opts());
    let started = Instant::now();
    let report = run_suite(&scenarios, &ctx, |_| {}).await;
    let took = started.elapsed();
    assert_eq!(report.checks.len(), scenarios.len());
    let bound: Duration = scenarios
        .iter()
        .map(|s| TIMEOUT * super::steps(&s.file.id) + SLACK)
        .sum();
    assert!(took < bound, "the suite took {took:?}");
    let passed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Pass)
        .map(|c| c.id.as_str())
        .collect();
    for id in &passed {
        assert!(UNAFFECTED.contains(id), "{id} passed against wrong ids");
    }
    for id in [
        PING,
        UNKNOWN,
        "base.id-echo",
        "tools.list-shape",
        "lifecycle.initialized-accepted",
    ] {
        let c = report.checks.iter().find(|c| c.id == id).expect("ran");
        assert_eq!(c.verdict, Verdict::Fail, "{id}: {:?}", c.findings);
        let evidence = serde_json::to_string(&c.transcript).unwrap_or_default();
        assert!(evidence.contains("chaos-wrong-id"), "{id}: {evidence}");
    }
}
