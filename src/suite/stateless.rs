//! The preflight of a 2026-07-28 (stateless) run: `server/discover` instead of `initialize`.
//!
//! The discover result takes the place of the `initialize` result in the run context: its
//! `capabilities` decide which checks apply and its `serverInfo` names the server in the report.
//! `server/discover` is a MUST for servers, but a client is not required to call it; so a server
//! that fails it still gets checked (the `v26.discover` check is what fails): the capabilities
//! are then inferred from which list methods answer with a result, and the context records that
//! they were inferred.

use super::{SuiteError, SuiteOptions};
use crate::protocol::ProtocolVersion;
use crate::scenario::RunContext;
use crate::session::Session;
use crate::transcript::Transcript;
use serde_json::{json, Map, Value};

/// Error code of `UnsupportedProtocolVersionError`.
const UNSUPPORTED_VERSION: i64 = -32022;

/// Where the capabilities of a stateless run came from, recorded in the context's
/// `init_result` under this key when they were inferred (no usable `server/discover`).
pub const INFERRED_KEY: &str = "x-mcpcheck-inferred";

/// Discovers the server at `version` over a stateless session and lists its tools.
pub(super) async fn preflight(
    o: &SuiteOptions,
    version: ProtocolVersion,
) -> Result<RunContext, SuiteError> {
    let unreachable = |reason: String| SuiteError::Unreachable {
        target: o.target.display(),
        reason,
    };
    let mut session = Session::open(&o.target, o.client.clone(), Transcript::new())
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    session.enter_stateless(version);
    let discovered = discover(&mut session, version).await;
    let init = match discovered {
        Ok(result) => result,
        Err(Discover::Unsupported(reason)) => {
            let _ = session.close().await;
            return Err(SuiteError::Version(reason));
        }
        Err(Discover::Unreachable(reason)) => {
            let _ = session.close().await;
            return Err(unreachable(reason));
        }
        Err(Discover::Failed(reason)) => match infer_capabilities(&mut session).await {
            Some(caps) => json!({ "capabilities": caps, INFERRED_KEY: reason }),
            None => {
                let _ = session.close().await;
                return Err(SuiteError::Version(format!(
                    "the server does not speak the {version} stateless wire: {reason}, and no list method answered"
                )));
            }
        },
    };
    // 2026-07-28 moved serverInfo into each result's `_meta`; the report looks for it at the
    // top level, where `initialize` had it.
    let mut init = init;
    if init.get("serverInfo").is_none() {
        if let Some(info) = init
            .pointer("/_meta/io.modelcontextprotocol~1serverInfo")
            .cloned()
        {
            init["serverInfo"] = info;
        }
    }
    Ok(super::finish_preflight(o, session, version, init).await)
}

/// Why `server/discover` gave no result.
enum Discover {
    /// The server named the version unsupported (-32022).
    Unsupported(String),
    /// Nothing came back at all.
    Unreachable(String),
    /// Another error, or a result that is not an object.
    Failed(String),
}

async fn discover(session: &mut Session, version: ProtocolVersion) -> Result<Value, Discover> {
    let ex = session
        .request("server/discover", None)
        .await
        .map_err(|e| Discover::Unreachable(e.to_string()))?;
    let Some(resp) = ex.response else {
        let status = ex
            .http
            .map(|m| format!(" (HTTP {})", m.status))
            .unwrap_or_default();
        return Err(Discover::Failed(format!(
            "server/discover got no JSON-RPC response{status}"
        )));
    };
    if let Some(err) = resp.get("error") {
        if err.get("code").and_then(Value::as_i64) == Some(UNSUPPORTED_VERSION) {
            let supported = err
                .pointer("/data/supported")
                .map(Value::to_string)
                .unwrap_or_else(|| "nothing".into());
            return Err(Discover::Unsupported(format!(
                "--spec-version {version} was requested but the server does not support it (it lists {supported})"
            )));
        }
        return Err(Discover::Failed(format!(
            "server/discover was answered with an error: {err}"
        )));
    }
    match resp.get("result") {
        Some(r @ Value::Object(_)) => Ok(r.clone()),
        _ => Err(Discover::Failed(format!(
            "server/discover response has no result object: {resp}"
        ))),
    }
}

/// Capabilities from which list methods answer with a result (`None` when none does).
async fn infer_capabilities(session: &mut Session) -> Option<Value> {
    let probes = [
        ("tools/list", "tools"),
        ("resources/list", "resources"),
        ("prompts/list", "prompts"),
    ];
    let mut caps = Map::new();
    for (method, cap) in probes {
        let answered = session
            .request(method, None)
            .await
            .ok()
            .and_then(|ex| ex.response)
            .is_some_and(|r| r.get("result").is_some());
        if answered {
            caps.insert(cap.to_string(), json!({}));
        }
    }
    (!caps.is_empty()).then_some(Value::Object(caps))
}
