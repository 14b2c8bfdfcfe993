//! The reference implementation of `POST /api/v1/user/identity-document`.
//!
//! It implements the generated [`identity_document::Api`] trait and serves
//! the generated router, which already checks, in the contract's order,
//! authentication (calling [`Reference`]'s `authenticate`), the body's fields,
//! its size and the image's header. This crate owns what the router leaves
//! to an implementation:
//!
//! - **credentials**: partner and user tokens are HS256 JWTs with `exp` and a
//!   `kind` claim (a partner token is never a user token), signed with a
//!   random secret kept in the database; API keys are stored as SHA-256 and
//!   compared in constant time; user identifiers are linked to users and
//!   compared exactly; deleted users are "gone" (ER709);
//! - **the full image decode** (ER918 for corrupt pixel data), with limits
//!   from the spec's constants and at most two decodes at once;
//! - **state and storage**: SQLite in WAL mode with `synchronous=FULL`;
//!   migrations in `reference/migrations/`; one `BEGIN IMMEDIATE`
//!   transaction refuses a repeat of a pending type and side (ER708) or
//!   stores the document and its bytes (keyed by SHA-256), and the 200 is
//!   answered only after the commit;
//! - **server faults**: ER900 (storing failed), ER901 (reading back failed),
//!   ER999 (anything else, a panic included), each logged with its cause;
//! - **running it**: [`router`], [`serve`], demo data and the conformance
//!   [`Profile`] (used by `specgate serve` and `specgate profile`).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let reference = reference::Reference::temporary()?;
//! print!("{}", reference.seed_demo()?.to_toml());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let app = reference::router(Arc::new(reference));
//! let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! reference::serve(listener, app, async { let _ = stopped.await; }).await?;
//! # Ok(()) }
//! ```

mod api;
mod auth;
mod decode;
mod http;
mod profile;
mod store;

use std::path::Path;
use std::sync::Arc;

use tokio::sync::Semaphore;

pub use api::Subject;
pub use http::{layer, router, serve};
pub use profile::{Credentials, Profile};

use auth::{Kind, Tokens};
use store::Store;

/// Full image decodes allowed at once (each may hold a decoded image).
const DECODE_PERMITS: usize = 2;
/// Lifetime of the tokens a profile mints.
const TOKEN_LIFETIME_SECS: i64 = 24 * 60 * 60;
/// How long ago a profile's expired tokens expired.
const EXPIRED_AGO_SECS: i64 = 60 * 60;
/// Length of the user identifiers made for demo users (the spec allows 36
/// to 255 letters and digits).
const IDENTIFIER_LEN: usize = 48;
/// Length of an API key's public handle.
const HANDLE_LEN: usize = 12;

/// Why the reference could not open, seed or describe its database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite refused an operation.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    /// A file or directory could not be made.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The database holds something this build cannot read.
    #[error("the database holds unexpected data: {0}")]
    Corrupt(String),
    /// A token could not be signed.
    #[error("token: {0}")]
    Token(String),
    /// The system's random source failed.
    #[error("random source: {0}")]
    Random(String),
    /// The database has no demo data.
    #[error("the database has no demo data (seed it with `specgate serve --seed --db PATH`)")]
    NotSeeded,
    /// A blocking task panicked or was cancelled.
    #[error("background task: {0}")]
    Task(String),
}

impl Error {
    fn from_join(e: tokio::task::JoinError) -> Error {
        Error::Task(if e.is_panic() {
            "panicked".to_owned()
        } else {
            e.to_string()
        })
    }
}

/// One instance of the reference implementation: its database, token keys
/// and decode budget. Serve it with [`router`].
pub struct Reference {
    store: Arc<Store>,
    tokens: Arc<Tokens>,
    decodes: Arc<Semaphore>,
    /// The temporary directory of [`Reference::temporary`], removed on drop
    /// (declared last, so the database is closed first).
    _dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reference")
            .field("db", &self.store.path())
            .finish_non_exhaustive()
    }
}

impl Reference {
    /// Open the database at `path`, creating it (and applying migrations)
    /// as needed. Tokens minted for a database stay valid across restarts.
    pub fn open(path: impl AsRef<Path>) -> Result<Reference, Error> {
        Self::with_store(Store::open(path.as_ref())?, None)
    }

