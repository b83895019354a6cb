//! The load engine: virtual users as tokio tasks, each with its own hyper HTTP/1.1 connection,
//! driven by the closed model ([`closed`]: N users in a loop, N following the plan) or the open
//! model ([`open`]: arrivals at the planned rate handed to a bounded pool of users, latency
//! measured from each arrival's intended time). A collector task builds the per-second series.

pub mod closed;
pub mod conn;
pub mod open;
pub mod tls;
pub mod vu;

use super::metrics::{ErrorKind, Interval, MetricsHub, OpMetrics, OpName, Sample, TransportKind};
use super::operation::{Operation, Picker};
use super::profile::{Model, Profile, SessionMode};
use super::session::{Handshake, SESSION_OPS};
use super::token::{LoadAuth, Refresher, TokenSlot};
use conn::Endpoint;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Largest response body (or SSE event) a call reads.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// The scheduler's timer granularity: tokio's timer wheel has millisecond slots, so an arrival
/// may start up to this late (its latency is still measured from the intended time).
pub const TIMER_GRANULARITY_US: u64 = 1000;

/// What every user of a run shares (read-only apart from the recorder and counters).
pub struct Shared {
    /// The target.
    pub endpoint: Endpoint,
    /// The calls of the mix.
    pub ops: Vec<Operation>,
    /// Weighted choice among `ops`.
    pub picker: Picker,
    /// The recorder.
    pub hub: MetricsHub,
    /// When `Shared` was made; `start_ns` counts from here.
    epoch: Instant,
    /// Start of the run (after the open model's pool has opened its sessions), from `epoch`.
    start_ns: AtomicU64,
    /// Unmeasured time at the start.
    warmup: Duration,
    /// Longest wait for one call.
    pub timeout: Duration,
    /// Per user or per iteration sessions.
    pub session_mode: SessionMode,
    /// Calls per iteration.
    pub calls_per_iteration: u32,
    /// Think time range.
    pub think: (Duration, Duration),
    /// Pre-serialised initialize / initialized.
    pub handshake: Handshake,
    /// Response size cap.
    pub max_body: usize,
    /// The bearer token every request carries (authenticated runs).
    pub token: Option<Arc<TokenSlot>>,
    /// Set when the run is over.
    pub stop: AtomicBool,
    /// Woken when `stop` is set or the user target changes.
    pub wake: Notify,
    /// Users currently running iterations.
    pub active: AtomicUsize,
    /// Iterations started (for the iteration cap).
    pub iterations: AtomicU64,
    /// Open model: arrivals due in the measured window, and those that found no free user.
    pub intended: AtomicU64,
    /// See `intended`.
    pub dropped: AtomicU64,
    /// Dropped arrivals since the collector last looked.
    pub dropped_interval: AtomicU64,
}

impl Shared {
    /// Marks now as the start of the run (the warm-up and the series count from here).
    pub fn begin(&self) {
        let ns = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.start_ns.store(ns, Ordering::Release);
    }

    /// Start of the run.
    pub fn start(&self) -> Instant {
        self.epoch + Duration::from_nanos(self.start_ns.load(Ordering::Acquire))
    }

    /// End of the warm-up: calls that end before it are not measured.
    pub fn measure_from(&self) -> Instant {
        self.start() + self.warmup
    }

    /// Whether the run is over.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Ends the run.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        self.wake.notify_waiters();
    }
}

/// One second of the run.
#[derive(Clone, Debug)]
pub struct SeriesPoint {
    /// Seconds since the start (the second this point ends).
    pub t: u64,
    /// Whether the second falls (even partly) in the warm-up.
    pub warmup: bool,
    /// Users running iterations at the end of the second.
    pub users: usize,
    /// Arrivals dropped in the second (open model).
    pub dropped: u64,
    /// Length of the interval in seconds (1, less for the last one of the run).
    pub span_s: f64,
    /// Calls completed in the second.
    pub interval: Interval,
}

/// What a run produced.
pub struct RunResult {
    /// Figures per operation: the calls, then initialize, initialized, DELETE.
    pub ops: Vec<OpMetrics>,
    /// Names and methods matching `ops`.
    pub names: Vec<OpName>,
    /// The per-second series.
    pub series: Vec<SeriesPoint>,
    /// Wall clock at the start.
    pub started_at: SystemTime,
    /// Length of the measured window.
    pub measured: Duration,
    /// Open model: arrivals due in the measured window.
    pub intended: u64,
    /// Open model: those dropped.
    pub dropped: u64,
    /// Most users running at once.
    pub peak_users: usize,
}

