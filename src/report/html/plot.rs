//! Load plots for the HTML report: the data a load run hands over ([`LoadPlots`]) and its
//! drawing as inline SVG line charts (no script, no external asset).
//!
//! The load engine fills a [`LoadPlots`] (e.g. latency percentiles and throughput over time);
//! [`super::render_with_load`] puts it in the report's load section. It is also plain JSON
//! (`serde`), so a load report written earlier can be read back and shown.

use super::esc;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt::Write as _;

/// Chart size in SVG user units.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
/// Room for the axis labels: left, right, top, bottom.
const MARGIN: (f64, f64, f64, f64) = (56.0, 12.0, 12.0, 36.0);
/// Series colours, in order (colour-blind friendly).
const PALETTE: &[&str] = &[
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
];

/// What a load run shows in the HTML report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadPlots {
    /// Section heading, e.g. `Load: 20 users for 60s`.
    pub title: String,
    /// Headline figures as label/value pairs (requests, errors, p50, p99, …).
    #[serde(default)]
    pub summary: Vec<(String, String)>,
    /// The charts, in order.
    #[serde(default)]
    pub charts: Vec<Chart>,
}

/// One line chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// Chart title.
    pub title: String,
    /// X axis label (e.g. `seconds`).
    pub x_label: String,
    /// Y axis label (e.g. `ms`).
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
}

/// One line of a chart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Legend name (e.g. `p99`).
    pub name: String,
    /// `(x, y)` points in x order; non-finite points are left out.
    pub points: Vec<(f64, f64)>,
}

/// The load section's inner HTML: summary figures and one SVG per chart.
pub fn section(plots: &LoadPlots) -> String {
    let mut out = String::new();
    if !plots.summary.is_empty() {
        out.push_str("<dl class=\"facts\">");
        for (k, v) in &plots.summary {
            let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
        }
        out.push_str("</dl>\n");
    }
    for chart in &plots.charts {
        out.push_str(&svg(chart));
        out.push('\n');
    }
    out
}

/// One chart as an `<svg>` element with axes, five ticks per axis and a legend.
pub fn svg(chart: &Chart) -> String {
    let points: Vec<Vec<(f64, f64)>> = chart
        .series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect()
        })
        .collect();
    let all = points.iter().flatten();
    let (mut x0, mut x1, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    let mut y0 = 0.0_f64;
    for &(x, y) in all {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "<figure class=\"chart\"><figcaption>{}</figcaption><svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
        esc(&chart.title),
        esc(&chart.title)
    );
    if !x0.is_finite() {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">no data</text></svg></figure>",
            WIDTH / 2.0,
            HEIGHT / 2.0
        );
        return out;
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        y1 = y0 + 1.0;
    }
    let (ml, mr, mt, mb) = MARGIN;
    let (pw, ph) = (WIDTH - ml - mr, HEIGHT - mt - mb);
    let sx = |x: f64| ml + (x - x0) / (x1 - x0) * pw;
    let sy = |y: f64| mt + ph - (y - y0) / (y1 - y0) * ph;
    let _ = write!(
        out,
        "<g class=\"axes\"><line x1=\"{ml}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><line x1=\"{ml}\" y1=\"{mt}\" x2=\"{ml}\" y2=\"{}\"/>",
        mt + ph,
        ml + pw,
        mt + ph,
        mt + ph
    );
    for i in 0..=4 {
        let f = f64::from(i) / 4.0;
        let (xv, yv) = (x0 + f * (x1 - x0), y0 + f * (y1 - y0));
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            sx(xv),
            mt + ph + 14.0,
            tick(xv),
            ml - 4.0,
            sy(yv) + 4.0,
            tick(yv)
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text x=\"12\" y=\"{:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {:.1})\">{}</text></g>",
        ml + pw / 2.0,
        HEIGHT - 4.0,
        esc(&chart.x_label),
        mt + ph / 2.0,
        mt + ph / 2.0,
        esc(&chart.y_label)
    );
    for (i, (series, pts)) in chart.series.iter().zip(&points).enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let d: Vec<String> = pts
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let _ = write!(
            out,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"><title>{}</title></polyline>",
            d.join(" "),
            esc(&series.name)
        );
        let ly = mt + 12.0 + 14.0 * i as f64;
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"3\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            ml + pw - 90.0,
            ly - 4.0,
            ml + pw - 76.0,
            ly,
            esc(&series.name)
        );
    }
    out.push_str("</svg></figure>");
    out
}