    /// A fresh database in a temporary directory, removed when the
    /// reference is dropped.
    pub fn temporary() -> Result<Reference, Error> {
        let dir = tempfile::Builder::new()
            .prefix("specgate-reference-")
            .tempdir()?;
        let store = Store::open(&dir.path().join("reference.db"))?;
        Self::with_store(store, Some(dir))
    }

    fn with_store(store: Store, dir: Option<tempfile::TempDir>) -> Result<Reference, Error> {
        let tokens = Tokens::new(store.token_secret()?);
        Ok(Reference {
            store: Arc::new(store),
            tokens: Arc::new(tokens),
            decodes: Arc::new(Semaphore::new(DECODE_PERMITS)),
            _dir: dir,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// Create the demo data unless it exists: one partner with an API key,
    /// users A and B (active, each with a linked identifier) and D (deleted,
    /// its identifier still linked). Returns their credentials.
    pub fn seed_demo(&self) -> Result<Profile, Error> {
        let handle = random_alphanumeric(HANDLE_LEN)?;
        let tokens = &self.tokens;
        self.store.seed_demo(
            |h| auth::api_key_sha256(&tokens.demo_api_key(h)),
            || random_alphanumeric(IDENTIFIER_LEN),
            &handle,
        )?;
        self.profile()
    }

    /// The credentials of the demo data, with freshly minted tokens (valid
    /// for a day) and expired ones. [`Error::NotSeeded`] without demo data.
    pub fn profile(&self) -> Result<Profile, Error> {
        let ids = self.store.demo_ids()?.ok_or(Error::NotSeeded)?;
        let now = chrono::Utc::now().timestamp();
        let (valid, expired) = (now + TOKEN_LIFETIME_SECS, now - EXPIRED_AGO_SECS);
        let handle = self
            .store
            .api_key_handle_of(ids.partner)?
            .ok_or_else(|| Error::Corrupt("the demo partner has no API key".into()))?;
        let identifier = |user| {
            self.store
                .identifier_of(user)?
                .ok_or_else(|| Error::Corrupt(format!("demo user {user} has no identifier")))
        };
        let user = |id, exp| self.tokens.mint(Kind::User, id, exp);
        Ok(Profile {
            valid: Credentials {
                api_key: Some(self.tokens.demo_api_key(&handle)),
                partner_token: Some(self.tokens.mint(Kind::Partner, ids.partner, valid)?),
                user_identifier: Some(identifier(ids.a)?),
                user_token: Some(user(ids.a, valid)?),
            },
            expired: Credentials {
                partner_token: Some(self.tokens.mint(Kind::Partner, ids.partner, expired)?),
                user_token: Some(user(ids.a, expired)?),
                ..Credentials::default()
            },
            other: Credentials {
                user_identifier: Some(identifier(ids.b)?),
                user_token: Some(user(ids.b, valid)?),
                ..Credentials::default()
            },
            gone: Credentials {
                user_identifier: Some(identifier(ids.d)?),
                user_token: Some(user(ids.d, valid)?),
                ..Credentials::default()
            },
        })
    }

    /// Create `n` more active users of the demo partner (for load tests:
    /// each user may have one pending document per type and side) and
    /// return their user identifiers. [`Error::NotSeeded`] without demo data.
    pub fn add_demo_users(&self, n: usize) -> Result<Vec<String>, Error> {
        let ids = self.store.demo_ids()?.ok_or(Error::NotSeeded)?;
        self.store
            .add_users(ids.partner, n, || random_alphanumeric(IDENTIFIER_LEN))
    }

    /// The documents of the user `identifier` names, oldest first, as
    /// (documentType, documentSide, status): what a test or operator checks
    /// after uploads.
    pub fn documents(&self, identifier: &str) -> Result<Vec<(String, String, String)>, Error> {
        self.store.documents_of(identifier)
    }
}

/// `N` bytes from the system's random source.
fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| Error::Random(e.to_string()))?;
    Ok(out)
}

/// `len` random ASCII letters and digits (unbiased: bytes beyond the
/// largest multiple of 62 are drawn again).
fn random_alphanumeric(len: usize) -> Result<String, Error> {
    const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random_bytes::<64>()? {
            if b < 248 && out.len() < len {
                out.push(char::from(ALPHABET[usize::from(b % 62)]));
            }
        }
    }
    Ok(out)
}
