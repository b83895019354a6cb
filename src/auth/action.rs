//! The scenario step `auth = { action = "…", … }`: its file format, its validation, and turning
//! its outcome into the step document.
//!
//! The document holds `/auth/action`, `/auth/ok`, `/auth/error` and `/auth/<action>/…` (what
//! the action found), `/http` (the last OAuth exchange: status, headers, body, json) and, when
//! the action did not succeed, `/transport_error` with the reason, so a step without
//! expectations fails by itself. The actions themselves are in [`super::ops`].

use super::ops;
use super::state::AuthState;
use super::AuthError;
use crate::scenario::context::RunContext;
use crate::scenario::doc;
use crate::scenario::template::{render_str, render_value, UnknownVar, Vars};
use crate::session::Session;
use crate::transport::Target;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Instant;

/// The actions an auth step can take.
pub const ACTIONS: &[&str] = &[
    "discover",
    "register",
    "authorize",
    "token",
    "refresh",
    "client_credentials",
    "revoke",
    "introspect",
    "use_token",
    "clear_token",
    "wait_expiry",
    "probe",
    "connect",
];

/// One auth step as written in a scenario. Strings are templated (`${name}`); an empty string
/// means "leave this parameter out" where a default would otherwise be sent.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthStep {
    /// One of [`ACTIONS`].
    pub action: String,
    /// discover: only fetch this issuer's metadata (no probe, no PRM).
    #[serde(default)]
    pub issuer: Option<String>,
    /// register: `auto` (default: pre-registered if a client_id is known, else DCR, else CIMD),
    /// `dcr`, `cimd` or `preregistered`.
    #[serde(default)]
    pub method: Option<String>,
    /// register: `create` (default), or RFC 7592 `read`, `update`, `delete`.
    #[serde(default)]
    pub op: Option<String>,
    /// register: fields merged over the DCR metadata or the CIMD document (null removes).
    #[serde(default)]
    pub metadata: Option<Value>,
    /// register (7592): the registration access token to send instead of the issued one.
    #[serde(default)]
    pub registration_token: Option<String>,
    /// register: `none` (default), `client_secret_basic` or `client_secret_post`.
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// authorize, refresh, client_credentials: `scope`.
    #[serde(default)]
    pub scope: Option<String>,
    /// authorize: a `WWW-Authenticate` value (e.g. captured from a 403): the scopes its Bearer
    /// challenge names are added to the requested scope, the step-up union of 2025-11-25 and
    /// 2026-07-28 (previously requested scopes plus the challenged ones).
    #[serde(default)]
    pub challenge: Option<String>,
    /// authorize: `state` (default: a fresh random value).
    #[serde(default)]
    pub state: Option<String>,
    /// authorize: `S256` (default), `plain` or `none`.
    #[serde(default)]
    pub pkce: Option<String>,
    /// authorize: `redirect_uri`; token: the one sent with the code.
    #[serde(default)]
    pub redirect_uri: Option<String>,
    /// `resource` (RFC 8707); default: the MCP endpoint from 2025-06-18 on.
    #[serde(default)]
    pub resource: Option<String>,
    /// authorize: `response_type` (default `code`).
    #[serde(default)]
    pub response_type: Option<String>,
    /// authorize: extra query parameters.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// authorize: login user (default: the `username` var).
    #[serde(default)]
    pub username: Option<String>,
    /// authorize: login password (default: the `password` var).
    #[serde(default)]
    pub password: Option<String>,
    /// authorize: approve a consent form (default true).
    #[serde(default)]
    pub approve: Option<bool>,
    /// authorize: apply a client's own checks (S256 advertised, state and iss echoed); default
    /// true. Turn off to look at what a server sends when a client would have stopped.
    #[serde(default)]
    pub validate: Option<bool>,
    /// token: `code` (default: the last one received).
    #[serde(default)]
    pub code: Option<String>,
    /// token: `code_verifier` (default: the pending one).
    #[serde(default)]
    pub code_verifier: Option<String>,
    /// token: `grant_type` (default `authorization_code`).
    #[serde(default)]
    pub grant_type: Option<String>,
    /// Client id to use instead of the registered one.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Client secret to use instead of the registered one.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Client authentication: `none`, `basic`, `post` (default: the client's method).
    #[serde(default)]
    pub client_auth: Option<String>,
    /// refresh: the refresh token (default: the current one).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// revoke, introspect, use_token: the token (default: the current access token); probe:
    /// the token to send (default: none).
    #[serde(default)]
    pub token: Option<String>,
    /// revoke, introspect: `token_type_hint`.
    #[serde(default)]
    pub token_type_hint: Option<String>,
    /// use_token: send a forged copy: `signature` (one character of the signature changed) or
    /// `alg-none` (unsigned).
    #[serde(default)]
    pub tamper: Option<String>,
    /// use_token: also send the version's probe request (`initialize`; `tools/list` at
    /// 2026-07-28) with the token right away; its answer is `/http`,
    /// and `/auth/use_token/as_same_origin` tells whether the authorization server shares the
    /// MCP server's origin (a separate one may not be able to revoke self-contained tokens).
    #[serde(default)]
    pub probe: Option<bool>,
    /// Keep what the action obtained (client, code, tokens) for later steps (default true).
    #[serde(default)]
    pub store: Option<bool>,
    /// wait_expiry: longest wait for the current access token to expire (default 5000 ms).
    #[serde(default)]
    pub max_wait_ms: Option<u64>,
}

