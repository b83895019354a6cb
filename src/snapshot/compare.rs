//! Per-file differences between a stored snapshot and a fresh one, as unified diffs of the
//! stored text (the `similar` crate does the line diff).

use super::normalize::to_text;
use super::Files;
use similar::TextDiff;
use std::fmt;

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// How a file differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileStatus {
    /// The fresh snapshot has a file the stored one lacks.
    Added,
    /// The stored snapshot has a file the fresh one lacks.
    Removed,
    /// Both have it, with different content.
    Changed,
}

impl fmt::Display for FileStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileStatus::Added => "added",
            FileStatus::Removed => "removed",
            FileStatus::Changed => "changed",
        })
    }
}

/// One differing file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileDiff {
    /// File name, e.g. `tools.json`.
    pub file: String,
    /// Added, removed or changed.
    pub status: FileStatus,
    /// Unified diff, `--- stored/<file>` / `+++ server/<file>`.
    pub diff: String,
}

impl FileDiff {
    /// A heading line, then the diff.
    pub fn render(&self) -> String {
        format!("{} ({}):\n{}", self.file, self.status, self.diff)
    }
}

/// The files that differ, in file-name order.
pub fn diff_files(stored: &Files, fresh: &Files) -> Vec<FileDiff> {
    let mut names: Vec<&String> = stored.keys().chain(fresh.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for name in names {
        let (old, new) = (stored.get(name), fresh.get(name));
        let status = match (old, new) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(_), Some(_)) => FileStatus::Changed,
            (None, Some(_)) => FileStatus::Added,
            (Some(_), None) => FileStatus::Removed,
            (None, None) => continue,
        };
        let old_text = old.map(to_text).unwrap_or_default();
        let new_text = new.map(to_text).unwrap_or_default();
        out.push(FileDiff {
            file: name.clone(),
            status,
            diff: unified(&old_text, &new_text, name),
        });
    }
    out
}

/// A unified diff of two texts of `name`.
pub fn unified(old: &str, new: &str, name: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(CONTEXT)
        .header(&format!("stored/{name}"), &format!("server/{name}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_differing_files_with_a_readable_diff() {
        let mut a = Files::new();
        a.insert("same.json".into(), json!({"x": 1}));
        a.insert("tools.json".into(), json!({"tools": [{"name": "weather"}]}));
        a.insert("prompts.json".into(), json!({"prompts": []}));
        let mut b = a.clone();
        b.insert(
            "tools.json".into(),
            json!({"tools": [{"name": "get_weather"}]}),
        );
        b.remove("prompts.json");
        b.insert("call.x.json".into(), json!({"result": {}}));
        let d = diff_files(&a, &b);
        let names: Vec<_> = d.iter().map(|d| (d.file.as_str(), d.status)).collect();
        assert_eq!(
            names,
            [
                ("call.x.json", FileStatus::Added),
                ("prompts.json", FileStatus::Removed),
                ("tools.json", FileStatus::Changed)
            ]
        );
        let tools = &d[2].diff;
        assert!(tools.contains("--- stored/tools.json"), "{tools}");
        assert!(tools.contains("+++ server/tools.json"), "{tools}");
        assert!(tools.contains("-      \"name\": \"weather\""), "{tools}");
        assert!(
            tools.contains("+      \"name\": \"get_weather\""),
            "{tools}"
        );
    }
}
