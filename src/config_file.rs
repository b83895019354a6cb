//! Targets from the configuration files MCP users already have: the `mcpServers` object of
//! Claude Desktop (`claude_desktop_config.json`) and Cursor (`.cursor/mcp.json`), and the
//! `servers` object of VS Code (`.vscode/mcp.json`).
//!
//! An entry is either a command (`command`, `args`, `env`) run over stdio, or a URL (`url`,
//! or Windsurf's `serverUrl`, with optional `headers`) spoken to over Streamable HTTP. `type`
//! may say `stdio`, `http` or `streamable-http`; `sse` makes the URL a legacy HTTP+SSE
//! (2024-11-05) stream. `${env:NAME}` in strings is replaced by the environment variable, as
//! Cursor and VS Code do. Entries keep the file's order.

use crate::transport::Target;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// One server of a config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerEntry {
    /// Its key in `mcpServers`.
    pub name: String,
    /// What to connect to.
    pub target: Target,
    /// HTTP headers to send (URL entries).
    pub headers: Vec<(String, String)>,
    /// `"disabled": true` in the file (skipped by `--all`).
    pub disabled: bool,
}

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// Reading failed.
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not JSON.
    #[error("{origin}:{line}:{column}: not valid JSON: {reason}")]
    Json {
        /// The file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        reason: String,
    },
    /// JSON, but not a servers config.
    #[error("{origin}: {reason}")]
    Shape {
        /// The file.
        origin: String,
        /// What is wrong, naming the server when it is one entry.
        reason: String,
    },
    /// `--server NAME` is not in the file.
    #[error("{origin}: no server named {name:?}; the file has: {available}")]
    NoSuchServer {
        /// The file.
        origin: String,
        /// The name asked for.
        name: String,
        /// The names it has.
        available: String,
    },
}

/// Reads `path` and returns its servers.
pub fn load(path: &Path) -> Result<Vec<ServerEntry>, ConfigFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&path.display().to_string(), &text, &|k| {
        std::env::var(k).ok()
    })
}

/// Parses config text; `env` looks up `${env:NAME}` values.
pub fn parse(
    origin: &str,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<ServerEntry>, ConfigFileError> {
    let root: Value = serde_json::from_str(text).map_err(|e| ConfigFileError::Json {
        origin: origin.to_string(),
        line: e.line(),
        column: e.column(),
        reason: e.to_string(),
    })?;
    let shape = |reason: String| ConfigFileError::Shape {
        origin: origin.to_string(),
        reason,
    };
    let servers = root
        .get("mcpServers")
        .or_else(|| root.get("servers"))
        .ok_or_else(|| shape("no `mcpServers` (or `servers`) object at the top level".into()))?
        .as_object()
        .ok_or_else(|| shape("`mcpServers` is not an object of named servers".into()))?;
    servers
        .iter()
        .map(|(name, v)| entry(name, v, env).map_err(|r| shape(format!("server {name:?}: {r}"))))
        .collect()
}

fn entry(
    name: &str,
    v: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ServerEntry, String> {
    let o = v.as_object().ok_or("is not an object")?;
    let s = |key: &str| -> Result<Option<String>, String> {
        match o.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(expand(s, env))),
            Some(_) => Err(format!("`{key}` must be a string")),
        }
    };
    let kind = s("type")?.unwrap_or_default().to_ascii_lowercase();
    let url = match s("url")? {
        Some(u) => Some(u),
        None => s("serverUrl")?,
    };
    let command = s("command")?;
    let target = match (url, command) {
        (Some(url), None) => {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("`url` {url:?} is not an http(s):// URL"));
            }
            if kind == "sse" {
                Target::LegacySse { url }
            } else {
                Target::Http { url }
            }
        }
        (None, Some(program)) => Target::Stdio {
            program,
            args: strings(o.get("args"), "args", env)?,
            env: pairs(o.get("env"), "env", env)?,
        },
        (Some(_), Some(_)) => return Err("has both `url` and `command`; give one".into()),
        (None, None) => return Err("has neither `url` nor `command`".into()),
    };
    Ok(ServerEntry {
        name: name.to_string(),
        target,
        headers: pairs(o.get("headers"), "headers", env)?,
        disabled: o.get("disabled") == Some(&Value::Bool(true)),
    })
}

fn strings(
    v: Option<&Value>,
    key: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(expand(s, env)),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(format!("`{key}` must be an array of strings")),
            })
            .collect(),
        Some(_) => Err(format!("`{key}` must be an array of strings")),
    }
}

