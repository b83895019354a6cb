//! What a load run measures: an HDR histogram of latencies per operation × outcome, errors by
//! kind, and a per-second time series.
//!
//! Recording is sharded: each virtual user writes to one of a few shards (chosen by its
//! number), each behind its own mutex, so a record is an uncontended lock and a histogram
//! increment — no global lock on the hot path — and memory grows with shards × operations,
//! not with users. Once a second a collector takes every shard's interval figures to build the
//! time series; at the end the shards are merged into one [`Snapshot`].
//!
//! Latencies are stored in microseconds with 3 significant digits (auto-resizing histograms,
//! so no configured ceiling can clip a stall).

use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Significant decimal digits kept by every histogram.
pub const SIGFIG: u8 = 3;

/// A fresh latency histogram (microseconds, auto-resizing).
pub fn new_histogram() -> Histogram<u64> {
    // Not input-driven: `new` fails only for more than 5 significant digits, and SIGFIG is 3.
    #[allow(clippy::expect_used)]
    Histogram::new(SIGFIG).expect("3 significant digits is a valid precision")
}

/// Microseconds of a duration, saturating.
pub fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// Why a call did not succeed, by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// An HTTP status other than the expected one (2xx).
    Http(u16),
    /// A JSON-RPC error response, by code.
    JsonRpc(i64),
    /// A tool result with `isError: true`.
    IsError,
    /// No complete answer within the timeout.
    Timeout,
    /// Connection or framing failure.
    Transport(TransportKind),
}

/// Transport failures, by cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TransportKind {
    /// Could not connect.
    Connect,
    /// Reset, closed or failed mid-exchange.
    Io,
    /// The answer was not a usable JSON-RPC response (bad JSON, wrong id, wrong content type).
    Protocol,
}

/// The outcome classes histograms are kept by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Success.
    Ok,
    /// HTTP status error.
    Http,
    /// JSON-RPC error.
    JsonRpc,
    /// Tool `isError`.
    IsError,
    /// Timeout.
    Timeout,
    /// Transport failure.
    Transport,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 6] = [
        Outcome::Ok,
        Outcome::Http,
        Outcome::JsonRpc,
        Outcome::IsError,
        Outcome::Timeout,
        Outcome::Transport,
    ];

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Http => "http",
            Outcome::JsonRpc => "jsonrpc",
            Outcome::IsError => "is_error",
            Outcome::Timeout => "timeout",
            Outcome::Transport => "transport",
        }
    }

    /// The outcome with this report name.
    pub fn parse(s: &str) -> Option<Outcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

impl ErrorKind {
    /// The outcome class of this error.
    pub fn outcome(self) -> Outcome {
        match self {
            ErrorKind::Http(_) => Outcome::Http,
            ErrorKind::JsonRpc(_) => Outcome::JsonRpc,
            ErrorKind::IsError => Outcome::IsError,
            ErrorKind::Timeout => Outcome::Timeout,
            ErrorKind::Transport(_) => Outcome::Transport,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Http(s) => write!(f, "http_{s}"),
            ErrorKind::JsonRpc(c) => write!(f, "jsonrpc_{c}"),
            ErrorKind::IsError => f.write_str("is_error"),
            ErrorKind::Timeout => f.write_str("timeout"),
            ErrorKind::Transport(TransportKind::Connect) => f.write_str("transport_connect"),
            ErrorKind::Transport(TransportKind::Io) => f.write_str("transport_io"),
            ErrorKind::Transport(TransportKind::Protocol) => f.write_str("transport_protocol"),
        }
    }
}

impl FromStr for ErrorKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("unknown error kind `{s}`");
        Ok(match s {
            "is_error" => ErrorKind::IsError,
            "timeout" => ErrorKind::Timeout,
            "transport_connect" => ErrorKind::Transport(TransportKind::Connect),
            "transport_io" => ErrorKind::Transport(TransportKind::Io),
            "transport_protocol" => ErrorKind::Transport(TransportKind::Protocol),
            _ => {
                if let Some(code) = s.strip_prefix("http_") {
                    ErrorKind::Http(code.parse().map_err(|_| bad())?)
                } else if let Some(code) = s.strip_prefix("jsonrpc_") {
                    ErrorKind::JsonRpc(code.parse().map_err(|_| bad())?)
                } else {
                    return Err(bad());
                }
            }
        })
    }
}

