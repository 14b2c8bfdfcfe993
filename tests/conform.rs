//! `specgate conform` and `specgate cases` end to end, as a user runs them:
//! against the embedded reference (exit 0, the summary, the three reports,
//! coverage of every catalog code), against `specgate serve --seed` started
//! as a process with the profile it prints, with a profile lacking a set
//! (skipped cases, never failures), against targets that refuse or never
//! answer (exit 1, transport failures, no hang), and every usage error (exit 2).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_specgate");

/// Bound of any one command: planning synthesizes images and takes seconds
/// in a debug build on a loaded machine; a command that takes this long hangs.
const DEADLINE: Duration = Duration::from_secs(600);

/// A profile with every set, for targets whose credentials do not matter.
const ANY_PROFILE: &str = r#"
[credentials.valid]
apiKey = "key"
partnerToken = "partner"
userIdentifier = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
userToken = "user"
[credentials.expired]
partnerToken = "partner-expired"
userToken = "user-expired"
[credentials.other]
userIdentifier = "BCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzA"
userToken = "other"
[credentials.gone]
userIdentifier = "CDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzAB"
userToken = "gone"
"#;

// ---------------------------------------------------------------------------
// running the binary
// ---------------------------------------------------------------------------

/// What one command did.
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn code(&self) -> i32 {
        self.status.code().expect("exited, not killed by a signal")
    }

    #[track_caller]
    fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code(),
            code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs `specgate ARGS` to the end (killed, and the test failed, past
/// [`DEADLINE`]), with both outputs captured.
fn specgate(args: &[&str]) -> Run {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .env("CI", "true")
        .env_remove("SPECGATE_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = drain(child.stdout.take().unwrap());
    let err = drain(child.stderr.take().unwrap());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "specgate {args:?} did not end within {DEADLINE:?}\nstdout:\n{}\nstderr:\n{}",
                out.join().unwrap(),
                err.join().unwrap()
            );
        }
        thread::sleep(Duration::from_millis(50));
    };
    Run {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        elapsed: started.elapsed(),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

// ---------------------------------------------------------------------------
// `specgate serve --seed` as a child process
// ---------------------------------------------------------------------------

/// A running `specgate serve --seed`, killed on drop.
struct Server {
    child: Child,
    /// `http://ADDR`.
    url: String,
    /// The TOML profile it printed before the address line.
    profile: String,
    _stdout: BufReader<ChildStdout>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--seed", "--listen", "127.0.0.1:0"])
        .env_remove("SPECGATE_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut profile = String::new();
    let url = loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("serve exited before announcing its address; it printed:\n{profile}");
        }
        if let Some(address) = line.trim_end().strip_prefix("# listening on ") {
            break address.to_owned();
        }
        profile.push_str(&line);
    };
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    Server {
        child,
        url,
        profile,
        _stdout: stdout,
    }
}

/// `profile` without the table `[credentials.SET]`.
fn without_set(profile: &str, set: &str) -> String {
    let header = format!("[credentials.{set}]");
    let mut out = String::new();
    let mut skipping = false;
    for line in profile.lines() {
        if line.starts_with('[') {
            skipping = line.starts_with(&header);
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert_ne!(out.len(), profile.len(), "the profile has no {header}");
    out
}

// ---------------------------------------------------------------------------
// what the reports say
// ---------------------------------------------------------------------------

/// Every code of the spec's catalog (`x-specgate-errors.codes`).
fn catalog_codes() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/identity-document.yaml");
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let codes = doc["x-specgate-errors"]["codes"]
        .as_mapping()
        .expect("x-specgate-errors.codes is a mapping");
    let codes: BTreeSet<String> = codes
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();
    assert!(codes.len() > 40, "{codes:?}");
    codes
}

fn results(report: &Value) -> &Vec<Value> {
    report["results"].as_array().expect("results is an array")
}

fn outcome(result: &Value) -> &str {
    result["outcome"]["kind"].as_str().unwrap()
}

fn id(result: &Value) -> &str {
    result["case"]["id"].as_str().unwrap()
}

fn result<'a>(report: &'a Value, case: &str) -> &'a Value {
    results(report)
        .iter()
        .find(|r| id(r) == case)
        .unwrap_or_else(|| panic!("no result for {case}"))
}

fn coverage<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("no coverage entry for {code}"))
}

