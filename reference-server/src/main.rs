//! The `mcp-reference-server` binary: parse the arguments, run, report a failure on stderr.

use clap::Parser;
use mcp_reference_server::{run, ServeArgs};

#[tokio::main]
async fn main() {
    if let Err(e) = run(ServeArgs::parse()).await {
        eprintln!("mcp-reference-server: {e:#}");
        std::process::exit(2);
    }
}
