//! Reports (stub: being written).
