//! Which messages may reach the client on a modern request's own stream (its SSE response, or
//! stdout for its id): the response itself; `notifications/progress` for the request's own
//! progress token; `notifications/message` only at or above the level its `_meta` asked for
//! (none without the opt-in). Nothing else: no server-to-client requests, no list changes or
//! resource updates (those travel on `subscriptions/listen` only).

use crate::fault::Fault;
use crate::methods::logging::LogLevel;
use crate::state::ServerState;
use serde_json::Value;

/// The filter of one modern request.
#[derive(Clone, Debug)]
pub(crate) struct Policy {
    log_level: Option<LogLevel>,
    progress_token: Option<Value>,
    log_unrequested: bool,
}

impl Policy {
    /// The filter for a request with this opt-in level and progress token.
    pub fn new(
        state: &ServerState,
        log_level: Option<LogLevel>,
        progress_token: Option<Value>,
    ) -> Self {
        Self {
            log_level,
            progress_token,
            log_unrequested: state.has(Fault::V26LogUnrequested),
        }
    }

    /// Whether `msg` may be sent.
    pub fn allows(&self, msg: &Value) -> bool {
        let method = msg.get("method").and_then(Value::as_str);
        let Some(method) = method else {
            // A response (the request's own): always.
            return msg.get("id").is_some();
        };
        if msg.get("id").is_some() {
            // A server-to-client request: never in this era.
            return false;
        }
        let params = msg.get("params");
        match method {
            "notifications/progress" => {
                let token = params.and_then(|p| p.get("progressToken"));
                token.is_some() && token == self.progress_token.as_ref()
            }
            "notifications/message" => {
                let level = params
                    .and_then(|p| p.get("level"))
                    .and_then(Value::as_str)
                    .and_then(LogLevel::parse);
                match (self.log_level, level) {
                    (Some(min), Some(l)) => l >= min,
                    (None, Some(_)) => self.log_unrequested,
                    (_, None) => false,
                }
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;
    use serde_json::json;

    fn log(level: &str) -> Value {
        json!({"jsonrpc":"2.0","method":"notifications/message","params":{"level":level,"data":1}})
    }

    fn progress(token: Value) -> Value {
        json!({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":token,"progress":1}})
    }

    #[test]
    fn logs_only_with_the_opt_in_and_at_or_above_it() {
        let state = ServerState::new(ServerConfig::default());
        let none = Policy::new(&state, None, None);
        assert!(!none.allows(&log("emergency")));
        let warn = Policy::new(&state, Some(LogLevel::Warning), None);
        assert!(!warn.allows(&log("info")));
        assert!(warn.allows(&log("warning")) && warn.allows(&log("error")));
        let faulty = ServerState::new(ServerConfig::with_fault(Fault::V26LogUnrequested));
        assert!(Policy::new(&faulty, None, None).allows(&log("info")));
    }

    #[test]
    fn progress_only_for_the_own_token_and_no_requests() {
        let state = ServerState::new(ServerConfig::default());
        let p = Policy::new(&state, None, Some(json!("t")));
        assert!(p.allows(&progress(json!("t"))));
        assert!(!p.allows(&progress(json!("u"))));
        assert!(!Policy::new(&state, None, None).allows(&progress(json!("t"))));
        assert!(!p.allows(&json!({"jsonrpc":"2.0","id":1,"method":"sampling/createMessage"})));
        assert!(!p.allows(&json!({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})));
        assert!(p.allows(&json!({"jsonrpc":"2.0","id":1,"result":{}})));
    }
}
