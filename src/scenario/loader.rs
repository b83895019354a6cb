//! Loading scenario files: the built-in pack embedded in the binary and the user's own folders.
//!
//! Every error names the file, the line and what was expected, rustc-style, so a user's typo in a
//! scenario is a one-glance fix (exit code 2 at the binary edge).

use super::builtin;
use super::model::{ScenarioFile, Step};
use crate::protocol::ProtocolVersion;
use include_dir::{include_dir, Dir};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/scenarios");

/// A loaded scenario with where it came from.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The parsed file.
    pub file: ScenarioFile,
    /// Path shown in messages (`scenarios/lifecycle/ping.toml` or the user's path).
    pub origin: String,
    /// The file text (for turning spans into line numbers).
    pub source: String,
}

impl Scenario {
    /// `origin:line` for a byte offset into the file.
    pub fn location(&self, offset: usize) -> String {
        let (line, _) = line_col(&self.source, offset);
        format!("{}:{}", self.origin, line)
    }

    /// Parsed versions the scenario applies to (default: every version with the `initialize`
    /// handshake, 2024-11-05 included: its rules hold over stdio and legacy HTTP+SSE too).
    pub fn versions(&self) -> Vec<ProtocolVersion> {
        if self.file.versions.is_empty() {
            return ProtocolVersion::STATEFUL.to_vec();
        }
        self.file
            .versions
            .iter()
            .filter_map(|v| ProtocolVersion::parse(v))
            .collect()
    }
}

/// A scenario file that cannot be used, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// File path as shown to the user.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What was wrong / expected.
    pub message: String,
    /// The offending source line, for the snippet.
    pub snippet: Option<String>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "error: {}\n  --> {}:{}:{}",
            self.message, self.file, self.line, self.column
        )?;
        if let Some(s) = &self.snippet {
            let n = self.line.to_string();
            let pad = " ".repeat(n.len());
            write!(
                f,
                "\n{pad} |\n{n} | {s}\n{pad} | {}^",
                " ".repeat(self.column.saturating_sub(1))
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Loads the built-in pack (embedded at build time), sorted by id.
pub fn load_builtin() -> Result<Vec<Scenario>, Vec<LoadError>> {
    let mut files = Vec::new();
    collect_embedded(&BUILTIN, &mut files);
    load_all(files)
}

/// Loads every `*.toml` file below `dir` (recursively), sorted by id.
pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, Vec<LoadError>> {
    let mut paths = Vec::new();
    if let Err(e) = walk(dir, &mut paths) {
        return Err(vec![LoadError {
            file: dir.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read scenario folder: {e}"),
            snippet: None,
        }]);
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::read_to_string(&p) {
            Ok(text) => files.push((p.display().to_string(), text)),
            Err(e) => errors.push(LoadError {
                file: p.display().to_string(),
                line: 0,
                column: 0,
                message: format!("cannot read file: {e}"),
                snippet: None,
            }),
        }
    }
    match load_all(files) {
        Ok(s) if errors.is_empty() => Ok(s),
        Ok(_) => Err(errors),
        Err(mut e) => {
            errors.append(&mut e);
            Err(errors)
        }
    }
}

/// Parses one scenario file's text.
pub fn parse(origin: &str, text: &str) -> Result<Scenario, LoadError> {
    let file: ScenarioFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        error_at(origin, text, offset, e.message().to_string())
    })?;
    let scenario = Scenario {
        file,
        origin: origin.to_string(),
        source: text.to_string(),
    };
    check(&scenario)?;
    Ok(scenario)
}

