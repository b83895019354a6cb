//! The HTTP client of every OAuth exchange: one request, one response, recorded.
//!
//! Redirects are never followed here (the caller decides, and never carries credentials to
//! another origin); every request is bounded by the timeout; bodies are read up to a cap; each
//! request and response is appended to the check's [`Transcript`] as evidence.

use super::AuthError;
use crate::transcript::{clip_body, Entry, Transcript};
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// A request body.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// `application/x-www-form-urlencoded` fields, in order.
    Form(Vec<(String, String)>),
    /// `application/json`.
    Json(Value),
}

impl Body {
    /// The encoded bytes and their content type.
    fn encode(&self) -> (String, &'static str) {
        match self {
            Body::Form(fields) => {
                let mut ser = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in fields {
                    ser.append_pair(k, v);
                }
                (ser.finish(), "application/x-www-form-urlencoded")
            }
            Body::Json(v) => (v.to_string(), "application/json"),
        }
    }
}

/// What came back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Response {
    /// The URL requested.
    pub url: String,
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased, in received order.
    pub headers: Vec<(String, String)>,
    /// Body text (lossy UTF-8, at most the cap).
    pub body: String,
    /// The body parsed as JSON, when it is JSON.
    pub json: Option<Value>,
    /// Reading stopped at the cap.
    pub truncated: bool,
}

impl Response {
    /// First header value by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The media type of `content-type`, lower-cased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// Whether the status is a redirect carrying a `Location`.
    pub fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status) && self.header("location").is_some()
    }

    /// The response as the step document's `/http` value: status, headers (lower-case names,
    /// repeated ones joined with `, `), content type, body, json.
    pub fn to_doc(&self) -> Value {
        let mut headers = Map::new();
        for (k, v) in &self.headers {
            match headers.get_mut(k) {
                Some(Value::String(prev)) => {
                    prev.push_str(", ");
                    prev.push_str(v);
                }
                _ => {
                    headers.insert(k.clone(), Value::String(v.clone()));
                }
            }
        }
        json!({
            "url": self.url,
            "status": self.status,
            "headers": headers,
            "content_type": self.header("content-type"),
            "body": self.body,
            "json": self.json,
            "truncated": self.truncated,
        })
    }
}

/// One request to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Headers to send (an `Accept: application/json` is added when none is given).
    pub headers: Vec<(String, String)>,
    /// Body, if any.
    pub body: Option<Body>,
}

