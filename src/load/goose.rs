//! mcpcheck's MCP session as [goose](https://book.goose.rs) transactions (cargo feature
//! `goose`, off by default), for teams that already write goose load tests.
//!
//! `mcpcheck load` does not use goose: its own engine is faster and open-model capable (see
//! reports/load/README.md). This module only lends goose users the parts that make MCP load
//! correct: the `initialize` + `notifications/initialized` handshake whose `Mcp-Session-Id`
//! and `MCP-Protocol-Version` every later request of the goose user carries, request bodies
//! pre-serialised once by [`request_template`] with a fresh JSON-RPC id per call, and a
//! response check that reads the whole body (JSON, or SSE up to the event answering the id)
//! and fails the request on a JSON-RPC error or an `isError` tool result.
//!
//! ```no_run
//! use goose::prelude::*;
//! use mcpcheck::load::goose::{McpGoose, McpTool};
//!
//! # async fn run() -> Result<(), GooseError> {
//! let mcp = McpGoose::new("/mcp").with_tool(McpTool::new("echo", serde_json::json!({"text": "hi"})));
//! GooseAttack::initialize()?
//!     .register_scenario(mcp.scenario("MCP user"))
//!     .set_default(GooseDefault::Host, "http://127.0.0.1:8931")?
//!     .execute()
//!     .await?;
//! # Ok(())
//! # }
//! ```

use super::engine::conn::probe;
use super::operation::{notification_template, request_template, BodyTemplate, Fill};
use crate::protocol::ProtocolVersion;
use crate::transport::SseParser;
use goose::prelude::*;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

const SESSION_HEADER: &str = "mcp-session-id";
const VERSION_HEADER: &str = "mcp-protocol-version";
/// Largest SSE event read while looking for a response.
const MAX_EVENT_BYTES: usize = 16 << 20;

/// The tool a `tools/call` transaction calls, with its arguments (`${vu}`, `${iteration}`,
/// `${random}` and `${id}` placeholders allowed, as in load profiles).
#[derive(Clone, Debug)]
pub struct McpTool {
    /// Tool name.
    pub name: String,
    /// `arguments` of the call.
    pub arguments: Value,
}

impl McpTool {
    /// `name` called with `arguments`.
    pub fn new(name: impl Into<String>, arguments: Value) -> Self {
        Self {
            name: name.into(),
            arguments,
        }
    }
}

/// Builds the goose transactions of an MCP session.
#[derive(Clone, Debug)]
pub struct McpGoose {
    path: String,
    version: ProtocolVersion,
    tool: McpTool,
}

/// The transactions [`McpGoose::transactions`] builds.
pub struct McpTransactions {
    /// Opens the goose user's MCP session (run once per user, on start).
    pub initialize: Transaction,
    /// One `tools/call` in the session.
    pub tools_call: Transaction,
    /// One `tools/list` in the session.
    pub tools_list: Transaction,
}

/// What a goose user keeps between transactions: its session and its next request id.
#[derive(Clone, Debug, Default)]
struct McpUser {
    session: Option<String>,
    version: String,
    next_id: u64,
}

/// The pre-serialised messages, shared by every goose user.
struct Bodies {
    path: String,
    version: ProtocolVersion,
    initialize: BodyTemplate,
    initialized: BodyTemplate,
    tools_call: BodyTemplate,
    tools_list: BodyTemplate,
}

