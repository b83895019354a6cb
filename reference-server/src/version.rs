//! The protocol revisions this server speaks and what each one has.
//!
//! Output that depends on the negotiated revision asks one of the feature methods here
//! (`version.titles()`) rather than comparing version strings in the handlers.

use std::fmt;

/// A protocol revision the server can negotiate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// 2024-11-05: the legacy HTTP+SSE transport era; no batching, no titles.
    V2024_11_05,
    /// 2025-03-26: Streamable HTTP, batching, tool annotations, completions.
    V2025_03_26,
    /// 2025-06-18: titles, structured tool output, protocol-version header, no batching.
    V2025_06_18,
    /// 2025-11-25: SSE priming events, icons, tool-name rules.
    V2025_11_25,
}

impl Version {
    /// Every supported revision, oldest first.
    pub const ALL: [Version; 4] = [
        Self::V2024_11_05,
        Self::V2025_03_26,
        Self::V2025_06_18,
        Self::V2025_11_25,
    ];

    /// The revision offered when the client asks for one the server does not support.
    pub const NEWEST: Version = Self::V2025_11_25;

    /// The version string on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2024_11_05 => "2024-11-05",
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
        }
    }

    /// The supported revision with this wire string.
    pub fn parse(s: &str) -> Option<Version> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// JSON-RPC batches are accepted.
    pub fn batching(self) -> bool {
        self == Self::V2025_03_26
    }

    /// `title` on implementation info, tools, resources, prompts and their arguments.
    pub fn titles(self) -> bool {
        self >= Self::V2025_06_18
    }

    /// `outputSchema` on tools and `structuredContent` on results.
    pub fn structured_output(self) -> bool {
        self >= Self::V2025_06_18
    }

    /// A mismatching `MCP-Protocol-Version` header is an error for sessions at this revision.
    pub fn protocol_header(self) -> bool {
        self >= Self::V2025_06_18
    }

    /// SSE streams open with a priming event (an id and empty data).
    pub fn sse_priming(self) -> bool {
        self >= Self::V2025_11_25
    }

    /// `description` on the implementation info.
    pub fn implementation_description(self) -> bool {
        self >= Self::V2025_11_25
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_supported_revisions() {
        for v in Version::ALL {
            assert_eq!(Version::parse(v.as_str()), Some(v));
        }
        assert_eq!(Version::parse("2026-07-28"), None);
        assert_eq!(Version::parse(""), None);
    }

    #[test]
    fn features_follow_the_changelog() {
        assert!(!Version::V2024_11_05.batching());
        assert!(!Version::V2024_11_05.titles());
        assert!(!Version::V2024_11_05.protocol_header());
        assert!(Version::V2025_03_26.batching());
        assert!(!Version::V2025_06_18.batching());
        assert!(!Version::V2025_03_26.titles());
        assert!(Version::V2025_06_18.structured_output());
        assert!(!Version::V2025_06_18.sse_priming());
        assert!(Version::V2025_11_25.sse_priming());
    }
}
