//! Checks of how a 2026-07-28 server treats the eras: legacy HTTP traffic (sessions, GET,
//! DELETE) and, on a dual-era server, legacy sessions interleaved with modern requests.
//!
//! A server is dual-era when its `server/discover` `supportedVersions` lists a version older
//! than 2026-07-28, or when it answers `initialize` with a result (the specification does not
//! require discover to list the legacy versions a dual-era server speaks, and real servers do
//! not). Rules written for modern-only servers (GET/DELETE → 405, a stray `Mcp-Session-Id`
//! ignored) are not judged on a dual-era server, where those requests belong to legacy
//! sessions; the transcript says so.

use super::modern::probe;
use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::{Finding, Level};
use crate::protocol::ProtocolVersion;
use crate::scenario::expect::compact;
use crate::session::Session;
use crate::transport::{HttpMeta, RawRequest, Target};
use serde_json::{json, Value};

/// What `server/discover` says about the eras, if it answered.
enum Era {
    /// Lists only modern versions.
    ModernOnly,
    /// Also lists an `initialize`-era version (the newest one listed).
    Dual(ProtocolVersion),
    /// No usable discover result.
    Unknown,
}

/// A legacy session at `version` on a second connection (recorded in the check's transcript):
/// the session and its `initialize` result, or why there is none.
async fn legacy_session(
    ctx: &BuiltinCtx<'_>,
    version: ProtocolVersion,
) -> Result<(Session, Value), String> {
    Session::open_initialized(
        &ctx.run.target,
        ctx.run.opts.clone(),
        ctx.session.transcript().clone(),
        version,
    )
    .await
    .map_err(|e| e.to_string())
}

fn era_of(discover: Option<&Value>) -> Era {
    let Some(list) = discover
        .and_then(|r| r.get("supportedVersions"))
        .and_then(Value::as_array)
    else {
        return Era::Unknown;
    };
    let legacy = list
        .iter()
        .filter_map(Value::as_str)
        .filter_map(ProtocolVersion::parse)
        .filter(|v| v.features().initialize)
        .max();
    match legacy {
        Some(v) => Era::Dual(v),
        None => Era::ModernOnly,
    }
}

/// A SHOULD finding when an HTTP response carries `Mcp-Session-Id`.
fn no_session_header(
    ctx: &BuiltinCtx<'_>,
    label: &str,
    http: Option<&HttpMeta>,
    level: Level,
) -> Option<Finding> {
    let id = http?.header("mcp-session-id")?;
    Some(ctx.finding_at(
        level,
        format!("{label}: a modern response carries Mcp-Session-Id (2026-07-28 has no sessions; none may be minted or echoed)"),
        "no Mcp-Session-Id header",
        id.to_string(),
    ))
}

/// `v26.http-legacy-traffic`: modern requests mint no session; a modern-only server also answers
/// GET and DELETE with 405 and serves a request carrying a stray session id.
pub async fn legacy_traffic(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    if !matches!(ctx.run.target, Target::Http { .. }) {
        return Err(Skip("applies to HTTP targets only".into()));
    }
    let mut findings = Vec::new();
    let discover = probe(
        ctx,
        "server/discover",
        json!({}),
        "server/discover",
        &mut findings,
    )
    .await;
    findings.extend(no_session_header(
        ctx,
        "server/discover",
        discover.http.as_ref(),
        ctx.level,
    ));
    if ctx.run.has_capability("tools") {
        let list = probe(ctx, "tools/list", json!({}), "tools/list", &mut findings).await;
        findings.extend(no_session_header(
            ctx,
            "tools/list",
            list.http.as_ref(),
            ctx.level,
        ));
    }
    let mut modern_only = matches!(era_of(discover.result()), Era::ModernOnly);
    if modern_only {
        if let Ok((legacy, _)) = legacy_session(ctx, ProtocolVersion::NEWEST_STATEFUL).await {
            let _ = legacy.close().await;
            modern_only = false;
        }
    }
    let Some(http) = ctx.session.http().cloned() else {
        return Err(Skip("applies to HTTP targets only".into()));
    };
    if !modern_only {
        http.transcript().note(
            "dual-era (or undiscoverable) server: GET, DELETE and a stray Mcp-Session-Id belong to legacy sessions there, so the modern-only answers (405, ignore) are not judged",
        );
        return Ok(findings);
    }
    for method in ["GET", "DELETE"] {
        let req = RawRequest::new(method).header("mcp-session-id", "mcpcheck-stale-session");
        match http.raw(req).await {
            Ok(r) if r.status == 405 => {}
            Ok(r) => findings.push(ctx.finding(
                format!(
                    "{method} to a modern-only endpoint should be answered 405 Method Not Allowed"
                ),
                "405",
                r.status.to_string(),
            )),
            Err(e) => findings.push(ctx.finding(format!("{method}: {e}"), "405", e.to_string())),
        }
    }
    let meta = ctx
        .session
        .stateless()
        .map(|s| Value::Object(s.meta()))
        .unwrap_or_else(|| json!({}));
    let body = json!({"jsonrpc": "2.0", "id": "mcpcheck-stale", "method": "server/discover", "params": {"_meta": meta}});
    let req = RawRequest::post(body.to_string())
        .header("mcp-method", "server/discover")
        .header("mcp-session-id", "mcpcheck-stale-session");
    match http.raw(req).await {
        Ok(r) => {
            if r.json.as_ref().and_then(|j| j.get("result")).is_none()
                && !r.body.contains("\"result\"")
            {
                findings.push(ctx.finding(
                    "a modern request carrying a stray Mcp-Session-Id should be served (the header ignored)",
                    "a result",
                    compact(&Value::String(r.body.clone())),
                ));
            }
            if let Some(id) = r.header("mcp-session-id") {
                findings.push(ctx.finding(
                    "a stray Mcp-Session-Id was echoed or a session minted",
                    "no Mcp-Session-Id header",
                    id.to_string(),
                ));
            }
        }
        Err(e) => findings.push(ctx.finding(
            format!("a modern request with a stray Mcp-Session-Id: {e}"),
            "a result",
            e.to_string(),
        )),
    }
    Ok(findings)
}

