//! The client side a scenario plays: the capabilities it declares in `initialize` and the
//! replies it gives to server→client requests (`[client]`, `[client.replies]`), and the judging
//! of every server→client request a check's session received.
//!
//! ```toml
//! [client]
//! capabilities = { sampling = {}, elicitation = { form = {} } }
//! [client.replies]
//! "sampling/createMessage" = { result = { role = "assistant", model = "m", content = { type = "text", text = "hi" } } }
//! "roots/list" = { error = { code = -32603, message = "no roots today" } }
//! ```
//!
//! Judging (spec `client/sampling`, `client/elicitation`, `client/roots`): each request must be
//! valid against its version's wire schema (`samp.request`, `elic.form`, `elic.url`); it may go
//! only to a client that declared the capability (`cf.gate`: MUST from 2025-06-18, SHOULD
//! before); an elicitation only in a declared mode (`elic.mode-gate`); sampling `tools` only
//! with `sampling.tools` and `includeContext` beyond `none` only with `sampling.context`
//! (`samp.tools`); no form field that asks for a secret (`elic.sensitive`, WARN); a URL-mode
//! `url` that parses, over https (`elic.url`, WARN otherwise); from 2025-11-25, tool uses and
//! tool results that balance in every sampling request (`samp.balance`, see
//! `validate::sampling_balance`).

use super::expect::compact;
use super::model::ScenarioFile;
use crate::check::{Finding, Level};
use crate::protocol::ProtocolVersion;
use crate::session::{ClientReply, Session};
use crate::validate;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use toml::Spanned;

/// The `[client]` table of a scenario.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The `capabilities` object the client declares in `initialize` (default `{}`).
    #[serde(default)]
    pub capabilities: Option<Spanned<Value>>,
    /// Replies to server→client requests, by method.
    #[serde(default)]
    pub replies: BTreeMap<String, Spanned<ReplySpec>>,
}

/// One configured reply: exactly one of `result` or `error`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplySpec {
    /// The result to answer with.
    #[serde(default)]
    pub result: Option<Value>,
    /// The error to answer with.
    #[serde(default)]
    pub error: Option<ErrorSpec>,
}

/// A JSON-RPC error reply.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSpec {
    /// Error code (e.g. -1: the user rejected a sampling request).
    pub code: i64,
    /// Error message.
    pub message: String,
    /// Optional `data`.
    #[serde(default)]
    pub data: Option<Value>,
}

/// Server→client methods a reply may be configured for.
const METHODS: [&str; 8] = [
    "sampling/createMessage",
    "elicitation/create",
    "roots/list",
    "ping",
    "tasks/get",
    "tasks/result",
    "tasks/list",
    "tasks/cancel",
];

impl ReplySpec {
    /// As the session's reply (`None` when neither or both are set; the loader refuses that).
    pub fn to_reply(&self) -> Option<ClientReply> {
        match (&self.result, &self.error) {
            (Some(r), None) => Some(ClientReply::Result(r.clone())),
            (None, Some(e)) => Some(ClientReply::Error {
                code: e.code,
                message: e.message.clone(),
                data: e.data.clone(),
            }),
            _ => None,
        }
    }
}

/// Load-time checks of `[client]`: the byte offset and message of the first problem.
pub fn check(file: &ScenarioFile) -> Result<(), (usize, String)> {
    let Some(c) = &file.client else {
        return Ok(());
    };
    if let Some(caps) = &c.capabilities {
        if !caps.get_ref().is_object() {
            return Err((
                caps.span().start,
                "expected `capabilities` to be a table (e.g. { sampling = {} })".into(),
            ));
        }
    }
    for (method, reply) in &c.replies {
        if !METHODS.contains(&method.as_str()) {
            return Err((
                reply.span().start,
                format!(
                    "unknown server→client method `{method}`: expected one of {}",
                    METHODS.join(", ")
                ),
            ));
        }
        let r = reply.get_ref();
        if r.result.is_some() == r.error.is_some() {
            return Err((
                reply.span().start,
                format!("the reply to `{method}` needs exactly one of `result` or `error`"),
            ));
        }
        if r.result.as_ref().is_some_and(|v| !v.is_object()) {
            return Err((
                reply.span().start,
                format!("the `result` replying to `{method}` must be a table"),
            ));
        }
    }
    Ok(())
}

/// Sets the session up as `[client]` says: capabilities for the handshake, and the replies.
pub fn install(spec: &ClientSpec, session: &mut Session) {
    if let Some(caps) = &spec.capabilities {
        session.set_client_capabilities(caps.get_ref().clone());
    }
    for (method, reply) in &spec.replies {
        if let Some(r) = reply.get_ref().to_reply() {
            session.set_client_reply(method, r);
        }
    }
}

