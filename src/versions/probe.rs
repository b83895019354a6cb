//! Asks a server which protocol versions it speaks: `server/discover` first (the 2026-07-28
//! stateless wire lists `supportedVersions`), then one `initialize` per stateful version (a
//! server accepts a version when it answers with that same version).
//!
//! The discover request is built here by hand rather than through a stateless session so that the
//! probe works against any server, modern or not, and records exactly what was sent.

use crate::protocol::ProtocolVersion;
use crate::session::Session;
use crate::transcript::Transcript;
use crate::transport::{ClientOptions, RawRequest, Target, TransportError};
use serde_json::{json, Value};

/// `_meta` key naming the protocol version of a stateless request.
const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";

/// What one `initialize` at a given version produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitProbe {
    /// The version asked for.
    pub requested: ProtocolVersion,
    /// The version the server answered, or why there was none.
    pub answered: Result<String, String>,
}

impl InitProbe {
    /// The server agreed to the requested version.
    pub fn accepted(&self) -> bool {
        self.answered.as_deref() == Ok(self.requested.as_str())
    }
}

/// The versions a server accepts, with the evidence for each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSupport {
    /// `supportedVersions` of the `server/discover` result, or why there was none.
    pub discover: Result<Vec<String>, String>,
    /// One `initialize` per stateful version, newest first.
    pub initialize: Vec<InitProbe>,
}

impl VersionSupport {
    /// Every known version the server accepts, oldest first: stateful ones it agreed to in
    /// `initialize`, and 2026-07-28 when `server/discover` lists it.
    pub fn accepted(&self) -> Vec<ProtocolVersion> {
        let mut out: Vec<ProtocolVersion> = self
            .initialize
            .iter()
            .filter(|p| p.accepted())
            .map(|p| p.requested)
            .collect();
        if let Ok(listed) = &self.discover {
            if listed
                .iter()
                .any(|v| v == ProtocolVersion::V2026_07_28.as_str())
            {
                out.push(ProtocolVersion::V2026_07_28);
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The newest accepted version.
    pub fn newest(&self) -> Option<ProtocolVersion> {
        self.accepted().into_iter().max()
    }

    /// One line per probe, for the console.
    pub fn describe(&self) -> String {
        let mut lines = Vec::new();
        lines.push(match &self.discover {
            Ok(v) => format!("server/discover: supportedVersions {}", v.join(", ")),
            Err(e) => format!("server/discover: {e}"),
        });
        for p in &self.initialize {
            lines.push(match &p.answered {
                Ok(_) if p.accepted() => format!("initialize {}: accepted", p.requested),
                Ok(v) => format!("initialize {}: answered {v}", p.requested),
                Err(e) => format!("initialize {}: {e}", p.requested),
            });
        }
        lines.join("\n")
    }
}

/// Probes `target`: discover, then `initialize` at each stateful version (newest first), each in
/// its own session. Errors become evidence in the result, never a failure of the probe.
pub async fn probe(target: &Target, opts: &ClientOptions) -> VersionSupport {
    let discover = discover(target, opts).await;
    let mut initialize = Vec::new();
    for requested in ProtocolVersion::ALL.into_iter().rev() {
        if !requested.features().initialize {
            continue;
        }
        initialize.push(InitProbe {
            requested,
            answered: initialize_at(target, opts, requested).await,
        });
    }
    VersionSupport {
        discover,
        initialize,
    }
}

/// The discover request of the probe.
fn discover_message() -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": "mcpcheck-discover",
        "method": "server/discover",
        "params": {"_meta": {
            META_VERSION: ProtocolVersion::V2026_07_28.as_str(),
            "io.modelcontextprotocol/clientInfo": {"name": "mcpcheck", "version": env!("CARGO_PKG_VERSION")},
            "io.modelcontextprotocol/clientCapabilities": {}
        }}
    })
}

