//! `mcpcheck run`: turn the command line into a target and options, run the suite, write reports.

use super::{RunArgs, SuiteArgs, EXIT_USAGE};
use crate::check::RunReport;
use crate::protocol::ProtocolVersion;
use crate::report::{self, redact::Redactor, Format, RenderOptions};
use crate::scenario::{self, Scenario, ToolCallPolicy};
use crate::suite::{self, SuiteOptions};
use crate::transport::{ClientOptions, Target};
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// `mcpcheck run`.
pub async fn run(args: RunArgs) -> ExitCode {
    let target = match (&args.url, args.command.split_first()) {
        (Some(url), None) if url.starts_with("http://") || url.starts_with("https://") => {
            Target::Http { url: url.clone() }
        }
        (Some(other), None) => {
            return usage(&format!(
                "`{other}` is not an http(s):// URL; give a stdio server command after `--`"
            ))
        }
        (None, Some((program, rest))) => Target::Stdio {
            program: program.clone(),
            args: rest.to_vec(),
            env: Vec::new(),
        },
        (Some(_), Some(_)) => return usage("give either a URL or a command after `--`, not both"),
        (None, None) => {
            return usage("no target: give an http(s):// URL or a stdio command after `--`")
        }
    };
    match execute(target, &args.suite).await {
        Ok(report) => ExitCode::from(u8::try_from(report.exit_code()).unwrap_or(1)),
        Err(code) => code,
    }
}

/// Runs the suite against `target` and writes every report; `Err` carries the exit code 2.
pub async fn execute(target: Target, a: &SuiteArgs) -> Result<RunReport, ExitCode> {
    let options = suite_options(target, a).map_err(|m| usage(&m))?;
    let formats: Vec<(Format, PathBuf)> = a
        .reports
        .iter()
        .map(|r| report::parse_report_arg(r).map_err(|e| usage(&e.to_string())))
        .collect::<Result<_, _>>()?;
    let scenarios = load_scenarios(&a.scenario_dirs).map_err(|m| {
        eprintln!("{m}");
        ExitCode::from(EXIT_USAGE)
    })?;
    let selected =
        suite::select(&scenarios, &a.only, &a.skip).map_err(|e| usage(&e.to_string()))?;
    if selected.is_empty() {
        return Err(usage("--only/--skip left no scenario to run"));
    }
    let ctx = suite::preflight(&options).await.map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(EXIT_USAGE)
    })?;
    let secrets: Vec<String> = options
        .client
        .headers
        .iter()
        .map(|(_, v)| v.clone())
        .collect();
    let redactor = Redactor::new(secrets);
    let color =
        !a.no_color && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // Live progress goes to stderr, and only for a person watching; stdout gets the report.
    let live = std::io::stderr().is_terminal();
    if live {
        eprintln!(
            "mcpcheck: {} ({}), protocol {}",
            ctx.target.display(),
            ctx.target.transport_name(),
            ctx.version
        );
    }
    let report = suite::run_suite(&selected, &ctx, |c| {
        if live {
            let line = report::console::check_line(c, color);
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    })
    .await;
    let report = redactor.redact_report(&report);
    let render_opts = RenderOptions {
        color,
        verbose: a.verbose,
    };
    print!("{}", report::render(Format::Console, &report, &render_opts));
    if let Err(e) = report::write_reports(&report, &formats) {
        eprintln!("error: cannot write a report: {e}");
        return Err(ExitCode::from(EXIT_USAGE));
    }
    Ok(report)
}

/// Loads the built-in pack plus the user's folders; the message lists every error.
pub fn load_scenarios(dirs: &[PathBuf]) -> Result<Vec<Scenario>, String> {
    let render = |errs: Vec<scenario::LoadError>| {
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    let mut all = scenario::load_builtin().map_err(render)?;
    for d in dirs {
        let extra = scenario::load_dir(d).map_err(render)?;
        for s in extra {
            if let Some(prev) = all.iter().position(|x| x.file.id == s.file.id) {
                all[prev] = s; // a user's scenario of the same id replaces the built-in one
            } else {
                all.push(s);
            }
        }
    }
    all.sort_by(|a, b| a.file.id.cmp(&b.file.id));
    Ok(all)
}

fn suite_options(target: Target, a: &SuiteArgs) -> Result<SuiteOptions, String> {
    let spec_version = match &a.spec_version {
        None => None,
        Some(v) if v == "auto" => None,
        Some(v) => {
            let parsed: ProtocolVersion = v.parse().map_err(|e| format!("--spec-version: {e}"))?;
            if !ProtocolVersion::STATEFUL_HTTP.contains(&parsed) {
                return Err(format!(
                    "--spec-version {v}: this release checks 2025-03-26, 2025-06-18 and 2025-11-25"
                ));
            }
            Some(parsed)
        }
    };
    let mut headers = Vec::new();
    for h in &a.headers {
        let (k, v) = h
            .split_once(':')
            .ok_or_else(|| format!("--header {h:?}: expected NAME:VALUE"))?;
        let k = k.trim();
        if k.is_empty()
            || !k
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            return Err(format!("--header {h:?}: `{k}` is not a valid header name"));
        }
        headers.push((k.to_string(), v.trim().to_string()));
    }
    let timeout = parse_duration(&a.timeout)
        .ok_or_else(|| format!("--timeout {:?}: expected e.g. 10s, 500ms or 10", a.timeout))?;
    let mut vars = scenario::template::Vars::new();
    for v in &a.vars {
        let (k, val) = v
            .split_once('=')
            .ok_or_else(|| format!("--var {v:?}: expected NAME=VALUE"))?;
        vars.insert(k.trim().to_string(), Value::String(val.to_string()));
    }
    let call_tools = match a.call_tools.as_str() {
        "non-destructive" => ToolCallPolicy::NonDestructive,
        "read-only" => ToolCallPolicy::ReadOnly,
        "all" => ToolCallPolicy::All,
        "none" => ToolCallPolicy::None,
        other => {
            return Err(format!(
                "--call-tools {other:?}: expected non-destructive, read-only, all or none"
            ))
        }
    };
    Ok(SuiteOptions {
        target,
        client: ClientOptions {
            timeout,
            headers,
            ..ClientOptions::default()
        },
        spec_version,
        vars,
        call_tools,
    })
}

/// `10s`, `500ms`, `1m` or a bare number of seconds.
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return (secs > 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    humantime::parse_duration(s).ok().filter(|d| !d.is_zero())
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_USAGE)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("0"), None);
        assert_eq!(parse_duration("soon"), None);
    }
}
