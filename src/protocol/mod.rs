//! What the MCP wire is: protocol versions and the features each has, JSON-RPC framing and error codes.

pub mod jsonrpc;
pub mod version;

pub use jsonrpc::{codes, Message};
pub use version::{Features, ProtocolVersion};
