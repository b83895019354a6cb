//! `mcpcheck load`: JSON-RPC throughput and latency under load, with thresholds a CI can gate on.
//!
//! A [`profile`] (TOML, built in under `scenarios/load/` or the user's file) says what to run:
//! the workload [`plan`] (closed: users over time; open: arrivals per second over a bounded
//! pool of users), the weighted mix of [`operation`]s, the session mode and the
//! [`threshold`]s. The [`engine`] runs it — a tokio task per virtual user, each owning one
//! hyper HTTP/1.1 connection and its MCP [`session`] — and [`metrics`] records HDR histograms
//! per operation × outcome. The result is a [`report_json::LoadReport`], rendered by
//! [`console`] and [`report_html`], merged losslessly by [`merge`] and compared by [`compare`].

pub mod compare;
pub mod console;
pub mod engine;
#[cfg(feature = "goose")]
pub mod goose;
pub mod merge;
pub mod metrics;
pub mod operation;
pub mod plan;
pub mod profile;
pub mod report_html;
pub mod report_json;
pub mod run;
pub mod schema_args;
pub mod session;
pub mod stats;
pub mod threshold;
pub mod token;

pub use profile::{Overrides, Profile};
pub use report_json::LoadReport;
pub use run::{run, LoadError, LoadOptions};
