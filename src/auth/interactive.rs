//! The interactive authorization: open the user's browser at the authorization URL and catch the
//! redirect on a loopback callback server (RFC 8252 §7.3), waiting at most a given time.

use super::browser::Callback;
use super::loopback::{LoopbackServer, Reply, Seen};
use super::AuthError;
use std::sync::Arc;
use std::time::Duration;

/// Path of the callback on the loopback server.
pub const CALLBACK_PATH: &str = "/callback";

/// Opens a URL for the user (the system browser by default; tests drive it themselves).
pub type Opener = Arc<dyn Fn(&str) -> Result<(), AuthError> + Send + Sync>;

/// A loopback server waiting for the authorization server's redirect.
#[derive(Debug)]
pub struct CallbackServer {
    server: LoopbackServer,
}

impl CallbackServer {
    /// Binds an ephemeral port on 127.0.0.1.
    pub async fn start() -> Result<Self, AuthError> {
        let server = LoopbackServer::start(Arc::new(|s: &Seen| {
            if s.target.starts_with(CALLBACK_PATH) {
                Reply::html("<!doctype html><title>mcpcheck</title><p>mcpcheck received the authorization response. You can close this window.</p>")
            } else {
                Reply::not_found()
            }
        }))
        .await
        .map_err(|e| AuthError::Http(format!("cannot start the loopback callback server: {e}")))?;
        Ok(Self { server })
    }

    /// `http://127.0.0.1:PORT/callback`.
    pub fn redirect_uri(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.server.origin())
    }

    /// The first request to the callback path within `timeout`.
    pub async fn wait(&mut self, timeout: Duration) -> Result<Callback, AuthError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let Some(seen) = self.server.next_request(left).await else {
                return Err(AuthError::Http(format!(
                    "no authorization response reached {} within {}s",
                    self.redirect_uri(),
                    timeout.as_secs()
                )));
            };
            if !seen.target.starts_with(CALLBACK_PATH) {
                continue;
            }
            let full = format!("{}{}", self.server.origin(), seen.target);
            let u = url::Url::parse(&full)
                .map_err(|e| AuthError::Protocol(format!("unusable callback `{full}`: {e}")))?;
            return Ok(Callback::from_url(&u));
        }
    }
}

/// Opens `url` in the system browser: `$BROWSER` if set, else `open` (macOS), `cmd /C start`
/// (Windows) or `xdg-open`.
pub fn open_system_browser(url: &str) -> Result<(), AuthError> {
    let mut cmd = if let Some(b) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        std::process::Command::new(b)
    } else if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| {
            AuthError::Missing(format!(
                "cannot open a browser ({e}); open this URL yourself: {url}"
            ))
        })
}

/// The default opener: the system browser, after printing the URL on stderr.
pub fn system_opener() -> Opener {
    Arc::new(|url: &str| {
        eprintln!("mcpcheck: opening the browser for authorization: {url}");
        open_system_browser(url).or_else(|e| {
            eprintln!("mcpcheck: {e}");
            Ok(())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn catches_the_redirect_and_times_out_otherwise() {
        let mut cb = CallbackServer::start().await.unwrap();
        let uri = cb.redirect_uri();
        assert!(uri.starts_with("http://127.0.0.1:") && uri.ends_with("/callback"));
        let target = format!("{uri}?code=c1&state=s1");
        tokio::spawn(async move {
            let _ = reqwest::get(target).await;
        });
        let got = cb.wait(Duration::from_secs(5)).await.unwrap();
        assert_eq!(got.param("code"), Some("c1"));
        let e = cb.wait(Duration::from_millis(100)).await.unwrap_err();
        assert!(matches!(e, AuthError::Http(_)));
    }
}
