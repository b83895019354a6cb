//! Console output of a load run: one live line per second for a person watching a terminal,
//! and the summary table (per operation and overall, errors by kind, thresholds) at the end.

use super::engine::SeriesPoint;
use super::report_json::LoadReport;
use super::stats::{human_us, Latency, OpStats};
use std::fmt::Write as _;

/// The live line for one second (`  12s  users 16  4321 rps  p99 1.2ms  errors 0 (0.00%)`).
pub fn live_line(p: &SeriesPoint, open: bool) -> String {
    let i = &p.interval;
    let p99 = if i.requests == 0 {
        "-".to_string()
    } else {
        human_us(i.latency.value_at_quantile(0.99) as f64)
    };
    let mut line = format!(
        "{:>5}s{}  users {:>4}  {:>8} rps  p99 {:>8}  errors {} ({:.2}%)",
        p.t,
        if p.warmup { " (warm-up)" } else { "" },
        p.users,
        i.requests,
        p99,
        i.errors,
        super::stats::ratio(i.errors, i.requests) * 100.0
    );
    if open {
        let _ = write!(line, "  dropped {}", p.dropped);
    }
    line
}

fn lat_cells(l: &Latency) -> [String; 6] {
    [l.min, l.p50, l.p90, l.p99, l.p999, l.max].map(|v| human_us(v as f64))
}

fn row(s: &OpStats, raw: bool) -> Vec<String> {
    let mut cells = vec![
        s.name.clone(),
        s.count.to_string(),
        format!("{:.1}", s.rps),
        s.errors.to_string(),
        format!("{:.2}%", s.error_rate * 100.0),
    ];
    cells.extend(lat_cells(&s.latency_us));
    if raw {
        cells.push(
            s.latency_raw_us
                .as_ref()
                .map_or("-".into(), |l| human_us(l.p99 as f64)),
        );
    }
    cells
}

/// The summary: what ran, the table, errors by kind, thresholds and the verdict.
pub fn summary(r: &LoadReport) -> String {
    let mut out = String::new();
    let open = r.profile.model == "open";
    let _ = writeln!(
        out,
        "mcpcheck load: profile {} ({} model, plan {}, sessions {}) against {}",
        r.profile.name, r.profile.model, r.profile.plan, r.profile.session, r.target
    );
    let _ = writeln!(
        out,
        "measured {:.1}s after a {:.1}s warm-up, peak users {}; latency = full JSON-RPC round trip from {} (clock resolution {}ns, scheduler timer {}µs)",
        r.duration_s,
        r.warmup_s,
        r.peak_users,
        if open { "the intended send time (coordinated omission corrected)" } else { "the send" },
        r.timer.clock_resolution_ns,
        r.timer.scheduler_granularity_us
    );
    if let Some(a) = &r.arrivals {
        let _ = writeln!(
            out,
            "arrivals: {} intended, {} dropped (no free user of {})",
            a.intended,
            a.dropped,
            r.profile.max_users.unwrap_or(0)
        );
    }
    let mut header: Vec<String> = [
        "operation",
        "count",
        "rps",
        "errors",
        "err%",
        "min",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if open {
        header.push("p99 raw".into());
    }
    let mut rows = vec![header];
    for s in r.operations.iter().filter(|s| s.count > 0 || !s.session) {
        rows.push(row(s, open));
    }
    rows.push(row(&r.summary, open));
    out.push_str(&table(&rows));
    let kinds: Vec<String> = r
        .operations
        .iter()
        .flat_map(|s| {
            s.errors_by_kind
                .iter()
                .map(move |(k, n)| format!("{} {k}: {n}", s.name))
        })
        .collect();
    if !kinds.is_empty() {
        let _ = writeln!(out, "errors by kind: {}", kinds.join(", "));
    }
    for t in &r.thresholds {
        let _ = writeln!(
            out,
            "threshold {} {}: observed {}{}",
            if t.passed { "PASS" } else { "FAIL" },
            t.threshold,
            t.observed_text,
            t.note
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        out,
        "{}",
        if r.thresholds.is_empty() {
            "no thresholds: the run passes"
        } else if r.passed {
            "every threshold held"
        } else {
            "a threshold was violated: exit code 1"
        }
    );
    out
}

/// Left-aligns the first column, right-aligns the rest, with a rule under the header and
/// before the last (overall) row.
fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let rule = width
        .iter()
        .map(|w| "-".repeat(*w))
        .collect::<Vec<_>>()
        .join("  ");
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        if i == rows.len() - 1 && rows.len() > 2 {
            let _ = writeln!(out, "{rule}");
        }
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, s)| {
                if c == 0 {
                    format!("{s:<w$}", w = width[c])
                } else {
                    format!("{s:>w$}", w = width[c])
                }
            })
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
        if i == 0 {
            let _ = writeln!(out, "{rule}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::metrics::{new_histogram, Interval};

    #[test]
    fn live_lines_show_rate_latency_and_errors() {
        let mut latency = new_histogram();
        for v in [100u64, 200, 5000] {
            latency.record(v).unwrap();
        }
        let p = SeriesPoint {
            t: 3,
            warmup: false,
            users: 4,
            dropped: 2,
            span_s: 1.0,
            interval: Interval {
                latency,
                requests: 3,
                errors: 1,
            },
        };
        let line = live_line(&p, true);
        assert!(line.contains("3s"), "{line}");
        assert!(line.contains("3 rps"), "{line}");
        assert!(line.contains("p99    5.0ms"), "{line}");
        assert!(line.contains("errors 1 (33.33%)"), "{line}");
        assert!(line.contains("dropped 2"), "{line}");
    }

    #[test]
    fn tables_align() {
        let t = table(&[
            vec!["op".into(), "n".into()],
            vec!["ping".into(), "10".into()],
            vec!["all".into(), "10".into()],
        ]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "op     n");
        assert_eq!(lines[2], "ping  10");
        assert_eq!(lines[3], "----  --");
    }
}
