//! The figures a load report shows for one operation (or all of them): count, throughput,
//! errors by kind and latency percentiles, derived from the recorded histograms so that a
//! merged report recomputes them exactly.

use super::metrics::{new_histogram, OpMetrics};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Latency percentiles in microseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Fastest.
    pub min: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 95th percentile.
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Slowest.
    pub max: u64,
}

impl Latency {
    /// The percentiles of `h` (all zero when empty).
    pub fn of(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Latency::default();
        }
        Latency {
            min: h.min(),
            mean: (h.mean() * 10.0).round() / 10.0,
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p95: h.value_at_quantile(0.95),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
        }
    }

    /// A percentile by its threshold name (`p50`, `p99.9`, `max`, …), in microseconds.
    pub fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "min" => self.min as f64,
            "mean" | "avg" => self.mean,
            "p50" | "med" => self.p50 as f64,
            "p90" => self.p90 as f64,
            "p95" => self.p95 as f64,
            "p99" => self.p99 as f64,
            "p99.9" | "p999" => self.p999 as f64,
            "max" => self.max as f64,
            _ => return None,
        })
    }
}

/// The figures of one operation, or of all calls together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpStats {
    /// Operation name (`all` for the overall figures).
    pub name: String,
    /// JSON-RPC method (or `DELETE` for session ends; empty for the overall figures).
    pub method: String,
    /// Whether this is a session operation (initialize, initialized, DELETE), not a call.
    pub session: bool,
    /// Calls completed in the measured window.
    pub count: u64,
    /// Calls that did not succeed.
    pub errors: u64,
    /// errors / count (0 when nothing ran).
    pub error_rate: f64,
    /// Calls per second over the measured window.
    pub rps: f64,
    /// Errors by kind (`http_503`, `jsonrpc_-32603`, `is_error`, `timeout`, `transport_io`, …).
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Latency, all outcomes (from the intended send time in the open model).
    pub latency_us: Latency,
    /// Latency of the successful calls only.
    pub latency_ok_us: Latency,
    /// Latency from the actual send (open model only): the uncorrected figure.
    pub latency_raw_us: Option<Latency>,
}

impl OpStats {
    /// Figures for `m` over a window of `seconds`.
    pub fn from_metrics(
        name: &str,
        method: &str,
        session: bool,
        m: &OpMetrics,
        seconds: f64,
    ) -> Self {
        let count = m.count();
        let errors = m.error_count();
        let ok = m
            .by_outcome
            .get(&super::metrics::Outcome::Ok)
            .cloned()
            .unwrap_or_else(new_histogram);
        OpStats {
            name: name.to_string(),
            method: method.to_string(),
            session,
            count,
            errors,
            error_rate: ratio(errors, count),
            rps: if seconds > 0.0 {
                (count as f64 / seconds * 10.0).round() / 10.0
            } else {
                0.0
            },
            errors_by_kind: m.errors.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
            latency_us: Latency::of(&m.all()),
            latency_ok_us: Latency::of(&ok),
            latency_raw_us: m.raw.as_ref().filter(|h| !h.is_empty()).map(Latency::of),
        }
    }
}

/// `a / b`, 0 when `b` is 0.
pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// A latency in microseconds as a short human figure (`850µs`, `12.3ms`, `1.20s`).
pub fn human_us(us: f64) -> String {
    if us < 1000.0 {
        format!("{us:.0}µs")
    } else if us < 1_000_000.0 {
        format!("{:.1}ms", us / 1000.0)
    } else {
        format!("{:.2}s", us / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::metrics::{ErrorKind, Outcome};

    #[test]
    fn stats_come_from_the_histograms() {
        let mut m = OpMetrics {
            by_outcome: BTreeMap::new(),
            raw: None,
            errors: BTreeMap::new(),
        };
        let mut ok = new_histogram();
        for v in 1..=100u64 {
            ok.record(v * 10).unwrap();
        }
        let mut err = new_histogram();
        err.record(5000).unwrap();
        m.by_outcome.insert(Outcome::Ok, ok);
        m.by_outcome.insert(Outcome::JsonRpc, err);
        m.errors.insert(ErrorKind::JsonRpc(-32603), 1);
        let s = OpStats::from_metrics("echo", "tools/call", false, &m, 2.0);
        assert_eq!(s.count, 101);
        assert_eq!(s.errors, 1);
        assert!((s.error_rate - 1.0 / 101.0).abs() < 1e-9);
        assert_eq!(s.rps, 50.5);
        assert!(
            (5000..5005).contains(&s.latency_us.max),
            "3 significant digits"
        );
        assert_eq!(s.latency_ok_us.max, 1000);
        assert_eq!(s.latency_ok_us.p50, 500);
        assert_eq!(s.errors_by_kind["jsonrpc_-32603"], 1);
        assert_eq!(s.latency_us.get("p99.9"), Some(s.latency_us.max as f64));
        assert_eq!(s.latency_us.get("p42"), None);
    }

    #[test]
    fn human_latencies() {
        assert_eq!(human_us(850.0), "850µs");
        assert_eq!(human_us(12_345.0), "12.3ms");
        assert_eq!(human_us(1_200_000.0), "1.20s");
    }
}
