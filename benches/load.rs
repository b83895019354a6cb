//! Benchmarks of the load generator's per-request work: filling a pre-serialised body,
//! parsing a JSON response and an SSE-framed one, and recording a latency into the sharded
//! HDR recorder. These bound what one request costs the generator on top of the socket I/O.

use criterion::{criterion_group, criterion_main, Criterion};
use mcpcheck::load::engine::conn::probe;
use mcpcheck::load::metrics::{MetricsHub, Sample};
use mcpcheck::load::operation::{request_template, Fill};
use mcpcheck::transport::SseParser;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde_json::json;
use std::hint::black_box;
use std::time::Duration;

fn encode(c: &mut Criterion) {
    let t = request_template(
        "tools/call",
        Some(
            json!({"name": "echo", "arguments": {"text": "hello from user ${vu}, iteration ${iteration}"}}),
        ),
    );
    let mut rng = SmallRng::seed_from_u64(1);
    let mut buf = Vec::new();
    let mut id = 0u64;
    c.bench_function("encode tools/call body", |b| {
        b.iter(|| {
            id += 1;
            t.render(
                &mut buf,
                Fill {
                    id,
                    vu: 3,
                    iteration: id,
                },
                &mut rng,
            );
            black_box(buf.len())
        })
    });
}

fn decode(c: &mut Criterion) {
    let body = json!({"jsonrpc":"2.0","id":42,"result":{"content":[{"type":"text","text":"hello from user 3, iteration 42"}],"isError":false}}).to_string();
    c.bench_function("parse JSON response", |b| {
        b.iter(|| black_box(probe(black_box(body.as_bytes()), 42)))
    });
    let sse = format!("id: 1-0\ndata: \n\nid: 1-1\nevent: message\ndata: {body}\n\n");
    c.bench_function("parse SSE response", |b| {
        b.iter(|| {
            let mut p = SseParser::new(1 << 20);
            let events = p.push(black_box(sse.as_bytes())).unwrap_or_default();
            black_box(
                events
                    .iter()
                    .filter(|e| !e.data.is_empty())
                    .filter_map(|e| probe(e.data.as_bytes(), 42).ok().flatten())
                    .count(),
            )
        })
    });
}

fn record(c: &mut Criterion) {
    let hub = MetricsHub::new(4, 3, false, 8);
    let mut n = 0u64;
    c.bench_function("record latency", |b| {
        b.iter(|| {
            n += 1;
            hub.record(
                (n % 8) as usize,
                Sample {
                    op: (n % 3) as usize,
                    error: None,
                    latency: Duration::from_micros(50 + n % 500),
                    raw: None,
                    measured: true,
                },
            )
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = encode, decode, record
}
criterion_main!(benches);
