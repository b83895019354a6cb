//! Tab completion at the shell prompt: command words first, then the names the server listed
//! (tools after `call`, resource URIs after `read`, prompts after `prompt`, methods after `rpc`).
//!
//! The names live in [`Names`], shared with the shell loop, which refreshes them whenever it
//! lists tools, resources or prompts.

use super::command::COMMANDS;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use std::sync::{Arc, Mutex};

/// Request methods offered after `rpc`.
const METHODS: &[&str] = &[
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
];

/// What the server listed, for completion.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    /// Tool names.
    pub tools: Vec<String>,
    /// Resource URIs.
    pub resources: Vec<String>,
    /// Prompt names.
    pub prompts: Vec<String>,
}

/// The start of the word being completed and the candidates, given the line up to the cursor.
pub fn candidates(before_cursor: &str, names: &Names) -> (usize, Vec<String>) {
    let start = before_cursor
        .rfind(char::is_whitespace)
        .map_or(0, |i| i + 1);
    let partial = &before_cursor[start..];
    let previous: Vec<&str> = before_cursor[..start].split_whitespace().collect();
    let pool: Vec<String> = match previous.as_slice() {
        [] => COMMANDS.iter().map(|(c, _)| (*c).to_string()).collect(),
        ["call"] => names.tools.clone(),
        ["read"] => names.resources.clone(),
        ["prompt"] => names.prompts.clone(),
        ["rpc"] => METHODS.iter().map(|m| (*m).to_string()).collect(),
        _ => Vec::new(),
    };
    let mut hits: Vec<String> = pool
        .into_iter()
        .filter(|c| c.starts_with(partial))
        .collect();
    hits.sort();
    hits.dedup();
    (start, hits)
}

/// The rustyline helper: completion from [`candidates`], nothing else.
pub struct ShellHelper {
    /// Shared with the shell loop.
    pub names: Arc<Mutex<Names>>,
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let names = self.names.lock().map(|n| n.clone()).unwrap_or_default();
        let before = line.get(..pos).unwrap_or(line);
        let (start, hits) = candidates(before, &names);
        Ok((
            start,
            hits.into_iter()
                .map(|h| Pair {
                    display: h.clone(),
                    replacement: h,
                })
                .collect(),
        ))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            tools: vec!["weather".into(), "echo".into(), "echo_history".into()],
            resources: vec!["mcp://reference/items".into()],
            prompts: vec!["greet".into()],
        }
    }

    #[test]
    fn commands_then_names() {
        assert_eq!(
            candidates("re", &names()),
            (0, vec!["read".into(), "resources".into()])
        );
        assert_eq!(
            candidates("call ec", &names()),
            (5, vec!["echo".into(), "echo_history".into()])
        );
        assert_eq!(
            candidates("read mcp://r", &names()),
            (5, vec!["mcp://reference/items".into()])
        );
        assert_eq!(candidates("prompt ", &names()), (7, vec!["greet".into()]));
        assert_eq!(
            candidates("rpc tools/c", &names()),
            (4, vec!["tools/call".into()])
        );
        assert_eq!(candidates("call echo x", &names()).1, Vec::<String>::new());
    }
}
