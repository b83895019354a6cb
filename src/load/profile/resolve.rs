//! Validating a parsed profile file into a [`Profile`]: every value checked, every error
//! pointing at its line (or at the command-line flag that overrode it).

use super::{
    AuthSpec, Model, OperationFile, Overrides, Profile, ProfileFile, SessionMode, Spanned,
};
use crate::load::operation::Operation;
use crate::load::plan::{parse_duration, Plan, Step};
use crate::load::threshold::Threshold;
use crate::protocol::ProtocolVersion;
use crate::scenario::loader::{line_col, LoadError};
use std::path::Path;
use std::time::Duration;

pub(super) fn error_at(origin: &str, text: &str, offset: usize, message: String) -> LoadError {
    let (line, column) = line_col(text, offset);
    LoadError {
        file: origin.to_string(),
        line,
        column,
        message,
        snippet: text.lines().nth(line.saturating_sub(1)).map(str::to_string),
    }
}

fn flag_error(flag: &str, message: String) -> LoadError {
    LoadError {
        file: flag.to_string(),
        line: 0,
        column: 0,
        message,
        snippet: None,
    }
}

pub(super) struct Resolver<'a> {
    pub(super) origin: &'a str,
    pub(super) text: &'a str,
}

impl Resolver<'_> {
    fn at(&self, offset: usize, message: String) -> LoadError {
        error_at(self.origin, self.text, offset, message)
    }

    /// Offset of a top-level key (for errors about values that are not spanned).
    fn key(&self, key: &str) -> usize {
        self.text
            .lines()
            .scan(0usize, |pos, line| {
                let start = *pos;
                *pos += line.len() + 1;
                Some((start, line))
            })
            .find(|(_, l)| {
                l.trim_start()
                    .strip_prefix(key)
                    .is_some_and(|r| r.trim_start().starts_with('='))
            })
            .map_or(0, |(s, _)| s)
    }

    /// A duration field: the override when given, else the file's value.
    fn duration(
        &self,
        field: &Option<Spanned<String>>,
        flag: Option<(&str, &Option<String>)>,
        default: Duration,
    ) -> Result<Duration, LoadError> {
        if let Some((flag, Some(v))) = flag {
            return parse_duration(v).ok_or_else(|| {
                flag_error(
                    flag,
                    format!("`{v}` is not a duration (e.g. 500ms, 30s, 5m)"),
                )
            });
        }
        match field {
            None => Ok(default),
            Some(s) => parse_duration(s.get_ref()).ok_or_else(|| {
                self.at(
                    s.span().start,
                    format!("`{}` is not a duration (e.g. 500ms, 30s, 5m)", s.get_ref()),
                )
            }),
        }
    }

    fn plan(
        &self,
        field: &Option<Spanned<String>>,
        flag: (&str, &Option<String>),
    ) -> Result<Option<Plan>, LoadError> {
        if let (name, Some(v)) = flag {
            return Plan::parse(v)
                .map(Some)
                .map_err(|e| flag_error(name, e.to_string()));
        }
        field
            .as_ref()
            .map(|s| Plan::parse(s.get_ref()).map_err(|e| self.at(s.span().start, e.to_string())))
            .transpose()
    }

    pub(super) fn resolve(&self, f: ProfileFile, o: &Overrides) -> Result<Profile, LoadError> {
        let name = f.name.clone().unwrap_or_else(|| {
            Path::new(self.origin)
                .file_stem()
                .map_or_else(|| "profile".into(), |s| s.to_string_lossy().into_owned())
        });
        let warmup = self.duration(&f.warmup, Some(("--warmup", &o.warmup)), Duration::ZERO)?;
        let duration = self.duration(
            &f.duration,
            Some(("--duration", &o.duration)),
            Duration::from_secs(10),
        )?;
        let open = match f.model.as_ref().map(|m| m.get_ref().as_str()) {
            None | Some("closed") => o.rate.is_some() || o.rate_plan.is_some(),
            Some("open") => true,
            Some(other) => {
                return Err(self.at(
                    f.model.as_ref().map_or(0, |m| m.span().start),
                    format!("unknown model `{other}`: expected closed or open"),
                ))
            }
        };
        let model = if open {
            let plan = match self.plan(&f.rate_plan, ("--rate-plan", &o.rate_plan))? {
                Some(p) if o.rate.is_none() => p,
                _ => {
                    let rate = o.rate.or(f.rate).ok_or_else(|| {
                        self.at(
                            f.model.as_ref().map_or(0, |m| m.span().start),
                            "an open-model profile needs `rate` or `rate_plan`".into(),
                        )
                    })?;
                    if !(rate.is_finite() && rate > 0.0) {
                        return Err(self.at(self.key("rate"), "`rate` must be more than 0".into()));
                    }
                    Plan::constant(rate, warmup + duration)
                }
            };
            let max_users = o.max_users.or(f.max_users).unwrap_or(64);
            if max_users == 0 {
                return Err(self.at(
                    self.key("max_users"),
                    "`max_users` must be at least 1".into(),
                ));
            }
            Model::Open {
                plan,
                max_users: max_users as usize,
            }
        } else {
            let plan = match self.plan(&f.plan, ("--plan", &o.plan))? {
                Some(p) => p,
                None => {
                    let users = o.users.or(f.users).unwrap_or(1);
                    if users == 0 {
                        return Err(self.at(self.key("users"), "`users` must be at least 1".into()));
                    }
                    let ramp = self.duration(&f.ramp, None, Duration::ZERO)?;
                    let total = warmup + duration;
                    if ramp.is_zero() {
                        Plan::constant(f64::from(users), total)
                    } else {
                        let ramp = ramp.min(total);
                        let mut p = Plan::parse(&format!("{users},{}ms", ramp.as_millis().max(1)))
                            .map_err(|e| self.at(self.key("ramp"), e.to_string()))?;
                        p.steps.push(Step {
                            target: f64::from(users),
                            duration: total.saturating_sub(ramp),
                        });
                        p
                    }
                }
            };
            if plan.peak() < 1.0 {
                return Err(self.at(self.key("plan"), "the plan never runs a user".into()));
            }
            Model::Closed { plan }
        };
        if warmup >= model.plan().duration() {
            return Err(self.at(
                self.key("warmup"),
                "the warm-up is as long as the whole run".into(),
            ));
        }
        let think = match &f.think_time {
            None => (Duration::ZERO, Duration::ZERO),
            Some(s) => {
                let text = s.get_ref();
                let (lo, hi) = text.split_once("..").unwrap_or((text, text));
                match (parse_duration(lo), parse_duration(hi)) {
                    (Some(a), Some(b)) if a <= b => (a, b),
                    _ => {
                        return Err(self.at(
                            s.span().start,
                            format!("`{text}`: expected a duration or a range like 10ms..50ms"),
                        ))
                    }
                }
            }
        };
        let session = match f.session.as_ref().map(|s| s.get_ref().as_str()) {
            None | Some("per_user") => SessionMode::PerUser,
            Some("per_iteration") => SessionMode::PerIteration,
            Some(other) => {
                return Err(self.at(
                    f.session.as_ref().map_or(0, |s| s.span().start),
                    format!("unknown session mode `{other}`: expected per_user or per_iteration"),
                ))
            }
        };
        let protocol_version = match &f.protocol_version {
            None => ProtocolVersion::NEWEST_STATEFUL,
            Some(s) => ProtocolVersion::parse(s.get_ref())
                .filter(|v| ProtocolVersion::STATEFUL_HTTP.contains(v))
                .ok_or_else(|| {
                    self.at(
                        s.span().start,
                        format!(
                            "protocol version `{}`: expected 2025-03-26, 2025-06-18 or 2025-11-25",
                            s.get_ref()
                        ),
                    )
                })?,
        };
        let timeout = self.duration(
            &f.timeout,
            Some(("--timeout", &o.timeout)),
            Duration::from_secs(10),
        )?;
        if timeout.is_zero() {
            return Err(flag_error(
                "timeout",
                "the timeout must be more than 0".into(),
            ));
        }
        let mut thresholds = Vec::new();
        for t in &f.thresholds {
            thresholds.push(
                Threshold::parse(t.get_ref())
                    .map_err(|e| self.at(t.span().start, e.to_string()))?,
            );
        }
        for t in &o.thresholds {
            thresholds
                .push(Threshold::parse(t).map_err(|e| flag_error("--threshold", e.to_string()))?);
        }
        let auth = match &f.auth {
            None => None,
            Some(a) => Some(AuthSpec {
                required: a.required,
                refresh_every: match &a.refresh_every {
                    None => None,
                    Some(r) => {
                        Some(parse_duration(r).filter(|d| !d.is_zero()).ok_or_else(|| {
                            self.at(
                                self.key("refresh_every"),
                                format!("`{r}` is not a duration"),
                            )
                        })?)
                    }
                },
            }),
        };
        let operations = self.operations(&f.operations)?;
        if let Some(0) = o.iterations.or(f.iterations) {
            return Err(self.at(
                self.key("iterations"),
                "`iterations` must be at least 1".into(),
            ));
        }
        Ok(Profile {
            name,
            description: f.description.trim().to_string(),
            origin: self.origin.to_string(),
            model,
            warmup,
            iterations: o.iterations.or(f.iterations),
            think,
            session,
            calls_per_iteration: f.calls_per_iteration.unwrap_or(1).max(1),
            protocol_version,
            timeout,
            thresholds,
            auth,
            operations,
        })
    }

    fn operations(&self, ops: &[Spanned<OperationFile>]) -> Result<Vec<Operation>, LoadError> {
        if ops.is_empty() {
            return Err(self.at(0, "expected at least one `[[operation]]`".into()));
        }
        let mut out: Vec<Operation> = Vec::new();
        for op in ops {
            let start = op.span().start;
            let parsed = Operation::from_file(op.get_ref()).map_err(|m| self.at(start, m))?;
            if let Some(prev) = out.iter().find(|o| o.name == parsed.name) {
                return Err(self.at(
                    start,
                    format!(
                        "two operations are named `{}`: give one a distinct `name`",
                        prev.name
                    ),
                ));
            }
            out.push(parsed);
        }
        Ok(out)
    }
}
