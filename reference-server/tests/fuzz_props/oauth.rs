//! The OAuth endpoints: only well-formed successes or allowed error codes.

use crate::prelude::*;

const SVC: &str = "svc";
const SVC_SECRET: &str = "fuzz-test-secret";

/// One request to an OAuth endpoint.
#[derive(Clone, Debug)]
enum OAuthInput {
    /// POST /token, /revoke or /introspect with a form (or raw bytes), maybe with Basic auth.
    Form {
        path: &'static str,
        body: Vec<u8>,
        basic: Option<(String, String)>,
        form_type: bool,
    },
    /// GET /authorize with a query, or POST /authorize with a form.
    Authorize { query: String, post: bool },
    /// POST /register with a JSON (or raw) body.
    Register { body: Vec<u8> },
}

fn form_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        4 => prop::sample::select(vec![
            "grant_type", "code", "redirect_uri", "code_verifier", "client_id",
            "client_secret", "refresh_token", "scope", "resource", "token",
            "token_type_hint", "response_type", "code_challenge", "code_challenge_method",
            "state", "request_id", "username", "password", "decision",
        ])
        .prop_map(String::from),
        1 => ".{0,8}",
    ];
    let value = prop_oneof![
        3 => prop::sample::select(vec![
            "authorization_code", "refresh_token", "client_credentials", "password",
            "S256", "plain", "code", "token", SVC, SVC_SECRET, "read", "write", "read write",
            "http://127.0.0.1:5599/callback", "https://example.com/cb", "approve",
            "access_token", "", "%", "%zz", "a+b",
        ])
        .prop_map(String::from),
        1 => ".{0,40}",
    ];
    prop::collection::vec((name, value), 0..8)
}

fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn oauth_input() -> impl Strategy<Value = OAuthInput> {
    let basic = prop::option::of(prop_oneof![
        Just((SVC.to_string(), SVC_SECRET.to_string())),
        (".{0,8}", ".{0,8}"),
    ]);
    let form_body = prop_oneof![
        4 => form_pairs().prop_map(|p| encode(&p).into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..120),
    ];
    let register = prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        client_metadata().prop_map(|v| v.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..120),
    ];
    prop_oneof![
        3 => (
            prop::sample::select(vec!["/token", "/revoke", "/introspect"]),
            form_body,
            basic,
            prop::bool::weighted(0.9),
        )
            .prop_map(|(path, body, basic, form_type)| OAuthInput::Form {
                path,
                body,
                basic,
                form_type,
            }),
        1 => (form_pairs(), any::<bool>()).prop_map(|(p, post)| OAuthInput::Authorize {
            query: encode(&p),
            post,
        }),
        1 => register.prop_map(|body| OAuthInput::Register { body }),
    ]
}

/// Registration metadata objects with the RFC 7591 members, valid or not.
fn client_metadata() -> impl Strategy<Value = Value> {
    let uris = prop::collection::vec(
        prop_oneof![
            Just(json!("http://127.0.0.1:5599/cb")),
            Just(json!("https://example.com/cb")),
            Just(json!("javascript:alert(1)")),
            Just(json!("http://evil.example/cb")),
            json_value(),
        ],
        0..3,
    );
    (
        prop::option::of(uris),
        prop::option::of(prop_oneof![
            Just(json!("none")),
            Just(json!("client_secret_basic")),
            Just(json!("client_secret_post")),
            json_value()
        ]),
        prop::option::of(prop_oneof![
            Just(json!(["authorization_code", "refresh_token"])),
            Just(json!(["client_credentials"])),
            json_value()
        ]),
        prop::option::of(json_value()),
    )
        .prop_map(|(uris, method, grants, name)| {
            let mut m = Map::new();
            if let Some(u) = uris {
                m.insert("redirect_uris".into(), Value::Array(u));
            }
            if let Some(x) = method {
                m.insert("token_endpoint_auth_method".into(), x);
            }
            if let Some(x) = grants {
                m.insert("grant_types".into(), x);
            }
            if let Some(x) = name {
                m.insert("client_name".into(), x);
            }
            Value::Object(m)
        })
}

/// The OAuth error codes each JSON endpoint may answer with (RFC 6749 §5.2, RFC 7009, RFC 7662,
/// RFC 7591 §3.2.2, RFC 8707).
fn allowed_errors(path: &str) -> &'static [&'static str] {
    match path {
        "/token" => &[
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
            "invalid_target",
        ],
        "/revoke" => &[
            "invalid_request",
            "invalid_client",
            "unsupported_token_type",
        ],
        "/introspect" => &["invalid_request", "invalid_client"],
        _ => &["invalid_client_metadata", "invalid_redirect_uri"],
    }
}

