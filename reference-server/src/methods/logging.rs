//! Log levels (RFC 5424, as MCP names them) and `logging/setLevel`.

use crate::context::{HandlerResult, Params, RequestCtx};
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::methods::required_str;
use serde_json::json;

/// A log level, least severe first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// debug
    Debug,
    /// info (the threshold before any `logging/setLevel`)
    #[default]
    Info,
    /// notice
    Notice,
    /// warning
    Warning,
    /// error
    Error,
    /// critical
    Critical,
    /// alert
    Alert,
    /// emergency
    Emergency,
}

impl LogLevel {
    /// Every level, least severe first.
    pub const ALL: [LogLevel; 8] = [
        Self::Debug,
        Self::Info,
        Self::Notice,
        Self::Warning,
        Self::Error,
        Self::Critical,
        Self::Alert,
        Self::Emergency,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Notice => "notice",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Critical => "critical",
            Self::Alert => "alert",
            Self::Emergency => "emergency",
        }
    }

    /// The level with this wire name.
    pub fn parse(s: &str) -> Option<LogLevel> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// `logging/setLevel {level}`: sets the session's threshold.
pub(crate) fn set_level(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let name = required_str(params, "level")?;
    let level = LogLevel::parse(name)
        .ok_or_else(|| RpcError::invalid_params(format!("unknown log level `{name}`")))?;
    if ctx.has(Fault::SetlevelError) {
        return Err(RpcError::internal("could not set the log level").into());
    }
    ctx.session.set_log_level(level);
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_order() {
        for l in LogLevel::ALL {
            assert_eq!(LogLevel::parse(l.as_str()), Some(l));
        }
        assert!(LogLevel::Debug < LogLevel::Emergency);
        assert_eq!(LogLevel::parse("verbose"), None);
        assert_eq!(LogLevel::default(), LogLevel::Info);
    }
}
