//! Secret redaction at the report boundary: every report format renders a redacted copy.
//!
//! Three rules apply to every string of a [`RunReport`]:
//! 1. values of credential headers ([`SECRET_HEADERS`]) are replaced, keeping an auth scheme word
//!    (`Bearer [REDACTED]`) and cookie names (`sid=[REDACTED]`);
//! 2. values of credential keys ([`SECRET_KEYS`]) are replaced, JSON-aware when the text parses as
//!    a JSON object or array (strings inside it are redacted recursively, so stringified JSON and
//!    URLs inside JSON are covered), by pattern otherwise (form-encoded `key=value`, JSON
//!    fragments of clipped bodies, `key: value` log lines, header lines, URL passwords);
//! 3. any occurrence of an extra secret value the caller supplied (e.g. user-given header values).
//!
//! Over-redaction is preferred to a leak, with exceptions that keep evidence readable: a numeric
//! `code` (JSON-RPC error codes, status codes) is kept, as is `code: …` in prose, and an object
//! under a credential key (a JSON Schema describing a `password` property) is searched, not
//! replaced.

use crate::check::{CheckResult, Finding, RunReport};
use crate::transcript::Entry;
use regex::{Captures, Regex};
use serde_json::Value;
use std::sync::LazyLock;

/// What every redacted value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Headers whose values are credentials (compared case-insensitively).
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// JSON keys and form fields whose values are credentials (compared case-insensitively).
pub const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code",
    "code_verifier",
    "password",
    "registration_access_token",
    "assertion",
    "client_assertion",
];

/// Extra secret values shorter than this are ignored: they cannot be told apart from ordinary
/// text, and replacing every `1` or `on` in a report would destroy the evidence.
pub const MIN_SECRET_LEN: usize = 4;

/// `key=value`, `"key": "value"`, `\"key\":\"value\"` (stringified JSON) and `key: value`.
/// The leading group stands in for a look-behind (the regex crate has none): the key must not
/// be the tail of a longer word such as `auth_code`.
static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r#"(?i)(?P<pre>^|[^a-z0-9_])(?P<q>\\?")?(?P<key>registration_access_token|client_assertion|code_verifier|client_secret|refresh_token|access_token|assertion|password|id_token|code)(?P<sep>\\?"?[ \t]*[:=][ \t]*)(?P<val>\[REDACTED\]|"(?:[^"\\]|\\.)*(?:"|\z)|\\"(?:[^"\\]|\\\\)*(?:\\"|\z)|[^\s&,;{}\[\]"'<>\\]*)"#,
    )
});

/// A header written in text: `Authorization: Bearer x` or `"authorization": "Bearer x"`.
static HEADER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r#"(?im)(?P<pre>^|[^a-z0-9_-])(?P<name>proxy-authorization|authorization|set-cookie|cookie|x-api-key)(?P<sep>\\?"?[ \t]*:[ \t]*\\?"?)(?P<val>[^"\r\n\\]*)"#,
    )
});

/// The password of a URL's user-info: `scheme://user:password@host`.
static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    compile(r#"(?i)(?P<head>\b[a-z][a-z0-9+.-]*://[^/?#@\s:"]*):(?P<pw>[^/?#@\s"]+)@"#)
});

/// Compiles one of the constant patterns above; they are covered by the unit tests, so a failure
/// here is a programming error caught before release, never an input-driven one.
fn compile(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(re) => re,
        Err(e) => panic!("invalid built-in redaction pattern: {e}"),
    }
}

/// Redacts credentials from reports. `Redactor::default()` applies the built-in rules only.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Extra secret values and their encoded forms, longest first.
    secrets: Vec<String>,
}

