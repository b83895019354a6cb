//! Pass/fail criteria in the k6/goose manner: `p99<50ms`, `error_rate<0.1%`, `rps>=2000`,
//! optionally scoped with `for OPERATION` (an operation name or a JSON-RPC method). A violated
//! threshold fails the run (exit code 1).
//!
//! Metrics: latency percentiles `p50`, `p90`, `p95`, `p99`, `p99.9` (also `p(99)`), `min`,
//! `max`, `mean`/`avg` with a unit `us`/`µs`/`ms`/`s` (milliseconds when none, as in k6);
//! `error_rate` as a fraction or with `%`; `errors`, `count`, `rps`; `dropped` and
//! `dropped_rate` (open model: arrivals that found no free user). Operators: `<`, `<=`, `>`,
//! `>=`, `==`.

use super::stats::{human_us, OpStats};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
}

impl Cmp {
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Eq => (a - b).abs() < 1e-9,
        }
    }
}

/// What a threshold looks at.
#[derive(Clone, Debug, PartialEq)]
pub enum Metric {
    /// A latency figure by its [`Latency::get`](super::stats::Latency::get) name.
    Latency(String),
    /// errors / count.
    ErrorRate,
    /// Error count.
    Errors,
    /// Call count.
    Count,
    /// Calls per second.
    Rps,
    /// Dropped arrivals (open model).
    Dropped,
    /// Dropped / intended arrivals (open model).
    DroppedRate,
}

/// One parsed threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// The text as written.
    pub text: String,
    /// What is measured.
    pub metric: Metric,
    /// How it compares.
    pub cmp: Cmp,
    /// The bound, in the metric's base unit (microseconds, fraction, count, per second).
    pub bound: f64,
    /// `for …`: the operation name or method the threshold applies to (None: all calls).
    pub scope: Option<String>,
}

/// How a threshold fared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThresholdResult {
    /// The threshold as written.
    pub threshold: String,
    /// Whether it held.
    pub passed: bool,
    /// The observed value in the metric's base unit (µs, fraction, count, per second).
    pub observed: f64,
    /// The observed value for people (`12.3ms`, `0.25%`).
    pub observed_text: String,
    /// Why it could not be evaluated (e.g. the scope matched no operation); then it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A threshold that cannot be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("threshold {text:?}: {message}")]
pub struct ThresholdError {
    /// The text given.
    pub text: String,
    /// What was expected.
    pub message: String,
}

const OPS: [(&str, Cmp); 5] = [
    ("<=", Cmp::Le),
    (">=", Cmp::Ge),
    ("==", Cmp::Eq),
    ("<", Cmp::Lt),
    (">", Cmp::Gt),
];

impl Threshold {
    /// Parses one threshold.
    pub fn parse(text: &str) -> Result<Self, ThresholdError> {
        let err = |message: &str| ThresholdError {
            text: text.to_string(),
            message: message.to_string(),
        };
        let (expr, scope) = match text.split_once(" for ") {
            Some((e, s)) if !s.trim().is_empty() => (e.trim(), Some(s.trim().to_string())),
            Some(_) => return Err(err("expected an operation name after `for`")),
            None => (text.trim(), None),
        };
        let (pos, op, cmp) = OPS
            .iter()
            .filter_map(|(op, cmp)| expr.find(op).map(|p| (p, *op, *cmp)))
            .min_by_key(|(p, op, _)| (*p, std::cmp::Reverse(op.len())))
            .ok_or_else(|| err("expected a comparison: <, <=, >, >= or =="))?;
        let name = expr[..pos].trim();
        let value = expr[pos + op.len()..].trim();
        let metric = parse_metric(name).ok_or_else(|| {
            err("unknown metric: expected p50, p90, p95, p99, p99.9, p(N), min, max, mean, error_rate, errors, count, rps, dropped or dropped_rate")
        })?;
        let bound = parse_bound(&metric, value).map_err(|m| err(&m))?;
        Ok(Threshold {
            text: text.trim().to_string(),
            metric,
            cmp,
            bound,
            scope,
        })
    }

