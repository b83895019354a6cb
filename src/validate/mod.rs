//! Wire-schema validation (stub: being written).
