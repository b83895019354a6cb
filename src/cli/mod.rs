//! The command line: `run`, `list`, `serve`, `demo`, `snapshot`, `tools`, `shell`. Parsing
//! only; each command is its own file.

mod demo;
mod expected;
mod list;
mod load;
mod matrix;
mod progress;
mod run;
mod shell;
mod snapshot;
mod target;
mod tools;
mod transport;
mod versions;

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
    /// Start the reference server and run the full suite against it over every wire: Streamable
    /// HTTP, the stateless 2026-07-28 wire, legacy HTTP+SSE (2024-11-05) and stdio.
    Demo(DemoArgs),
    /// Load-test a Streamable HTTP endpoint with a profile; merge or compare load reports.
    Load(load::LoadArgs),
    /// Record a server's protocol responses, or check it against a recorded snapshot.
    Snapshot(snapshot::SnapshotArgs),
    /// Print the server's tools in an LLM provider's function-calling format.
    Tools(tools::ToolsArgs),
    /// An interactive prompt to list and call tools, read resources and get prompts.
    Shell(shell::ShellArgs),
}

/// Options shared by `run` and `demo`.
#[derive(Debug, Args, Clone)]
pub struct SuiteArgs {
    /// Protocol version to speak (default: the newest the server agrees to in `initialize`);
    /// `auto` first probes every version (server/discover, then initialize) and reports which the
    /// server accepts.
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
    /// Largest response body or SSE event read from the target, in bytes (`k`/`M` suffixes
    /// allowed); more is a failed check, never unbounded memory.
    #[arg(long, default_value = "10M", value_name = "SIZE")]
    pub max_body: String,
    /// https: also trust the root certificate(s) of this PEM file (a private or self-signed
    /// CA); host names are still verified.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
    /// Write a report: `console:PATH`, `json:PATH`, `junit:PATH`, `markdown:PATH` or
    /// `html:PATH` (repeatable).
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
    /// Known failures: a file of check ids that may fail without failing the run; a listed
    /// check that passes fails the run as stale.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<std::path::PathBuf>,
    /// Write the ids of the checks that failed to this baseline file (the run then passes).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<std::path::PathBuf>,
    /// A load report (`mcpcheck load` JSON) whose plots the HTML report shows.
    #[arg(long, value_name = "FILE")]
    pub load_report: Option<std::path::PathBuf>,
    /// Authorize once before the checks: headless (authorization code + PKCE, logging in with
    /// --username/--password), interactive (your browser), client-credentials, or token:<TOKEN>.
    #[arg(long, value_name = "MODE")]
    pub auth: Option<String>,
    /// OAuth client id (pre-registered; without it, the client registers itself if it can).
    /// Also the `client_id` scenario variable.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// OAuth client secret of a confidential client; also the `client_secret` variable.
    #[arg(
        long,
        env = "MCPCHECK_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub client_secret: Option<String>,
    /// User to log in as in headless mode; also the `username` variable.
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    /// Password for --username; also the `password` variable.
    #[arg(
        long,
        env = "MCPCHECK_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub password: Option<String>,
    /// Scope to ask for (space-separated); also the `scope` variable.
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
}

/// `mcpcheck run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The target: an http(s):// URL of a Streamable HTTP endpoint (or give a command after `--`).
    pub url: Option<String>,
    #[command(flatten)]
    pub suite: SuiteArgs,
    /// Take the target from an MCP client config file (Claude Desktop / Cursor `mcpServers`
    /// JSON), with --server NAME or --all.
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// The server of the --config file to check.
    #[arg(long, value_name = "NAME", requires = "config", conflicts_with = "all")]
    pub server: Option<String>,
    /// Check every server of the --config file and print a server × area matrix.
    #[arg(long, requires = "config")]
    pub all: bool,
    /// Probe which protocol versions the server accepts, run the suite once per version and
    /// print a version × area matrix.
    #[arg(long)]
    pub matrix: bool,
    /// The wire a URL speaks: `streamable-http`, `sse` (legacy HTTP+SSE of 2024-11-05: the URL
    /// is the SSE stream) or `auto` (POST initialize; on a 4xx, a GET stream that opens with
    /// an `endpoint` event means legacy).
    #[arg(long, value_enum, default_value_t = transport::TransportChoice::Auto)]
    pub transport: transport::TransportChoice,
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
    /// Only the HTTP passes (Streamable HTTP, and unless --spec-version is given also the
    /// 2026-07-28 wire and legacy HTTP+SSE), no stdio pass. `--report` paths get the pass name
    /// (`run.json` → `run.http.json`, `run.http-2026.json`, `run.sse.json`, `run.stdio.json`).
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
            Command::Load(args) => load::load(args).await,
            Command::Snapshot(args) => snapshot::snapshot(args).await,
            Command::Tools(args) => tools::tools(args).await,
            Command::Shell(args) => shell::shell(args).await,
        }
    })
}
