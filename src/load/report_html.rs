//! The HTML load report: one self-contained file (inline CSS and SVG, no script, no CDN) with
//! the summary table, thresholds, latency percentiles over time, throughput over time and the
//! latency distribution (HdrHistogram's percentile spectrum of all calls).

use super::metrics::new_histogram;
use super::report_json::{self, LoadReport};
use super::stats::{human_us, OpStats};
use std::fmt::Write as _;

const W: f64 = 760.0;
const H: f64 = 240.0;
const PAD_L: f64 = 64.0;
const PAD_B: f64 = 28.0;
const PAD_T: f64 = 12.0;
const PAD_R: f64 = 12.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One line of a chart: a label, a colour and its points.
struct Line<'a> {
    label: &'a str,
    color: &'a str,
    points: Vec<(f64, f64)>,
}

/// A line chart, linear y from 0; x ticks at `x_ticks`, or five even steps when None.
fn chart(
    title: &str,
    lines: &[Line<'_>],
    x_ticks: Option<&[f64]>,
    x_label: impl Fn(f64) -> String,
    y_label: impl Fn(f64) -> String,
) -> String {
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let y1 = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0f64, f64::max)
        .max(1.0)
        * 1.05;
    let (x0, x1) = if x0 > x1 {
        (0.0, 1.0)
    } else if x0 == x1 {
        (x0, x0 + 1.0)
    } else {
        (x0, x1)
    };
    let sx = |x: f64| PAD_L + (x - x0) / (x1 - x0) * (W - PAD_L - PAD_R);
    let sy = |y: f64| H - PAD_B - y / y1 * (H - PAD_B - PAD_T);
    let mut svg = format!(
        r#"<figure><figcaption>{}</figcaption><svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{}">"#,
        esc(title),
        esc(title)
    );
    for i in 0..=4 {
        let y = y1 * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{PAD_L}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end" class="ax">{}</text>"##,
            W - PAD_R,
            PAD_L - 4.0,
            sy(y) + 4.0,
            esc(&y_label(y)),
            y = sy(y)
        );
    }
    let even: Vec<f64> = (0..=5)
        .map(|i| x0 + (x1 - x0) * f64::from(i) / 5.0)
        .collect();
    for &x in x_ticks.unwrap_or(&even) {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{}" text-anchor="middle" class="ax">{}</text>"#,
            sx(x),
            H - 8.0,
            esc(&x_label(x))
        );
    }
    for (n, l) in lines.iter().enumerate() {
        let pts: Vec<String> = l
            .points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{}" stroke-width="1.6" points="{}"/><text x="{}" y="{}" fill="{}" class="lg">{}</text>"#,
            l.color,
            pts.join(" "),
            PAD_L + 8.0 + 90.0 * n as f64,
            PAD_T + 10.0,
            l.color,
            esc(l.label)
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

fn table_row(s: &OpStats, open: bool) -> String {
    let l = &s.latency_us;
    let mut row = format!(
        "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{:.2}%</td>",
        esc(&s.name),
        s.count,
        s.rps,
        s.errors,
        s.error_rate * 100.0
    );
    for v in [l.min, l.p50, l.p90, l.p99, l.p999, l.max] {
        let _ = write!(row, "<td>{}</td>", human_us(v as f64));
    }
    if open {
        let raw = s
            .latency_raw_us
            .as_ref()
            .map_or("-".into(), |r| human_us(r.p99 as f64));
        let _ = write!(row, "<td>{raw}</td>");
    }
    row.push_str("</tr>");
    row
}

/// Renders the report as one HTML document.
pub fn render(r: &LoadReport) -> String {
    let open = r.profile.model == "open";
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>mcpcheck load: {}</h1><p>{} model, plan <code>{}</code>, sessions {}, target <code>{}</code>, started {}.<br>Measured {:.1}s after a {:.1}s warm-up; peak users {}. Latency is the full JSON-RPC round trip from {}; clock resolution {} ns, scheduler timer {} µs.</p>",
        esc(&r.profile.name),
        esc(&r.profile.model),
        esc(&r.profile.plan),
        esc(&r.profile.session),
        esc(&r.target),
        esc(&r.started_at),
        r.duration_s,
        r.warmup_s,
        r.peak_users,
        if open { "the intended send time (coordinated omission corrected; the raw p99 from the actual send is shown beside it)" } else { "the send" },
        r.timer.clock_resolution_ns,
        r.timer.scheduler_granularity_us
    );
    if let Some(a) = &r.arrivals {
        let _ = write!(
            body,
            "<p>Arrivals: {} intended, {} dropped.</p>",
            a.intended, a.dropped
        );
    }
    body.push_str("<table><tr><th>operation</th><th>count</th><th>rps</th><th>errors</th><th>err%</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th>");
    if open {
        body.push_str("<th>p99 raw</th>");
    }
    body.push_str("</tr>");
    for s in r.operations.iter().filter(|s| s.count > 0 || !s.session) {
        body.push_str(&table_row(s, open));
    }
    body.push_str(&table_row(&r.summary, open).replace("<tr>", "<tr class=\"all\">"));
    body.push_str("</table>");
    if !r.thresholds.is_empty() {
        body.push_str("<ul class=\"th\">");
        for t in &r.thresholds {
            let _ = write!(
                body,
                "<li class=\"{}\">{} <code>{}</code>: observed {}</li>",
                if t.passed { "pass" } else { "fail" },
                if t.passed { "PASS" } else { "FAIL" },
                esc(&t.threshold),
                esc(&t.observed_text)
            );
        }
        body.push_str("</ul>");
    }
    let secs = |x: f64| format!("{x:.0}s");
    let (t0, t1) = (
        r.series.first().map_or(0, |s| s.t),
        r.series.last().map_or(1, |s| s.t),
    );
    let step = ((t1.saturating_sub(t0)) / 6).max(1) as usize;
    let time_ticks: Vec<f64> = (t0..=t1).step_by(step).map(|t| t as f64).collect();
    let ms = |y: f64| human_us(y);
    let pick = |f: fn(&super::stats::Latency) -> u64| -> Vec<(f64, f64)> {
        r.series
            .iter()
            .filter(|s| s.requests > 0)
            .map(|s| (s.t as f64, f(&s.latency_us) as f64))
            .collect()
    };
    body.push_str(&chart(
        "Latency percentiles over time",
        &[
            Line {
                label: "p50",
                color: "#2b7bb9",
                points: pick(|l| l.p50),
            },
            Line {
                label: "p90",
                color: "#3a9a3a",
                points: pick(|l| l.p90),
            },
            Line {
                label: "p99",
                color: "#d9822b",
                points: pick(|l| l.p99),
            },
            Line {
                label: "max",
                color: "#c23030",
                points: pick(|l| l.max),
            },
        ],
        Some(&time_ticks),
        secs,
        ms,
    ));
    // Per-second rates: the run's last, partial second is scaled by its length.
    let per_s = |n: u64, span: f64| n as f64 / span.max(0.001);
    let rps: Vec<(f64, f64)> = r
        .series
        .iter()
        .map(|s| (s.t as f64, per_s(s.requests, s.span_s)))
        .collect();
    let errs: Vec<(f64, f64)> = r
        .series
        .iter()
        .map(|s| (s.t as f64, per_s(s.errors, s.span_s)))
        .collect();
    let mut tput = vec![
        Line {
            label: "calls/s",
            color: "#2b7bb9",
            points: rps,
        },
        Line {
            label: "errors/s",
            color: "#c23030",
            points: errs,
        },
    ];
    if open {
        let dropped = r
            .series
            .iter()
            .map(|s| (s.t as f64, per_s(s.dropped, s.span_s)))
            .collect();
        tput.push(Line {
            label: "dropped/s",
            color: "#888",
            points: dropped,
        });
    }
    body.push_str(&chart(
        "Throughput over time",
        &tput,
        Some(&time_ticks),
        secs,
        |y| format!("{y:.0}"),
    ));
    body.push_str(&distribution(r));
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>mcpcheck load: {}</title><style>{}</style></head><body>{}</body></html>\n",
        esc(&r.profile.name),
        CSS,
        body
    )
}

