//! The headless browser of an authorization request: follow the authorization server's
//! redirects, fill in its login form with the given credentials, approve its consent form, and
//! stop at the redirect back to the client's `redirect_uri` (which is read, never requested).
//!
//! Credentials go only where a user would type them: a form served by the authorization
//! server's origin, or by another loopback origin the authorization server itself sent the
//! browser to (the upstream identity provider of a third-party flow under test). Cookies are kept
//! per origin, as a browser would. Every page is an exchange in the transcript.

use super::exchange::{Body, OAuthHttp, Request, Response};
use super::form::{parse_forms, Form};
use super::AuthError;
use serde_json::{json, Value};

/// Most pages visited before giving up.
pub const MAX_STEPS: usize = 12;

/// What the browser is told.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeadlessOptions {
    /// User name for a login form.
    pub username: Option<String>,
    /// Password for a login form.
    pub password: Option<String>,
    /// Approve a consent form (otherwise stop there).
    pub approve: bool,
    /// Where the flow ends: the redirect to this URI is the result.
    pub redirect_uri: String,
    /// Origin of the authorization endpoint.
    pub as_origin: String,
}

/// The redirect to the client, read from a `Location`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Callback {
    /// The full URL.
    pub url: String,
    /// Query parameters (a fragment's parameters too, for servers that wrongly use one).
    pub params: Vec<(String, String)>,
}

impl Callback {
    /// First value of a parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Parses a callback URL.
    pub fn from_url(u: &url::Url) -> Self {
        let mut params: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        if let Some(f) = u.fragment() {
            params.extend(url::form_urlencoded::parse(f.as_bytes()).into_owned());
        }
        Self {
            url: u.to_string(),
            params,
        }
    }

    /// `{url, params: {name: value}}`.
    pub fn to_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.params {
            m.entry(k.clone())
                .or_insert_with(|| Value::String(v.clone()));
        }
        json!({"url": self.url, "params": m})
    }
}

/// How a headless run went.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BrowserRun {
    /// The redirect to the client, if reached.
    pub callback: Option<Callback>,
    /// Every page: method, URL, status.
    pub pages: Vec<(String, String, u16)>,
    /// Origin of the login form the credentials went to.
    pub login_origin: Option<String>,
    /// A consent form was approved.
    pub consented: bool,
    /// The last response (the error page when the flow stopped).
    pub last: Option<Response>,
    /// Why the flow stopped before the callback.
    pub stopped: Option<String>,
}

impl BrowserRun {
    /// The step-document form.
    pub fn to_json(&self) -> Value {
        json!({
            "callback": self.callback.as_ref().map(Callback::to_json),
            "pages": self.pages.iter().map(|(m, u, s)| json!({"method": m, "url": u, "status": s})).collect::<Vec<_>>(),
            "login_origin": self.login_origin,
            "consented": self.consented,
            "stopped": self.stopped,
        })
    }
}