/// Case ids of `specgate cases` text output (the lines before the blank one).
fn listed_ids(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect()
}

/// Every failed result's id and checks, for assertion messages.
fn failed(report: &Value) -> Vec<String> {
    results(report)
        .iter()
        .filter(|r| outcome(r) == "failed")
        .map(|r| format!("{}: {}", id(r), r["outcome"]["failures"]))
        .collect()
}

// ---------------------------------------------------------------------------
// against the embedded reference
// ---------------------------------------------------------------------------

#[test]
fn conform_against_the_embedded_reference_passes_and_writes_three_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let run = specgate(&["conform", "--report-dir", path_str(&dir)]);
    run.assert_code(0);
    assert!(run.stdout.contains("CONFORMANT: "), "{}", run.stdout);
    assert!(!run.stdout.contains("NOT CONFORMANT"), "{}", run.stdout);
    assert!(
        run.stdout.contains(" 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("embedded reference"), "{}", run.stdout);
    // CI gets one plain line per case.
    assert!(
        run.stderr.contains("PASS state.ER708.repeat"),
        "{}",
        run.stderr
    );

    let report = read_json(&dir.join("report.json"));
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["seed"], 1);
    let results = results(&report);
    assert!(results.len() > 100, "{} results", results.len());
    assert!(
        results.iter().all(|r| outcome(r) == "passed"),
        "{:#?}",
        failed(&report)
    );
    let ids: BTreeSet<&str> = results.iter().map(id).collect();
    assert_eq!(ids.len(), results.len(), "case ids are unique");

    // Every code of the catalog is accounted for, reached by named cases or
    // declared unreachable with a reason.
    let entries = report["coverage"].as_array().unwrap();
    let covered: BTreeSet<String> = entries
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(covered, catalog_codes());
    for c in entries {
        match c["verdict"]["kind"].as_str().unwrap() {
            "reached" => {
                let cases = c["verdict"]["cases"].as_array().unwrap();
                assert!(!cases.is_empty(), "{c}");
                for case in cases {
                    assert!(ids.contains(case.as_str().unwrap()), "{c}");
                }
            }
            "unreachable" => assert!(c["verdict"]["reason"].as_str().unwrap().len() > 10, "{c}"),
            other => panic!("{} is {other}", c["code"]),
        }
    }
    assert_eq!(
        coverage(&report, "ER708")["verdict"]["cases"][0],
        "state.ER708.repeat"
    );
    for code in ["ER706", "ER905", "ER906"] {
        assert_eq!(coverage(&report, code)["verdict"]["kind"], "unreachable");
    }

    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(junit.starts_with("<?xml"), "{junit}");
    assert_eq!(junit.matches("<testcase ").count(), results.len());
    assert!(!junit.contains("<failure"), "{junit}");
    assert!(!junit.contains("<skipped"), "{junit}");
    assert!(
        junit.contains(&format!("tests=\"{}\" failures=\"0\"", results.len())),
        "{junit}"
    );
    assert!(
        junit.contains("<testcase name=\"body.documentType.missing\""),
        "{junit}"
    );

    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("CONFORMANT"), "{html}");
    assert!(!html.contains("NOT CONFORMANT"));
    assert!(html.contains("ER067") && html.contains("state.ER708.repeat"));
    // Self-contained: nothing loaded from elsewhere.
    for external in ["src=\"http", "href=\"http", "@import", "<link "] {
        assert!(!html.contains(external), "report.html has {external}");
    }
}

#[test]
fn conform_filter_runs_only_the_matching_case() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let run = specgate(&[
        "conform",
        "--filter",
        "ER708",
        "--report-dir",
        path_str(&dir),
    ]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("CONFORMANT: 1 passed, 0 failed, 0 skipped of 1 cases"),
        "{}",
        run.stdout
    );
    let report = read_json(&dir.join("report.json"));
    let results = results(&report);
    assert_eq!(results.len(), 1);
    assert_eq!(id(&results[0]), "state.ER708.repeat");
    assert_eq!(outcome(&results[0]), "passed");
    // Three steps: accepted, refused with ER708, another key accepted.
    assert_eq!(results[0]["exchanges"].as_array().unwrap().len(), 3);
    let statuses: Vec<&Value> = results[0]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| &x["status"])
        .collect();
    assert_eq!(statuses, [200, 409, 200]);
}

// ---------------------------------------------------------------------------
// `specgate cases`
// ---------------------------------------------------------------------------

