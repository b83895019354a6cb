//! Tests of profile parsing and validation.

use super::*;

const OK: &str = r#"
name = "t"
users = 4
duration = "2s"
warmup = "500ms"
thresholds = ["p99<50ms"]

[[operation]]
method = "tools/call"
tool = "echo"
arguments = { text = "hi" }
weight = 3

[[operation]]
method = "ping"
"#;

#[test]
fn parses_a_closed_profile() {
    let p = parse("t.toml", OK, &Overrides::default()).unwrap();
    assert_eq!(p.model.name(), "closed");
    assert_eq!(p.run_length(), Duration::from_millis(2500));
    assert_eq!(p.warmup, Duration::from_millis(500));
    assert_eq!(p.operations.len(), 2);
    assert_eq!(p.operations[0].name, "tools/call:echo");
    assert_eq!(p.operations[0].weight, 3);
    assert_eq!(p.thresholds.len(), 1);
    assert_eq!(p.session, SessionMode::PerUser);
}

#[test]
fn overrides_win_and_can_switch_to_the_open_model() {
    let o = Overrides {
        rate: Some(50.0),
        duration: Some("1s".into()),
        thresholds: vec!["error_rate<1%".into()],
        ..Overrides::default()
    };
    let p = parse("t.toml", OK, &o).unwrap();
    assert!(matches!(p.model, Model::Open { max_users: 64, .. }));
    assert_eq!(p.run_length(), Duration::from_millis(1500));
    assert_eq!(p.thresholds.len(), 2);
}

#[test]
fn errors_point_at_the_line() {
    let bad = OK.replace("duration = \"2s\"", "duration = \"two\"");
    let e = parse("t.toml", &bad, &Overrides::default()).unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("t.toml", 4), "{e}");
    let bad = OK.replace("\"p99<50ms\"", "\"p99 50ms\"");
    let e = parse("t.toml", &bad, &Overrides::default()).unwrap_err();
    assert_eq!(e.line, 6, "{e}");
    let bad = OK.replace("tool = \"echo\"", "");
    let e = parse("t.toml", &bad, &Overrides::default()).unwrap_err();
    assert_eq!(e.line, 8, "{e}");
    assert!(e.message.contains("tool"), "{e}");
    let bad = OK.replace("weight = 3", "wieght = 3");
    let e = parse("t.toml", &bad, &Overrides::default()).unwrap_err();
    assert!(e.message.contains("wieght"), "{e}");
    let e = parse(
        "t.toml",
        OK,
        &Overrides {
            duration: Some("x".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.file, "--duration");
}

#[test]
fn every_builtin_profile_loads() {
    let names = builtin_names();
    for n in ["smoke", "throughput", "soak", "churn", "auth"] {
        assert!(names.contains(&n.to_string()), "{n} missing from {names:?}");
    }
    for n in &names {
        let p = load(n, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(!p.description.is_empty(), "{n} has no description");
    }
    assert!(matches!(
        load("throughput", &Overrides::default()).unwrap().model,
        Model::Open { .. }
    ));
    assert_eq!(
        load("churn", &Overrides::default()).unwrap().session,
        SessionMode::PerIteration
    );
    assert!(load("no-such-profile", &Overrides::default()).is_err());
}
