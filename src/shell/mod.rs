//! `mcpcheck shell`: an interactive prompt against one server, for trying it by hand — list and
//! call tools, list and read resources, list and get prompts, send any request.
//!
//! Line editing, history (kept in a file when one is given) and tab completion of commands and
//! of the names the server listed come from `rustyline`; on a non-terminal stdin the lines are
//! read plainly, so the shell can be scripted (`printf 'tools\n' | mcpcheck shell URL`).
//! Messages the server sends on its own (notifications, requests) are printed after each
//! command. Every request is bounded by the client timeout.

pub mod command;
pub mod complete;
pub mod show;

use crate::protocol::ProtocolVersion;
use crate::scenario::builtin::walk_list;
use crate::session::Session;
use crate::transcript::Transcript;
use crate::transport::{ClientOptions, Target};
use command::{Command, COMMANDS};
use complete::{Names, ShellHelper};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::Editor;
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to start the shell.
#[derive(Clone, Debug)]
pub struct ShellOptions {
    /// The server.
    pub target: Target,
    /// Timeouts, caps, extra headers.
    pub client: ClientOptions,
    /// Version to request (default: the newest the harness speaks).
    pub spec_version: Option<ProtocolVersion>,
    /// Where to keep the history between sessions (`None`: only in memory).
    pub history: Option<PathBuf>,
}

/// Why the shell could not start.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// The server did not initialize.
    #[error("target {target} is unreachable or did not initialize: {reason}")]
    Unreachable {
        /// The target as given.
        target: String,
        /// What went wrong.
        reason: String,
    },
    /// The line editor could not start.
    #[error("cannot start the line editor: {0}")]
    Editor(String),
}

/// Runs the shell until `quit` or end of input. Needs the multi-threaded runtime (reading a
/// line blocks the current worker, which `block_in_place` hands over).
pub async fn run(o: ShellOptions) -> Result<(), ShellError> {
    let unreachable = |reason: String| ShellError::Unreachable {
        target: o.target.display(),
        reason,
    };
    let mut session = Session::open(&o.target, o.client.clone(), Transcript::new())
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    let init = match session
        .handshake(o.spec_version.unwrap_or(ProtocolVersion::NEWEST_STATEFUL))
        .await
    {
        Ok(init) => init,
        Err(e) => {
            let _ = session.close().await;
            return Err(unreachable(e.to_string()));
        }
    };
    let names = Arc::new(Mutex::new(Names::default()));
    let mut editor: Editor<ShellHelper, DefaultHistory> =
        Editor::new().map_err(|e| ShellError::Editor(e.to_string()))?;
    editor.set_helper(Some(ShellHelper {
        names: names.clone(),
    }));
    if let Some(h) = &o.history {
        let _ = editor.load_history(h); // a missing file is a fresh history
    }
    let mut shell = Shell {
        session,
        init,
        names,
    };
    say(&format!(
        "connected to {} ({}), protocol {}; type `help`, Tab completes\n",
        o.target.display(),
        crate::report::evidence::server_label(shell.init.get("serverInfo").unwrap_or(&Value::Null)),
        shell
            .init
            .get("protocolVersion")
            .and_then(Value::as_str)
            .unwrap_or("?")
    ));
    shell.refresh_names().await;
    loop {
        let line = tokio::task::block_in_place(|| editor.readline("mcp> "));
        let line = match line {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => continue,
            Err(_) => break, // end of input, or the terminal went away
        };
        if !line.trim().is_empty() {
            let _ = editor.add_history_entry(line.as_str());
        }
        match command::parse(&line) {
            Ok(Command::Quit) => break,
            Ok(cmd) => {
                let out = shell.execute(cmd).await;
                say(&out);
            }
            Err(e) => say(&format!("{e}\n")),
        }
        let unsolicited = shell.session.drain(Duration::ZERO).await;
        for m in unsolicited {
            say(&format!(
                "← {}\n",
                crate::report::sanitize::printable(&m.to_string())
            ));
        }
    }
    if let Some(h) = &o.history {
        let _ = editor.save_history(h);
    }
    let _ = shell.session.close().await;
    Ok(())
}

fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