#[test]
fn cases_lists_the_plan_and_json_is_the_same_plan() {
    let text = specgate(&["cases"]);
    text.assert_code(0);
    let ids = listed_ids(&text.stdout);
    for expected in [
        "positive.baseline",
        "body.documentType.missing",
        "auth.userIdentifier.length.35",
        "auth.partnerToken.expired",
        "file.data.width.min.at-limit.png",
        "state.ER708.repeat",
    ] {
        assert!(
            ids.iter().any(|i| i == expected),
            "{expected} not listed:\n{}",
            text.stdout
        );
    }
    assert!(
        text.stdout.contains(&format!(
            "\n{} cases for spec/identity-document.yaml",
            ids.len()
        )),
        "{}",
        text.stdout
    );
    // The line shows what the case expects.
    let line = text
        .stdout
        .lines()
        .find(|l| l.starts_with("body.documentType.missing "))
        .unwrap();
    assert!(line.contains("400 ER067"), "{line}");

    let json = specgate(&["cases", "--json"]);
    json.assert_code(0);
    let plan: Value = serde_json::from_str(&json.stdout).expect("cases --json is JSON");
    assert_eq!(plan["seed"], 1);
    let json_ids: Vec<String> = plan["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(json_ids, ids, "the JSON plan is the listed plan, in order");
    let case = plan["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "body.documentType.missing")
        .unwrap();
    assert_eq!(case["steps"][0]["expect"]["Error"]["status"], 400);
    assert_eq!(case["steps"][0]["expect"]["Error"]["codes"][0], "ER067");
    assert_eq!(
        plan["coverage"].as_array().unwrap().len(),
        catalog_codes().len()
    );
}

#[test]
fn cases_filter_lists_only_matching_cases() {
    let run = specgate(&["cases", "--filter", "auth.*"]);
    run.assert_code(0);
    let ids = listed_ids(&run.stdout);
    assert!(ids.len() > 20, "{ids:?}");
    assert!(ids.iter().all(|i| i.starts_with("auth.")), "{ids:?}");
    assert!(ids.iter().any(|i| i == "auth.userIdentifier.length.35"));
    assert!(run.stdout.contains(&format!("\n{} cases for", ids.len())));
}

// ---------------------------------------------------------------------------
// usage errors
// ---------------------------------------------------------------------------

#[test]
fn usage_errors_exit_2_without_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let out = path_str(&dir);

    // --target needs --profile.
    let run = specgate(&[
        "conform",
        "--target",
        "http://127.0.0.1:9",
        "--report-dir",
        out,
    ]);
    run.assert_code(2);
    assert!(run.stderr.contains("--profile"), "{}", run.stderr);

    // A spec file that does not exist.
    let missing = tmp.path().join("nowhere.yaml");
    let run = specgate(&["conform", "--spec", path_str(&missing), "--report-dir", out]);
    run.assert_code(2);
    assert!(run.stderr.contains("nowhere.yaml"), "{}", run.stderr);
    specgate(&["cases", "--spec", path_str(&missing)]).assert_code(2);

    // Another spec needs a target: the embedded reference implements only
    // the built-in one.
    let spec = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/identity-document.yaml"),
    )
    .unwrap();
    let other = write(tmp.path(), "other.yaml", &spec);
    let run = specgate(&["conform", "--spec", path_str(&other), "--report-dir", out]);
    run.assert_code(2);
    assert!(run.stderr.contains("--target"), "{}", run.stderr);

    // No room for a case at a time.
    let run = specgate(&["conform", "--concurrency", "0", "--report-dir", out]);
    run.assert_code(2);
    assert!(run.stderr.contains("--concurrency"), "{}", run.stderr);

    // A profile that cannot be read, or is not a profile.
    let nowhere = tmp.path().join("nowhere.toml");
    let run = specgate(&[
        "conform",
        "--target",
        "http://127.0.0.1:9",
        "--profile",
        path_str(&nowhere),
        "--report-dir",
        out,
    ]);
    run.assert_code(2);
    assert!(run.stderr.contains("nowhere.toml"), "{}", run.stderr);
    let stale = write(
        tmp.path(),
        "stale.toml",
        "[credentials.valid]\napiKey = \"k\"\n[credentials.stale]\napiKey = \"x\"\n",
    );
    let run = specgate(&[
        "conform",
        "--target",
        "http://127.0.0.1:9",
        "--profile",
        path_str(&stale),
        "--report-dir",
        out,
    ]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("line 3") && run.stderr.contains("`stale`"),
        "{}",
        run.stderr
    );

    // An unknown option.
    specgate(&["conform", "--no-such-option"]).assert_code(2);
    assert!(!dir.exists(), "no report for a usage error");
}

