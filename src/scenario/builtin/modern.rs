//! Checks of the 2026-07-28 stateless wire that sweep over what the server offers: every result
//! names its `resultType`, every discover, list and read result carries caching hints, and no
//! error uses a code the revision reserves or removed.
//!
//! Each sweep sends the same probes (`server/discover`, every page of each advertised list, a
//! read of the first listed resource, and, for errors, requests that must fail) and judges each
//! answer; they also fail when a server→client request arrives on a modern stream (the revision
//! has none: input requests travel inside results).

use super::listing::walk_list;
use super::{BuiltinCtx, BuiltinResult, Skip};
use crate::check::{Finding, Level};
use crate::protocol::jsonrpc::{self, Message};
use crate::scenario::expect::compact;
use crate::transport::HttpMeta;
use serde_json::{json, Value};

/// One answered probe.
pub(super) struct Probe {
    /// What was sent, for messages.
    pub label: String,
    /// The request's method.
    pub method: String,
    /// The JSON-RPC response, if one came.
    pub response: Option<Value>,
    /// HTTP facts of the POST (HTTP targets).
    pub http: Option<HttpMeta>,
    /// Other messages that arrived meanwhile.
    pub received: Vec<Value>,
}

impl Probe {
    /// The result object, if the response was a result.
    pub fn result(&self) -> Option<&Value> {
        self.response.as_ref().and_then(|r| r.get("result"))
    }
}

/// Sends `method` with `params` and keeps everything that came back.
pub(super) async fn probe(
    ctx: &mut BuiltinCtx<'_>,
    method: &str,
    params: Value,
    label: &str,
    findings: &mut Vec<Finding>,
) -> Probe {
    let id = Value::from(ctx.session.fresh_id());
    let mut p = Probe {
        label: label.to_string(),
        method: method.to_string(),
        response: None,
        http: None,
        received: Vec::new(),
    };
    match ctx
        .session
        .send(jsonrpc::request(id, method, Some(params)))
        .await
    {
        Ok(ex) => {
            p.response = ex.response;
            p.http = ex.http;
            p.received = ex.received;
        }
        Err(e) => findings.push(ctx.finding_at(
            Level::Must,
            format!("{label}: {e}"),
            "a response",
            e.to_string(),
        )),
    }
    server_requests(ctx, &p, findings);
    p
}

/// A FAIL for every server→client request that arrived during the probe.
fn server_requests(ctx: &BuiltinCtx<'_>, p: &Probe, findings: &mut Vec<Finding>) {
    for m in &p.received {
        if let Message::Request { method, .. } = Message::classify(m) {
            findings.push(ctx.finding_at(
                Level::Must,
                format!(
                    "{}: the server sent a {method} request on a modern stream (2026-07-28 has no server→client requests; input requests travel inside results)",
                    p.label
                ),
                "notifications about the request and its response only",
                compact(m),
            ));
        }
    }
}

/// The standard probes: discover, every page of each advertised list, and a read of the first
/// listed resource. Every result-bearing answer is returned.
async fn sweep(ctx: &mut BuiltinCtx<'_>, findings: &mut Vec<Finding>) -> Vec<Probe> {
    let mut out = vec![
        probe(
            ctx,
            "server/discover",
            json!({}),
            "server/discover",
            findings,
        )
        .await,
    ];
    let lists = [
        ("tools", "tools/list", "tools"),
        ("resources", "resources/list", "resources"),
        ("resources", "resources/templates/list", "resourceTemplates"),
        ("prompts", "prompts/list", "prompts"),
    ];
    let mut first_uri = None;
    for (cap, method, field) in lists {
        if !ctx.run.has_capability(cap) {
            continue;
        }
        let walk = walk_list(ctx.session, method, field).await;
        if let Some(e) = &walk.error {
            findings.push(ctx.finding_at(
                Level::Must,
                format!("listing failed: {e}"),
                "every page answered",
                e.clone(),
            ));
        }
        if method == "resources/list" {
            first_uri = walk
                .items
                .iter()
                .find_map(|r| r.get("uri").and_then(Value::as_str).map(str::to_string));
        }
        for (page, resp) in walk.responses.into_iter().enumerate() {
            out.push(Probe {
                label: format!("{method} page {}", page + 1),
                method: method.to_string(),
                response: Some(resp),
                http: None,
                received: Vec::new(),
            });
        }
    }
    if let Some(uri) = first_uri {
        let label = format!("resources/read {uri}");
        out.push(
            probe(
                ctx,
                "resources/read",
                json!({ "uri": uri }),
                &label,
                findings,
            )
            .await,
        );
    }
    out
}

/// `v26.result-type`: every result of the sweep has a `resultType` the client can read.
pub async fn result_type(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let mut findings = Vec::new();
    let probes = sweep(ctx, &mut findings).await;
    let extensions = ctx
        .run
        .capabilities()
        .get("extensions")
        .and_then(Value::as_object)
        .is_some_and(|e| !e.is_empty());
    let mut judged = 0;
    for p in &probes {
        let Some(result) = p.result() else { continue };
        judged += 1;
        match result.get("resultType") {
            None => findings.push(ctx.finding(
                format!("{}: the result has no resultType", p.label),
                "resultType \"complete\" (or \"input_required\")",
                compact(result),
            )),
            Some(Value::String(t)) if t == "complete" || t == "input_required" => {}
            // An extension may add values; without any advertised extension the value is invalid.
            Some(Value::String(t)) if extensions => findings.push(ctx.finding_at(
                Level::Should,
                format!("{}: resultType {t:?} is neither complete nor input_required (an advertised extension may define it)", p.label),
                "complete, input_required or an advertised extension's value",
                t.clone(),
            )),
            Some(other) => findings.push(ctx.finding(
                format!("{}: resultType {other} is not a value the revision or an advertised extension defines", p.label),
                "complete or input_required",
                other.to_string(),
            )),
        }
    }
    if judged == 0 && findings.is_empty() {
        return Err(Skip("no probe was answered with a result".into()));
    }
    Ok(findings)
}

