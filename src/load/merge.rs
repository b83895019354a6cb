//! `mcpcheck load merge`: one report from several runs of the same profile (typically the same
//! load generated from several machines at once). Histograms are added, so every percentile
//! of the merged report is exactly what one run recording all the calls would show; counts
//! and errors add up; the series is aligned by second; thresholds are evaluated again on the
//! merged figures (every threshold any of the reports had). Rates are over the longest run's window (the runs are taken as concurrent).

use super::metrics::{Interval, OpMetrics, OpName};
use super::report_json::{self, Arrivals, LoadReport, ReportError, SeriesEntry};
use super::stats::Latency;
use super::threshold::Threshold;
use std::collections::BTreeMap;

/// Why reports cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// Nothing to merge.
    #[error("no report to merge")]
    Empty,
    /// A report could not be decoded.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// Reports of different models.
    #[error("cannot merge a {0}-model report with a {1}-model one")]
    Model(String, String),
}

/// Merges `reports` into one.
pub fn merge(reports: &[LoadReport]) -> Result<LoadReport, MergeError> {
    let first = reports.first().ok_or(MergeError::Empty)?;
    let mut names: Vec<OpName> = Vec::new();
    let mut ops: Vec<OpMetrics> = Vec::new();
    let mut series: BTreeMap<u64, (SeriesEntry, Interval)> = BTreeMap::new();
    let mut arrivals: Option<Arrivals> = None;
    let mut seconds: f64 = 0.0;
    let mut peak = 0;
    let mut merged_from = 0;
    let mut targets: Vec<String> = Vec::new();
    let mut started = first.started_at.clone();
    for r in reports {
        if r.profile.model != first.profile.model {
            return Err(MergeError::Model(
                first.profile.model.clone(),
                r.profile.model.clone(),
            ));
        }
        let (m, n) = r.metrics()?;
        for (metrics, name) in m.into_iter().zip(n) {
            match names.iter().position(|x| x.0 == name.0) {
                Some(i) => ops[i].add(&metrics),
                None => {
                    names.push(name);
                    ops.push(metrics);
                }
            }
        }
        for (entry, interval) in r.intervals()? {
            match series.get_mut(&entry.t) {
                Some((e, i)) => {
                    i.add(&interval);
                    e.users += entry.users;
                    e.dropped += entry.dropped;
                    e.warmup |= entry.warmup;
                    e.span_s = e.span_s.max(entry.span_s);
                }
                None => {
                    series.insert(entry.t, (entry, interval));
                }
            }
        }
        if let Some(a) = &r.arrivals {
            let acc = arrivals.get_or_insert(Arrivals {
                intended: 0,
                dropped: 0,
            });
            acc.intended += a.intended;
            acc.dropped += a.dropped;
        }
        seconds = seconds.max(r.duration_s);
        peak += r.peak_users;
        merged_from += r.merged_from.max(1);
        if !targets.contains(&r.target) {
            targets.push(r.target.clone());
        }
        if r.started_at < started {
            started = r.started_at.clone();
        }
    }
    let series: Vec<SeriesEntry> = series
        .into_values()
        .map(|(mut e, i)| {
            e.requests = i.requests;
            e.errors = i.errors;
            e.latency_us = Latency::of(&i.latency);
            e.hdr = report_json::encode(&i.latency);
            e
        })
        .collect();
    // Every report's thresholds, each once (runs may have added their own with --threshold).
    let mut texts: Vec<&str> = Vec::new();
    for t in reports.iter().flat_map(|r| &r.thresholds) {
        if !texts.contains(&t.threshold.as_str()) {
            texts.push(&t.threshold);
        }
    }
    let thresholds: Vec<Threshold> = texts
        .into_iter()
        .filter_map(|t| Threshold::parse(t).ok())
        .collect();
    let results = report_json::evaluate(&thresholds, &ops, &names, seconds, arrivals.as_ref());
    Ok(report_json::assemble(
        first.profile.clone(),
        &targets.join(", "),
        started,
        seconds,
        first.warmup_s,
        peak,
        arrivals,
        &ops,
        &names,
        series,
        results,
        merged_from,
    ))
}
