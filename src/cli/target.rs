//! Naming a target on the command line: a URL, a stdio command after `--`, or a server of an
//! MCP client's config file (`--config FILE --server NAME`), plus the connection options the
//! one-server commands (`snapshot`, `tools`, `shell`) share.

use super::run::parse_duration;
use crate::config_file::{self, ServerEntry};
use crate::protocol::ProtocolVersion;
use crate::transport::{ClientOptions, Target};
use clap::Args;
use std::path::{Path, PathBuf};

/// Target and connection options of `snapshot`, `tools` and `shell`.
#[derive(Debug, Args, Clone)]
pub struct TargetArgs {
    /// The target: an http(s):// URL of a Streamable HTTP endpoint (or a command after `--`,
    /// or --config/--server).
    pub url: Option<String>,
    /// An MCP client config file (Claude Desktop / Cursor `mcpServers` JSON) to take the
    /// target from, with --server.
    #[arg(long, value_name = "FILE", requires = "server")]
    pub config: Option<PathBuf>,
    /// The server of the --config file.
    #[arg(long, value_name = "NAME", requires = "config")]
    pub server: Option<String>,
    /// Extra HTTP header `Name: value` sent on every request (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
    /// Longest wait for any single network operation: `10s`, `500ms` or seconds.
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    pub timeout: String,
    /// Protocol version to request (default: the newest the server accepts).
    #[arg(long, value_name = "VERSION")]
    pub spec_version: Option<String>,
    /// The stdio server command and its arguments.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// A target with its client options, ready to connect.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// What to connect to.
    pub target: Target,
    /// Timeout and headers (the config entry's headers first, then `-H`).
    pub client: ClientOptions,
    /// `--spec-version`, parsed.
    pub spec_version: Option<ProtocolVersion>,
}

impl TargetArgs {
    /// Resolves the target and options; the error is a usage message.
    pub fn resolve(&self) -> Result<Resolved, String> {
        let (target, mut headers) = target_from(
            self.url.as_deref(),
            &self.command,
            self.config.as_deref(),
            self.server.as_deref(),
        )?;
        headers.extend(parse_headers(&self.headers)?);
        let timeout = parse_duration(&self.timeout).ok_or_else(|| {
            format!(
                "--timeout {:?}: expected e.g. 10s, 500ms or 10",
                self.timeout
            )
        })?;
        Ok(Resolved {
            target,
            client: ClientOptions {
                timeout,
                headers,
                ..ClientOptions::default()
            },
            spec_version: parse_spec_version(self.spec_version.as_deref())?,
        })
    }
}

/// The target from exactly one of: a URL, a command, a `--config` file's `--server`; with the
/// config entry's headers.
pub fn target_from(
    url: Option<&str>,
    command: &[String],
    config: Option<&Path>,
    server: Option<&str>,
) -> Result<(Target, Vec<(String, String)>), String> {
    match (url, command.split_first(), config) {
        (Some(url), None, None) if url.starts_with("http://") || url.starts_with("https://") => {
            Ok((
                Target::Http {
                    url: url.to_string(),
                },
                Vec::new(),
            ))
        }
        (Some(other), None, None) => Err(format!(
            "`{other}` is not an http(s):// URL; give a stdio server command after `--`"
        )),
        (None, Some((program, rest)), None) => Ok((
            Target::Stdio {
                program: program.clone(),
                args: rest.to_vec(),
                env: Vec::new(),
            },
            Vec::new(),
        )),
        (None, None, Some(path)) => {
            let Some(name) = server else {
                return Err("--config needs --server NAME (or --all with `run`)".into());
            };
            let servers = load_config(path)?;
            let entry = config_file::find(&path.display().to_string(), &servers, name)
                .map_err(|e| e.to_string())?;
            Ok((entry.target.clone(), entry.headers.clone()))
        }
        (None, None, None) => Err(
            "no target: give an http(s):// URL, a stdio command after `--`, or --config FILE --server NAME"
                .into(),
        ),
        _ => Err("give only one target: a URL, a command after `--`, or --config".into()),
    }
}

/// Every server of a config file; the error is a usage message.
pub fn load_config(path: &Path) -> Result<Vec<ServerEntry>, String> {
    config_file::load(path).map_err(|e| e.to_string())
}

/// `Name: value` arguments as header pairs.
pub fn parse_headers(raw: &[String]) -> Result<Vec<(String, String)>, String> {
    raw.iter()
        .map(|h| {
            let (k, v) = h
                .split_once(':')
                .ok_or_else(|| format!("--header {h:?}: expected NAME:VALUE"))?;
            let k = k.trim();
            let valid = !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
            if !valid {
                return Err(format!("--header {h:?}: `{k}` is not a valid header name"));
            }
            Ok((k.to_string(), v.trim().to_string()))
        })
        .collect()
}

/// `--spec-version`: `None`/`auto` for the newest, else any known protocol version.
pub fn parse_spec_version(v: Option<&str>) -> Result<Option<ProtocolVersion>, String> {
    match v {
        None | Some("auto") => Ok(None),
        Some(v) => Ok(Some(
            v.parse::<ProtocolVersion>()
                .map_err(|e| format!("--spec-version: {e}"))?,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_target() {
        let cmd = vec!["srv".to_string(), "--stdio".to_string()];
        assert!(matches!(
            target_from(Some("http://127.0.0.1:1/mcp"), &[], None, None),
            Ok((Target::Http { .. }, _))
        ));
        assert!(matches!(
            target_from(None, &cmd, None, None),
            Ok((Target::Stdio { .. }, _))
        ));
        let both = target_from(Some("http://x"), &cmd, None, None).unwrap_err();
        assert!(both.contains("only one"), "{both}");
        let none = target_from(None, &[], None, None).unwrap_err();
        assert!(none.contains("no target"), "{none}");
        let ftp = target_from(Some("ftp://x"), &[], None, None).unwrap_err();
        assert!(ftp.contains("not an http(s)"), "{ftp}");
    }

    #[test]
    fn config_entries_bring_their_headers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mcp.json");
        std::fs::write(
            &path,
            r#"{"mcpServers": {"r": {"url": "http://127.0.0.1:9/mcp", "headers": {"X-Key": "k"}}}}"#,
        )
        .unwrap();
        let (t, h) = target_from(None, &[], Some(&path), Some("r")).unwrap();
        assert_eq!(
            t,
            Target::Http {
                url: "http://127.0.0.1:9/mcp".into()
            }
        );
        assert_eq!(h, [("X-Key".to_string(), "k".to_string())]);
        let e = target_from(None, &[], Some(&path), Some("nope")).unwrap_err();
        assert!(e.contains("no server named"), "{e}");
    }

    #[test]
    fn headers_and_versions() {
        assert_eq!(
            parse_headers(&["A: b".into()]).unwrap(),
            [("A".to_string(), "b".to_string())]
        );
        assert!(parse_headers(&["bad header: x".into()]).is_err());
        assert_eq!(parse_spec_version(Some("auto")), Ok(None));
        assert_eq!(
            parse_spec_version(Some("2024-11-05")),
            Ok(Some(ProtocolVersion::V2024_11_05))
        );
        assert!(parse_spec_version(Some("1999-01-01")).is_err());
    }
}
