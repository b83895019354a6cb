//! The tool catalog, built once per server and kept for the rest of its life.
//!
//! What a session lists depends only on the server's configuration (its faults, fixed at
//! start), the session's revision and whether it enabled the `beta` tool; so the catalog and
//! its `tools/list` JSON are built at most once per (revision, beta) pair instead of on every
//! `tools/call` (which checks the tool is listed) and every `tools/list`. The pages
//! `tools/list` issues are kept serialised too ([`CachedResult`]), so answering one copies
//! bytes instead of building and serialising a `Value` tree. Lock-free once built: `OnceLock`
//! reads are a single atomic load.

use super::ToolSpec;
use crate::cached_result::CachedResult;
use crate::version::Version;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// What one (revision, beta) pair lists.
#[derive(Default)]
struct Slot {
    specs: OnceLock<Vec<ToolSpec>>,
    listed: OnceLock<Vec<Value>>,
    pages: OnceLock<Vec<Arc<CachedResult>>>,
}

/// The cached catalogs of one server (a field of `ServerState`).
pub(crate) struct CatalogCache {
    /// Indexed by the position of the revision in `Version::ALL`, then by `beta`.
    slots: Vec<[Slot; 2]>,
}

impl Default for CatalogCache {
    fn default() -> Self {
        Self {
            slots: Version::ALL.iter().map(|_| Default::default()).collect(),
        }
    }
}

impl CatalogCache {
    fn slot(&self, version: Version, beta: bool) -> Option<&Slot> {
        let i = Version::ALL.iter().position(|v| *v == version)?;
        self.slots.get(i).map(|pair| &pair[usize::from(beta)])
    }

    /// The tool definitions for `version`/`beta`; `build` runs on the first call only.
    /// `None` only for a revision missing from `Version::ALL` (then the caller builds).
    pub fn specs(
        &self,
        version: Version,
        beta: bool,
        build: impl FnOnce() -> Vec<ToolSpec>,
    ) -> Option<&[ToolSpec]> {
        self.slot(version, beta)
            .map(|s| s.specs.get_or_init(build).as_slice())
    }

    /// The `tools/list` JSON of every tool for `version`/`beta`, built once like `specs`.
    pub fn listed(
        &self,
        version: Version,
        beta: bool,
        build: impl FnOnce() -> Vec<Value>,
    ) -> Option<&[Value]> {
        self.slot(version, beta)
            .map(|s| s.listed.get_or_init(build).as_slice())
    }

    /// The `tools/list` results of every page the server issues for `version`/`beta` (page
    /// `i` starts at `i × page size`), built once like `specs`.
    pub fn pages(
        &self,
        version: Version,
        beta: bool,
        build: impl FnOnce() -> Vec<Arc<CachedResult>>,
    ) -> Option<&[Arc<CachedResult>]> {
        self.slot(version, beta)
            .map(|s| s.pages.get_or_init(build).as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::cell::Cell;

    #[test]
    fn builds_once_per_revision_and_beta() {
        let cache = CatalogCache::default();
        let builds = Cell::new(0);
        let build = |tag: &str| {
            builds.set(builds.get() + 1);
            vec![json!(tag)]
        };
        for _ in 0..3 {
            let a = cache
                .listed(Version::NEWEST, false, || build("plain"))
                .unwrap();
            assert_eq!(a, [json!("plain")]);
            let b = cache
                .listed(Version::NEWEST, true, || build("beta"))
                .unwrap();
            assert_eq!(b, [json!("beta")]);
        }
        let old = cache
            .listed(Version::ALL[0], false, || build("old"))
            .unwrap();
        assert_eq!(old, [json!("old")]);
        assert_eq!(builds.get(), 3);
    }
}
