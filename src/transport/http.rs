//! Streamable HTTP client (stub).
