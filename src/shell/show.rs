//! How the shell prints what the server answered: lists as one line per item, tool results as
//! their content, errors as `error CODE: message`. Text from the server is made printable
//! first, so it cannot drive the terminal.

use crate::report::sanitize::printable;
use serde_json::Value;
use std::fmt::Write as _;

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// One line per tool: `name(arg*: type, …)  description` (`*` marks required arguments).
pub fn tools(items: &[Value]) -> String {
    let mut out = String::new();
    for t in items {
        let schema = t.get("inputSchema").unwrap_or(&Value::Null);
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let args: Vec<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| {
                p.iter()
                    .map(|(k, v)| {
                        let star = if required.contains(&k.as_str()) {
                            "*"
                        } else {
                            ""
                        };
                        let ty = v
                            .get("type")
                            .map(|t| t.as_str().map_or_else(|| t.to_string(), str::to_string))
                            .unwrap_or_else(|| "any".into());
                        format!("{k}{star}: {ty}")
                    })
                    .collect()
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}({})  {}",
            printable(s(t, "name")),
            printable(&args.join(", ")),
            printable(first_line(s(t, "description")))
        );
    }
    if items.is_empty() {
        out.push_str("(no tools)\n");
    }
    out
}

/// One line per item: `key  name — description` (resources, templates, prompts).
pub fn items(items: &[Value], key: &str, what: &str) -> String {
    let mut out = String::new();
    for i in items {
        let mut line = printable(s(i, key)).to_string();
        let name = s(i, "name");
        if !name.is_empty() && name != s(i, key) {
            let _ = write!(line, "  {}", printable(name));
        }
        let desc = first_line(s(i, "description"));
        if !desc.is_empty() {
            let _ = write!(line, " — {}", printable(desc));
        }
        if let Some(args) = i.get("arguments").and_then(Value::as_array) {
            let names: Vec<String> = args
                .iter()
                .map(|a| {
                    let star = if a.get("required") == Some(&Value::Bool(true)) {
                        "*"
                    } else {
                        ""
                    };
                    format!("{}{star}", s(a, "name"))
                })
                .collect();
            let _ = write!(line, "  ({})", printable(&names.join(", ")));
        }
        out.push_str(&line);
        out.push('\n');
    }
    if items.is_empty() {
        let _ = writeln!(out, "(no {what})");
    }
    out
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// A JSON-RPC response: its error, or the result shown by `show_result`.
pub fn response(resp: Option<&Value>, show_result: fn(&Value) -> String) -> String {
    let Some(r) = resp else {
        return "no response\n".into();
    };
    if let Some(e) = r.get("error") {
        let code = e.get("code").map(Value::to_string).unwrap_or_default();
        return format!("error {code}: {}\n", printable(s(e, "message")));
    }
    match r.get("result") {
        Some(result) => show_result(result),
        None => format!("unexpected response: {}\n", printable(&r.to_string())),
    }
}

/// Pretty JSON.
pub fn json(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    printable(&s).to_string()
}

/// A `CallToolResult`: each content block, then `structuredContent`; `isError` is flagged.
pub fn tool_result(r: &Value) -> String {
    let mut out = String::new();
    if r.get("isError") == Some(&Value::Bool(true)) {
        out.push_str("tool error:\n");
    }
    for c in r
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push_str(&content(c));
    }
    if let Some(sc) = r.get("structuredContent") {
        out.push_str("structuredContent: ");
        out.push_str(&json(sc));
    }
    if out.is_empty() {
        out.push_str("(empty result)\n");
    }
    out
}

/// A prompt: its messages as `role: text`.
pub fn prompt(r: &Value) -> String {
    let mut out = String::new();
    let desc = s(r, "description");
    if !desc.is_empty() {
        let _ = writeln!(out, "# {}", printable(desc));
    }
    for m in r
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let _ = write!(out, "{}: ", printable(s(m, "role")));
        out.push_str(&content(m.get("content").unwrap_or(&Value::Null)));
    }
    out
}

/// `resources/read` contents: text as is, blobs by size.
pub fn contents(r: &Value) -> String {
    let mut out = String::new();
    for c in r
        .get("contents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let _ = writeln!(
            out,
            "--- {} ({})",
            printable(s(c, "uri")),
            printable(s(c, "mimeType"))
        );
        if let Some(t) = c.get("text").and_then(Value::as_str) {
            out.push_str(&printable(t));
            out.push('\n');
        } else if let Some(b) = c.get("blob").and_then(Value::as_str) {
            let _ = writeln!(out, "[blob, {} base64 characters]", b.len());
        }
    }
    if out.is_empty() {
        out.push_str("(no contents)\n");
    }
    out
}

fn content(c: &Value) -> String {
    match s(c, "type") {
        "text" => format!("{}\n", printable(s(c, "text"))),
        "image" | "audio" => format!(
            "[{} {}, {} base64 characters]\n",
            s(c, "type"),
            printable(s(c, "mimeType")),
            s(c, "data").len()
        ),
        "resource_link" => format!("[link {}]\n", printable(s(c, "uri"))),
        "resource" => {
            let r = c.get("resource").unwrap_or(&Value::Null);
            match r.get("text").and_then(Value::as_str) {
                Some(t) => format!("[resource {}]\n{}\n", printable(s(r, "uri")), printable(t)),
                None => format!("[resource {}]\n", printable(s(r, "uri"))),
            }
        }
        _ => json(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tool_lines_mark_required_arguments() {
        let t = json!({"name": "weather", "description": "Now\nmore",
            "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}, "n": {}}, "required": ["city"]}});
        assert_eq!(tools(&[t]), "weather(city*: string, n: any)  Now\n");
        assert_eq!(tools(&[]), "(no tools)\n");
    }

    #[test]
    fn results_errors_and_hostile_text() {
        let r = json!({"result": {"content": [{"type": "text", "text": "hi\u{1b}[2J"}], "isError": true}});
        assert_eq!(
            response(Some(&r), tool_result),
            "tool error:\nhi\\u{1b}[2J\n"
        );
        let e = json!({"error": {"code": -32602, "message": "Unknown tool: x"}});
        assert_eq!(
            response(Some(&e), tool_result),
            "error -32602: Unknown tool: x\n"
        );
    }
}
