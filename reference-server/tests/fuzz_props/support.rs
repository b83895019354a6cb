//! The runner, the shared HTTP client and whole-response reading.

use crate::prelude::*;

/// Runs `cases` inputs of `strategy` through `test`, fails on the first failing one (shrunk),
/// prints and returns how many inputs ran.
pub(crate) fn fuzz<S: Strategy>(
    name: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> u64 {
    let config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    let wanted = u64::from(config.cases);
    let count = AtomicU64::new(0);
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |input| {
        count.fetch_add(1, Ordering::Relaxed);
        test(input)
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    let ran = count.load(Ordering::Relaxed);
    println!("fuzz target {name}: {ran} inputs, no failure");
    assert!(ran >= wanted, "{name} ran {ran} of {wanted} inputs");
    ran
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// A response read whole.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) content_type: String,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) async fn read(r: reqwest::Response) -> Self {
        let status = r.status();
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = r.text().await.unwrap_or_default();
        Self {
            status,
            content_type,
            body,
        }
    }

    pub(crate) fn json(&self) -> Result<Value, TestCaseError> {
        serde_json::from_str(&self.body).map_err(|e| {
            TestCaseError::fail(format!("not JSON ({e}): {} {:?}", self.status, self.body))
        })
    }
}
