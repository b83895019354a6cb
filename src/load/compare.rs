//! `mcpcheck load compare BASE.json NEW.json --tolerance 10%`: the change per operation of
//! throughput, p50, p99 and error rate, and whether any is a regression beyond the tolerance.
//!
//! A latency regression must also exceed [`LATENCY_FLOOR_US`] in absolute terms, and an
//! error-rate regression [`ERROR_RATE_FLOOR`], so sub-100-µs jitter on a fast loopback run or
//! one error in a million does not fail a CI gate.

use super::report_json::LoadReport;
use super::stats::{human_us, OpStats};
use std::fmt::Write as _;

/// Latency changes smaller than this (microseconds) never count as regressions.
pub const LATENCY_FLOOR_US: f64 = 100.0;
/// Error-rate increases smaller than this (absolute fraction) never count as regressions.
pub const ERROR_RATE_FLOOR: f64 = 0.001;

/// One compared figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Operation name (`all` for the overall figures).
    pub operation: String,
    /// `rps`, `p50`, `p99` or `error_rate`.
    pub metric: &'static str,
    /// Base value.
    pub base: f64,
    /// New value.
    pub new: f64,
    /// Relative change (new / base − 1); None when base is 0.
    pub relative: Option<f64>,
    /// Whether this change is a regression beyond the tolerance.
    pub regression: bool,
}

/// The comparison of two reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Every compared figure.
    pub changes: Vec<Change>,
    /// Operations in only one of the reports.
    pub unmatched: Vec<String>,
}

impl Comparison {
    /// Whether any figure regressed.
    pub fn regressed(&self) -> bool {
        self.changes.iter().any(|c| c.regression)
    }
}

/// Parses `10%` or `0.1` into a fraction.
pub fn parse_tolerance(s: &str) -> Option<f64> {
    let s = s.trim();
    let v = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok()? / 100.0,
        None => s.parse::<f64>().ok()?,
    };
    (v.is_finite() && v >= 0.0).then_some(v)
}

fn rel(base: f64, new: f64) -> Option<f64> {
    (base != 0.0).then(|| new / base - 1.0)
}

fn compare_op(base: &OpStats, new: &OpStats, tol: f64, out: &mut Vec<Change>) {
    let mut push = |metric: &'static str, b: f64, n: f64, regression: bool| {
        out.push(Change {
            operation: new.name.clone(),
            metric,
            base: b,
            new: n,
            relative: rel(b, n),
            regression,
        });
    };
    let (b, n) = (base.rps, new.rps);
    push("rps", b, n, b > 0.0 && n < b * (1.0 - tol));
    for (metric, b, n) in [
        ("p50", base.latency_us.p50 as f64, new.latency_us.p50 as f64),
        ("p99", base.latency_us.p99 as f64, new.latency_us.p99 as f64),
    ] {
        push(
            metric,
            b,
            n,
            n > b * (1.0 + tol) && n - b > LATENCY_FLOOR_US,
        );
    }
    let (b, n) = (base.error_rate, new.error_rate);
    push(
        "error_rate",
        b,
        n,
        n > b * (1.0 + tol) && n - b > ERROR_RATE_FLOOR,
    );
}

/// Compares `new` against `base` with the relative `tolerance` (0.1 = 10 %).
pub fn compare(base: &LoadReport, new: &LoadReport, tolerance: f64) -> Comparison {
    let mut changes = Vec::new();
    let mut unmatched = Vec::new();
    for n in new.operations.iter().filter(|o| o.count > 0) {
        match base
            .operations
            .iter()
            .find(|b| b.name == n.name && b.count > 0)
        {
            Some(b) => compare_op(b, n, tolerance, &mut changes),
            None => unmatched.push(n.name.clone()),
        }
    }
    for b in base.operations.iter().filter(|o| o.count > 0) {
        if !new
            .operations
            .iter()
            .any(|n| n.name == b.name && n.count > 0)
        {
            unmatched.push(b.name.clone());
        }
    }
    compare_op(&base.summary, &new.summary, tolerance, &mut changes);
    Comparison { changes, unmatched }
}

fn show(metric: &str, v: f64) -> String {
    match metric {
        "rps" => format!("{v:.1}/s"),
        "error_rate" => format!("{:.3}%", v * 100.0),
        _ => human_us(v),
    }
}

/// The comparison as a table for the console.
pub fn render(c: &Comparison, tolerance: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<32} {:<10} {:>12} {:>12} {:>9}  verdict",
        "operation", "metric", "base", "new", "change"
    );
    for ch in &c.changes {
        let change = ch
            .relative
            .map_or("-".to_string(), |r| format!("{:+.1}%", r * 100.0));
        let _ = writeln!(
            out,
            "{:<32} {:<10} {:>12} {:>12} {:>9}  {}",
            ch.operation,
            ch.metric,
            show(ch.metric, ch.base),
            show(ch.metric, ch.new),
            change,
            if ch.regression { "REGRESSION" } else { "ok" }
        );
    }
    if !c.unmatched.is_empty() {
        let _ = writeln!(out, "in only one report: {}", c.unmatched.join(", "));
    }
    let _ = writeln!(
        out,
        "{} (tolerance {:.1}%)",
        if c.regressed() {
            "regression beyond the tolerance: exit code 1"
        } else {
            "no regression beyond the tolerance"
        },
        tolerance * 100.0
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerances() {
        assert_eq!(parse_tolerance("10%"), Some(0.1));
        assert_eq!(parse_tolerance("0.25"), Some(0.25));
        assert_eq!(parse_tolerance("-1%"), None);
        assert_eq!(parse_tolerance("lots"), None);
    }

    #[test]
    fn regressions_need_to_pass_tolerance_and_floor() {
        let mut out = Vec::new();
        let mk = |rps: f64, p99: u64, er: f64| OpStats {
            name: "x".into(),
            method: "ping".into(),
            session: false,
            count: 100,
            errors: 0,
            error_rate: er,
            rps,
            errors_by_kind: Default::default(),
            latency_us: crate::load::stats::Latency {
                p50: p99 / 2,
                p99,
                ..Default::default()
            },
            latency_ok_us: Default::default(),
            latency_raw_us: None,
        };
        compare_op(&mk(1000.0, 1000, 0.0), &mk(950.0, 1050, 0.0), 0.1, &mut out);
        assert!(out.iter().all(|c| !c.regression), "{out:?}");
        out.clear();
        compare_op(
            &mk(1000.0, 1000, 0.0),
            &mk(800.0, 5000, 0.05),
            0.1,
            &mut out,
        );
        let regressed: Vec<_> = out
            .iter()
            .filter(|c| c.regression)
            .map(|c| c.metric)
            .collect();
        assert_eq!(regressed, ["rps", "p50", "p99", "error_rate"]);
        out.clear();
        compare_op(&mk(1000.0, 50, 0.0), &mk(1000.0, 90, 0.0), 0.1, &mut out);
        assert!(out.iter().all(|c| !c.regression), "below the 100 µs floor");
    }
}
