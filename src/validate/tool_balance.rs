//! Tool use and result balance in a `sampling/createMessage` request (2025-11-25, spec
//! `client/sampling`, "Tool Use and Result Balance"): every assistant message holding
//! `tool_use` blocks must be followed by a user message made only of `tool_result` blocks, with
//! a result whose `toolUseId` matches each tool use's `id`; a user message holding tool results
//! holds nothing else.
//!
//! Written by hand: no schema can say "the next message matches these ids". A malformed
//! `messages` (not an array, a message without content) yields nothing here — the wire
//! schema reports it.

use serde_json::Value;
use std::collections::BTreeSet;

/// The content blocks of a message (`content` is one block or an array of them).
fn blocks(message: &Value) -> Vec<&Value> {
    match message.get("content") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

fn block_type(block: &Value) -> &str {
    block.get("type").and_then(Value::as_str).unwrap_or("")
}

fn role(message: &Value) -> &str {
    message.get("role").and_then(Value::as_str).unwrap_or("")
}

/// The ways `params` (a `sampling/createMessage` request's params) breaks the balance, one
/// sentence each; empty when it holds (or has no tool use at all).
pub fn sampling_balance(params: Option<&Value>) -> Vec<String> {
    let Some(messages) = params
        .and_then(|p| p.get("messages"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Index of each user message that answers the assistant message before it.
    let mut answering = BTreeSet::new();
    for (i, msg) in messages.iter().enumerate() {
        if role(msg) != "assistant" {
            continue;
        }
        let uses: Vec<&str> = blocks(msg)
            .into_iter()
            .filter(|b| block_type(b) == "tool_use")
            .map(|b| b.get("id").and_then(Value::as_str).unwrap_or(""))
            .collect();
        if uses.is_empty() {
            continue;
        }
        let Some(next) = messages.get(i + 1) else {
            out.push(format!(
                "messages[{i}] (assistant) has tool_use {} but no message follows it with the results",
                quote(&uses)
            ));
            continue;
        };
        if role(next) != "user" {
            out.push(format!(
                "messages[{i}] (assistant) has tool_use {} but messages[{}] is not a user message of tool results",
                quote(&uses),
                i + 1
            ));
            continue;
        }
        answering.insert(i + 1);
        let results: Vec<&str> = blocks(next)
            .into_iter()
            .filter(|b| block_type(b) == "tool_result")
            .map(|b| b.get("toolUseId").and_then(Value::as_str).unwrap_or(""))
            .collect();
        let missing: Vec<&str> = uses
            .iter()
            .copied()
            .filter(|u| !results.contains(u))
            .collect();
        if !missing.is_empty() {
            out.push(format!(
                "messages[{}] lacks a tool_result for tool_use {} of messages[{i}]",
                i + 1,
                quote(&missing)
            ));
        }
        let stray: Vec<&str> = results
            .iter()
            .copied()
            .filter(|r| !uses.contains(r))
            .collect();
        if !stray.is_empty() {
            out.push(format!(
                "messages[{}] has tool_result toolUseId {} matching no tool_use of messages[{i}]",
                i + 1,
                quote(&stray)
            ));
        }
    }
    for (i, msg) in messages.iter().enumerate() {
        let b = blocks(msg);
        let has_results = b.iter().any(|b| block_type(b) == "tool_result");
        if !has_results {
            continue;
        }
        if b.iter().any(|b| block_type(b) != "tool_result") {
            out.push(format!(
                "messages[{i}] mixes tool_result blocks with other content"
            ));
        }
        if !answering.contains(&i) {
            out.push(format!(
                "messages[{i}] has tool_result blocks but does not follow an assistant message with tool_use"
            ));
        }
    }
    out
}

fn quote(ids: &[&str]) -> String {
    ids.iter()
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn use_block(id: &str) -> Value {
        json!({"type": "tool_use", "id": id, "name": "w", "input": {}})
    }

    fn result_block(id: &str) -> Value {
        json!({"type": "tool_result", "toolUseId": id, "content": []})
    }

    fn params(messages: Value) -> Value {
        json!({"messages": messages, "maxTokens": 10})
    }

    #[test]
    fn balanced_conversations_pass() {
        let q = json!({"role": "user", "content": {"type": "text", "text": "q"}});
        let p = params(json!([
            q,
            {"role": "assistant", "content": [use_block("a"), use_block("b")]},
            {"role": "user", "content": [result_block("b"), result_block("a")]},
            {"role": "assistant", "content": {"type": "text", "text": "done"}},
        ]));
        assert!(sampling_balance(Some(&p)).is_empty());
        let single = params(json!([
            q,
            {"role": "assistant", "content": use_block("a")},
            {"role": "user", "content": result_block("a")},
        ]));
        assert!(sampling_balance(Some(&single)).is_empty());
        assert!(sampling_balance(Some(&params(json!([q])))).is_empty());
        assert!(sampling_balance(None).is_empty());
        assert!(sampling_balance(Some(&json!({"messages": 3}))).is_empty());
    }

    #[test]
    fn a_missing_or_wrong_result_id_is_reported() {
        let p = params(json!([
            {"role": "assistant", "content": [use_block("a"), use_block("b")]},
            {"role": "user", "content": [result_block("a")]},
        ]));
        let f = sampling_balance(Some(&p));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].contains("\"b\""), "{f:?}");
        let wrong = params(json!([
            {"role": "assistant", "content": [use_block("a")]},
            {"role": "user", "content": [result_block("a-x")]},
        ]));
        let f = sampling_balance(Some(&wrong));
        assert_eq!(f.len(), 2, "missing and stray: {f:?}");
    }

    #[test]
    fn mixed_content_trailing_uses_and_orphan_results_are_reported() {
        let mixed = params(json!([
            {"role": "assistant", "content": [use_block("a")]},
            {"role": "user", "content": [result_block("a"), {"type": "text", "text": "and"}]},
        ]));
        assert!(sampling_balance(Some(&mixed))[0].contains("mixes"));
        let trailing = params(json!([{"role": "assistant", "content": [use_block("a")]}]));
        assert!(sampling_balance(Some(&trailing))[0].contains("no message follows"));
        let not_user = params(json!([
            {"role": "assistant", "content": [use_block("a")]},
            {"role": "assistant", "content": {"type": "text", "text": "x"}},
        ]));
        assert_eq!(sampling_balance(Some(&not_user)).len(), 1);
        let orphan = params(json!([{"role": "user", "content": [result_block("a")]}]));
        assert!(sampling_balance(Some(&orphan))[0].contains("does not follow"));
    }
}