/// An operation's name, JSON-RPC method, and whether it is a session operation (initialize,
/// initialized, DELETE) rather than a call.
pub type OpName = (String, String, bool);

/// Everything recorded for one operation.
#[derive(Clone, Debug)]
pub struct OpMetrics {
    /// Latency (coordinated-omission corrected in the open model) per outcome.
    pub by_outcome: BTreeMap<Outcome, Histogram<u64>>,
    /// Latency from the actual send, all outcomes (kept only in the open model).
    pub raw: Option<Histogram<u64>>,
    /// Error counts by kind.
    pub errors: BTreeMap<ErrorKind, u64>,
}

impl OpMetrics {
    fn new(open: bool) -> Self {
        OpMetrics {
            by_outcome: BTreeMap::new(),
            raw: open.then(new_histogram),
            errors: BTreeMap::new(),
        }
    }

    /// Adds `other`'s figures to these.
    pub fn add(&mut self, other: &OpMetrics) {
        for (o, h) in &other.by_outcome {
            add_into(self.by_outcome.entry(*o).or_insert_with(new_histogram), h);
        }
        if let Some(r) = &other.raw {
            add_into(self.raw.get_or_insert_with(new_histogram), r);
        }
        for (k, n) in &other.errors {
            *self.errors.entry(*k).or_default() += n;
        }
    }

    /// All outcomes in one histogram.
    pub fn all(&self) -> Histogram<u64> {
        let mut h = new_histogram();
        for x in self.by_outcome.values() {
            add_into(&mut h, x);
        }
        h
    }

    /// Calls recorded.
    pub fn count(&self) -> u64 {
        self.by_outcome.values().map(Histogram::len).sum()
    }

    /// Calls that did not succeed.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// Adds `from` into `into` (auto-resizing histograms cannot fail to add; a failure would only
/// lose figures, never panic).
pub fn add_into(into: &mut Histogram<u64>, from: &Histogram<u64>) {
    let _ = into.add(from);
}

/// One second's figures, for the time series.
#[derive(Clone, Debug)]
pub struct Interval {
    /// Latencies of the calls completed in the second (all operations, all outcomes).
    pub latency: Histogram<u64>,
    /// Calls completed.
    pub requests: u64,
    /// Calls that did not succeed.
    pub errors: u64,
}

impl Interval {
    fn new() -> Self {
        Interval {
            latency: new_histogram(),
            requests: 0,
            errors: 0,
        }
    }

    /// Adds `other` into this one.
    pub fn add(&mut self, other: &Interval) {
        add_into(&mut self.latency, &other.latency);
        self.requests += other.requests;
        self.errors += other.errors;
    }
}

struct Shard {
    ops: Vec<OpMetrics>,
    interval: Interval,
}

/// The shared recorder of a run.
pub struct MetricsHub {
    shards: Vec<Mutex<Shard>>,
    /// How many operations are "calls" (counted in the overall figures); the rest are session
    /// operations (initialize, initialized, DELETE).
    calls: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One recorded call.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Operation index.
    pub op: usize,
    /// The error, if the call did not succeed.
    pub error: Option<ErrorKind>,
    /// Latency reported (from the intended send time in the open model).
    pub latency: Duration,
    /// Latency from the actual send (open model only).
    pub raw: Option<Duration>,
    /// Whether the call falls in the measured window (after warm-up).
    pub measured: bool,
}

impl MetricsHub {
    /// A recorder for `ops` operations of which the first `calls` are calls; `open` keeps raw
    /// latencies beside the corrected ones.
    pub fn new(ops: usize, calls: usize, open: bool, shards: usize) -> Self {
        let shards = (0..shards.max(1))
            .map(|_| {
                Mutex::new(Shard {
                    ops: (0..ops).map(|_| OpMetrics::new(open)).collect(),
                    interval: Interval::new(),
                })
            })
            .collect();
        MetricsHub { shards, calls }
    }

