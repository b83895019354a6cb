//! `mcpcheck load`: run a load profile against a Streamable HTTP endpoint (`load URL
//! --profile NAME|FILE`), merge reports of concurrent runs (`load merge`), compare two reports
//! (`load compare BASE NEW --tolerance 10%`), list the built-in profiles (`load profiles`).
//!
//! Exit codes: 0 every threshold held (or a profile was skipped), 1 a threshold was violated
//! or compare found a regression, 2 usage error, unreadable profile or report.

use super::EXIT_USAGE;
use crate::load::profile::{self, Overrides};
use crate::load::token::{LoadAuth, Refresher, TokenSlot};
use crate::load::{compare, console, merge, report_html, LoadError, LoadOptions, LoadReport};
use clap::{Args, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// `mcpcheck load`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct LoadArgs {
    #[command(subcommand)]
    action: Option<LoadAction>,
    #[command(flatten)]
    run: LoadRunArgs,
}

#[derive(Debug, Subcommand)]
enum LoadAction {
    /// Merge reports of runs made at the same time (e.g. from several machines) into one.
    Merge(MergeArgs),
    /// Compare two reports; exit 1 when NEW regressed beyond the tolerance.
    Compare(CompareArgs),
    /// List the built-in profiles.
    Profiles,
}

/// Options of a load run.
#[derive(Debug, Args)]
pub struct LoadRunArgs {
    /// The Streamable HTTP endpoint (http://… or https://…).
    url: Option<String>,
    /// https: also trust the root certificate(s) of this PEM file (a private or self-signed
    /// CA); host names are still verified.
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// A built-in profile (smoke, throughput, soak, churn, auth) or a profile file.
    #[arg(long, short = 'p', default_value = "smoke", value_name = "NAME|FILE")]
    profile: String,
    /// Closed model: users (overrides the profile).
    #[arg(long)]
    users: Option<u32>,
    /// Measured time after the warm-up, e.g. `30s`.
    #[arg(long, value_name = "DURATION")]
    duration: Option<String>,
    /// Unmeasured time at the start.
    #[arg(long, value_name = "DURATION")]
    warmup: Option<String>,
    /// Closed model: a goose test plan, e.g. `"10,60s;10,5m;0,30s"`.
    #[arg(long, value_name = "PLAN")]
    plan: Option<String>,
    /// Open model: constant arrivals per second.
    #[arg(long, value_name = "PER_SECOND")]
    rate: Option<f64>,
    /// Open model: ramping arrivals per second in the plan grammar, e.g. `"100,10s;500,30s"`.
    #[arg(long, value_name = "PLAN")]
    rate_plan: Option<String>,
    /// Open model: size of the user pool.
    #[arg(long, value_name = "N")]
    max_users: Option<u32>,
    /// Stop after this many iterations in total.
    #[arg(long, value_name = "N")]
    iterations: Option<u64>,
    /// Longest wait for one call, e.g. `5s`.
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,
    /// An extra threshold, e.g. `"p99<50ms"` or `"error_rate<0.1% for tools/call"` (repeatable).
    #[arg(long = "threshold", value_name = "EXPR")]
    thresholds: Vec<String>,
    /// Extra HTTP header `Name: value` on every request (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE")]
    headers: Vec<String>,
    /// Obtain a token first: headless, client-credentials or token:<TOKEN> (as `run --auth`).
    #[arg(long, value_name = "MODE")]
    auth: Option<String>,
    /// OAuth client id for --auth.
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// OAuth client secret for --auth.
    #[arg(
        long,
        env = "MCPCHECK_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    client_secret: Option<String>,
    /// User for --auth headless.
    #[arg(long, value_name = "NAME")]
    username: Option<String>,
    /// Password for --username.
    #[arg(
        long,
        env = "MCPCHECK_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    password: Option<String>,
    /// Scope to ask for.
    #[arg(long, value_name = "SCOPE")]
    scope: Option<String>,
    /// Write a report: `json:PATH` or `html:PATH` (repeatable).
    #[arg(long = "report", value_name = "FORMAT:PATH")]
    reports: Vec<String>,
    /// No live line even on a terminal.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// `mcpcheck load merge`.
#[derive(Debug, Args)]
struct MergeArgs {
    /// The reports (JSON).
    #[arg(required = true, num_args = 1..)]
    reports: Vec<PathBuf>,
    /// Where to write the merged JSON report (default: stdout).
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// Also write the merged HTML report here.
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
}

/// `mcpcheck load compare`.
#[derive(Debug, Args)]
struct CompareArgs {
    /// The baseline report.
    base: PathBuf,
    /// The report to judge.
    new: PathBuf,
    /// Largest accepted relative change, `10%` or `0.1`.
    #[arg(long, default_value = "10%")]
    tolerance: String,
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_USAGE)
}

