//! Operations of a load mix and their pre-serialised request bodies.
//!
//! Each operation's JSON-RPC message is serialised once, when the profile is loaded, into
//! literal byte runs with holes for the request id and the `${vu}`, `${iteration}`,
//! `${random}` and `${id}` placeholders; a call only copies the runs and writes the numbers.
//! The placeholders are numeric, so filling them can never break the JSON or need escaping.

use super::profile::OperationFile;
use rand::Rng;
use serde_json::{json, Map, Value};

/// Request (answered) or notification (202, no answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// A JSON-RPC request.
    Request,
    /// A JSON-RPC notification.
    Notification,
}

/// A hole in a body template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hole {
    Id,
    Vu,
    Iteration,
    Random,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Lit(Vec<u8>),
    Hole(Hole),
}

/// A pre-serialised message with holes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyTemplate {
    parts: Vec<Part>,
    size_hint: usize,
}

/// The numbers a body's holes are filled with.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fill {
    /// The JSON-RPC request id.
    pub id: u64,
    /// The user's number.
    pub vu: u64,
    /// The user's iteration number.
    pub iteration: u64,
}

impl BodyTemplate {
    /// Serialises `message`; a request gets an id hole in place of its `id` value.
    pub fn new(message: &Value) -> Self {
        let text = message.to_string();
        const ID_MARK: &str = "\"id\":\"__mcpcheck_load_id__\"";
        let mut parts = Vec::new();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let next = [
                (ID_MARK, Some(Hole::Id), "\"id\":"),
                ("${id}", Some(Hole::Id), ""),
                ("${vu}", Some(Hole::Vu), ""),
                ("${iteration}", Some(Hole::Iteration), ""),
                ("${random}", Some(Hole::Random), ""),
            ]
            .into_iter()
            .filter_map(|(mark, hole, keep)| rest.find(mark).map(|p| (p, mark, hole, keep)))
            .min_by_key(|(p, ..)| *p);
            match next {
                None => {
                    parts.push(Part::Lit(rest.as_bytes().to_vec()));
                    rest = "";
                }
                Some((p, mark, hole, keep)) => {
                    let lit = format!("{}{keep}", &rest[..p]);
                    if !lit.is_empty() {
                        parts.push(Part::Lit(lit.into_bytes()));
                    }
                    if let Some(h) = hole {
                        parts.push(Part::Hole(h));
                    }
                    rest = &rest[p + mark.len()..];
                }
            }
        }
        BodyTemplate {
            parts,
            size_hint: text.len() + 16,
        }
    }

    /// Writes the message with its holes filled into `out` (cleared first).
    pub fn render(&self, out: &mut Vec<u8>, fill: Fill, rng: &mut impl Rng) {
        use std::io::Write;
        out.clear();
        out.reserve(self.size_hint);
        for p in &self.parts {
            match p {
                Part::Lit(b) => out.extend_from_slice(b),
                // Writing into a Vec cannot fail.
                Part::Hole(Hole::Id) => {
                    let _ = write!(out, "{}", fill.id);
                }
                Part::Hole(Hole::Vu) => {
                    let _ = write!(out, "{}", fill.vu);
                }
                Part::Hole(Hole::Iteration) => {
                    let _ = write!(out, "{}", fill.iteration);
                }
                Part::Hole(Hole::Random) => {
                    let _ = write!(out, "{}", rng.random::<u32>());
                }
            }
        }
    }
}

/// A JSON-RPC request with an id placeholder that [`BodyTemplate::new`] turns into the id hole.
pub fn request_template(method: &str, params: Option<Value>) -> BodyTemplate {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), json!("2.0"));
    m.insert("id".into(), json!("__mcpcheck_load_id__"));
    m.insert("method".into(), json!(method));
    if let Some(p) = params {
        m.insert("params".into(), p);
    }
    BodyTemplate::new(&Value::Object(m))
}

/// A JSON-RPC notification.
pub fn notification_template(method: &str, params: Option<Value>) -> BodyTemplate {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), json!("2.0"));
    m.insert("method".into(), json!(method));
    if let Some(p) = params {
        m.insert("params".into(), p);
    }
    BodyTemplate::new(&Value::Object(m))
}

/// One operation of the mix.
#[derive(Clone, Debug)]
pub struct Operation {
    /// Name in reports and thresholds.
    pub name: String,
    /// JSON-RPC method.
    pub method: String,
    /// Request or notification.
    pub kind: OpKind,
    /// Relative weight.
    pub weight: u32,
    /// The bodies to pick from (one, or several generated from the tool's schema).
    pub bodies: Vec<BodyTemplate>,
    /// tools/call whose arguments are generated from this tool's inputSchema at start.
    pub schema_tool: Option<String>,
}

