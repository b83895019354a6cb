//! Server configuration: what the server offers and which faults it injects, and the
//! command-line arguments (`ServeArgs`) that build it.

use crate::fault::Fault;
use clap::{ArgAction, Parser};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

/// A server capability that can be withheld with `--without`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Capability {
    /// `completions`: completion/complete.
    Completions,
    /// `logging`: logging/setLevel and notifications/message.
    Logging,
    /// `prompts`: prompts/list, prompts/get.
    Prompts,
    /// `resources`: resources/* methods and resource notifications.
    Resources,
    /// `tools`: tools/list, tools/call.
    Tools,
}

impl Capability {
    /// Every capability, in the order of their names.
    pub const ALL: [Capability; 5] = [
        Self::Completions,
        Self::Logging,
        Self::Prompts,
        Self::Resources,
        Self::Tools,
    ];

    /// The capability's key in `ServerCapabilities`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Completions => "completions",
            Self::Logging => "logging",
            Self::Prompts => "prompts",
            Self::Resources => "resources",
            Self::Tools => "tools",
        }
    }

    /// The capability with this key.
    pub fn from_name(name: &str) -> Option<Capability> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Everything that shapes one server instance.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Rules to break (empty: a correct server).
    pub faults: BTreeSet<Fault>,
    /// Items per page of every paginated list (0 is treated as 1).
    pub page_size: usize,
    /// Capabilities not offered: "completions", "logging", "prompts", "resources", "tools".
    /// Unknown names are ignored here (`ServeArgs::to_config` rejects them).
    pub without: Vec<String>,
    /// Answer every request POST with an SSE stream instead of a JSON body.
    pub sse_responses: bool,
    /// Skip the `Host` header check (for deliberate non-loopback binds; `Origin` is still checked).
    pub allow_remote: bool,
    /// Interval of keep-alive comments on GET streams.
    pub keep_alive: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            faults: BTreeSet::new(),
            page_size: 5,
            without: Vec::new(),
            sse_responses: false,
            allow_remote: false,
            keep_alive: Duration::from_secs(15),
        }
    }
}

impl ServerConfig {
    /// A clean configuration with one fault switched on.
    pub fn with_fault(fault: Fault) -> Self {
        Self {
            faults: BTreeSet::from([fault]),
            ..Self::default()
        }
    }

    /// Whether `fault` is switched on.
    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// Whether `cap` is offered (not listed in `without`).
    pub fn offers(&self, cap: Capability) -> bool {
        !self.without.iter().any(|w| w == cap.name())
    }

    /// The page size actually used.
    pub(crate) fn effective_page_size(&self) -> usize {
        self.page_size.max(1)
    }
}

/// A configuration the user asked for that cannot be honoured.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--fault` named no known switch.
    #[error("unknown fault `{name}`; valid faults: {valid}")]
    UnknownFault {
        /// The name given.
        name: String,
        /// Every valid name, comma-separated.
        valid: String,
    },
    /// `--without` named no known capability.
    #[error("unknown capability `{name}`; valid: completions, logging, prompts, resources, tools")]
    UnknownCapability {
        /// The name given.
        name: String,
    },
    /// `--page-size 0`.
    #[error("--page-size must be at least 1")]
    ZeroPageSize,
    /// `--host` is not a loopback address and `--allow-remote` was not given.
    #[error("--host {host} is not a loopback address; pass --allow-remote to bind it anyway")]
    NonLoopbackHost {
        /// The address given.
        host: IpAddr,
    },
}

