//! Memory stays bounded: 50 MiB streamed at the harness (many events under the cap, or one body
//! over it) grows the process's resident set by far less than was sent.

use super::server::{Chaos, ChaosServer};
use super::{run_in_a_row, Ran, GATE};
use mcpcheck::check::Verdict;
use mcpcheck::transport::{ClientOptions, Target, DEFAULT_MAX_BODY};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const TOTAL: usize = 50 << 20;

/// Most the resident set may grow while 50 MiB go through.
const MAX_GROWTH_KB: u64 = 30 * 1024;

/// `VmRSS` of this process in KiB (Linux); `None` elsewhere.
fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Peak growth of the resident set while `lifecycle.ping` runs against `chaos` with a cap of
/// `cap` bytes, sampled every 5 ms; `None` without `/proc`.
async fn growth_kb(chaos: Chaos, cap: usize, expect: Verdict) -> Option<(u64, Ran)> {
    let server = ChaosServer::start(chaos).await;
    let o = ClientOptions {
        timeout: Duration::from_secs(60),
        max_body_bytes: cap,
        ..ClientOptions::default()
    };
    let target = Target::Http { url: server.url() };
    // Warm up (allocator arenas, TLS roots, the scenario pack) before the baseline.
    let _ = run_in_a_row(target.clone(), super::opts(), &["lifecycle.ping"]).await;
    let before = rss_kb()?;
    let peak = Arc::new(AtomicU64::new(before));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (Arc::clone(&peak), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some(now) = rss_kb() {
                    peak.fetch_max(now, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let ran = run_in_a_row(target, o, &["lifecycle.ping"]).await;
    stop.store(true, Ordering::Relaxed);
    sampler.join().expect("sampler");
    if let Some(now) = rss_kb() {
        peak.fetch_max(now, Ordering::Relaxed);
    }
    assert_eq!(ran[0].result.verdict, expect, "{}", ran[0].explain());
    let grew = peak.load(Ordering::Relaxed).saturating_sub(before);
    eprintln!(
        "{}: peak RSS growth {grew} KiB over {before} KiB",
        ran[0].result.id
    );
    ran.into_iter().next().map(|r| (grew, r))
}

#[tokio::test]
async fn fifty_mib_of_events_under_the_cap_keep_memory_bounded() {
    let _alone = GATE.write().await;
    let chaos = Chaos::NotificationFlood {
        total: TOTAL,
        event: 64 * 1024,
    };
    // What a check keeps of a stream (messages not yet taken, messages seen while waiting, the
    // first events kept with the response, the step's document) is a few times the cap, however
    // long the stream: with 2 MiB, about 12 MiB for 50 MiB streamed.
    let Some((grew, ran)) = growth_kb(chaos, 2 << 20, Verdict::Pass).await else {
        return; // no /proc: nothing to measure
    };
    assert!(grew < MAX_GROWTH_KB, "RSS grew by {grew} KiB");
    assert!(
        ran.evidence().contains("not kept with the response"),
        "the transcript says what was left out: {}",
        ran.explain()
    );
}

#[tokio::test]
async fn fifty_mib_body_over_the_cap_keeps_memory_bounded() {
    let _alone = GATE.write().await;
    // Chunked, so its length is not known up front and the cap is what stops the read.
    let chaos = Chaos::HugeChunkedBody(TOTAL);
    let Some((grew, ran)) = growth_kb(chaos, DEFAULT_MAX_BODY, Verdict::Fail).await else {
        return;
    };
    assert!(grew < MAX_GROWTH_KB, "RSS grew by {grew} KiB");
    assert!(ran.evidence().contains("cap"), "{}", ran.explain());
}
