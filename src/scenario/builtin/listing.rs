//! Walking paginated lists (`tools/list`, `resources/list`, …) and the pagination rules.

use super::{result_of, BuiltinCtx, BuiltinResult, Skip};
use crate::check::{Finding, Level};
use crate::session::Session;
use serde_json::{json, Value};
use std::collections::HashSet;

/// Most pages followed before the walk is declared endless.
pub const MAX_PAGES: usize = 50;

/// What walking a list produced.
#[derive(Debug, Default)]
pub struct Walk {
    /// Items of every page, in order.
    pub items: Vec<Value>,
    /// Pages fetched.
    pub pages: usize,
    /// A cursor was seen twice (the walk would loop).
    pub looped: bool,
    /// The walk stopped at [`MAX_PAGES`].
    pub capped: bool,
    /// Why a page could not be fetched.
    pub error: Option<String>,
    /// Every page's response message, for validation.
    pub responses: Vec<Value>,
}

/// Fetches every page of `method`, collecting `field` items; never loops forever.
pub async fn walk_list(session: &mut Session, method: &str, field: &str) -> Walk {
    let mut walk = Walk::default();
    let mut seen_cursors = HashSet::new();
    let mut cursor: Option<Value> = None;
    loop {
        if walk.pages >= MAX_PAGES {
            walk.capped = true;
            break;
        }
        let params = cursor.as_ref().map(|c| json!({ "cursor": c }));
        let ex = match session.request(method, params).await {
            Ok(ex) => ex,
            Err(e) => {
                walk.error = Some(format!("{method}: {e}"));
                break;
            }
        };
        walk.pages += 1;
        if let Some(r) = &ex.response {
            walk.responses.push(r.clone());
        }
        let result = match result_of(ex.response.as_ref()) {
            Ok(r) => r,
            Err(e) => {
                walk.error = Some(format!("{method} page {}: {e}", walk.pages));
                break;
            }
        };
        match result.get(field) {
            Some(Value::Array(items)) => walk.items.extend(items.iter().cloned()),
            _ => {
                walk.error = Some(format!(
                    "{method} page {}: `{field}` is not an array",
                    walk.pages
                ));
                break;
            }
        }
        match result.get("nextCursor") {
            None | Some(Value::Null) => break,
            Some(c) => {
                if !seen_cursors.insert(c.to_string()) {
                    walk.looped = true;
                    break;
                }
                cursor = Some(c.clone());
            }
        }
    }
    walk
}

/// `pagination.walk`: the cursor walk of `args.method` terminates and yields no duplicate `args.key`.
pub async fn pagination(ctx: &mut BuiltinCtx<'_>) -> BuiltinResult {
    let method = ctx.arg_str("method", "tools/list").to_string();
    let field = ctx.arg_str("field", "tools").to_string();
    let key = ctx.arg_str("key", "name").to_string();
    let walk = walk_list(ctx.session, &method, &field).await;
    let mut findings: Vec<Finding> = Vec::new();
    if ctx.args.get("validate").and_then(Value::as_bool) == Some(true) {
        let version = ctx.session.protocol_version().unwrap_or(ctx.run.version);
        for (page, resp) in walk.responses.iter().enumerate() {
            for v in crate::validate::validate_response_message(version, &method, resp) {
                findings.push(ctx.finding_at(
                    Level::Must,
                    format!(
                        "{method} page {}: violates the schema at {}: {}",
                        page + 1,
                        v.pointer,
                        v.message
                    ),
                    "a message valid against the negotiated version's schema",
                    crate::scenario::expect::compact(resp.pointer(&v.pointer).unwrap_or(resp)),
                ));
            }
        }
    }
    if let Some(e) = &walk.error {
        findings.push(ctx.finding_at(
            Level::Must,
            format!("listing failed: {e}"),
            "every page answered",
            e.clone(),
        ));
    }
    if walk.looped {
        findings.push(ctx.finding(
            format!(
                "{method}: a nextCursor repeated after {} pages; the walk would never end",
                walk.pages
            ),
            "nextCursor absent on the last page",
            "a cursor seen before",
        ));
    }
    if walk.capped {
        findings.push(ctx.finding(
            format!("{method}: still paging after {} pages", walk.pages),
            "the walk ends",
            format!("{} pages", walk.pages),
        ));
    }
    let mut seen = HashSet::new();
    for item in &walk.items {
        let k = item.get(&key).map(Value::to_string).unwrap_or_default();
        if !seen.insert(k.clone()) {
            findings.push(ctx.finding(
                format!("{method}: `{key}` {k} listed twice across pages"),
                "each item once",
                format!("duplicate {k}"),
            ));
        }
    }
    if findings.is_empty() && walk.pages < 2 {
        // One page proves nothing about cursors; still a valid walk, but say so.
        if walk.items.is_empty() {
            return Err(Skip(format!("{method} returned no items")));
        }
    }
    Ok(findings)
}
