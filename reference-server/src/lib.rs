//! `mcp-reference-server`: a correct MCP server (protocol revisions 2025-03-26, 2025-06-18 and
//! 2025-11-25, over Streamable HTTP and stdio) with fault switches that each break one rule of
//! the specification, so mcpcheck's tests can prove every check fails when its rule is broken.
//!
//! Layout, in the manner of mini-redis: `jsonrpc` is the wire unit (classify, build, error
//! codes); `dispatch` routes a message to one file per method family under `methods/`
//! (lifecycle, tools, resources, prompts, completion, logging) after the lifecycle and
//! capability rules; `services/` holds the demo tools; `session` keeps per-client state and
//! `state` what all sessions share. The transports are `http/` (axum routes for POST, GET and
//! DELETE behind the Origin/Host guard, with the SSE writer in `sse`) and `stdio`. `auth` is
//! the optional OAuth side (protected resource, authorization server, upstream IdP client),
//! configured by [`AuthConfig`]. `modern` serves the stateless 2026-07-28 era beside the
//! sessions: a request whose `_meta` names a protocol version needs no `initialize` (one branch
//! in each transport hands it there). [`Fault`] lists the switches and
//! [`ServerConfig`]/[`ServeArgs`] configure an instance.

#![warn(missing_docs)]

mod assets;
mod auth;
mod batch;
mod cached_result;
mod client_requests;
mod config;
mod context;
mod dispatch;
mod event_store;
mod expiry;
mod fault;
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod jsonrpc;
mod limits;
mod methods;
mod modern;
mod run;
mod services;
mod session;
mod sse;
mod state;
mod stdio;
mod tasks;
mod version;

pub use auth::{AuthConfig, AuthMode, ClientSpec, RefreshTokens, Role, UserSpec};
pub use config::{AuthArg, Capability, ConfigError, RoleArg, ServeArgs, ServerConfig};
pub use fault::Fault;
pub use http::{start_http, RunningServer, MAX_BODY_BYTES};
pub use limits::{Limits, LIMIT_EXCEEDED};
pub use methods::lifecycle::SERVER_NAME;
pub use modern::param_tools::ParamHeaderStats;
pub use run::run;
pub use stdio::serve_stdio;
pub use version::Version;
