//! `mcpcheck run --transport`: which wire a URL speaks. `streamable-http` and `sse` (the legacy
//! HTTP+SSE transport of 2024-11-05) are taken as given; `auto` follows the specification's
//! backwards-compatibility rule: POST an `initialize`; a 4xx answer means an older server, so
//! GET the URL with `Accept: text/event-stream`, and an `endpoint` event as the first event
//! means legacy HTTP+SSE. Anything else stays Streamable HTTP (the run then reports what fails).

use crate::transport::{ClientOptions, Target};

/// The `--transport` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TransportChoice {
    /// Detect: Streamable HTTP, or legacy HTTP+SSE when a POST is refused with 4xx and a GET
    /// opens a stream whose first event is `endpoint`.
    #[default]
    Auto,
    /// Streamable HTTP (protocol 2025-03-26 and later).
    StreamableHttp,
    /// The legacy HTTP+SSE transport (protocol 2024-11-05): the URL is the SSE stream.
    Sse,
}

/// What detection found, for the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detected {
    /// Nothing was probed (a stdio target, or the transport was given).
    Given,
    /// The POST was accepted (or refused other than with 4xx): Streamable HTTP.
    StreamableHttp,
    /// The POST got a 4xx and the GET stream began with an `endpoint` event.
    Legacy,
}

/// The target `choice` makes of `target`; the error is a usage message.
pub async fn apply(
    target: Target,
    choice: TransportChoice,
    opts: &ClientOptions,
) -> Result<(Target, Detected), String> {
    let url = match (&target, choice) {
        (Target::Stdio { .. }, TransportChoice::Auto) => return Ok((target, Detected::Given)),
        (Target::Stdio { .. }, _) => {
            return Err("--transport applies to URL targets (stdio is its own transport)".into())
        }
        (Target::Http { url } | Target::LegacySse { url }, _) => url.clone(),
    };
    match choice {
        TransportChoice::StreamableHttp => Ok((Target::Http { url }, Detected::Given)),
        TransportChoice::Sse => Ok((Target::LegacySse { url }, Detected::Given)),
        TransportChoice::Auto if matches!(target, Target::LegacySse { .. }) => {
            Ok((target, Detected::Given))
        }
        TransportChoice::Auto => Ok(if crate::transport::legacy::detect(&url, opts).await {
            (Target::LegacySse { url }, Detected::Legacy)
        } else {
            (Target::Http { url }, Detected::StreamableHttp)
        }),
    }
}

/// The console line for a detection.
pub fn describe(detected: &Detected) -> Option<&'static str> {
    match detected {
        Detected::Given => None,
        Detected::StreamableHttp => Some("transport: Streamable HTTP (detected)"),
        Detected::Legacy => Some(
            "transport: legacy HTTP+SSE of 2024-11-05 (detected: initialize POST refused with 4xx, GET opened a stream with an `endpoint` event)",
        ),
    }
}
