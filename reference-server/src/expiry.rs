//! Idle session expiry: a background sweeper removes HTTP sessions that had no request, no open
//! stream and no request in flight for the configured idle timeout (`Limits::idle_timeout`).
//! A later request naming such a session gets 404, the spec's answer for a terminated session,
//! and the session's state (backlog, subscriptions, stores) is freed with it.
//!
//! The sweeper wakes every quarter of the timeout (between 10 ms and 30 s), looks at every
//! session once (at most `max_sessions` of them, the session limit) and removes at most
//! `MAX_REMOVALS_PER_SWEEP`, leaving the rest for the next round, so one sweep's work is
//! bounded. It holds only a weak reference to the server state and stops at shutdown.

use crate::state::ServerState;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::task::JoinHandle;

/// Most sessions removed in one sweep.
const MAX_REMOVALS_PER_SWEEP: usize = 4096;

/// How often the sweeper runs for `timeout`.
pub(crate) fn sweep_period(timeout: Duration) -> Duration {
    (timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(30))
}

/// Removes the expired sessions (at most `MAX_REMOVALS_PER_SWEEP`); returns how many.
pub(crate) fn sweep(state: &ServerState) -> usize {
    let timeout = state.limits.limits.idle_timeout;
    let mut removed = 0;
    for session in state.sessions.all() {
        if removed >= MAX_REMOVALS_PER_SWEEP {
            break;
        }
        if session.gauges().expired(timeout) && state.sessions.remove(session.id()).is_some() {
            session.close_listener();
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::debug!(removed, "idle sessions expired");
    }
    removed
}

/// Starts the sweeper of `state`; it ends when the server shuts down or its state is dropped.
pub(crate) fn spawn_sweeper(state: &Arc<ServerState>) -> JoinHandle<()> {
    let weak: Weak<ServerState> = Arc::downgrade(state);
    let mut shutdown = state.shutdown_signal();
    let period = sweep_period(state.limits.limits.idle_timeout);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
            let Some(state) = weak.upgrade() else { return };
            sweep(&state);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_is_a_quarter_of_the_timeout_within_bounds() {
        assert_eq!(
            sweep_period(Duration::from_secs(600)),
            Duration::from_secs(30)
        );
        assert_eq!(sweep_period(Duration::from_secs(8)), Duration::from_secs(2));
        assert_eq!(
            sweep_period(Duration::from_millis(1)),
            Duration::from_millis(10)
        );
    }
}
