//! The auth actions a scenario step can take, each reading its inputs, using the check's
//! [`AuthState`] and returning an [`Outcome`] whose data lands under `/auth/<action>`: one file
//! per family (registration, authorization, the token endpoint's grants, tokens at the MCP
//! server, the MCP endpoint itself), with discovery here.

mod authorize;
mod grants;
mod mcp;
mod register;
mod tokens;

pub use authorize::authorize;
pub use grants::{client_credentials, introspect, refresh, revoke, token};
pub use mcp::{connect, probe};
pub use register::register;
pub use tokens::{use_token, wait_expiry};

use super::action::{Inputs, Outcome, StepFailure};
use super::discovery::{self, Discovery};
use super::state::AuthState;
use serde_json::Value;

type Res = Result<Outcome, StepFailure>;

/// An optional input where `""` means "leave it out": `Some(None)` then.
fn opt(v: Option<String>) -> Option<Option<String>> {
    v.map(|s| (!s.is_empty()).then_some(s))
}
/// `discover`: the whole discovery, or only the metadata of a given issuer.
pub async fn discover(i: &Inputs<'_>, st: &mut AuthState) -> Res {
    let mut d = Discovery {
        resource: st.endpoint.clone(),
        ..Discovery::default()
    };
    let result = match i.get(&i.step.issuer)? {
        Some(issuer) => {
            d.protected = true;
            discovery::find_as_metadata(&st.http, &issuer, st.version, &mut d).await
        }
        None => discovery::discover(&st.http, &st.endpoint, st.version, &mut d).await,
    };
    let mut data = d.to_json();
    data["version"] = Value::String(st.version.as_str().to_string());
    if result.is_err() {
        // Refused metadata (RFC 9728 §3.3, RFC 8414 §3.3) stays in the evidence but must not be
        // used: later steps must not send credentials to the endpoints it names.
        d.as_metadata = None;
    }
    if let (Ok(()), Some(issuer)) = (&result, d.issuer.clone()) {
        // 2026-07-28 "Authorization Server Binding": credentials are keyed by issuer.
        if let Some(previous) = st.bind_issuer(&issuer) {
            data["rebound_from"] = Value::String(previous);
        }
    }
    st.discovery = Some(d);
    Ok(match result {
        Ok(()) => Outcome::ok(data),
        Err(e) => Outcome::failed(e.to_string(), data),
    })
}
