//! Reference-server throughput and memory beside a bare hyper "hello" server, measured in one
//! run on this machine (loopback only). Not a criterion bench: criterion times a closure in
//! its own process, while these figures need servers in separate processes and a generator
//! keeping N connections busy. Run with `cargo bench --bench reference_server` (release
//! profile); it prints a table of ratios for reports/load/README.md.
//!
//! The same generator (one tokio task per connection, HTTP/1.1 keep-alive, a pre-serialised
//! POST, the body read in full) drives both servers, so the ratios compare the servers only:
//! - a bare hyper server answering `hello` to any request (body read, as axum does);
//! - the reference server: N sessions (one per connection, initialized first), each calling
//!   `tools/call` (`echo`) or `tools/list` in a loop.
//!
//! Each server runs in its own process (this binary re-run with `--role hello|reference`, or
//! `REF_SERVER_BIN=path` to measure another build of the reference server); besides the rate,
//! the server's own CPU time per request is read from /proc, which the generator sharing the
//! cores does not distort. Finally a fresh reference server is given 10,000 idle sessions and
//! its RSS is read from /proc. Settings: `BENCH_SECS` (default 5) per figure, `BENCH_SESSIONS`
//! (default `1,16,128`), `BENCH_IDLE` (default 10000).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const PROTOCOL: &str = "2025-11-25";
const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
const TOOLS_CALL: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"bench"}}}"#;
const TOOLS_LIST: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
/// A JSON-RPC-sized body for the hello server too, so both read a request body.
const HELLO_BODY: &str = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--role") {
        return serve_role(args.get(i + 1).map(String::as_str).unwrap_or(""));
    }
    let secs = Duration::from_secs_f64(env_or("BENCH_SECS", 5.0));
    let sessions: Vec<usize> = std::env::var("BENCH_SESSIONS")
        .unwrap_or_else(|_| "1,16,128".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let idle: usize = env_or("BENCH_IDLE", 10_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;

    let hello = Server::spawn("hello")?;
    let reference = Server::spawn("reference")?;
    println!("reference server vs bare hyper hello, {secs:?} per figure, same generator");
    println!(
        "{:>8} {:>10} {:>12} {:>12} {:>9} {:>9} {:>11} {:>11}",
        "sessions",
        "hello/s",
        "tools/call/s",
        "tools/list/s",
        "call÷hello",
        "list÷hello",
        "CPU µs h/c/l",
        "CPU c÷h l÷h"
    );
    for &n in &sessions {
        let h = rt.block_on(measure(&hello, n, None, secs))?;
        let c = rt.block_on(measure(&reference, n, Some(TOOLS_CALL), secs))?;
        let l = rt.block_on(measure(&reference, n, Some(TOOLS_LIST), secs))?;
        println!(
            "{:>8} {:>10.0} {:>12.0} {:>12.0} {:>9.2} {:>9.2} {:>4.1}/{:.1}/{:.1} {:>5.2} {:.2}",
            n,
            h.rate,
            c.rate,
            l.rate,
            c.rate / h.rate,
            l.rate / h.rate,
            h.cpu_us,
            c.cpu_us,
            l.cpu_us,
            h.cpu_us / c.cpu_us.max(f64::MIN_POSITIVE),
            h.cpu_us / l.cpu_us.max(f64::MIN_POSITIVE),
        );
    }
    drop(reference);
    let hello_rss = hello.rss_kib()?;
    drop(hello);

    let fresh = Server::spawn("reference")?;
    let before = fresh.rss_kib()?;
    rt.block_on(idle_sessions(fresh.addr, idle))?;
    let after = fresh.rss_kib()?;
    println!(
        "RSS: hello server {} MiB; reference server {} MiB idle, {} MiB with {idle} idle sessions ({} bytes per session)",
        hello_rss / 1024,
        before / 1024,
        after / 1024,
        (after.saturating_sub(before) * 1024) / idle.max(1) as u64
    );
    Ok(())
}

/// One figure: requests per second and the server's CPU time per request.
struct Figure {
    rate: f64,
    cpu_us: f64,
}

/// A server process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts `role` (this binary again, or `REF_SERVER_BIN` for the reference server) and
    /// waits for the line naming its URL.
    fn spawn(role: &str) -> Result<Server, BoxError> {
        let mut cmd = match (role, std::env::var_os("REF_SERVER_BIN")) {
            ("reference", Some(bin)) => {
                let mut c = Command::new(bin);
                c.args(["--port", "0"]);
                c
            }
            _ => {
                let mut c = Command::new(std::env::current_exe()?);
                c.args(["--role", role]);
                c
            }
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let out = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(out).read_line(&mut line)?;
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.trim().split('/').next())
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("{role}: no address in {line:?}"))?;
        Ok(Server { child, addr })
    }

    fn proc_file(&self, name: &str) -> Result<String, BoxError> {
        Ok(std::fs::read_to_string(format!(
            "/proc/{}/{name}",
            self.child.id()
        ))?)
    }

    /// User + system CPU time of the process so far.
    fn cpu(&self) -> Result<Duration, BoxError> {
        let stat = self.proc_file("stat")?;
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        let rest = stat.rsplit_once(')').ok_or("bad stat")?.1;
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = f.get(11).ok_or("bad stat")?.parse::<u64>()?
            + f.get(12).ok_or("bad stat")?.parse::<u64>()?;
        // Linux reports these in clock ticks of USER_HZ, 100 on every mainstream build.
        Ok(Duration::from_millis(ticks * 10))
    }

    /// Resident set size in KiB.
    fn rss_kib(&self) -> Result<u64, BoxError> {
        let status = self.proc_file("status")?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .ok_or("no VmRSS")?;
        Ok(line.split_whitespace().nth(1).ok_or("bad VmRSS")?.parse()?)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive connection with the session it runs (if any).
struct Conn {
    send: http1::SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    session: Option<String>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Result<Conn, BoxError> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (send, conn) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Conn {
            send,
            addr,
            session: None,
        })
    }

    /// POSTs `body` to `/mcp`; returns the status, the session header and the body.
    async fn post(
        &mut self,
        body: &'static str,
    ) -> Result<(StatusCode, Option<String>, Bytes), BoxError> {
        let mut req = Request::post("/mcp")
            .header("host", self.addr.to_string())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(sid) = &self.session {
            req = req
                .header("mcp-session-id", sid.as_str())
                .header("mcp-protocol-version", PROTOCOL);
        }
        self.send.ready().await?;
        let resp: Response<_> = self
            .send
            .send_request(req.body(Full::new(Bytes::from_static(body.as_bytes())))?)
            .await?;
        let status = resp.status();
        let sid = resp
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((status, sid, body))
    }

    /// A new session on this connection: initialize + notifications/initialized.
    async fn initialize(&mut self) -> Result<(), BoxError> {
        let (status, sid, body) = self.post(INITIALIZE).await?;
        if status != StatusCode::OK || sid.is_none() {
            return Err(format!("initialize: {status} {}", String::from_utf8_lossy(&body)).into());
        }
        self.session = sid;
        let (status, _, _) = self.post(INITIALIZED).await?;
        if status != StatusCode::ACCEPTED {
            return Err(format!("initialized: {status}").into());
        }
        Ok(())
    }
}

