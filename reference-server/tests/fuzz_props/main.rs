//! Property tests ("fuzzing" that runs in `cargo test`) of the parts of the reference server a
//! hostile client reaches first: the JSON-RPC classifier, the POST /mcp decoder end to end, the
//! SSE writer, and the OAuth endpoints' form and JSON parsers (token, authorize, register,
//! revoke, introspect). Every input must be answered — never a panic, never a 5xx — and with
//! the right error for what is wrong with it.
//!
//! Each target runs `PROPTEST_CASES` inputs (proptest's default, 256, when unset) and prints how
//! many it ran. A long run, e.g. 100 000 inputs per target:
//! `PROPTEST_CASES=100000 cargo test -p mcp-reference-server --test fuzz_props -- --nocapture`.

#[path = "../common/mod.rs"]
mod common;

mod classifier;
mod oauth;
mod post;
mod sse;
mod strategies;
mod support;

/// What every part uses.
mod prelude {
    pub(crate) use crate::common::init_params;
    pub(crate) use crate::strategies::*;
    pub(crate) use crate::support::*;
    pub(crate) use mcp_reference_server::fuzzing::{
        classify, is_valid_id, sse_event_ids, sse_keep_alive, sse_message, sse_priming, Incoming,
    };
    pub(crate) use mcp_reference_server::{
        start_http, AuthConfig, ClientSpec, Limits, ServerConfig, UserSpec,
    };
    pub(crate) use proptest::prelude::*;
    pub(crate) use proptest::test_runner::{Config, TestCaseError, TestRunner};
    pub(crate) use reqwest::StatusCode;
    pub(crate) use serde_json::{json, Map, Value};
    pub(crate) use std::sync::atomic::{AtomicU64, Ordering};
    pub(crate) use std::time::Duration;
}