fn load_all(files: Vec<(String, String)>) -> Result<Vec<Scenario>, Vec<LoadError>> {
    let mut out: Vec<Scenario> = Vec::new();
    let mut errors = Vec::new();
    for (origin, text) in files {
        match parse(&origin, &text) {
            Ok(s) => {
                if let Some(prev) = out.iter().find(|o| o.file.id == s.file.id) {
                    errors.push(error_at(
                        &origin,
                        &text,
                        text.find("id").unwrap_or(0),
                        format!(
                            "duplicate scenario id `{}` (also in {})",
                            s.file.id, prev.origin
                        ),
                    ));
                } else {
                    out.push(s);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        out.sort_by(|a, b| a.file.id.cmp(&b.file.id));
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Semantic checks serde cannot express, each pointing at the offending place.
fn check(s: &Scenario) -> Result<(), LoadError> {
    let f = &s.file;
    let err = |offset: usize, msg: String| error_at(&s.origin, &s.source, offset, msg);
    let top = |key: &str| {
        s.source
            .find(&format!("{key} "))
            .or_else(|| s.source.find(key))
            .unwrap_or(0)
    };
    if f.id.is_empty()
        || !f
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(err(
            top("id"),
            "expected an id of letters, digits, `.`, `_` or `-`".into(),
        ));
    }
    if f.spec.is_empty() {
        return Err(err(
            top("spec"),
            "expected at least one spec reference in `spec`".into(),
        ));
    }
    for v in &f.versions {
        if ProtocolVersion::parse(v).is_none() {
            return Err(err(
                top("versions"),
                format!("unknown protocol version `{v}`: expected one of 2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25, 2026-07-28"),
            ));
        }
    }
    super::client_side::check(f).map_err(|(offset, m)| err(offset, m))?;
    if f.steps.is_empty() && f.builtin.is_none() {
        return Err(err(
            0,
            "expected at least one `[[step]]` or a `builtin`".into(),
        ));
    }
    if let Some(b) = &f.builtin {
        if !builtin::exists(b.get_ref()) {
            return Err(err(
                b.span().start,
                format!(
                    "unknown builtin `{}`: expected one of {}",
                    b.get_ref(),
                    builtin::names().join(", ")
                ),
            ));
        }
    }
    for step in &f.steps {
        check_step(step).map_err(|m| err(step.span().start, m))?;
        for e in step.get_ref().expect.iter().chain(&step.get_ref().require) {
            check_expect(e.get_ref()).map_err(|m| err(e.span().start, m))?;
        }
    }
    Ok(())
}

fn check_step(step: &Spanned<Step>) -> Result<(), String> {
    let s = step.get_ref();
    let actions = [
        s.request.is_some(),
        s.notify.is_some(),
        s.initialize.is_some(),
        s.raw.is_some(),
        s.http.is_some(),
        s.start.is_some(),
        s.wait_response.is_some(),
        s.wait_notification.is_some(),
        s.sleep_ms.is_some(),
        s.auth.is_some(),
    ]
    .iter()
    .filter(|a| **a)
    .count();
    if actions != 1 {
        return Err(format!(
            "expected exactly one action in a step (request, notify, initialize, raw, http, start, wait_response, wait_notification, sleep_ms, auth); found {actions}"
        ));
    }
    if let Some(a) = &s.auth {
        crate::auth::action::check(a)?;
    }
    if let Some(h) = &s.http {
        if h.json.is_some() && h.body.is_some() {
            return Err("expected either `json` or `body` in an http step, not both".into());
        }
    }
    for (name, ptr) in &s.capture {
        if !ptr.is_empty() && !ptr.starts_with('/') {
            return Err(format!(
                "capture `{name}`: expected a JSON pointer starting with `/`, found `{ptr}`"
            ));
        }
    }
    if !s.require.is_empty() && s.skip_reason.is_none() {
        return Err("a step with `require` needs a `skip_reason`".into());
    }
    Ok(())
}

fn check_expect(e: &super::model::Expect) -> Result<(), String> {
    if let Some(p) = &e.path {
        if !p.is_empty() && !p.starts_with('/') {
            return Err(format!(
                "expected `path` to be a JSON pointer starting with `/`, found `{p}`"
            ));
        }
    }
    if let Some(r) = &e.matches {
        regex::Regex::new(r).map_err(|err| format!("invalid regex in `matches`: {err}"))?;
    }
    if let Some(t) = &e.type_ {
        const TYPES: [&str; 7] = [
            "null", "boolean", "integer", "number", "string", "array", "object",
        ];
        if !TYPES.contains(&t.as_str()) {
            return Err(format!(
                "unknown type `{t}`: expected one of {}",
                TYPES.join(", ")
            ));
        }
    }
    for inner in e.each.iter().flatten() {
        check_expect(inner)?;
    }
    if e.any_of
        .as_ref()
        .is_some_and(|a| a.is_empty() || a.iter().any(Vec::is_empty))
    {
        return Err(
            "expected at least one alternative in `any_of`, each with at least one expectation"
                .into(),
        );
    }
    for alt in e.any_of.iter().flatten() {
        for inner in alt {
            check_expect(inner)?;
        }
    }
    Ok(())
}

fn error_at(origin: &str, text: &str, offset: usize, message: String) -> LoadError {
    let (line, column) = line_col(text, offset);
    LoadError {
        file: origin.to_string(),
        line,
        column,
        message,
        snippet: text.lines().nth(line.saturating_sub(1)).map(str::to_string),
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<(String, String)>) {
    for file in dir.files() {
        let path = file.path();
        if path.extension().is_some_and(|e| e == "toml") && !path.starts_with("load") {
            if let Some(text) = file.contents_utf8() {
                out.push((format!("scenarios/{}", path.display()), text.to_string()));
            }
        }
    }
    for sub in dir.dirs() {
        if !sub.path().starts_with("load") {
            collect_embedded(sub, out);
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_line_and_expectation_for_a_type_error() {
        let text = "id = \"x.y\"\ntitle = \"t\"\nspec = [\"s\"]\nlevel = \"MUST\"\n[[step]]\nrequest = { method = 5 }\n";
        let e = parse("mine.toml", text).unwrap_err();
        assert_eq!(e.file, "mine.toml");
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("string"), "{e}");
    }

    #[test]
    fn rejects_unknown_fields_and_levels() {
        let text = "id = \"x.y\"\ntitle = \"t\"\nspec = [\"s\"]\nlevel = \"MUSTY\"\n";
        let e = parse("a.toml", text).unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        let text = "id = \"x.y\"\ntitle = \"t\"\nspec = [\"s\"]\nlevel = \"MUST\"\n[[step]]\nrequest = { method = \"ping\" }\nexpekt = []\n";
        let e = parse("b.toml", text).unwrap_err();
        assert!(e.message.contains("expekt"), "{e}");
    }

    #[test]
    fn a_step_needs_exactly_one_action() {
        let text = "id = \"x.y\"\ntitle = \"t\"\nspec = [\"s\"]\nlevel = \"MUST\"\n[[step]]\nrequest = { method = \"ping\" }\nraw = \"{\"\n";
        let e = parse("c.toml", text).unwrap_err();
        assert!(e.message.contains("exactly one action"), "{e}");
        assert_eq!(e.line, 5, "points at the step's header: {e}");
    }

    #[test]
    fn the_builtin_pack_loads() {
        let pack = load_builtin().map_err(|e| {
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        });
        let pack = pack.unwrap_or_else(|e| panic!("{e}"));
        assert!(!pack.is_empty());
    }
}