/// Command-line arguments of the reference server (also `mcpcheck serve`).
#[derive(Parser, Clone, Debug)]
#[command(name = "mcp-reference-server", version)]
pub struct ServeArgs {
    /// TCP port to listen on (0: an ephemeral port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to bind; non-loopback addresses need --allow-remote.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Allow binding a non-loopback address (also disables the Host header check).
    #[arg(long)]
    pub allow_remote: bool,
    /// Speak newline-delimited JSON-RPC on stdin/stdout instead of HTTP.
    #[arg(long)]
    pub stdio: bool,
    /// Break one rule of the spec (repeatable); see --list-faults.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Print every fault switch with the rule it breaks, then exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Items per page of paginated lists.
    #[arg(long, default_value_t = 5)]
    pub page_size: usize,
    /// Do not offer this capability (repeatable): completions, logging, prompts, resources, tools.
    #[arg(long = "without", value_name = "CAP")]
    pub without: Vec<String>,
    /// Answer every request POST with an SSE stream instead of JSON.
    #[arg(long)]
    pub sse_responses: bool,
    /// More logging on stderr (-v debug, -vv trace).
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,
}

impl ServeArgs {
    /// Builds the server configuration, rejecting unknown fault or capability names.
    pub fn to_config(&self) -> Result<ServerConfig, ConfigError> {
        let mut faults = BTreeSet::new();
        for name in &self.faults {
            let fault = Fault::from_name(name).ok_or_else(|| ConfigError::UnknownFault {
                name: name.clone(),
                valid: Fault::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
            faults.insert(fault);
        }
        for name in &self.without {
            if Capability::from_name(name).is_none() {
                return Err(ConfigError::UnknownCapability { name: name.clone() });
            }
        }
        if self.page_size == 0 {
            return Err(ConfigError::ZeroPageSize);
        }
        Ok(ServerConfig {
            faults,
            page_size: self.page_size,
            without: self.without.clone(),
            sse_responses: self.sse_responses,
            allow_remote: self.allow_remote,
            ..ServerConfig::default()
        })
    }

    /// The address to bind, refusing a non-loopback host without `--allow-remote`.
    pub fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        if !self.host.is_loopback() && !self.allow_remote {
            return Err(ConfigError::NonLoopbackHost { host: self.host });
        }
        Ok(SocketAddr::new(self.host, self.port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> ServeArgs {
        ServeArgs::try_parse_from(std::iter::once("srv").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn defaults_are_loopback_ephemeral_and_clean() {
        let a = parse(&[]);
        assert_eq!(a.bind_addr().unwrap(), "127.0.0.1:0".parse().unwrap());
        let c = a.to_config().unwrap();
        assert!(c.faults.is_empty());
        assert_eq!(c.page_size, 5);
        assert!(Capability::ALL.iter().all(|cap| c.offers(*cap)));
    }

    #[test]
    fn faults_and_capabilities_are_parsed() {
        let c = parse(&[
            "--fault",
            "ping-error",
            "--fault",
            "bad-tool-name",
            "--without",
            "logging",
        ])
        .to_config()
        .unwrap();
        assert!(c.has(Fault::PingError) && c.has(Fault::BadToolName));
        assert!(!c.offers(Capability::Logging));
        assert!(c.offers(Capability::Tools));
    }

    #[test]
    fn unknown_fault_lists_valid_names() {
        let err = parse(&["--fault", "nope"])
            .to_config()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("nope") && err.contains("wrong-response-id"),
            "{err}"
        );
        assert!(parse(&["--without", "sampling"]).to_config().is_err());
        assert!(parse(&["--page-size", "0"]).to_config().is_err());
    }

    #[test]
    fn works_as_a_subcommand_of_another_cli() {
        #[derive(Parser)]
        struct Outer {
            #[command(subcommand)]
            cmd: Sub,
        }
        #[derive(clap::Subcommand)]
        enum Sub {
            Serve(ServeArgs),
        }
        use clap::CommandFactory;
        Outer::command().debug_assert();
        let Outer { cmd: Sub::Serve(a) } =
            Outer::try_parse_from(["outer", "serve", "--port", "7", "--stdio", "-vv"]).unwrap();
        assert_eq!((a.port, a.stdio, a.verbose), (7, true, 2));
    }

    #[test]
    fn non_loopback_needs_allow_remote() {
        assert!(parse(&["--host", "0.0.0.0"]).bind_addr().is_err());
        assert!(parse(&["--host", "0.0.0.0", "--allow-remote"])
            .bind_addr()
            .is_ok());
        assert!(parse(&["--host", "::1"]).bind_addr().is_ok());
    }
}
