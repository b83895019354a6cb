//! The entry point shared by the binary and `mcpcheck serve`: list faults, or serve over
//! stdio, or serve over HTTP until Ctrl-C.

use crate::config::ServeArgs;
use crate::fault::Fault;
use crate::http::start_http;
use crate::stdio::serve_stdio;
use std::io::Write;

/// Runs the server as the command line asks.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    if args.list_faults {
        let mut out = std::io::stdout().lock();
        for f in Fault::ALL {
            writeln!(out, "{}  {}", f.name(), f.description())?;
        }
        out.flush()?;
        return Ok(());
    }
    let config = args.to_config()?;
    init_logging(args.verbose);
    if !config.faults.is_empty() {
        let names: Vec<&str> = config.faults.iter().map(|f| f.name()).collect();
        tracing::warn!("fault switches on: {}", names.join(", "));
    }
    if args.stdio {
        if config.auth.enabled() {
            // MCP authorization is for HTTP; stdio servers take credentials from the environment.
            tracing::warn!("--auth and --role have no effect over stdio");
        }
        serve_stdio(config, tokio::io::stdin(), tokio::io::stdout()).await?;
        return Ok(());
    }
    // A stand-alone authorization server has no /mcp: announce its issuer (origin) instead.
    let serves_mcp = config.auth.serves_mcp();
    let server = start_http(config, args.bind_addr()?).await?;
    {
        let mut out = std::io::stdout().lock();
        let shown = if serves_mcp {
            server.url()
        } else {
            server.origin()
        };
        writeln!(out, "mcp-reference-server listening on {shown}")?;
        out.flush()?;
    }
    tokio::signal::ctrl_c().await?;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

/// Logs to stderr only (stdout carries MCP messages in stdio mode). Ignores a second init.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("mcp_reference_server={level}"))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