/// The plots of a load report written by `mcpcheck load` (JSON format `mcpcheck-load/…`):
/// headline figures, latency percentiles, throughput and users over time (warm-up left out).
/// Read as plain JSON so the HTML report does not depend on the load engine's types.
pub fn from_load_report(v: &Value) -> Result<LoadPlots, String> {
    let format = v.get("format").and_then(Value::as_str).unwrap_or_default();
    if !format.starts_with("mcpcheck-load/") {
        return Err(format!(
            "not an mcpcheck load report (format {format:?}, expected mcpcheck-load/…)"
        ));
    }
    let text = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let num = |p: &str| v.pointer(p).and_then(Value::as_f64);
    let ms = |p: &str| num(p).map(|us| format!("{:.1} ms", us / 1000.0));
    let mut summary = Vec::new();
    for (label, value) in [
        ("Target", Some(text("/target").to_string())),
        ("Started", Some(text("/started_at").to_string())),
        ("Duration", num("/duration_s").map(|d| format!("{d:.0} s"))),
        ("Calls", num("/summary/count").map(|c| format!("{c:.0}"))),
        ("Errors", num("/summary/errors").map(|c| format!("{c:.0}"))),
        ("Calls/s", num("/summary/rps").map(|r| format!("{r:.1}"))),
        ("p50", ms("/summary/latency_us/p50")),
        ("p99", ms("/summary/latency_us/p99")),
        (
            "Thresholds",
            v.get("passed")
                .and_then(Value::as_bool)
                .map(|p| if p { "passed" } else { "FAILED" }.to_string()),
        ),
    ] {
        if let Some(value) = value.filter(|s| !s.is_empty()) {
            summary.push((label.to_string(), value));
        }
    }
    let series: Vec<&Value> = v
        .get("series")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|p| p.get("warmup") != Some(&Value::Bool(true)))
                .collect()
        })
        .unwrap_or_default();
    let line = |name: &str, f: &dyn Fn(&Value) -> Option<f64>| Series {
        name: name.to_string(),
        points: series
            .iter()
            .filter_map(|p| Some((p.get("t")?.as_f64()?, f(p)?)))
            .collect(),
    };
    let latency = |q: &'static str| {
        move |p: &Value| {
            p.pointer(&format!("/latency_us/{q}"))
                .and_then(Value::as_f64)
                .map(|us| us / 1000.0)
        }
    };
    let field = |k: &'static str| move |p: &Value| p.get(k).and_then(Value::as_f64);
    let charts = vec![
        Chart {
            title: "Latency per second".into(),
            x_label: "seconds".into(),
            y_label: "ms".into(),
            series: vec![
                line("p50", &latency("p50")),
                line("p90", &latency("p90")),
                line("p99", &latency("p99")),
            ],
        },
        Chart {
            title: "Throughput".into(),
            x_label: "seconds".into(),
            y_label: "calls/s".into(),
            series: vec![
                line("calls", &field("requests")),
                line("errors", &field("errors")),
            ],
        },
        Chart {
            title: "Users".into(),
            x_label: "seconds".into(),
            y_label: "users".into(),
            series: vec![line("users", &field("users"))],
        },
    ];
    let profile = text("/profile/name");
    Ok(LoadPlots {
        title: if profile.is_empty() {
            "Load".into()
        } else {
            format!("Load: {profile}")
        },
        summary,
        charts,
    })
}

/// A tick label: integers plainly, other values with up to two decimals.
fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round())
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(points: Vec<(f64, f64)>) -> Chart {
        Chart {
            title: "latency <ms>".into(),
            x_label: "s".into(),
            y_label: "ms".into(),
            series: vec![Series {
                name: "p99".into(),
                points,
            }],
        }
    }

    #[test]
    fn draws_one_polyline_per_series_with_escaped_labels() {
        let s = svg(&chart(vec![(0.0, 1.0), (1.0, 3.0), (2.0, f64::NAN)]));
        assert_eq!(s.matches("<polyline").count(), 1);
        assert!(
            s.contains("latency &lt;ms&gt;") && !s.contains("<ms>"),
            "{s}"
        );
        // two finite points, the NaN one left out
        let pts = s
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(pts.split(' ').count(), 2, "{pts}");
    }

    #[test]
    fn empty_and_flat_charts_do_not_divide_by_zero() {
        assert!(svg(&chart(vec![])).contains("no data"));
        let flat = svg(&chart(vec![(5.0, 2.0)]));
        assert!(!flat.contains("NaN") && !flat.contains("inf"), "{flat}");
    }

    #[test]
    fn load_reports_become_plots() {
        let v = serde_json::json!({
            "format": "mcpcheck-load/1", "target": "http://127.0.0.1:1/mcp",
            "profile": {"name": "smoke"}, "duration_s": 10.0, "passed": false,
            "summary": {"count": 100, "errors": 2, "rps": 10.0, "latency_us": {"p50": 1500, "p99": 9000}},
            "series": [
                {"t": 1, "warmup": true, "users": 1, "requests": 1, "errors": 0, "latency_us": {"p50": 1, "p90": 1, "p99": 1}},
                {"t": 2, "warmup": false, "users": 5, "requests": 50, "errors": 1, "latency_us": {"p50": 1000, "p90": 2000, "p99": 3000}},
                {"t": 3, "warmup": false, "users": 5, "requests": 50, "errors": 1, "latency_us": {"p50": 1000, "p90": 2000, "p99": 4000}}
            ]
        });
        let p = from_load_report(&v).unwrap();
        assert_eq!(p.title, "Load: smoke");
        assert!(p
            .summary
            .contains(&("p99".to_string(), "9.0 ms".to_string())));
        assert!(p
            .summary
            .contains(&("Thresholds".to_string(), "FAILED".to_string())));
        assert_eq!(p.charts[0].series[2].points, vec![(2.0, 3.0), (3.0, 4.0)]);
        assert_eq!(p.charts[2].series[0].points.len(), 2, "warm-up left out");
        let err = from_load_report(&serde_json::json!({"format": "x"})).unwrap_err();
        assert!(err.contains("not an mcpcheck load report"), "{err}");
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(2.0), "2");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(1.0 / 3.0), "0.33");
    }
}