    /// Evaluates against `stats` (the scope's figures; None when the scope matched nothing),
    /// with the run's dropped and intended arrival counts.
    pub fn evaluate(
        &self,
        stats: Option<&OpStats>,
        dropped: u64,
        intended: u64,
    ) -> ThresholdResult {
        let observed = match (&self.metric, stats) {
            (Metric::Dropped, _) => Some(dropped as f64),
            (Metric::DroppedRate, _) => Some(super::stats::ratio(dropped, intended)),
            (_, None) => None,
            (Metric::Latency(n), Some(s)) => s.latency_us.get(n),
            (Metric::ErrorRate, Some(s)) => Some(s.error_rate),
            (Metric::Errors, Some(s)) => Some(s.errors as f64),
            (Metric::Count, Some(s)) => Some(s.count as f64),
            (Metric::Rps, Some(s)) => Some(s.rps),
        };
        let Some(observed) = observed else {
            return ThresholdResult {
                threshold: self.text.clone(),
                passed: false,
                observed: 0.0,
                observed_text: "-".into(),
                note: Some(format!(
                    "no operation named `{}` ran",
                    self.scope.as_deref().unwrap_or("")
                )),
            };
        };
        let empty =
            stats.is_some_and(|s| s.count == 0) && matches!(self.metric, Metric::Latency(_));
        ThresholdResult {
            threshold: self.text.clone(),
            passed: !empty && self.cmp.holds(observed, self.bound),
            observed,
            observed_text: self.format(observed),
            note: empty.then(|| "no call completed".to_string()),
        }
    }