    /// The number of shards (users pick `user % shards`).
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// Records one call on shard `shard`.
    pub fn record(&self, shard: usize, s: Sample) {
        let us = micros(s.latency);
        let mut g = lock(&self.shards[shard % self.shards.len()]);
        let is_call = s.op < self.calls;
        if is_call {
            g.interval.requests += 1;
            g.interval.errors += u64::from(s.error.is_some());
            let _ = g.interval.latency.record(us);
        }
        if !s.measured && is_call {
            return;
        }
        let Some(op) = g.ops.get_mut(s.op) else {
            return;
        };
        let outcome = s.error.map_or(Outcome::Ok, ErrorKind::outcome);
        let _ = op
            .by_outcome
            .entry(outcome)
            .or_insert_with(new_histogram)
            .record(us);
        if let (Some(raw), Some(h)) = (s.raw, op.raw.as_mut()) {
            let _ = h.record(micros(raw));
        }
        if let Some(e) = s.error {
            *op.errors.entry(e).or_default() += 1;
        }
    }

    /// Takes (and resets) every shard's interval figures, merged.
    pub fn take_interval(&self) -> Interval {
        let mut out = Interval::new();
        for shard in &self.shards {
            let taken = std::mem::replace(&mut lock(shard).interval, Interval::new());
            out.add(&taken);
        }
        out
    }

    /// Every operation's figures, merged over the shards.
    pub fn snapshot(&self) -> Vec<OpMetrics> {
        let mut out: Vec<OpMetrics> = Vec::new();
        for shard in &self.shards {
            let g = lock(shard);
            if out.is_empty() {
                out = g.ops.clone();
            } else {
                for (o, s) in out.iter_mut().zip(&g.ops) {
                    o.add(s);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(op: usize, error: Option<ErrorKind>, ms: u64, measured: bool) -> Sample {
        Sample {
            op,
            error,
            latency: Duration::from_millis(ms),
            raw: Some(Duration::from_millis(1)),
            measured,
        }
    }

    #[test]
    fn error_kinds_round_trip_through_their_names() {
        for k in [
            ErrorKind::Http(503),
            ErrorKind::JsonRpc(-32603),
            ErrorKind::IsError,
            ErrorKind::Timeout,
            ErrorKind::Transport(TransportKind::Connect),
            ErrorKind::Transport(TransportKind::Io),
            ErrorKind::Transport(TransportKind::Protocol),
        ] {
            assert_eq!(k.to_string().parse::<ErrorKind>(), Ok(k));
        }
        assert!("http_x".parse::<ErrorKind>().is_err());
        assert!("nope".parse::<ErrorKind>().is_err());
    }

    #[test]
    fn records_by_operation_outcome_and_shard() {
        let hub = MetricsHub::new(3, 2, true, 4);
        hub.record(0, sample(0, None, 2, true));
        hub.record(1, sample(0, None, 4, true));
        hub.record(2, sample(1, Some(ErrorKind::JsonRpc(-32603)), 8, true));
        hub.record(3, sample(1, None, 8, false)); // warm-up: interval only
        hub.record(3, sample(2, None, 3, false)); // session op: always kept, never in intervals
        let ops = hub.snapshot();
        assert_eq!(ops[0].count(), 2);
        let ok = &ops[0].by_outcome[&Outcome::Ok];
        assert_eq!(ok.max(), ok.highest_equivalent(4000)); // 3 significant digits
        assert!((4000..4005).contains(&ok.max()));
        assert_eq!(ops[1].count(), 1);
        assert_eq!(ops[1].errors[&ErrorKind::JsonRpc(-32603)], 1);
        assert_eq!(ops[1].by_outcome[&Outcome::JsonRpc].len(), 1);
        assert_eq!(ops[0].raw.as_ref().map(Histogram::len), Some(2));
        assert_eq!(ops[2].count(), 1);
        let i = hub.take_interval();
        assert_eq!((i.requests, i.errors), (4, 1));
        assert_eq!(
            hub.take_interval().requests,
            0,
            "intervals reset when taken"
        );
    }
}
