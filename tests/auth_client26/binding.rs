//! v2607.as-binding: credentials are keyed by the authorization server that issued them.

use crate::prelude::*;

/// A protected resource whose metadata names authorization server `a`, or `b` once switched:
/// `POST /mcp` answers 401 with `resource_metadata`, the metadata document names the current
/// server. (A stand-in for a resource that moved to another authorization server.)
struct SwitchingResource {
    addr: SocketAddr,
    use_b: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl SwitchingResource {
    async fn start(a: String, b: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let use_b = Arc::new(AtomicBool::new(false));
        let flag = use_b.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (flag, a, b) = (flag.clone(), a.clone(), b.clone());
                tokio::spawn(async move {
                    let current = if flag.load(Ordering::SeqCst) { b } else { a };
                    let _ = answer(tcp, addr, &current).await;
                });
            }
        });
        Self { addr, use_b, task }
    }

    fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    fn switch_to_b(&self, b: bool) {
        self.use_b.store(b, Ordering::SeqCst);
    }
}

impl Drop for SwitchingResource {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one HTTP/1.1 request and answers it (connection closed after).
async fn answer(mut tcp: TcpStream, addr: SocketAddr, issuer: &str) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut chunk)).await??;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut chunk)).await??;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = head.lines().next().unwrap_or_default().to_string();
    let prm = format!("http://{addr}/.well-known/oauth-protected-resource/mcp");
    let (status, extra, body) = if line.starts_with("POST /mcp ") {
        (
            "401 Unauthorized",
            format!("www-authenticate: Bearer resource_metadata=\"{prm}\"\r\n"),
            String::new(),
        )
    } else if line.starts_with("GET /.well-known/oauth-protected-resource/mcp ") {
        let doc = serde_json::json!({
            "resource": format!("http://{addr}/mcp"),
            "authorization_servers": [issuer],
            "bearer_methods_supported": ["header"],
        });
        ("200 OK", String::new(), doc.to_string())
    } else {
        ("404 Not Found", String::new(), String::new())
    };
    let resp = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n{body}",
        body.len()
    );
    tcp.write_all(resp.as_bytes()).await?;
    tcp.shutdown().await
}

/// The client pre-registered at the first authorization server only.
const CLIENT_A: (&str, &str) = ("client-registered-at-a", "secret-of-client-at-a-0123");

/// The resource moves from authorization server A to B and back: the client registers anew at
/// B (dynamic registration, not the credentials given for A), B receives nothing obtained from
/// A (client id, secret, code, tokens) nor A anything from B, and back at A the client finds
/// its A credentials and tokens again without registering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_bound_to_their_authorization_server() {
    let as_a = serve(
        AuthConfig::authorization_server(users(), vec![ClientSpec::new(CLIENT_A.0, CLIENT_A.1)])
            .with_auto_approve(),
    )
    .await;
    let as_b =
        serve(AuthConfig::authorization_server(users(), Vec::new()).with_auto_approve()).await;
    let (a, b) = (as_a.origin(), as_b.origin());
    let rs = SwitchingResource::start(a.clone(), b.clone()).await;
    let transcript = Transcript::new();
    let http = OAuthHttp::new(transcript.clone(), Duration::from_secs(5), 1 << 20).unwrap();
    let mut st = AuthState::new(http, V26, &rs.url());
    let mut vars = crate::auth_common::vars();
    vars.insert("client_id".into(), Value::String(CLIENT_A.0.into()));
    vars.insert("client_secret".into(), Value::String(CLIENT_A.1.into()));

    // At A: the given (pre-registered) client, a code, tokens.
    let d = ok(&mut st, step("discover"), &vars).await;
    assert!(d.get("rebound_from").is_none(), "{d}");
    let reg = ok(&mut st, step("register"), &vars).await;
    assert_eq!(reg["client"]["client_id"], CLIENT_A.0, "{reg}");
    ok(&mut st, step("authorize"), &vars).await;
    let t_a = ok(&mut st, step("token"), &vars).await;
    let at_a = t_a["access_token"].as_str().unwrap().to_string();
    let rt_a = t_a["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(st.issuer.as_deref(), Some(a.as_str()));

    // The resource now names B.
    rs.switch_to_b(true);
    let d = ok(&mut st, step("discover"), &vars).await;
    assert_eq!(d["rebound_from"], a.as_str(), "{d}");
    assert_eq!(st.issuer.as_deref(), Some(b.as_str()));
    assert!(st.client.is_none() && st.access_token.is_none() && st.refresh_token.is_none());
    // Asked explicitly to use the pre-registered client at B: surfaced as an error.
    let pre = act(
        &mut st,
        AuthStep {
            method: Some("preregistered".into()),
            ..step("register")
        },
        &vars,
    )
    .await;
    assert!(!pre.ok && pre.data["refused"] == true, "{:?}", pre.error);
    assert!(pre.error.unwrap_or_default().contains(&a));
    // The default: register again, with B's registration endpoint.
    let reg_b = ok(&mut st, step("register"), &vars).await;
    let id_b = reg_b["client"]["client_id"].as_str().unwrap().to_string();
    assert_eq!(reg_b["status"], 201, "dynamic registration at B: {reg_b}");
    assert_ne!(id_b, CLIENT_A.0);
    ok(&mut st, step("authorize"), &vars).await;
    let t_b = ok(&mut st, step("token"), &vars).await;
    let at_b = t_b["access_token"].as_str().unwrap().to_string();

    // Back at A: A's client and tokens come back, nothing is registered again.
    rs.switch_to_b(false);
    let d = ok(&mut st, step("discover"), &vars).await;
    assert_eq!(d["rebound_from"], b.as_str());
    assert_eq!(st.access_token.as_deref(), Some(at_a.as_str()));
    assert_eq!(
        st.client.as_ref().map(|c| c.client_id.as_str()),
        Some(CLIENT_A.0)
    );
    ok(&mut st, step("authorize"), &vars).await;
    ok(&mut st, step("token"), &vars).await;

    // What was sent where.
    let from_a = [CLIENT_A.0, CLIENT_A.1, at_a.as_str(), rt_a.as_str()];
    let sent = requests(&transcript);
    let to_b: Vec<_> = sent.iter().filter(|r| r.1.starts_with(&b)).collect();
    let to_a: Vec<_> = sent.iter().filter(|r| r.1.starts_with(&a)).collect();
    assert!(
        to_b.iter()
            .any(|r| r.0 == "POST" && r.1 == format!("{b}/register")),
        "registered at B"
    );
    assert!(
        !to_a.iter().any(|r| r.1.ends_with("/register")),
        "A's client was given, never registered"
    );
    assert!(to_b.iter().any(|r| r.1 == format!("{b}/token")));
    for (m, url, headers, body) in &to_b {
        let all = carried(headers, url, body);
        for secret in from_a {
            assert!(!all.contains(secret), "{m} {url} carries A's `{secret}`");
        }
    }
    for (m, url, headers, body) in &to_a {
        let all = carried(headers, url, body);
        for secret in [id_b.as_str(), at_b.as_str()] {
            assert!(!all.contains(secret), "{m} {url} carries B's `{secret}`");
        }
    }
    drop(rs);
    as_a.shutdown().await;
    as_b.shutdown().await;
}
