//! `completion/complete` for prompt arguments (`code_review.language`) and the item template's
//! `id` variable.

use crate::context::{HandlerResult, Params, RequestCtx};
use crate::fault::Fault;
use crate::jsonrpc::RpcError;
use crate::methods::resources::ITEM_TEMPLATE;
use crate::methods::{optional_object, prompts, required_str};
use crate::session::lock;
use serde_json::json;

/// Most values one completion result may carry.
const MAX_VALUES: usize = 100;

const LANGUAGES: &[&str] = &[
    "bash",
    "c",
    "c++",
    "c#",
    "clojure",
    "cobol",
    "dart",
    "elixir",
    "erlang",
    "f#",
    "fortran",
    "go",
    "haskell",
    "java",
    "javascript",
    "julia",
    "kotlin",
    "lisp",
    "lua",
    "ocaml",
    "perl",
    "php",
    "python",
    "r",
    "ruby",
    "rust",
    "scala",
    "scheme",
    "sql",
    "swift",
    "typescript",
    "zig",
];

fn matching(candidates: impl IntoIterator<Item = String>, prefix: &str) -> Vec<String> {
    let prefix = prefix.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| c.to_lowercase().starts_with(&prefix))
        .collect()
}

/// `completion/complete {ref, argument, context?}`.
pub(crate) fn complete(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let reference = optional_object(params, "ref")?
        .ok_or_else(|| RpcError::invalid_params("missing required parameter `ref`"))?;
    let argument = optional_object(params, "argument")?
        .ok_or_else(|| RpcError::invalid_params("missing required parameter `argument`"))?;
    let arg_name = required_str(argument, "name")?;
    let value = required_str(argument, "value")?;
    let kind = required_str(reference, "type")?;
    let candidates: Vec<String> = match kind {
        "ref/prompt" => {
            let name = required_str(reference, "name")?;
            let prompt = prompts::find(name)
                .ok_or_else(|| RpcError::invalid_params(format!("Unknown prompt: {name}")))?;
            if !prompt.args.iter().any(|a| a.0 == arg_name) {
                return Err(RpcError::invalid_params(format!(
                    "prompt {name} has no argument `{arg_name}`"
                ))
                .into());
            }
            if (name, arg_name) == ("code_review", "language") {
                if ctx.has(Fault::CompletionTooMany) {
                    let many: Vec<String> = (0..150).map(|i| format!("language-{i}")).collect();
                    return Ok(
                        json!({"completion": {"values": many, "total": 150, "hasMore": false}}),
                    );
                }
                matching(LANGUAGES.iter().map(|s| s.to_string()), value)
            } else {
                Vec::new()
            }
        }
        "ref/resource" => {
            let uri = required_str(reference, "uri")?;
            if uri != ITEM_TEMPLATE {
                return Err(
                    RpcError::invalid_params(format!("Unknown resource template: {uri}")).into(),
                );
            }
            if arg_name != "id" {
                return Err(RpcError::invalid_params(format!(
                    "template {uri} has no variable `{arg_name}`"
                ))
                .into());
            }
            let ids = lock(&ctx.state.store).ids();
            matching(ids, value)
        }
        other => {
            return Err(
                RpcError::invalid_params(format!("unknown reference type `{other}`")).into(),
            )
        }
    };
    let total = candidates.len();
    let values: Vec<String> = candidates.into_iter().take(MAX_VALUES).collect();
    Ok(json!({"completion": {"values": values, "total": total, "hasMore": total > MAX_VALUES}}))
}
