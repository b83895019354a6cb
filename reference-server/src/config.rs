//! Server configuration: what the server offers and which faults it injects, and the
//! command-line arguments (`ServeArgs`) that build it.

use crate::auth::{AuthConfig, AuthMode, ClientSpec, Role, UserSpec};
use crate::fault::Fault;
use clap::{ArgAction, Parser, ValueEnum};
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
    /// SSE polling (2025-11-25 sessions): close a request's stream connection this long after
    /// it opened while the response is not ready, sending `retry` (the same interval) first; the
    /// client resumes with GET + `Last-Event-ID`. `None`: streams stay open until the response.
    pub sse_poll: Option<Duration>,
    /// Skip the `Host` header check (for deliberate non-loopback binds; `Origin` is still checked).
    pub allow_remote: bool,
    /// Interval of keep-alive comments on GET streams.
    pub keep_alive: Duration,
    /// OAuth: none (the default), same-origin, separate authorization server, or upstream.
    pub auth: AuthConfig,
    /// Limits against hostile or runaway clients, and the idle session timeout.
    pub limits: crate::limits::Limits,
    /// End every 2026-07-28 `subscriptions/listen` this long after it opened, with the
    /// closing result carrying its subscription id. `None`: listens end only at shutdown.
    pub listen_max: Option<Duration>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            faults: BTreeSet::new(),
            page_size: 5,
            without: Vec::new(),
            sse_responses: false,
            sse_poll: None,
            allow_remote: false,
            keep_alive: Duration::from_secs(15),
            auth: AuthConfig::default(),
            limits: crate::limits::Limits::default(),
            listen_max: None,
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
    /// A limit flag is zero or out of range.
    #[error("--{flag} must be {rule}")]
    InvalidLimit {
        /// The flag, without dashes.
        flag: &'static str,
        /// What it must be.
        rule: &'static str,
    },
    /// The `--auth`/`--role` flags do not fit together, or a users file cannot be read.
    #[error("{reason}")]
    InvalidAuth {
        /// What is wrong.
        reason: String,
    },
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
    /// SSE polling for 2025-11-25 sessions: close a request's stream after MS milliseconds
    /// while its response is not ready (after sending `retry: MS`); clients resume with
    /// GET + Last-Event-ID.
    #[arg(long, value_name = "MS")]
    pub sse_poll_ms: Option<u64>,
    /// End every 2026-07-28 subscriptions/listen MS milliseconds after it opened (the closing
    /// result carries the subscription id); without it, listens end only at shutdown.
    #[arg(long, value_name = "MS")]
    pub listen_max_ms: Option<u64>,
    /// More logging on stderr (-v debug, -vv trace).
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,
    /// Protect /mcp with OAuth: none, oauth (built-in or --as-url authorization server), or
    /// upstream (third-party flow through --upstream).
    #[arg(long, value_enum, default_value_t = AuthArg::None)]
    pub auth: AuthArg,
    /// mcp: serve /mcp (and its authorization server); as: only the authorization server.
    #[arg(long, value_enum, default_value_t = RoleArg::Mcp)]
    pub role: RoleArg,
    /// With --auth oauth: a separate authorization server's issuer URL (loopback only).
    #[arg(long, value_name = "URL")]
    pub as_url: Option<String>,
    /// With --auth upstream: the upstream IdP's issuer URL (loopback only).
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,
    /// This server's client at the upstream IdP; without it, register there with DCR.
    #[arg(long, value_name = "ID:SECRET")]
    pub upstream_client: Option<String>,
    /// A user of the login form (repeatable); default: `demo` with a random password.
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    pub users: Vec<String>,
    /// A file of users, one NAME:PASSWORD per line.
    #[arg(long, value_name = "FILE")]
    pub users_file: Option<std::path::PathBuf>,
    /// A pre-registered confidential client (repeatable); scopes space- or comma-separated.
    #[arg(long = "client", value_name = "ID:SECRET[:SCOPES]")]
    pub clients: Vec<String>,
    /// Skip the consent page (the login is still required).
    #[arg(long)]
    pub auto_approve: bool,
    /// Fetch client ID metadata documents from loopback addresses (for tests).
    #[arg(long)]
    pub allow_loopback_cimd: bool,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub token_ttl: u64,
    /// Lifetime of authorization codes, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub code_ttl: u64,
    /// Issue no refresh tokens at all (clients must not assume them).
    #[arg(long, conflicts_with = "offline_access")]
    pub no_refresh_tokens: bool,
    /// Issue refresh tokens only to authorizations that asked for `offline_access` (then listed
    /// in the authorization server metadata's scopes_supported).
    #[arg(long)]
    pub offline_access: bool,
    /// Most messages in one JSON-RPC batch (larger batches get 413).
    #[arg(long, value_name = "N", default_value_t = crate::limits::Limits::default().max_batch)]
    pub max_batch: usize,
    /// Most live sessions (an initialize beyond it gets 503; none is evicted).
    #[arg(long, value_name = "N", default_value_t = crate::limits::Limits::default().max_sessions)]
    pub max_sessions: usize,
    /// Most SSE streams open at once per session (GET and streamed POST; beyond it 429).
    #[arg(long, value_name = "N", default_value_t = crate::limits::Limits::default().max_streams_per_session)]
    pub max_streams: usize,
    /// Most requests in flight at once per session (beyond it 429).
    #[arg(long, value_name = "N", default_value_t = crate::limits::Limits::default().max_pending_per_session)]
    pub max_pending: usize,
    /// Dynamic client registrations per second, server-wide (beyond the burst: 429).
    #[arg(long, value_name = "PER_SEC", default_value_t = crate::limits::Limits::default().registration_rate)]
    pub registration_rate: f64,
    /// Dynamic client registrations allowed in a burst.
    #[arg(long, value_name = "N", default_value_t = crate::limits::Limits::default().registration_burst)]
    pub registration_burst: u32,
    /// Seconds without activity after which a session expires (later requests get 404).
    #[arg(long, value_name = "SECS", default_value_t = crate::limits::Limits::default().idle_timeout.as_secs())]
    pub idle_timeout: u64,
}

