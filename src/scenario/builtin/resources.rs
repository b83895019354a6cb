//! Reading every listed resource (capped) and checking each content item.

use super::listing::walk_list;
use super::{result_of, BuiltinCtx, BuiltinResult, Skip};
use crate::scenario::expect::compact;
use base64::Engine;
use serde_json::{json, Value};

/// Most resources read in one check.
const MAX_READS: usize = 20;

/// `resources.read-each`: each listed resource reads back as contents with `uri` and exactly one
/// of `text` or base64 `blob`.
pub async fn read_each(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let walk = walk_list(ctx.session, "resources/list", "resources").await;
    let uris: Vec<String> = walk
        .items
        .iter()
        .filter_map(|r| r.get("uri").and_then(Value::as_str).map(str::to_string))
        .take(MAX_READS)
        .collect();
    if uris.is_empty() {
        return Err(Skip(
            walk.error
                .unwrap_or_else(|| "the server lists no resources".into()),
        ));
    }
    let mut findings = Vec::new();
    for uri in uris {
        let label = format!("resources/read {uri}");
        let resp = ctx
            .call(
                "resources/read",
                json!({ "uri": uri }),
                &label,
                &mut findings,
            )
            .await;
        let result = match result_of(resp.as_ref()) {
            Ok(r) => r,
            Err(e) => {
                findings.push(ctx.finding(
                    format!("resources/read of listed {uri} failed: {e}"),
                    "contents",
                    e,
                ));
                continue;
            }
        };
        let Some(contents) = result.get("contents").and_then(Value::as_array) else {
            findings.push(ctx.finding(
                format!("resources/read {uri}: no contents array"),
                "contents[]",
                compact(result),
            ));
            continue;
        };
        for (i, c) in contents.iter().enumerate() {
            let has_text = c.get("text").is_some();
            let blob = c.get("blob");
            if c.get("uri").and_then(Value::as_str).is_none() {
                findings.push(ctx.finding(
                    format!("resources/read {uri}: contents/{i} has no uri"),
                    "a uri string",
                    compact(c),
                ));
            }
            if has_text == blob.is_some() {
                findings.push(ctx.finding(
                    format!(
                        "resources/read {uri}: contents/{i} must have exactly one of text or blob"
                    ),
                    "exactly one of text, blob",
                    compact(c),
                ));
            }
            if let Some(b) = blob {
                let ok = b
                    .as_str()
                    .is_some_and(|s| base64::engine::general_purpose::STANDARD.decode(s).is_ok());
                if !ok {
                    findings.push(ctx.finding(
                        format!("resources/read {uri}: contents/{i}/blob is not valid base64"),
                        "base64 (RFC 4648)",
                        compact(b),
                    ));
                }
            }
        }
    }
    Ok(findings)
}
