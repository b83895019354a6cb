//! Running one scenario against a target: applicability, a fresh session, the steps with their
//! captures and expectations, the builtin (if any), and the verdict with its evidence.

use super::builtin::{self, BuiltinCtx};
use super::context::RunContext;
use super::expect::{self, Mismatch};
use super::loader::Scenario;
use super::model::{Setup, Step, TransportName};
use super::step::{perform, perform_auth, StepError};
use super::template::{render_expect, render_str, Vars};
use crate::check::{CheckResult, Finding, Level, Verdict};
use crate::protocol::jsonrpc;
use crate::session::Session;
use crate::transcript::Transcript;
use crate::transport::Target;
use crate::validate;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Longest a single check may take before it is stopped and failed.
pub const CHECK_DEADLINE: Duration = Duration::from_secs(90);

/// Runs one scenario; never panics on target behaviour and never exceeds [`CHECK_DEADLINE`].
pub async fn run_scenario(s: &Scenario, ctx: &RunContext) -> CheckResult {
    let transcript = Transcript::new();
    let started = Instant::now();
    let mut result = CheckResult {
        id: s.file.id.clone(),
        title: s.file.title.clone(),
        level: s.file.level.into(),
        spec: s.file.spec.clone(),
        tags: s.file.tags.clone(),
        verdict: Verdict::Pass,
        skip_reason: None,
        findings: Vec::new(),
        duration_ms: 0,
        transcript: Vec::new(),
    };
    let mut secrets = Vec::new();
    let outcome = match applicability(s, ctx) {
        Some(reason) => Outcome::Skip(reason),
        None => {
            match tokio::time::timeout(CHECK_DEADLINE, run_steps(s, ctx, &transcript, &mut secrets))
                .await
            {
                Ok(o) => o,
                Err(_) => Outcome::Findings(vec![Finding {
                    verdict: Verdict::Fail,
                    message: format!(
                        "the check did not finish within {}s",
                        CHECK_DEADLINE.as_secs()
                    ),
                    expected: None,
                    actual: None,
                    location: None,
                }]),
            }
        }
    };
    match outcome {
        Outcome::Skip(reason) => {
            result.verdict = Verdict::Skip;
            result.skip_reason = Some(reason);
        }
        Outcome::Findings(findings) => {
            result.verdict = findings
                .iter()
                .map(|f| f.verdict)
                .max()
                .unwrap_or(Verdict::Pass);
            result.findings = findings;
        }
    }
    result.transcript = transcript.since(0);
    result.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    if !secrets.is_empty() {
        // Tokens, codes and secrets an auth step obtained never leave the runner.
        result = crate::auth::state::redact_check(&secrets, &result);
    }
    result
}

enum Outcome {
    Skip(String),
    Findings(Vec<Finding>),
}

/// Why the scenario does not apply to this target, if it does not.
fn applicability(s: &Scenario, ctx: &RunContext) -> Option<String> {
    let f = &s.file;
    let kind = match ctx.target {
        Target::Http { .. } => TransportName::Http,
        Target::LegacySse { .. } => TransportName::Sse,
        Target::Stdio { .. } => TransportName::Stdio,
    };
    if !f.transports.is_empty() && !f.transports.contains(&kind) {
        return Some(format!("applies to the {:?} transport only", f.transports).to_lowercase());
    }
    if !s.versions().contains(&ctx.version) {
        return Some(format!(
            "applies to {} only; the run uses {}",
            s.versions()
                .iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            ctx.version
        ));
    }
    if f.loopback_only && !ctx.target_is_loopback() {
        return Some("applies to servers on a loopback address only".into());
    }
    for cap in &f.requires {
        if !ctx.has_capability(cap) {
            return Some(format!(
                "the server does not advertise the `{cap}` capability"
            ));
        }
    }
    let vars = vars_for(s, ctx);
    for name in &f.requires_vars {
        if !matches!(vars.get(name), Some(Value::String(v)) if !v.is_empty()) {
            let flag = match name.as_str() {
                "username" | "password" | "scope" => format!(" (or --{name})"),
                "client_id" | "client_secret" => format!(" (or --{})", name.replace('_', "-")),
                _ => String::new(),
            };
            return Some(format!(
                "needs the `{name}` variable: set --var {name}=…{flag}"
            ));
        }
    }
    for tool in &f.requires_tools {
        let name = render_str(tool, &vars).unwrap_or_else(|_| tool.clone());
        if !ctx.has_tool(&name) {
            return Some(format!(
                "the server lists no tool `{name}` (set it with --var)"
            ));
        }
    }
    None
}