/// The capability a server→client method needs, if it is one of the gated ones.
fn capability_for(method: &str) -> Option<&'static str> {
    match method {
        "sampling/createMessage" => Some("sampling"),
        "elicitation/create" => Some("elicitation"),
        "roots/list" => Some("roots"),
        _ => None,
    }
}

/// Whether `caps` declares a capability at a dotted path (`false`/`null` count as absent).
fn declares(caps: &Value, path: &str) -> bool {
    let mut cur = caps;
    for part in path.split('.') {
        match cur.get(part) {
            Some(v) => cur = v,
            None => return false,
        }
    }
    !matches!(cur, Value::Null | Value::Bool(false))
}

/// Form-field names that ask for a secret.
const SECRET_WORDS: [&str; 7] = [
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "credential",
];

/// Findings for every server→client request the session received, judged against what it
/// declared at `version` (none on the stateless wire, which has no such requests), and for
/// the notifications `notices` judges.
pub fn judge(session: &Session, version: ProtocolVersion) -> Vec<Finding> {
    // Notifications naming ids (elicitation completions, 2026-07-28 cancellations).
    let mut out = super::notices::judge(session, version);
    if !version.features().initialize {
        return out;
    }
    let declared = session.client_capabilities();
    out.extend(
        session
            .server_requests()
            .iter()
            .flat_map(|req| judge_one(req, declared, version)),
    );
    out
}

/// Findings for one server→client request.
pub fn judge_one(req: &Value, declared: &Value, version: ProtocolVersion) -> Vec<Finding> {
    let method = req.get("method").and_then(Value::as_str).unwrap_or("");
    let id = req.get("id").map(compact).unwrap_or_default();
    let what = format!("the server's {method} request (id {id})");
    let params = req.get("params");
    let mut out = Vec::new();
    let mut push = |level: Level, message: String, expected: &str| {
        out.push(Finding {
            verdict: level.failure_verdict(),
            message: format!("{what}: {message}"),
            expected: Some(expected.to_string()),
            actual: Some(compact(req)),
            location: None,
        });
    };
    for v in validate::validate_server_request(version, method, params) {
        push(
            Level::Must,
            format!(
                "violates the wire schema at /params{}: {}",
                v.pointer, v.message
            ),
            "a request valid against the negotiated version's schema",
        );
    }
    let Some(cap) = capability_for(method) else {
        return out;
    };
    if !declares(declared, cap) {
        // Before 2025-06-18 the lifecycle page says SHOULD; from then on it is MUST.
        let level = if version >= ProtocolVersion::V2025_06_18 {
            Level::Must
        } else {
            Level::Should
        };
        push(
            level,
            format!("sent to a client that did not declare the `{cap}` capability"),
            &format!("no {method} request unless the client declared `{cap}`"),
        );
        return out;
    }
    let params = params.cloned().unwrap_or(Value::Null);
    match method {
        "sampling/createMessage" if version >= ProtocolVersion::V2025_11_25 => {
            for why in validate::sampling_balance(Some(&params)) {
                push(
                    Level::Must,
                    format!("unbalanced tool use: {why}"),
                    "after an assistant tool_use, a user message of only tool_result blocks matching every tool_use id",
                );
            }
            if (params.get("tools").is_some() || params.get("toolChoice").is_some())
                && !declares(declared, "sampling.tools")
            {
                push(
                    Level::Must,
                    "carries `tools`/`toolChoice` but the client did not declare `sampling.tools`"
                        .into(),
                    "no tools in sampling without `sampling.tools`",
                );
            }
            let ctx = params.get("includeContext").and_then(Value::as_str);
            if matches!(ctx, Some("thisServer" | "allServers"))
                && !declares(declared, "sampling.context")
            {
                push(
                    Level::Should,
                    format!("asks includeContext {ctx:?} but the client did not declare `sampling.context`"),
                    "includeContext none (or absent) without `sampling.context`",
                );
            }
        }
        "elicitation/create" => judge_elicitation(&params, declared, version, &mut push),
        _ => {}
    }
    out
}

