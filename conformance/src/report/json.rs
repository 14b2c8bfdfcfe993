//! `report.json`: the [`Report`] serialized as it is, pretty-printed.
//!
//! Keys come in struct order (the workspace's `serde_json` keeps insertion
//! order) and the report holds only vectors, so the same report always gives
//! the same bytes. The schema is documented in `conformance/REPORT.md`; its
//! version is `schema_version` ([`super::SCHEMA_VERSION`]).

use crate::verdict::Report;

/// The text of `report.json`, ending with a newline.
pub fn render(report: &Report) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}
