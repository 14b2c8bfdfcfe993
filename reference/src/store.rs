//! SQLite storage: migrations, credentials, users and documents.
//!
//! One writer connection (behind a mutex) takes every write in a
//! `BEGIN IMMEDIATE` transaction; a second connection serves reads, which WAL
//! lets run beside the writer. Both are used from blocking threads only.
//! `synchronous=FULL` with WAL makes a commit durable when it returns.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::Error;

/// The migrations in `reference/migrations/`, in the order they apply. A
/// test checks that every file of that folder is listed here.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "0001_initial.sql",
    include_str!("../migrations/0001_initial.sql"),
)];

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The token signing secret's key in `meta`.
const SECRET_KEY: &str = "token_secret";
/// The demo data's key in `meta` (a JSON [`DemoIds`]).
const DEMO_KEY: &str = "demo";

/// The database of one reference instance.
#[derive(Debug)]
pub(crate) struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

/// Ids of the demo data made by [`Store::seed_demo`].
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub(crate) struct DemoIds {
    pub partner: i64,
    pub a: i64,
    pub b: i64,
    pub d: i64,
}

/// What a user identifier names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Linked {
    pub user_id: i64,
    pub deleted: bool,
}

/// A document to store, already checked.
#[derive(Debug)]
pub(crate) struct NewDocument {
    pub user_id: i64,
    pub document_type: &'static str,
    pub document_side: &'static str,
    pub media_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// The outcome of [`Store::insert_document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// Committed: the document's row id.
    Stored(i64),
    /// The user already has a pending document of that type and side.
    Conflict,
}

/// A user's row, as the answer needs it.
#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub email_address: String,
    pub first_name: String,
    pub last_name: String,
    pub region: String,
    pub phone_number: String,
    pub registered_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub is_business: bool,
    pub iban: Option<String>,
    pub iban_holder: Option<String>,
    pub currency_code: String,
    pub buy_limit: f64,
    pub buy_remaining: f64,
    pub sell_limit: f64,
    pub sell_remaining: f64,
    pub limit_interval: String,
    pub level_id: String,
    pub level_name: String,
}

/// A wallet address row.
#[derive(Debug, Clone)]
pub(crate) struct WalletRow {
    pub id: i64,
    pub currency: String,
    pub address: String,
    pub destination_tag: Option<String>,
    pub name: String,
    pub status: String,
    pub wallet_type: String,
    pub verification_status: String,
}

/// A document row (without its bytes).
#[derive(Debug, Clone)]
pub(crate) struct DocumentRow {
    pub document_type: String,
    pub document_side: String,
    pub status: String,
}

/// Everything the success answer shows of a user.
#[derive(Debug, Clone)]
pub(crate) struct UserView {
    pub user: UserRow,
    pub wallets: Vec<WalletRow>,
    pub documents: Vec<DocumentRow>,
}

/// A user to create (demo data).
struct NewUser<'a> {
    email: &'a str,
    first: &'a str,
    last: &'a str,
    region: &'a str,
    phone: &'a str,
    registered_at: &'a str,
    activated_at: Option<&'a str>,
    iban: Option<&'a str>,
    level_id: &'a str,
    level_name: &'a str,
    deleted_at: Option<&'a str>,
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while the lock was held left no transaction open (a dropped
    // rusqlite Transaction rolls back), so the connection is still usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn connect(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // journal_mode answers with the mode now in force.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "journal_mode is {mode}, not wal"
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    Ok(conn)
}

impl Store {
    /// Open (or create) the database at `path`, apply pending migrations
    /// and make sure a token secret exists.
    pub(crate) fn open(path: &Path) -> Result<Store, Error> {
        let mut writer = connect(path)?;
        migrate(&mut writer)?;
        let reader = connect(path)?;
        reader.execute_batch("PRAGMA query_only = ON;")?;
        Ok(Store {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The token signing secret: random, made on first open, kept in `meta`.
    pub(crate) fn token_secret(&self) -> Result<Vec<u8>, Error> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [SECRET_KEY], |r| {
                r.get(0)
            })
            .optional()?;
        let secret = match existing {
            Some(s) if s.len() >= 32 => s,
            Some(_) => return Err(Error::Corrupt("the token secret is too short".into())),
            None => {
                let s = crate::random_bytes::<32>()?.to_vec();
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![SECRET_KEY, s],
                )?;
                s
            }
        };
        tx.commit()?;
        Ok(secret)
    }

