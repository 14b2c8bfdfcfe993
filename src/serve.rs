//! `specgate serve` and `specgate profile`: run the reference implementation
//! (crate `specgate-reference`) and print its conformance profile.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use reference::Reference;

/// Open the database at `db`, or a fresh temporary one.
fn open(db: Option<&Path>) -> Result<Reference, ExitCode> {
    let opened = match db {
        Some(path) => Reference::open(path),
        None => Reference::temporary(),
    };
    opened.map_err(|e| {
        eprintln!("error: cannot open the database: {e}");
        ExitCode::from(2)
    })
}

/// `specgate serve`: serve until SIGINT or SIGTERM, then finish the requests
/// in flight and exit 0.
pub fn serve(listen: &str, db: Option<&Path>, seed: bool) -> ExitCode {
    let reference = match open(db) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if seed {
        match reference.seed_demo() {
            Ok(profile) => print!("{}", profile.to_toml()),
            Err(e) => {
                eprintln!("error: cannot seed the demo data: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {listen}: {e}");
                return ExitCode::from(2);
            }
        };
        let address = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => {
                eprintln!("error: cannot read the bound address: {e}");
                return ExitCode::from(2);
            }
        };
        let shutdown = match shutdown_signal() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot install the signal handlers: {e}");
                return ExitCode::from(2);
            }
        };
        // A TOML comment, so that stdout stays a valid profile file.
        println!("# listening on http://{address}");
        tracing::info!(%address, db = %reference.path().display(), "serving");
        let app = reference::router(Arc::new(reference));
        match reference::serve(listener, app, shutdown).await {
            Ok(()) => {
                tracing::info!("stopped");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: the server failed: {e}");
                ExitCode::from(1)
            }
        }
    })
}

/// A future that completes on SIGINT (Ctrl-C) or SIGTERM. The handlers are
/// installed now (inside the runtime), before the address is announced, so
/// that a signal sent right after never meets the default action.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => tracing::info!("SIGINT: shutting down"),
            _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("Ctrl-C: shutting down");
    })
}

/// `specgate profile`: print the profile of a seeded database.
pub fn profile(db: &Path) -> ExitCode {
    if !db.exists() {
        eprintln!("error: no database at {}", db.display());
        return ExitCode::from(2);
    }
    let reference = match open(Some(db)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match reference.profile() {
        Ok(profile) => {
            print!("{}", profile.to_toml());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
