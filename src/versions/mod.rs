//! Which protocol versions a server accepts (`--spec-version auto`) and the suite run once per
//! accepted version (`run --matrix`).

pub mod probe;

pub use probe::{probe, InitProbe, VersionSupport};