fn pairs(
    v: Option<&Value>,
    key: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, String> {
    let empty = Map::new();
    let m = match v {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(format!("`{key}` must be an object of strings")),
    };
    m.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), expand(s, env))),
            Value::Number(n) => Ok((k.clone(), n.to_string())),
            Value::Bool(b) => Ok((k.clone(), b.to_string())),
            _ => Err(format!("`{key}.{k}` must be a string")),
        })
        .collect()
}

/// Replaces `${env:NAME}` with the variable's value (empty when unset).
fn expand(s: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${env:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 6..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&env(&after[..end]).unwrap_or_default());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The entry named `name`, or an error listing the names there are.
pub fn find<'a>(
    origin: &str,
    servers: &'a [ServerEntry],
    name: &str,
) -> Result<&'a ServerEntry, ConfigFileError> {
    servers
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| ConfigFileError::NoSuchServer {
            origin: origin.to_string(),
            name: name.to_string(),
            available: if servers.is_empty() {
                "(no servers)".to_string()
            } else {
                servers
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(k: &str) -> Option<String> {
        (k == "TOKEN").then(|| "t0k".to_string())
    }

    #[test]
    fn claude_desktop_and_cursor_entries() {
        let text = r#"{"mcpServers": {
            "files": {"command": "npx", "args": ["-y", "@mcp/fs", "/tmp"], "env": {"DEBUG": "1"}},
            "remote": {"url": "http://127.0.0.1:3000/mcp", "headers": {"Authorization": "Bearer ${env:TOKEN}"}},
            "off": {"command": "x", "disabled": true}
        }}"#;
        let servers = parse("c.json", text, &env).unwrap();
        let names: Vec<_> = servers.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["files", "remote", "off"]);
        assert_eq!(
            servers[0].target,
            Target::Stdio {
                program: "npx".into(),
                args: vec!["-y".into(), "@mcp/fs".into(), "/tmp".into()],
                env: vec![("DEBUG".into(), "1".into())],
            }
        );
        assert_eq!(
            servers[1].target,
            Target::Http {
                url: "http://127.0.0.1:3000/mcp".into()
            }
        );
        assert_eq!(
            servers[1].headers,
            [("Authorization".to_string(), "Bearer t0k".to_string())]
        );
        assert!(servers[2].disabled && !servers[0].disabled);
    }

    #[test]
    fn vscode_servers_key_and_type() {
        let text = r#"{"servers": {"a": {"type": "http", "url": "https://x.test/mcp"}}}"#;
        assert_eq!(parse("v.json", text, &env).unwrap().len(), 1);
    }

    #[test]
    fn type_sse_is_the_legacy_transport() {
        let text =
            r#"{"mcpServers": {"old": {"type": "sse", "url": "http://127.0.0.1:3001/sse"}}}"#;
        let servers = parse("c.json", text, &env).unwrap();
        assert_eq!(
            servers[0].target,
            Target::LegacySse {
                url: "http://127.0.0.1:3001/sse".into()
            }
        );
    }

    #[test]
    fn errors_name_the_file_and_the_server() {
        let e = parse("c.json", "{\n  \"mcpServers\": [1,]\n}", &env).unwrap_err();
        assert!(e.to_string().starts_with("c.json:2:"), "{e}");
        let e = parse("c.json", r#"{"x": 1}"#, &env).unwrap_err();
        assert!(e.to_string().contains("no `mcpServers`"), "{e}");
        for (entry, says) in [
            (r#"{"args": []}"#, "neither `url` nor `command`"),
            (r#"{"url": "ftp://x"}"#, "not an http(s):// URL"),
            (r#"{"command": "x", "args": [{}]}"#, "array of strings"),
        ] {
            let text = format!(r#"{{"mcpServers": {{"s1": {entry}}}}}"#);
            let e = parse("c.json", &text, &env).unwrap_err().to_string();
            assert!(e.contains("server \"s1\"") && e.contains(says), "{e}");
        }
        let servers = parse("c.json", r#"{"mcpServers": {"a": {"command": "x"}}}"#, &env).unwrap();
        let e = find("c.json", &servers, "b").unwrap_err().to_string();
        assert!(
            e.contains("no server named \"b\"") && e.contains(": a"),
            "{e}"
        );
    }

    #[test]
    fn env_expansion_leaves_unclosed_text() {
        assert_eq!(
            expand("a${env:TOKEN}b${env:NOPE}c${env:", &env),
            "at0kbc${env:"
        );
    }
}