/// Runs `mcpcheck load …`.
pub async fn load(args: LoadArgs) -> ExitCode {
    match args.action {
        Some(LoadAction::Merge(m)) => merge_cmd(&m),
        Some(LoadAction::Compare(c)) => compare_cmd(&c),
        Some(LoadAction::Profiles) => {
            for name in profile::builtin_names() {
                match profile::load(&name, &Overrides::default()) {
                    Ok(p) => println!("{name:<12} {:<6} {}", p.model.name(), p.description),
                    Err(e) => println!("{name:<12} (invalid: {})", e.message),
                }
            }
            ExitCode::SUCCESS
        }
        None => run_cmd(args.run).await,
    }
}

fn read_report(path: &Path) -> Result<LoadReport, ExitCode> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(&format!("cannot read {}: {e}", path.display())))?;
    LoadReport::from_json(&text).map_err(|e| usage(&format!("{}: {e}", path.display())))
}

fn write_file(path: &Path, text: &str) -> Result<(), ExitCode> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| usage(&format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, text).map_err(|e| usage(&format!("cannot write {}: {e}", path.display())))
}

fn merge_cmd(m: &MergeArgs) -> ExitCode {
    let reports: Result<Vec<_>, _> = m.reports.iter().map(|p| read_report(p)).collect();
    let reports = match reports {
        Ok(r) => r,
        Err(code) => return code,
    };
    let merged = match merge::merge(&reports) {
        Ok(r) => r,
        Err(e) => return usage(&e.to_string()),
    };
    let json = merged.to_json();
    let written = match &m.output {
        Some(p) => write_file(p, &json),
        None => {
            println!("{json}");
            Ok(())
        }
    };
    if let Err(code) = written {
        return code;
    }
    if let Some(h) = &m.html {
        if let Err(code) = write_file(h, &report_html::render(&merged)) {
            return code;
        }
    }
    eprint!("{}", console::summary(&merged));
    ExitCode::from(merged.exit_code())
}

