//! The `search` tool: a case-insensitive word search over a small built-in corpus.

use super::{
    arg_str, object_schema, opt_int, Args, Hints, ToolError, ToolOutput, ToolResult, ToolSpec,
};
use serde_json::{json, Value};

/// Id, title, text.
const CORPUS: &[(&str, &str, &str)] = &[
    (
        "doc-1",
        "Model Context Protocol",
        "An open protocol connecting language model applications to tools and data.",
    ),
    (
        "doc-2",
        "JSON-RPC 2.0",
        "A stateless remote procedure call protocol encoded in JSON.",
    ),
    (
        "doc-3",
        "Server-Sent Events",
        "A one-way event stream from a server to a client over HTTP.",
    ),
    (
        "doc-4",
        "Rust ownership",
        "Each value in Rust has a single owner; borrowing gives temporary access.",
    ),
    (
        "doc-5",
        "Tokio runtime",
        "An asynchronous runtime for Rust with tasks, timers and network I/O.",
    ),
    (
        "doc-6",
        "Pagination",
        "Large lists are returned one page at a time with opaque cursors.",
    ),
    (
        "doc-7",
        "Progress notifications",
        "Long-running requests report progress with a token and increasing values.",
    ),
    (
        "doc-8",
        "Weather data",
        "Temperature, humidity and conditions for cities around the world.",
    ),
];

/// The `search` tool definition.
pub(crate) fn spec() -> ToolSpec {
    let result = json!({
        "type": "object",
        "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "snippet": {"type": "string"}},
        "required": ["id", "title", "snippet"],
    });
    ToolSpec {
        name: "search",
        title: "Search",
        description: "Searches a small built-in corpus; every word of the query must match.",
        input_schema: object_schema(
            json!({
                "query": {"type": "string", "description": "Words to find"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 50, "description": "Most results to return (default 5)"},
            }),
            &["query"],
        ),
        output_schema: Some(object_schema(
            json!({"results": {"type": "array", "items": result}, "total": {"type": "integer"}}),
            &["results", "total"],
        )),
        hints: Hints::READ_ONLY,
    }
}

/// Adds a required `language` argument to the input schema (the `snap-required-arg-added`
/// fault: a breaking change for clients that call `search` with only a query).
pub(crate) fn add_required_language(schema: &mut Value) {
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert(
            "language".into(),
            json!({"type": "string", "description": "Language of the query"}),
        );
    }
    if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
        required.push(json!("language"));
    }
}

/// Gives the `query` property the type `"text"`, which no JSON Schema dialect has (the
/// `tool-schema-invalid` fault: the inputSchema is no valid 2020-12 schema).
pub(crate) fn break_query_type(schema: &mut Value) {
    if let Some(query) = schema.pointer_mut("/properties/query") {
        query["type"] = json!("text");
    }
}

/// Runs a search.
pub(crate) fn call(args: &Args) -> ToolResult {
    let query = arg_str(args, "query")?.to_lowercase();
    let limit = opt_int(args, "limit", 1, 50)?.unwrap_or(5) as usize;
    let words: Vec<&str> = query.split_whitespace().collect();
    if words.is_empty() {
        return Err(ToolError::Execution(
            "the query must contain at least one word".into(),
        ));
    }
    let hits: Vec<Value> = CORPUS
        .iter()
        .filter(|(_, title, text)| {
            let hay = format!("{title} {text}").to_lowercase();
            words.iter().all(|w| hay.contains(w))
        })
        .map(|(id, title, text)| json!({"id": id, "title": title, "snippet": text}))
        .collect();
    let total = hits.len();
    let results: Vec<Value> = hits.into_iter().take(limit).collect();
    Ok(ToolOutput::structured(
        json!({"results": results, "total": total}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: Value) -> Args {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn finds_all_words_and_honours_limit() {
        let out = call(&args(json!({"query": "rust"}))).unwrap();
        assert_eq!(out.structured.as_ref().unwrap()["total"], json!(2));
        let out = call(&args(json!({"query": "rust", "limit": 1}))).unwrap();
        assert_eq!(
            out.structured.unwrap()["results"].as_array().unwrap().len(),
            1
        );
        let out = call(&args(json!({"query": "rust tokio"}))).unwrap();
        assert_eq!(out.structured.unwrap()["total"], json!(1));
        assert!(call(&args(json!({"query": "  "}))).is_err());
        assert!(call(&args(json!({"query": "x", "limit": 0}))).is_err());
    }
}