impl McpGoose {
    /// Sessions on the endpoint at `path` (relative to goose's host), asking for the newest
    /// stateful revision and calling the reference server's `echo` tool.
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            version: ProtocolVersion::NEWEST_STATEFUL,
            tool: McpTool::new("echo", json!({"text": "goose ${vu}-${iteration}"})),
        }
    }

    /// Asks for `version` in `initialize`.
    pub fn with_version(mut self, version: ProtocolVersion) -> Self {
        self.version = version;
        self
    }

    /// Calls `tool` in the `tools/call` transaction.
    pub fn with_tool(mut self, tool: McpTool) -> Self {
        self.tool = tool;
        self
    }

    /// The three transactions, named `initialize`, `tools/call` and `tools/list`.
    pub fn transactions(&self) -> McpTransactions {
        let bodies = Arc::new(Bodies {
            path: self.path.clone(),
            version: self.version,
            initialize: request_template(
                "initialize",
                Some(json!({
                    "protocolVersion": self.version.as_str(),
                    "capabilities": {},
                    "clientInfo": {"name": "mcpcheck-goose", "version": env!("CARGO_PKG_VERSION")}
                })),
            ),
            initialized: notification_template("notifications/initialized", None),
            tools_call: request_template(
                "tools/call",
                Some(json!({"name": self.tool.name, "arguments": self.tool.arguments})),
            ),
            tools_list: request_template("tools/list", None),
        });
        McpTransactions {
            initialize: transaction(bodies.clone(), Step::Initialize)
                .set_name("initialize")
                .set_on_start(),
            tools_call: transaction(bodies.clone(), Step::Call).set_name("tools/call"),
            tools_list: transaction(bodies, Step::List).set_name("tools/list"),
        }
    }

    /// A scenario running `initialize` on start, then `tools/call` and `tools/list` in turn.
    pub fn scenario(&self, name: &str) -> Scenario {
        let t = self.transactions();
        Scenario::new(name)
            .register_transaction(t.initialize)
            .register_transaction(t.tools_call)
            .register_transaction(t.tools_list)
    }
}

#[derive(Clone, Copy)]
enum Step {
    Initialize,
    Call,
    List,
}

type TransactionFuture<'r> = Pin<Box<dyn Future<Output = TransactionResult> + Send + 'r>>;

/// Pins down the higher-ranked signature goose wants, which closure inference cannot find.
fn higher_ranked<F>(f: F) -> F
where
    F: for<'r> Fn(&'r mut GooseUser) -> TransactionFuture<'r>,
{
    f
}

fn transaction(bodies: Arc<Bodies>, step: Step) -> Transaction {
    let f = higher_ranked(move |user| {
        let bodies = bodies.clone();
        Box::pin(async move { run_step(user, &bodies, step).await })
    });
    Transaction::new(Arc::new(f))
}

async fn run_step(user: &mut GooseUser, b: &Bodies, step: Step) -> TransactionResult {
    match step {
        Step::Initialize => {
            user.set_session_data(McpUser::default());
            let sid = exchange(user, b, &b.initialize, "initialize").await?;
            let state = user
                .get_session_data_mut::<McpUser>()
                .ok_or("no MCP state")?;
            state.session = sid;
            state.version = b.version.as_str().to_string();
            exchange(user, b, &b.initialized, "notifications/initialized").await?;
        }
        Step::Call => {
            exchange(user, b, &b.tools_call, "tools/call").await?;
        }
        Step::List => {
            exchange(user, b, &b.tools_list, "tools/list").await?;
        }
    }
    Ok(())
}

/// POSTs one message of the user's session and checks the answer; returns the session id the
/// server sent (initialize). A failed check is recorded on the goose request and returned.
async fn exchange(
    user: &mut GooseUser,
    b: &Bodies,
    template: &BodyTemplate,
    name: &str,
) -> Result<Option<String>, Box<TransactionError>> {
    let state = user
        .get_session_data::<McpUser>()
        .cloned()
        .unwrap_or_default();
    let id = state.next_id;
    let fill = Fill {
        id,
        vu: user.weighted_users_index as u64,
        iteration: user.get_iterations() as u64,
    };
    let mut body = Vec::new();
    template.render(&mut body, fill, &mut SmallRng::seed_from_u64(id ^ fill.vu));
    if let Some(s) = user.get_session_data_mut::<McpUser>() {
        s.next_id += 1;
    }
    let mut rb = user
        .get_request_builder(&GooseMethod::Post, &b.path)?
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body);
    if let Some(sid) = &state.session {
        rb = rb
            .header(SESSION_HEADER, sid.as_str())
            .header(VERSION_HEADER, state.version.as_str());
    }
    let request = GooseRequest::builder()
        .set_request_builder(rb)
        .name(name)
        .build();
    let mut goose = user.request(request).await?;
    let response = match goose.response {
        Ok(r) => r,
        Err(e) => return Err(Box::new(TransactionError::Reqwest(e))),
    };
    let status = response.status().as_u16();
    let sid = response
        .headers()
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let sse = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/event-stream"));
    let text = response.bytes().await;
    let verdict = match text {
        Err(e) => Err(format!("reading the body: {e}")),
        Ok(_) if template_is_notification(name) => {
            if status == 202 || status == 200 {
                Ok(())
            } else {
                Err(format!("HTTP {status}"))
            }
        }
        Ok(_) if !(200..300).contains(&status) => Err(format!("HTTP {status}")),
        Ok(bytes) => check_answer(&bytes, sse, id),
    };
    match verdict {
        Ok(()) => Ok(sid),
        Err(tag) => {
            user.set_failure(&tag, &mut goose.request, None, None)?;
            Err(Box::new(TransactionError::Custom(tag)))
        }
    }
}

