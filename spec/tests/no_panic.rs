//! A bad spec is a located diagnostic, never a panic: `spec::load_str` on a
//! few thousand mutated versions of the real spec and the fixtures (the same
//! function the fuzz target `spec/fuzz/fuzz_targets/load.rs` drives) must
//! return `Ok` or `Err`.
//!
//! The mutations come from a fixed-seed PRNG, so every run sees the same
//! inputs: truncations, byte changes, deleted, duplicated and re-indented
//! lines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// SplitMix64: small, fixed, good enough to pick positions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The texts to mutate: the real spec and every fixture.
fn sources() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![(
        "identity-document.yaml".to_string(),
        std::fs::read(common::identity_spec()).unwrap(),
    )];
    for name in common::FIXTURES {
        out.push((
            name.to_string(),
            std::fs::read(common::fixture(name)).unwrap(),
        ));
    }
    out
}

/// Bytes that change the meaning of YAML the most.
const SIGNIFICANT: &[u8] = b":-{}[],'\"#&*!|>?%@` \t\n0123456789xX$~/\\";

#[derive(Default)]
struct Tally {
    ok: usize,
    err: usize,
}

/// Run the loader on `bytes`; a panic fails the test with the input shown.
fn check(label: &str, bytes: &[u8], tally: &mut Tally) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let result = catch_unwind(AssertUnwindSafe(|| {
        spec::load_str(Path::new("fuzz.yaml"), &text)
    }));
    match result {
        Ok(Ok(_)) => tally.ok += 1,
        Ok(Err(e)) => {
            assert!(!e.diagnostics.is_empty(), "{label}: an empty LoadError");
            for d in &e.diagnostics {
                // Every diagnostic names the text it came from and a pointer.
                assert!(
                    d.pointer.is_empty() || d.pointer.starts_with('/'),
                    "{label}: {d}"
                );
            }
            tally.err += 1;
        }
        Err(_) => {
            panic!("spec::load_str panicked on {label}; the input was:\n-----\n{text}\n-----")
        }
    }
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

/// Run `mutate` `per_source` times on every source.
fn campaign(seed: u64, per_source: usize, mutate: impl Fn(&mut Rng, &[u8]) -> (String, Vec<u8>)) {
    let mut rng = Rng(seed);
    let mut tally = Tally::default();
    for (name, bytes) in sources() {
        for i in 0..per_source {
            let (what, mutated) = mutate(&mut rng, &bytes);
            check(&format!("{name} #{i} ({what})"), &mutated, &mut tally);
        }
    }
    // The mutations really break specs, and some survive.
    assert!(tally.err > 0, "no mutation was refused");
    assert!(tally.ok + tally.err == sources().len() * per_source);
}

#[test]
fn the_unmutated_sources_load() {
    for (name, bytes) in sources() {
        let text = String::from_utf8(bytes).unwrap();
        if let Err(e) = spec::load_str(Path::new("fuzz.yaml"), &text) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn truncations() {
    let mut tally = Tally::default();
    for (name, bytes) in sources() {
        // Evenly spread cuts, plus cuts just before and after line breaks.
        let n = bytes.len();
        let mut cuts: Vec<usize> = (0..120).map(|k| k * n / 120).collect();
        cuts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .step_by(9)
                .flat_map(|(i, _)| [i, i + 1]),
        );
        cuts.sort_unstable();
        cuts.dedup();
        for cut in cuts {
            check(
                &format!("{name} cut at {cut}"),
                &bytes[..cut.min(n)],
                &mut tally,
            );
        }
    }
    assert!(
        tally.err > 0 && tally.ok > 0,
        "ok {} err {}",
        tally.ok,
        tally.err
    );
}

#[test]
fn byte_changes() {
    campaign(0x5EED_0001, 120, |rng, bytes| {
        let mut out = bytes.to_vec();
        let count = 1 + rng.below(3);
        let mut what = Vec::new();
        for _ in 0..count {
            let at = rng.below(out.len());
            let b = if rng.below(4) == 0 {
                rng.below(256) as u8
            } else {
                SIGNIFICANT[rng.below(SIGNIFICANT.len())]
            };
            what.push(format!("byte {at} = {b:#04x}"));
            out[at] = b;
        }
        (what.join(", "), out)
    });
}

#[test]
fn line_deletions() {
    campaign(0x5EED_0002, 120, |rng, bytes| {
        let mut ls = lines(bytes);
        let count = 1 + rng.below(3);
        let mut what = Vec::new();
        for _ in 0..count {
            if ls.is_empty() {
                break;
            }
            let at = rng.below(ls.len());
            what.push(format!("line {} deleted", at + 1));
            ls.remove(at);
        }
        (what.join(", "), ls.concat())
    });
}

#[test]
fn duplicated_lines() {
    campaign(0x5EED_0003, 120, |rng, bytes| {
        let mut ls = lines(bytes);
        let count = 1 + rng.below(2);
        let mut what = Vec::new();
        for _ in 0..count {
            let at = rng.below(ls.len());
            // Sometimes far from where it was.
            let to = if rng.below(2) == 0 {
                at
            } else {
                rng.below(ls.len())
            };
            what.push(format!("line {} copied before line {}", at + 1, to + 1));
            ls.insert(to, ls[at]);
        }
        (what.join(", "), ls.concat())
    });
}

#[test]
fn reindented_and_swapped_lines() {
    campaign(0x5EED_0004, 80, |rng, bytes| {
        let ls = lines(bytes);
        let mut owned: Vec<Vec<u8>> = ls.iter().map(|l| l.to_vec()).collect();
        let at = rng.below(owned.len());
        if rng.below(2) == 0 {
            let other = rng.below(owned.len());
            owned.swap(at, other);
            (
                format!("lines {} and {} swapped", at + 1, other + 1),
                owned.concat(),
            )
        } else if rng.below(2) == 0 {
            owned[at].splice(0..0, *b"  ");
            (format!("line {} indented", at + 1), owned.concat())
        } else {
            let line = &mut owned[at];
            let strip = line.iter().take(2).take_while(|b| **b == b' ').count();
            line.drain(..strip);
            (format!("line {} dedented", at + 1), owned.concat())
        }
    });
}

#[test]
fn hostile_texts() {
    let mut tally = Tally::default();
    let deep_flow = format!(
        "openapi: 3.0.3\ninfo: {}{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let deep_block: String = (0..300)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let laughs = "openapi: 3.0.3\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    let texts: Vec<String> = vec![
        String::new(),
        "\u{feff}".into(),
        "---\n...\n".into(),
        "--- a\n--- b\n".into(),
        "~".into(),
        "openapi: 3.0.3".into(),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n".into(),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: []\ncomponents: 5\n".into(),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/a: {$ref: '#/paths/~1a'}}\n"
            .into(),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: {schemas: {A: {$ref: 7}, B: {allOf: [{$ref: '#/components/schemas/B'}]}, C: {items: {$ref: '#'}}}}\n".into(),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-specgate-errors: {schema: '#', layout: keyed-by-code, codes: {}}\nx-specgate-auth: [{stage: a, schemes: [], codes: {}}]\n".into(),
        "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {\"/x\": {\"get\": {\"responses\": {\"99999\": {\"description\": \"d\"}}}}}}".into(),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n? [complex, key]\n: value\n".into(),
        "openapi: 3.0.3\n\tinfo: tab\n".into(),
        deep_flow,
        deep_block,
        laughs.into(),
    ];
    for (i, text) in texts.iter().enumerate() {
        check(&format!("hostile text {i}"), text.as_bytes(), &mut tally);
    }
    assert!(tally.err > 0);
}
