//! The `specgate` command line: thin dispatch to the workspace crates.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod conform;
mod serve;

/// Generation of a large spec builds and drops tens of millions of small
/// token and syntax-tree nodes; the system allocator spends most of its time
/// on them, mimalloc a fraction of it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Certify an implementation: derive cases from the spec, send them,
    /// check every answer (status, error codes, messages, body schemas) and
    /// write report.json, junit.xml and report.html.
    ///
    /// Without --target it runs against the embedded reference (in-process,
    /// on a free port, with a fresh database and its own profile). Exits 0
    /// when every case passed, 1 when any failed, 2 for usage or spec errors.
    ///
    /// Examples:
    ///   specgate conform
    ///   specgate conform --target http://localhost:8080 --profile profile.toml
    ///   specgate conform --filter 'auth.*' --report-dir out
    Conform(conform::ConformArgs),
    /// List the conformance cases of a spec without sending anything.
    ///
    /// Example: specgate cases --filter 'file.*'
    Cases {
        #[command(flatten)]
        plan: conform::PlanArgs,
        /// Print the whole plan as JSON (requests and expectations).
        #[arg(long)]
        json: bool,
    },
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
    /// Serve the reference implementation of the identity-document API
    ///
    /// The reference implements every rule of the spec: real JWTs and API
    /// keys, users, the full image decode, SQLite storage (WAL, durable
    /// before answering 200). With --seed it creates demo credentials and
    /// prints them as a conformance profile (TOML) on stdout; the bound
    /// address follows as a comment line `# listening on http://ADDR`.
    /// SIGINT or SIGTERM stops it after the requests in flight. One log line
    /// per request goes to stderr with SPECGATE_LOG=info.
    ///
    /// Examples:
    ///   specgate serve --seed                      # temporary database, port 8080
    ///   specgate serve --db ref.db --seed --listen 127.0.0.1:0 > profile.toml
    ///   SPECGATE_LOG=info specgate serve --db ref.db
    #[command(verbatim_doc_comment)]
    Serve {
        /// Address to listen on (port 0 picks a free one).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: String,
        /// SQLite database file, created if missing; without it a fresh
        /// temporary database, removed on exit.
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// Create the demo partner and users (idempotent) and print their
        /// conformance profile on stdout before serving.
        #[arg(long)]
        seed: bool,
    },
    /// Print the conformance profile of a seeded reference database.
    ///
    /// Mints fresh tokens (valid for a day) and expired ones for the demo
    /// data that `specgate serve --seed --db PATH` created. Exits 2 when the
    /// database is missing or not seeded.
    ///
    /// Example: specgate profile --db ref.db > profile.toml
    Profile {
        /// The SQLite database of a seeded reference.
        #[arg(long, value_name = "PATH")]
        db: PathBuf,
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
        Command::Conform(args) => conform::conform(&args),
        Command::Cases { plan, json } => conform::cases(&plan, json),
        Command::Validate { spec } => validate(&spec),
        Command::Generate { spec, out } => generate(&spec, &out),
        Command::Check { spec, out } => check(&spec, &out),
        Command::Serve { listen, db, seed } => serve::serve(&listen, db.as_deref(), seed),
        Command::Profile { db } => serve::profile(&db),
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
