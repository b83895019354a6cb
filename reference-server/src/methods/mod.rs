//! One module per JSON-RPC method family, plus the parameter and pagination helpers they share.

pub(crate) mod completion;
pub(crate) mod lifecycle;
pub(crate) mod logging;
pub(crate) mod pagination;
pub(crate) mod prompts;
pub(crate) mod resources;
pub(crate) mod tools;

use crate::context::Params;
use crate::jsonrpc::RpcError;
use serde_json::Value;

/// A required string parameter, or -32602.
pub(crate) fn required_str<'a>(params: &'a Params, key: &str) -> Result<&'a str, RpcError> {
    match params.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(RpcError::invalid_params(format!(
            "`{key}` must be a string"
        ))),
        None => Err(RpcError::invalid_params(format!(
            "missing required parameter `{key}`"
        ))),
    }
}

/// An optional object parameter, or -32602 if present with another type.
pub(crate) fn optional_object<'a>(
    params: &'a Params,
    key: &str,
) -> Result<Option<&'a serde_json::Map<String, Value>>, RpcError> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(RpcError::invalid_params(format!(
            "`{key}` must be an object"
        ))),
    }
}
