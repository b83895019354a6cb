//! stdio servers played by tiny `sh` scripts: canned answers, garbage, immediate exit, a
//! server request, an over-long line, and a server that ignores EOF.

use super::{notes, opts};
use mcpcheck::session::Session;
use mcpcheck::transcript::{Entry, Transcript};
use mcpcheck::transport::{ClientOptions, Target, TransportError};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn sh(script: &str) -> Target {
    Target::Stdio {
        program: "sh".into(),
        args: vec!["-c".into(), script.into()],
        env: vec![("MCPCHECK_TEST".into(), "1".into())],
    }
}

#[tokio::test]
async fn stdio_canned_response_and_stderr() {
    let script = r#"echo "starting $MCPCHECK_TEST" >&2; read line; printf '%s\n' '{"jsonrpc":"2.0","id":1,"result":{"pong":true}}'; read rest"#;
    let mut s = Session::open(&sh(script), opts(5_000), Transcript::new())
        .await
        .unwrap();
    let ex = s.request("ping", None).await.unwrap();
    assert_eq!(ex.response.unwrap()["result"]["pong"], true);
    assert!(ex.http.is_none());
    let t0 = Instant::now();
    s.wait_for(Duration::from_millis(200), |_| false).await;
    assert_eq!(
        s.stdio().unwrap().stderr_tail(),
        vec!["starting 1".to_string()]
    );
    s.close().await.unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "closing stdin ends `read`"
    );
}

#[tokio::test]
async fn stdio_garbage_is_kept_and_the_request_times_out() {
    let script = r#"read line; echo "hello, not json"; read rest"#;
    let mut s = Session::open(&sh(script), opts(400), Transcript::new())
        .await
        .unwrap();
    let t0 = Instant::now();
    let err = s.request("ping", None).await.unwrap_err();
    assert!(matches!(err, TransportError::Timeout { .. }), "{err:?}");
    assert!(t0.elapsed() < Duration::from_secs(2));
    assert_eq!(s.garbage(), &["hello, not json".to_string()]);
    s.close().await.unwrap();
}

#[tokio::test]
async fn stdio_server_that_exits_at_once() {
    let mut s = Session::open(&sh("exit 3"), opts(5_000), Transcript::new())
        .await
        .unwrap();
    let t0 = Instant::now();
    let err = s.request("ping", None).await.unwrap_err();
    assert!(matches!(err, TransportError::Io(_)), "{err:?}");
    s.drain(Duration::from_secs(2)).await;
    assert!(t0.elapsed() < Duration::from_secs(3));
    assert_eq!(s.closed(), Some("exited with status 3"));
    s.close().await.unwrap();
}

#[tokio::test]
async fn stdio_missing_program_is_a_connect_error() {
    let target = Target::Stdio {
        program: "/nonexistent/mcp-server".into(),
        args: vec![],
        env: vec![],
    };
    let err = Session::open(&target, opts(1_000), Transcript::new())
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Connect(_)), "{err:?}");
}

#[tokio::test]
async fn stdio_server_request_is_answered_and_long_lines_skipped() {
    let script = concat!(
        r#"head -c 3000 /dev/zero | tr '\0' 'a'; echo; "#,
        r#"printf '%s\n' '{"jsonrpc":"2.0","id":"s1","method":"ping"}'; read reply; echo "$reply" >&2; read rest"#
    );
    let o = ClientOptions {
        max_body_bytes: 1024,
        ..opts(5_000)
    };
    let mut s = Session::open(&sh(script), o, Transcript::new())
        .await
        .unwrap();
    let ping = s
        .wait_for(Duration::from_secs(3), |v| v["method"] == "ping")
        .await;
    assert!(ping.is_some());
    assert!(s.garbage()[0].contains("longer than the 1024-byte cap"));
    let mut reply = None;
    for _ in 0..100 {
        reply = s.stdio().unwrap().stderr_tail().into_iter().next();
        if reply.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reply: Value = serde_json::from_str(&reply.unwrap()).unwrap();
    assert_eq!(reply, json!({"jsonrpc":"2.0","id":"s1","result":{}}));
    s.close().await.unwrap();
}

#[tokio::test]
async fn stdio_shutdown_kills_a_server_that_ignores_eof() {
    let s = Session::open(&sh("exec sleep 30"), opts(1_000), Transcript::new())
        .await
        .unwrap();
    let t = s.transcript().clone();
    let t0 = Instant::now();
    s.close().await.unwrap();
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(5),
        "took {took:?}"
    );
    assert!(notes(&t).iter().any(|n| n.contains("killing it")));
}

#[tokio::test]
async fn stdio_send_raw_collects_the_parse_error() {
    let script = r#"read line; printf '%s\n' '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}'; read rest"#;
    let mut s = Session::open(&sh(script), opts(5_000), Transcript::new())
        .await
        .unwrap();
    let ex = s
        .send_raw("{this is not json", Duration::from_millis(500))
        .await
        .unwrap();
    assert_eq!(ex.response.unwrap()["error"]["code"], -32700);
    let sent = s.transcript().since(0).into_iter().find_map(|e| match e {
        Entry::StdioSend { line, .. } => Some(line),
        _ => None,
    });
    assert_eq!(sent.as_deref(), Some("{this is not json"));
    s.close().await.unwrap();
}