struct Shell {
    session: Session,
    init: Value,
    names: Arc<Mutex<Names>>,
}

impl Shell {
    fn has(&self, capability: &str) -> bool {
        self.init
            .pointer(&format!("/capabilities/{capability}"))
            .is_some()
    }

    /// Every page of a list, or the error text.
    async fn list(&mut self, method: &str, field: &str) -> Result<Vec<Value>, String> {
        let walk = walk_list(&mut self.session, method, field).await;
        match walk.error {
            Some(e) => Err(e),
            None => Ok(walk.items),
        }
    }

    async fn refresh_names(&mut self) {
        let names = |items: &[Value], key: &str| -> Vec<String> {
            items
                .iter()
                .filter_map(|i| i.get(key).and_then(Value::as_str).map(str::to_string))
                .collect()
        };
        let mut fresh = Names::default();
        if self.has("tools") {
            fresh.tools = names(
                &self.list("tools/list", "tools").await.unwrap_or_default(),
                "name",
            );
        }
        if self.has("resources") {
            let items = self
                .list("resources/list", "resources")
                .await
                .unwrap_or_default();
            fresh.resources = names(&items, "uri");
        }
        if self.has("prompts") {
            let items = self
                .list("prompts/list", "prompts")
                .await
                .unwrap_or_default();
            fresh.prompts = names(&items, "name");
        }
        if let Ok(mut n) = self.names.lock() {
            *n = fresh;
        }
    }

    async fn request(&mut self, method: &str, params: Option<Value>) -> Option<Value> {
        match self.session.request(method, params).await {
            Ok(ex) => ex.response,
            Err(e) => Some(json!({"error": {"code": "transport", "message": e.to_string()}})),
        }
    }

    async fn execute(&mut self, cmd: Command) -> String {
        match cmd {
            Command::Empty | Command::Quit => String::new(),
            Command::Help => COMMANDS
                .iter()
                .map(|(c, h)| format!("  {c:<10} {h}\n"))
                .collect(),
            Command::Info => show::json(&self.init),
            Command::Tools => match self.list("tools/list", "tools").await {
                Ok(items) => {
                    self.set(|n| &mut n.tools, &items, "name");
                    show::tools(&items)
                }
                Err(e) => format!("{e}\n"),
            },
            Command::Resources => self.listing("resources/list", "resources", "uri").await,
            Command::Templates => {
                match self
                    .list("resources/templates/list", "resourceTemplates")
                    .await
                {
                    Ok(items) => show::items(&items, "uriTemplate", "resource templates"),
                    Err(e) => format!("{e}\n"),
                }
            }
            Command::Prompts => self.listing("prompts/list", "prompts", "name").await,
            Command::Call { name, args } => {
                let r = self
                    .request("tools/call", Some(json!({"name": name, "arguments": args})))
                    .await;
                show::response(r.as_ref(), show::tool_result)
            }
            Command::Read { uri } => {
                let r = self
                    .request("resources/read", Some(json!({"uri": uri})))
                    .await;
                show::response(r.as_ref(), show::contents)
            }
            Command::Prompt { name, args } => {
                let r = self
                    .request(
                        "prompts/get",
                        Some(json!({"name": name, "arguments": args})),
                    )
                    .await;
                show::response(r.as_ref(), show::prompt)
            }
            Command::Rpc { method, params } => {
                let r = self.request(&method, params).await;
                show::response(r.as_ref(), show::json)
            }
        }
    }

    async fn listing(&mut self, method: &str, field: &str, key: &str) -> String {
        match self.list(method, field).await {
            Ok(items) => {
                if field == "resources" {
                    self.set(|n| &mut n.resources, &items, key);
                } else {
                    self.set(|n| &mut n.prompts, &items, key);
                }
                show::items(&items, key, field)
            }
            Err(e) => format!("{e}\n"),
        }
    }

    fn set(&self, pick: fn(&mut Names) -> &mut Vec<String>, items: &[Value], key: &str) {
        if let Ok(mut n) = self.names.lock() {
            *pick(&mut n) = items
                .iter()
                .filter_map(|i| i.get(key).and_then(Value::as_str).map(str::to_string))
                .collect();
        }
    }
}