fn judge_elicitation(
    params: &Value,
    declared: &Value,
    version: ProtocolVersion,
    push: &mut impl FnMut(Level, String, &str),
) {
    let url_mode = params.get("mode").and_then(Value::as_str) == Some("url");
    if version >= ProtocolVersion::V2025_11_25 {
        let modes = declared.get("elicitation").and_then(Value::as_object);
        // `elicitation: {}` declares form mode only (backward compatibility).
        let form_ok = modes.map_or(true, |m| m.is_empty() || m.contains_key("form"));
        let url_ok = modes.is_some_and(|m| m.contains_key("url"));
        if url_mode && !url_ok {
            push(
                Level::Must,
                "uses URL mode but the client did not declare `elicitation.url`".into(),
                "only modes the client declared",
            );
        }
        if !url_mode && !form_ok {
            push(
                Level::Must,
                "uses form mode but the client declared URL mode only".into(),
                "only modes the client declared",
            );
        }
    }
    if url_mode {
        let url = params.get("url").and_then(Value::as_str).unwrap_or("");
        match url::Url::parse(url) {
            Err(e) => push(
                Level::Must,
                format!("`url` {url:?} is not a valid URL: {e}"),
                "an absolute URL",
            ),
            Ok(u) if u.scheme() != "https" => push(
                Level::Should,
                format!("`url` uses {}: rather than https", u.scheme()),
                "an https URL",
            ),
            Ok(_) => {}
        }
        return;
    }
    let props = params
        .pointer("/requestedSchema/properties")
        .and_then(Value::as_object);
    for name in props.into_iter().flat_map(|p| p.keys()) {
        let lower = name.to_ascii_lowercase();
        if SECRET_WORDS.iter().any(|w| lower.contains(w)) {
            push(
                Level::Should,
                format!("the form asks for `{name}`, which looks like a secret"),
                "no passwords, keys or tokens requested through form elicitation",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Verdict;
    use serde_json::json;

    fn req(method: &str, params: Value) -> Value {
        json!({"jsonrpc": "2.0", "id": "s1", "method": method, "params": params})
    }

    fn sampling() -> Value {
        req(
            "sampling/createMessage",
            json!({"messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}], "maxTokens": 10}),
        )
    }

    fn verdicts(f: &[Finding]) -> Vec<Verdict> {
        f.iter().map(|f| f.verdict).collect()
    }

    #[test]
    fn gating_is_must_from_2025_06_18_and_should_before() {
        let none = json!({});
        let v = ProtocolVersion::V2025_11_25;
        assert_eq!(verdicts(&judge_one(&sampling(), &none, v)), [Verdict::Fail]);
        assert_eq!(
            verdicts(&judge_one(&sampling(), &none, ProtocolVersion::V2025_03_26)),
            [Verdict::Warn]
        );
        assert!(judge_one(&sampling(), &json!({"sampling": {}}), v).is_empty());
        assert!(!judge_one(&sampling(), &json!({"sampling": false}), v).is_empty());
        assert!(judge_one(&req("ping", json!({})), &none, v).is_empty());
    }

    #[test]
    fn malformed_sampling_fails_on_the_schema() {
        let bad = req(
            "sampling/createMessage",
            json!({"messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}]}),
        );
        let f = judge_one(&bad, &json!({"sampling": {}}), ProtocolVersion::V2025_11_25);
        assert_eq!(verdicts(&f), [Verdict::Fail]);
        assert!(f[0].message.contains("maxTokens"), "{}", f[0].message);
    }

    #[test]
    fn sampling_tools_need_the_sub_capability() {
        let mut r = sampling();
        r["params"]["tools"] = json!([{"name": "t", "inputSchema": {"type": "object"}}]);
        r["params"]["includeContext"] = json!("allServers");
        let f = judge_one(&r, &json!({"sampling": {}}), ProtocolVersion::V2025_11_25);
        assert_eq!(verdicts(&f), [Verdict::Fail, Verdict::Warn]);
        let ok = json!({"sampling": {"tools": {}, "context": {}}});
        assert!(judge_one(&r, &ok, ProtocolVersion::V2025_11_25).is_empty());
    }

    #[test]
    fn elicitation_modes_shapes_and_secrets() {
        let v = ProtocolVersion::V2025_11_25;
        let form_only = json!({"elicitation": {}});
        let url = req(
            "elicitation/create",
            json!({"mode": "url", "message": "m", "url": "http://x.test/a", "elicitationId": "e"}),
        );
        let f = judge_one(&url, &form_only, v);
        assert!(f.iter().any(|f| f.message.contains("elicitation.url")));
        let both = json!({"elicitation": {"form": {}, "url": {}}});
        assert_eq!(
            verdicts(&judge_one(&url, &both, v)),
            [Verdict::Warn],
            "http, not https"
        );
        let nested = req(
            "elicitation/create",
            json!({"message": "m", "requestedSchema": {"type": "object", "properties": {
                "a": {"type": "object", "properties": {}}}}}),
        );
        assert!(judge_one(&nested, &form_only, v)
            .iter()
            .any(|f| f.verdict == Verdict::Fail && f.message.contains("schema")));
        let secret = req(
            "elicitation/create",
            json!({"message": "m", "requestedSchema": {"type": "object", "properties": {
                "api_key": {"type": "string"}}}}),
        );
        assert_eq!(
            verdicts(&judge_one(&secret, &form_only, v)),
            [Verdict::Warn]
        );
        let url_only = json!({"elicitation": {"url": {}}});
        assert!(
            !judge_one(&secret, &url_only, v).is_empty(),
            "form to a url-only client"
        );
    }
}
