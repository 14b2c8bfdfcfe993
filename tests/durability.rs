//! `specgate serve` as a process: every acknowledged upload survives a
//! `kill -9`, request bodies are bounded before they are buffered (a 100 MB
//! body does not raise the server's memory), SIGTERM stops it gracefully,
//! and `specgate profile` prints the seeded credentials.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use identity_document::constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MIN_PIXELS as MIN_PIXELS;
use identity_document::models::{DocumentSide, DocumentType};
use identity_document::runtime::encode_base64;

const BIN: &str = env!("CARGO_BIN_EXE_specgate");
const PATH: &str = "/api/v1/user/identity-document";

// ---------------------------------------------------------------------------
// the server process
// ---------------------------------------------------------------------------

/// A running `specgate serve`, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// The profile printed with --seed: table -> scheme -> value.
    profile: BTreeMap<String, BTreeMap<String, String>>,
    _stdout: BufReader<ChildStdout>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &Path, seed: bool) -> Server {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if seed {
        cmd.arg("--seed");
    }
    let mut child = cmd.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut profile: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut table = String::new();
    let addr = loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "serve exited early"
        );
        let line = line.trim_end();
        if let Some(addr) = line.strip_prefix("# listening on http://") {
            break addr.parse().unwrap();
        }
        if let Some(header) = line.strip_prefix('[') {
            table = header.split(']').next().unwrap().to_owned();
        } else if let Some((key, value)) = line.split_once(" = ") {
            let value = value.trim_matches('"').to_owned();
            profile
                .entry(table.clone())
                .or_default()
                .insert(key.to_owned(), value);
        }
    };
    Server {
        child,
        addr,
        profile,
        _stdout: stdout,
    }
}

impl Server {
    fn credential(&self, table: &str, scheme: &str) -> String {
        self.profile[&format!("credentials.{table}")][scheme].clone()
    }

