//! The JSON load report: the model every other output (console, HTML, compare, merge) reads,
//! documented by `reports/load/schema.json`.
//!
//! Besides the derived figures it stores every histogram HDR-V2-serialised (deflate-compressed,
//! base64, the `HISTF…` form HdrHistogram's own tools read), per operation × outcome and per
//! second, so `mcpcheck load merge` recomputes every figure exactly from the merged histograms.

use super::engine::{RunResult, SeriesPoint, TIMER_GRANULARITY_US};
use super::metrics::{new_histogram, ErrorKind, Interval, OpMetrics, OpName, Outcome};
use super::profile::{Model, Profile};
use super::stats::{Latency, OpStats};
use super::threshold::{Threshold, ThresholdResult};
use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// The report format identifier.
pub const FORMAT: &str = "mcpcheck-load/1";

/// A whole load report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Always [`FORMAT`].
    pub format: String,
    /// The mcpcheck version that wrote it.
    pub tool_version: String,
    /// The target URL.
    pub target: String,
    /// What ran.
    pub profile: ProfileInfo,
    /// Wall-clock start (RFC 3339, UTC).
    pub started_at: String,
    /// Length of the measured window in seconds (warm-up excluded).
    pub duration_s: f64,
    /// Warm-up in seconds (run, not measured).
    pub warmup_s: f64,
    /// How time was taken.
    pub timer: TimerInfo,
    /// Most users running (closed) or busy (open) at once.
    pub peak_users: usize,
    /// Open model: arrivals due in the measured window and those dropped (no free user).
    pub arrivals: Option<Arrivals>,
    /// All calls together (session operations excluded).
    pub summary: OpStats,
    /// Per operation: the calls, then the session operations.
    pub operations: Vec<OpStats>,
    /// Thresholds and how they fared.
    pub thresholds: Vec<ThresholdResult>,
    /// Whether every threshold held.
    pub passed: bool,
    /// One point per second.
    pub series: Vec<SeriesEntry>,
    /// The recorded histograms (the source of every latency figure above).
    pub histograms: Vec<HistogramEntry>,
    /// How many reports were merged into this one (1 for a single run).
    pub merged_from: u32,
}

/// What ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileInfo {
    /// Profile name.
    pub name: String,
    /// Where it came from.
    pub origin: String,
    /// `closed` or `open`.
    pub model: String,
    /// The plan (users, or arrivals per second, over time).
    pub plan: String,
    /// `per_user` or `per_iteration`.
    pub session: String,
    /// The protocol version asked for.
    pub protocol_version: String,
    /// Open model: the user pool size.
    pub max_users: Option<usize>,
}

/// How latency was timed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimerInfo {
    /// Clock used.
    pub clock: String,
    /// Resolution of the clock, nanoseconds (measured).
    pub clock_resolution_ns: u64,
    /// Granularity of the arrival scheduler's timer, microseconds.
    pub scheduler_granularity_us: u64,
    /// Latency unit of every histogram and figure.
    pub unit: String,
    /// What latency is measured from: `send` (closed) or `intended` (open, corrected).
    pub latency_from: String,
}

/// Open-model arrival counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Arrivals {
    /// Arrivals due in the measured window.
    pub intended: u64,
    /// Arrivals that found no free user.
    pub dropped: u64,
}

/// One second.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesEntry {
    /// Seconds since the start (end of the second).
    pub t: u64,
    /// Part of the warm-up.
    pub warmup: bool,
    /// Users running or busy.
    pub users: usize,
    /// Calls completed.
    pub requests: u64,
    /// Calls that failed.
    pub errors: u64,
    /// Arrivals dropped (open model).
    pub dropped: u64,
    /// Length of the interval in seconds (1, less for the run's last, partial one).
    pub span_s: f64,
    /// Latency percentiles of the second, microseconds.
    pub latency_us: Latency,
    /// The second's latency histogram (HDR V2, deflate, base64).
    pub hdr: String,
}

/// One stored histogram.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistogramEntry {
    /// Operation name.
    pub operation: String,
    /// `ok`, `http`, `jsonrpc`, `is_error`, `timeout`, `transport`, or `raw` (open model:
    /// all outcomes from the actual send).
    pub outcome: String,
    /// Values recorded.
    pub count: u64,
    /// HDR V2 deflate, base64.
    pub hdr: String,
}

/// A report that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Not JSON of this schema.
    #[error("not a load report: {0}")]
    Json(#[from] serde_json::Error),
    /// Another format version.
    #[error("unsupported report format `{0}` (expected {FORMAT})")]
    Format(String),
    /// A histogram that does not decode.
    #[error("histogram of `{0}` does not decode: {1}")]
    Histogram(String, String),
}

