//! The `conformance` crate: derives cases from a spec's IR, runs them against
//! any HTTP implementation, checks every answer, and reports.
//!
//! - [`case`]: cases and plans, pure data;
//! - [`verdict`]: results and every way a case can fail;
//! - `plan`: case derivation from the IR (generic; driven by standard
//!   keywords and the `x-specgate-*` vocabulary);
//! - `run`: the HTTP runner; `checks`: the checks of one answer;
//! - `report`: JSON, JUnit, HTML and terminal reports.
//!
//! It reads the spec only through [`spec::ir`], and never depends on codegen.

pub mod case;
pub mod checks;
pub mod curl;
pub mod plan;
pub mod profile;
pub mod report;
pub mod run;
pub mod schema;
pub mod verdict;
