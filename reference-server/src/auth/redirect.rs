//! Redirect URIs: which ones a client may register (https, or http on a loopback host, with no
//! fragment), and whether the one in an authorization request matches a registered one.
//!
//! Matching is exact string comparison (OAuth 2.1 §4.1.1, §7.12), with one exception: for a
//! registered `http` URI on a loopback host (`127.0.0.1`, `[::1]` or `localhost`) the port is
//! ignored, as RFC 8252 §7.3 asks for native apps that bind an ephemeral port. Scheme, host,
//! path and query must still be identical, character for character. Done by hand because the
//! comparison must not normalise anything (a `url::Url` would resolve dot segments and case).

/// Hosts treated as loopback in redirect URIs.
const LOOPBACK: [&str; 3] = ["127.0.0.1", "[::1]", "localhost"];

/// `http://host[:port]rest` split into (host, rest); `None` for anything else.
fn split_http(uri: &str) -> Option<(&str, &str)> {
    let after = uri.strip_prefix("http://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if authority.contains('@') {
        return None;
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => &authority[..v6.find(']')? + 2],
        None => authority.split(':').next().unwrap_or(""),
    };
    let port = &authority[host.len()..];
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
        });
    port_ok.then_some((host, rest))
}

/// Whether `uri` is an http URI on a loopback host.
pub(crate) fn is_loopback_http(uri: &str) -> bool {
    split_http(uri).is_some_and(|(h, _)| LOOPBACK.contains(&h))
}

/// Why a redirect URI cannot be registered, or `None` if it can.
pub(crate) fn registration_problem(uri: &str) -> Option<&'static str> {
    let Ok(parsed) = url::Url::parse(uri) else {
        return Some("is not an absolute URI");
    };
    if uri.contains('#') {
        return Some("has a fragment");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("carries user information");
    }
    match parsed.scheme() {
        "https" if parsed.host_str().is_some_and(|h| !h.is_empty()) => None,
        "http" if is_loopback_http(uri) => None,
        _ => Some("must use https, or http on a loopback host"),
    }
}

/// Whether `given` matches one of `registered` (see the module doc). With no registered URI
/// (a pre-registered client), any loopback http URI matches. `prefix_fault` makes any URI
/// that starts with a registered one match (the `auth-redirect-prefix-match` fault).
pub(crate) fn matches(registered: &[String], given: &str, prefix_fault: bool) -> bool {
    if given.contains('#') {
        return false;
    }
    if registered.is_empty() {
        return is_loopback_http(given);
    }
    registered.iter().any(|r| {
        if r == given || (prefix_fault && given.starts_with(r.as_str())) {
            return true;
        }
        match (split_http(r), split_http(given)) {
            (Some((rh, rr)), Some((gh, gr))) => LOOPBACK.contains(&rh) && rh == gh && rr == gr,
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(uris: &[&str]) -> Vec<String> {
        uris.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exact_match_with_loopback_port_freedom() {
        let r = reg(&["https://app.example/cb", "http://127.0.0.1/callback"]);
        assert!(matches(&r, "https://app.example/cb", false));
        assert!(!matches(&r, "https://app.example/cb/", false));
        assert!(!matches(&r, "https://app.example/cb?x=1", false));
        assert!(!matches(&r, "https://APP.example/cb", false));
        assert!(!matches(&r, "https://app.example:8443/cb", false));
        assert!(matches(&r, "http://127.0.0.1:54321/callback", false));
        assert!(matches(&r, "http://127.0.0.1/callback", false));
        assert!(!matches(&r, "http://127.0.0.1:54321/callback/x", false));
        assert!(!matches(&r, "http://localhost:54321/callback", false));
        assert!(!matches(&r, "http://127.0.0.1:5/callback#f", false));
        assert!(!matches(&r, "https://app.example/cb/evil", false));
        assert!(matches(&r, "https://app.example/cb/evil", true));
    }

    #[test]
    fn unregistered_static_clients_get_loopback_only() {
        assert!(matches(&[], "http://127.0.0.1:9/cb", false));
        assert!(matches(&[], "http://[::1]:9/cb", false));
        assert!(!matches(&[], "https://app.example/cb", false));
        assert!(!matches(&[], "http://127.0.0.1.evil/cb", false));
    }

    #[test]
    fn registration_rules() {
        assert_eq!(registration_problem("https://app.example/cb"), None);
        assert_eq!(registration_problem("http://localhost:3000/cb"), None);
        assert_eq!(registration_problem("http://[::1]/cb"), None);
        assert!(registration_problem("http://evil.example/cb").is_some());
        assert!(registration_problem("https://app.example/cb#frag").is_some());
        assert!(registration_problem("/relative").is_some());
        assert!(registration_problem("javascript:alert(1)").is_some());
        assert!(registration_problem("http://user@127.0.0.1/cb").is_some());
    }
}
