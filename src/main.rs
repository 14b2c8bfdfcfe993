//! The `specgate` command line: thin dispatch to the workspace crates.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Keep an HTTP API's OpenAPI document and its implementations honest.
///
/// One OpenAPI 3.0 file is the source of truth: specgate reads it (with
/// located diagnostics for anything wrong), generates Rust models, a server
/// trait and a validating axum router from it, and checks implementations
/// against it, error codes included.
#[derive(Debug, Parser)]
#[command(name = "specgate", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read a spec and report every problem with file, line and JSON pointer.
    ///
    /// Exits 0 when the spec is usable, 2 when it is not.
    ///
    /// Example: specgate validate spec/identity-document.yaml
    Validate {
        /// The OpenAPI 3.0 file (YAML or JSON).
        spec: PathBuf,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SPECGATE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { spec } => validate(&spec),
    }
}

fn validate(path: &std::path::Path) -> ExitCode {
    match spec::load(path) {
        Ok(api) => {
            println!(
                "{}: OpenAPI 3.0, {} operation(s), {} named type(s), {} error code(s)",
                path.display(),
                api.operations.len(),
                api.types.len(),
                api.errors.as_ref().map_or(0, |e| e.codes.len())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            eprintln!("{} problem(s) in {}", e.diagnostics.len(), path.display());
            ExitCode::from(2)
        }
    }
}
