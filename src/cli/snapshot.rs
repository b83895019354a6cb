//! `mcpcheck snapshot record|check`: store a server's normalized protocol responses, and later
//! compare against them with a diff per file and the breaking-change classification.
//!
//! Exit codes of `check`: 0 no difference (or, with `--fail-on breaking`, none breaking; or
//! `--update` rewrote the snapshot), 1 a difference that fails, 2 usage, unreachable target or
//! unreadable snapshot.

use super::target::TargetArgs;
use super::EXIT_USAGE;
use crate::scenario::template::Vars;
use crate::snapshot::store::{read_dir, write_dir};
use crate::snapshot::{
    self, calls_from_scenario, FailOn, Manifest, Normalizer, RecordOptions, RedactRule,
};
use clap::{Args, Subcommand};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where snapshots go unless `--out`/`--dir` says otherwise.
const DEFAULT_DIR: &str = "mcp-snapshots";

/// `mcpcheck snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(subcommand)]
    action: SnapshotAction,
}

#[derive(Debug, Subcommand)]
enum SnapshotAction {
    /// Record the server's normalized responses into a folder, one JSON file per response.
    Record(RecordArgs),
    /// Compare the server's responses with a recorded snapshot: a diff per file, exit 1 on a
    /// difference.
    Check(CheckArgs),
}

/// `mcpcheck snapshot record`.
#[derive(Debug, Args)]
struct RecordArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Folder to write the snapshot to (replacing the snapshot there).
    #[arg(long, default_value = DEFAULT_DIR, value_name = "DIR")]
    out: PathBuf,
    /// A scenario file whose `request` steps are also recorded (one file per call).
    #[arg(long, value_name = "FILE")]
    calls: Option<PathBuf>,
    /// Set a variable of the --calls file `name=value` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Redact more: `/json/pointer=PLACEHOLDER` (`*` matches any key or index) or
    /// `keyName=PLACEHOLDER` (repeatable; kept in the manifest for `check`).
    #[arg(long = "redact", value_name = "RULE")]
    redact: Vec<String>,
    /// Also redact serverInfo.version (so releases do not show as differences).
    #[arg(long)]
    redact_server_version: bool,
}

/// `mcpcheck snapshot check`.
#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Folder of the recorded snapshot.
    #[arg(long, default_value = DEFAULT_DIR, value_name = "DIR")]
    dir: PathBuf,
    /// Accept the server's responses: rewrite the snapshot with them (exit 0).
    #[arg(long)]
    update: bool,
    /// Fail on `any` difference, or only on a `breaking` one.
    #[arg(long, default_value = "any", value_name = "any|breaking")]
    fail_on: String,
}

/// Runs `snapshot record` or `snapshot check`.
pub async fn snapshot(args: SnapshotArgs) -> ExitCode {
    let result = match args.action {
        SnapshotAction::Record(a) => record(a).await,
        SnapshotAction::Check(a) => check(a).await,
    };
    result.unwrap_or_else(|msg| {
        eprintln!("error: {msg}");
        ExitCode::from(EXIT_USAGE)
    })
}

fn rules(raw: &[String]) -> Result<Vec<RedactRule>, String> {
    raw.iter()
        .map(|r| r.parse::<RedactRule>().map_err(|e| e.to_string()))
        .collect()
}

async fn record(a: RecordArgs) -> Result<ExitCode, String> {
    let resolved = a.target.resolve()?;
    let normalizer = Normalizer {
        rules: rules(&a.redact)?,
        redact_server_version: a.redact_server_version,
    };
    let mut vars = Vars::new();
    for v in &a.vars {
        let (k, val) = v
            .split_once('=')
            .ok_or_else(|| format!("--var {v:?}: expected NAME=VALUE"))?;
        vars.insert(k.trim().to_string(), Value::String(val.to_string()));
    }
    let calls = match &a.calls {
        Some(path) => calls_from_scenario(path, &vars).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let options = RecordOptions {
        target: resolved.target,
        client: resolved.client,
        spec_version: resolved.spec_version,
        calls: calls.clone(),
    };
    let recorded = snapshot::record(&options, &normalizer)
        .await
        .map_err(|e| e.to_string())?;
    let manifest = Manifest {
        protocol_version: Some(recorded.protocol_version.clone()),
        redact: a.redact.clone(),
        redact_server_version: a.redact_server_version,
        calls,
        ..Manifest::default()
    };
    write_dir(&a.out, &manifest, &recorded.files).map_err(|e| e.to_string())?;
    emit(&format!(
        "recorded {} file{} in {} (protocol {}): {}\n",
        recorded.files.len(),
        if recorded.files.len() == 1 { "" } else { "s" },
        a.out.display(),
        recorded.protocol_version,
        recorded
            .files
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok(ExitCode::SUCCESS)
}

async fn check(a: CheckArgs) -> Result<ExitCode, String> {
    let fail_on: FailOn = a.fail_on.parse()?;
    let resolved = a.target.resolve()?;
    let (manifest, stored) = read_dir(&a.dir).map_err(|e| e.to_string())?;
    let normalizer = Normalizer {
        rules: rules(&manifest.redact)
            .map_err(|e| format!("{}: {e}", a.dir.join(snapshot::MANIFEST).display()))?,
        redact_server_version: manifest.redact_server_version,
    };
    // Ask for the version the snapshot was recorded at, unless the command line says otherwise.
    let spec_version = match resolved.spec_version {
        Some(v) => Some(v),
        None => manifest
            .protocol_version
            .as_deref()
            .and_then(crate::protocol::ProtocolVersion::parse),
    };
    let options = RecordOptions {
        target: resolved.target,
        client: resolved.client,
        spec_version,
        calls: manifest.calls.clone(),
    };
    let fresh = snapshot::record(&options, &normalizer)
        .await
        .map_err(|e| e.to_string())?;
    let outcome = snapshot::check(&stored, &fresh.files);
    emit(&outcome.render());
    if a.update {
        if !outcome.is_clean() {
            let manifest = Manifest {
                protocol_version: Some(fresh.protocol_version.clone()),
                ..manifest
            };
            write_dir(&a.dir, &manifest, &fresh.files).map_err(|e| e.to_string())?;
            emit(&format!("updated the snapshot in {}\n", a.dir.display()));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if outcome.fails(fail_on) {
        emit("snapshot check failed; if the changes are intended, accept them with --update\n");
        return Ok(ExitCode::from(1));
    }
    if !outcome.is_clean() {
        emit("no breaking change (--fail-on breaking); accept the changes with --update\n");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes to stdout; a closed pipe (`| head`) is the reader's choice, not worth a panic.
fn emit(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