/// Drives the authorization request at `url` to its redirect back to the client.
pub async fn headless(
    http: &OAuthHttp,
    url: &str,
    opts: &HeadlessOptions,
) -> Result<BrowserRun, AuthError> {
    let mut run = BrowserRun::default();
    let mut jar: Vec<(String, String, String)> = Vec::new();
    let mut req = Request::get(url).header("accept", "text/html");
    let redirect = url::Url::parse(&opts.redirect_uri).ok();
    let mut logins = 0;
    for _ in 0..MAX_STEPS {
        let page = url::Url::parse(&req.url)
            .map_err(|e| AuthError::Protocol(format!("invalid URL `{}`: {e}", req.url)))?;
        let origin = page.origin().ascii_serialization();
        let cookies: Vec<String> = jar
            .iter()
            .filter(|(o, _, _)| *o == origin)
            .map(|(_, n, v)| format!("{n}={v}"))
            .collect();
        if !cookies.is_empty() {
            req = req.header("cookie", &cookies.join("; "));
        }
        let method = req.method.clone();
        let resp = http.send(req).await?;
        run.pages.push((method, resp.url.clone(), resp.status));
        for sc in resp.header_all("set-cookie") {
            if let Some((n, v)) = sc.split(';').next().and_then(|p| p.split_once('=')) {
                jar.retain(|(o, name, _)| !(o == &origin && name == n.trim()));
                jar.push((origin.clone(), n.trim().to_string(), v.trim().to_string()));
            }
        }
        if resp.is_redirect() {
            let loc = resp.header("location").unwrap_or_default();
            let next = page
                .join(loc)
                .map_err(|e| AuthError::Protocol(format!("unusable Location `{loc}`: {e}")))?;
            if redirect.as_ref().is_some_and(|r| same_endpoint(r, &next)) {
                run.callback = Some(Callback::from_url(&next));
                run.last = Some(resp);
                return Ok(run);
            }
            if !matches!(next.scheme(), "http" | "https") {
                run.stopped = Some(format!(
                    "redirected to `{next}`, which a browser cannot follow here"
                ));
                run.last = Some(resp);
                return Ok(run);
            }
            req = Request::get(next.as_str()).header("accept", "text/html");
            continue;
        }
        let html = resp.status == 200
            && resp
                .media_type()
                .is_some_and(|m| m == "text/html" || m == "application/xhtml+xml");
        if !html {
            run.stopped = Some(format!(
                "the authorization flow stopped at {} with HTTP {}",
                resp.url, resp.status
            ));
            run.last = Some(resp);
            return Ok(run);
        }
        let forms = parse_forms(&resp.body);
        if let Some(form) = forms.iter().find(|f| f.has_password()) {
            if logins > 0 {
                run.stopped =
                    Some("the login form was shown again: the credentials were refused".into());
                run.last = Some(resp);
                return Ok(run);
            }
            if !may_send_password(&origin, &opts.as_origin) {
                run.stopped = Some(format!(
                    "the login form is served by {origin}, not by the authorization server ({}); use --auth interactive",
                    opts.as_origin
                ));
                run.last = Some(resp);
                return Ok(run);
            }
            let (Some(user), Some(pass)) = (&opts.username, &opts.password) else {
                run.stopped = Some("the authorization server asks for a login: give --username and --password (or the username/password vars)".into());
                run.last = Some(resp);
                return Ok(run);
            };
            let mut fields = form.default_fields();
            set_field(
                &mut fields,
                form.username_field().unwrap_or("username"),
                user,
            );
            set_field(
                &mut fields,
                form.password_field().unwrap_or("password"),
                pass,
            );
            logins += 1;
            run.login_origin = Some(origin.clone());
            req = submit(form, &page, fields)?;
            continue;
        }
        if let Some((form, button)) = forms.iter().find_map(|f| approve_button(f).map(|b| (f, b))) {
            if !opts.approve {
                run.stopped = Some(
                    "the authorization server asks for consent, and approving was turned off"
                        .into(),
                );
                run.last = Some(resp);
                return Ok(run);
            }
            let mut fields = form.default_fields();
            fields.push(button);
            run.consented = true;
            req = submit(form, &page, fields)?;
            continue;
        }
        run.stopped = Some(format!(
            "the page at {} has neither a login form nor a consent form",
            resp.url
        ));
        run.last = Some(resp);
        return Ok(run);
    }
    run.stopped = Some(format!(
        "no redirect back to the client after {MAX_STEPS} pages"
    ));
    Ok(run)
}

/// Same scheme, host, port and path: the redirect reached the client's endpoint.
fn same_endpoint(a: &url::Url, b: &url::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
        && a.path() == b.path()
}

/// Credentials go to the authorization server's origin, or to another loopback origin when the
/// authorization server is itself on loopback (a local upstream identity provider under test).
fn may_send_password(page_origin: &str, as_origin: &str) -> bool {
    page_origin == as_origin || (is_loopback(page_origin) && is_loopback(as_origin))
}

/// Whether an origin's host is a loopback address or `localhost`.
pub fn is_loopback(origin: &str) -> bool {
    url::Url::parse(origin)
        .ok()
        .is_some_and(|u| match u.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        })
}

fn set_field(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.to_string(), value.to_string()));
}

/// The button that approves: a name or value like approve, allow, accept, authorize, consent.
fn approve_button(form: &Form) -> Option<(String, String)> {
    const YES: [&str; 6] = ["approve", "allow", "accept", "authorize", "consent", "yes"];
    form.buttons
        .iter()
        .find(|(n, v)| {
            YES.iter()
                .any(|y| v.eq_ignore_ascii_case(y) || (v.is_empty() && n.eq_ignore_ascii_case(y)))
        })
        .cloned()
}

