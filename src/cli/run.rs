//! `mcpcheck run`: turn the command line into a target and options, run the suite, write reports.

use super::{RunArgs, SuiteArgs, EXIT_USAGE};
use crate::check::RunReport;
use crate::protocol::ProtocolVersion;
use crate::report::{self, redact::Redactor, Format, RenderOptions};
use crate::scenario::{self, Scenario, ToolCallPolicy};
use crate::suite::{self, SuiteOptions};
use crate::transport::{ClientOptions, Target};
use serde_json::Value;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// `mcpcheck run`.
pub async fn run(args: RunArgs) -> ExitCode {
    if args.matrix && (args.all || args.suite.spec_version.is_some()) {
        return usage(
            "--matrix runs every version the server accepts; drop --all and --spec-version",
        );
    }
    if args.all {
        if args.url.is_some() || !args.command.is_empty() {
            return usage("--all checks the servers of --config; give no URL or command");
        }
        if let Some(config) = &args.config {
            return super::matrix::run_all(config, &args.suite).await;
        }
    }
    let (target, config_headers) = match super::target::target_from(
        args.url.as_deref(),
        &args.command,
        args.config.as_deref(),
        args.server.as_deref(),
    ) {
        Ok(t) => t,
        Err(msg) => return usage(&msg),
    };
    let mut suite_args = args.suite.clone();
    if !config_headers.is_empty() {
        let mut headers: Vec<String> = config_headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        headers.append(&mut suite_args.headers);
        suite_args.headers = headers;
    }
    let target = match choose_transport(target, &args, &suite_args).await {
        Ok(t) => t,
        Err(code) => return code,
    };
    if args.matrix {
        return super::versions::run_matrix(target, &suite_args).await;
    }
    match execute(target, &suite_args).await {
        Ok(report) => ExitCode::from(u8::try_from(report.exit_code()).unwrap_or(1)),
        Err(code) => code,
    }
}

/// Applies `--transport` (detecting legacy HTTP+SSE under `auto`) and says what was detected.
async fn choose_transport(
    target: Target,
    args: &RunArgs,
    a: &SuiteArgs,
) -> Result<Target, ExitCode> {
    let client = suite_options(target.clone(), a)
        .map(|o| o.client)
        .map_err(|m| usage(&m))?;
    let (target, detected) = super::transport::apply(target, args.transport, &client)
        .await
        .map_err(|m| usage(&m))?;
    let legacy = detected == super::transport::Detected::Legacy;
    if let Some(line) = super::transport::describe(&detected) {
        if legacy || std::io::stderr().is_terminal() {
            eprintln!("mcpcheck: {line}");
        }
    }
    Ok(target)
}

/// Runs the suite against `target` and writes every report; `Err` carries the exit code 2.
pub async fn execute(target: Target, a: &SuiteArgs) -> Result<RunReport, ExitCode> {
    let mut options = suite_options(target, a).map_err(|m| usage(&m))?;
    if a.spec_version.as_deref() == Some("auto") {
        options.spec_version = Some(super::versions::auto_version(&options).await?);
    }
    let run_auth = authorize(&mut options, a).await?;
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
    let baseline = super::expected::load(a)?;
    let load_plots = super::expected::load_plots(a)?;
    let ctx = match suite::preflight(&options).await {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("error: {e}");
            if a.auth.is_none() && needs_authorization(&options).await {
                eprintln!("hint: the server requires authorization (401): use --auth headless --username NAME --password PW, --auth interactive, --auth client-credentials --client-id ID --client-secret SECRET, or --auth token:TOKEN");
            }
            return Err(ExitCode::from(EXIT_USAGE));
        }
    };
    let mut secrets: Vec<String> = options
        .client
        .headers
        .iter()
        .map(|(_, v)| v.clone())
        .collect();
    secrets.extend(run_auth.into_iter().flat_map(|r| r.secrets));
    secrets.extend(a.password.iter().chain(&a.client_secret).cloned());
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
    let progress = super::progress::Progress::new(selected.len(), live, color);
    let report = suite::run_suite(&selected, &ctx, |c| progress.done(c)).await;
    progress.finish();
    let mut report = redactor.redact_report(&report);
    super::expected::apply(&mut report, baseline.as_ref(), a)?;
    let render_opts = RenderOptions {
        color,
        verbose: a.verbose,
    };
    print!("{}", report::render(Format::Console, &report, &render_opts));
    if let Err(e) = report::write_reports_with_load(&report, &formats, load_plots.as_ref()) {
        eprintln!("error: cannot write a report: {e}");
        return Err(ExitCode::from(EXIT_USAGE));
    }
    Ok(report)
}