/// Scenario defaults overridden by the user's `--var`s.
fn vars_for(s: &Scenario, ctx: &RunContext) -> Vars {
    let mut vars: Vars = s
        .file
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    vars.extend(ctx.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    vars.insert(
        "protocol_version".into(),
        Value::String(ctx.version.as_str().into()),
    );
    if let Target::Http { url } | Target::LegacySse { url } = &ctx.target {
        vars.insert("endpoint".into(), Value::String(url.clone()));
        if let Ok(u) = url::Url::parse(url) {
            vars.insert(
                "origin".into(),
                Value::String(u.origin().ascii_serialization()),
            );
            let host = match u.port() {
                Some(p) => format!("{}:{p}", u.host_str().unwrap_or_default()),
                None => u.host_str().unwrap_or_default().to_string(),
            };
            vars.insert("host".into(), Value::String(host));
        }
    }
    vars
}

async fn run_steps(
    s: &Scenario,
    ctx: &RunContext,
    transcript: &Transcript,
    secrets: &mut Vec<String>,
) -> Outcome {
    let scenario_level: Level = s.file.level.into();
    let mut findings = Vec::new();
    let mut session = match Session::open(&ctx.target, ctx.opts.clone(), transcript.clone()).await {
        Ok(sess) => sess,
        Err(e) => return Outcome::Findings(vec![fail_now(format!("cannot open a session: {e}"))]),
    };
    if let Some(client) = &s.file.client {
        super::client_side::install(client, &mut session);
    }
    if s.file.setup == Setup::Initialized && !ctx.version.features().initialize {
        // The stateless wire (2026-07-28): no handshake; every request declares itself.
        session.enter_stateless(ctx.version);
        if let Some(st) = session.stateless_mut() {
            st.learn_tools(&ctx.tools);
        }
    } else if s.file.setup == Setup::Initialized {
        if let Err(e) = session.handshake(ctx.version).await {
            let _ = session.close().await;
            return Outcome::Findings(vec![fail_now(format!("initialization failed: {e}"))]);
        }
    }
    let mut vars = vars_for(s, ctx);
    if let Some(legacy) = session.legacy() {
        // Legacy HTTP+SSE: where the `endpoint` event said to POST.
        vars.insert(
            "post_endpoint".into(),
            Value::String(legacy.post_url().into()),
        );
    }
    let mut session_ended = false;
    let mut auth: Option<crate::auth::state::AuthState> = None;
    for (index, spanned) in s.file.steps.iter().enumerate() {
        let step = spanned.get_ref();
        let location = s.location(spanned.span().start);
        let label = step
            .name
            .clone()
            .unwrap_or_else(|| format!("step {}", index + 1));
        let performed = match &step.auth {
            Some(a) => perform_auth(a, &mut auth, &mut session, ctx, &vars, transcript).await,
            None => perform(step, &mut session, ctx, &vars, &mut session_ended).await,
        };
        for x in auth.iter().flat_map(|a| a.secrets()) {
            if !secrets.contains(x) {
                secrets.push(x.clone());
            }
        }
        let doc = match performed {
            Ok(d) => d,
            Err(StepError::Template(e)) => {
                findings.push(Finding {
                    location: Some(location),
                    ..fail_now(format!("{label}: scenario error: {e}"))
                });
                break;
            }
            Err(StepError::Unsupported(reason)) => {
                let _ = session.close().await;
                return Outcome::Skip(reason);
            }
        };
        findings.extend(schema_findings(step, &doc, &session, ctx, &label));
        for (name, ptr) in &step.capture {
            if let Some(v) = doc.pointer(ptr) {
                vars.insert(name.clone(), v.clone());
            }
        }
        let step_level = step.level.map(Level::from).unwrap_or(scenario_level);
        let transport_error = doc
            .get("transport_error")
            .and_then(Value::as_str)
            .map(str::to_string);
        if step.expect.is_empty() {
            if let Some(err) = &transport_error {
                findings.push(Finding {
                    location: Some(location.clone()),
                    ..fail_now(format!("{label}: {err}"))
                });
            }
        }
        // A step that could not run (above) is a finding. A failed precondition then ends the
        // check before the step's own expectations are judged, since they presuppose it (e.g. a
        // session-id format when no session id was issued): SKIP if nothing failed so far, else
        // what failed.
        if step.require.iter().any(|r| {
            render_expect(r.get_ref(), &vars).map_or(true, |r| expect::evaluate(&r, &doc).is_err())
        }) {
            if !session_ended {
                let _ = session.close().await;
            }
            if findings.is_empty() {
                return Outcome::Skip(
                    step.skip_reason
                        .clone()
                        .unwrap_or_else(|| "precondition not met".into()),
                );
            }
            return Outcome::Findings(findings);
        }
        for e in &step.expect {
            let rendered = match render_expect(e.get_ref(), &vars) {
                Ok(r) => r,
                Err(err) => {
                    findings.push(Finding {
                        location: Some(s.location(e.span().start)),
                        ..fail_now(format!("{label}: scenario error: {err}"))
                    });
                    continue;
                }
            };
            if let Err(m) = expect::evaluate(&rendered, &doc) {
                let level = e.get_ref().level.map(Level::from).unwrap_or(step_level);
                findings.push(finding(
                    level,
                    &label,
                    m,
                    transport_error.as_deref(),
                    s.location(e.span().start),
                ));
            }
        }
    }
    if let Some(name) = &s.file.builtin {
        let mut bctx = BuiltinCtx {
            session: &mut session,
            run: ctx,
            args: &s.file.args,
            vars: &vars,
            level: scenario_level,
        };
        match builtin::run(name.get_ref(), &mut bctx).await {
            Ok(mut f) => {
                let loc = s.location(name.span().start);
                for x in &mut f {
                    x.location.get_or_insert_with(|| loc.clone());
                }
                findings.extend(f);
            }
            Err(builtin::Skip(reason)) => {
                let _ = session.close().await;
                return Outcome::Skip(reason);
            }
        }
    }
    // Every server→client request this check's session received, judged as a whole.
    let version = session.protocol_version().unwrap_or(ctx.version);
    findings.extend(super::client_side::judge(&session, version));
    if !session_ended {
        let _ = session.close().await;
    }
    Outcome::Findings(findings)
}

/// Wire-schema findings for the messages a step received.
fn schema_findings(
    step: &Step,
    doc: &Value,
    session: &Session,
    ctx: &RunContext,
    label: &str,
) -> Vec<Finding> {
    let version = session.protocol_version().unwrap_or(ctx.version);
    let mut out = Vec::new();
    let method = step
        .request
        .as_ref()
        .map(|r| r.method.as_str())
        .or(step.initialize.as_ref().map(|_| "initialize"));
    if let (Some(method), Some(resp)) = (method, doc.get("response").filter(|r| !r.is_null())) {
        for v in validate::validate_response_message(version, method, resp) {
            out.push(schema_finding(label, &format!("{method} response"), &v));
        }
    }
    if let Some(Value::Array(received)) = doc.get("received") {
        for msg in received {
            if let jsonrpc::Message::Notification { method, params } =
                jsonrpc::Message::classify(msg)
            {
                for v in validate::validate_server_notification(version, &method, params.as_ref()) {
                    out.push(schema_finding(label, &method, &v));
                }
            }
        }
    }
    out
}

fn schema_finding(label: &str, what: &str, v: &validate::Violation) -> Finding {
    Finding {
        verdict: Verdict::Fail,
        message: format!(
            "{label}: {what} violates the wire schema at {}: {}",
            v.pointer, v.message
        ),
        expected: Some("a message valid against the negotiated version's schema".into()),
        actual: Some(format!("{} — {}", v.pointer, v.message)),
        location: None,
    }
}

fn finding(
    level: Level,
    label: &str,
    m: Mismatch,
    transport_error: Option<&str>,
    location: String,
) -> Finding {
    let mut message = format!("{label}: {}", m.message);
    if let Some(err) = transport_error {
        message.push_str(&format!(" ({err})"));
    }
    Finding {
        verdict: level.failure_verdict(),
        message,
        expected: Some(m.expected),
        actual: Some(m.actual),
        location: Some(location),
    }
}

fn fail_now(message: String) -> Finding {
    Finding {
        verdict: Verdict::Fail,
        message,
        expected: None,
        actual: None,
        location: None,
    }
}
