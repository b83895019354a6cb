//! The snapshot folder: one pretty JSON file per recorded response plus [`MANIFEST`], which
//! keeps what `check` and `--update` need to record the same way again (protocol version,
//! redaction rules, the calls to make).
//!
//! Writing replaces the folder's snapshot: files the new snapshot no longer has are removed
//! (only `*.json` files; anything else a user keeps there is left alone).

use super::normalize::to_text;
use super::{Files, SnapshotError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";

/// Version of the folder layout.
pub const FORMAT: u32 = 1;

/// A call whose result is part of the snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// File stem: the snapshot file is `call.<name>.json`.
    pub name: String,
    /// JSON-RPC method, e.g. `tools/call`.
    pub method: String,
    /// Params, with variables already substituted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
}

/// How a snapshot was recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// The protocol version negotiated when recording (requested again by `check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    /// User redaction rules, as given to `--redact`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redact: Vec<String>,
    /// Whether `serverInfo.version` is redacted.
    #[serde(default)]
    pub redact_server_version: bool,
    /// The calls whose results are recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<Call>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            format: FORMAT,
            protocol_version: None,
            redact: Vec::new(),
            redact_server_version: false,
            calls: Vec::new(),
        }
    }
}

/// Reads the manifest and every snapshot file of `dir`.
pub fn read_dir(dir: &Path) -> Result<(Manifest, Files), SnapshotError> {
    let manifest_path = dir.join(MANIFEST);
    if !manifest_path.is_file() {
        return Err(SnapshotError::Missing {
            dir: dir.to_path_buf(),
        });
    }
    let manifest: Manifest =
        serde_json::from_value(read_json(&manifest_path)?).map_err(|e| SnapshotError::Invalid {
            path: manifest_path.clone(),
            reason: format!("not a snapshot manifest: {e}"),
        })?;
    if manifest.format != FORMAT {
        return Err(SnapshotError::Invalid {
            path: manifest_path,
            reason: format!(
                "snapshot format {} is not supported (this mcpcheck reads format {FORMAT}); record it again",
                manifest.format
            ),
        });
    }
    let mut files = Files::new();
    for name in json_files(dir)? {
        if name != MANIFEST {
            files.insert(name.clone(), read_json(&dir.join(&name))?);
        }
    }
    Ok((manifest, files))
}

/// Writes `files` and `manifest` into `dir` (created if missing), removing `*.json` files the
/// snapshot no longer has.
pub fn write_dir(dir: &Path, manifest: &Manifest, files: &Files) -> Result<(), SnapshotError> {
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SnapshotError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(write_err(dir))?;
    if dir.is_dir() {
        for name in json_files(dir)? {
            if name != MANIFEST && !files.contains_key(&name) {
                let path = dir.join(&name);
                std::fs::remove_file(&path).map_err(write_err(&path))?;
            }
        }
    }
    for (name, value) in files {
        let path = dir.join(name);
        std::fs::write(&path, to_text(value)).map_err(write_err(&path))?;
    }
    let path = dir.join(MANIFEST);
    let manifest = serde_json::to_value(manifest).unwrap_or(Value::Null);
    std::fs::write(&path, to_text(&manifest)).map_err(write_err(&path))
}

/// Names of the `*.json` files directly in `dir`, sorted.
fn json_files(dir: &Path) -> Result<Vec<String>, SnapshotError> {
    let read_err = |source| SnapshotError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".json") && entry.path().is_file() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn read_json(path: &Path) -> Result<Value, SnapshotError> {
    let text = std::fs::read_to_string(path).map_err(|source| SnapshotError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| SnapshotError::Invalid {
        path: path.to_path_buf(),
        reason: format!("not valid JSON: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn write_then_read_round_trips_and_removes_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = Manifest {
            protocol_version: Some("2025-11-25".into()),
            redact: vec!["etag".into()],
            ..Manifest::default()
        };
        let mut files = Files::new();
        files.insert("tools.json".into(), json!({"tools": []}));
        files.insert("prompts.json".into(), json!({"prompts": []}));
        write_dir(dir.path(), &manifest, &files).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        files.remove("prompts.json");
        write_dir(dir.path(), &manifest, &files).unwrap();
        let (m, back) = read_dir(dir.path()).unwrap();
        assert_eq!(m, manifest);
        assert_eq!(back, files);
        assert!(!dir.path().join("prompts.json").exists());
        assert!(dir.path().join("notes.txt").exists());
    }

    #[test]
    fn missing_and_broken_snapshots_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_dir(dir.path()).unwrap_err();
        assert!(matches!(e, SnapshotError::Missing { .. }), "{e}");
        write_dir(dir.path(), &Manifest::default(), &Files::new()).unwrap();
        std::fs::write(dir.path().join("tools.json"), "{oops").unwrap();
        let e = read_dir(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("tools.json") && e.contains("not valid JSON"),
            "{e}"
        );
    }
}
