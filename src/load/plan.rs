//! Test plans: how many virtual users (closed model) or how many arrivals per second (open
//! model) a run asks for at each moment.
//!
//! A plan is the goose test-plan string `"10,60s;10,5m;0,30s"`: each `TARGET,DURATION` step
//! moves linearly from the previous target (0 at the start) to `TARGET` over `DURATION`, so the
//! example ramps to 10 users in a minute, holds them five minutes and stops them in 30 seconds.
//! The open model reads the same grammar as arrival rates per second; [`Arrivals`] turns such a
//! rate plan into the exact intended send times, which is what coordinated-omission-corrected
//! latency is measured from.

use std::fmt;
use std::time::Duration;

/// One step of a plan: reach `target` by the end of `duration`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// Users (closed) or arrivals per second (open) at the end of the step.
    pub target: f64,
    /// How long the step lasts.
    pub duration: Duration,
}

/// A parsed test plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Where the plan starts (0 unless built with [`Plan::constant`]).
    pub start: f64,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// A plan string that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("test plan {plan:?}: {message}")]
pub struct PlanError {
    /// The string given.
    pub plan: String,
    /// What was wrong or expected.
    pub message: String,
}

impl Plan {
    /// A plan that holds `value` for `duration` from the first instant.
    pub fn constant(value: f64, duration: Duration) -> Self {
        Plan {
            start: value,
            steps: vec![Step {
                target: value,
                duration,
            }],
        }
    }

    /// Parses `"10,60s;0,30s"` (durations: `500ms`, `30s`, `5m`, `1h`, or bare seconds).
    pub fn parse(text: &str) -> Result<Self, PlanError> {
        let err = |message: String| PlanError {
            plan: text.to_string(),
            message,
        };
        let mut steps = Vec::new();
        for (i, part) in text.split(';').enumerate() {
            let part = part.trim();
            if part.is_empty() && i > 0 && !text.trim().is_empty() {
                continue; // a trailing `;`
            }
            let (target, duration) = part.split_once(',').ok_or_else(|| {
                err(format!(
                    "step {} `{part}`: expected TARGET,DURATION (e.g. 10,30s)",
                    i + 1
                ))
            })?;
            let target: f64 = target.trim().parse().map_err(|_| {
                err(format!(
                    "step {}: `{}` is not a number",
                    i + 1,
                    target.trim()
                ))
            })?;
            if !(target.is_finite() && target >= 0.0) {
                return Err(err(format!("step {}: the target must be 0 or more", i + 1)));
            }
            let duration = parse_duration(duration.trim()).ok_or_else(|| {
                err(format!(
                    "step {}: `{}` is not a duration (e.g. 500ms, 30s, 5m)",
                    i + 1,
                    duration.trim()
                ))
            })?;
            steps.push(Step { target, duration });
        }
        if steps.is_empty() {
            return Err(err("expected at least one TARGET,DURATION step".into()));
        }
        if steps.iter().all(|s| s.duration.is_zero()) {
            return Err(err("the plan lasts no time at all".into()));
        }
        Ok(Plan { start: 0.0, steps })
    }

    /// The plan's whole length.
    pub fn duration(&self) -> Duration {
        self.steps.iter().map(|s| s.duration).sum()
    }

    /// The largest value the plan reaches.
    pub fn peak(&self) -> f64 {
        self.steps
            .iter()
            .map(|s| s.target)
            .fold(self.start, f64::max)
    }

    /// The planned value `at` from the start (the last target after the end).
    pub fn value_at(&self, at: Duration) -> f64 {
        let mut from = self.start;
        let mut t = at.as_secs_f64();
        for s in &self.steps {
            let d = s.duration.as_secs_f64();
            if t < d {
                return from + (s.target - from) * (t / d);
            }
            t -= d;
            from = s.target;
        }
        from
    }

    /// The number of users to run `at` (rounded to the nearest whole user).
    pub fn users_at(&self, at: Duration) -> usize {
        // Rounded, not truncated, so "10,10s" has one user after 0.5 s, not after 1 s.
        self.value_at(at).round().max(0.0) as usize
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .steps
            .iter()
            .map(|s| format!("{},{}", s.target, humantime::format_duration(s.duration)))
            .collect();
        f.write_str(&parts.join(";"))
    }
}

/// `500ms`, `30s`, `5m`, `1h30m` or a bare number of seconds (0 allowed).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    humantime::parse_duration(s).ok()
}

/// The intended send times of an open-model run: arrival `k` (from 0) is due when the integral
/// of the rate plan reaches `k`. Rates move linearly inside a step, so the integral is
/// quadratic there and each arrival time is solved exactly instead of stepping a timer (a
/// stepped timer would bunch arrivals at its granularity).
#[derive(Clone, Debug)]
pub struct Arrivals {
    plan: Plan,
    /// Arrivals handed out so far.
    next: u64,
    /// Index of the step holding the next arrival, its start time and the count before it.
    step: usize,
    step_start: f64,
    count_before: f64,
    from: f64,
}