/// Shows how many secret forms are held, never the secrets themselves.
impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor that also hides every occurrence of `secrets` (and their JSON-escaped and
    /// form-encoded forms, and the credential after a scheme word such as `Bearer `). Values
    /// shorter than [`MIN_SECRET_LEN`] are ignored.
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut all = Vec::new();
        for secret in secrets {
            let secret = secret.as_ref().trim();
            let mut forms = vec![secret.to_string()];
            if let Some((scheme, rest)) = secret.split_once(' ') {
                if is_scheme_word(scheme) {
                    forms.push(rest.trim().to_string());
                }
            }
            for form in forms.clone() {
                if let Ok(quoted) = serde_json::to_string(&form) {
                    forms.push(quoted[1..quoted.len() - 1].to_string());
                }
                forms.push(url::form_urlencoded::byte_serialize(form.as_bytes()).collect());
            }
            all.extend(
                forms
                    .into_iter()
                    .filter(|f| f.chars().count() >= MIN_SECRET_LEN),
            );
        }
        all.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        all.dedup();
        Self { secrets: all }
    }

    /// A redacted copy of `report`: every string in it passes through [`Redactor::redact_text`]
    /// (headers through [`Redactor::redact_header`], `server_info` through
    /// [`Redactor::redact_json`]).
    pub fn redact_report(&self, report: &RunReport) -> RunReport {
        RunReport {
            schema_version: report.schema_version,
            tool: self.redact_text(&report.tool),
            target: self.redact_text(&report.target),
            transport: self.redact_text(&report.transport),
            protocol_version: report
                .protocol_version
                .as_deref()
                .map(|s| self.redact_text(s)),
            server_info: report.server_info.as_ref().map(|v| self.redact_json(v)),
            started_at: self.redact_text(&report.started_at),
            duration_ms: report.duration_ms,
            summary: report.summary,
            checks: report.checks.iter().map(|c| self.redact_check(c)).collect(),
        }
    }

    fn redact_check(&self, c: &CheckResult) -> CheckResult {
        CheckResult {
            id: self.redact_text(&c.id),
            title: self.redact_text(&c.title),
            level: c.level,
            spec: c.spec.iter().map(|s| self.redact_text(s)).collect(),
            tags: c.tags.iter().map(|s| self.redact_text(s)).collect(),
            verdict: c.verdict,
            skip_reason: c.skip_reason.as_deref().map(|s| self.redact_text(s)),
            findings: c.findings.iter().map(|f| self.redact_finding(f)).collect(),
            duration_ms: c.duration_ms,
            transcript: c.transcript.iter().map(|e| self.redact_entry(e)).collect(),
        }
    }

    fn redact_finding(&self, f: &Finding) -> Finding {
        let opt = |s: &Option<String>| s.as_deref().map(|s| self.redact_text(s));
        Finding {
            verdict: f.verdict,
            message: self.redact_text(&f.message),
            expected: opt(&f.expected),
            actual: opt(&f.actual),
            location: opt(&f.location),
        }
    }

    /// A redacted copy of one transcript entry.
    pub fn redact_entry(&self, entry: &Entry) -> Entry {
        let text = |s: &str| self.redact_text(s);
        let opt = |s: &Option<String>| s.as_deref().map(text);
        let headers = |h: &[(String, String)]| {
            h.iter()
                .map(|(n, v)| (self.replace_secrets(n), self.redact_header(n, v)))
                .collect()
        };
        match entry {
            Entry::HttpRequest {
                t_ms,
                method,
                url,
                headers: h,
                body,
            } => Entry::HttpRequest {
                t_ms: *t_ms,
                method: text(method),
                url: text(url),
                headers: headers(h),
                body: opt(body),
            },
            Entry::HttpResponse {
                t_ms,
                status,
                headers: h,
                body,
            } => Entry::HttpResponse {
                t_ms: *t_ms,
                status: *status,
                headers: headers(h),
                body: opt(body),
            },
            Entry::SseEvent {
                t_ms,
                id,
                event,
                data,
                retry,
            } => Entry::SseEvent {
                t_ms: *t_ms,
                id: opt(id),
                event: opt(event),
                data: text(data),
                retry: *retry,
            },
            Entry::StdioSend { t_ms, line } => Entry::StdioSend {
                t_ms: *t_ms,
                line: text(line),
            },
            Entry::StdioRecv { t_ms, line } => Entry::StdioRecv {
                t_ms: *t_ms,
                line: text(line),
            },
            Entry::Stderr { t_ms, line } => Entry::Stderr {
                t_ms: *t_ms,
                line: text(line),
            },
            Entry::Note { t_ms, text: t } => Entry::Note {
                t_ms: *t_ms,
                text: text(t),
            },
        }
    }

    /// The value of header `name`, redacted: credential headers lose their secret part, other
    /// headers pass through [`Redactor::redact_text`] (a `Location` may carry `?code=`).
    pub fn redact_header(&self, name: &str, value: &str) -> String {
        let redacted = if is_secret_header(name) {
            secret_header_value(name, value)
        } else {
            self.rules(value)
        };
        self.replace_secrets(&redacted)
    }

    /// Free text (a body, an SSE data field, a stdio line, a finding) with every rule applied.
    pub fn redact_text(&self, text: &str) -> String {
        self.replace_secrets(&self.rules(text))
    }

    /// A JSON value with every rule applied to its keys and strings.
    pub fn redact_json(&self, value: &Value) -> Value {
        let mut v = value.clone();
        self.json_rules(&mut v);
        self.json_secrets(&mut v);
        v
    }

    /// The built-in rules: JSON-aware when `text` is a JSON object or array, patterns otherwise.
    fn rules(&self, text: &str) -> String {
        if let Ok(mut v @ (Value::Object(_) | Value::Array(_))) =
            serde_json::from_str::<Value>(text)
        {
            if !self.json_rules(&mut v) {
                // Nothing secret: keep the evidence byte for byte.
                return text.to_string();
            }
            let out = if text.contains('\n') {
                serde_json::to_string_pretty(&v)
            } else {
                serde_json::to_string(&v)
            };
            return out.unwrap_or_else(|_| REDACTED.to_string());
        }
        text_rules(text)
    }

    /// Applies the rules inside a JSON value; returns whether anything changed.
    fn json_rules(&self, value: &mut Value) -> bool {
        match value {
            Value::Object(map) => {
                let mut changed = false;
                for (key, v) in map.iter_mut() {
                    changed |= if is_secret_key(key) {
                        self.redact_key_value(key, v)
                    } else if is_secret_header(key) {
                        match v {
                            Value::String(s) => replace_if_changed(s, secret_header_value(key, s)),
                            _ => self.json_rules(v),
                        }
                    } else {
                        self.json_rules(v)
                    };
                }
                changed
            }
            Value::Array(items) => {
                let mut changed = false;
                for v in items {
                    changed |= self.json_rules(v);
                }
                changed
            }
            Value::String(s) => {
                let redacted = self.rules(s);
                replace_if_changed(s, redacted)
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => false,
        }
    }

    /// Redacts the JSON value of a credential key; returns whether anything changed. Scalars
    /// are replaced, except a numeric `code` (JSON-RPC error codes); an object is searched, not
    /// replaced (a JSON Schema may describe a `password` property); array items are treated as
    /// values of the key.
    fn redact_key_value(&self, key: &str, value: &mut Value) -> bool {
        let replace = match value {
            Value::Null | Value::Bool(_) => false,
            Value::String(s) => !s.is_empty() && s != REDACTED,
            Value::Number(_) => !key.eq_ignore_ascii_case("code"),
            Value::Object(_) => return self.json_rules(value),
            Value::Array(items) => {
                let mut changed = false;
                for item in items {
                    changed |= self.redact_key_value(key, item);
                }
                return changed;
            }
        };
        if replace {
            *value = Value::String(REDACTED.to_string());
        }
        replace
    }

    fn json_secrets(&self, value: &mut Value) {
        if self.secrets.is_empty() {
            return;
        }
        match value {
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    self.json_secrets(&mut v);
                    map.insert(self.replace_secrets(&k), v);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.json_secrets(v)),
            Value::String(s) => *s = self.replace_secrets(s),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Replaces every occurrence of an extra secret value.
    fn replace_secrets(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }
}

fn replace_if_changed(slot: &mut String, new: String) -> bool {
    if *slot == new {
        return false;
    }
    *slot = new;
    true
}

fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name.trim()))
}

fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key.trim()))
}

/// An auth scheme such as `Bearer`, `Basic`, `DPoP` or `AWS4-HMAC-SHA256`.
fn is_scheme_word(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The value of a credential header with its secret replaced.
fn secret_header_value(name: &str, value: &str) -> String {
    let value = value.trim();
    if value.is_empty() {
        return String::new();
    }
    let name = name.trim().to_ascii_lowercase();
    match name.as_str() {
        "cookie" => value
            .split(';')
            .map(|pair| match pair.split_once('=') {
                Some((n, _)) => format!("{}={REDACTED}", n.trim()),
                None => REDACTED.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        "set-cookie" => match value.split_once(';') {
            Some((first, attrs)) => format!("{};{attrs}", secret_header_value("cookie", first)),
            None => secret_header_value("cookie", value),
        },
        "authorization" | "proxy-authorization" => match value.split_once(char::is_whitespace) {
            Some((scheme, rest)) if is_scheme_word(scheme) && !rest.trim().is_empty() => {
                format!("{scheme} {REDACTED}")
            }
            _ => REDACTED.to_string(),
        },
        _ => REDACTED.to_string(),
    }
}

/// The pattern rules, for text that is not a JSON object or array.
fn text_rules(text: &str) -> String {
    let out = HEADER_LINE.replace_all(text, |c: &Captures<'_>| {
        let value = secret_header_value(&c["name"], &c["val"]);
        format!("{}{}{}{value}", &c["pre"], &c["name"], &c["sep"])
    });
    let out = KEY_VALUE.replace_all(&out, |c: &Captures<'_>| {
        let whole = c[0].to_string();
        let key = &c["key"];
        let val = &c["val"];
        let is_code = key.eq_ignore_ascii_case("code");
        let numeric = !val.is_empty()
            && val
                .strip_prefix('-')
                .unwrap_or(val)
                .chars()
                .all(|ch| ch.is_ascii_digit());
        // `code: x` in prose ("language code: en") is not a credential; `code=x` and `"code":` are.
        let prose_code = is_code && c.name("q").is_none() && c["sep"].contains(':');
        if val.is_empty() || (is_code && numeric) || prose_code {
            return whole;
        }
        let quote = if val.starts_with("\\\"") {
            "\\\""
        } else if val.starts_with('"') {
            "\""
        } else {
            ""
        };
        let q = c.name("q").map_or("", |m| m.as_str());
        format!("{}{q}{key}{}{quote}{REDACTED}{quote}", &c["pre"], &c["sep"])
    });
    URL_PASSWORD
        .replace_all(&out, format!("${{head}}:{REDACTED}@").as_str())
        .into_owned()
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