    fn format(&self, v: f64) -> String {
        match self.metric {
            Metric::Latency(_) => human_us(v),
            Metric::ErrorRate | Metric::DroppedRate => format!("{:.3}%", v * 100.0),
            Metric::Rps => format!("{v:.1}/s"),
            _ => format!("{v:.0}"),
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn parse_metric(name: &str) -> Option<Metric> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.as_str() {
        "error_rate" | "errors_rate" | "failure_rate" => Metric::ErrorRate,
        "errors" => Metric::Errors,
        "count" | "requests" => Metric::Count,
        "rps" | "throughput" => Metric::Rps,
        "dropped" => Metric::Dropped,
        "dropped_rate" => Metric::DroppedRate,
        "min" | "max" | "mean" | "avg" | "med" | "p50" | "p90" | "p95" | "p99" | "p99.9"
        | "p999" => Metric::Latency(lower),
        _ => {
            // k6 spelling p(99) / p(99.9).
            let inner = lower.strip_prefix("p(")?.strip_suffix(')')?;
            let canonical = format!("p{inner}");
            if super::stats::Latency::default().get(&canonical).is_some() {
                Metric::Latency(canonical)
            } else {
                return None;
            }
        }
    })
}

fn parse_bound(metric: &Metric, value: &str) -> Result<f64, String> {
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e'))
        .unwrap_or(value.len());
    // `1e3ms`-style exponents are accepted; a unit starting with `e` is not a thing here.
    let (num, unit) = value.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{value}` does not start with a number"))?;
    if !n.is_finite() || n < 0.0 {
        return Err("the bound must be a number of 0 or more".into());
    }
    let unit = unit.trim();
    match metric {
        Metric::Latency(_) => match unit {
            "us" | "µs" => Ok(n),
            "" | "ms" => Ok(n * 1000.0),
            "s" => Ok(n * 1_000_000.0),
            other => Err(format!(
                "unknown latency unit `{other}`: expected us, ms or s"
            )),
        },
        Metric::ErrorRate | Metric::DroppedRate => match unit {
            "%" => Ok(n / 100.0),
            "" => Ok(n),
            other => Err(format!("unknown rate unit `{other}`: expected % or none")),
        },
        Metric::Rps => match unit {
            "" | "/s" => Ok(n),
            other => Err(format!("unknown unit `{other}` for rps")),
        },
        _ if unit.is_empty() => Ok(n),
        _ => Err(format!("`{unit}`: a count takes no unit")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::stats::Latency;
    use std::collections::BTreeMap;

    fn stats(p99: u64, errors: u64, count: u64, rps: f64) -> OpStats {
        OpStats {
            name: "all".into(),
            method: String::new(),
            session: false,
            count,
            errors,
            error_rate: super::super::stats::ratio(errors, count),
            rps,
            errors_by_kind: BTreeMap::new(),
            latency_us: Latency {
                p99,
                ..Latency::default()
            },
            latency_ok_us: Latency::default(),
            latency_raw_us: None,
        }
    }

    #[test]
    fn parses_the_k6_and_goose_forms() {
        let t = Threshold::parse("p99<50ms").unwrap();
        assert_eq!(t.metric, Metric::Latency("p99".into()));
        assert_eq!(
            (t.cmp, t.bound, t.scope.as_deref()),
            (Cmp::Lt, 50_000.0, None)
        );
        let t = Threshold::parse("error_rate<0.1%").unwrap();
        assert!((t.bound - 0.001).abs() < 1e-12);
        let t = Threshold::parse("rps>=2000 for tools/call").unwrap();
        assert_eq!((t.cmp, t.bound), (Cmp::Ge, 2000.0));
        assert_eq!(t.scope.as_deref(), Some("tools/call"));
        assert_eq!(
            Threshold::parse("p(99.9) <= 2s").unwrap().bound,
            2_000_000.0
        );
        assert_eq!(Threshold::parse("p95<250").unwrap().bound, 250_000.0);
        assert_eq!(Threshold::parse("max<800us").unwrap().bound, 800.0);
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        for (bad, needle) in [
            ("p99 50ms", "comparison"),
            ("p42<5ms", "unknown metric"),
            ("p99<5parsecs", "latency unit"),
            ("error_rate<abc", "number"),
            ("p99<5ms for ", "operation name"),
            ("count<5ms", "no unit"),
        ] {
            let e = Threshold::parse(bad).unwrap_err();
            assert!(e.to_string().contains(needle), "{bad}: {e}");
        }
    }

    #[test]
    fn evaluates_against_the_figures() {
        let s = stats(40_000, 1, 2000, 2500.0);
        assert!(
            Threshold::parse("p99<50ms")
                .unwrap()
                .evaluate(Some(&s), 0, 0)
                .passed
        );
        let r = Threshold::parse("p99<30ms")
            .unwrap()
            .evaluate(Some(&s), 0, 0);
        assert!(!r.passed);
        assert_eq!(r.observed_text, "40.0ms");
        assert!(
            Threshold::parse("error_rate<0.1%")
                .unwrap()
                .evaluate(Some(&s), 0, 0)
                .passed
        );
        assert!(
            !Threshold::parse("error_rate<0.01%")
                .unwrap()
                .evaluate(Some(&s), 0, 0)
                .passed
        );
        assert!(
            Threshold::parse("rps>=2000")
                .unwrap()
                .evaluate(Some(&s), 0, 0)
                .passed
        );
        assert!(
            !Threshold::parse("dropped==0")
                .unwrap()
                .evaluate(Some(&s), 3, 100)
                .passed
        );
        let missing = Threshold::parse("p99<1s for nope")
            .unwrap()
            .evaluate(None, 0, 0);
        assert!(!missing.passed && missing.note.is_some());
        let idle = Threshold::parse("p99<1s")
            .unwrap()
            .evaluate(Some(&stats(0, 0, 0, 0.0)), 0, 0);
        assert!(!idle.passed, "a latency bound with no call is not met");
    }
}