/// Runs `profile` against `endpoint`; `on_second` sees each series point as it is made.
pub async fn run(
    profile: &Profile,
    endpoint: Endpoint,
    auth: Option<LoadAuth>,
    on_second: impl FnMut(&SeriesPoint, &Shared) + Send + 'static,
) -> RunResult {
    let users = match &profile.model {
        Model::Closed { plan } => plan.peak().ceil() as usize,
        Model::Open { max_users, .. } => *max_users,
    };
    let open = matches!(profile.model, Model::Open { .. });
    let shards =
        (users.max(1)).min(4 * std::thread::available_parallelism().map_or(2, |n| n.get()));
    let n_ops = profile.operations.len();
    let shared = Arc::new(Shared {
        endpoint,
        picker: Picker::new(&profile.operations),
        ops: profile.operations.clone(),
        hub: MetricsHub::new(n_ops + SESSION_OPS.len(), n_ops, open, shards),
        epoch: Instant::now(),
        start_ns: AtomicU64::new(0),
        warmup: profile.warmup,
        timeout: profile.timeout,
        session_mode: profile.session,
        calls_per_iteration: profile.calls_per_iteration,
        think: profile.think,
        handshake: Handshake::new(profile.protocol_version),
        max_body: MAX_BODY,
        token: auth.as_ref().map(|a| a.slot.clone()),
        stop: AtomicBool::new(false),
        wake: Notify::new(),
        active: AtomicUsize::new(0),
        iterations: AtomicU64::new(0),
        intended: AtomicU64::new(0),
        dropped: AtomicU64::new(0),
        dropped_interval: AtomicU64::new(0),
    });
    let pool = match &profile.model {
        Model::Open { max_users, .. } => open::prepare(&shared, *max_users).await,
        Model::Closed { .. } => Vec::new(),
    };
    shared.begin();
    let started_at = SystemTime::now();
    let collector = tokio::spawn(collect(shared.clone(), profile.warmup, on_second));
    let refresh_every = profile.auth.as_ref().and_then(|a| a.refresh_every);
    let refresher = match (auth.and_then(|a| a.refresher), refresh_every) {
        (Some(r), Some(every)) => Some(tokio::spawn(refresh(shared.clone(), r, every))),
        _ => None,
    };
    let peak_users = match &profile.model {
        Model::Closed { plan } => {
            closed::run(shared.clone(), plan.clone(), profile.iterations).await
        }
        Model::Open { plan, .. } => {
            open::run(shared.clone(), plan.clone(), pool, profile.iterations).await
        }
    };
    shared.stop();
    if let Some(task) = refresher {
        task.abort();
    }
    let ended = Instant::now();
    let series = collector.await.unwrap_or_default();
    let measure_from = shared.measure_from();
    let mut names: Vec<OpName> = profile
        .operations
        .iter()
        .map(|o| (o.name.clone(), o.method.clone(), false))
        .collect();
    names.extend(
        SESSION_OPS
            .iter()
            .map(|(n, m)| (n.to_string(), m.to_string(), true)),
    );
    RunResult {
        ops: shared.hub.snapshot(),
        names,
        series,
        started_at,
        measured: ended.saturating_duration_since(measure_from),
        intended: shared.intended.load(Ordering::Relaxed),
        dropped: shared.dropped.load(Ordering::Relaxed),
        peak_users,
    }
}

/// Builds one series point per second until the run stops (and a last partial one).
async fn collect(
    shared: Arc<Shared>,
    warmup: Duration,
    mut on_second: impl FnMut(&SeriesPoint, &Shared) + Send + 'static,
) -> Vec<SeriesPoint> {
    let mut series = Vec::new();
    let mut t = 0u64;
    let mut tick = tokio::time::interval_at(
        shared.start() + Duration::from_secs(1),
        Duration::from_secs(1),
    );
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let last = tokio::select! {
            _ = tick.tick() => false,
            _ = wait_stop(&shared) => true,
        };
        t += 1;
        let begun = shared.start() + Duration::from_secs(t.saturating_sub(1));
        let span_s = Instant::now()
            .saturating_duration_since(begun)
            .as_secs_f64()
            .clamp(0.001, 1.0);
        let point = SeriesPoint {
            t,
            span_s: if last { span_s } else { 1.0 },
            warmup: Duration::from_secs(t.saturating_sub(1)) < warmup,
            users: shared.active.load(Ordering::Relaxed),
            dropped: shared.dropped_interval.swap(0, Ordering::Relaxed),
            interval: shared.hub.take_interval(),
        };
        if !last || point.interval.requests > 0 {
            on_second(&point, &shared);
            series.push(point);
        }
        if last {
            return series;
        }
    }
}

/// Renews the token every `every` until the run stops, timing each renewal.
async fn refresh(shared: Arc<Shared>, refresher: Refresher, every: Duration) {
    let op = shared.ops.len() + 3; // the `token refresh` session operation
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = wait_stop(&shared) => return,
        }
        let started = Instant::now();
        let outcome = tokio::time::timeout(shared.timeout, refresher()).await;
        let error = match outcome {
            Ok(Ok(token)) => shared
                .token
                .as_ref()
                .and_then(|s| s.set(&token).err())
                .map(|_| ErrorKind::Transport(TransportKind::Protocol)),
            Ok(Err(_)) => Some(ErrorKind::Transport(TransportKind::Protocol)),
            Err(_) => Some(ErrorKind::Timeout),
        };
        let ended = Instant::now();
        shared.hub.record(
            0,
            Sample {
                op,
                error,
                latency: ended - started,
                raw: None,
                measured: true,
            },
        );
    }
}

/// Returns once the run is stopped.
pub(crate) async fn wait_stop(shared: &Shared) {
    loop {
        let notified = shared.wake.notified();
        if shared.stopped() {
            return;
        }
        // Bounded wait: a wake-up between the check and the registration is caught next round.
        let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
    }
}
