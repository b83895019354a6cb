//! Streaming cases wiremock cannot serve (it sends whole bodies): a hand-rolled HTTP/1.1
//! server writes SSE chunks with delays, or holds the stream open.

use super::{notes, opts};
use mcpcheck::session::Session;
use mcpcheck::transcript::Transcript;
use mcpcheck::transport::{RawRequest, Target};
use serde_json::json;
use std::time::{Duration, Instant};

/// Serves one connection: answers with an SSE stream whose chunks are written after the given
/// delays, then ends the stream or, with `keep_open`, holds it open for 30 s.
async fn streaming_server(chunks: Vec<(u64, &'static str)>, keep_open: bool) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut buf).await.unwrap();
            if n == 0 {
                return;
            }
            head.extend_from_slice(&buf[..n]);
        }
        let resp_head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
        sock.write_all(resp_head.as_bytes()).await.unwrap();
        for (delay, text) in chunks {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            let chunk = format!("{:x}\r\n{text}\r\n", text.len());
            if sock.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
        if keep_open {
            tokio::time::sleep(Duration::from_secs(30)).await;
        } else {
            let _ = sock.write_all(b"0\r\n\r\n").await;
        }
    });
    format!("http://{addr}/mcp")
}

const PROGRESS: &str = "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":1,\"progress\":1}}\n\n";
const RESULT_1: &str = "id: r1\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n";

#[tokio::test]
async fn progress_is_visible_while_the_response_is_pending() {
    let url = streaming_server(vec![(0, PROGRESS), (1500, RESULT_1)], false).await;
    let mut s = Session::open(&Target::Http { url }, opts(5_000), Transcript::new())
        .await
        .unwrap();
    s.start(json!({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}}))
        .await
        .unwrap();
    let t0 = Instant::now();
    let progress = s
        .wait_for(Duration::from_secs(3), |v| {
            v["method"] == "notifications/progress"
        })
        .await;
    assert!(progress.is_some());
    assert!(
        t0.elapsed() < Duration::from_millis(1000),
        "progress arrived only with the response: {:?}",
        t0.elapsed()
    );
    let resp = s
        .wait_response(&json!(1), Duration::from_secs(3))
        .await
        .unwrap();
    assert!(resp.is_some());
}

#[tokio::test]
async fn a_stream_left_open_after_the_response_is_read_until_the_timeout() {
    let url = streaming_server(vec![(0, PROGRESS), (100, RESULT_1)], true).await;
    let mut s = Session::open(&Target::Http { url }, opts(800), Transcript::new())
        .await
        .unwrap();
    let t0 = Instant::now();
    let ex = s.request("tools/call", None).await.unwrap();
    let took = t0.elapsed();
    assert!(ex.response.is_some());
    assert!(
        ex.elapsed < Duration::from_millis(600),
        "elapsed is time to the response: {:?}",
        ex.elapsed
    );
    assert!(
        took >= Duration::from_millis(750) && took < Duration::from_secs(2),
        "took {took:?}"
    );
    // The POST's facts still arrive, with both events, and the open stream is noted.
    assert_eq!(ex.http.map(|m| m.sse_events.len()), Some(2));
    assert!(notes(s.transcript())
        .iter()
        .any(|n| n.contains("still open")));
}

#[tokio::test]
async fn raw_sse_window_bounds_an_open_get_stream() {
    let url = streaming_server(vec![(0, "id: p\ndata:\n\n")], true).await;
    let s = Session::open(&Target::Http { url }, opts(5_000), Transcript::new())
        .await
        .unwrap();
    let req = RawRequest {
        sse_window: Duration::from_millis(300),
        ..RawRequest::get_stream()
    };
    let r = s.http().unwrap().raw(req).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.sse_events.len(), 1);
    assert_eq!(r.sse_events[0].id.as_deref(), Some("p"));
    assert!(r.truncated);
    assert!(
        r.elapsed >= Duration::from_millis(300) && r.elapsed < Duration::from_secs(2),
        "{:?}",
        r.elapsed
    );
}