fn submit(
    form: &Form,
    page: &url::Url,
    fields: Vec<(String, String)>,
) -> Result<Request, AuthError> {
    let action = if form.action.is_empty() {
        page.clone()
    } else {
        page.join(&form.action).map_err(|e| {
            AuthError::Protocol(format!("unusable form action `{}`: {e}", form.action))
        })?
    };
    if action.origin() != page.origin() {
        return Err(AuthError::Refused(format!(
            "the form on {page} posts to another origin ({action}); not submitting it"
        )));
    }
    if form.method == "post" {
        Ok(Request {
            method: "POST".into(),
            url: action.to_string(),
            headers: vec![("accept".into(), "text/html".into())],
            body: Some(Body::Form(fields)),
        })
    } else {
        let mut u = action;
        u.query_pairs_mut().clear().extend_pairs(fields);
        Ok(Request::get(u.as_str()).header("accept", "text/html"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Transcript;
    use std::time::Duration;
    use wiremock::matchers::{body_string_contains, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const LOGIN: &str = r#"<html><form method="post" action="/authorize">
<input type="hidden" name="request_id" value="r1"><input name="username"><input name="password" type="password">
</form></html>"#;
    const CONSENT: &str = r#"<form method="post" action="/authorize"><input type="hidden" name="request_id" value="r1">
<button name="decision" value="deny">No</button><button name="decision" value="approve">Yes</button></form>"#;

    async fn as_server() -> MockServer {
        let s = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/authorize"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(LOGIN, "text/html"))
            .mount(&s)
            .await;
        Mock::given(method("POST"))
            .and(body_string_contains("password=pw"))
            .and(body_string_contains("request_id=r1"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("set-cookie", "sid=1; Path=/")
                    .set_body_raw(CONSENT, "text/html"),
            )
            .mount(&s)
            .await;
        Mock::given(method("POST"))
            .and(body_string_contains("decision=approve"))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("location", "http://127.0.0.1:9/cb?code=c1&state=s1"),
            )
            .mount(&s)
            .await;
        Mock::given(method("POST"))
            .and(body_string_contains("password=bad"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(LOGIN, "text/html"))
            .mount(&s)
            .await;
        s
    }

    fn opts(s: &MockServer, pw: &str) -> HeadlessOptions {
        HeadlessOptions {
            username: Some("demo".into()),
            password: Some(pw.into()),
            approve: true,
            redirect_uri: "http://127.0.0.1:9/cb".into(),
            as_origin: s.uri(),
        }
    }

    #[tokio::test]
    async fn logs_in_consents_and_stops_at_the_callback() {
        let s = as_server().await;
        let http = OAuthHttp::new(Transcript::new(), Duration::from_secs(5), 1 << 16).unwrap();
        let run = headless(
            &http,
            &format!("{}/authorize?x=1", s.uri()),
            &opts(&s, "pw"),
        )
        .await
        .unwrap();
        let cb = run.callback.clone().unwrap_or_else(|| panic!("{run:?}"));
        assert_eq!(cb.param("code"), Some("c1"));
        assert_eq!(cb.param("state"), Some("s1"));
        assert!(run.consented);
        assert_eq!(run.login_origin.as_deref(), Some(s.uri().as_str()));
        assert_eq!(run.pages.len(), 3);
    }

    #[tokio::test]
    async fn refused_credentials_stop_the_flow() {
        let s = as_server().await;
        let http = OAuthHttp::new(Transcript::new(), Duration::from_secs(5), 1 << 16).unwrap();
        let run = headless(&http, &format!("{}/authorize", s.uri()), &opts(&s, "bad"))
            .await
            .unwrap();
        assert!(run.callback.is_none());
        assert!(run.stopped.unwrap().contains("refused"));
    }

    #[test]
    fn password_policy() {
        assert!(may_send_password(
            "https://as.example",
            "https://as.example"
        ));
        assert!(may_send_password(
            "http://127.0.0.1:2",
            "http://127.0.0.1:1"
        ));
        assert!(!may_send_password(
            "https://evil.example",
            "https://as.example"
        ));
        assert!(!may_send_password(
            "http://127.0.0.1:2",
            "https://as.example"
        ));
    }
}
