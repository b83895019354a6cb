//! A whole `run`: the preflight session (version, capabilities, tools), scenario selection by
//! `--only`/`--skip`, running each check in order, and the [`RunReport`].

use crate::check::{CheckResult, RunReport, Summary};
use crate::protocol::ProtocolVersion;
use crate::scenario::builtin::walk_list;
use crate::scenario::template::Vars;
use crate::scenario::{run_scenario, RunContext, Scenario, ToolCallPolicy};
use crate::session::Session;
use crate::transcript::Transcript;
use crate::transport::{ClientOptions, Target};
use globset::{Glob, GlobMatcher};
use serde_json::Value;
use std::time::{Instant, SystemTime};

mod stateless;
pub use stateless::INFERRED_KEY;

/// Why a run cannot start (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The target did not answer the preflight session.
    #[error("target {target} is unreachable or did not initialize: {reason}")]
    Unreachable { target: String, reason: String },
    /// The server did not agree to a usable protocol version.
    #[error("{0}")]
    Version(String),
    /// A `--only`/`--skip` pattern is not a valid glob.
    #[error("invalid pattern `{pattern}`: {reason}")]
    Pattern { pattern: String, reason: String },
}

/// How to run a suite.
#[derive(Clone, Debug)]
pub struct SuiteOptions {
    /// What to check.
    pub target: Target,
    /// Timeouts, caps, extra headers.
    pub client: ClientOptions,
    /// Version to negotiate; `None` = the newest the server accepts.
    pub spec_version: Option<ProtocolVersion>,
    /// `--var` values.
    pub vars: Vars,
    /// Which tools builtins may call.
    pub call_tools: ToolCallPolicy,
}

/// The `initialize` versions a run can check over `target`'s transport: Streamable HTTP begins
/// with 2025-03-26; stdio and legacy HTTP+SSE also carry 2024-11-05.
pub fn stateful_versions(target: &Target) -> &'static [ProtocolVersion] {
    match target {
        Target::Http { .. } => &ProtocolVersion::STATEFUL_HTTP,
        Target::LegacySse { .. } | Target::Stdio { .. } => &ProtocolVersion::STATEFUL,
    }
}

/// Whether a run can check `version` over `target`'s transport (the stateless 2026-07-28 wire
/// runs over Streamable HTTP and stdio, not over the legacy transport).
pub fn checkable(target: &Target, version: ProtocolVersion) -> bool {
    if version.features().initialize {
        stateful_versions(target).contains(&version)
    } else {
        !matches!(target, Target::LegacySse { .. })
    }
}