/// The percentile spectrum of all calls: x is the number of nines (0 = p0, 1 = p90, 2 = p99, …).
fn distribution(r: &LoadReport) -> String {
    let mut all = new_histogram();
    let names: Vec<&str> = r
        .operations
        .iter()
        .filter(|o| !o.session)
        .map(|o| o.name.as_str())
        .collect();
    for h in r
        .histograms
        .iter()
        .filter(|h| h.outcome != "raw" && names.contains(&h.operation.as_str()))
    {
        if let Ok(x) = report_json::decode(&h.hdr) {
            let _ = all.add(&x);
        }
    }
    if all.is_empty() {
        return "<p>No call completed: no latency distribution.</p>".into();
    }
    let mut pts = Vec::new();
    let mut nines = 0.0;
    while nines <= 4.0 {
        let q = 1.0 - 10f64.powf(-nines);
        pts.push((nines, all.value_at_quantile(q.min(1.0)) as f64));
        nines += 0.05;
    }
    pts.push((4.3, all.max() as f64));
    chart(
        "Latency distribution (percentile spectrum, all calls)",
        &[Line {
            label: "latency",
            color: "#6a3d9a",
            points: pts,
        }],
        Some(&[0.0, 1.0, 2.0, 3.0, 4.0, 4.3]),
        |x| {
            if x > 4.1 {
                return "max".to_string();
            }
            let q = (1.0 - 10f64.powf(-x)) * 100.0;
            format!("p{}", trim(q))
        },
        human_us,
    )
}

fn trim(q: f64) -> String {
    let s = format!("{q:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

const CSS: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}tr.all{font-weight:600;background:#f4f4f4}code{background:#f4f4f4;padding:0 3px}figure{margin:16px 0}figcaption{font-weight:600}.ax{font-size:10px;fill:#555}.lg{font-size:11px}.pass{color:#2a7a2a}.fail{color:#b02020;font-weight:600}";
