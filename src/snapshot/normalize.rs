//! Making a recorded response comparable: volatile values replaced by placeholders, object keys
//! in a stable order, and one stable pretty-printed text per file.
//!
//! Built-in rules (always on) replace the *scalar* values of keys that hold per-session or
//! per-moment data — session ids, tokens, request ids, timestamps — and any string that is an
//! RFC 3339 timestamp. Only scalars: an object under such a key (a JSON Schema describing a
//! `token` argument) is searched, not replaced, so tool schemas survive. `serverInfo.version`
//! is replaced only when asked ([`Normalizer::redact_server_version`]). User rules
//! ([`RedactRule`]) name a JSON pointer (`/serverInfo/name`, `*` matches any key or index) or a
//! key name, and replace whatever value is there.

use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// Placeholder of a user rule written without `=PLACEHOLDER`.
pub const DEFAULT_PLACEHOLDER: &str = "[redacted]";

/// Built-in volatile keys (compared lower-case with `-` and `_` removed) and their placeholder.
const VOLATILE_KEYS: &[(&str, &str)] = &[
    ("sessionid", "[session-id]"),
    ("mcpsessionid", "[session-id]"),
    ("token", "[token]"),
    ("accesstoken", "[token]"),
    ("refreshtoken", "[token]"),
    ("idtoken", "[token]"),
    ("progresstoken", "[token]"),
    ("requestid", "[request-id]"),
    ("timestamp", "[timestamp]"),
    ("createdat", "[timestamp]"),
    ("updatedat", "[timestamp]"),
    ("modifiedat", "[timestamp]"),
    ("lastmodified", "[timestamp]"),
    ("expiresat", "[timestamp]"),
];

/// Where a user rule applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// A JSON pointer, `*` matching any single key or index (`/tools/*/annotations/title`).
    Pointer(Vec<String>),
    /// A key name anywhere in the document (exact, case-sensitive).
    Key(String),
}

/// A user redaction rule: `POINTER[=PLACEHOLDER]` or `KEY[=PLACEHOLDER]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedactRule {
    /// Where.
    pub selector: Selector,
    /// What the value becomes (a JSON string).
    pub placeholder: String,
}

/// A rule that cannot be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("--redact {given:?}: {reason} (expected /json/pointer=PLACEHOLDER or keyName=PLACEHOLDER)")]
pub struct RuleError {
    /// The rule as given.
    pub given: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl FromStr for RedactRule {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| RuleError {
            given: s.to_string(),
            reason,
        };
        // The placeholder follows the last `=`, so a pointer may not contain `=`; keys rarely do.
        let (target, placeholder) = match s.rsplit_once('=') {
            Some((t, p)) => (t, p.to_string()),
            None => (s, DEFAULT_PLACEHOLDER.to_string()),
        };
        let target = target.trim();
        if target.is_empty() {
            return Err(err("nothing to redact before the `=`"));
        }
        let selector = if let Some(rest) = target.strip_prefix('/') {
            Selector::Pointer(rest.split('/').map(unescape_token).collect())
        } else {
            Selector::Key(target.to_string())
        };
        Ok(RedactRule {
            selector,
            placeholder,
        })
    }
}

impl fmt::Display for RedactRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.selector {
            Selector::Pointer(tokens) => {
                for t in tokens {
                    write!(f, "/{}", t.replace('~', "~0").replace('/', "~1"))?;
                }
            }
            Selector::Key(k) => f.write_str(k)?,
        }
        write!(f, "={}", self.placeholder)
    }
}

/// RFC 6901 token unescaping (`~1` → `/`, `~0` → `~`).
fn unescape_token(t: &str) -> String {
    t.replace("~1", "/").replace("~0", "~")
}

/// Applies the built-in and user rules, then orders keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normalizer {
    /// User rules, applied after the built-in ones.
    pub rules: Vec<RedactRule>,
    /// Also replace `serverInfo.version` (it changes on every release).
    pub redact_server_version: bool,
}

impl Normalizer {
    /// `value` with volatile values replaced and object keys sorted, recursively.
    pub fn normalize(&self, value: &Value) -> Value {
        let mut v = value.clone();
        builtin(&mut v);
        if self.redact_server_version {
            if let Some(ver) = v.pointer_mut("/serverInfo/version") {
                *ver = Value::String("[server-version]".into());
            }
        }
        for rule in &self.rules {
            apply(&mut v, rule);
        }
        sorted(&v)
    }
}

/// Built-in rules: volatile keys' scalar values and RFC 3339 timestamp strings.
fn builtin(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                let folded: String = k
                    .chars()
                    .filter(|c| *c != '-' && *c != '_')
                    .flat_map(char::to_lowercase)
                    .collect();
                let hit = VOLATILE_KEYS.iter().find(|(name, _)| *name == folded);
                match (hit, &child) {
                    (Some((_, p)), Value::String(_) | Value::Number(_)) => {
                        *child = Value::String((*p).to_string());
                    }
                    _ => builtin(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(builtin),
        Value::String(s) if is_timestamp(s) => *s = "[timestamp]".to_string(),
        _ => {}
    }
}

/// `YYYY-MM-DDTHH:MM:SS` followed by optional fraction and a zone (`Z` or `±HH:MM`).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || b.len() > 35 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let shape = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't' | b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    let z = rest.as_bytes();
    matches!(rest, "Z" | "z")
        || (z.len() == 6
            && matches!(z[0], b'+' | b'-')
            && z[3] == b':'
            && [z[1], z[2], z[4], z[5]].iter().all(u8::is_ascii_digit))
}

