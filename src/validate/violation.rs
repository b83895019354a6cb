//! A schema violation (JSON pointer + message) and its construction from `jsonschema` errors.
//!
//! The messages are written here rather than taken from `jsonschema`'s `Display`: a report must
//! name the offending field in MCP's terms ("missing required property inputSchema" at
//! `/result/tools/3`), and a union (`anyOf`) that failed must say what was closest, not "is not
//! valid under any of the schemas listed".

use crate::protocol::jsonrpc::type_name;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::ValidationError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// One way a message breaks the wire schema of its protocol version.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Violation {
    /// JSON pointer (RFC 6901) into the validated value, e.g. `/result/tools/0/inputSchema`;
    /// empty for the value itself.
    pub pointer: String,
    /// What is wrong there, e.g. `missing required property inputSchema`.
    pub message: String,
}

impl Violation {
    /// A violation at `pointer`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// The same violation seen from a containing value: `prefix` is the pointer of this value in it.
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.pointer.insert_str(0, prefix);
        self
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "(root)"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {}", self.message)
    }
}

/// Converts the errors of one validation run into violations, in order, without duplicates.
pub(crate) fn from_errors<'a>(errors: impl Iterator<Item = ValidationError<'a>>) -> Vec<Violation> {
    let mut out = Vec::new();
    for error in errors {
        convert(&error, &mut out);
    }
    dedup(out)
}

fn dedup(list: Vec<Violation>) -> Vec<Violation> {
    let mut out: Vec<Violation> = Vec::with_capacity(list.len());
    for v in list {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn convert(error: &ValidationError<'_>, out: &mut Vec<Violation>) {
    let pointer = error.instance_path.as_str().to_string();
    let found = &*error.instance;
    let message = match &error.kind {
        ValidationErrorKind::Required { property } => {
            format!("missing required property {}", plain(property))
        }
        ValidationErrorKind::Type { kind } => {
            format!(
                "expected {}, found {}",
                expected_types(kind),
                type_name(found)
            )
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!("expected {}, found {}", short(expected_value), short(found))
        }
        ValidationErrorKind::Enum { options } => {
            format!("expected one of {}, found {}", short(options), short(found))
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("{} is below the minimum {limit}", short(found))
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("{} is above the maximum {limit}", short(found))
        }
        ValidationErrorKind::FalseSchema => "not allowed in this protocol version".to_string(),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            out.extend(closest_branch(&pointer, context));
            return;
        }
        _ => error.to_string(),
    };
    out.push(Violation { pointer, message });
}

/// The violations of a failed union: "missing a or b" when every branch only missed one
/// property of the same object, else the violations of the branch that came closest.
fn closest_branch(pointer: &str, context: &[Vec<ValidationError<'static>>]) -> Vec<Violation> {
    let branches: Vec<Vec<Violation>> = context
        .iter()
        .map(|errors| {
            let mut out = Vec::new();
            for e in errors {
                convert(e, &mut out);
            }
            dedup(out)
        })
        .collect();
    let missing: Option<Vec<&str>> = context
        .iter()
        .map(|errors| match errors.as_slice() {
            [ValidationError {
                kind: ValidationErrorKind::Required { property },
                instance_path,
                ..
            }] if instance_path.as_str() == pointer => property.as_str(),
            _ => None,
        })
        .collect();
    if let Some(names) = missing.filter(|n| !n.is_empty()) {
        let mut names = names;
        names.dedup();
        return vec![Violation::new(
            pointer,
            format!("missing required property {}", names.join(" or ")),
        )];
    }
    // A branch that is `false` (a shape this revision lacks) is never the closest.
    let rank = |b: &Vec<Violation>| {
        let forbidden = b
            .iter()
            .any(|v| v.message == "not allowed in this protocol version");
        (forbidden, b.len())
    };
    branches
        .into_iter()
        .filter(|b| !b.is_empty())
        .min_by_key(rank)
        .unwrap_or_else(|| {
            vec![Violation::new(
                pointer,
                "matches none of the allowed shapes",
            )]
        })
}

fn expected_types(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => short(other),
    }
}

/// A value shown in a message, cut to a readable length.
fn short(v: &Value) -> String {
    const MAX: usize = 60;
    let text = v.to_string();
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}
