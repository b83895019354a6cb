//! The HTML report in a real browser: headless Chromium (the Debian package `.ci/run`
//! installs) opens the report of a run against a faulty reference server, runs its script, and
//! the DOM it dumps must show the failed check expanded with its transcript, and the verdict
//! filter (taken from the address) hiding the other checks.
//!
//! Without Chromium the test says so and returns, except under CI (`CI` set), where a missing
//! browser is a failure: CI must run it.

mod common;

use mcp_reference_server::{Fault, ServerConfig};
use mcpcheck::report::{render, Format, RenderOptions};
use mcpcheck::transport::Target;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Longest a browser run may take.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// `chromium --headless --dump-dom URL`: the DOM after the page's script ran.
fn dump_dom(browser: &Path, url: &str, profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=2000", "--dump-dom", url])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            panic!("chromium did not finish within {BROWSER_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("output");
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// The `<li>` of check `id` in a dumped DOM.
fn item<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"check-{id}\""))
        .unwrap_or_else(|| panic!("{id} missing from the DOM:\n{dom}"));
    let start = dom[..start].rfind("<li").expect("li start");
    let end = start + dom[start..].find("</details>").expect("details end");
    &dom[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_checks_transcript_is_shown_in_the_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed; .ci/run installs it (apt-get install chromium)"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        return;
    };
    let server = common::http_server(ServerConfig::with_fault(Fault::PingError)).await;
    let pack = common::pack();
    let chosen: Vec<_> = pack
        .iter()
        .filter(|s| ["lifecycle.ping", "lifecycle.initialize-result"].contains(&s.file.id.as_str()))
        .collect();
    let report = common::run(Target::Http { url: server.url() }, &chosen, None).await;
    server.shutdown().await;
    let mut ids: Vec<(&str, &str)> = report
        .checks
        .iter()
        .map(|c| (c.id.as_str(), c.verdict.as_str()))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            ("lifecycle.initialize-result", "PASS"),
            ("lifecycle.ping", "FAIL")
        ]
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.html");
    std::fs::write(
        &file,
        render(Format::Html, &report, &RenderOptions::default()),
    )
    .expect("write");
    let url = format!("file://{}", file.display());
    let profile = dir.path().join("profile");

    let dom = tokio::task::spawn_blocking({
        let (browser, url, profile) = (browser.clone(), url.clone(), profile.clone());
        move || dump_dom(&browser, &format!("{url}#verdict=FAIL"), &profile)
    })
    .await
    .expect("joins");
    // The script ran: it counted what the filter shows.
    assert!(
        dom.contains("<span id=\"shown\">1 of 2 shown</span>"),
        "{dom}"
    );
    let failed = item(&dom, "lifecycle.ping");
    let head = &failed[..failed.find('>').expect("tag end")];
    assert!(!head.contains("hidden"), "the failure is shown: {head}");
    assert!(failed.contains("<details open=\"\">"), "expanded: {failed}");
    assert!(failed.contains("<pre class=\"transcript\">"), "{failed}");
    assert!(
        failed.contains("\"method\":\"ping\""),
        "the request: {failed}"
    );
    assert!(failed.contains("ping failed"), "the answer: {failed}");
    let passed = item(&dom, "lifecycle.initialize-result");
    assert!(
        passed[..passed.find('>').expect("tag end")].contains("hidden"),
        "the filter hides passes: {passed}"
    );

    // With the PASS filter the failure is hidden instead.
    let dom = tokio::task::spawn_blocking(move || {
        dump_dom(&browser, &format!("{url}#verdict=PASS"), &profile)
    })
    .await
    .expect("joins");
    let failed = item(&dom, "lifecycle.ping");
    assert!(
        failed[..failed.find('>').expect("tag end")].contains("hidden"),
        "{failed}"
    );
}