    /// Peak resident memory so far (VmHWM), in KiB.
    fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

// ---------------------------------------------------------------------------
// a minimal HTTP/1.1 client
// ---------------------------------------------------------------------------

/// POST `body` with `headers`; the status and body, or an I/O error (the
/// server died).
fn post(
    addr: SocketAddr,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    read_response(&mut stream)
}

fn read_response(stream: &mut TcpStream) -> std::io::Result<(u16, String)> {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no complete response: {text:?}")))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    Ok((status, body.to_owned()))
}

fn upload_body(ty: &str, side: &str, image: &[u8]) -> Vec<u8> {
    format!(
        r#"{{"documentType":"{ty}","documentSide":"{side}","data":"{}"}}"#,
        encode_base64(image)
    )
    .into_bytes()
}

/// A square PNG that passes every dimension and orientation rule.
fn square_png() -> Vec<u8> {
    let side = u32::try_from(MIN_PIXELS.isqrt() + 1).unwrap();
    let img =
        image::GrayImage::from_fn(side, side, |x, y| image::Luma([((x * 3 + y) % 256) as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

// ---------------------------------------------------------------------------
// tests
// ---------------------------------------------------------------------------

#[test]
fn every_acknowledged_upload_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("reference.db");
    let server = start(&db, true);
    let addr = server.addr;
    let partner = format!("Bearer {}", server.credential("valid", "partnerToken"));
    // every (user, type, side) slot once, so that no upload meets ER708
    let mut slots = Vec::new();
    for user in ["valid", "other"] {
        let id = server.credential(user, "userIdentifier");
        for ty in DocumentType::ALL {
            for side in DocumentSide::ALL {
                slots.push((id.clone(), ty.as_str(), side.as_str()));
            }
        }
    }
    let total = slots.len();
    let slots = Arc::new(Mutex::new(slots));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let image = Arc::new(square_png());
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (slots, acked, done, image) = (
                Arc::clone(&slots),
                Arc::clone(&acked),
                Arc::clone(&done),
                Arc::clone(&image),
            );
            let partner = partner.clone();
            std::thread::spawn(move || {
                let mut failures = 0;
                loop {
                    let Some(slot) = slots.lock().unwrap().pop() else {
                        break;
                    };
                    let headers = [
                        ("Authorization", partner.clone()),
                        ("User-Identifier", slot.0.clone()),
                    ];
                    match post(addr, &headers, &upload_body(slot.1, slot.2, &image)) {
                        Ok((200, _)) => {
                            acked.lock().unwrap().push(slot);
                            done.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok((status, body)) => panic!("{status}: {body}"),
                        // the server was killed
                        Err(_) => failures += 1,
                    }
                }
                failures
            })
        })
        .collect();
    // kill -9 in the middle of the load
    let started = Instant::now();
    while done.load(Ordering::SeqCst) < total / 4 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "uploads too slow"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    let failures: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let acked = acked.lock().unwrap().clone();
    assert!(
        failures > 0,
        "the kill came after the load ({} acknowledged)",
        acked.len()
    );
    assert!(acked.len() >= total / 4);

    // restart on the same database: every acknowledged upload is stored...
    let restarted = start(&db, false);
    let reference = reference::Reference::open(&db).unwrap();
    for (id, ty, side) in &acked {
        let stored = reference.documents(id).unwrap();
        assert!(
            stored.contains(&((*ty).to_owned(), (*side).to_owned(), "pending".to_owned())),
            "{ty}/{side} of {id} was acknowledged but is not stored"
        );
    }
    // ...and still pending for the server: a repeat answers ER708
    for (id, ty, side) in acked.iter().take(10) {
        let headers = [
            ("Authorization", partner.clone()),
            ("User-Identifier", id.clone()),
        ];
        let (status, body) =
            post(restarted.addr, &headers, &upload_body(ty, side, &image)).unwrap();
        assert_eq!(status, 409, "{body}");
        assert!(body.contains("ER708"), "{body}");
    }
}

#[test]
fn a_100_mb_body_is_refused_without_raising_memory() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("reference.db"), true);
    let auth = [
        (
            "Authorization",
            format!("Bearer {}", server.credential("valid", "partnerToken")),
        ),
        (
            "User-Authorization",
            format!("Bearer {}", server.credential("valid", "userToken")),
        ),
    ];
    // warm up: one real upload
    let (status, body) = post(
        server.addr,
        &auth,
        &upload_body("Passport", "Front", &square_png()),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let before = server.peak_rss_kib();
    let size: usize = 100 * 1024 * 1024;
    for chunked in [false, true] {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut head = format!("POST {PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        if chunked {
            head.push_str("Transfer-Encoding: chunked\r\n");
        } else {
            head.push_str(&format!("Content-Length: {size}\r\n"));
        }
        for (k, v) in &auth {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        // stream the body until the server has answered and closed
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < size {
            let written = if chunked {
                stream
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .and_then(|()| stream.write_all(&chunk))
                    .and_then(|()| stream.write_all(b"\r\n"))
            } else {
                stream.write_all(&chunk)
            };
            if written.is_err() {
                break;
            }
            sent += chunk.len();
        }
        if sent >= size && chunked {
            let _ = stream.write_all(b"0\r\n\r\n");
        }
        let (status, body) = read_response(&mut stream).unwrap();
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("ER902"), "{body}");
        assert!(
            sent < size,
            "the server read all {size} bytes (chunked: {chunked})"
        );
    }
    let grown = server.peak_rss_kib().saturating_sub(before);
    eprintln!("peak RSS {before} KiB before, grew by {grown} KiB");
    assert!(grown < 64 * 1024, "peak RSS grew by {grown} KiB");
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = start(&dir.path().join("reference.db"), false);
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            assert!(exit.success(), "{exit}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn profile_prints_the_seeded_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("reference.db");
    let seeded = {
        let server = start(&db, true);
        server.profile.clone()
    };
    let out = Command::new(BIN)
        .args(["profile", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("# specgate conformance profile"));
    for table in ["valid", "other", "gone"] {
        let id = &seeded[&format!("credentials.{table}")]["userIdentifier"];
        assert!(text.contains(id.as_str()), "{id} missing from\n{text}");
    }
    assert!(text.contains(&seeded["credentials.valid"]["apiKey"]));
    // a missing database
    let out = Command::new(BIN)
        .args(["profile", "--db"])
        .arg(dir.path().join("nothing.db"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_help_teaches_with_examples() {
    for command in ["serve", "profile"] {
        let out = Command::new(BIN)
            .args([command, "--help"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Example"), "{text}");
        assert!(text.contains("--db"), "{text}");
    }
}
