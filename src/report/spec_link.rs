//! Spec references as links, for the formats a person clicks through (Markdown, HTML).
//!
//! A check's `spec` entries are `<version>/<page>#<anchor>` (a page of the MCP specification),
//! `JSON-RPC 2.0 §<n>` or `RFC <n> …`; [`spec_url`] turns each kind into the address of the
//! published document, and leaves anything else unlinked.

/// Where the MCP specification pages are published.
const MCP_SPEC_BASE: &str = "https://modelcontextprotocol.io/specification/";
/// The JSON-RPC 2.0 specification.
const JSONRPC_SPEC: &str = "https://www.jsonrpc.org/specification";
/// RFCs by number.
const RFC_BASE: &str = "https://www.rfc-editor.org/rfc/rfc";

/// The URL of a spec reference, or `None` when it names no known document.
pub fn spec_url(reference: &str) -> Option<String> {
    let r = reference.trim();
    if is_mcp_page(r) {
        return Some(format!("{MCP_SPEC_BASE}{r}"));
    }
    if r.starts_with("JSON-RPC 2.0") {
        return Some(JSONRPC_SPEC.to_string());
    }
    let rest = r
        .strip_prefix("RFC ")
        .or_else(|| r.strip_prefix("RFC"))?
        .trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then(|| format!("{RFC_BASE}{digits}"))
}

/// `YYYY-MM-DD/` followed by a path of URL-safe characters.
fn is_mcp_page(r: &str) -> bool {
    let Some((date, path)) = r.split_once('/') else {
        return false;
    };
    let date_ok = date.len() == 10
        && date.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    date_ok
        && !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/#-_.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::spec_url;

    #[test]
    fn mcp_pages_rfcs_and_jsonrpc_are_linked() {
        assert_eq!(
            spec_url("2025-11-25/basic/utilities/ping#behavior-requirements").as_deref(),
            Some("https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/ping#behavior-requirements")
        );
        assert_eq!(
            spec_url("JSON-RPC 2.0 §5.1").as_deref(),
            Some("https://www.jsonrpc.org/specification")
        );
        assert_eq!(
            spec_url("RFC 9728 §3").as_deref(),
            Some("https://www.rfc-editor.org/rfc/rfc9728")
        );
    }

    #[test]
    fn anything_else_is_not_linked() {
        for r in [
            "see the README",
            "2025-11-25",
            "2025-1x-25/a",
            "2025-11-25/a b",
            "RFC",
            "javascript:alert(1)",
        ] {
            assert_eq!(spec_url(r), None, "{r}");
        }
    }
}
