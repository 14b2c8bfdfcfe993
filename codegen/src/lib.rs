//! Emits Rust models, a server trait and a validating axum router from the specgate IR. Filled in by a later issue.