fn compare_cmd(c: &CompareArgs) -> ExitCode {
    let Some(tol) = compare::parse_tolerance(&c.tolerance) else {
        return usage(&format!(
            "--tolerance {:?}: expected e.g. 10% or 0.1",
            c.tolerance
        ));
    };
    let (base, new) = match (read_report(&c.base), read_report(&c.new)) {
        (Ok(b), Ok(n)) => (b, n),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let cmp = compare::compare(&base, &new, tol);
    print!("{}", compare::render(&cmp, tol));
    ExitCode::from(u8::from(cmp.regressed()))
}

enum ReportOut {
    Json(PathBuf),
    Html(PathBuf),
}

fn parse_reports(specs: &[String]) -> Result<Vec<ReportOut>, String> {
    specs
        .iter()
        .map(|s| {
            let (fmt, path) = s
                .split_once(':')
                .ok_or_else(|| format!("--report {s:?}: expected FORMAT:PATH"))?;
            let path = PathBuf::from(path);
            match fmt.to_ascii_lowercase().as_str() {
                "json" => Ok(ReportOut::Json(path)),
                "html" => Ok(ReportOut::Html(path)),
                other => Err(format!(
                    "--report {s:?}: unknown format `{other}` (json or html)"
                )),
            }
        })
        .collect()
}

fn parse_headers(specs: &[String]) -> Result<Vec<(String, String)>, String> {
    specs
        .iter()
        .map(|h| {
            let (k, v) = h
                .split_once(':')
                .ok_or_else(|| format!("--header {h:?}: expected NAME:VALUE"))?;
            Ok((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

async fn run_cmd(a: LoadRunArgs) -> ExitCode {
    let Some(url) = a.url.clone() else {
        return usage("no target: give the http:// URL of a Streamable HTTP endpoint");
    };
    let overrides = Overrides {
        users: a.users,
        duration: a.duration.clone(),
        warmup: a.warmup.clone(),
        plan: a.plan.clone(),
        rate: a.rate,
        rate_plan: a.rate_plan.clone(),
        max_users: a.max_users,
        iterations: a.iterations,
        timeout: a.timeout.clone(),
        thresholds: a.thresholds.clone(),
    };
    let profile = match profile::load(&a.profile, &overrides) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let outputs = match parse_reports(&a.reports) {
        Ok(o) => o,
        Err(m) => return usage(&m),
    };
    let mut headers = match parse_headers(&a.headers) {
        Ok(h) => h,
        Err(m) => return usage(&m),
    };
    let mut auth = None;
    if let Some(mode) = &a.auth {
        match authorize(&url, mode, &a, &profile).await {
            Ok(a) => {
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
                auth = Some(a);
            }
            Err(code) => return code,
        }
    }
    let live = !a.quiet && std::io::stderr().is_terminal();
    let open = profile.model.name() == "open";
    if live {
        eprintln!(
            "mcpcheck load: {} ({} model, {:.0}s) against {url}",
            profile.name,
            profile.model.name(),
            profile.run_length().as_secs_f64()
        );
    }
    let opts = LoadOptions {
        url,
        ca_cert: a.ca_cert.clone(),
        headers,
        auth,
    };
    let report = crate::load::run(&profile, &opts, move |p, _| {
        if live {
            let _ = writeln!(std::io::stderr().lock(), "{}", console::live_line(p, open));
        }
    })
    .await;
    let report = match report {
        Ok(r) => r,
        Err(LoadError::Skipped(why)) => {
            println!("SKIP profile {}: {why}", profile.name);
            return ExitCode::SUCCESS;
        }
        Err(e) => return usage(&e.to_string()),
    };
    print!("{}", console::summary(&report));
    for out in &outputs {
        let written = match out {
            ReportOut::Json(p) => write_file(p, &report.to_json()),
            ReportOut::Html(p) => write_file(p, &report_html::render(&report)),
        };
        if let Err(code) = written {
            return code;
        }
    }
    ExitCode::from(report.exit_code())
}

/// `--auth`: the run-level flow of `mcpcheck run --auth`, once before the load and again at
/// each of the profile's `refresh_every` (a token given as `token:<T>` is not refreshed).
async fn authorize(
    url: &str,
    mode: &str,
    a: &LoadRunArgs,
    profile: &crate::load::Profile,
) -> Result<LoadAuth, ExitCode> {
    use crate::auth::flow::{authorize_run, RunAuthMode, RunAuthOptions};
    let mode = RunAuthMode::parse(mode).map_err(|m| usage(&m))?;
    let renewable = !matches!(mode, RunAuthMode::Token(_));
    let o = RunAuthOptions {
        mode,
        client_id: a.client_id.clone(),
        client_secret: a.client_secret.clone(),
        username: a.username.clone(),
        password: a.password.clone(),
        scope: a.scope.clone(),
        version: profile.protocol_version,
        timeout: profile.timeout,
        interactive_timeout: std::time::Duration::from_secs(300),
        opener: crate::auth::interactive::system_opener(),
        ca_cert: a.ca_cert.clone(),
    };
    let first = authorize_run(url, &o)
        .await
        .map_err(|e| usage(&format!("--auth: {e}")))?;
    let slot = TokenSlot::new(&first.access_token).map_err(|e| usage(&format!("--auth: {e}")))?;
    let url = url.to_string();
    let refresher: Option<Refresher> = renewable.then(|| {
        let r: Refresher = Arc::new(move || {
            let (url, o) = (url.clone(), o.clone());
            Box::pin(async move {
                authorize_run(&url, &o)
                    .await
                    .map(|r| r.access_token)
                    .map_err(|e| e.to_string())
            })
        });
        r
    });
    Ok(LoadAuth {
        slot: Arc::new(slot),
        refresher,
    })
}
