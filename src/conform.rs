//! `specgate conform` and `specgate cases`: plan conformance cases from a
//! spec, run them against a target (or the embedded reference), report.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use conformance::case::{Expect, Plan, Profile};
use conformance::report;
use conformance::run::{RunOptions, Target};
use spec::ir::Api;

/// The spec the embedded reference implements, built into the binary so
/// that `specgate conform` works from any folder.
const EMBEDDED_SPEC: &str = include_str!("../spec/identity-document.yaml");
const EMBEDDED_NAME: &str = "spec/identity-document.yaml";

/// Options shared by `cases` and `conform`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The OpenAPI 3.0 file; by default the built-in identity-document spec.
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// Only cases whose id matches (`*` is a wildcard; without one, a substring).
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Seed for generated values: the same spec and seed give the same cases.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, clap::Args)]
pub struct ConformArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Base URL of the implementation to test; without it, the embedded
    /// reference runs in-process on a free port with a fresh database.
    #[arg(long, value_name = "URL", requires = "profile")]
    pub target: Option<String>,
    /// The target's test credentials (TOML; see README "Profiles").
    #[arg(long, value_name = "P.toml")]
    pub profile: Option<PathBuf>,
    /// Where report.json, junit.xml and report.html are written.
    #[arg(long, value_name = "DIR", default_value = "specgate-report")]
    pub report_dir: PathBuf,
    /// Cases in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    /// Seconds one request may take, answer included.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
}

fn load(args: &PlanArgs) -> Result<(Api, String), ExitCode> {
    let (result, name) = match &args.spec {
        Some(path) => (spec::load(path), path.display().to_string()),
        None => (
            spec::load_str(Path::new(EMBEDDED_NAME), EMBEDDED_SPEC),
            format!("{EMBEDDED_NAME} (built in)"),
        ),
    };
    result.map(|api| (api, name.clone())).map_err(|e| {
        eprintln!("{e}");
        eprintln!("{} problem(s) in {name}", e.diagnostics.len());
        ExitCode::from(2)
    })
}

fn make_plan(api: &Api, args: &PlanArgs) -> Plan {
    let mut plan = conformance::plan::plan(api, args.seed);
    if let Some(f) = &args.filter {
        plan.filter(f);
    }
    plan
}