    /// The demo data's ids, if [`Store::seed_demo`] ran on this database.
    pub(crate) fn demo_ids(&self) -> Result<Option<DemoIds>, Error> {
        let conn = lock(&self.reader);
        let json: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [DEMO_KEY], |r| {
                r.get(0)
            })
            .optional()?;
        json.map(|j| {
            serde_json::from_slice(&j).map_err(|e| Error::Corrupt(format!("demo ids in meta: {e}")))
        })
        .transpose()
    }

    /// Create the demo partner (with the API key whose SHA-256 is
    /// `api_key_sha256` under `api_key_handle`) and users A, B and D (D
    /// deleted), unless they exist. Identifiers come from `identifier`.
    pub(crate) fn seed_demo(
        &self,
        api_key: impl Fn(&str) -> [u8; 32],
        identifier: impl Fn() -> Result<String, Error>,
        handle: &str,
    ) -> Result<DemoIds, Error> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [DEMO_KEY], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(json) = existing {
            return serde_json::from_slice(&json)
                .map_err(|e| Error::Corrupt(format!("demo ids in meta: {e}")));
        }
        tx.execute("INSERT INTO partners (name) VALUES ('Demo partner')", [])?;
        let partner = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO api_keys (handle, partner_id, key_sha256) VALUES (?1, ?2, ?3)",
            params![handle, partner, api_key(handle).to_vec()],
        )?;
        let a = insert_user(
            &tx,
            partner,
            &NewUser {
                email: "john.doe@example.com",
                first: "John",
                last: "Doe",
                region: "nl-nl",
                phone: "+31612345678",
                registered_at: "2019-01-01T14:13:55Z",
                activated_at: Some("2019-01-02T12:43:25Z"),
                iban: Some("NL00BANK0123456789"),
                level_id: "a1b2c3d4-0003-4000-8000-000000000003",
                level_name: "hero",
                deleted_at: None,
            },
        )?;
        tx.execute(
            "INSERT INTO wallet_addresses (user_id, currency, address, destination_tag, name,
                 status, wallet_type, verification_status)
             VALUES (?1, 'BTC', '3FZbgi29cpjq2GjdwV8eyHuJJnkLtktZc5', 'ABC1234',
                 'My BTC wallet 1', 'verified', 'unhosted', 'required')",
            [a],
        )?;
        let b = insert_user(
            &tx,
            partner,
            &NewUser {
                email: "jane.roe@example.com",
                first: "Jane",
                last: "Roe",
                region: "be-nl",
                phone: "+32470123456",
                registered_at: "2021-06-14T09:30:00Z",
                activated_at: Some("2021-06-14T10:02:11Z"),
                iban: Some("BE71096123456769"),
                level_id: "a1b2c3d4-0002-4000-8000-000000000002",
                level_name: "explorer",
                deleted_at: None,
            },
        )?;
        let d = insert_user(
            &tx,
            partner,
            &NewUser {
                email: "deleted.user@example.com",
                first: "Dee",
                last: "Leted",
                region: "de-de",
                phone: "+4915123456789",
                registered_at: "2020-03-03T08:00:00Z",
                activated_at: None,
                iban: None,
                level_id: "a1b2c3d4-0001-4000-8000-000000000001",
                level_name: "starter",
                deleted_at: Some("2023-11-30T17:45:00Z"),
            },
        )?;
        for user in [a, b, d] {
            tx.execute(
                "INSERT INTO user_identifiers (identifier, user_id) VALUES (?1, ?2)",
                params![identifier()?, user],
            )?;
        }
        let ids = DemoIds { partner, a, b, d };
        let json =
            serde_json::to_vec(&ids).map_err(|e| Error::Corrupt(format!("demo ids: {e}")))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)",
            params![DEMO_KEY, json],
        )?;
        tx.commit()?;
        Ok(ids)
    }

    /// Create `n` more active users of `partner`, each with a linked identifier.
    pub(crate) fn add_users(
        &self,
        partner: i64,
        n: usize,
        identifier: impl Fn() -> Result<String, Error>,
    ) -> Result<Vec<String>, Error> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let email = format!("load.user{i}@example.com");
            let user = insert_user(
                &tx,
                partner,
                &NewUser {
                    email: &email,
                    first: "Load",
                    last: "User",
                    region: "nl-nl",
                    phone: "+31600000000",
                    registered_at: "2024-01-01T00:00:00Z",
                    activated_at: Some("2024-01-01T00:05:00Z"),
                    iban: None,
                    level_id: "a1b2c3d4-0001-4000-8000-000000000001",
                    level_name: "starter",
                    deleted_at: None,
                },
            )?;
            let id = identifier()?;
            tx.execute(
                "INSERT INTO user_identifiers (identifier, user_id) VALUES (?1, ?2)",
                params![id, user],
            )?;
            out.push(id);
        }
        tx.commit()?;
        Ok(out)
    }

    /// The identifier linked to `user` (the first, if several).
    pub(crate) fn identifier_of(&self, user: i64) -> Result<Option<String>, Error> {
        let conn = lock(&self.reader);
        Ok(conn
            .query_row(
                "SELECT identifier FROM user_identifiers WHERE user_id = ?1
                 ORDER BY rowid LIMIT 1",
                [user],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The handle of `partner`'s (first) API key.
    pub(crate) fn api_key_handle_of(&self, partner: i64) -> Result<Option<String>, Error> {
        let conn = lock(&self.reader);
        Ok(conn
            .query_row(
                "SELECT handle FROM api_keys WHERE partner_id = ?1 ORDER BY rowid LIMIT 1",
                [partner],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The partner and SHA-256 of the API key under `handle`.
    pub(crate) fn api_key(&self, handle: &str) -> Result<Option<(i64, Vec<u8>)>, Error> {
        let conn = lock(&self.reader);
        Ok(conn
            .query_row(
                "SELECT partner_id, key_sha256 FROM api_keys WHERE handle = ?1",
                [handle],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    pub(crate) fn partner_exists(&self, partner: i64) -> Result<bool, Error> {
        let conn = lock(&self.reader);
        Ok(conn
            .query_row(
                "SELECT 1 FROM partners WHERE id = ?1",
                [partner],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Whether `user` exists, and if so whether it is deleted.
    pub(crate) fn user_deleted(&self, user: i64) -> Result<Option<bool>, Error> {
        let conn = lock(&self.reader);
        Ok(conn
            .query_row(
                "SELECT deleted_at IS NOT NULL FROM users WHERE id = ?1",
                [user],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The user `identifier` is linked to (compared exactly).
    pub(crate) fn linked(&self, identifier: &str) -> Result<Option<Linked>, Error> {
        let conn = lock(&self.reader);
        Ok(conn
            .query_row(
                "SELECT u.id, u.deleted_at IS NOT NULL
                 FROM user_identifiers i JOIN users u ON u.id = i.user_id
                 WHERE i.identifier = ?1",
                [identifier],
                |r| {
                    Ok(Linked {
                        user_id: r.get(0)?,
                        deleted: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    /// In one `BEGIN IMMEDIATE` transaction: refuse when the user has a
    /// pending document of the same type and side, else store the bytes
    /// (keyed by their SHA-256) and the document as pending, and commit.
    pub(crate) fn insert_document(&self, doc: &NewDocument) -> Result<Inserted, Error> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let pending = tx
            .query_row(
                "SELECT 1 FROM documents WHERE user_id = ?1 AND document_type = ?2
                 AND document_side = ?3 AND status = 'pending'",
                params![doc.user_id, doc.document_type, doc.document_side],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if pending {
            return Ok(Inserted::Conflict);
        }
        tx.execute(
            "INSERT INTO blobs (sha256, bytes) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING",
            params![doc.sha256, doc.bytes],
        )?;
        let inserted = tx.execute(
            "INSERT INTO documents (user_id, document_type, document_side, status, media_type,
                 width, height, byte_count, sha256, uploaded_at)
             VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                doc.user_id,
                doc.document_type,
                doc.document_side,
                doc.media_type,
                doc.width,
                doc.height,
                i64::try_from(doc.bytes.len()).unwrap_or(i64::MAX),
                doc.sha256,
                Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ],
        );
        // The partial unique index `one_pending_document` is the database's
        // own guard of the same rule (another writer on the file, say).
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                return Ok(Inserted::Conflict);
            }
            other => other?,
        };
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(Inserted::Stored(id))
    }

    /// Check that document `id` and its bytes read back as stored, and load
    /// what the answer shows of its user.
    pub(crate) fn read_back(&self, id: i64, sha256: &str, len: usize) -> Result<UserView, Error> {
        let conn = lock(&self.reader);
        let (user_id, stored_len): (i64, Option<i64>) = conn.query_row(
            "SELECT d.user_id, length(b.bytes) FROM documents d
             LEFT JOIN blobs b ON b.sha256 = d.sha256
             WHERE d.id = ?1 AND d.sha256 = ?2",
            params![id, sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if stored_len.and_then(|n| usize::try_from(n).ok()) != Some(len) {
            return Err(Error::Corrupt(format!(
                "document {id}: stored bytes missing or of another length"
            )));
        }
        user_view(&conn, user_id)
    }

    /// The documents of the user `identifier` names, oldest first, as
    /// (documentType, documentSide, status).
    pub(crate) fn documents_of(
        &self,
        identifier: &str,
    ) -> Result<Vec<(String, String, String)>, Error> {
        let conn = lock(&self.reader);
        let mut stmt = conn.prepare(
            "SELECT d.document_type, d.document_side, d.status
             FROM documents d JOIN user_identifiers i ON i.user_id = d.user_id
             WHERE i.identifier = ?1 ORDER BY d.id",
        )?;
        let rows = stmt
            .query_map([identifier], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

fn insert_user(
    tx: &rusqlite::Transaction<'_>,
    partner: i64,
    u: &NewUser<'_>,
) -> Result<i64, Error> {
    tx.execute(
        "INSERT INTO users (partner_id, email_address, first_name, last_name, region,
             phone_number, registered_at, activated_at, is_business, iban, iban_holder,
             buy_limit, buy_remaining, sell_limit, sell_remaining, level_id, level_name,
             deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, 3000, 3000, 3000, 3000, ?11, ?12, ?13)",
        params![
            partner,
            u.email,
            u.first,
            u.last,
            u.region,
            u.phone,
            u.registered_at,
            u.activated_at,
            u.iban,
            u.iban.map(|_| format!("{}. {}", u.first.chars().next().unwrap_or('X'), u.last)),
            u.level_id,
            u.level_name,
            u.deleted_at,
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Corrupt(format!("date {s:?}: {e}")))
}

fn user_view(conn: &Connection, user_id: i64) -> Result<UserView, Error> {
    let raw = conn.query_row(
        "SELECT email_address, first_name, last_name, region, phone_number, registered_at,
             activated_at, is_business, iban, iban_holder, currency_code, buy_limit,
             buy_remaining, sell_limit, sell_remaining, limit_interval, level_id, level_name
         FROM users WHERE id = ?1",
        [user_id],
        |r| {
            Ok((
                (
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, bool>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ),
                (
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, String>(10)?,
                    r.get::<_, f64>(11)?,
                    r.get::<_, f64>(12)?,
                    r.get::<_, f64>(13)?,
                    r.get::<_, f64>(14)?,
                    r.get::<_, String>(15)?,
                    r.get::<_, String>(16)?,
                    r.get::<_, String>(17)?,
                ),
            ))
        },
    )?;
    let (
        (email, first, last, region, phone, registered, activated, is_business, iban),
        (holder, currency, buy, buy_left, sell, sell_left, interval, level_id, level_name),
    ) = raw;
    let user = UserRow {
        email_address: email,
        first_name: first,
        last_name: last,
        region,
        phone_number: phone,
        registered_at: parse_time(&registered)?,
        activated_at: activated.as_deref().map(parse_time).transpose()?,
        is_business,
        iban,
        iban_holder: holder,
        currency_code: currency,
        buy_limit: buy,
        buy_remaining: buy_left,
        sell_limit: sell,
        sell_remaining: sell_left,
        limit_interval: interval,
        level_id,
        level_name,
    };
    let mut stmt = conn.prepare(
        "SELECT id, currency, address, destination_tag, name, status, wallet_type,
             verification_status
         FROM wallet_addresses WHERE user_id = ?1 ORDER BY id",
    )?;
    let wallets = stmt
        .query_map([user_id], |r| {
            Ok(WalletRow {
                id: r.get(0)?,
                currency: r.get(1)?,
                address: r.get(2)?,
                destination_tag: r.get(3)?,
                name: r.get(4)?,
                status: r.get(5)?,
                wallet_type: r.get(6)?,
                verification_status: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT document_type, document_side, status FROM documents
         WHERE user_id = ?1 ORDER BY id",
    )?;
    let documents = stmt
        .query_map([user_id], |r| {
            Ok(DocumentRow {
                document_type: r.get(0)?,
                document_side: r.get(1)?,
                status: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(UserView {
        user,
        wallets,
        documents,
    })
}

/// Apply the migrations the database lacks, each in its own transaction,
/// recording each in `schema_version`.
fn migrate(conn: &mut Connection) -> Result<(), Error> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TEXT NOT NULL
         ) STRICT;",
    )?;
    let latest = MIGRATIONS.last().map_or(0, |m| m.0);
    for (version, name, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row(
            "SELECT coalesce(max(version), 0) FROM schema_version",
            [],
            |r| r.get(0),
        )?;
        if current > latest {
            return Err(Error::Corrupt(format!(
                "the database has schema version {current}, newer than this build knows ({latest})"
            )));
        }
        if current >= *version {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![version, name, Utc::now().to_rfc3339()],
        )?;
        tx.commit()?;
        tracing::info!(version, name, "applied migration");
    }
    Ok(())
}
