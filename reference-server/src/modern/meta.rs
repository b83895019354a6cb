//! The per-request `_meta` of the modern era: the reserved `io.modelcontextprotocol/*` keys, and
//! reading a request's protocol version, client capabilities, client info and log level.
//!
//! A request missing a required field (version, capabilities) is malformed: -32602. A version
//! the server does not implement is -32022 listing the supported ones. An unknown log level is
//! -32602.

use super::{errors, supported_versions, MODERN_VERSION};
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::methods::logging::LogLevel;
use crate::state::ServerState;
use serde_json::{Map, Value};

/// Protocol version of a request (required).
pub(crate) const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// Client name and version (recommended).
pub(crate) const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// Client capabilities for this request (required; `{}` allowed).
pub(crate) const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// Minimum log level the request wants `notifications/message` for (opt-in).
pub(crate) const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// Server name and version, in every result's `_meta`.
pub(crate) const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
/// Ties a notification to the `subscriptions/listen` request it belongs to.
#[allow(dead_code)] // TEMP: used by subscriptions/listen
pub(crate) const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// What a modern request's `_meta` declares.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RequestMeta {
    /// The requested protocol version (one the server implements).
    pub version: String,
    /// The client's capabilities for this request.
    pub capabilities: Map<String, Value>,
    /// The client's self-description, when sent (display only).
    pub client_info: Option<Map<String, Value>>,
    /// The requested minimum log level; `None`: no log messages at all.
    pub log_level: Option<LogLevel>,
}

impl RequestMeta {
    /// Whether the client declared the capability `name` (e.g. `elicitation`).
    pub fn has_capability(&self, name: &str) -> bool {
        self.capabilities.get(name).is_some_and(Value::is_object)
    }
}

/// The `_meta` object of `params`, if any.
fn meta_of(params: Option<&Value>) -> Option<&Map<String, Value>> {
    params?.get("_meta")?.as_object()
}

/// The protocol version a request names, or -32602 when it is missing or not a string.
pub(crate) fn requested_version(params: Option<&Value>) -> Result<&str, RpcError> {
    match meta_of(params).and_then(|m| m.get(PROTOCOL_VERSION)) {
        Some(Value::String(v)) => Ok(v),
        Some(_) => Err(RpcError::invalid_params(format!(
            "`_meta[\"{PROTOCOL_VERSION}\"]` must be a string"
        ))),
        None => Err(RpcError::invalid_params(format!(
            "missing required `_meta[\"{PROTOCOL_VERSION}\"]`"
        ))),
    }
}

/// Reads and checks the `_meta` of a modern request.
pub(crate) fn parse(state: &ServerState, params: Option<&Value>) -> Result<RequestMeta, RpcError> {
    let version = requested_version(params)?;
    if version != MODERN_VERSION && !state.has(Fault::V26UnsupportedVersionServed) {
        return Err(errors::unsupported_version(version, &supported_versions()));
    }
    let meta = meta_of(params).cloned().unwrap_or_default();
    let capabilities = match meta.get(CLIENT_CAPABILITIES) {
        Some(Value::Object(c)) => c.clone(),
        Some(_) => {
            return Err(RpcError::invalid_params(format!(
                "`_meta[\"{CLIENT_CAPABILITIES}\"]` must be an object"
            )))
        }
        None => {
            return Err(RpcError::invalid_params(format!(
                "missing required `_meta[\"{CLIENT_CAPABILITIES}\"]`"
            )))
        }
    };
    let client_info = match meta.get(CLIENT_INFO) {
        None => None,
        Some(Value::Object(i)) => Some(i.clone()),
        Some(_) => {
            return Err(RpcError::invalid_params(format!(
                "`_meta[\"{CLIENT_INFO}\"]` must be an object"
            )))
        }
    };
    let log_level = match meta.get(LOG_LEVEL) {
        None => None,
        Some(Value::String(name)) => Some(LogLevel::parse(name).ok_or_else(|| {
            RpcError::invalid_params(format!("unknown log level `{name}` in `_meta`"))
        })?),
        Some(_) => {
            return Err(RpcError::invalid_params(format!(
                "`_meta[\"{LOG_LEVEL}\"]` must be a log level name"
            )))
        }
    };
    Ok(RequestMeta {
        version: version.to_string(),
        capabilities,
        client_info,
        log_level,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;
    use serde_json::json;

    fn params(meta: Value) -> Value {
        json!({"_meta": meta})
    }

    fn good() -> Value {
        json!({PROTOCOL_VERSION: MODERN_VERSION, CLIENT_CAPABILITIES: {}, CLIENT_INFO: {"name": "t", "version": "1"}})
    }

    #[test]
    fn reads_a_complete_meta() {
        let state = ServerState::new(ServerConfig::default());
        let mut m = good();
        m[LOG_LEVEL] = json!("warning");
        m[CLIENT_CAPABILITIES] = json!({"elicitation": {}});
        let meta = parse(&state, Some(&params(m))).unwrap();
        assert_eq!(meta.version, MODERN_VERSION);
        assert_eq!(meta.log_level, Some(LogLevel::Warning));
        assert!(meta.has_capability("elicitation") && !meta.has_capability("sampling"));
    }

    #[test]
    fn rejects_missing_fields_and_bad_levels() {
        let state = ServerState::new(ServerConfig::default());
        let code = |m: Value| parse(&state, Some(&params(m))).unwrap_err().code;
        let mut no_caps = good();
        no_caps.as_object_mut().unwrap().remove(CLIENT_CAPABILITIES);
        assert_eq!(code(no_caps), -32602);
        let mut no_version = good();
        no_version.as_object_mut().unwrap().remove(PROTOCOL_VERSION);
        assert_eq!(code(no_version), -32602);
        let mut bad_level = good();
        bad_level[LOG_LEVEL] = json!("verbose");
        assert_eq!(code(bad_level), -32602);
        let mut old = good();
        old[PROTOCOL_VERSION] = json!("1900-01-01");
        let e = parse(&state, Some(&params(old))).unwrap_err();
        assert_eq!(e.code, -32022);
        assert_eq!(e.data.unwrap()["requested"], json!("1900-01-01"));
    }

    #[test]
    fn fault_serves_unsupported_versions() {
        let state = ServerState::new(ServerConfig::with_fault(Fault::V26UnsupportedVersionServed));
        let mut old = good();
        old[PROTOCOL_VERSION] = json!("1900-01-01");
        assert!(parse(&state, Some(&params(old))).is_ok());
    }
}