/// `--auth`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// No authorization.
    None,
    /// OAuth with a built-in or separate authorization server.
    Oauth,
    /// Third-party flow through an upstream IdP.
    Upstream,
}

/// `--role`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// The MCP server.
    Mcp,
    /// A stand-alone authorization server.
    As,
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
        let auth = self.auth_config()?;
        let limits = self.limits()?;
        Ok(ServerConfig {
            faults,
            page_size: self.page_size,
            without: self.without.clone(),
            sse_responses: self.sse_responses,
            sse_poll: self.sse_poll_ms.map(|ms| Duration::from_millis(ms.max(1))),
            listen_max: self
                .listen_max_ms
                .map(|ms| Duration::from_millis(ms.max(1))),
            allow_remote: self.allow_remote,
            auth,
            limits,
            ..ServerConfig::default()
        })
    }

    /// The limits of the `--max-*`, `--registration-*` and `--idle-timeout` flags.
    fn limits(&self) -> Result<crate::limits::Limits, ConfigError> {
        let bad = |flag, rule| Err(ConfigError::InvalidLimit { flag, rule });
        for (flag, value) in [
            ("max-batch", self.max_batch),
            ("max-sessions", self.max_sessions),
            ("max-streams", self.max_streams),
            ("max-pending", self.max_pending),
            ("registration-burst", self.registration_burst as usize),
            ("idle-timeout", usize::from(self.idle_timeout > 0)),
        ] {
            if value == 0 {
                return bad(flag, "at least 1");
            }
        }
        if !(self.registration_rate.is_finite() && self.registration_rate > 0.0) {
            return bad("registration-rate", "a positive number");
        }
        Ok(crate::limits::Limits {
            max_batch: self.max_batch,
            max_sessions: self.max_sessions,
            max_streams_per_session: self.max_streams,
            max_pending_per_session: self.max_pending,
            registration_burst: self.registration_burst,
            registration_rate: self.registration_rate,
            idle_timeout: Duration::from_secs(self.idle_timeout),
        })
    }

    /// The OAuth configuration of the `--auth` family of flags. `--role as` implies an
    /// authorization server whatever `--auth` says.
    fn auth_config(&self) -> Result<AuthConfig, ConfigError> {
        let bad = |reason: String| ConfigError::InvalidAuth { reason };
        let mode = match self.auth {
            AuthArg::None => AuthMode::None,
            AuthArg::Oauth => AuthMode::Oauth,
            AuthArg::Upstream => AuthMode::Upstream,
        };
        let role = match self.role {
            RoleArg::Mcp => Role::Mcp,
            RoleArg::As => Role::As,
        };
        let mut users = Vec::new();
        for u in &self.users {
            users.push(UserSpec::parse(u).map_err(|e| bad(format!("--user: {e}")))?);
        }
        if let Some(path) = &self.users_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| bad(format!("--users-file {}: {e}", path.display())))?;
            users.extend(
                UserSpec::parse_file(&text)
                    .map_err(|e| bad(format!("--users-file {}: {e}", path.display())))?,
            );
        }
        let mut clients = Vec::new();
        for c in &self.clients {
            let spec = ClientSpec::parse(c).map_err(|e| bad(format!("--client: {e}")))?;
            if let Some(s) = spec
                .scopes
                .iter()
                .flatten()
                .find(|s| *s != "read" && *s != "write")
            {
                return Err(bad(format!("--client: unknown scope `{s}` (read, write)")));
            }
            clients.push(spec);
        }
        let upstream_client = match &self.upstream_client {
            Some(c) => {
                Some(ClientSpec::parse(c).map_err(|e| bad(format!("--upstream-client: {e}")))?)
            }
            None => None,
        };
        let config = AuthConfig {
            mode,
            role,
            as_url: self.as_url.clone(),
            upstream_url: self.upstream.clone(),
            upstream_client,
            users,
            clients,
            auto_approve: self.auto_approve,
            allow_loopback_cimd: self.allow_loopback_cimd,
            token_ttl: Duration::from_secs(self.token_ttl.max(1)),
            code_ttl: Duration::from_secs(self.code_ttl.max(1)),
            refresh_tokens: match (self.no_refresh_tokens, self.offline_access) {
                (true, _) => crate::auth::RefreshTokens::Never,
                (_, true) => crate::auth::RefreshTokens::OfflineAccess,
                _ => crate::auth::RefreshTokens::Always,
            },
            public_origin: None,
        };
        if self.as_url.is_some() && (mode != AuthMode::Oauth || role != Role::Mcp) {
            return Err(bad("--as-url needs --auth oauth and --role mcp".into()));
        }
        if mode == AuthMode::Upstream && role == Role::Mcp && self.upstream.is_none() {
            return Err(bad("--auth upstream needs --upstream URL".into()));
        }
        if self.upstream.is_some() && mode != AuthMode::Upstream {
            return Err(bad("--upstream needs --auth upstream".into()));
        }
        for url in self.as_url.iter().chain(self.upstream.iter()) {
            let loopback = crate::auth::is_loopback_url(url);
            if !loopback {
                return Err(bad(format!("{url} is not a loopback http(s) URL")));
            }
        }
        Ok(config)
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
mod tests;
