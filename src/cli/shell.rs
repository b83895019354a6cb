//! `mcpcheck shell <target>`: the interactive prompt of [`crate::shell`].

use super::target::TargetArgs;
use super::EXIT_USAGE;
use crate::shell::{self, ShellOptions};
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// `mcpcheck shell`.
#[derive(Debug, Args)]
pub struct ShellArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Keep the command history in this file (default on a terminal: ~/.mcpcheck_history).
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
}

/// Starts the shell.
pub async fn shell(args: ShellArgs) -> ExitCode {
    let r = match args.target.resolve() {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let history = args.history.or_else(|| {
        let home = std::env::var_os("HOME")?;
        std::io::stdin()
            .is_terminal()
            .then(|| PathBuf::from(home).join(".mcpcheck_history"))
    });
    let options = ShellOptions {
        target: r.target,
        client: r.client,
        spec_version: r.spec_version,
        history,
    };
    match shell::run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
