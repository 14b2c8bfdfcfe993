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
    /// Generate Rust models, the error catalog, a server trait and a
    /// validating axum router from a spec.
    ///
    /// Writes the sources into OUT/src/ (only files whose text changed), and
    /// a starter OUT/Cargo.toml when OUT has none. Exits 2 when the spec is
    /// unusable.
    ///
    /// Example: specgate generate spec/identity-document.yaml --out generated
    Generate {
        /// The OpenAPI 3.0 file (YAML or JSON).
        spec: PathBuf,
        /// The crate folder to write into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check that a generated crate is exactly what a spec produces.
    ///
    /// Exits 0 when OUT/src/ matches, 1 with a summary of the differences
    /// (missing, changed and extra files, and the first differing line) when
    /// it does not, 2 when the spec is unusable. CI runs it so that the spec
    /// and the generated code cannot drift apart.
    ///
    /// Example: specgate check spec/identity-document.yaml --out generated
    Check {
        /// The OpenAPI 3.0 file (YAML or JSON).
        spec: PathBuf,
        /// The generated crate folder to compare.
        #[arg(long)]
        out: PathBuf,
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
        Command::Generate { spec, out } => generate(&spec, &out),
        Command::Check { spec, out } => check(&spec, &out),
    }
}

/// Load and generate, or report why not (exit 2).
fn produce(path: &std::path::Path) -> Result<codegen::Output, ExitCode> {
    let api = spec::load(path).map_err(|e| {
        eprintln!("{e}");
        eprintln!("{} problem(s) in {}", e.diagnostics.len(), path.display());
        ExitCode::from(2)
    })?;
    codegen::generate(&api).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

fn generate(path: &std::path::Path, out: &std::path::Path) -> ExitCode {
    let output = match produce(path) {
        Ok(o) => o,
        Err(code) => return code,
    };
    if let Err(e) = codegen::write_dir(&output, out) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let manifest = out.join("Cargo.toml");
    if !manifest.exists() {
        if let Err(e) = std::fs::write(&manifest, codegen::starter_manifest(out)) {
            eprintln!("error: cannot write {}: {e}", manifest.display());
            return ExitCode::from(2);
        }
        println!("wrote a starter {}", manifest.display());
    }
    println!(
        "generated {} file(s) into {}",
        output.files.len(),
        out.join("src").display()
    );
    ExitCode::SUCCESS
}

fn check(path: &std::path::Path, out: &std::path::Path) -> ExitCode {
    let output = match produce(path) {
        Ok(o) => o,
        Err(code) => return code,
    };
    match codegen::check_dir(&output, out) {
        Ok(drift) if drift.is_clean() => {
            println!("{} is up to date with {}", out.display(), path.display());
            ExitCode::SUCCESS
        }
        Ok(drift) => {
            eprint!("{drift}");
            eprintln!(
                "{} differs from what {} produces: run `specgate generate {} --out {}`",
                out.display(),
                path.display(),
                path.display(),
                out.display()
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
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
