//! mcpcheck: conformance, load and snapshot testing for MCP servers.
//!
//! Layout: [`protocol`] knows the wire (versions, JSON-RPC); [`transport`] speaks it (Streamable
//! HTTP, stdio, SSE); [`session`] is one client connection with its transcript; [`scenario`]
//! loads and runs the checks written as data under `scenarios/`; [`validate`] checks messages
//! against each version's wire schema; [`check`] is the result model every [`report`] renders.

pub mod auth;
pub mod baseline;
pub mod check;
pub mod cli;
pub mod config_file;
pub mod load;
pub mod protocol;
pub mod report;
pub mod scenario;
pub mod session;
pub mod shell;
pub mod snapshot;
pub mod suite;
pub mod tools_export;
pub mod transcript;
pub mod transport;
pub mod validate;
pub mod versions;
