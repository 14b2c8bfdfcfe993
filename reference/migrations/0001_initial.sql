-- The reference implementation's schema, version 1.
-- Applied once, in a transaction, and recorded in schema_version.

-- Key-value settings of this database (the token signing secret, the ids of
-- the demo data).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) STRICT;

-- Partners: the clients of the API.
CREATE TABLE partners (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

-- API keys of partners, stored only as SHA-256 of the whole key. `handle` is
-- the public part of the key that finds its row (never secret).
CREATE TABLE api_keys (
    handle     TEXT PRIMARY KEY NOT NULL,
    partner_id INTEGER NOT NULL REFERENCES partners (id),
    key_sha256 BLOB NOT NULL CHECK (length(key_sha256) = 32)
) STRICT;

-- Registered users; a deleted user keeps its row (deleted_at set).
CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    partner_id        INTEGER NOT NULL REFERENCES partners (id),
    email_address     TEXT NOT NULL,
    first_name        TEXT NOT NULL,
    last_name         TEXT NOT NULL,
    region            TEXT NOT NULL,
    phone_number      TEXT NOT NULL,
    registered_at     TEXT NOT NULL,
    activated_at      TEXT,
    is_business       INTEGER NOT NULL DEFAULT 0,
    iban              TEXT,
    iban_holder       TEXT,
    currency_code     TEXT NOT NULL DEFAULT 'EUR',
    buy_limit         REAL NOT NULL,
    buy_remaining     REAL NOT NULL,
    sell_limit        REAL NOT NULL,
    sell_remaining    REAL NOT NULL,
    limit_interval    TEXT NOT NULL DEFAULT 'P1D',
    level_id          TEXT NOT NULL,
    level_name        TEXT NOT NULL,
    deleted_at        TEXT
) STRICT;

-- User identifiers a partner linked to a user: compared exactly (BINARY
-- collation, so case matters). A deleted user's identifier stays linked.
CREATE TABLE user_identifiers (
    identifier TEXT PRIMARY KEY NOT NULL COLLATE BINARY,
    user_id    INTEGER NOT NULL REFERENCES users (id)
) STRICT;

-- Wallet addresses enabled for a user.
CREATE TABLE wallet_addresses (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users (id),
    currency            TEXT NOT NULL,
    address             TEXT NOT NULL,
    destination_tag     TEXT,
    name                TEXT NOT NULL,
    status              TEXT NOT NULL,
    wallet_type         TEXT NOT NULL,
    verification_status TEXT NOT NULL
) STRICT;

-- Image bytes, keyed by their SHA-256 (hex); never by a name from input.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY NOT NULL,
    bytes  BLOB NOT NULL
) STRICT;

-- Uploaded identity documents.
CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    document_type TEXT NOT NULL,
    document_side TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'present', 'rejected')),
    media_type    TEXT NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    byte_count    INTEGER NOT NULL,
    sha256        TEXT NOT NULL REFERENCES blobs (sha256),
    uploaded_at   TEXT NOT NULL
) STRICT;

CREATE INDEX documents_by_user ON documents (user_id, id);

-- At most one pending document per user, type and side (the state rule
-- behind ER708), enforced by the database as well as checked by the code.
CREATE UNIQUE INDEX one_pending_document
    ON documents (user_id, document_type, document_side)
    WHERE status = 'pending';