async fn discover(target: &Target, opts: &ClientOptions) -> Result<Vec<String>, String> {
    let mut session = Session::open(target, opts.clone(), Transcript::new())
        .await
        .map_err(|e| e.to_string())?;
    let message = discover_message();
    let response = match session.http() {
        Some(http) => {
            let req = RawRequest::post(message.to_string())
                .header(
                    "mcp-protocol-version",
                    ProtocolVersion::V2026_07_28.as_str(),
                )
                .header("mcp-method", "server/discover");
            let req = RawRequest {
                with_session: false,
                ..req
            };
            http.raw(req).await.map(|r| {
                r.json.or_else(|| {
                    r.sse_events
                        .iter()
                        .filter_map(|e| serde_json::from_str::<Value>(&e.data).ok())
                        .find(|v| v.get("id") == message.get("id"))
                })
            })
        }
        None => session.send(message.clone()).await.map(|ex| ex.response),
    };
    let _ = session.close().await;
    let response = response.map_err(|e| e.to_string())?;
    supported_versions(response.as_ref())
}

/// `result.supportedVersions` of a discover response.
fn supported_versions(response: Option<&Value>) -> Result<Vec<String>, String> {
    let Some(response) = response else {
        return Err("no JSON-RPC response".into());
    };
    if let Some(err) = response.get("error") {
        let code = err.get("code").and_then(Value::as_i64).unwrap_or_default();
        return Err(format!("not served (error {code})"));
    }
    let listed = response
        .pointer("/result/supportedVersions")
        .and_then(Value::as_array)
        .ok_or_else(|| "the result has no supportedVersions list".to_string())?;
    Ok(listed
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect())
}

async fn initialize_at(
    target: &Target,
    opts: &ClientOptions,
    requested: ProtocolVersion,
) -> Result<String, String> {
    let mut session = Session::open(target, opts.clone(), Transcript::new())
        .await
        .map_err(|e| e.to_string())?;
    let outcome = session
        .initialize(Session::default_initialize_params(requested))
        .await;
    let _ = session.close().await;
    let response = outcome
        .map_err(|e: TransportError| e.to_string())?
        .response
        .ok_or_else(|| "no response to initialize".to_string())?;
    if let Some(err) = response.get("error") {
        let code = err.get("code").and_then(Value::as_i64).unwrap_or_default();
        return Err(format!("refused (error {code})"));
    }
    response
        .pointer("/result/protocolVersion")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| "the result has no protocolVersion".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init(requested: ProtocolVersion, answered: &str) -> InitProbe {
        InitProbe {
            requested,
            answered: Ok(answered.into()),
        }
    }

    #[test]
    fn accepted_versions_are_echoed_ones_plus_listed_modern() {
        let support = VersionSupport {
            discover: Ok(vec!["2025-11-25".into(), "2026-07-28".into()]),
            initialize: vec![
                init(ProtocolVersion::V2025_11_25, "2025-11-25"),
                init(ProtocolVersion::V2025_06_18, "2025-11-25"),
                InitProbe {
                    requested: ProtocolVersion::V2024_11_05,
                    answered: Err("refused (error -32602)".into()),
                },
            ],
        };
        assert_eq!(
            support.accepted(),
            vec![ProtocolVersion::V2025_11_25, ProtocolVersion::V2026_07_28]
        );
        assert_eq!(support.newest(), Some(ProtocolVersion::V2026_07_28));
        assert!(support
            .describe()
            .contains("initialize 2025-06-18: answered 2025-11-25"));
    }

    #[test]
    fn discover_errors_are_reasons() {
        assert!(supported_versions(None).is_err());
        let err = supported_versions(Some(&json!({"error": {"code": -32601}})));
        assert_eq!(err, Err("not served (error -32601)".into()));
        let ok = supported_versions(Some(&json!({"result": {"supportedVersions": ["a", 1]}})));
        assert_eq!(ok, Ok(vec!["a".to_string()]));
    }
}
