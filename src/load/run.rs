//! Running a profile end to end: resolve the target, prepare generated arguments, run the
//! engine, and build the report with its thresholds evaluated.

use super::engine::{self, conn::Endpoint, SeriesPoint, Shared};
use super::profile::Profile;
use super::report_json::{self, LoadReport};
use super::schema_args;
use super::token::LoadAuth;

/// Where and how to run a profile.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The Streamable HTTP endpoint (http:// or https://).
    pub url: String,
    /// A PEM file of extra roots to trust for an https:// endpoint (`--ca-cert`).
    pub ca_cert: Option<std::path::PathBuf>,
    /// Extra headers on every request (e.g. `Authorization: Bearer …`).
    pub headers: Vec<(String, String)>,
    /// The bearer token (and its refresher) of an authenticated run.
    pub auth: Option<LoadAuth>,
}

/// Why a profile could not be run at all (not a threshold failure: those are in the report).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The target URL is unusable.
    #[error(transparent)]
    Endpoint(#[from] engine::conn::EndpointError),
    /// Generated arguments could not be prepared.
    #[error("cannot prepare generated arguments: {0}")]
    Prepare(String),
    /// The profile needs something this run does not have.
    #[error("{0}")]
    Skipped(String),
    /// Nothing listens at the target, or it refused the connection (TLS included).
    #[error("cannot connect to {0}")]
    Unreachable(String),
}

/// Runs `profile` against `opts.url`; `on_second` sees each second's figures as they come.
pub async fn run(
    profile: &Profile,
    opts: &LoadOptions,
    on_second: impl FnMut(&SeriesPoint, &Shared) + Send + 'static,
) -> Result<LoadReport, LoadError> {
    if let Some(auth) = &profile.auth {
        let has_token = opts
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            || opts.auth.is_some();
        if auth.required && !has_token {
            return Err(LoadError::Skipped(format!(
                "profile `{}` needs credentials: pass -H 'Authorization: Bearer TOKEN' (OAuth token refresh under load needs the --auth support of issue 3)",
                profile.name
            )));
        }
    }
    let endpoint =
        Endpoint::resolve_with(&opts.url, &opts.headers, opts.ca_cert.as_deref()).await?;
    // One connection first, so a target that is not there (or whose certificate is not
    // trusted) is a usage error, not a run whose every call failed.
    if let Err(e) = engine::conn::Conn::connect(&endpoint, profile.timeout).await {
        let hint = if e.detail.contains("UnknownIssuer") && opts.ca_cert.is_none() {
            " (a private or self-signed CA? pass --ca-cert FILE)"
        } else {
            ""
        };
        return Err(LoadError::Unreachable(format!(
            "{}: {}{hint}",
            opts.url, e.detail
        )));
    }
    let mut profile = profile.clone();
    if profile.operations.iter().any(|o| o.schema_tool.is_some()) {
        schema_args::prepare(&mut profile, &endpoint, opts.ca_cert.as_deref())
            .await
            .map_err(LoadError::Prepare)?;
    }
    let result = engine::run(&profile, endpoint, opts.auth.clone(), on_second).await;
    Ok(report_json::build(&profile, &opts.url, &result))
}