impl Arrivals {
    /// Arrival times for a plan whose values are arrivals per second.
    pub fn new(plan: Plan) -> Self {
        let from = plan.start;
        Arrivals {
            plan,
            next: 0,
            step: 0,
            step_start: 0.0,
            count_before: 0.0,
            from,
        }
    }

    /// How many arrivals the whole plan holds (its integral, rounded down).
    pub fn total(&self) -> u64 {
        let mut from = self.plan.start;
        let mut sum = 0.0;
        for s in &self.plan.steps {
            sum += (from + s.target) / 2.0 * s.duration.as_secs_f64();
            from = s.target;
        }
        // A tiny epsilon keeps 100/s × 1 s at 100 despite float rounding.
        (sum + 1e-9).floor() as u64
    }
}

impl Iterator for Arrivals {
    type Item = Duration;

    /// The intended send time of the next arrival, from the start of the run.
    fn next(&mut self) -> Option<Duration> {
        let k = self.next as f64;
        while self.step < self.plan.steps.len() {
            let s = self.plan.steps[self.step];
            let d = s.duration.as_secs_f64();
            let (r0, r1) = (self.from, s.target);
            let in_step = (r0 + r1) / 2.0 * d;
            let need = k - self.count_before;
            if need < in_step - 1e-9 {
                // Solve r0·t + (r1−r0)·t²/(2d) = need for t in [0, d).
                let a = (r1 - r0) / (2.0 * d);
                let t = if a.abs() < 1e-12 {
                    need / r0
                } else {
                    let disc = (r0 * r0 + 4.0 * a * need).max(0.0);
                    (-r0 + disc.sqrt()) / (2.0 * a)
                };
                self.next += 1;
                let at = self.step_start + t.clamp(0.0, d);
                return Some(Duration::from_secs_f64(at.max(0.0)));
            }
            self.count_before += in_step;
            self.step_start += d;
            self.from = r1;
            self.step += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_goose_grammar() {
        let p = Plan::parse("10,60s;10,5m;0,30s").unwrap();
        assert_eq!(p.steps.len(), 3);
        assert_eq!(p.steps[1].duration, Duration::from_secs(300));
        assert_eq!(p.duration(), Duration::from_secs(390));
        assert_eq!(p.peak(), 10.0);
        assert_eq!(
            Plan::parse("5,2").unwrap().duration(),
            Duration::from_secs(2)
        );
        assert_eq!(Plan::parse("5,500ms;").unwrap().steps.len(), 1);
    }

    #[test]
    fn rejects_malformed_plans_with_the_step() {
        for (bad, needle) in [
            ("", "TARGET,DURATION"),
            ("10", "step 1"),
            ("10,5s;x,5s", "step 2"),
            ("10,soon", "not a duration"),
            ("-1,5s", "0 or more"),
            ("10,0s", "no time"),
        ] {
            let e = Plan::parse(bad).unwrap_err();
            assert!(e.to_string().contains(needle), "{bad}: {e}");
        }
    }

    #[test]
    fn ramps_linearly_between_targets() {
        let p = Plan::parse("10,10s;10,10s;0,10s").unwrap();
        assert_eq!(p.users_at(Duration::ZERO), 0);
        assert_eq!(p.users_at(Duration::from_secs(5)), 5);
        assert_eq!(p.users_at(Duration::from_secs(15)), 10);
        assert_eq!(p.users_at(Duration::from_secs(25)), 5);
        assert_eq!(p.users_at(Duration::from_secs(99)), 0);
    }

    #[test]
    fn constant_arrivals_are_evenly_spaced() {
        let times: Vec<_> = Arrivals::new(Plan::constant(100.0, Duration::from_secs(1))).collect();
        assert_eq!(times.len(), 100);
        assert_eq!(times[0], Duration::ZERO);
        let gap = times[51] - times[50];
        assert!((gap.as_secs_f64() - 0.01).abs() < 1e-6, "{gap:?}");
        assert_eq!(
            Arrivals::new(Plan::constant(100.0, Duration::from_secs(1))).total(),
            100
        );
    }

    #[test]
    fn ramping_arrivals_follow_the_integral() {
        // 0 → 100/s over 2 s: 100 arrivals, half of them in the last 0.586 s (t = √2).
        let plan = Plan::parse("100,2s").unwrap();
        let a = Arrivals::new(plan.clone());
        assert_eq!(a.total(), 100);
        let times: Vec<_> = Arrivals::new(plan).collect();
        assert_eq!(times.len(), 100);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        let mid = times[50].as_secs_f64();
        assert!((mid - 2f64.sqrt()).abs() < 0.01, "{mid}");
        let ramp_hold = Plan::parse("10,1s;10,1s").unwrap();
        assert_eq!(Arrivals::new(ramp_hold).count(), 15);
    }
}