/// Checks what serde cannot: a known action and known option values.
pub fn check(step: &AuthStep) -> Result<(), String> {
    if !ACTIONS.contains(&step.action.as_str()) {
        return Err(format!(
            "unknown auth action `{}`: expected one of {}",
            step.action,
            ACTIONS.join(", ")
        ));
    }
    let one_of = |what: &str, v: &Option<String>, ok: &[&str]| match v {
        Some(x) if !ok.contains(&x.as_str()) => Err(format!(
            "unknown {what} `{x}`: expected one of {}",
            ok.join(", ")
        )),
        _ => Ok(()),
    };
    one_of(
        "register method",
        &step.method,
        &["auto", "dcr", "cimd", "preregistered"],
    )?;
    one_of(
        "register op",
        &step.op,
        &["create", "read", "update", "delete"],
    )?;
    one_of("pkce", &step.pkce, &["S256", "plain", "none"])?;
    one_of("client_auth", &step.client_auth, &["none", "basic", "post"])?;
    one_of("tamper", &step.tamper, &["signature", "alg-none"])?;
    one_of(
        "token_endpoint_auth_method",
        &step.token_endpoint_auth_method,
        &["none", "client_secret_basic", "client_secret_post"],
    )?;
    Ok(())
}

/// Why an auth step could not produce a document.
#[derive(Debug)]
pub enum StepFailure {
    /// A `${name}` with no value.
    Template(UnknownVar),
    /// The step does not apply here (e.g. a stdio target).
    Unsupported(String),
}

impl From<UnknownVar> for StepFailure {
    fn from(e: UnknownVar) -> Self {
        StepFailure::Template(e)
    }
}

/// What an action produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Whether it did what it was asked.
    pub ok: bool,
    /// Why not.
    pub error: Option<String>,
    /// `/auth/<action>`.
    pub data: Value,
}

impl Outcome {
    /// A success with `data`.
    pub fn ok(data: Value) -> Self {
        Self {
            ok: true,
            error: None,
            data,
        }
    }

    /// A failure with `data` as evidence.
    pub fn failed(error: impl Into<String>, data: Value) -> Self {
        Self {
            ok: false,
            error: Some(error.into()),
            data,
        }
    }

    /// `ok` when `ok`, else a failure with `error()`.
    pub fn check(ok: bool, error: impl FnOnce() -> String, data: Value) -> Self {
        if ok {
            Self::ok(data)
        } else {
            Self::failed(error(), data)
        }
    }
}

/// The step's inputs with templates rendered.
pub struct Inputs<'a> {
    /// The step.
    pub step: &'a AuthStep,
    /// Variables and captures.
    pub vars: &'a Vars,
}

impl Inputs<'_> {
    /// A templated string field: `None` when absent.
    pub fn get(&self, v: &Option<String>) -> Result<Option<String>, UnknownVar> {
        v.as_ref().map(|s| render_str(s, self.vars)).transpose()
    }

    /// A templated JSON field.
    pub fn json(&self, v: &Option<Value>) -> Result<Option<Value>, UnknownVar> {
        v.as_ref().map(|x| render_value(x, self.vars)).transpose()
    }

    /// A variable's non-empty string value.
    pub fn var(&self, name: &str) -> Option<String> {
        match self.vars.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        }
    }
}

