//! Cursor pagination shared by every list method.
//!
//! A cursor is URL-safe base64 of `<list>:<offset>`: opaque to clients, yet checked here so a
//! cursor that was not issued for this list is rejected with -32602.

use crate::jsonrpc::RpcError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

/// The cursor of the page starting at `offset` of `list`.
pub(crate) fn cursor(list: &str, offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}:{offset}"))
}

/// The offset a `cursor` parameter points to (0 when absent).
pub(crate) fn offset(
    list: &str,
    params: &Map<String, Value>,
    len: usize,
) -> Result<usize, RpcError> {
    let raw = match params.get("cursor") {
        None | Some(Value::Null) => return Ok(0),
        Some(Value::String(s)) => s,
        Some(_) => return Err(RpcError::invalid_params("`cursor` must be a string")),
    };
    let invalid = || RpcError::invalid_params(format!("invalid cursor for {list}"));
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (name, n) = text.split_once(':').ok_or_else(invalid)?;
    let n: usize = n.parse().map_err(|_| invalid())?;
    if name != list || n > len {
        return Err(invalid());
    }
    Ok(n)
}

/// One page of `items` for the request's cursor, with the next cursor if more remain.
pub(crate) fn page(
    list: &str,
    items: Vec<Value>,
    params: &Map<String, Value>,
    page_size: usize,
) -> Result<(Vec<Value>, Option<String>), RpcError> {
    let len = items.len();
    let start = offset(list, params, len)?;
    let end = start.saturating_add(page_size).min(len);
    let next = (end < len).then(|| cursor(list, end));
    Ok((
        items.into_iter().skip(start).take(end - start).collect(),
        next,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(cursor: Option<&str>) -> Map<String, Value> {
        let mut m = Map::new();
        if let Some(c) = cursor {
            m.insert("cursor".into(), json!(c));
        }
        m
    }

    #[test]
    fn walks_all_pages_exactly_once() {
        let items: Vec<Value> = (0..12).map(|i| json!(i)).collect();
        let mut seen = Vec::new();
        let mut cur: Option<String> = None;
        loop {
            let (page, next) = page("l", items.clone(), &params(cur.as_deref()), 5).unwrap();
            seen.extend(page);
            match next {
                Some(n) => cur = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn rejects_foreign_or_garbage_cursors() {
        let items: Vec<Value> = (0..3).map(|i| json!(i)).collect();
        for bad in ["garbage!!", "", &cursor("other", 1), &cursor("l", 99)] {
            assert!(
                page("l", items.clone(), &params(Some(bad)), 5).is_err(),
                "{bad}"
            );
        }
        let mut m = Map::new();
        m.insert("cursor".into(), json!(3));
        assert!(page("l", items, &m, 5).is_err());
    }
}