/// Runs `n` connections for `secs` (after a short warm-up) posting `body` (MCP, one session
/// per connection) or the hello body (`None`).
async fn measure(
    server: &Server,
    n: usize,
    body: Option<&'static str>,
    secs: Duration,
) -> Result<Figure, BoxError> {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        let mut c = Conn::open(server.addr).await?;
        if body.is_some() {
            c.initialize().await?;
        }
        // The first answer is checked in full: a result, not an error.
        let (status, _, text) = c.post(body.unwrap_or(HELLO_BODY)).await?;
        let ok = status == StatusCode::OK
            && (body.is_none()
                || serde_json::from_slice::<serde_json::Value>(&text)
                    .is_ok_and(|v| v.get("result").is_some()));
        if !ok {
            return Err(format!("bad answer: {status} {}", String::from_utf8_lossy(&text)).into());
        }
        conns.push(c);
    }
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|mut c| {
            let (counting, stop, count, failed) = (
                counting.clone(),
                stop.clone(),
                count.clone(),
                failed.clone(),
            );
            tokio::spawn(async move {
                let mut mine = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    match c.post(body.unwrap_or(HELLO_BODY)).await {
                        Ok((StatusCode::OK, _, b)) if !b.is_empty() => {
                            if counting.load(Ordering::Relaxed) {
                                mine += 1;
                            }
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                    }
                }
                count.fetch_add(mine, Ordering::Relaxed);
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu0 = server.cpu()?;
    let t0 = Instant::now();
    counting.store(true, Ordering::Relaxed);
    tokio::time::sleep(secs).await;
    counting.store(false, Ordering::Relaxed);
    let elapsed = t0.elapsed();
    let cpu = server.cpu()?.saturating_sub(cpu0);
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await?;
    }
    if failed.load(Ordering::Relaxed) > 0 {
        return Err(format!("{} connections failed", failed.load(Ordering::Relaxed)).into());
    }
    let done = count.load(Ordering::Relaxed).max(1) as f64;
    Ok(Figure {
        rate: done / elapsed.as_secs_f64(),
        cpu_us: cpu.as_secs_f64() * 1e6 / done,
    })
}

/// Opens `n` sessions and leaves them idle.
async fn idle_sessions(addr: SocketAddr, n: usize) -> Result<(), BoxError> {
    let mut c = Conn::open(addr).await?;
    for _ in 0..n {
        c.session = None;
        c.initialize().await?;
    }
    Ok(())
}

/// Child-process mode: serve `role` on an ephemeral loopback port, print its URL, run until
/// stdin closes (the parent exited or dropped us).
fn serve_role(role: &str) -> Result<(), BoxError> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let loopback: SocketAddr = "127.0.0.1:0".parse()?;
        let server = match role {
            "hello" => {
                let listener = TcpListener::bind(loopback).await?;
                println!("hello listening on http://{}/", listener.local_addr()?);
                tokio::spawn(hello_server(listener));
                None
            }
            "reference" => {
                let config = mcp_reference_server::ServerConfig::default();
                let server = mcp_reference_server::start_http(config, loopback).await?;
                println!("reference listening on {}", server.url());
                Some(server)
            }
            other => return Err(format!("unknown role {other:?}").into()),
        };
        // Blocks a worker briefly per line; the parent never writes, so this waits for EOF.
        tokio::task::spawn_blocking(|| std::io::stdin().lines().count()).await?;
        if let Some(s) = server {
            s.shutdown().await;
        }
        Ok(())
    })
}

/// The bare hyper server: reads the request body, answers `hello`.
async fn hello_server(listener: TcpListener) {
    use hyper::server::conn::http1 as server;
    use hyper::service::service_fn;
    // Like axum::serve (the reference server), Nagle is left on.
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(async move {
            let service = service_fn(|req: Request<hyper::body::Incoming>| async move {
                let _ = req.into_body().collect().await?;
                Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::from_static(b"hello"))))
            });
            let _ = server::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
