//! JSON Schema differences seen from the client's side.
//!
//! An input schema describes what a client *sends*: a change is breaking when something a
//! client could send before is now rejected (a new required argument, an argument removed, a
//! narrower type, a tighter bound, fewer enum values, extra arguments refused). An output schema
//! describes what a client *reads*: a change is breaking when a client can no longer rely on
//! what it relied on (a field removed or no longer required, a wider type or new enum values it
//! does not expect, the schema removed). Anything else that differs is reported as compatible.

use super::{Change, Impact};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Lower bounds (a higher value is tighter) and upper bounds (a lower value is tighter).
const LOWER_BOUNDS: &[&str] = &["minimum", "exclusiveMinimum", "minLength", "minItems"];
const UPPER_BOUNDS: &[&str] = &["maximum", "exclusiveMaximum", "maxLength", "maxItems"];

/// Which side of the wire a schema describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Input,
    Output,
}

/// Compares the `inputSchema` of one tool (`ctx` names it: "tool `search`").
pub fn input(ctx: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    object(ctx, "argument", "", old, new, Side::Input, out);
}

/// Compares the `outputSchema` of one tool; `None` when the tool has none.
pub fn output(ctx: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<Change>) {
    match (old, new) {
        (Some(_), None) => push(
            out,
            Impact::Breaking,
            format!("{ctx}: outputSchema removed (structured output no longer promised)"),
        ),
        (None, Some(_)) => push(
            out,
            Impact::Compatible,
            format!("{ctx}: outputSchema added"),
        ),
        (Some(a), Some(b)) if a != b => {
            object(ctx, "output field", "", a, b, Side::Output, out);
        }
        _ => {}
    }
}

fn push(out: &mut Vec<Change>, impact: Impact, what: String) {
    out.push(Change {
        impact,
        file: String::new(),
        what,
    });
}

fn props(schema: &Value) -> Map<String, Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn required(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Compares the properties of two object schemas; `path` prefixes nested property names.
fn object(
    ctx: &str,
    noun: &str,
    path: &str,
    old: &Value,
    new: &Value,
    side: Side,
    out: &mut Vec<Change>,
) {
    let (op, np) = (props(old), props(new));
    let (or, nr) = (required(old), required(new));
    let name = |p: &str| format!("{path}{p}");
    let before = out.len();
    for p in op.keys().filter(|p| !np.contains_key(*p)) {
        push(
            out,
            Impact::Breaking,
            format!("{ctx}: {noun} `{}` removed", name(p)),
        );
    }
    for p in np.keys().filter(|p| !op.contains_key(*p)) {
        let (impact, kind) = match (side, nr.contains(p)) {
            (Side::Input, true) => (Impact::Breaking, "required "),
            (Side::Input, false) => (Impact::Compatible, "optional "),
            (Side::Output, _) => (Impact::Compatible, ""),
        };
        push(
            out,
            impact,
            format!("{ctx}: {kind}{noun} `{}` added", name(p)),
        );
    }
    match side {
        Side::Input => {
            for p in nr.difference(&or).filter(|p| op.contains_key(*p)) {
                push(
                    out,
                    Impact::Breaking,
                    format!("{ctx}: {noun} `{}` is now required", name(p)),
                );
            }
            let closed = |s: &Value| s.get("additionalProperties") == Some(&Value::Bool(false));
            if !closed(old) && closed(new) {
                let at = if path.is_empty() {
                    String::new()
                } else {
                    format!(" in `{}`", path.trim_end_matches('.'))
                };
                push(
                    out,
                    Impact::Breaking,
                    format!("{ctx}: extra arguments{at} are no longer accepted"),
                );
            }
        }
        Side::Output => {
            for p in or.difference(&nr).filter(|p| np.contains_key(*p)) {
                push(
                    out,
                    Impact::Breaking,
                    format!("{ctx}: {noun} `{}` is no longer required", name(p)),
                );
            }
        }
    }
    for (p, a) in &op {
        if let Some(b) = np.get(p) {
            value(ctx, noun, &name(p), a, b, side, out);
        }
    }
    if out.len() == before && old != new && path.is_empty() {
        push(out, Impact::Compatible, format!("{ctx}: schema changed"));
    }
}

/// Compares one property's schema.
fn value(
    ctx: &str,
    noun: &str,
    name: &str,
    old: &Value,
    new: &Value,
    side: Side,
    out: &mut Vec<Change>,
) {
    if old == new {
        return;
    }
    let before = out.len();
    let (ot, nt) = (types(old), types(new));
    let shown = |t: &Option<BTreeSet<String>>| match t {
        None => "any".to_string(),
        Some(s) => s.iter().cloned().collect::<Vec<_>>().join("|"),
    };
    // Input: breaking when the new schema rejects something the old one accepted.
    // Output: breaking when the new schema may produce something the old one did not.
    let (from, to) = match side {
        Side::Input => (&ot, &nt),
        Side::Output => (&nt, &ot),
    };
    if !subset(from, to) {
        let verb = match side {
            Side::Input => "type narrowed",
            Side::Output => "type changed",
        };
        push(
            out,
            Impact::Breaking,
            format!(
                "{ctx}: {noun} `{name}` {verb} from `{}` to `{}`",
                shown(&ot),
                shown(&nt)
            ),
        );
    }
    enums(ctx, noun, name, old, new, side, out);
    if side == Side::Input {
        bounds(ctx, noun, name, old, new, out);
    }
    if old.get("properties").is_some() || new.get("properties").is_some() {
        object(ctx, noun, &format!("{name}."), old, new, side, out);
    }
    if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
        value(ctx, noun, &format!("{name}[]"), a, b, side, out);
    }
    if out.len() == before {
        push(
            out,
            Impact::Compatible,
            format!("{ctx}: {noun} `{name}` schema changed"),
        );
    }
}

