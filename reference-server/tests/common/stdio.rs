//! A stdio client driving `serve_stdio` over in-memory pipes.

use super::{init_params, notification, request, result, WAIT};
use mcp_reference_server::{serve_stdio, ServerConfig};
use serde_json::{json, Value};
use std::io;
use std::time::Duration;
use tokio::io::{
    AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, ReadHalf, WriteHalf,
};
use tokio::task::JoinHandle;

pub struct StdioClient {
    writer: Option<WriteHalf<DuplexStream>>,
    lines: Lines<BufReader<ReadHalf<DuplexStream>>>,
    server: JoinHandle<io::Result<()>>,
    /// Notifications seen while waiting for responses, in arrival order.
    pub notifications: Vec<Value>,
    /// Every message the server sent, in arrival order.
    pub seen: Vec<Value>,
    next_id: i64,
}

impl StdioClient {
    /// Starts a server on fresh pipes.
    pub fn start(config: ServerConfig) -> Self {
        let (client, server) = tokio::io::duplex(1 << 20);
        let (server_in, server_out) = tokio::io::split(server);
        let server = tokio::spawn(serve_stdio(config, server_in, server_out));
        let (client_in, client_out) = tokio::io::split(client);
        Self {
            writer: Some(client_out),
            lines: BufReader::new(client_in).lines(),
            server,
            notifications: Vec::new(),
            seen: Vec::new(),
            next_id: 1,
        }
    }

    /// Writes raw bytes followed by a newline.
    pub async fn send_line(&mut self, line: &[u8]) {
        let w = self.writer.as_mut().expect("input already closed");
        w.write_all(line).await.unwrap();
        w.write_all(b"\n").await.unwrap();
        w.flush().await.unwrap();
    }

    /// Writes one message.
    pub async fn send(&mut self, msg: &Value) {
        self.send_line(msg.to_string().as_bytes()).await;
    }

    /// The next output line, or `None` if nothing arrives within `within` or output ended.
    pub async fn line_within(&mut self, within: Duration) -> Option<String> {
        match tokio::time::timeout(within, self.lines.next_line()).await {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => panic!("read error: {e}"),
            Err(_) => None,
        }
    }

    /// The next message; fails the test if none arrives.
    pub async fn recv(&mut self) -> Value {
        let line = self
            .line_within(WAIT)
            .await
            .expect("no message from the server");
        let v: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"));
        self.seen.push(v.clone());
        v
    }

    /// The next message if one arrives within `within`.
    pub async fn recv_within(&mut self, within: Duration) -> Option<Value> {
        let line = self.line_within(within).await?;
        let v: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"));
        self.seen.push(v.clone());
        Some(v)
    }

    /// Reads until the response to `id`, keeping notifications aside.
    pub async fn response(&mut self, id: &Value) -> Value {
        loop {
            let msg = self.recv().await;
            if msg.get("method").is_some() {
                self.notifications.push(msg);
                continue;
            }
            if msg.get("id") == Some(id) {
                return msg;
            }
            panic!("unexpected message while waiting for {id}: {msg}");
        }
    }

    /// Sends a request with a fresh integer id and returns its response.
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = json!(self.next_id);
        self.next_id += 1;
        self.send(&request(id.clone(), method, params)).await;
        self.response(&id).await
    }

    /// Sends a request and returns its result (failing on an error).
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        result(&self.request(method, params).await).clone()
    }

    /// Sends a notification.
    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(&notification(method, params)).await;
    }

    /// initialize + notifications/initialized; returns the initialize result.
    pub async fn initialize(&mut self, version: &str) -> Value {
        let r = self.call("initialize", init_params(version)).await;
        self.notify("notifications/initialized", json!({})).await;
        r
    }

    /// Takes the notifications with this method seen so far.
    pub fn take_notifications(&mut self, method: &str) -> Vec<Value> {
        let (hit, rest): (Vec<Value>, Vec<Value>) = self
            .notifications
            .drain(..)
            .partition(|n| n["method"] == json!(method));
        self.notifications = rest;
        hit
    }

    /// Closes the input and waits for the server to return.
    pub async fn finish(mut self) -> io::Result<()> {
        if let Some(mut w) = self.writer.take() {
            w.shutdown().await.unwrap();
        }
        tokio::time::timeout(WAIT, &mut self.server)
            .await
            .expect("server did not stop at EOF")
            .unwrap()
    }
}