/// `specgate cases`: list the plan without sending anything.
pub fn cases(args: &PlanArgs, json: bool) -> ExitCode {
    let (api, name) = match load(args) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let plan = make_plan(&api, args);
    let mut out = std::io::stdout().lock();
    if json {
        return match serde_json::to_writer_pretty(&mut out, &plan) {
            Ok(()) => {
                let _ = writeln!(out);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    let width = plan.cases.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for c in &plan.cases {
        let expect: Vec<String> = c.steps.iter().map(|s| short_expect(&s.expect)).collect();
        let _ = writeln!(
            out,
            "{:<width$}  {:<24}  {}",
            c.id,
            expect.join(" then "),
            c.title
        );
    }
    let counts = report::CoverageCounts::of_coverage(&plan.coverage);
    let _ = writeln!(
        out,
        "\n{} cases for {name} (seed {}); error codes: {} reached, {} not reachable from outside, {} need a fixture, {} not covered",
        plan.cases.len(),
        plan.seed,
        counts.reached,
        counts.unreachable,
        counts.needs_fixture,
        counts.not_covered
    );
    ExitCode::SUCCESS
}

fn short_expect(e: &Expect) -> String {
    match e {
        Expect::Success { .. } => "2xx".into(),
        Expect::Error { status, codes } => {
            format!(
                "{status} {}",
                codes.iter().cloned().collect::<Vec<_>>().join("+")
            )
        }
        Expect::Refusal { .. } => "4xx".into(),
    }
}

/// `specgate conform`: run the plan and report. Exit 0 when every case
/// passed, 1 when any failed, 2 for usage or spec errors.
pub fn conform(args: &ConformArgs) -> ExitCode {
    let (api, name) = match load(&args.plan) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if args.target.is_none() && args.plan.spec.is_some() {
        eprintln!(
            "error: without --target, specgate runs its embedded reference, which implements {EMBEDDED_NAME} only; give --target URL --profile P.toml for {name}"
        );
        return ExitCode::from(2);
    }
    if args.concurrency == 0 {
        eprintln!("error: --concurrency must be at least 1");
        return ExitCode::from(2);
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
    runtime.block_on(conform_async(api, name, args))
}

async fn conform_async(api: Api, name: String, args: &ConformArgs) -> ExitCode {
    // A bad profile is a usage error: say so before planning.
    let given_profile = match &args.target {
        Some(_) => match read_profile(args.profile.as_deref(), &api) {
            Ok(p) => Some(p),
            Err(code) => return code,
        },
        None => None,
    };
    let mut plan = make_plan(&api, &args.plan);
    // The target: a given URL, or the embedded reference on a free port.
    let (target, _server) = match (&args.target, given_profile) {
        (Some(url), Some(profile)) => {
            let missing = plan.missing_valid(&profile);
            if !missing.is_empty() {
                eprintln!(
                    "error: the profile has no [credentials.valid] entry for {}: without one the target cannot be certified",
                    missing.into_iter().collect::<Vec<_>>().join(", ")
                );
                return ExitCode::from(2);
            }
            (
                Target {
                    base_url: url.trim_end_matches('/').to_string(),
                    profile,
                },
                None,
            )
        }
        _ => match embedded().await {
            Ok((target, server)) => (target, Some(server)),
            Err(message) => {
                eprintln!("error: cannot start the embedded reference: {message}");
                return ExitCode::from(2);
            }
        },
    };
    plan.for_profile(&api, &target.profile);
    let shown_target = if args.target.is_some() {
        target.base_url.clone()
    } else {
        format!("embedded reference ({})", target.base_url)
    };
    eprintln!(
        "specgate: {} cases from {name} against {shown_target}",
        plan.cases.len()
    );

    let progress = Progress::new(plan.cases.len());
    let hook = progress.clone();
    let options = RunOptions {
        concurrency: args.concurrency,
        timeout: Duration::from_secs(args.timeout.max(1)),
        body_dir: Some(args.report_dir.join("bodies")),
        on_result: Some(Arc::new(move |r| hook.update(r))),
        ..RunOptions::default()
    };
    let mut result = conformance::run::run(&api, &plan, &target, &options).await;
    progress.finish();
    if args.target.is_none() {
        result.target = shown_target;
    }
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    print!("{}", report::terminal::summary(&result, color));
    match report::write_all(&result, &args.report_dir) {
        Ok(w) => println!(
            "reports: {}, {}, {}",
            w.json.display(),
            w.junit.display(),
            w.html.display()
        ),
        Err(e) => {
            eprintln!(
                "error: cannot write the reports into {}: {e}",
                args.report_dir.display()
            );
            return ExitCode::from(2);
        }
    }
    if result.conformant() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn read_profile(path: Option<&Path>, api: &Api) -> Result<Profile, ExitCode> {
    let Some(path) = path else {
        return Ok(Profile::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read the profile {}: {e}", path.display());
        ExitCode::from(2)
    })?;
    let profile = Profile::from_toml(&text).map_err(|e| {
        eprintln!("error: {}: {e}", path.display());
        ExitCode::from(2)
    })?;
    for warning in profile.check(api) {
        eprintln!("warning: {}: {warning}", path.display());
    }
    Ok(profile)
}

/// The embedded reference, serving on a free loopback port until dropped.
struct Embedded {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _reference: Arc<reference::Reference>,
}

impl Drop for Embedded {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn embedded() -> Result<(Target, Embedded), String> {
    let reference = reference::Reference::temporary().map_err(|e| e.to_string())?;
    let profile = reference.seed_demo().map_err(|e| e.to_string())?;
    let profile = Profile::from_toml(&profile.to_toml()).map_err(|e| e.to_string())?;
    let reference = Arc::new(reference);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = reference::router(reference.clone());
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(e) = reference::serve(listener, app, shutdown).await {
            tracing::error!(error = %e, "the embedded reference stopped");
        }
    });
    Ok((
        Target {
            base_url: format!("http://{address}"),
            profile,
        },
        Embedded {
            stop: Some(stop),
            _reference: reference,
        },
    ))
}

/// Progress: a bar on a terminal, one line per case otherwise (CI logs).
#[derive(Clone)]
struct Progress {
    total: usize,
    done: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
    terminal: bool,
    lock: Arc<Mutex<()>>,
}

impl Progress {
    fn new(total: usize) -> Self {
        Progress {
            total,
            done: Arc::new(AtomicUsize::new(0)),
            failed: Arc::new(AtomicUsize::new(0)),
            terminal: std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
            lock: Arc::new(Mutex::new(())),
        }
    }

    fn update(&self, result: &conformance::verdict::CaseResult) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if matches!(result.outcome, conformance::verdict::Outcome::Failed { .. }) {
            self.failed.fetch_add(1, Ordering::SeqCst);
        }
        let _guard = self.lock.lock();
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let width = 30;
            let filled = done * width / self.total.max(1);
            let _ = write!(
                err,
                "\r[{}{}] {done}/{} cases, {} failed ",
                "#".repeat(filled),
                " ".repeat(width - filled),
                self.total,
                self.failed.load(Ordering::SeqCst)
            );
        } else {
            let _ = writeln!(err, "{}", report::terminal::progress_line(result));
        }
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}
