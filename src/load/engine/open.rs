//! The open model: arrivals come at the planned rate whatever the server does, each handed to
//! a free user of a bounded pool; an arrival that finds no free user is dropped and counted,
//! as k6's arrival-rate executors do. Latency is measured from the arrival's intended time
//! (coordinated omission corrected), with the raw figure from the actual send kept beside it.

use super::vu::Vu;
use super::{wait_stop, Shared};
use crate::load::plan::{Arrivals, Plan};
use crate::load::profile::SessionMode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Sessions opened at once while the pool gets ready.
const PREPARE_PARALLELISM: usize = 64;

/// Makes the pool's users and, with per-user sessions, opens their sessions before the clock
/// starts, so the first arrivals do not pay for them (under churn every arrival opens its own).
pub async fn prepare(shared: &Arc<Shared>, pool: usize) -> Vec<Vu> {
    let mut out = Vec::with_capacity(pool);
    let mut pending = JoinSet::new();
    let mut next = 0;
    while next < pool || !pending.is_empty() {
        while next < pool && pending.len() < PREPARE_PARALLELISM {
            let mut vu = Vu::new(next, shared.clone());
            let per_user = shared.session_mode == SessionMode::PerUser;
            pending.spawn(async move {
                if per_user {
                    let _ = vu.ensure_session().await;
                }
                vu
            });
            next += 1;
        }
        if let Some(Ok(vu)) = pending.join_next().await {
            out.push(vu);
        }
    }
    out.sort_by_key(|v| v.index);
    out
}

/// Runs the open model with the prepared `pool`; returns the most users busy at once.
pub async fn run(shared: Arc<Shared>, plan: Plan, pool: Vec<Vu>, iterations: Option<u64>) -> usize {
    let (free_tx, mut free_rx) = mpsc::unbounded_channel::<usize>();
    let peak = Arc::new(AtomicUsize::new(0));
    let mut inboxes = Vec::with_capacity(pool.len());
    let mut users = JoinSet::new();
    for (slot, vu) in pool.into_iter().enumerate() {
        let (tx, rx) = mpsc::channel::<Instant>(1);
        inboxes.push(tx);
        let _ = free_tx.send(slot);
        users.spawn(user_loop(
            vu,
            slot,
            shared.clone(),
            rx,
            free_tx.clone(),
            peak.clone(),
        ));
    }
    drop(free_tx);
    let start = shared.start();
    let measure_from = shared.measure_from();
    let mut handed = 0u64;
    for t in Arrivals::new(plan) {
        if shared.stopped() || iterations.is_some_and(|cap| handed >= cap) {
            break;
        }
        let due = start + t;
        if due > Instant::now() {
            tokio::select! {
                _ = tokio::time::sleep_until(due) => {}
                _ = wait_stop(&shared) => break,
            }
        }
        let measured = due >= measure_from;
        if measured {
            shared.intended.fetch_add(1, Ordering::Relaxed);
        }
        let delivered = match free_rx.try_recv() {
            Ok(slot) => inboxes.get(slot).is_some_and(|tx| tx.try_send(due).is_ok()),
            Err(_) => false,
        };
        if delivered {
            handed += 1;
        } else if measured {
            shared.dropped.fetch_add(1, Ordering::Relaxed);
            shared.dropped_interval.fetch_add(1, Ordering::Relaxed);
        }
    }
    // No more arrivals: users finish the iteration in flight and end their sessions.
    drop(inboxes);
    let grace = shared.timeout * 2 + Duration::from_secs(1);
    let _ = tokio::time::timeout(grace, async { while users.join_next().await.is_some() {} }).await;
    users.abort_all();
    peak.load(Ordering::Relaxed)
}

async fn user_loop(
    mut vu: Vu,
    slot: usize,
    shared: Arc<Shared>,
    mut inbox: mpsc::Receiver<Instant>,
    free: mpsc::UnboundedSender<usize>,
    peak: Arc<AtomicUsize>,
) {
    while let Some(due) = inbox.recv().await {
        let busy = shared.active.fetch_add(1, Ordering::AcqRel) + 1;
        peak.fetch_max(busy, Ordering::AcqRel);
        vu.iteration(Some(due)).await;
        shared.active.fetch_sub(1, Ordering::AcqRel);
        if free.send(slot).is_err() {
            break;
        }
    }
    vu.end_session().await;
}
