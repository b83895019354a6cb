//! The closed model: each user runs iteration after iteration (with think time), and the number
//! of users running follows the plan (a ramp, a hold, a goose test plan). A user waits for its
//! answer before sending again, so a slow server slows the load down — the coordinated
//! omission the open model avoids.

use super::vu::Vu;
use super::Shared;
use crate::load::plan::Plan;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How often the user count is brought in line with the plan.
const CONTROL_TICK: Duration = Duration::from_millis(50);

/// Runs the closed model; returns when the plan (or the iteration cap) is done and every user
/// has ended its session. Returns the most users that ran at once.
pub async fn run(shared: Arc<Shared>, plan: Plan, iterations: Option<u64>) -> usize {
    let start = shared.start();
    let peak_planned = plan.peak().ceil() as usize;
    let target = Arc::new(AtomicUsize::new(plan.users_at(Duration::ZERO)));
    let peak_seen = Arc::new(AtomicUsize::new(0));
    let mut users = JoinSet::new();
    for index in 0..peak_planned {
        let vu = Vu::new(index, shared.clone());
        users.spawn(user_loop(
            vu,
            shared.clone(),
            target.clone(),
            peak_seen.clone(),
            iterations,
        ));
    }
    let end = start + plan.duration();
    loop {
        let now = Instant::now();
        if now >= end || shared.stopped() {
            break;
        }
        let want = plan.users_at(now - start);
        if target.swap(want, Ordering::AcqRel) != want {
            shared.wake.notify_waiters();
        }
        let next = (now + CONTROL_TICK).min(end);
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = shared.wake.notified() => {}
        }
    }
    shared.stop();
    // Users finish the call in flight (bounded by its timeout) and end their sessions.
    let grace = shared.timeout * 2 + Duration::from_secs(1);
    let _ = tokio::time::timeout(grace, async { while users.join_next().await.is_some() {} }).await;
    users.abort_all();
    peak_seen.load(Ordering::Relaxed)
}

async fn user_loop(
    mut vu: Vu,
    shared: Arc<Shared>,
    target: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    iterations: Option<u64>,
) {
    let mut active = false;
    loop {
        if shared.stopped() {
            break;
        }
        if vu.index >= target.load(Ordering::Acquire) {
            if active {
                active = false;
                shared.active.fetch_sub(1, Ordering::AcqRel);
            }
            let _ = tokio::time::timeout(CONTROL_TICK, shared.wake.notified()).await;
            continue;
        }
        if !active {
            active = true;
            let now = shared.active.fetch_add(1, Ordering::AcqRel) + 1;
            peak.fetch_max(now, Ordering::AcqRel);
        }
        if let Some(cap) = iterations {
            if shared.iterations.fetch_add(1, Ordering::AcqRel) >= cap {
                shared.stop();
                break;
            }
        }
        vu.iteration(None).await;
        let think = vu.think_time();
        if !think.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(think) => {}
                _ = super::wait_stop(&shared) => {}
            }
        }
    }
    if active {
        shared.active.fetch_sub(1, Ordering::AcqRel);
    }
    vu.end_session().await;
}