impl Request {
    /// A `GET` of `url`.
    pub fn get(url: &str) -> Self {
        Self {
            method: "GET".into(),
            url: url.to_string(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// A `POST` of form fields to `url`.
    pub fn form(url: &str, fields: Vec<(String, String)>) -> Self {
        Self {
            method: "POST".into(),
            url: url.to_string(),
            headers: Vec::new(),
            body: Some(Body::Form(fields)),
        }
    }

    /// A request with a JSON body.
    pub fn json(method: &str, url: &str, body: Value) -> Self {
        Self {
            method: method.to_string(),
            url: url.to_string(),
            headers: Vec::new(),
            body: Some(Body::Json(body)),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// The OAuth HTTP client of one check. Cloning shares the connection pool and the transcript.
#[derive(Clone, Debug)]
pub struct OAuthHttp {
    client: reqwest::Client,
    transcript: Transcript,
    timeout: Duration,
    max_body: usize,
    last: Arc<Mutex<Option<Response>>>,
}

impl OAuthHttp {
    /// A client recording into `transcript`, waiting at most `timeout` per exchange and reading
    /// at most `max_body` bytes of a body.
    pub fn new(
        transcript: Transcript,
        timeout: Duration,
        max_body: usize,
    ) -> Result<Self, AuthError> {
        Self::with_ca_cert(transcript, timeout, max_body, None)
    }

    /// [`OAuthHttp::new`] that also trusts every certificate of the PEM file `ca_cert` (the
    /// run's `--ca-cert`), so discovery, registration, the authorization request and every
    /// token-endpoint exchange reach an https authorization server signed by a private CA.
    pub fn with_ca_cert(
        transcript: Transcript,
        timeout: Duration,
        max_body: usize,
        ca_cert: Option<&std::path::Path>,
    ) -> Result<Self, AuthError> {
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout);
        let client = crate::transport::roots::trust(builder, ca_cert)
            .map_err(|e| AuthError::Http(e.to_string()))?
            .build()
            .map_err(|e| AuthError::Http(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            transcript,
            timeout,
            max_body,
            last: Arc::new(Mutex::new(None)),
        })
    }

    /// The transcript exchanges are recorded in.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// The last response received (and forgets it): the `/http` of an auth step.
    pub fn take_last(&self) -> Option<Response> {
        // A panic while holding the lock cannot leave an Option inconsistent.
        self.last.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// The per-exchange timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `req` and reads the whole response (up to the cap) within the timeout.
    pub async fn send(&self, req: Request) -> Result<Response, AuthError> {
        let deadline = Instant::now() + self.timeout;
        let url = url::Url::parse(&req.url)
            .map_err(|e| AuthError::Protocol(format!("invalid URL `{}`: {e}", req.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(AuthError::Protocol(format!(
                "`{}` is not an http(s) URL",
                req.url
            )));
        }
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| AuthError::Protocol(format!("invalid HTTP method `{}`", req.method)))?;
        let mut headers = req.headers.clone();
        let mut body_bytes = None;
        if let Some(b) = &req.body {
            let (text, ctype) = b.encode();
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("content-type".into(), ctype.into()));
            }
            body_bytes = Some(text);
        }
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("accept"))
        {
            headers.push(("accept".into(), "application/json".into()));
        }
        let mut builder = self.client.request(method.clone(), url.clone());
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(b) = &body_bytes {
            builder = builder.body(b.clone());
        }
        self.transcript.push(Entry::HttpRequest {
            t_ms: self.transcript.now_ms(),
            method: method.to_string(),
            url: url.to_string(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            body: body_bytes.as_deref().map(clip_body),
        });
        let resp = match tokio::time::timeout_at(deadline, builder.send()).await {
            Err(_) => {
                return Err(self.failed(format!(
                    "no response to {method} {url} within {}ms",
                    self.timeout.as_millis()
                )))
            }
            Ok(Err(e)) => return Err(self.failed(format!("{method} {url}: {}", chain(&e)))),
            Ok(Ok(r)) => r,
        };
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let (bytes, truncated, read_error) = self.read_body(resp, deadline).await;
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let out = Response {
            url: url.to_string(),
            status,
            json: serde_json::from_slice(&bytes).ok(),
            headers,
            body,
            truncated,
        };
        self.transcript.push(Entry::HttpResponse {
            t_ms: self.transcript.now_ms(),
            status,
            headers: out.headers.clone(),
            body: (!out.body.is_empty()).then(|| clip_body(&out.body)),
        });
        if let Some(e) = read_error {
            self.transcript
                .note(format!("reading the response body failed: {e}"));
        }
        if truncated {
            self.transcript.note(format!(
                "response body cut at the {}-byte cap",
                self.max_body
            ));
        }
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(out.clone());
        Ok(out)
    }

    /// `GET url` with extra headers.
    pub async fn get(
        &self,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<Response, AuthError> {
        let mut r = Request::get(url);
        r.headers.extend_from_slice(headers);
        self.send(r).await
    }

    async fn read_body(
        &self,
        mut resp: reqwest::Response,
        deadline: Instant,
    ) -> (Vec<u8>, bool, Option<String>) {
        let mut bytes = Vec::new();
        loop {
            match tokio::time::timeout_at(deadline, resp.chunk()).await {
                Err(_) => return (bytes, true, Some("timed out".into())),
                Ok(Err(e)) => return (bytes, true, Some(chain(&e))),
                Ok(Ok(None)) => return (bytes, false, None),
                Ok(Ok(Some(chunk))) => {
                    let room = self.max_body.saturating_sub(bytes.len());
                    if chunk.len() > room {
                        bytes.extend_from_slice(&chunk[..room]);
                        return (bytes, true, None);
                    }
                    bytes.extend_from_slice(&chunk);
                }
            }
        }
    }

    fn failed(&self, message: String) -> AuthError {
        self.transcript.note(message.clone());
        AuthError::Http(message)
    }
}

/// An error with its causes (reqwest's own text omits the cause).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{body_string_contains, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn records_both_sides_and_parses_json() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=client_credentials"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "x"})))
            .mount(&server)
            .await;
        let t = Transcript::new();
        let http = OAuthHttp::new(t.clone(), Duration::from_secs(5), 1024).unwrap();
        let r = http
            .send(Request::form(
                &format!("{}/token", server.uri()),
                vec![("grant_type".into(), "client_credentials".into())],
            ))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.json, Some(json!({"access_token": "x"})));
        let entries = t.since(0);
        assert!(matches!(entries[0], Entry::HttpRequest { .. }));
        assert!(matches!(
            entries[1],
            Entry::HttpResponse { status: 200, .. }
        ));
    }

    #[tokio::test]
    async fn does_not_follow_redirects_and_caps_bodies() {
        let server = MockServer::start().await;
        Mock::given(path("/r"))
            .respond_with(ResponseTemplate::new(302).insert_header("location", "/elsewhere"))
            .mount(&server)
            .await;
        Mock::given(path("/big"))
            .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(5000)))
            .mount(&server)
            .await;
        let http = OAuthHttp::new(Transcript::new(), Duration::from_secs(5), 100).unwrap();
        let r = http.get(&format!("{}/r", server.uri()), &[]).await.unwrap();
        assert!(r.is_redirect());
        let big = http
            .get(&format!("{}/big", server.uri()), &[])
            .await
            .unwrap();
        assert!(big.truncated);
        assert_eq!(big.body.len(), 100);
    }

    #[tokio::test]
    async fn unreachable_is_an_http_error() {
        let http = OAuthHttp::new(Transcript::new(), Duration::from_secs(2), 100).unwrap();
        let e = http.get("http://127.0.0.1:1/x", &[]).await.unwrap_err();
        assert!(matches!(e, AuthError::Http(_)), "{e:?}");
    }
}
