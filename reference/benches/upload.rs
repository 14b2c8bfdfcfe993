//! Reference figures over loopback: uploads per second and p50/p99 latency
//! of a ~200 KB JPEG at 16 concurrent clients, and the server's peak RSS
//! while 32 clients upload ~5 MiB images at once.
//!
//! `cargo bench -p specgate-reference --bench upload`
//!
//! The server runs in a child process (this same binary, re-executed with
//! `SPECGATE_BENCH_SERVER=1`): a temporary database with the demo data and
//! enough users that no upload meets ER708, served by `reference::serve`.
//! Its peak RSS is VmHWM of /proc/PID/status, so the clients' own buffers
//! are not counted. A fresh server is used for each of the two measures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use identity_document::constraints::UPLOAD_IDENTITY_DOCUMENT_DATA_MAX_BYTES as MAX_BYTES;
use identity_document::models::{DocumentSide, DocumentType};
use identity_document::runtime::encode_base64;

const PATH: &str = "/api/v1/user/identity-document";
const SERVER_ENV: &str = "SPECGATE_BENCH_SERVER";

/// Throughput run: clients, uploads in all.
const CLIENTS: usize = 16;
const UPLOADS: usize = 3200;
/// Memory run: clients uploading one big image each, at once.
const BIG_CLIENTS: usize = 32;

