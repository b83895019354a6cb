//! `server/discover`: the versions the server accepts (both eras), the capabilities it serves
//! to modern requests, and its instructions. `resultType`, the caching hints and `serverInfo`
//! are added by `results` like on every other modern result.

use super::supported_versions;
use crate::config::Capability;
use crate::methods::lifecycle::INSTRUCTIONS;
use crate::state::ServerState;
use serde_json::{json, Map, Value};

/// The capabilities offered to modern requests. List changes and resource updates reach a
/// modern client only through `subscriptions/listen`, so `listChanged` and `subscribe` are
/// advertised exactly when listen serves them.
pub(crate) fn capabilities(state: &ServerState) -> Value {
    let listen = super::route::LISTEN_SUPPORTED;
    let mut caps = Map::new();
    if state.advertises(Capability::Completions) {
        caps.insert("completions".into(), json!({}));
    }
    if state.advertises(Capability::Logging) {
        caps.insert("logging".into(), json!({}));
    }
    if state.advertises(Capability::Prompts) {
        caps.insert("prompts".into(), flags(&[("listChanged", listen)]));
    }
    if state.advertises(Capability::Resources) {
        caps.insert(
            "resources".into(),
            flags(&[("subscribe", listen), ("listChanged", listen)]),
        );
    }
    if state.advertises(Capability::Tools) {
        caps.insert("tools".into(), flags(&[("listChanged", listen)]));
        // The tasks extension (io.modelcontextprotocol/tasks) augments tools/call.
        caps.insert(
            "extensions".into(),
            json!({super::tasks::EXTENSION: super::tasks::capability()}),
        );
    }
    Value::Object(caps)
}

/// An object with the flags that are true.
fn flags(pairs: &[(&str, bool)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .filter(|(_, on)| *on)
            .map(|(k, _)| ((*k).to_string(), json!(true)))
            .collect(),
    )
}

/// The body of a `DiscoverResult` (without the fields every modern result gets).
pub(crate) fn result(state: &ServerState) -> Value {
    json!({
        "supportedVersions": supported_versions(),
        "capabilities": capabilities(state),
        "instructions": INSTRUCTIONS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;

    #[test]
    fn lists_both_eras_and_served_capabilities() {
        let state = ServerState::new(ServerConfig::default());
        let r = result(&state);
        let versions = r["supportedVersions"].as_array().unwrap();
        assert!(versions.contains(&json!("2026-07-28")) && versions.contains(&json!("2025-11-25")));
        for cap in ["tools", "resources", "prompts", "completions", "logging"] {
            assert!(r["capabilities"].get(cap).is_some(), "{cap}");
        }
        let without = ServerState::new(ServerConfig {
            without: vec!["prompts".into()],
            ..ServerConfig::default()
        });
        assert!(result(&without)["capabilities"].get("prompts").is_none());
    }
}
