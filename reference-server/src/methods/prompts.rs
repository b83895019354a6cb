//! `prompts/list` and `prompts/get` for the prompts `greeting`, `code_review` and
//! `summarize_readme`.

use crate::assets::{README, README_URI};
use crate::config::Capability;
use crate::context::{HandlerResult, Params, RequestCtx};
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::methods::{optional_object, pagination, required_str};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A prompt argument: name, title, description, required.
type Arg = (&'static str, &'static str, &'static str, bool);

/// A prompt definition.
pub(crate) struct PromptDef {
    /// Name.
    pub name: &'static str,
    title: &'static str,
    description: &'static str,
    /// Arguments.
    pub args: &'static [Arg],
}

/// Every prompt, in listing order.
pub(crate) const PROMPTS: [PromptDef; 3] = [
    PromptDef {
        name: "greeting",
        title: "Greeting",
        description: "A warm greeting for someone.",
        args: &[("name", "Name", "Who to greet", true)],
    },
    PromptDef {
        name: "code_review",
        title: "Code review",
        description: "Asks for a review of a piece of code.",
        args: &[
            ("code", "Code", "The code to review", true),
            (
                "language",
                "Language",
                "Programming language of the code",
                false,
            ),
        ],
    },
    PromptDef {
        name: "summarize_readme",
        title: "Summarize README",
        description: "Asks for a summary of the server's README, embedded as a resource.",
        args: &[],
    },
];

/// The prompt named `name`.
pub(crate) fn find(name: &str) -> Option<&'static PromptDef> {
    PROMPTS.iter().find(|p| p.name == name)
}

/// `prompts/list`.
pub(crate) fn list(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let titles = ctx.version().titles();
    let prompts: Vec<Value> = PROMPTS
        .iter()
        .map(|p| {
            let mut m = Map::new();
            if !(ctx.has(Fault::PromptMissingName) && p.name == "greeting") {
                m.insert("name".into(), json!(p.name));
            }
            if titles {
                m.insert("title".into(), json!(p.title));
            }
            m.insert("description".into(), json!(p.description));
            let args: Vec<Value> = p
                .args
                .iter()
                .map(|&(name, title, description, required)| {
                    let mut a =
                        json!({"name": name, "description": description, "required": required});
                    if titles {
                        a["title"] = json!(title);
                    }
                    a
                })
                .collect();
            m.insert("arguments".into(), Value::Array(args));
            Value::Object(m)
        })
        .collect();
    let (page, next) = pagination::page(
        "prompts",
        prompts,
        params,
        ctx.state.config.effective_page_size(),
    )?;
    let mut result = json!({"prompts": page});
    if let Some(n) = next {
        result["nextCursor"] = json!(n);
    }
    Ok(result)
}

/// `prompts/get {name, arguments?}`.
pub(crate) fn get(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let name = required_str(params, "name")?;
    let prompt =
        find(name).ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))?;
    let mut args = BTreeMap::new();
    for (k, v) in optional_object(params, "arguments")?.into_iter().flatten() {
        let v = v
            .as_str()
            .ok_or_else(|| RpcError::invalid_params(format!("argument `{k}` must be a string")))?;
        args.insert(k.as_str(), v);
    }
    for &(arg, _, _, required) in prompt.args {
        if required && !args.contains_key(arg) {
            if !ctx.has(Fault::PromptMissingArgOk) {
                return Err(
                    RpcError::invalid_params(format!("missing required argument `{arg}`")).into(),
                );
            }
            args.insert(arg, "(missing)");
        }
    }
    let (user, assistant) = if ctx.has(Fault::PromptBadRole) {
        ("system", "system")
    } else {
        ("user", "assistant")
    };
    let text =
        |role: &str, t: String| json!({"role": role, "content": {"type": "text", "text": t}});
    let messages = match prompt.name {
        "greeting" => {
            let who = args.get("name").copied().unwrap_or_default();
            vec![
                text(
                    user,
                    format!("Please write a warm, one-sentence greeting for {who}."),
                ),
                text(
                    assistant,
                    format!("Hello, {who}! It is wonderful to meet you."),
                ),
            ]
        }
        "code_review" => {
            let code = args.get("code").copied().unwrap_or_default();
            let lang = args
                .get("language")
                .map(|l| format!("{l} "))
                .unwrap_or_default();
            vec![text(
                user,
                format!("Please review this {lang}code and point out bugs, style issues and improvements:\n\n{code}"),
            )]
        }
        _ => vec![
            // Embedded resources only when the server offers resources; else the plain text.
            if ctx.state.serves(Capability::Resources) {
                json!({"role": user, "content": {"type": "resource", "resource": {
                    "uri": README_URI, "mimeType": "text/markdown", "text": README}}})
            } else {
                text(user, README.to_string())
            },
            text(
                user,
                "Summarize the document above in three sentences.".into(),
            ),
        ],
    };
    Ok(json!({"description": prompt.description, "messages": messages}))
}