/// `v26.dual-era`: on a server that lists an `initialize`-era version, a legacy session works
/// next to modern requests, which keep their modern shape (resultType, caching hints, no session
/// header) and need no `initialize`; a modern-only server answers `initialize` with an error
/// naming its versions (SHOULD).
pub async fn dual_era(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let mut findings = Vec::new();
    let discover = probe(
        ctx,
        "server/discover",
        json!({}),
        "server/discover",
        &mut findings,
    )
    .await;
    let (listed, legacy_version) = match era_of(discover.result()) {
        Era::Dual(v) => (true, v),
        Era::Unknown | Era::ModernOnly => (false, ProtocolVersion::NEWEST_STATEFUL),
    };
    let (mut legacy, init) = match legacy_session(ctx, legacy_version).await {
        Ok(pair) => pair,
        Err(e) if listed => {
            findings.push(ctx.finding(
                format!("server/discover lists {legacy_version}, but initialize at {legacy_version} failed: {e}"),
                "a legacy session next to the modern era",
                e,
            ));
            return Ok(findings);
        }
        // Not listed and refused: a modern-only server.
        Err(_) => return modern_only_initialize(ctx, findings).await,
    };
    let negotiated = init.get("protocolVersion").and_then(Value::as_str);
    if listed && negotiated != Some(legacy_version.as_str()) {
        findings.push(ctx.finding(
            format!("server/discover lists {legacy_version}, but initialize at {legacy_version} negotiated another version"),
            legacy_version.as_str(),
            compact(init.get("protocolVersion").unwrap_or(&Value::Null)),
        ));
    }
    let tools = ctx.run.has_capability("tools");
    if tools {
        legacy_list(ctx, &mut legacy, "before", &mut findings).await;
        let modern = probe(
            ctx,
            "tools/list",
            json!({}),
            "interleaved modern tools/list",
            &mut findings,
        )
        .await;
        match modern.result() {
            Some(r) => {
                if r.get("resultType").is_none() {
                    findings.push(ctx.finding(
                        "interleaved modern tools/list: the result has no resultType (legacy shape leaked into the modern era)",
                        "resultType",
                        compact(r),
                    ));
                }
                if r.get("ttlMs").is_none() || r.get("cacheScope").is_none() {
                    findings.push(ctx.finding(
                        "interleaved modern tools/list: the result lacks ttlMs/cacheScope",
                        "ttlMs and cacheScope",
                        compact(r),
                    ));
                }
            }
            None => findings.push(ctx.finding(
                "interleaved modern tools/list was not answered with a result while a legacy session is open",
                "a result",
                modern.response.as_ref().map_or_else(|| "no response".into(), compact),
            )),
        }
        findings.extend(no_session_header(
            ctx,
            "interleaved modern tools/list",
            modern.http.as_ref(),
            Level::Must,
        ));
        legacy_list(ctx, &mut legacy, "after", &mut findings).await;
    }
    let _ = legacy.close().await;
    Ok(findings)
}

/// `tools/list` in the legacy session works (and has the legacy shape's `tools`).
async fn legacy_list(
    ctx: &BuiltinCtx<'_>,
    legacy: &mut Session,
    when: &str,
    findings: &mut Vec<Finding>,
) {
    match legacy.request("tools/list", None).await {
        Ok(ex) if ex.response.as_ref().and_then(|r| r.pointer("/result/tools")).is_some() => {}
        Ok(ex) => findings.push(ctx.finding(
            format!("tools/list in the legacy session {when} a modern request did not answer a tools list"),
            "a ListToolsResult",
            ex.response.as_ref().map_or_else(|| "no response".into(), compact),
        )),
        Err(e) => findings.push(ctx.finding(
            format!("tools/list in the legacy session {when} a modern request: {e}"),
            "a ListToolsResult",
            e.to_string(),
        )),
    }
}

/// A modern-only server sent `initialize`: an error, which should name the supported versions.
async fn modern_only_initialize(
    ctx: &mut BuiltinCtx<'_>,
    mut findings: Vec<Finding>,
) -> BuiltinResult {
    let mut legacy = Session::open(
        &ctx.run.target,
        ctx.run.opts.clone(),
        ctx.session.transcript().clone(),
    )
    .await
    .map_err(|e| Skip(format!("cannot open a second connection: {e}")))?;
    let params = Session::default_initialize_params(ProtocolVersion::NEWEST_STATEFUL);
    let ex = legacy.initialize(params).await;
    let _ = legacy.close().await;
    let resp = match ex {
        Ok(ex) => ex.response,
        Err(_) => None, // no answer is allowed; nothing names the versions then
    };
    let error = resp.as_ref().and_then(|r| r.get("error"));
    match error {
        Some(e) if !e.to_string().contains(ProtocolVersion::V2026_07_28.as_str()) => {
            findings.push(ctx.finding_at(
                Level::Should,
                "a modern-only server should name the protocol versions it supports in its error to initialize",
                "an error mentioning 2026-07-28",
                compact(e),
            ))
        }
        _ => {}
    }
    Ok(findings)
}
