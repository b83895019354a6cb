//! `mcpcheck tools <target> --format openai|anthropic|mcp`: the server's tools converted to a
//! provider's function-calling schema, as JSON on stdout (what the conversion changed, such as
//! renamed tools, goes to stderr).

use super::target::TargetArgs;
use super::EXIT_USAGE;
use crate::scenario::builtin::walk_list;
use crate::session::Session;
use crate::tools_export::{convert, Provider};
use crate::transcript::Transcript;
use clap::Args;
use serde_json::Value;
use std::io::Write;
use std::process::ExitCode;

/// `mcpcheck tools`.
#[derive(Debug, Args)]
pub struct ToolsArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Output format: `openai` (Chat Completions tools), `anthropic` (Messages API tools) or
    /// `mcp` (as listed).
    #[arg(long, default_value = "mcp", value_name = "FORMAT")]
    format: String,
}

/// Lists the tools and prints them converted.
pub async fn tools(args: ToolsArgs) -> ExitCode {
    match run(args).await {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

async fn run(args: ToolsArgs) -> Result<ExitCode, String> {
    let provider: Provider = args.format.parse()?;
    let r = args.target.resolve()?;
    let unreachable = |e: String| {
        format!(
            "target {} is unreachable or did not initialize: {e}",
            r.target.display()
        )
    };
    let mut session = Session::open(&r.target, r.client.clone(), Transcript::new())
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    let requested = r
        .spec_version
        .unwrap_or(crate::protocol::ProtocolVersion::NEWEST_STATEFUL);
    let init = match session.handshake(requested).await {
        Ok(init) => init,
        Err(e) => {
            let _ = session.close().await;
            return Err(unreachable(e.to_string()));
        }
    };
    let tools: Vec<Value> = if init.pointer("/capabilities/tools").is_some() {
        let walk = walk_list(&mut session, "tools/list", "tools").await;
        if let Some(e) = walk.error {
            let _ = session.close().await;
            return Err(format!("cannot list the tools: {e}"));
        }
        walk.items
    } else {
        eprintln!("note: the server does not advertise the tools capability");
        Vec::new()
    };
    let _ = session.close().await;
    let (out, notes) = convert(&tools, provider);
    for n in notes {
        eprintln!("note: {n}");
    }
    let mut text = serde_json::to_string_pretty(&out).unwrap_or_else(|_| out.to_string());
    text.push('\n');
    // A closed pipe (`| head`) is the reader's choice, not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}
