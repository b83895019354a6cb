//! The `requestState` of multi round-trip requests: what the server needs on the retry (the
//! tool, a digest of its arguments, the input keys it asked for, an expiry), sealed with an
//! HMAC-SHA256 under a key drawn once per process, so a client cannot forge or alter it and
//! cannot replay it on another call or after it lapses.
//!
//! Format: `v1.<base64url(payload JSON)>.<base64url(tag)>`. By hand (with `ring`'s HMAC and
//! SHA-256) because the exact checks are the point: any change to either part fails.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::{digest, hmac};
use serde_json::{json, Map, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a sealed state stays valid.
pub(crate) const STATE_TTL: Duration = Duration::from_secs(600);

/// The version prefix of the format.
const PREFIX: &str = "v1";

/// What a state binds: the tool and its arguments, and the keys of the input asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Binding {
    /// The tool called.
    pub tool: String,
    /// SHA-256 (hex) of the arguments in canonical form.
    pub args_digest: String,
    /// The `inputRequests` keys of the round.
    pub keys: Vec<String>,
}

impl Binding {
    /// The binding of a call of `tool` with `args`.
    pub fn new(tool: &str, args: &Value, keys: &[&str]) -> Self {
        Self {
            tool: tool.to_string(),
            args_digest: digest_hex(&canonical(args)),
            keys: keys.iter().map(|k| (*k).to_string()).collect(),
        }
    }
}

/// Why a state was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StateError {
    /// Not in the format, or the tag does not verify.
    #[error("requestState failed verification")]
    Forged,
    /// Past its expiry.
    #[error("requestState has expired")]
    Expired,
    /// Sealed for another call.
    #[error("requestState belongs to another request")]
    Mismatch,
}

/// The per-process sealing key.
pub(crate) struct Sealer {
    key: hmac::Key,
}

impl Default for Sealer {
    fn default() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, &bytes),
        }
    }
}

fn now_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

impl Sealer {
    /// Seals `binding`, valid for [`STATE_TTL`].
    pub fn seal(&self, binding: &Binding) -> String {
        let ttl = u64::try_from(STATE_TTL.as_millis()).unwrap_or(u64::MAX);
        self.seal_until(binding, now_ms().saturating_add(ttl))
    }

    fn seal_until(&self, binding: &Binding, expires_ms: u64) -> String {
        let payload = json!({
            "tool": binding.tool,
            "args": binding.args_digest,
            "keys": binding.keys,
            "exp": expires_ms,
            "nonce": format!("{:016x}", rand::random::<u64>()),
        });
        let body = URL_SAFE_NO_PAD.encode(payload.to_string());
        let tag = hmac::sign(&self.key, format!("{PREFIX}.{body}").as_bytes());
        format!("{PREFIX}.{body}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// Checks a state received on a retry of the call `expected` describes (keys aside: the
    /// retry answers them). Returns the keys the state asked for.
    pub fn open(&self, state: &str, expected: &Binding) -> Result<Vec<String>, StateError> {
        let mut parts = state.split('.');
        let (Some(PREFIX), Some(body), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(StateError::Forged);
        };
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| StateError::Forged)?;
        hmac::verify(&self.key, format!("{PREFIX}.{body}").as_bytes(), &tag)
            .map_err(|_| StateError::Forged)?;
        let payload: Value = URL_SAFE_NO_PAD
            .decode(body)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(StateError::Forged)?;
        let exp = payload["exp"].as_u64().ok_or(StateError::Forged)?;
        if now_ms() > exp {
            return Err(StateError::Expired);
        }
        if payload["tool"] != json!(expected.tool) || payload["args"] != json!(expected.args_digest)
        {
            return Err(StateError::Mismatch);
        }
        Ok(payload["keys"]
            .as_array()
            .map(|ks| {
                ks.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// `v` with every object's keys sorted, so equal arguments digest equally whatever the order
/// the client serialised them in.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let sorted: Map<String, Value> = keys
                .into_iter()
                .map(|k| (k.clone(), canonical(&m[k])))
                .collect();
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn digest_hex(v: &Value) -> String {
    let d = digest::digest(&digest::SHA256, v.to_string().as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding() -> Binding {
        Binding::new(
            "ask_user",
            &json!({"b": 1, "a": [{"y": 2, "x": 1}]}),
            &["k"],
        )
    }

    #[test]
    fn round_trips_and_ignores_argument_order() {
        let s = Sealer::default();
        let state = s.seal(&binding());
        let reordered = Binding::new("ask_user", &json!({"a": [{"x": 1, "y": 2}], "b": 1}), &[]);
        assert_eq!(s.open(&state, &reordered).unwrap(), vec!["k".to_string()]);
    }

    #[test]
    fn rejects_tampering_other_calls_other_keys_and_expiry() {
        let s = Sealer::default();
        let state = s.seal(&binding());
        let mut bytes = state.clone().into_bytes();
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(bytes).unwrap();
        assert_eq!(s.open(&flipped, &binding()), Err(StateError::Forged));
        assert_eq!(s.open("garbage", &binding()), Err(StateError::Forged));
        let other_args = Binding::new("ask_user", &json!({"b": 2}), &[]);
        assert_eq!(s.open(&state, &other_args), Err(StateError::Mismatch));
        let other_tool = Binding::new("ask_model", &json!({"b": 1, "a": [{"y": 2, "x": 1}]}), &[]);
        assert_eq!(s.open(&state, &other_tool), Err(StateError::Mismatch));
        assert_eq!(
            Sealer::default().open(&state, &binding()),
            Err(StateError::Forged),
            "another process's key"
        );
        let old = s.seal_until(&binding(), 1);
        assert_eq!(s.open(&old, &binding()), Err(StateError::Expired));
    }
}
