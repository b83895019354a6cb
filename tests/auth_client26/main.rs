//! mcpcheck's own OAuth client against the 2026-07-28 authorization rules for clients, each
//! driven against reference authorization servers set up to exercise it:
//!
//! - v2607.as-binding: credentials are keyed by issuer; when the protected resource metadata
//!   moves to another authorization server the client registers again there and sends it
//!   nothing obtained from the first (and gets the first one's back when it returns);
//! - v2607.refresh: an authorization server that issues no refresh tokens still gives a working
//!   flow, with the refresh checks SKIPped (not FAILed); `offline_access` is asked for only
//!   where the metadata lists it;
//! - v2607.scope-union: a step-up asks for the scopes already held plus the challenged ones;
//! - v2607.scope-hierarchy (server rule): the check runs only with the hierarchy given;
//! - `--ca-cert` reaches every OAuth exchange with an https authorization server.

#[path = "../auth_common/mod.rs"]
mod auth_common;
#[path = "../common/mod.rs"]
mod common;

mod binding;
mod refresh;
mod scopes;
mod support;
mod tls;

/// What every part uses.
mod prelude {
    pub(crate) use crate::auth_common::{AuthEnv, Mode, CLIENT, USER};
    pub(crate) use crate::support::*;
    pub(crate) use base64::Engine;
    pub(crate) use mcp_reference_server::{
        start_http, AuthConfig, ClientSpec, Fault, RefreshTokens, RunningServer, ServerConfig,
        UserSpec,
    };
    pub(crate) use mcpcheck::auth::action::{AuthStep, Inputs, Outcome};
    pub(crate) use mcpcheck::auth::exchange::OAuthHttp;
    pub(crate) use mcpcheck::auth::flow::{authorize_run, RunAuth, RunAuthMode, RunAuthOptions};
    pub(crate) use mcpcheck::auth::ops;
    pub(crate) use mcpcheck::auth::state::AuthState;
    pub(crate) use mcpcheck::check::Verdict;
    pub(crate) use mcpcheck::protocol::ProtocolVersion;
    pub(crate) use mcpcheck::scenario::template::Vars;
    pub(crate) use mcpcheck::transcript::{Entry, Transcript};
    pub(crate) use serde_json::Value;
    pub(crate) use std::collections::BTreeSet;
    pub(crate) use std::net::SocketAddr;
    pub(crate) use std::path::PathBuf;
    pub(crate) use std::sync::atomic::{AtomicBool, Ordering};
    pub(crate) use std::sync::Arc;
    pub(crate) use std::time::Duration;
    pub(crate) use tokio::io::{AsyncReadExt, AsyncWriteExt};
    pub(crate) use tokio::net::{TcpListener, TcpStream};
}
