//! Generation time: `cargo bench -p specgate-codegen` prints the figures.
//!
//! Times loading (read, resolve, lower) and emission separately for
//! `spec/identity-document.yaml` and every fixture, and for any specs named
//! in `SPECGATE_BENCH_SPECS` (paths separated by `:`), such as a large
//! real-world spec (`scripts/bench-codegen` passes the largest of the
//! APIs.guru corpus). A figure, not a pass/fail test.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut specs: Vec<PathBuf> = vec![root.join("spec/identity-document.yaml")];
    if let Ok(entries) = std::fs::read_dir(root.join("tests/fixtures")) {
        let mut fixtures: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        fixtures.sort();
        specs.extend(
            fixtures
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "yaml")),
        );
    }
    if let Ok(extra) = std::env::var("SPECGATE_BENCH_SPECS") {
        specs.extend(
            extra
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
        );
    }
    println!(
        "{:<48} {:>6} {:>12} {:>12} {:>12} {:>10}",
        "spec", "runs", "load (med)", "emit (med)", "total (med)", "lines"
    );
    for path in specs {
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        // Fewer runs for big specs, so that the bench stays short.
        let runs = if size > 1_000_000 { 3 } else { 30 };
        let mut load = Vec::new();
        let mut emit = Vec::new();
        let mut lines = 0;
        for _ in 0..runs {
            let t0 = Instant::now();
            let api = match spec::load(&path) {
                Ok(api) => api,
                Err(e) => {
                    println!("{}: does not load: {}", path.display(), e.diagnostics.len());
                    break;
                }
            };
            let t1 = Instant::now();
            let output = match codegen::generate(&api) {
                Ok(o) => o,
                Err(e) => {
                    println!("{}: does not generate: {e}", path.display());
                    break;
                }
            };
            let t2 = Instant::now();
            lines = output
                .files
                .iter()
                .map(|(_, t)| t.lines().count())
                .sum::<usize>();
            load.push(t1 - t0);
            emit.push(t2 - t1);
        }
        if load.is_empty() {
            continue;
        }
        let total: Vec<Duration> = load.iter().zip(&emit).map(|(a, b)| *a + *b).collect();
        let name = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .display()
            .to_string();
        println!(
            "{:<48} {:>6} {:>10.2}ms {:>10.2}ms {:>10.2}ms {:>10}",
            name,
            load.len(),
            ms(median(load)),
            ms(median(emit)),
            ms(median(total)),
            lines
        );
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