fn template_is_notification(name: &str) -> bool {
    name.starts_with("notifications/")
}

/// Whether a 2xx body answers request `id` with a successful result.
fn check_answer(bytes: &[u8], sse: bool, id: u64) -> Result<(), String> {
    let answer = if sse {
        let mut parser = SseParser::new(MAX_EVENT_BYTES);
        let events = parser.push(bytes).map_err(|e| format!("bad SSE: {e}"))?;
        events
            .iter()
            .filter(|e| !e.data.is_empty())
            .find_map(|e| probe(e.data.as_bytes(), id).ok().flatten())
    } else {
        probe(bytes, id).map_err(|_| "not a JSON-RPC response".to_string())?
    };
    match answer {
        None => Err(format!("no response with id {id}")),
        Some(a) if a.rpc_error.is_some() => Err(format!(
            "JSON-RPC error {}",
            a.rpc_error.unwrap_or_default()
        )),
        Some(a) if a.is_error => Err("tool result with isError".into()),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use goose::config::GooseConfiguration;
    use mcp_reference_server::{start_http, ServerConfig};

    async fn user_for(origin: &str) -> GooseUser {
        let url = url::Url::parse(origin).unwrap();
        GooseUser::single(url, &GooseConfiguration::default()).unwrap()
    }

    #[tokio::test]
    async fn transactions_run_a_session_against_the_reference_server() {
        let server = start_http(ServerConfig::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let t = McpGoose::new("/mcp").transactions();
        let mut user = user_for(&server.origin()).await;
        // Before initialize there is no session: the server refuses the call (400).
        assert!((t.tools_call.function)(&mut user).await.is_err());
        (t.initialize.function)(&mut user).await.unwrap();
        let state = user.get_session_data::<McpUser>().unwrap().clone();
        assert!(state.session.is_some());
        (t.tools_call.function)(&mut user).await.unwrap();
        (t.tools_list.function)(&mut user).await.unwrap();
        // A tool that does not exist is a JSON-RPC error: the transaction fails.
        let bad = McpGoose::new("/mcp")
            .with_tool(McpTool::new("no_such_tool", json!({})))
            .transactions();
        (bad.initialize.function)(&mut user).await.unwrap();
        assert!((bad.tools_call.function)(&mut user).await.is_err());
        server.shutdown().await;
    }

    #[test]
    fn answers_are_checked_by_id_and_outcome() {
        let ok = br#"{"jsonrpc":"2.0","id":3,"result":{"content":[]}}"#;
        assert!(check_answer(ok, false, 3).is_ok());
        assert!(check_answer(ok, false, 4).is_err());
        let tool_error = br#"{"jsonrpc":"2.0","id":3,"result":{"content":[],"isError":true}}"#;
        assert!(check_answer(tool_error, false, 3).is_err());
        let sse = b"id: 1\ndata: \n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n\n";
        assert!(check_answer(sse, true, 3).is_ok());
        let rpc = br#"{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"x"}}"#;
        assert!(check_answer(rpc, false, 3).is_err());
    }
}