impl Operation {
    /// Builds an operation from its file form; the error says what is missing.
    pub fn from_file(f: &OperationFile) -> Result<Self, String> {
        let method = f.method.trim().to_string();
        if method.is_empty() {
            return Err("expected a `method`".into());
        }
        let weight = f.weight.unwrap_or(1);
        if weight == 0 {
            return Err("`weight` must be at least 1".into());
        }
        let need = |what: &str, v: &Option<String>| {
            v.clone()
                .ok_or_else(|| format!("a `{method}` operation needs `{what}`"))
        };
        let args = f.arguments.clone().map(Value::Object);
        let (params, default_name) = match method.as_str() {
            "tools/call" => {
                let tool = need("tool", &f.tool)?;
                let mut p = json!({"name": tool});
                if let Some(a) = args {
                    p["arguments"] = a;
                }
                (Some(p), format!("tools/call:{tool}"))
            }
            "resources/read" => {
                let uri = need("uri", &f.uri)?;
                (Some(json!({"uri": uri})), format!("resources/read:{uri}"))
            }
            "prompts/get" => {
                let prompt = need("prompt", &f.prompt)?;
                let mut p = json!({"name": prompt});
                if let Some(a) = args {
                    p["arguments"] = a;
                }
                (Some(p), format!("prompts/get:{prompt}"))
            }
            _ => (f.params.clone(), method.clone()),
        };
        if f.params.is_some()
            && matches!(
                method.as_str(),
                "tools/call" | "resources/read" | "prompts/get"
            )
        {
            return Err(format!(
                "`params` is for other methods; a `{method}` operation takes tool/uri/prompt and arguments"
            ));
        }
        if f.arguments_from_schema && method != "tools/call" {
            return Err("`arguments_from_schema` applies to tools/call only".into());
        }
        let kind = if method.starts_with("notifications/") {
            OpKind::Notification
        } else {
            OpKind::Request
        };
        let body = match kind {
            OpKind::Request => request_template(&method, params),
            OpKind::Notification => notification_template(&method, params),
        };
        Ok(Operation {
            name: f.name.clone().unwrap_or(default_name),
            method,
            kind,
            weight,
            bodies: vec![body],
            schema_tool: f.arguments_from_schema.then(|| f.tool.clone()).flatten(),
        })
    }
}

/// Picks operations by weight.
#[derive(Clone, Debug)]
pub struct Picker {
    cumulative: Vec<u64>,
}

impl Picker {
    /// A picker over `ops`' weights.
    pub fn new(ops: &[Operation]) -> Self {
        let mut sum = 0u64;
        let cumulative = ops
            .iter()
            .map(|o| {
                sum += u64::from(o.weight.max(1));
                sum
            })
            .collect();
        Picker { cumulative }
    }

    /// An operation index.
    pub fn pick(&self, rng: &mut impl Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1).max(1);
        let x = rng.random_range(0..total);
        self.cumulative.partition_point(|c| *c <= x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    #[test]
    fn ids_and_placeholders_are_filled_in() {
        let t = request_template(
            "tools/call",
            Some(json!({"name":"echo","arguments":{"text":"u${vu}-i${iteration}"}})),
        );
        let mut out = Vec::new();
        let mut rng = SmallRng::seed_from_u64(1);
        t.render(
            &mut out,
            Fill {
                id: 42,
                vu: 3,
                iteration: 7,
            },
            &mut rng,
        );
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["id"], json!(42));
        assert_eq!(v["params"]["arguments"]["text"], json!("u3-i7"));
        t.render(
            &mut out,
            Fill {
                id: 43,
                vu: 3,
                iteration: 8,
            },
            &mut rng,
        );
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["id"], json!(43));
        let n = notification_template("notifications/x", Some(json!({"r":"${random}"})));
        n.render(&mut out, Fill::default(), &mut rng);
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert!(v.get("id").is_none());
        assert!(v["params"]["r"].as_str().unwrap().parse::<u32>().is_ok());
    }

    #[test]
    fn picks_follow_the_weights() {
        let mk = |w| Operation {
            name: String::new(),
            method: "ping".into(),
            kind: OpKind::Request,
            weight: w,
            bodies: vec![],
            schema_tool: None,
        };
        let p = Picker::new(&[mk(1), mk(3)]);
        let mut rng = SmallRng::seed_from_u64(7);
        let mut counts = [0u32; 2];
        for _ in 0..4000 {
            counts[p.pick(&mut rng)] += 1;
        }
        assert!((2800..3200).contains(&counts[1]), "{counts:?}");
    }

    #[test]
    fn operations_need_their_target() {
        let f = OperationFile {
            method: "resources/read".into(),
            ..OperationFile::default()
        };
        assert!(Operation::from_file(&f).unwrap_err().contains("uri"));
        let f = OperationFile {
            method: "notifications/roots/list_changed".into(),
            ..OperationFile::default()
        };
        assert_eq!(Operation::from_file(&f).unwrap().kind, OpKind::Notification);
    }
}
