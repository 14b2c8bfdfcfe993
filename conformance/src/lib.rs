//! Derives conformance cases from the specgate IR, runs them over HTTP and reports. Filled in by a later issue.
