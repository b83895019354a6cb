//! The modern, stateless era (protocol revision 2026-07-28) next to the legacy sessions.
//!
//! A request is modern when its `params._meta` names a protocol version under
//! `io.modelcontextprotocol/protocolVersion`. Such a request needs no `initialize` and no
//! session: its `_meta` carries the client's capabilities (and identity) for that request only.
//! The transports hand it here through one branch each (`http/post.rs`, `stdio.rs`); it is
//! validated (`meta`, and on HTTP `headers`), routed (`route`: removed methods are unknown,
//! `server/discover` is answered in `discover`, the tools that need the client take the multi
//! round-trip form of `mrtr` with its sealed `request_state`), served by the legacy method
//! handlers in a throwaway per-request session, and its result shaped for the era (`results`: `resultType`,
//! caching hints, `serverInfo`). `policy` decides which request-scoped notifications reach the
//! client, `errors` builds the era's error codes, `stream` writes its SSE responses.

pub(crate) mod discover;
pub(crate) mod errors;
pub(crate) mod headers;
pub(crate) mod http;
pub(crate) mod listen;
pub(crate) mod meta;
pub(crate) mod mrtr;
pub(crate) mod param_headers;
pub(crate) mod param_tools;
pub(crate) mod policy;
pub(crate) mod request_state;
pub(crate) mod results;
pub(crate) mod route;
pub(crate) mod state;
pub(crate) mod stdio;
pub(crate) mod stream;
pub(crate) mod tasks;

use crate::version::Version;
use serde_json::Value;

/// The modern protocol revision this server implements.
pub(crate) const MODERN_VERSION: &str = "2026-07-28";

/// Every protocol version the server accepts, newest first: the modern one, then the legacy
/// revisions an `initialize` can negotiate (the lists in `server/discover` and in -32022).
pub(crate) fn supported_versions() -> Vec<String> {
    std::iter::once(MODERN_VERSION.to_string())
        .chain(Version::ALL.iter().rev().map(|v| v.as_str().to_string()))
        .collect()
}

/// Whether a received message belongs to the modern era: its `params._meta` carries the
/// protocol-version key (whatever its value; a malformed one is rejected later as modern).
pub(crate) fn is_modern(msg: &Value) -> bool {
    msg.get("params")
        .and_then(|p| p.get("_meta"))
        .and_then(|m| m.get(meta::PROTOCOL_VERSION))
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn modern_when_meta_names_a_version() {
        let m = |meta: Value| json!({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":meta}});
        assert!(is_modern(&m(json!({meta::PROTOCOL_VERSION: "2026-07-28"}))));
        assert!(is_modern(&m(json!({meta::PROTOCOL_VERSION: 7}))));
        assert!(!is_modern(&m(json!({"progressToken": 1}))));
        assert!(!is_modern(
            &json!({"jsonrpc":"2.0","id":1,"method":"initialize"})
        ));
    }

    #[test]
    fn supported_lists_both_eras_newest_first() {
        let v = supported_versions();
        assert_eq!(v[0], MODERN_VERSION);
        assert!(v.iter().any(|s| s == "2025-11-25"));
        assert!(v.iter().any(|s| s == "2025-03-26"));
    }
}