/// Checks a JSON endpoint's answer: a success of the right shape, or an OAuth error body
/// with an allowed code, the matching status and `Cache-Control`-free JSON.
fn check_oauth_json(path: &str, a: &Answer) -> Result<(), TestCaseError> {
    prop_assert!(a.content_type.starts_with("application/json") || a.body.is_empty());
    match a.status {
        StatusCode::OK if path == "/token" => {
            let t = a.json()?;
            prop_assert!(t["access_token"].is_string() && t["token_type"].is_string());
        }
        StatusCode::OK if path == "/introspect" => prop_assert!(a.json()?["active"].is_boolean()),
        StatusCode::OK if path == "/revoke" => {}
        StatusCode::CREATED if path == "/register" => {
            prop_assert!(a.json()?["client_id"].is_string());
        }
        StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED => {
            let e = a.json()?;
            let code = e["error"].as_str().unwrap_or_default();
            prop_assert!(
                allowed_errors(path).contains(&code),
                "{} answered error {:?}: {}",
                path,
                code,
                a.body
            );
            prop_assert_eq!(
                a.status == StatusCode::UNAUTHORIZED,
                code == "invalid_client",
                "401 exactly for invalid_client: {}",
                a.body
            );
            prop_assert!(e["error_description"].is_string());
        }
        other => prop_assert!(false, "{} answered {}: {}", path, other, a.body),
    }
    Ok(())
}

#[test]
fn oauth_endpoints_answer_every_input_with_a_well_formed_error_or_success() {
    let rt = runtime();
    let server = rt.block_on(async {
        let auth = AuthConfig::oauth_same_origin(
            vec![UserSpec::new("alice", "fuzz-test-pw")],
            vec![ClientSpec::new(SVC, SVC_SECRET)],
        );
        let config = ServerConfig {
            auth,
            limits: Limits {
                registration_burst: u32::MAX,
                registration_rate: 1e9,
                ..Limits::default()
            },
            ..ServerConfig::default()
        };
        start_http(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap()
    });
    let o = server.origin();
    let client = http();
    fuzz("oauth-endpoints", oauth_input(), |input| {
        let what = format!("{input:?}");
        let answer = rt.block_on(async {
            let req = match &input {
                OAuthInput::Form {
                    path,
                    body,
                    basic,
                    form_type,
                } => {
                    let mut b = client.post(format!("{o}{path}")).body(body.clone());
                    if *form_type {
                        b = b.header("content-type", "application/x-www-form-urlencoded");
                    }
                    if let Some((id, secret)) = basic {
                        b = b.basic_auth(id, Some(secret));
                    }
                    b
                }
                OAuthInput::Authorize { query, post: false } => {
                    client.get(format!("{o}/authorize?{query}"))
                }
                OAuthInput::Authorize { query, post: true } => client
                    .post(format!("{o}/authorize"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(query.clone()),
                OAuthInput::Register { body } => client
                    .post(format!("{o}/register"))
                    .header("content-type", "application/json")
                    .body(body.clone()),
            };
            let r = req
                .send()
                .await
                .map_err(|e| TestCaseError::fail(format!("no answer to {what}: {e}")))?;
            Ok::<_, TestCaseError>(Answer::read(r).await)
        })?;
        // The one 5xx allowed: 503 once the registered-client cap is reached (long runs).
        let full = matches!(input, OAuthInput::Register { .. })
            && answer.status == StatusCode::SERVICE_UNAVAILABLE
            && answer.body.contains("temporarily_unavailable");
        prop_assert!(
            full || !answer.status.is_server_error(),
            "5xx for {}: {}",
            what,
            answer.body
        );
        if full {
            return Ok(());
        }
        match &input {
            OAuthInput::Form { path, .. } => check_oauth_json(path, &answer)?,
            OAuthInput::Register { .. } => check_oauth_json("/register", &answer)?,
            OAuthInput::Authorize { .. } => {
                // An HTML page (the login form, or an error page when the client or its
                // redirect URI cannot be trusted), or a redirect carrying an error.
                prop_assert!(
                    matches!(
                        answer.status,
                        StatusCode::OK | StatusCode::BAD_REQUEST | StatusCode::FOUND
                    ),
                    "authorize answered {} for {}",
                    answer.status,
                    what
                );
                if answer.status != StatusCode::FOUND {
                    prop_assert!(answer.content_type.starts_with("text/html"));
                }
            }
        }
        Ok(())
    });
    rt.block_on(async {
        let meta = client
            .get(format!("{o}/.well-known/oauth-authorization-server"))
            .send()
            .await
            .unwrap();
        assert_eq!(meta.status(), StatusCode::OK, "still serving");
        server.shutdown().await;
    });
}