fn main() {
    if std::env::var_os(SERVER_ENV).is_some() {
        return server();
    }
    // `cargo bench` passes `--bench`; any other argument is a filter we ignore.
    let slots_per_user = DocumentType::ALL.len() * DocumentSide::ALL.len();

    let jpeg = jpeg_near(200 * 1024);
    println!(
        "throughput: {CLIENTS} clients, {UPLOADS} uploads of a {} x {} JPEG of {} bytes",
        jpeg.1,
        jpeg.2,
        jpeg.0.len()
    );
    let server = Server::start(UPLOADS.div_ceil(slots_per_user) + 1);
    let body_of = slot_bodies(&jpeg.0);
    let mut slots = server.slots();
    slots.truncate(UPLOADS);
    assert_eq!(slots.len(), UPLOADS);
    let slots = Arc::new(Mutex::new(slots));
    let started = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let slots = Arc::clone(&slots);
            let (addr, partner, body_of) =
                (server.addr, server.partner.clone(), Arc::clone(&body_of));
            std::thread::spawn(move || {
                let mut conn = Conn::new(addr);
                let mut latencies = Vec::new();
                loop {
                    let Some((id, ty, side)) = slots.lock().unwrap().pop() else {
                        break;
                    };
                    let t = Instant::now();
                    let (status, body) = conn.post(&partner, &id, &body_of(ty, side));
                    latencies.push(t.elapsed());
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let wall = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "  {:.0} uploads/s, p50 {:.1} ms, p99 {:.1} ms (wall {:.2} s); server peak RSS {} MiB",
        UPLOADS as f64 / wall.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        wall.as_secs_f64(),
        server.rss_kib("VmHWM") / 1024
    );
    drop(server);

    let big = png_near(MAX_BYTES * 99 / 100);
    println!(
        "memory: {BIG_CLIENTS} clients at once, each a {} x {} PNG of {} bytes ({} bytes as JSON)",
        big.1,
        big.2,
        big.0.len(),
        upload_json("Passport", "Front", &big.0).len()
    );
    let server = Server::start(2);
    let idle = server.rss_kib("VmRSS");
    let body_of = slot_bodies(&big.0);
    let slots = server.slots();
    let barrier = Arc::new(Barrier::new(BIG_CLIENTS));
    let started = Instant::now();
    let workers: Vec<_> = slots
        .into_iter()
        .take(BIG_CLIENTS)
        .map(|(id, ty, side)| {
            let barrier = Arc::clone(&barrier);
            let (addr, partner, body) = (server.addr, server.partner.clone(), body_of(ty, side));
            std::thread::spawn(move || {
                let mut conn = Conn::new(addr);
                barrier.wait();
                let t = Instant::now();
                let (status, answer) = conn.post(&partner, &id, &body);
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
                t.elapsed()
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    latencies.sort();
    println!(
        "  server RSS idle {} MiB, peak {} MiB; all {BIG_CLIENTS} stored in {:.2} s (slowest {:.2} s)",
        idle / 1024,
        server.rss_kib("VmHWM") / 1024,
        started.elapsed().as_secs_f64(),
        latencies.last().unwrap().as_secs_f64()
    );
}

/// Makes the body of an upload of one (type, side).
type BodyOf = Arc<dyn Fn(&str, &str) -> Vec<u8> + Send + Sync>;

/// Bodies by (type, side), sharing the base64 of `image`.
fn slot_bodies(image: &[u8]) -> BodyOf {
    let data = encode_base64(image);
    Arc::new(move |ty, side| {
        format!(r#"{{"documentType":"{ty}","documentSide":"{side}","data":"{data}"}}"#).into_bytes()
    })
}

fn upload_json(ty: &str, side: &str, image: &[u8]) -> Vec<u8> {
    slot_bodies(image)(ty, side)
}

// ---------------------------------------------------------------------------
// the server child
// ---------------------------------------------------------------------------

/// The child: a seeded temporary reference with `USERS` more users; prints
/// `partner TOKEN`, one `user ID` line per user, then `listening ADDR`.
fn server() {
    let users: usize = std::env::var("USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let reference = reference::Reference::temporary().unwrap();
    let profile = reference.seed_demo().unwrap();
    println!("partner {}", profile.valid.partner_token.unwrap());
    for id in reference.add_demo_users(users).unwrap() {
        println!("user {id}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("listening {}", listener.local_addr().unwrap());
        let app = reference::router(Arc::new(reference));
        // runs until the parent kills it
        reference::serve(listener, app, std::future::pending())
            .await
            .unwrap();
    });
}

struct Server {
    child: Child,
    addr: SocketAddr,
    partner: String,
    users: Vec<String>,
}

impl Server {
    fn start(users: usize) -> Server {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(SERVER_ENV, "1")
            .env("USERS", users.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (mut partner, mut ids) = (String::new(), Vec::new());
        loop {
            let mut line = String::new();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "the server exited"
            );
            let (key, value) = line.trim_end().split_once(' ').unwrap();
            match key {
                "partner" => partner = format!("Bearer {value}"),
                "user" => ids.push(value.to_owned()),
                "listening" => {
                    return Server {
                        child,
                        addr: value.parse().unwrap(),
                        partner,
                        users: ids,
                    };
                }
                other => panic!("unexpected {other}"),
            }
        }
    }

    /// Every (user identifier, type, side) of the extra users.
    fn slots(&self) -> Vec<(String, &'static str, &'static str)> {
        let mut out = Vec::new();
        for id in &self.users {
            for ty in DocumentType::ALL {
                for side in DocumentSide::ALL {
                    out.push((id.clone(), ty.as_str(), side.as_str()));
                }
            }
        }
        out.reverse();
        out
    }

    /// A memory figure of /proc/PID/status, in KiB.
    fn rss_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// a keep-alive HTTP/1.1 client
// ---------------------------------------------------------------------------

struct Conn {
    stream: BufReader<TcpStream>,
}

impl Conn {
    fn new(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            stream: BufReader::new(stream),
        }
    }

    fn post(&mut self, partner: &str, identifier: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let head = format!(
            "POST {PATH} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\nAuthorization: {partner}\r\nUser-Identifier: {identifier}\r\n\r\n",
            body.len()
        );
        let s = self.stream.get_mut();
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut status = 0;
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(rest) = line.strip_prefix("HTTP/1.1 ") {
                status = rest[..3].parse().unwrap();
            } else if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap();
            }
        }
        let mut answer = vec![0; length];
        self.stream.read_exact(&mut answer).unwrap();
        (status, answer)
    }
}

// ---------------------------------------------------------------------------
// images
// ---------------------------------------------------------------------------

/// Deterministic noise.
fn noise(seed: &mut u64) -> u8 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed >> 24) as u8
}

/// A square colour JPEG (a gradient with some noise) of about `target`
/// bytes; square, so that no orientation rule refuses it whatever the side.
fn jpeg_near(target: usize) -> (Vec<u8>, u32, u32) {
    let mut best = (Vec::new(), 0, 0);
    for w in (400..=2000).step_by(16) {
        let h = w;
        let mut seed = 0x9E37_79B9_7F4A_7C15;
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let n = noise(&mut seed) / 4;
            image::Rgb([
                ((x * 255 / w) as u8).wrapping_add(n),
                ((y * 255 / h) as u8).wrapping_add(n),
                (((x + y) * 127 / (w + h)) as u8).wrapping_add(n),
            ])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&img)
            .unwrap();
        best = (out.into_inner(), w, h);
        if best.0.len() >= target {
            break;
        }
    }
    best
}

/// A square RGB noise PNG (incompressible) of at most `max` bytes, as close
/// to it as a square allows.
fn png_near(max: u64) -> (Vec<u8>, u32, u32) {
    let mut side = ((max / 3) as f64).sqrt() as u32;
    loop {
        let mut seed = 0x2545_F491_4F6C_DD1D;
        let img = image::RgbImage::from_fn(side, side, |_, _| {
            image::Rgb([noise(&mut seed), noise(&mut seed), noise(&mut seed)])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        let png = out.into_inner();
        if png.len() as u64 <= max {
            return (png, side, side);
        }
        side -= 8;
    }
}
