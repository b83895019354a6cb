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
//! configured by [`AuthConfig`]. [`Fault`] lists the switches and
//! [`ServerConfig`]/[`ServeArgs`] configure an instance.

#![warn(missing_docs)]

mod assets;
mod auth;
mod batch;
mod config;
mod context;
mod dispatch;
mod fault;
mod http;
mod jsonrpc;
mod methods;
mod run;
mod services;
mod session;
mod sse;
mod state;
mod stdio;
mod version;

pub use auth::{AuthConfig, AuthMode, ClientSpec, Role, UserSpec};
pub use config::{AuthArg, Capability, ConfigError, RoleArg, ServeArgs, ServerConfig};
pub use fault::Fault;
pub use http::{start_http, RunningServer, MAX_BODY_BYTES};
pub use methods::lifecycle::SERVER_NAME;
pub use run::run;
pub use stdio::serve_stdio;
pub use version::Version;
