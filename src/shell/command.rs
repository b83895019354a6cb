//! What a line typed at the shell prompt asks for.
//!
//! `call NAME` and `prompt NAME` take their arguments either as one JSON object
//! (`call add {"a": 1, "b": 2}`) or as `key=value` words (`call weather city="New York"`),
//! each value read as JSON when it parses (`a=1` is a number, `on=true` a boolean) and as text
//! otherwise. Words may be quoted with `"` or `'`.

use serde_json::{Map, Value};

/// Every command word, for help and completion.
pub const COMMANDS: &[(&str, &str)] = &[
    ("help", "this list"),
    (
        "info",
        "the initialize result: server, version, capabilities",
    ),
    ("tools", "list the tools with their arguments"),
    ("call", "call NAME [{json} | key=value …]: call a tool"),
    ("resources", "list the resources"),
    ("templates", "list the resource templates"),
    ("read", "read URI: read a resource"),
    ("prompts", "list the prompts"),
    ("prompt", "prompt NAME [{json} | key=value …]: get a prompt"),
    ("rpc", "rpc METHOD [{json}]: send any request"),
    ("quit", "leave (also exit, or Ctrl-D)"),
];

/// A parsed line.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Nothing typed.
    Empty,
    /// `help`.
    Help,
    /// `info`.
    Info,
    /// `tools`.
    Tools,
    /// `call NAME ARGS`.
    Call {
        /// Tool name.
        name: String,
        /// Arguments object.
        args: Map<String, Value>,
    },
    /// `resources`.
    Resources,
    /// `templates`.
    Templates,
    /// `read URI`.
    Read {
        /// Resource URI.
        uri: String,
    },
    /// `prompts`.
    Prompts,
    /// `prompt NAME ARGS`.
    Prompt {
        /// Prompt name.
        name: String,
        /// Arguments (string values).
        args: Map<String, Value>,
    },
    /// `rpc METHOD PARAMS`.
    Rpc {
        /// Method.
        method: String,
        /// Params object, if given.
        params: Option<Value>,
    },
    /// `quit` / `exit`.
    Quit,
}

/// Parses one line; the error says what was expected.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    let no_args = |c: Command| {
        if rest.is_empty() {
            Ok(c)
        } else {
            Err(format!("`{word}` takes no arguments"))
        }
    };
    match word {
        "" => Ok(Command::Empty),
        "help" | "?" => no_args(Command::Help),
        "info" => no_args(Command::Info),
        "tools" => no_args(Command::Tools),
        "resources" => no_args(Command::Resources),
        "templates" => no_args(Command::Templates),
        "prompts" => no_args(Command::Prompts),
        "quit" | "exit" => no_args(Command::Quit),
        "call" | "prompt" => {
            let (name, args) = rest
                .split_once(char::is_whitespace)
                .map_or((rest, ""), |(n, a)| (n, a.trim()));
            if name.is_empty() {
                return Err(format!("usage: {word} NAME [{{json}} | key=value …]"));
            }
            let mut args = arguments(args)?;
            if word == "call" {
                return Ok(Command::Call {
                    name: name.to_string(),
                    args,
                });
            }
            // Prompt arguments are strings on the wire.
            for v in args.values_mut() {
                if !v.is_string() {
                    *v = Value::String(v.to_string());
                }
            }
            Ok(Command::Prompt {
                name: name.to_string(),
                args,
            })
        }
        "read" => match words(rest)?.as_slice() {
            [uri] => Ok(Command::Read { uri: uri.clone() }),
            _ => Err("usage: read URI".into()),
        },
        "rpc" => {
            let (method, params) = rest
                .split_once(char::is_whitespace)
                .map_or((rest, ""), |(m, p)| (m, p.trim()));
            if method.is_empty() {
                return Err("usage: rpc METHOD [{json}]".into());
            }
            let params = if params.is_empty() {
                None
            } else {
                Some(
                    serde_json::from_str::<Value>(params)
                        .map_err(|e| format!("params are not JSON: {e}"))?,
                )
            };
            Ok(Command::Rpc {
                method: method.to_string(),
                params,
            })
        }
        other => Err(format!("unknown command `{other}`; type `help`")),
    }
}

/// `{json}` or `key=value` words as an arguments object.
fn arguments(text: &str) -> Result<Map<String, Value>, String> {
    if text.is_empty() {
        return Ok(Map::new());
    }
    if text.starts_with('{') {
        return match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err("arguments must be a JSON object".into()),
            Err(e) => Err(format!("arguments are not valid JSON: {e}")),
        };
    }
    let mut m = Map::new();
    for w in words(text)? {
        let (k, v) = w
            .split_once('=')
            .ok_or_else(|| format!("`{w}`: expected key=value (or one JSON object)"))?;
        let value = serde_json::from_str::<Value>(v).unwrap_or_else(|_| Value::String(v.into()));
        m.insert(k.to_string(), value);
    }
    Ok(m)
}

/// Splits on whitespace, keeping `"…"` and `'…'` together (quotes removed).
pub fn words(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if quote.is_some() {
        return Err("unclosed quote".into());
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn call_with_json_or_key_values() {
        assert_eq!(
            parse(r#"call add {"a": 1, "b": 2}"#),
            Ok(Command::Call {
                name: "add".into(),
                args: args(json!({"a": 1, "b": 2}))
            })
        );
        assert_eq!(
            parse(r#"call weather city="New York" n=3 ok=true"#),
            Ok(Command::Call {
                name: "weather".into(),
                args: args(json!({"city": "New York", "n": 3, "ok": true}))
            })
        );
        assert_eq!(
            parse("prompt greet n=3"),
            Ok(Command::Prompt {
                name: "greet".into(),
                args: args(json!({"n": "3"}))
            })
        );
    }

    #[test]
    fn simple_commands_and_errors() {
        assert_eq!(parse("  "), Ok(Command::Empty));
        assert_eq!(parse("tools"), Ok(Command::Tools));
        assert_eq!(parse("exit"), Ok(Command::Quit));
        assert_eq!(
            parse("read 'mcp://x y'"),
            Ok(Command::Read {
                uri: "mcp://x y".into()
            })
        );
        assert_eq!(
            parse("rpc ping"),
            Ok(Command::Rpc {
                method: "ping".into(),
                params: None
            })
        );
        assert!(parse("tools x").unwrap_err().contains("no arguments"));
        assert!(parse("call").unwrap_err().contains("usage"));
        assert!(parse("call a [1]").unwrap_err().contains("key=value"));
        assert!(parse("call a {1}").unwrap_err().contains("not valid JSON"));
        assert!(parse("fly").unwrap_err().contains("unknown command"));
        assert!(parse("read \"x").unwrap_err().contains("unclosed"));
    }
}