fn apply(v: &mut Value, rule: &RedactRule) {
    let placeholder = Value::String(rule.placeholder.clone());
    match &rule.selector {
        Selector::Pointer(tokens) => apply_pointer(v, tokens, &placeholder),
        Selector::Key(key) => apply_key(v, key, &placeholder),
    }
}

fn apply_pointer(v: &mut Value, tokens: &[String], placeholder: &Value) {
    let Some((first, rest)) = tokens.split_first() else {
        *v = placeholder.clone();
        return;
    };
    let wild = first == "*";
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if wild || k == first {
                    apply_pointer(child, rest, placeholder);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                if wild || first.parse::<usize>().ok() == Some(i) {
                    apply_pointer(child, rest, placeholder);
                }
            }
        }
        _ => {}
    }
}

fn apply_key(v: &mut Value, key: &str, placeholder: &Value) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k == key {
                    *child = placeholder.clone();
                } else {
                    apply_key(child, key, placeholder);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|c| apply_key(c, key, placeholder)),
        _ => {}
    }
}

/// `v` with every object's keys in byte order (the crate keeps insertion order otherwise).
pub fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::with_capacity(m.len());
            for k in keys {
                if let Some(child) = m.get(k) {
                    out.insert(k.clone(), sorted(child));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The stored text of a snapshot file: two-space pretty JSON and a final newline.
pub fn to_text(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_level() {
        let v = sorted(&json!({"b": 1, "a": {"d": 1, "c": [{"z": 1, "y": 2}]}}));
        assert_eq!(
            to_text(&v),
            "{\n  \"a\": {\n    \"c\": [\n      {\n        \"y\": 2,\n        \"z\": 1\n      }\n    ],\n    \"d\": 1\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn builtin_rules_hide_volatile_scalars_but_keep_schemas() {
        let n = Normalizer::default();
        let v = n.normalize(&json!({
            "sessionId": "abc", "request_id": 7, "when": "2025-06-01T12:00:00.5Z",
            "other": "2025-06-01", "inputSchema": {"properties": {"token": {"type": "string"}}},
            "serverInfo": {"version": "1.2.3"}
        }));
        assert_eq!(v["sessionId"], "[session-id]");
        assert_eq!(v["request_id"], "[request-id]");
        assert_eq!(v["when"], "[timestamp]");
        assert_eq!(v["other"], "2025-06-01");
        assert_eq!(
            v["inputSchema"]["properties"]["token"],
            json!({"type": "string"})
        );
        assert_eq!(v["serverInfo"]["version"], "1.2.3");
        let n = Normalizer {
            redact_server_version: true,
            ..Normalizer::default()
        };
        assert_eq!(
            n.normalize(&json!({"serverInfo": {"version": "1"}}))["serverInfo"]["version"],
            "[server-version]"
        );
    }

    #[test]
    fn timestamps_need_a_zone() {
        assert!(is_timestamp("2025-06-01T12:00:00Z"));
        assert!(is_timestamp("2025-06-01T12:00:00.123+02:00"));
        assert!(!is_timestamp("2025-06-01T12:00:00"));
        assert!(!is_timestamp("2025-06-01T12:00:00.Z"));
        assert!(!is_timestamp("build 2025-06-01T12:00:00Z"));
    }

    #[test]
    fn user_rules_by_pointer_wildcard_and_key() {
        let rules: Vec<RedactRule> = ["/tools/*/description=<d>", "etag", "/a~1b=x"]
            .iter()
            .map(|r| r.parse().unwrap())
            .collect();
        assert_eq!(rules[1].placeholder, DEFAULT_PLACEHOLDER);
        assert_eq!(rules[0].to_string(), "/tools/*/description=<d>");
        let n = Normalizer {
            rules,
            ..Normalizer::default()
        };
        let v = n.normalize(&json!({
            "tools": [{"name": "a", "description": "x"}, {"name": "b", "description": "y"}],
            "deep": [{"etag": {"v": 1}}], "a/b": 1, "untouched": "z"
        }));
        assert_eq!(v["tools"][0]["description"], "<d>");
        assert_eq!(v["tools"][1]["description"], "<d>");
        assert_eq!(v["tools"][1]["name"], "b");
        assert_eq!(v["deep"][0]["etag"], DEFAULT_PLACEHOLDER);
        assert_eq!(v["a/b"], "x");
        assert_eq!(v["untouched"], "z");
    }

    #[test]
    fn bad_rules_are_rejected() {
        let e = "=x".parse::<RedactRule>().unwrap_err();
        assert!(e.to_string().contains("nothing to redact"), "{e}");
    }
}
