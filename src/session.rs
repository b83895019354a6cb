//! One client connection to a target (stub: being written).
