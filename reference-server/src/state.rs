//! State shared by every session of one server instance: configuration, the session store,
//! the demo data store and the dynamic tool list, plus the shutdown signal.

use crate::config::{Capability, ServerConfig};
use crate::fault::Fault;
use crate::jsonrpc::notification;
use crate::services::data::DataStore;
use crate::session::SessionStore;
use serde_json::json;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// One server instance's shared state.
pub(crate) struct ServerState {
    /// The configuration it was started with.
    pub config: ServerConfig,
    /// Live sessions (over stdio: the single implicit one).
    pub sessions: SessionStore,
    /// The in-memory item store the data tools and `mcp://reference/items` share.
    pub store: Mutex<DataStore>,
    /// Counters and the gate of the load faults (`load-periodic-stall`, `load-error-rate`).
    pub load_faults: crate::dispatch::LoadFaults,
    /// What the modern (2026-07-28) era keeps: MRTR sealing key, listen streams, stdio requests.
    pub modern: crate::modern::state::ModernState,
    /// The tool catalog and its `tools/list` JSON, built once per (revision, beta).
    pub tool_catalog: crate::services::cache::CatalogCache,
    /// The configured limits and the session slots taken (`crate::limits`).
    pub limits: crate::limits::Limiter,
    shutdown: watch::Sender<bool>,
}

impl ServerState {
    /// Fresh state for `config`.
    pub fn new(config: ServerConfig) -> Arc<Self> {
        let (shutdown, _) = watch::channel(false);
        let limits = crate::limits::Limiter::new(config.limits.clone());
        Arc::new(Self {
            config,
            sessions: SessionStore::default(),
            store: Mutex::new(DataStore::seeded()),
            load_faults: crate::dispatch::LoadFaults::default(),
            modern: crate::modern::state::ModernState::default(),
            tool_catalog: Default::default(),
            limits,
            shutdown,
        })
    }

    /// Whether `fault` is on.
    pub fn has(&self, fault: Fault) -> bool {
        self.config.has(fault)
    }

    /// Whether the methods of `cap` are served.
    pub fn serves(&self, cap: Capability) -> bool {
        let dropped = cap == Capability::Logging && self.has(Fault::SnapCapabilityDropped);
        self.config.offers(cap) && !dropped
    }

    /// Whether `cap` appears in the initialize result.
    pub fn advertises(&self, cap: Capability) -> bool {
        let hidden = cap == Capability::Completions && self.has(Fault::CapabilityUnadvertised);
        self.serves(cap) && !hidden
    }

    /// Sends `notifications/resources/updated` for `uri` to every session subscribed to it.
    pub fn notify_resource_updated(&self, uri: &str) {
        if !self.serves(Capability::Resources) {
            return;
        }
        self.modern.listeners().resource_updated(uri);
        for session in self.sessions.all() {
            if session.is_subscribed(uri) {
                session.push(notification(
                    "notifications/resources/updated",
                    json!({"uri": uri}),
                ));
            }
        }
    }

    /// A receiver that turns `true` when the server shuts down (SSE streams end on it).
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Tells every stream to end.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }
}
