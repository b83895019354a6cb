//! Raw exchanges for transport-rule checks: status and headers as sent, header omission,
//! redirects not followed, SSE event limits.

use super::{http_session, opts, sse_reply};
use mcpcheck::transcript::Entry;
use mcpcheck::transport::RawRequest;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn raw_exchange_sees_status_headers_and_no_redirect() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/mcp"))
        .respond_with(ResponseTemplate::new(405).insert_header("allow", "POST"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/mcp"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", "http://127.0.0.1:9/elsewhere"),
        )
        .mount(&server)
        .await;
    let s = http_session(&server, opts(5_000)).await;
    let http = s.http().unwrap();
    let r = http.raw(RawRequest::get_stream()).await.unwrap();
    assert_eq!(r.status, 405);
    assert_eq!(r.header("Allow"), Some("POST"));
    let r = http
        .raw(RawRequest::post(b"{}".to_vec()).header("accept", ""))
        .await
        .unwrap();
    assert_eq!(r.status, 307, "redirects are not followed");
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs[0].headers.get("accept").unwrap(), "text/event-stream");
    // An empty value omits a default; for Accept the HTTP client then sends `*/*`, and the
    // transcript says so.
    assert_eq!(reqs[1].headers.get("accept").unwrap(), "*/*");
    let r = http
        .raw(RawRequest::post(b"{}".to_vec()).header("content-type", ""))
        .await
        .unwrap();
    assert_eq!(r.status, 307);
    let reqs = server.received_requests().await.unwrap();
    assert!(
        reqs[2].headers.get("content-type").is_none(),
        "an empty value omits the header"
    );
    let recorded: Vec<Vec<(String, String)>> = s
        .transcript()
        .since(0)
        .into_iter()
        .filter_map(|e| match e {
            Entry::HttpRequest { headers, .. } => Some(headers),
            _ => None,
        })
        .collect();
    assert!(recorded[1].contains(&("accept".to_string(), "*/*".to_string())));
    assert!(!recorded[2].iter().any(|(k, _)| k == "content-type"));
    assert_eq!(
        reqs[1].headers.get("content-type").unwrap(),
        "application/json"
    );
}

#[tokio::test]
async fn raw_sse_stops_at_the_event_limit() {
    let server = MockServer::start().await;
    let body = "id: a\ndata: 1\n\nid: b\ndata: 2\n\nid: c\ndata: 3\n\n";
    Mock::given(method("GET"))
        .respond_with(sse_reply(body))
        .mount(&server)
        .await;
    let s = http_session(&server, opts(5_000)).await;
    let req = RawRequest {
        max_events: 2,
        ..RawRequest::get_stream()
    };
    let r = s.http().unwrap().raw(req).await.unwrap();
    assert_eq!(r.sse_events.len(), 2);
    assert!(r.truncated);
    let r = s
        .http()
        .unwrap()
        .raw(RawRequest::get_stream())
        .await
        .unwrap();
    assert_eq!(r.sse_events.len(), 3);
    assert!(!r.truncated);
    assert_eq!(r.body, body);
}
