//! stdio client (stub).