/// With `--auth`, obtains the run's token and makes every session send it; the credential
/// flags also become the scenario variables `client_id`, `client_secret`, `username`,
/// `password` and `scope` (a `--var` of the same name wins).
async fn authorize(
    options: &mut SuiteOptions,
    a: &SuiteArgs,
) -> Result<Option<crate::auth::flow::RunAuth>, ExitCode> {
    use crate::auth::flow::{authorize_run, RunAuthMode, RunAuthOptions};
    for (name, value) in [
        ("client_id", &a.client_id),
        ("client_secret", &a.client_secret),
        ("username", &a.username),
        ("password", &a.password),
        ("scope", &a.scope),
    ] {
        if let Some(v) = value {
            options
                .vars
                .entry(name.to_string())
                .or_insert_with(|| Value::String(v.clone()));
        }
    }
    let Some(mode) = &a.auth else {
        return Ok(None);
    };
    let mode = RunAuthMode::parse(mode).map_err(|m| usage(&m))?;
    let Target::Http { url } = &options.target else {
        return Err(usage("--auth applies to HTTP targets only"));
    };
    let o = RunAuthOptions {
        mode,
        client_id: a.client_id.clone(),
        client_secret: a.client_secret.clone(),
        username: a.username.clone(),
        password: a.password.clone(),
        scope: a.scope.clone(),
        version: options
            .spec_version
            .unwrap_or(ProtocolVersion::NEWEST_STATEFUL),
        timeout: options.client.timeout,
        interactive_timeout: Duration::from_secs(300),
        opener: crate::auth::interactive::system_opener(),
        ca_cert: options.client.ca_cert.clone(),
    };
    match authorize_run(url, &o).await {
        Ok(run) => {
            options
                .client
                .headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
            options.client.headers.push((
                "Authorization".into(),
                format!("Bearer {}", run.access_token),
            ));
            Ok(Some(run))
        }
        Err(e) => {
            eprintln!("error: --auth: {e}");
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// Whether an HTTP target answers an unauthenticated `initialize` with 401.
async fn needs_authorization(options: &SuiteOptions) -> bool {
    let Target::Http { url } = &options.target else {
        return false;
    };
    let Ok(http) = crate::auth::exchange::OAuthHttp::with_ca_cert(
        crate::transcript::Transcript::new(),
        options.client.timeout,
        64 * 1024,
        options.client.ca_cert.as_deref(),
    ) else {
        return false;
    };
    let version = options
        .spec_version
        .unwrap_or(ProtocolVersion::NEWEST_STATEFUL);
    crate::auth::discovery::probe(&http, url, version)
        .await
        .is_ok_and(|r| r.status == 401)
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

/// The suite options the flags describe (`--spec-version auto` is left unset here).
pub(super) fn suite_options(target: Target, a: &SuiteArgs) -> Result<SuiteOptions, String> {
    let spec_version = match &a.spec_version {
        None => None,
        Some(v) if v == "auto" => None,
        Some(v) => Some(v.parse().map_err(|e| format!("--spec-version: {e}"))?),
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
    let max_body_bytes = parse_size(&a.max_body).ok_or_else(|| {
        format!(
            "--max-body {:?}: expected a size like 10M, 512k or 65536",
            a.max_body
        )
    })?;
    Ok(SuiteOptions {
        target,
        client: ClientOptions {
            timeout,
            headers,
            max_body_bytes,
            ca_cert: a.ca_cert.clone(),
        },
        spec_version,
        vars,
        call_tools,
    })
}

/// `65536`, `512k` or `10M` (binary multiples), at least 1 KiB.
pub(super) fn parse_size(s: &str) -> Option<usize> {
    let s = s.trim();
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, ""),
    };
    let n: usize = digits.parse().ok()?;
    let mult = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(mult).filter(|v| *v >= 1024)
}

/// `10s`, `500ms`, `1m` or a bare number of seconds.
pub(super) fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return (secs > 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    humantime::parse_duration(s).ok().filter(|d| !d.is_zero())
}

pub(super) fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_USAGE)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn sizes() {
        assert_eq!(super::parse_size("10M"), Some(10 * 1024 * 1024));
        assert_eq!(super::parse_size("512k"), Some(512 * 1024));
        assert_eq!(super::parse_size("65536"), Some(65536));
        assert_eq!(super::parse_size("12"), None, "below 1 KiB");
        assert_eq!(super::parse_size("lots"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("0"), None);
        assert_eq!(parse_duration("soon"), None);
    }
}
