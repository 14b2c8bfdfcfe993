//! The `spec` crate: reads an OpenAPI 3.0 document (YAML or JSON, across
//! files), reports what is wrong with located diagnostics, and lowers it into
//! the [`ir::Api`] that codegen and conformance read. Nothing else in the
//! workspace reads raw OpenAPI.
//!
//! ```no_run
//! let api = spec::load(std::path::Path::new("spec/identity-document.yaml"))?;
//! println!("{} operations", api.operations.len());
//! # Ok::<(), spec::LoadError>(())
//! ```

pub mod diagnostic;
pub mod extensions;
pub mod ir;
pub mod loader;
mod locate;
mod lower;
mod parse;

use std::path::Path;

pub use diagnostic::{Diagnostic, LoadError};
pub use lower::{is_keyword, snake_name, type_name};

/// Load and lower the spec at `path`.
pub fn load(path: &Path) -> Result<ir::Api, LoadError> {
    let mut sources = loader::Sources::open(path)?;
    lower_sources(&mut sources)
}

/// Load and lower a spec given as text; relative `$ref`s resolve from `path`'s folder.
pub fn load_str(path: &Path, text: &str) -> Result<ir::Api, LoadError> {
    let mut sources = loader::Sources::from_text(path, text.to_string())?;
    lower_sources(&mut sources)
}

fn lower_sources(sources: &mut loader::Sources) -> Result<ir::Api, LoadError> {
    loader::check_version(sources)?;
    lower::lower(sources)
}
