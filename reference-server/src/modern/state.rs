//! What the modern era keeps per server instance: the key that seals MRTR request states, the
//! open `subscriptions/listen` streams, and the per-request sessions of the requests in flight on stdio, so a `notifications/cancelled`
//! naming one reaches it. (Over HTTP a request is cancelled by closing its stream, which needs
//! no table.)

use super::listen::Listeners;
use super::request_state::Sealer;
use crate::session::{id_key, lock, Session};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Shared state of the modern era.
#[derive(Default)]
pub(crate) struct ModernState {
    in_flight: Mutex<HashMap<String, Arc<Session>>>,
    sealer: Sealer,
    listeners: Listeners,
    tasks: super::tasks::store::ExtTasks,
    param_tools: super::param_tools::ParamToolCounters,
}

impl ModernState {
    /// The open `subscriptions/listen` streams.
    pub fn listeners(&self) -> &Listeners {
        &self.listeners
    }

    /// The tasks of the tasks extension.
    pub fn tasks(&self) -> &super::tasks::store::ExtTasks {
        &self.tasks
    }

    /// What the `Mcp-Param-*` tools saw over HTTP.
    pub fn param_tools(&self) -> &super::param_tools::ParamToolCounters {
        &self.param_tools
    }

    /// The per-process key of MRTR request states.
    pub fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// Records that request `id` runs in `session`.
    pub fn begin(&self, id: &Value, session: &Arc<Session>) {
        lock(&self.in_flight).insert(id_key(id), session.clone());
    }

    /// Forgets request `id`.
    pub fn end(&self, id: &Value) {
        lock(&self.in_flight).remove(&id_key(id));
    }

    /// Cancels request `id` if it is in flight; false otherwise.
    pub fn cancel(&self, id: &Value) -> bool {
        let session = lock(&self.in_flight).get(&id_key(id)).cloned();
        session.is_some_and(|s| s.cancel_request(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cancels_only_requests_in_flight() {
        let m = ModernState::default();
        let s = Arc::new(Session::new_http("m".into()));
        let rx = s.begin_request(&json!(3));
        m.begin(&json!(3), &s);
        assert!(!m.cancel(&json!("3")));
        assert!(m.cancel(&json!(3)));
        assert!(*rx.borrow());
        m.end(&json!(3));
        assert!(!m.cancel(&json!(3)));
    }
}
