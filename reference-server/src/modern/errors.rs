//! Error codes of the modern era: the three the specification defines in its reserved range
//! (-32020 header mismatch, -32021 missing client capability, -32022 unsupported version), and
//! the translation of handler errors so modern traffic never carries a code the era forbids
//! (-32002 resource-not-found became -32602; nothing else from -32020..-32099).

use crate::fault::Fault;
use crate::jsonrpc::{codes, RpcError};
use crate::state::ServerState;
use serde_json::{json, Value};

/// HTTP headers do not match the body, or a required header is missing or malformed.
pub(crate) const HEADER_MISMATCH: i64 = -32020;
/// The request needs a client capability its `_meta` did not declare.
pub(crate) const MISSING_CAPABILITY: i64 = -32021;
/// The requested protocol version is not implemented.
pub(crate) const UNSUPPORTED_VERSION: i64 = -32022;

/// The sub-range the specification reserves for its own codes.
const RESERVED: std::ops::RangeInclusive<i64> = -32099..=-32020;

/// -32020 with `message`.
pub(crate) fn header_mismatch(message: impl Into<String>) -> RpcError {
    RpcError::new(
        HEADER_MISMATCH,
        format!("Header mismatch: {}", message.into()),
    )
}

/// -32021 naming the capabilities the request needs (a `ClientCapabilities` object).
pub(crate) fn missing_capability(required: Value) -> RpcError {
    RpcError::new(MISSING_CAPABILITY, "Missing required client capability")
        .with_data(json!({"requiredCapabilities": required}))
}

/// -32022 echoing the requested version and listing the supported ones.
pub(crate) fn unsupported_version(requested: &str, supported: &[String]) -> RpcError {
    RpcError::new(UNSUPPORTED_VERSION, "Unsupported protocol version")
        .with_data(json!({"supported": supported, "requested": requested}))
}

/// The code a handler's error carries on modern traffic: -32002 becomes -32602 (unless
/// `v26-not-found-32002`), codes of the reserved range the specification does not define
/// become -32603, everything else is kept.
pub(crate) fn modern_code(state: &ServerState, code: i64) -> i64 {
    match code {
        codes::RESOURCE_NOT_FOUND if !state.has(Fault::V26NotFound32002) => codes::INVALID_PARAMS,
        HEADER_MISMATCH | MISSING_CAPABILITY | UNSUPPORTED_VERSION => code,
        c if RESERVED.contains(&c) => codes::INTERNAL_ERROR,
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;

    #[test]
    fn translates_codes_the_era_forbids() {
        let state = ServerState::new(ServerConfig::default());
        assert_eq!(modern_code(&state, -32002), -32602);
        assert_eq!(modern_code(&state, -32042), -32603);
        assert_eq!(modern_code(&state, -32021), -32021);
        assert_eq!(modern_code(&state, -32601), -32601);
        assert_eq!(modern_code(&state, 42), 42);
        let faulty = ServerState::new(ServerConfig::with_fault(Fault::V26NotFound32002));
        assert_eq!(modern_code(&faulty, -32002), -32002);
    }

    #[test]
    fn errors_carry_their_data() {
        let e = unsupported_version("1900-01-01", &["2026-07-28".to_string()]);
        assert_eq!(e.code, -32022);
        assert_eq!(
            e.data,
            Some(json!({"supported": ["2026-07-28"], "requested": "1900-01-01"}))
        );
        let e = missing_capability(json!({"elicitation": {}}));
        assert_eq!(
            e.data.unwrap()["requiredCapabilities"]["elicitation"],
            json!({})
        );
        assert_eq!(header_mismatch("x").code, -32020);
    }
}
