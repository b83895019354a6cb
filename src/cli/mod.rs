//! The command line: `run`, `list`, `serve`, `demo`. Parsing only; each command is its own file.

mod demo;
mod list;
mod run;

use clap::{Args, Parser, Subcommand};
use std::process::ExitCode;

/// Exit code for usage, configuration and unreachable-target errors.
pub const EXIT_USAGE: u8 = 2;

/// mcpcheck: does your MCP server follow the spec?
#[derive(Debug, Parser)]
#[command(name = "mcpcheck", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the conformance suite against a Streamable HTTP URL or a stdio command (after `--`).
    Run(RunArgs),
    /// List the scenarios with id, level, versions and spec reference.
    List(ListArgs),
    /// Start the bundled reference MCP server.
    Serve(mcp_reference_server::ServeArgs),
    /// Start the reference server and run the full suite against it over HTTP and stdio.
    Demo(DemoArgs),
}

/// Options shared by `run` and `demo`.
#[derive(Debug, Args, Clone)]
pub struct SuiteArgs {
    /// Protocol version to negotiate (default: the newest the server accepts).
    #[arg(long, value_name = "VERSION")]
    pub spec_version: Option<String>,
    /// Run only checks whose id or tag matches this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub only: Vec<String>,
    /// Skip checks whose id or tag matches this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub skip: Vec<String>,
    /// Extra HTTP header `Name: value` sent on every request, e.g. a bearer token (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
    /// Longest wait for any single network operation: `10s`, `500ms` or seconds.
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    pub timeout: String,
    /// Write a report: `console:PATH`, `json:PATH` or `junit:PATH` (repeatable).
    #[arg(long = "report", value_name = "FORMAT:PATH")]
    pub reports: Vec<String>,
    /// Print the transcript of each failed or warned check.
    #[arg(short, long)]
    pub verbose: bool,
    /// Also load scenarios from this folder (repeatable).
    #[arg(long = "scenarios", value_name = "DIR")]
    pub scenario_dirs: Vec<std::path::PathBuf>,
    /// Set a scenario variable `name=value` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Which tools checks may call: non-destructive (default), read-only, all, none.
    #[arg(long, default_value = "non-destructive", value_name = "POLICY")]
    pub call_tools: String,
    /// Never colour the console output.
    #[arg(long)]
    pub no_color: bool,
}

/// `mcpcheck run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The target: an http(s):// URL of a Streamable HTTP endpoint (or give a command after `--`).
    pub url: Option<String>,
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// The stdio server command and its arguments.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `mcpcheck list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Also load scenarios from this folder (repeatable).
    #[arg(long = "scenarios", value_name = "DIR")]
    pub scenario_dirs: Vec<std::path::PathBuf>,
}

/// `mcpcheck demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// Only run over HTTP (skip the stdio pass). `--report` paths get the pass name
    /// (`run.json` → `run.http.json`, `run.stdio.json`).
    #[arg(long)]
    pub http_only: bool,
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    runtime.block_on(async move {
        match cli.command {
            Command::Run(args) => run::run(args).await,
            Command::List(args) => list::list(&args),
            Command::Serve(args) => match mcp_reference_server::run(args).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(EXIT_USAGE)
                }
            },
            Command::Demo(args) => demo::demo(args).await,
        }
    })
}