// ---------------------------------------------------------------------------
// hostile targets
// ---------------------------------------------------------------------------

#[test]
fn a_target_that_refuses_connections_fails_every_case() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let profile = write(tmp.path(), "p.toml", ANY_PROFILE);
    // Nothing listens on port 1.
    let run = specgate(&[
        "conform",
        "--target",
        "http://127.0.0.1:1",
        "--profile",
        path_str(&profile),
        "--timeout",
        "2",
        "--report-dir",
        path_str(&dir),
    ]);
    run.assert_code(1);
    assert!(
        run.stdout.contains("NOT CONFORMANT: 0 passed"),
        "{}",
        run.stdout
    );
    let report = read_json(&dir.join("report.json"));
    assert_eq!(report["target"], "http://127.0.0.1:1");
    let results = results(&report);
    assert!(results.len() > 100);
    for r in results {
        assert_eq!(outcome(r), "failed", "{r}");
        let failure = &r["outcome"]["failures"][0];
        assert_eq!(failure["check"], "transport", "{r}");
        assert!(
            failure["actual"].as_str().unwrap().contains("refused"),
            "{failure}"
        );
    }
    // Refusals are immediate: the run itself (planning aside) is quick.
    assert!(
        report["duration_ms"].as_u64().unwrap() < 60_000,
        "{}",
        report["duration_ms"]
    );
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<failure ").count(), results.len());
}

#[test]
fn a_target_that_never_answers_times_out_without_hanging() {
    // Accepts connections and reads nothing, answers nothing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let profile = write(tmp.path(), "p.toml", ANY_PROFILE);
    let url = format!("http://{address}");
    let run = specgate(&[
        "conform",
        "--target",
        &url,
        "--profile",
        path_str(&profile),
        "--timeout",
        "1",
        "--concurrency",
        "2",
        "--filter",
        "auth.client.*",
        "--report-dir",
        path_str(&dir),
    ]);
    run.assert_code(1);
    let report = read_json(&dir.join("report.json"));
    let results = results(&report);
    assert_eq!(results.len(), 3, "{}", run.stdout);
    for r in results {
        let failure = &r["outcome"]["failures"][0];
        assert_eq!(failure["check"], "transport", "{r}");
        assert!(
            failure["actual"]
                .as_str()
                .unwrap()
                .contains("no answer within 1 s"),
            "{failure}"
        );
    }
    // Three cases, two at a time, one second each.
    assert!(
        report["duration_ms"].as_u64().unwrap() < 10_000,
        "{}",
        report["duration_ms"]
    );
    assert!(run.elapsed < DEADLINE);
}

// ---------------------------------------------------------------------------
// against `specgate serve --seed`
// ---------------------------------------------------------------------------

#[test]
fn conform_against_a_served_reference_passes() {
    let server = serve();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let profile = write(tmp.path(), "profile.toml", &server.profile);
    let run = specgate(&[
        "conform",
        "--target",
        &server.url,
        "--profile",
        path_str(&profile),
        "--report-dir",
        path_str(&dir),
    ]);
    run.assert_code(0);
    assert!(run.stdout.contains("CONFORMANT: "), "{}", run.stdout);
    assert!(!run.stdout.contains("NOT CONFORMANT"), "{}", run.stdout);
    assert!(
        !run.stderr.contains("warning"),
        "the printed profile matches the spec's schemes: {}",
        run.stderr
    );
    let report = read_json(&dir.join("report.json"));
    assert_eq!(report["target"], server.url.as_str());
    let results = results(&report);
    assert!(results.len() > 100);
    assert!(
        results.iter().all(|r| outcome(r) == "passed"),
        "{:#?}",
        failed(&report)
    );
    for c in report["coverage"].as_array().unwrap() {
        let kind = c["verdict"]["kind"].as_str().unwrap();
        assert!(kind == "reached" || kind == "unreachable", "{c}");
    }
    // A large request body is written beside the reports, for curl.
    assert!(dir.join("bodies").is_dir());
}