/// Serialises a histogram (HDR V2 + deflate, base64).
pub fn encode(h: &Histogram<u64>) -> String {
    let mut buf = Vec::new();
    // Serialising into a Vec fails only for histograms too large to encode, which latency
    // histograms never are; an empty string then decodes as an empty histogram.
    if V2DeflateSerializer::new().serialize(h, &mut buf).is_err() {
        return String::new();
    }
    base64::engine::general_purpose::STANDARD.encode(buf)
}

/// Reads a histogram written by [`encode`].
pub fn decode(text: &str) -> Result<Histogram<u64>, String> {
    if text.is_empty() {
        return Ok(new_histogram());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| e.to_string())?;
    let h: Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("{e:?}"))?;
    // Re-home into an auto-resizing histogram so later merges never fail on range.
    let mut out = new_histogram();
    out.add(&h).map_err(|e| format!("{e:?}"))?;
    Ok(out)
}

/// Measured resolution of the monotonic clock: the smallest step seen between readings.
pub fn clock_resolution_ns() -> u64 {
    let mut best = u64::MAX;
    for _ in 0..64 {
        let a = std::time::Instant::now();
        let mut b = std::time::Instant::now();
        while b == a {
            b = std::time::Instant::now();
        }
        best = best.min(u64::try_from((b - a).as_nanos()).unwrap_or(u64::MAX));
    }
    best.max(1)
}

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// The figures of the calls (not session operations) whose name or method is `scope`
/// (all calls when None), merged.
pub fn scope_metrics(
    ops: &[OpMetrics],
    names: &[OpName],
    scope: Option<&str>,
) -> Option<OpMetrics> {
    let mut merged: Option<OpMetrics> = None;
    for (m, (name, method, session)) in ops.iter().zip(names) {
        let hit = match scope {
            None => !session,
            Some(s) => name == s || method == s,
        };
        if hit {
            match merged.as_mut() {
                Some(x) => x.add(m),
                None => merged = Some(m.clone()),
            }
        }
    }
    merged
}

/// Evaluates `thresholds` over per-operation figures.
pub fn evaluate(
    thresholds: &[Threshold],
    ops: &[OpMetrics],
    names: &[OpName],
    seconds: f64,
    arrivals: Option<&Arrivals>,
) -> Vec<ThresholdResult> {
    let (intended, dropped) = arrivals.map_or((0, 0), |a| (a.intended, a.dropped));
    thresholds
        .iter()
        .map(|t| {
            let stats = scope_metrics(ops, names, t.scope.as_deref()).map(|m| {
                OpStats::from_metrics(t.scope.as_deref().unwrap_or("all"), "", false, &m, seconds)
            });
            t.evaluate(stats.as_ref(), dropped, intended)
        })
        .collect()
}

fn series_entry(p: &SeriesPoint) -> SeriesEntry {
    SeriesEntry {
        t: p.t,
        warmup: p.warmup,
        users: p.users,
        requests: p.interval.requests,
        errors: p.interval.errors,
        dropped: p.dropped,
        span_s: (p.span_s * 1000.0).round() / 1000.0,
        latency_us: Latency::of(&p.interval.latency),
        hdr: encode(&p.interval.latency),
    }
}

/// Builds the report of a run.
pub fn build(profile: &Profile, target: &str, run: &RunResult) -> LoadReport {
    let seconds = run.measured.as_secs_f64();
    let open = matches!(profile.model, Model::Open { .. });
    let arrivals = open.then_some(Arrivals {
        intended: run.intended,
        dropped: run.dropped,
    });
    let thresholds = evaluate(
        &profile.thresholds,
        &run.ops,
        &run.names,
        seconds,
        arrivals.as_ref(),
    );
    let info = ProfileInfo {
        name: profile.name.clone(),
        origin: profile.origin.clone(),
        model: profile.model.name().to_string(),
        plan: profile.model.plan().to_string(),
        session: match profile.session {
            super::profile::SessionMode::PerUser => "per_user".into(),
            super::profile::SessionMode::PerIteration => "per_iteration".into(),
        },
        protocol_version: profile.protocol_version.as_str().to_string(),
        max_users: match &profile.model {
            Model::Open { max_users, .. } => Some(*max_users),
            Model::Closed { .. } => None,
        },
    };
    assemble(
        info,
        target,
        rfc3339(run.started_at),
        seconds,
        profile.warmup.as_secs_f64(),
        run.peak_users,
        arrivals,
        &run.ops,
        &run.names,
        run.series.iter().map(series_entry).collect(),
        thresholds,
        1,
    )
}

