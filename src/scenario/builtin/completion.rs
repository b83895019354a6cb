//! `completion/complete` for a listed prompt argument: the result shape and the 100-value cap.

use super::listing::walk_list;
use super::{result_of, BuiltinCtx, BuiltinResult, Skip};
use crate::scenario::expect::compact;
use serde_json::{json, Value};

/// Most values a completion result may carry.
const MAX_VALUES: usize = 100;

/// Most completion requests in one check.
const MAX_REQUESTS: usize = 12;

/// `completion.shape`: completing each argument of each listed prompt (capped) returns
/// `completion.values` (strings, at most 100) with optional `total` and `hasMore`.
pub async fn shape(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let walk = walk_list(ctx.session, "prompts/list", "prompts").await;
    let targets: Vec<(String, String)> = walk
        .items
        .iter()
        .flat_map(|p| {
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let args = p
                .get("arguments")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            args.into_iter()
                .filter_map(move |a| Some((name.clone(), a.get("name")?.as_str()?.to_string())))
        })
        .filter(|(name, _)| !name.is_empty())
        .take(MAX_REQUESTS)
        .collect();
    if targets.is_empty() {
        return Err(Skip("no listed prompt has an argument to complete".into()));
    }
    let mut findings = Vec::new();
    for (name, arg) in targets {
        let params = json!({"ref": {"type": "ref/prompt", "name": name}, "argument": {"name": arg, "value": ""}});
        let label = format!("completion/complete {name}.{arg}");
        let resp = ctx
            .call("completion/complete", params, &label, &mut findings)
            .await;
        let result = match result_of(resp.as_ref()) {
            Ok(r) => r,
            Err(e) => {
                findings.push(ctx.finding(
                    format!("completion/complete {name}.{arg} failed: {e}"),
                    "a CompleteResult",
                    e,
                ));
                continue;
            }
        };
        match result.pointer("/completion/values") {
            Some(Value::Array(values)) => {
                if values.len() > MAX_VALUES {
                    findings.push(ctx.finding(
                        format!("completion/complete {name}.{arg} returned {} values; at most {MAX_VALUES} are allowed", values.len()),
                        format!("at most {MAX_VALUES} values"),
                        format!("{} values", values.len()),
                    ));
                }
                if let Some(bad) = values.iter().find(|v| !v.is_string()) {
                    findings.push(ctx.finding(
                        format!("completion/complete {name}.{arg}: a value is not a string"),
                        "strings",
                        compact(bad),
                    ));
                }
            }
            other => findings.push(ctx.finding(
                format!("completion/complete {name}.{arg}: completion.values is not an array"),
                "completion.values: string[]",
                other.map_or_else(|| "(absent)".to_string(), compact),
            )),
        }
    }
    Ok(findings)
}