/// `v26.cache-fields`: discover, list and read results carry `ttlMs` (integer ≥ 0) and
/// `cacheScope` (`public`/`private`), and every page of one list has the same `cacheScope`.
pub async fn cache_fields(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let mut findings = Vec::new();
    let probes = sweep(ctx, &mut findings).await;
    let mut judged = 0;
    let mut scopes: Vec<(String, String)> = Vec::new();
    for p in &probes {
        let Some(result) = p.result() else { continue };
        if result.get("resultType").and_then(Value::as_str) == Some("input_required") {
            continue; // not a complete result: no cache hints required
        }
        judged += 1;
        let ttl_ok = result
            .get("ttlMs")
            .and_then(Value::as_u64)
            .is_some_and(|t| t <= 9_007_199_254_740_991);
        if !ttl_ok {
            findings.push(
                ctx.finding(
                    format!("{}: ttlMs is missing or not an integer ≥ 0", p.label),
                    "ttlMs: an integer ≥ 0",
                    result
                        .get("ttlMs")
                        .map_or_else(|| "absent".to_string(), Value::to_string),
                ),
            );
        }
        match result.get("cacheScope").and_then(Value::as_str) {
            Some(s @ ("public" | "private")) => {
                if let Some((_, first)) = scopes.iter().find(|(m, _)| *m == p.method) {
                    if first != s {
                        findings.push(ctx.finding(
                            format!(
                                "{}: cacheScope {s} differs from the first page's {first}",
                                p.label
                            ),
                            format!("cacheScope {first} on every page of {}", p.method),
                            s.to_string(),
                        ));
                    }
                } else {
                    scopes.push((p.method.clone(), s.to_string()));
                }
            }
            _ => findings.push(
                ctx.finding(
                    format!("{}: cacheScope is missing or not public/private", p.label),
                    "cacheScope: \"public\" or \"private\"",
                    result
                        .get("cacheScope")
                        .map_or_else(|| "absent".to_string(), Value::to_string),
                ),
            ),
        }
    }
    if judged == 0 && findings.is_empty() {
        return Err(Skip(
            "no discover, list or read request was answered with a result".into(),
        ));
    }
    Ok(findings)
}

/// Error codes the revision defines in its reserved range.
const DEFINED: [i64; 3] = [-32020, -32021, -32022];

/// `v26.err-codes`: errors provoked on purpose use no code the revision reserves without
/// defining it (-32020..-32099 except -32020/-32021/-32022), nor the removed -32002 and -32042;
/// the legacy range -32000..-32019 is a SHOULD NOT.
pub async fn err_codes(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let mut findings = Vec::new();
    let mut probes = vec![
        probe(
            ctx,
            "mcpcheck/no-such-method",
            json!({}),
            "an unknown method",
            &mut findings,
        )
        .await,
    ];
    let conditional = [
        (
            "tools",
            "tools/call",
            json!({"name": "mcpcheck-no-such-tool", "arguments": {}}),
            "an unknown tool",
        ),
        (
            "tools",
            "tools/list",
            json!({"cursor": "mcpcheck-not-a-cursor"}),
            "a junk cursor",
        ),
        (
            "resources",
            "resources/read",
            json!({"uri": "mcpcheck://no/such/resource"}),
            "an unknown resource",
        ),
        (
            "prompts",
            "prompts/get",
            json!({"name": "mcpcheck-no-such-prompt"}),
            "an unknown prompt",
        ),
    ];
    for (cap, method, params, label) in conditional {
        if ctx.run.has_capability(cap) {
            let label = format!("{method} of {label}");
            probes.push(probe(ctx, method, params, &label, &mut findings).await);
        }
    }
    for p in &probes {
        let Some(code) = p
            .response
            .as_ref()
            .and_then(|r| r.pointer("/error/code"))
            .and_then(Value::as_i64)
        else {
            continue;
        };
        let (level, why) = match code {
            -32002 => (Level::Must, "-32002 (resource not found) was removed in 2026-07-28; use -32602"),
            -32042 => (Level::Must, "-32042 (URL elicitation required) was removed in 2026-07-28"),
            c if (-32099..=-32020).contains(&c) && !DEFINED.contains(&c) => (
                Level::Must,
                "-32020..-32099 is reserved for codes the specification defines (only -32020, -32021 and -32022 are)",
            ),
            c if (-32019..=-32000).contains(&c) => (
                Level::Should,
                "-32000..-32019 is the legacy sub-range new implementations should not use",
            ),
            _ => continue,
        };
        findings.push(ctx.finding_at(
            level,
            format!("{}: error code {code}: {why}", p.label),
            "a JSON-RPC standard code or one the revision defines",
            code.to_string(),
        ));
    }
    Ok(findings)
}
