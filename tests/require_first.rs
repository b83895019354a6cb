//! A step's `require` (its precondition) is judged before its own `expect`: when the
//! precondition fails, the check is SKIP, not a failure of expectations that presuppose it.
//! Found on real servers (the TypeScript SDK v2's stateless fallback issues no session id;
//! the Python SDK answers some calls with JSON, not SSE), here on a scripted server that does
//! both: `initialize` answered without `Mcp-Session-Id`, every request answered with JSON.

mod common;

use common::{pack, run};
use mcpcheck::check::Verdict;
use mcpcheck::protocol::ProtocolVersion;
use mcpcheck::transport::Target;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A sessionless MCP server over HTTP/1.1, one request per connection, JSON answers only.
/// Hand-rolled: the point is headers the reference server never omits.
async fn sessionless_json_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve(sock));
        }
    });
    format!("http://{addr}/mcp")
}

async fn serve(mut sock: tokio::net::TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body: Value = serde_json::from_slice(&buf[head_end..head_end + len]).unwrap_or(Value::Null);
    let result = match body.get("method").and_then(Value::as_str) {
        Some("initialize") => json!({"protocolVersion": "2025-11-25",
            "capabilities": {"tools": {}}, "serverInfo": {"name": "sessionless", "version": "0"}}),
        Some("tools/list") => {
            json!({"tools": [{"name": "slow", "inputSchema": {"type": "object"}}]})
        }
        Some("tools/call") => json!({"content": [{"type": "text", "text": "done"}]}),
        _ => json!({}),
    };
    let (status, payload) = if !head.starts_with("post") {
        ("405 Method Not Allowed", String::new())
    } else if body.get("id").is_none() {
        ("202 Accepted", String::new())
    } else {
        let reply = json!({"jsonrpc": "2.0", "id": body["id"], "result": result});
        ("200 OK", reply.to_string())
    };
    let out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
        payload.len()
    );
    let _ = sock.write_all(out.as_bytes()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_precondition_skips_the_step_instead_of_failing_its_expectations() {
    let url = sessionless_json_server().await;
    let all = pack();
    let chosen: Vec<_> = all
        .iter()
        .filter(|s| ["http.session-id-format", "http.sse-prime"].contains(&s.file.id.as_str()))
        .collect();
    assert_eq!(chosen.len(), 2);
    let report = run(
        Target::Http { url },
        &chosen,
        Some(ProtocolVersion::V2025_11_25),
    )
    .await;
    for (id, reason) in [
        ("http.session-id-format", "no session id"),
        ("http.sse-prime", "JSON rather than an SSE stream"),
    ] {
        let c = report.checks.iter().find(|c| c.id == id).unwrap();
        assert_eq!(c.verdict, Verdict::Skip, "{id}: {:?}", c.findings);
        let skip = c.skip_reason.clone().unwrap_or_default();
        assert!(skip.contains(reason), "{id}: {skip}");
    }
}
