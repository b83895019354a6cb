//! Building HTTP responses: JSON bodies, JSON-RPC errors without a request id, empty
//! statuses and SSE streams.

use crate::jsonrpc::{codes, error_response, RpcError};
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::Stream;
use serde_json::Value;
use std::convert::Infallible;

/// `status` with a JSON body.
pub(crate) fn json(status: StatusCode, body: &Value) -> Response {
    // `to_vec` writes straight into a buffer; `to_string` (Display) goes through `fmt` per
    // token. A `Value` always serialises, the fallback is only for the type system.
    let text = serde_json::to_vec(body).unwrap_or_else(|_| body.to_string().into_bytes());
    json_bytes(status, text)
}

/// `status` with a body already serialised as JSON.
pub(crate) fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `status` with a JSON-RPC error body whose id is null (the failure is not tied to a request).
pub(crate) fn rpc_error(status: StatusCode, error: &RpcError) -> Response {
    json(status, &error_response(Value::Null, error))
}

/// `status` with a -32600 JSON-RPC error body carrying `message`.
pub(crate) fn bad(status: StatusCode, message: impl Into<String>) -> Response {
    rpc_error(status, &RpcError::new(codes::INVALID_REQUEST, message))
}

/// An HTTP-level refusal (a status and a message), sent as a -32600 JSON-RPC error body with a
/// null id. Small, unlike a built `Response`, so functions can return it in a `Result`.
#[derive(Debug)]
pub(crate) struct Rejection {
    status: StatusCode,
    message: String,
}

impl Rejection {
    /// A refusal with `status`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        bad(self.status, self.message)
    }
}

/// `status` with no body.
pub(crate) fn empty(status: StatusCode) -> Response {
    (status, Body::empty()).into_response()
}

/// 200 with an SSE stream.
pub(crate) fn sse<S>(stream: S) -> Response
where
    S: Stream<Item = Result<Bytes, Infallible>> + Send + 'static,
{
    let mut r = Response::new(Body::from_stream(stream));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    r
}