/// Puts a report together from its parts (shared by [`build`] and merge).
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    profile: ProfileInfo,
    target: &str,
    started_at: String,
    seconds: f64,
    warmup_s: f64,
    peak_users: usize,
    arrivals: Option<Arrivals>,
    ops: &[OpMetrics],
    names: &[OpName],
    series: Vec<SeriesEntry>,
    thresholds: Vec<ThresholdResult>,
    merged_from: u32,
) -> LoadReport {
    let open = profile.model == "open";
    let summary_metrics = scope_metrics(ops, names, None).unwrap_or_else(|| empty_metrics(open));
    let summary = OpStats::from_metrics("all", "", false, &summary_metrics, seconds);
    let operations: Vec<OpStats> = ops
        .iter()
        .zip(names)
        .map(|(m, (n, method, session))| OpStats::from_metrics(n, method, *session, m, seconds))
        .collect();
    let mut histograms = Vec::new();
    for (m, (name, _, _)) in ops.iter().zip(names) {
        for (o, h) in &m.by_outcome {
            histograms.push(HistogramEntry {
                operation: name.clone(),
                outcome: o.as_str().into(),
                count: h.len(),
                hdr: encode(h),
            });
        }
        if let Some(r) = &m.raw {
            histograms.push(HistogramEntry {
                operation: name.clone(),
                outcome: "raw".into(),
                count: r.len(),
                hdr: encode(r),
            });
        }
    }
    let passed = thresholds.iter().all(|t| t.passed);
    LoadReport {
        format: FORMAT.into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        target: target.to_string(),
        timer: TimerInfo {
            clock: "monotonic".into(),
            clock_resolution_ns: clock_resolution_ns(),
            scheduler_granularity_us: TIMER_GRANULARITY_US,
            unit: "us".into(),
            latency_from: if open { "intended" } else { "send" }.into(),
        },
        profile,
        started_at,
        duration_s: (seconds * 1000.0).round() / 1000.0,
        warmup_s,
        peak_users,
        arrivals,
        summary,
        operations,
        thresholds,
        passed,
        series,
        histograms,
        merged_from,
    }
}

fn empty_metrics(open: bool) -> OpMetrics {
    OpMetrics {
        by_outcome: BTreeMap::new(),
        raw: open.then(new_histogram),
        errors: BTreeMap::new(),
    }
}

impl LoadReport {
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Reads a report.
    pub fn from_json(text: &str) -> Result<Self, ReportError> {
        let r: LoadReport = serde_json::from_str(text)?;
        if r.format != FORMAT {
            return Err(ReportError::Format(r.format));
        }
        Ok(r)
    }

    /// The recorded figures per operation (rebuilt from the stored histograms), with the
    /// operation names in report order.
    pub fn metrics(&self) -> Result<(Vec<OpMetrics>, Vec<OpName>), ReportError> {
        let open = self.profile.model == "open";
        let names: Vec<OpName> = self
            .operations
            .iter()
            .map(|o| (o.name.clone(), o.method.clone(), o.session))
            .collect();
        let mut ops: Vec<OpMetrics> = names.iter().map(|_| empty_metrics(open)).collect();
        for h in &self.histograms {
            let Some(i) = names.iter().position(|(n, _, _)| *n == h.operation) else {
                continue;
            };
            let hist =
                decode(&h.hdr).map_err(|e| ReportError::Histogram(h.operation.clone(), e))?;
            if h.outcome == "raw" {
                ops[i].raw = Some(hist);
            } else if let Some(o) = Outcome::parse(&h.outcome) {
                ops[i].by_outcome.insert(o, hist);
            }
        }
        for (i, stats) in self.operations.iter().enumerate() {
            for (k, n) in &stats.errors_by_kind {
                if let Ok(kind) = k.parse::<ErrorKind>() {
                    ops[i].errors.insert(kind, *n);
                }
            }
        }
        Ok((ops, names))
    }

    /// The series' interval figures (rebuilt from the stored histograms).
    pub fn intervals(&self) -> Result<Vec<(SeriesEntry, Interval)>, ReportError> {
        self.series
            .iter()
            .map(|s| {
                let latency = decode(&s.hdr)
                    .map_err(|e| ReportError::Histogram(format!("second {}", s.t), e))?;
                Ok((
                    s.clone(),
                    Interval {
                        latency,
                        requests: s.requests,
                        errors: s.errors,
                    },
                ))
            })
            .collect()
    }

    /// The measured window.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration_s.max(0.0))
    }

    /// Exit code: 0 when every threshold held, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.passed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_round_trip_losslessly() {
        let mut h = new_histogram();
        for v in [1u64, 10, 100, 1000, 123_456, 100_000_000] {
            h.record(v).unwrap();
        }
        let text = encode(&h);
        assert!(text.starts_with("HISTF"), "{text}");
        let back = decode(&text).unwrap();
        assert_eq!(back.len(), h.len());
        assert_eq!(back.max(), h.max());
        assert_eq!(back.value_at_quantile(0.5), h.value_at_quantile(0.5));
        assert_eq!(decode("").unwrap().len(), 0);
        assert!(decode("not base64!").is_err());
    }

    #[test]
    fn clock_resolution_is_measured() {
        let r = clock_resolution_ns();
        assert!((1..10_000_000).contains(&r), "{r}");
    }
}
