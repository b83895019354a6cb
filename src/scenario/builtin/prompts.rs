//! Getting every listed prompt with its required arguments filled in.

use super::listing::walk_list;
use super::{result_of, BuiltinCtx, BuiltinResult, Skip};
use crate::check::Level;
use crate::scenario::expect::compact;
use serde_json::{json, Map, Value};

/// Most prompts fetched in one check.
const MAX_GETS: usize = 20;

/// `prompts.get-each`: every listed prompt answers `prompts/get` with valid messages. A prompt
/// that refuses the placeholder values the harness made up for its required arguments is
/// passed over (the spec does not oblige it to accept any value).
pub async fn get_each(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let walk = walk_list(ctx.session, "prompts/list", "prompts").await;
    if walk.items.is_empty() {
        return Err(Skip(
            walk.error
                .unwrap_or_else(|| "the server lists no prompts".into()),
        ));
    }
    let mut findings = Vec::new();
    let mut exercised = 0;
    let mut passed_over = Vec::new();
    for prompt in walk.items.iter().take(MAX_GETS) {
        let Some(name) = prompt.get("name").and_then(Value::as_str) else {
            continue;
        };
        let mut args = Map::new();
        for a in prompt
            .get("arguments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if a.get("required").and_then(Value::as_bool) == Some(true) {
                if let Some(arg) = a.get("name").and_then(Value::as_str) {
                    args.insert(arg.to_string(), Value::String("mcpcheck".into()));
                }
            }
        }
        let made_up = !args.is_empty();
        let label = format!("prompts/get {name}");
        let params = json!({"name": name, "arguments": args});
        let resp = ctx.call("prompts/get", params, &label, &mut findings).await;
        match result_of(resp.as_ref()) {
            // A prompt may rightly refuse argument values the harness made up: not a finding.
            Err(_) if made_up && resp.as_ref().is_some_and(|r| r.get("error").is_some()) => {
                passed_over.push(name.to_string());
            }
            Ok(result) => {
                exercised += 1;
                for (i, m) in result
                    .get("messages")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let role = m.get("role").and_then(Value::as_str).unwrap_or_default();
                    if role != "user" && role != "assistant" {
                        findings.push(ctx.finding(
                            format!("prompts/get {name}: messages/{i} has role {role:?}"),
                            "role user or assistant",
                            compact(m),
                        ));
                    }
                }
            }
            Err(e) => findings.push(ctx.finding(
                format!("prompts/get {name} failed: {e}"),
                "a GetPromptResult",
                e,
            )),
        }
    }
    if exercised == 0 && findings.is_empty() {
        return Err(Skip(format!(
            "every prompt refused the argument values the harness made up: {}",
            passed_over.join(", ")
        )));
    }
    Ok(findings)
}

/// The first listed prompt with a required argument, and that argument's name.
async fn prompt_with_required_arg(
    ctx: &mut BuiltinCtx<'_>,
) -> Result<(String, String, Vec<Value>), Skip> {
    let walk = walk_list(ctx.session, "prompts/list", "prompts").await;
    for p in &walk.items {
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        let args = p
            .get("arguments")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if let Some(arg) = args
            .iter()
            .find(|a| a.get("required").and_then(Value::as_bool) == Some(true))
            .and_then(|a| a.get("name").and_then(Value::as_str))
        {
            return Ok((name.to_string(), arg.to_string(), args.clone()));
        }
    }
    Err(Skip(walk.error.unwrap_or_else(|| {
        "no listed prompt has a required argument".into()
    })))
}

/// `prompts.missing-argument`: `prompts/get` without a required argument is an error (-32602).
pub async fn missing_argument(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let (name, arg, _) = prompt_with_required_arg(ctx).await?;
    let ex = ctx
        .session
        .request("prompts/get", Some(json!({"name": name, "arguments": {}})))
        .await
        .map_err(|e| Skip(format!("prompts/get {name}: {e}")))?;
    let Some(resp) = ex.response.as_ref() else {
        return Ok(vec![ctx.finding_at(
            Level::Must,
            format!("prompts/get {name} without `{arg}`: no response"),
            "an error response",
            "none",
        )]);
    };
    match resp.get("error") {
        Some(err) if err.get("code").and_then(Value::as_i64) == Some(crate::protocol::codes::INVALID_PARAMS) => Ok(vec![]),
        Some(err) => Ok(vec![ctx.finding(
            format!("prompts/get {name} without required argument `{arg}` answered another error than -32602"),
            "error -32602 Invalid params",
            compact(err),
        )]),
        None => Ok(vec![ctx.finding(
            format!("prompts/get {name} without required argument `{arg}` succeeded"),
            "error -32602 Invalid params",
            compact(resp),
        )]),
    }
}
