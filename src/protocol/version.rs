//! MCP protocol revisions and a feature table per revision.
//!
//! Version-dependent behaviour is looked up here (`version.features().batching`) instead of
//! comparing version strings throughout the code.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A published MCP protocol revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ProtocolVersion {
    /// 2024-11-05: HTTP+SSE transport.
    #[serde(rename = "2024-11-05")]
    V2024_11_05,
    /// 2025-03-26: Streamable HTTP, batching.
    #[serde(rename = "2025-03-26")]
    V2025_03_26,
    /// 2025-06-18: no batching, structured output, `MCP-Protocol-Version` header.
    #[serde(rename = "2025-06-18")]
    V2025_06_18,
    /// 2025-11-25: SSE polling, 403 on bad Origin, tool name format, tasks.
    #[serde(rename = "2025-11-25")]
    V2025_11_25,
    /// 2026-07-28: stateless, no initialize.
    #[serde(rename = "2026-07-28")]
    V2026_07_28,
}

/// What a protocol revision has, as flags the harness consults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Features {
    /// Uses the `initialize` handshake.
    pub initialize: bool,
    /// Streamable HTTP (otherwise legacy HTTP+SSE).
    pub streamable_http: bool,
    /// JSON-RPC batches are part of the protocol.
    pub batching: bool,
    /// Clients send `MCP-Protocol-Version` after initialization; servers reject invalid values with 400.
    pub protocol_version_header: bool,
    /// `structuredContent` + `outputSchema` on tools.
    pub structured_output: bool,
    /// Tool annotations exist.
    pub tool_annotations: bool,
    /// `completions` capability exists.
    pub completions_capability: bool,
    /// Invalid Origin must be answered with 403 (earlier: any 4xx).
    pub origin_403: bool,
    /// Tool names SHOULD follow the 1-128 `[A-Za-z0-9_.-]` format.
    pub tool_name_format: bool,
    /// SSE streams open with a priming event and may be closed by the server for polling.
    pub sse_polling: bool,
    /// `title` on tools, resources, prompts and implementation info.
    pub titles: bool,
}

impl ProtocolVersion {
    /// Every known revision, oldest first.
    pub const ALL: [ProtocolVersion; 5] = [
        Self::V2024_11_05,
        Self::V2025_03_26,
        Self::V2025_06_18,
        Self::V2025_11_25,
        Self::V2026_07_28,
    ];

    /// Revisions the stateful Streamable HTTP harness negotiates, oldest first.
    pub const STATEFUL_HTTP: [ProtocolVersion; 3] =
        [Self::V2025_03_26, Self::V2025_06_18, Self::V2025_11_25];

    /// Revisions with the `initialize` handshake (stateful sessions over any transport: stdio,
    /// legacy HTTP+SSE for 2024-11-05, Streamable HTTP from 2025-03-26), oldest first.
    pub const STATEFUL: [ProtocolVersion; 4] = [
        Self::V2024_11_05,
        Self::V2025_03_26,
        Self::V2025_06_18,
        Self::V2025_11_25,
    ];

    /// The newest revision the `initialize` handshake negotiates by default.
    pub const NEWEST_STATEFUL: ProtocolVersion = Self::V2025_11_25;

    /// The version string on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2024_11_05 => "2024-11-05",
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    /// Parses a version string; `None` for an unknown one.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The feature table of this revision.
    pub fn features(self) -> Features {
        use ProtocolVersion::*;
        let at_least = |v: ProtocolVersion| self >= v;
        Features {
            initialize: self != V2026_07_28,
            streamable_http: at_least(V2025_03_26),
            batching: self == V2025_03_26,
            protocol_version_header: at_least(V2025_06_18),
            structured_output: at_least(V2025_06_18),
            tool_annotations: at_least(V2025_03_26),
            completions_capability: at_least(V2025_03_26),
            origin_403: at_least(V2025_11_25),
            tool_name_format: at_least(V2025_11_25),
            sse_polling: at_least(V2025_11_25),
            titles: at_least(V2025_06_18),
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a version string that names no known revision.
#[derive(Debug, thiserror::Error)]
#[error("unknown protocol version `{0}` (known: 2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25, 2026-07-28)")]
pub struct UnknownVersion(pub String);

impl FromStr for ProtocolVersion {
    type Err = UnknownVersion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| UnknownVersion(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders() {
        for v in ProtocolVersion::ALL {
            assert_eq!(ProtocolVersion::parse(v.as_str()), Some(v));
        }
        assert!(ProtocolVersion::V2025_03_26 < ProtocolVersion::V2025_11_25);
        assert!(ProtocolVersion::parse("1999-01-01").is_none());
    }

    #[test]
    fn feature_table_matches_the_changelogs() {
        assert!(ProtocolVersion::V2025_03_26.features().batching);
        assert!(!ProtocolVersion::V2025_06_18.features().batching);
        assert!(
            !ProtocolVersion::V2025_03_26
                .features()
                .protocol_version_header
        );
        assert!(
            ProtocolVersion::V2025_06_18
                .features()
                .protocol_version_header
        );
        assert!(!ProtocolVersion::V2026_07_28.features().initialize);
    }
}
