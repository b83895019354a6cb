//! `resources/list`, `resources/templates/list`, `resources/read`, `resources/subscribe` and
//! `resources/unsubscribe`.

use crate::assets::{LOGO_PNG, LOGO_URI, README, README_URI};
use crate::context::{HandlerResult, Params, RequestCtx};
use crate::fault::Fault;
use crate::jsonrpc::{codes, RpcError};
use crate::methods::{pagination, required_str};
use crate::services::data::ITEMS_URI;
use crate::session::lock;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};

/// The URI template of single items.
pub(crate) const ITEM_TEMPLATE: &str = "mcp://reference/items/{id}";

/// A listed resource: uri, name, title, description, MIME type, size if fixed.
struct Listed {
    uri: &'static str,
    name: &'static str,
    title: &'static str,
    description: &'static str,
    mime: &'static str,
    size: Option<usize>,
}

const LISTED: [Listed; 3] = [
    Listed {
        uri: README_URI,
        name: "readme",
        title: "README",
        description: "What this server is and offers.",
        mime: "text/markdown",
        size: Some(README.len()),
    },
    Listed {
        uri: LOGO_URI,
        name: "logo",
        title: "Logo",
        description: "A 1x1 PNG image.",
        mime: "image/png",
        size: Some(LOGO_PNG.len()),
    },
    Listed {
        uri: ITEMS_URI,
        name: "items",
        title: "Items",
        description: "The shared item store as JSON; subscribe to hear about changes.",
        mime: "application/json",
        size: None,
    },
];

/// `resources/list`.
pub(crate) fn list(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let titles = ctx.version().titles();
    let resources: Vec<Value> = LISTED
        .iter()
        .map(|r| {
            let mut m = Map::new();
            if !(ctx.has(Fault::ResourceMissingUri) && r.uri == README_URI) {
                m.insert("uri".into(), json!(r.uri));
            }
            m.insert("name".into(), json!(r.name));
            if titles {
                m.insert("title".into(), json!(r.title));
            }
            m.insert("description".into(), json!(r.description));
            m.insert("mimeType".into(), json!(r.mime));
            if let Some(size) = r.size {
                m.insert("size".into(), json!(size));
            }
            if r.uri == README_URI {
                m.insert(
                    "annotations".into(),
                    json!({"audience": ["user", "assistant"], "priority": 0.8}),
                );
            }
            Value::Object(m)
        })
        .collect();
    paged("resources", resources, ctx, params)
}

/// `resources/templates/list`.
pub(crate) fn templates(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let mut m = Map::new();
    if !ctx.has(Fault::TemplateMissingUriTemplate) {
        m.insert("uriTemplate".into(), json!(ITEM_TEMPLATE));
    }
    m.insert("name".into(), json!("item"));
    if ctx.version().titles() {
        m.insert("title".into(), json!("Item"));
    }
    m.insert(
        "description".into(),
        json!("One item of the shared store, by id."),
    );
    m.insert("mimeType".into(), json!("application/json"));
    paged("resourceTemplates", vec![Value::Object(m)], ctx, params)
}

fn paged(key: &str, items: Vec<Value>, ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let (page, next) =
        pagination::page(key, items, params, ctx.state.config.effective_page_size())?;
    let mut result = Map::new();
    result.insert(key.into(), Value::Array(page));
    if let Some(n) = next {
        result.insert("nextCursor".into(), json!(n));
    }
    Ok(Value::Object(result))
}

fn not_found(uri: &str) -> RpcError {
    RpcError::new(
        codes::RESOURCE_NOT_FOUND,
        format!("Resource not found: {uri}"),
    )
    .with_data(json!({"uri": uri}))
}

/// The contents of `uri`, or `None` if no such resource exists.
pub(crate) fn contents(ctx: &RequestCtx, uri: &str) -> Option<Value> {
    let text = |mime: &str, text: String| json!({"uri": uri, "mimeType": mime, "text": text});
    match uri {
        README_URI => Some(text("text/markdown", README.to_string())),
        LOGO_URI => {
            let blob = if ctx.has(Fault::BlobNotBase64) {
                "not base64 at all!".to_string()
            } else {
                STANDARD.encode(LOGO_PNG)
            };
            Some(json!({"uri": uri, "mimeType": "image/png", "blob": blob}))
        }
        ITEMS_URI => Some(text(
            "application/json",
            lock(&ctx.state.store).to_json().to_string(),
        )),
        _ => {
            let id = uri.strip_prefix(ITEMS_URI)?.strip_prefix('/')?;
            let item = lock(&ctx.state.store).get(id)?;
            Some(text("application/json", item.to_json().to_string()))
        }
    }
}

/// `resources/read {uri}`.
pub(crate) fn read(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let uri = required_str(params, "uri")?;
    match contents(ctx, uri) {
        Some(c) => Ok(json!({"contents": [c]})),
        None if ctx.has(Fault::UnknownResourceOk) => Ok(json!({"contents": []})),
        None => Err(not_found(uri).into()),
    }
}

/// `resources/subscribe {uri}`.
pub(crate) fn subscribe(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let uri = required_str(params, "uri")?;
    if ctx.has(Fault::SubscribeError) {
        return Err(RpcError::internal("subscription failed").into());
    }
    if contents(ctx, uri).is_none() {
        return Err(not_found(uri).into());
    }
    ctx.session.subscribe(uri);
    Ok(json!({}))
}

/// `resources/unsubscribe {uri}`.
pub(crate) fn unsubscribe(ctx: &RequestCtx, params: &Params) -> HandlerResult {
    let uri = required_str(params, "uri")?;
    ctx.session.unsubscribe(uri);
    Ok(json!({}))
}
