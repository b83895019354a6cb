//! `initialize` (version negotiation, capabilities, server info) and `ping`.

use crate::config::Capability;
use crate::context::{HandlerResult, Params};
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::methods::{optional_object, required_str};
use crate::session::{Negotiated, Session};
use crate::state::ServerState;
use crate::version::Version;
use serde_json::{json, Map, Value};

/// The server's name in `serverInfo`.
pub const SERVER_NAME: &str = "mcp-reference-server";

/// Guidance for the model, in the initialize and discover results.
pub(crate) const INSTRUCTIONS: &str =
    "Reference MCP server of mcpcheck. Tools: calculator (add, subtract, \
multiply, divide), weather, search, item CRUD (list_items, get_item, create_item, update_item, \
delete_item), echo, echo_history, slow (progress and cancellation) and toggle_beta_tool.";

/// Picks the version to answer for a requested one.
fn negotiate(state: &ServerState, requested: &str) -> Negotiated {
    let supported = Version::parse(requested);
    if state.has(Fault::VersionEchoUnknown) {
        return Negotiated {
            version: supported.unwrap_or(Version::NEWEST),
            wire: requested.to_string(),
        };
    }
    let version = match (state.has(Fault::VersionNotEchoed), supported) {
        (true, Some(Version::V2025_03_26)) => Version::V2025_11_25,
        (true, Some(Version::V2025_11_25)) => Version::V2025_03_26,
        (_, v) => v.unwrap_or(Version::NEWEST),
    };
    Negotiated {
        version,
        wire: version.as_str().to_string(),
    }
}

/// `initialize`: validates the request, negotiates, and describes the server.
pub(crate) fn initialize(state: &ServerState, session: &Session, params: &Params) -> HandlerResult {
    if session.is_initialized() {
        return Err(RpcError::invalid_request("session is already initialized").into());
    }
    let requested = required_str(params, "protocolVersion")?;
    if optional_object(params, "capabilities")?.is_none() {
        return Err(RpcError::invalid_params("missing required parameter `capabilities`").into());
    }
    let info = optional_object(params, "clientInfo")?
        .ok_or_else(|| RpcError::invalid_params("missing required parameter `clientInfo`"))?;
    for key in ["name", "version"] {
        if !info.get(key).is_some_and(Value::is_string) {
            return Err(
                RpcError::invalid_params(format!("`clientInfo.{key}` must be a string")).into(),
            );
        }
    }
    let negotiated = negotiate(state, requested);
    session
        .client()
        .set_capabilities(params.get("capabilities"));
    let result = initialize_result(state, &negotiated);
    session.set_negotiated(negotiated);
    Ok(result)
}

fn initialize_result(state: &ServerState, negotiated: &Negotiated) -> Value {
    let version = negotiated.version;
    let mut caps = Map::new();
    if state.advertises(Capability::Completions) {
        caps.insert("completions".into(), json!({}));
    }
    if state.advertises(Capability::Logging) {
        caps.insert("logging".into(), json!({}));
    }
    if state.advertises(Capability::Prompts) {
        caps.insert("prompts".into(), json!({"listChanged": true}));
    }
    if state.advertises(Capability::Resources) {
        caps.insert(
            "resources".into(),
            json!({"subscribe": true, "listChanged": true}),
        );
    }
    if state.advertises(Capability::Tools) {
        caps.insert("tools".into(), json!({"listChanged": true}));
        if crate::tasks::enabled(version) {
            caps.insert("tasks".into(), crate::tasks::capability());
        }
    }
    let mut info = Map::new();
    info.insert("name".into(), json!(SERVER_NAME));
    info.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    if version.titles() {
        info.insert("title".into(), json!("MCP Reference Server"));
    }
    if version.implementation_description() {
        info.insert(
            "description".into(),
            json!("A correct MCP server with fault switches, for testing clients and checkers"),
        );
    }
    let mut result = Map::new();
    result.insert("protocolVersion".into(), json!(negotiated.wire));
    result.insert("capabilities".into(), Value::Object(caps));
    if !state.has(Fault::InitMissingServerInfo) {
        result.insert("serverInfo".into(), Value::Object(info));
    }
    result.insert("instructions".into(), json!(INSTRUCTIONS));
    Value::Object(result)
}

/// `ping`: `{}` at any time.
pub(crate) fn ping(state: &ServerState) -> HandlerResult {
    if state.has(Fault::PingError) {
        return Err(RpcError::internal("ping failed").into());
    }
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;

    fn init_params(version: &str) -> Params {
        json!({"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}})
            .as_object()
            .cloned()
            .unwrap()
    }

    fn run(config: ServerConfig, version: &str) -> Value {
        let state = ServerState::new(config);
        let session = Session::new_http("s".into());
        initialize(&state, &session, &init_params(version)).unwrap()
    }

    #[test]
    fn echoes_supported_and_falls_back_to_newest() {
        for v in Version::ALL {
            assert_eq!(
                run(ServerConfig::default(), v.as_str())["protocolVersion"],
                json!(v.as_str())
            );
        }
        assert_eq!(
            run(ServerConfig::default(), "1999-01-01")["protocolVersion"],
            json!("2025-11-25")
        );
    }

    #[test]
    fn titles_only_from_2025_06_18() {
        assert!(run(ServerConfig::default(), "2025-03-26")["serverInfo"]
            .get("title")
            .is_none());
        assert!(run(ServerConfig::default(), "2025-06-18")["serverInfo"]
            .get("title")
            .is_some());
    }

    #[test]
    fn version_faults_change_negotiation() {
        let r = run(
            ServerConfig::with_fault(Fault::VersionNotEchoed),
            "2025-03-26",
        );
        assert_eq!(r["protocolVersion"], json!("2025-11-25"));
        let r = run(
            ServerConfig::with_fault(Fault::VersionEchoUnknown),
            "1999-01-01",
        );
        assert_eq!(r["protocolVersion"], json!("1999-01-01"));
        let r = run(
            ServerConfig::with_fault(Fault::InitMissingServerInfo),
            "2025-06-18",
        );
        assert!(r.get("serverInfo").is_none());
    }

    #[test]
    fn rejects_bad_params_and_second_initialize() {
        let state = ServerState::new(ServerConfig::default());
        let session = Session::new_http("s".into());
        let mut p = init_params("2025-06-18");
        p.remove("clientInfo");
        assert!(initialize(&state, &session, &p).is_err());
        assert!(initialize(&state, &session, &init_params("2025-06-18")).is_ok());
        assert!(initialize(&state, &session, &init_params("2025-06-18")).is_err());
    }

    #[test]
    fn without_hides_capabilities() {
        let config = ServerConfig {
            without: vec!["completions".into()],
            ..ServerConfig::default()
        };
        let caps = run(config, "2025-06-18")["capabilities"].clone();
        assert!(caps.get("completions").is_none());
        assert!(caps.get("tools").is_some());
        let caps = run(
            ServerConfig::with_fault(Fault::CapabilityUnadvertised),
            "2025-06-18",
        )["capabilities"]
            .clone();
        assert!(caps.get("completions").is_none());
    }
}
