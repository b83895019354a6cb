//! Benchmarks of the harness's hot paths: SSE parsing of a 1 MB stream of typical MCP events fed
//! in 4 KiB chunks, and decoding a typical `tools/list` response (JSON parse + classification).
//! Sizes are kept small so the whole run takes about 30 s.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mcpcheck::protocol::Message;
use mcpcheck::transport::{SseParser, DEFAULT_MAX_BODY};
use serde_json::json;
use std::hint::black_box;
use std::time::Duration;

/// About 1 MB of SSE: a priming event, then progress notifications and responses with ids,
/// keep-alive comments and CRLF line ends mixed in.
fn sse_stream() -> Vec<u8> {
    let mut s = String::from("id: 0\nretry: 3000\ndata:\n\n");
    let mut i = 1u64;
    while s.len() < 1 << 20 {
        let progress = json!({"jsonrpc":"2.0","method":"notifications/progress",
            "params":{"progressToken":"tok-1","progress":i,"total":1000,"message":"working on step"}});
        s.push_str(&format!("id: {i}\nevent: message\ndata: {progress}\n\n"));
        if i % 10 == 0 {
            s.push_str(": keep-alive\r\n\r\n");
            let result = json!({"jsonrpc":"2.0","id":i,"result":{"content":[{"type":"text","text":"done ".repeat(20)}]}});
            s.push_str(&format!("id: r{i}\r\ndata: {result}\r\n\r\n"));
        }
        i += 1;
    }
    s.into_bytes()
}

fn tools_list_response() -> Vec<u8> {
    let tools: Vec<_> = (0..20)
        .map(|n| {
            json!({
                "name": format!("tool_{n}"),
                "title": format!("Tool number {n}"),
                "description": "Does one useful thing with the given arguments and returns text.",
                "inputSchema": {"type":"object","properties":{
                    "query":{"type":"string","description":"what to look for"},
                    "limit":{"type":"integer","minimum":1,"maximum":100}},
                    "required":["query"]},
                "annotations": {"readOnlyHint": true}
            })
        })
        .collect();
    json!({"jsonrpc":"2.0","id":2,"result":{"tools":tools}})
        .to_string()
        .into_bytes()
}

fn sse_parsing(c: &mut Criterion) {
    let stream = sse_stream();
    let mut g = c.benchmark_group("sse");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("parse_1mb_4k_chunks", |b| {
        b.iter(|| {
            let mut p = SseParser::new(DEFAULT_MAX_BODY);
            let mut n = 0usize;
            for chunk in stream.chunks(4096) {
                n += p.push(black_box(chunk)).map(|evs| evs.len()).unwrap_or(0);
            }
            black_box(n)
        })
    });
    g.finish();
}

fn jsonrpc_decode(c: &mut Criterion) {
    let body = tools_list_response();
    let mut g = c.benchmark_group("jsonrpc");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("decode_tools_list", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_slice(black_box(&body)).unwrap_or_default();
            black_box(Message::classify(&v))
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
}

criterion_group! { name = benches; config = config(); targets = sse_parsing, jsonrpc_decode }
criterion_main!(benches);