#[test]
fn a_profile_without_expired_credentials_skips_those_cases() {
    let server = serve();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let profile = write(
        tmp.path(),
        "profile.toml",
        &without_set(&server.profile, "expired"),
    );
    let run = specgate(&[
        "conform",
        "--target",
        &server.url,
        "--profile",
        path_str(&profile),
        "--filter",
        "auth.*",
        "--report-dir",
        path_str(&dir),
    ]);
    // Skipped cases are not failures.
    run.assert_code(0);
    assert!(run.stdout.contains("CONFORMANT: "), "{}", run.stdout);
    assert!(
        run.stdout.contains(" 0 failed, 2 skipped"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("SKIP auth.partnerToken.expired"),
        "{}",
        run.stdout
    );

    let report = read_json(&dir.join("report.json"));
    for (case, scheme) in [
        ("auth.partnerToken.expired", "partnerToken"),
        ("auth.userToken.expired", "userToken"),
    ] {
        let r = result(&report, case);
        assert_eq!(outcome(r), "skipped", "{r}");
        assert_eq!(
            r["outcome"]["reason"],
            format!("the profile has no `expired` credential for `{scheme}`")
        );
        assert!(r["exchanges"].as_array().unwrap().is_empty());
    }
    let skipped = results(&report)
        .iter()
        .filter(|r| outcome(r) == "skipped")
        .count();
    assert_eq!(skipped, 2);
    assert!(
        results(&report).iter().all(|r| outcome(r) != "failed"),
        "{:#?}",
        failed(&report)
    );
    // The coverage says which codes wait for a fixture, and which one.
    for (code, credential) in [
        ("ER801", "expired credential for partnerToken"),
        ("ER701", "expired credential for userToken"),
    ] {
        let c = coverage(&report, code);
        assert_eq!(c["verdict"]["kind"], "needs-fixture", "{c}");
        assert_eq!(c["verdict"]["credential"], credential, "{c}");
    }
    assert_eq!(coverage(&report, "ER802")["verdict"]["kind"], "reached");

    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<skipped message=").count(), 2, "{junit}");
    assert!(!junit.contains("<failure"), "{junit}");
}

// ---------------------------------------------------------------------------
// known bugs elsewhere (each test states the behaviour it expects)
// ---------------------------------------------------------------------------

/// A profile without the `valid` credentials cannot certify anything: it is
/// a usage error (exit 2), never a CONFORMANT report a vendor could hand to
/// an auditor.
#[test]
fn a_profile_without_valid_credentials_is_not_conformant() {
    let server = serve();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let profile = write(tmp.path(), "empty.toml", "# no credentials\n");
    let run = specgate(&[
        "conform",
        "--target",
        &server.url,
        "--profile",
        path_str(&profile),
        "--report-dir",
        path_str(&dir),
    ]);
    assert_eq!(run.code(), 2, "{}", run.stdout);
    assert!(!run.stdout.contains("\nCONFORMANT:"), "{}", run.stdout);
    assert!(run.stderr.contains("[credentials.valid]"), "{}", run.stderr);
}

/// `--filter` selects cases; it does not make the plan's coverage worse: the
/// codes only filtered-out cases reach are left out, not reported as gaps.
#[test]
fn a_filtered_run_does_not_report_the_other_codes_as_gaps() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let run = specgate(&[
        "conform",
        "--filter",
        "ER708",
        "--report-dir",
        path_str(&dir),
    ]);
    run.assert_code(0);
    assert!(
        !run.stdout.contains("not covered by any case"),
        "{}",
        run.stdout
    );
    let report = read_json(&dir.join("report.json"));
    let gaps: Vec<&Value> = report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"]["kind"] == "not-covered")
        .map(|c| &c["code"])
        .collect();
    assert!(gaps.is_empty(), "reported as gaps: {gaps:?}");
}

/// A case id names the documentType and documentSide the case sends.
#[test]
fn orientation_case_ids_name_what_they_send() {
    let run = specgate(&["cases", "--filter", "file.data.orientation.*"]);
    run.assert_code(0);
    for line in run.stdout.lines().take_while(|l| !l.trim().is_empty()) {
        let id = line.split_whitespace().next().unwrap();
        if id.contains(".Front-IdentityCard.") {
            assert!(
                line.contains("documentSide Front") && line.contains("documentType IdentityCard"),
                "{line}"
            );
        }
    }
}