/// Enum (or const) values: fewer accepted inputs, or more possible outputs, is breaking.
fn enums(
    ctx: &str,
    noun: &str,
    name: &str,
    old: &Value,
    new: &Value,
    side: Side,
    out: &mut Vec<Change>,
) {
    let values = |s: &Value| -> Option<Vec<Value>> {
        s.get("enum")
            .and_then(Value::as_array)
            .cloned()
            .or_else(|| s.get("const").map(|c| vec![c.clone()]))
    };
    let (oe, ne) = (values(old), values(new));
    let (from, to) = match side {
        Side::Input => (&oe, &ne),
        Side::Output => (&ne, &oe),
    };
    let lost: Vec<String> = match (from, to) {
        (_, None) => Vec::new(),
        (None, Some(_)) => vec!["(any value)".into()],
        (Some(f), Some(t)) => f
            .iter()
            .filter(|v| !t.contains(v))
            .map(Value::to_string)
            .collect(),
    };
    if lost.is_empty() {
        return;
    }
    let what = match side {
        Side::Input => format!("no longer accepts {}", lost.join(", ")),
        Side::Output => format!("may now be {}", lost.join(", ")),
    };
    push(
        out,
        Impact::Breaking,
        format!("{ctx}: {noun} `{name}` {what}"),
    );
}

/// Numeric and length bounds and patterns of an input: tighter is breaking.
fn bounds(ctx: &str, noun: &str, name: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    let num = |s: &Value, k: &str| s.get(k).and_then(Value::as_f64);
    for (keys, tighter) in [
        (
            LOWER_BOUNDS,
            (|o: f64, n: f64| n > o) as fn(f64, f64) -> bool,
        ),
        (UPPER_BOUNDS, |o: f64, n: f64| n < o),
    ] {
        for k in keys {
            let narrowed = match (num(old, k), num(new, k)) {
                (None, Some(_)) => true,
                (Some(o), Some(n)) => tighter(o, n),
                _ => false,
            };
            if narrowed {
                push(
                    out,
                    Impact::Breaking,
                    format!(
                        "{ctx}: {noun} `{name}` {k} tightened to {}",
                        new.get(*k).map(Value::to_string).unwrap_or_default()
                    ),
                );
            }
        }
    }
    if let Some(p) = new.get("pattern") {
        if old.get("pattern") != Some(p) {
            push(
                out,
                Impact::Breaking,
                format!("{ctx}: {noun} `{name}` must now match the pattern {p}"),
            );
        }
    }
}

/// The JSON types a schema allows; `None` means any.
fn types(schema: &Value) -> Option<BTreeSet<String>> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(BTreeSet::from([t.clone()])),
        Some(Value::Array(ts)) => Some(
            ts.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        _ => None,
    }
}