/// Runs `step` and returns its step document.
pub async fn perform(
    step: &AuthStep,
    state: &mut AuthState,
    session: &mut Session,
    ctx: &RunContext,
    vars: &Vars,
) -> Result<Value, StepFailure> {
    if !matches!(ctx.target, Target::Http { .. }) {
        return Err(StepFailure::Unsupported(
            "authorization applies to HTTP targets only".into(),
        ));
    }
    let started = Instant::now();
    let inputs = Inputs { step, vars };
    for name in ["password", "client_secret"] {
        state.remember(inputs.var(name).as_deref());
    }
    let _ = state.http.take_last();
    if step.action == "connect" {
        return Ok(ops::connect(session, ctx).await);
    }
    let outcome = match step.action.as_str() {
        "discover" => ops::discover(&inputs, state).await?,
        "register" => ops::register(&inputs, state).await?,
        "authorize" => ops::authorize(&inputs, state).await?,
        "token" => ops::token(&inputs, state).await?,
        "refresh" => ops::refresh(&inputs, state).await?,
        "client_credentials" => ops::client_credentials(&inputs, state).await?,
        "revoke" => ops::revoke(&inputs, state).await?,
        "introspect" => ops::introspect(&inputs, state).await?,
        "use_token" => ops::use_token(&inputs, state, session, ctx).await?,
        "clear_token" => match reopen(session, ctx, None).await {
            Ok(()) => Outcome::ok(serde_json::json!({"cleared": true})),
            Err(e) => Outcome::failed(e.to_string(), Value::Null),
        },
        "wait_expiry" => ops::wait_expiry(&inputs, state).await,
        "probe" => ops::probe(&inputs, state).await?,
        other => Outcome::failed(format!("unknown auth action `{other}`"), Value::Null),
    };
    let mut d = doc::from_received(None, Vec::new(), session, started.elapsed());
    let http = state.http.take_last();
    if let Some(o) = d.as_object_mut() {
        let mut auth = serde_json::Map::new();
        auth.insert("action".into(), Value::String(step.action.clone()));
        auth.insert("ok".into(), Value::Bool(outcome.ok));
        auth.insert(
            "error".into(),
            outcome.error.clone().map_or(Value::Null, Value::String),
        );
        auth.insert(step.action.clone(), outcome.data);
        o.insert("auth".into(), Value::Object(auth));
        o.insert("http".into(), http.map_or(Value::Null, |r| r.to_doc()));
        if let Some(e) = outcome.error {
            o.insert("transport_error".into(), Value::String(e));
        }
    }
    Ok(d)
}

/// Replaces the session's connection with one that sends `Authorization: Bearer <token>` (or no
/// `Authorization` at all), keeping the MCP session id and protocol version header; at a
/// version without `initialize` the new session speaks the stateless wire.
pub async fn reopen(
    session: &mut Session,
    ctx: &RunContext,
    bearer: Option<&str>,
) -> Result<(), AuthError> {
    let mut opts = ctx.opts.clone();
    opts.headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
    if let Some(t) = bearer {
        opts.headers
            .push(("authorization".into(), format!("Bearer {t}")));
    }
    let fresh = Session::open(&ctx.target, opts, session.transcript().clone())
        .await
        .map_err(|e| AuthError::Http(e.to_string()))?;
    if let (Some(old), Some(new)) = (session.http(), fresh.http()) {
        new.set_session_id(old.session_id());
        new.set_protocol_version(old.protocol_version());
    }
    *session = fresh;
    if !ctx.version.features().initialize {
        // The stateless wire (2026-07-28): no handshake, so later requests must carry the
        // per-request `_meta` and headers themselves.
        session.enter_stateless(ctx.version);
    }
    Ok(())
}

impl From<AuthError> for Outcome {
    fn from(e: AuthError) -> Self {
        Outcome::failed(e.to_string(), Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rejects_unknown_actions_and_options() {
        let ok = AuthStep {
            action: "authorize".into(),
            pkce: Some("plain".into()),
            ..AuthStep::default()
        };
        assert!(check(&ok).is_ok());
        let bad = AuthStep {
            action: "authorise".into(),
            ..AuthStep::default()
        };
        assert!(check(&bad).unwrap_err().contains("discover"));
        let bad = AuthStep {
            action: "authorize".into(),
            pkce: Some("S512".into()),
            ..AuthStep::default()
        };
        assert!(check(&bad).unwrap_err().contains("S256"));
    }

    #[test]
    fn parses_from_toml() {
        let s: AuthStep = toml::from_str(
            "action = \"token\"\ncode_verifier = \"\"\nparams = { prompt = \"login\" }",
        )
        .unwrap();
        assert_eq!(s.code_verifier.as_deref(), Some(""));
        assert!(toml::from_str::<AuthStep>("action = \"token\"\nbogus = 1").is_err());
    }
}