/// Opens a session, negotiates the version and lists the tools: the facts every check shares.
pub async fn preflight(o: &SuiteOptions) -> Result<RunContext, SuiteError> {
    let unreachable = |reason: String| SuiteError::Unreachable {
        target: o.target.display(),
        reason,
    };
    let requested = o.spec_version.unwrap_or(ProtocolVersion::NEWEST_STATEFUL);
    if !requested.features().initialize {
        return stateless::preflight(o, requested).await;
    }
    let (session, init) =
        Session::open_initialized(&o.target, o.client.clone(), Transcript::new(), requested)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
    let answered = init
        .get("protocolVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let checkable = stateful_versions(&o.target);
    let version = match ProtocolVersion::parse(&answered) {
        Some(v) if checkable.contains(&v) => v,
        _ => {
            let _ = session.close().await;
            let hint = if answered == ProtocolVersion::V2024_11_05.as_str() {
                " (2024-11-05 has no Streamable HTTP: try --transport sse with the server's SSE URL)"
            } else {
                ""
            };
            let list: Vec<&str> = checkable.iter().map(|v| v.as_str()).collect();
            return Err(SuiteError::Version(format!(
                "the server answered protocol version {answered:?} to {requested}; this run checks {} over {}{hint}",
                list.join(", "),
                o.target.transport_name()
            )));
        }
    };
    if let Some(wanted) = o.spec_version {
        if wanted != version {
            let _ = session.close().await;
            return Err(SuiteError::Version(format!(
                "--spec-version {wanted} was requested but the server answered {version}"
            )));
        }
    }
    Ok(finish_preflight(o, session, version, init).await)
}

/// Lists the tools (when the server offers them), closes the preflight session and gathers the
/// facts every check shares.
async fn finish_preflight(
    o: &SuiteOptions,
    mut session: Session,
    version: ProtocolVersion,
    init: Value,
) -> RunContext {
    let tools = if init.pointer("/capabilities/tools").is_some() {
        walk_list(&mut session, "tools/list", "tools").await.items
    } else {
        Vec::new()
    };
    let _ = session.close().await;
    RunContext {
        target: o.target.clone(),
        opts: o.client.clone(),
        version,
        init_result: init,
        tools,
        vars: o.vars.clone(),
        call_tools: o.call_tools,
    }
}

/// Keeps the scenarios matching any `only` pattern (all when empty) and no `skip` pattern;
/// patterns are globs over ids and tags.
pub fn select<'a>(
    all: &'a [Scenario],
    only: &[String],
    skip: &[String],
) -> Result<Vec<&'a Scenario>, SuiteError> {
    let compile = |ps: &[String]| -> Result<Vec<GlobMatcher>, SuiteError> {
        ps.iter()
            .map(|p| {
                Glob::new(p)
                    .map(|g| g.compile_matcher())
                    .map_err(|e| SuiteError::Pattern {
                        pattern: p.clone(),
                        reason: e.to_string(),
                    })
            })
            .collect()
    };
    let only = compile(only)?;
    let skip = compile(skip)?;
    let hits = |ms: &[GlobMatcher], s: &Scenario| {
        ms.iter()
            .any(|m| m.is_match(&s.file.id) || s.file.tags.iter().any(|t| m.is_match(t)))
    };
    // Opt-in checks run only when an --only pattern selects them.
    Ok(all
        .iter()
        .filter(|s| {
            if s.file.opt_in {
                hits(&only, s)
            } else {
                only.is_empty() || hits(&only, s)
            }
        })
        .filter(|s| !hits(&skip, s))
        .collect())
}

/// Runs the scenarios in order, calling `on_check` as each finishes.
pub async fn run_suite(
    scenarios: &[&Scenario],
    ctx: &RunContext,
    mut on_check: impl FnMut(&CheckResult),
) -> RunReport {
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let started = Instant::now();
    let mut checks = Vec::with_capacity(scenarios.len());
    for s in scenarios {
        let result = run_scenario(s, ctx).await;
        on_check(&result);
        checks.push(result);
    }
    RunReport {
        schema_version: 1,
        tool: format!("mcpcheck {}", env!("CARGO_PKG_VERSION")),
        target: ctx.target.display(),
        transport: ctx.target.transport_name().to_string(),
        protocol_version: Some(ctx.version.as_str().to_string()),
        server_info: ctx.init_result.get("serverInfo").cloned(),
        started_at,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        summary: Summary::of(&checks),
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::select;
    use crate::scenario::loader::parse;

    fn scenario(id: &str, extra: &str) -> crate::scenario::Scenario {
        let text = format!("id = \"{id}\"\ntitle = \"t\"\nspec = [\"s\"]\nlevel = \"MUST\"\ntags = [\"area\", \"strict\"]\n{extra}\n[[step]]\nrequest = {{ method = \"ping\" }}\n");
        parse("t.toml", &text).expect("parses")
    }

    #[test]
    fn opt_in_checks_run_only_when_named() {
        let all = vec![
            scenario("a.plain", ""),
            scenario("a.strict", "opt_in = true"),
        ];
        let ids = |only: &[&str], skip: &[&str]| -> Vec<String> {
            let only: Vec<String> = only.iter().map(|s| s.to_string()).collect();
            let skip: Vec<String> = skip.iter().map(|s| s.to_string()).collect();
            select(&all, &only, &skip)
                .expect("valid globs")
                .iter()
                .map(|s| s.file.id.clone())
                .collect()
        };
        assert_eq!(ids(&[], &[]), vec!["a.plain"]);
        assert_eq!(ids(&["strict"], &[]), vec!["a.plain", "a.strict"]);
        assert_eq!(ids(&["a.strict"], &[]), vec!["a.strict"]);
        assert_eq!(ids(&["a.*"], &["a.plain"]), vec!["a.strict"]);
        assert!(select(&all, &["[".to_string()], &[]).is_err());
    }
}