/// Every value `a` allows is allowed by `b` (`integer` is within `number`).
fn subset(a: &Option<BTreeSet<String>>, b: &Option<BTreeSet<String>>) -> bool {
    let Some(b) = b else {
        return true;
    };
    let Some(a) = a else {
        return false;
    };
    a.iter()
        .all(|t| b.contains(t) || (t == "integer" && b.contains("number")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run_input(old: Value, new: Value) -> Vec<(Impact, String)> {
        let mut out = Vec::new();
        input("tool `t`", &old, &new, &mut out);
        out.into_iter().map(|c| (c.impact, c.what)).collect()
    }

    fn obj(props: Value, req: &[&str]) -> Value {
        json!({"type": "object", "properties": props, "required": req})
    }

    #[test]
    fn required_argument_added_is_breaking_optional_is_not() {
        let old = obj(json!({"q": {"type": "string"}}), &["q"]);
        let new = obj(
            json!({"q": {"type": "string"}, "lang": {"type": "string"}, "n": {"type": "integer"}}),
            &["q", "lang"],
        );
        let got = run_input(old, new);
        assert!(got.contains(&(
            Impact::Breaking,
            "tool `t`: required argument `lang` added".into()
        )));
        assert!(got.contains(&(
            Impact::Compatible,
            "tool `t`: optional argument `n` added".into()
        )));
        assert_eq!(got.len(), 2, "{got:?}");
    }

    #[test]
    fn narrowing_is_breaking_widening_is_not() {
        let old = obj(
            json!({"n": {"type": "number", "maximum": 10}, "k": {"enum": ["a", "b"]}}),
            &[],
        );
        let new = obj(
            json!({"n": {"type": "integer", "maximum": 5}, "k": {"enum": ["a"]}}),
            &["n"],
        );
        let got = run_input(old.clone(), new.clone());
        let text: Vec<_> = got.iter().map(|(_, w)| w.as_str()).collect();
        assert!(text.contains(&"tool `t`: argument `n` type narrowed from `number` to `integer`"));
        assert!(text.contains(&"tool `t`: argument `n` maximum tightened to 5"));
        assert!(text.contains(&"tool `t`: argument `k` no longer accepts \"b\""));
        assert!(text.contains(&"tool `t`: argument `n` is now required"));
        assert!(got.iter().all(|(i, _)| *i == Impact::Breaking), "{got:?}");
        // The reverse direction only widens.
        let back = run_input(new, old);
        assert!(
            back.iter().all(|(i, _)| *i == Impact::Compatible),
            "{back:?}"
        );
        assert!(!back.is_empty());
    }

    #[test]
    fn nested_and_closed_objects() {
        let old = obj(
            json!({"f": {"type": "object", "properties": {"x": {"type": ["string", "null"]}}}}),
            &[],
        );
        let mut new = obj(
            json!({"f": {"type": "object", "properties": {"x": {"type": "string"}}}}),
            &[],
        );
        new["additionalProperties"] = json!(false);
        let got = run_input(old, new);
        let text: Vec<_> = got.iter().map(|(_, w)| w.as_str()).collect();
        assert!(
            text.contains(&"tool `t`: argument `f.x` type narrowed from `null|string` to `string`"),
            "{text:?}"
        );
        assert!(text.contains(&"tool `t`: extra arguments are no longer accepted"));
    }

    #[test]
    fn output_changes_from_the_readers_side() {
        let old = obj(
            json!({"t": {"type": "integer"}, "c": {"type": "string"}, "h": {"type": "number"}}),
            &["t", "c"],
        );
        let new = obj(
            json!({"t": {"type": "number"}, "c": {"type": "string"}, "x": {"type": "string"}}),
            &["t"],
        );
        let mut out = Vec::new();
        output("tool `w`", Some(&old), Some(&new), &mut out);
        let got: Vec<_> = out.iter().map(|c| (c.impact, c.what.as_str())).collect();
        assert!(got.contains(&(Impact::Breaking, "tool `w`: output field `h` removed")));
        assert!(got.contains(&(
            Impact::Breaking,
            "tool `w`: output field `c` is no longer required"
        )));
        assert!(got.contains(&(
            Impact::Breaking,
            "tool `w`: output field `t` type changed from `integer` to `number`"
        )));
        assert!(got.contains(&(Impact::Compatible, "tool `w`: output field `x` added")));
        let mut out = Vec::new();
        output("tool `w`", Some(&old), None, &mut out);
        assert_eq!(out[0].impact, Impact::Breaking);
        let mut out = Vec::new();
        output("tool `w`", None, Some(&new), &mut out);
        assert_eq!(out[0].impact, Impact::Compatible);
    }
}
