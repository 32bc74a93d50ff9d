-- Marginalia schema 1.
-- A released migration never changes (a test checks its SHA-256): schema
-- changes go in a new, higher-numbered file.

-- This replica: who writes here, and its clock. Local, never synced, and not
-- part of the state hash.
CREATE TABLE local_replica (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    replica_id TEXT NOT NULL,
    reader_id TEXT NOT NULL,
    reader_name TEXT NOT NULL,
    public_key BLOB NOT NULL,
    secret_key BLOB NOT NULL,
    clock INTEGER NOT NULL,          -- the largest HLC issued or received
    next_seq INTEGER NOT NULL,       -- the seq of this replica's next operation
    created_at TEXT NOT NULL
);

-- Readers whose operations this library holds.
CREATE TABLE readers (
    reader_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    public_key BLOB NOT NULL
) WITHOUT ROWID;

-- The operation log: the truth. Every table below it is a view of the log
-- that `marginalia check --rebuild` can throw away and rebuild.
CREATE TABLE operations (
    replica_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hlc INTEGER NOT NULL,
    reader_id TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    change TEXT NOT NULL,            -- canonical JSON of the change
    PRIMARY KEY (replica_id, seq)
) WITHOUT ROWID;
CREATE INDEX operations_by_entity ON operations(entity_id);

-- Normalized texts, addressed by the SHA-256 of their UTF-8. Immutable, like
-- the log; operations refer to them by hash.
CREATE TABLE texts (
    hash TEXT NOT NULL PRIMARY KEY,
    length INTEGER NOT NULL,         -- in Unicode code points
    content TEXT NOT NULL
);

-- ---- The materialized view ----

-- Every entity that exists, with the digest of its merged state.
CREATE TABLE entities (
    rowid INTEGER PRIMARY KEY,       -- also the entity's row in search_index
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    digest BLOB NOT NULL
);

-- The XOR of every entity digest, kept current by each write so that
-- `status` prints the state hash without reading the whole library.
CREATE TABLE state_digest (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    digest BLOB NOT NULL
);
INSERT INTO state_digest (singleton, digest) VALUES (1, zeroblob(32));

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    authors TEXT NOT NULL,           -- JSON array of names, in order
    identifiers TEXT NOT NULL,       -- JSON array of "url:...", "isbn:...", "doi:..."
    current_text TEXT,               -- hash of the newest text version; NULL for a paper book
    text_versions TEXT NOT NULL,     -- JSON array of text hashes
    visibility TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_hlc INTEGER NOT NULL,
    updated_hlc INTEGER NOT NULL,
    deleted INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE annotations (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL,
    text_hash TEXT,                  -- the text version it was made on
    quote_exact TEXT,
    quote_prefix TEXT,
    quote_suffix TEXT,
    position_start INTEGER,          -- code points, end exclusive
    position_end INTEGER,
    page TEXT,                       -- canonical page locator
    page_order INTEGER,              -- sorts front matter, pages, then locations
    body TEXT,
    body_heads INTEGER NOT NULL,     -- more than 1: concurrent edits in conflict
    motivation TEXT NOT NULL,
    color TEXT,
    visibility TEXT NOT NULL,
    reply_to TEXT,
    created_by TEXT NOT NULL,
    created_hlc INTEGER NOT NULL,
    updated_hlc INTEGER NOT NULL,
    deleted INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX annotations_by_document ON annotations(document_id, position_start, page_order);
CREATE INDEX annotations_by_update ON annotations(updated_hlc);

CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    title TEXT,
    body TEXT NOT NULL,
    body_heads INTEGER NOT NULL,
    document_id TEXT,
    visibility TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_hlc INTEGER NOT NULL,
    updated_hlc INTEGER NOT NULL,
    deleted INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX notes_by_document ON notes(document_id);
CREATE INDEX notes_by_update ON notes(updated_hlc);

-- Items that need a reader's decision: concurrent note versions that could
-- not be joined, or edits made concurrently with a delete.
CREATE TABLE conflicts (
    entity_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    heads INTEGER NOT NULL,              -- note versions in conflict (0, or 2 and more)
    concurrent_edits INTEGER NOT NULL    -- edits concurrent with the delete that won
) WITHOUT ROWID;

CREATE TABLE tags (
    entity_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (entity_id, tag)
) WITHOUT ROWID;
CREATE INDEX tags_by_tag ON tags(tag);

-- Full-text search over titles, quotes, note bodies and tags. Its rowid is
-- the entity's rowid in `entities`.
CREATE VIRTUAL TABLE search_index USING fts5(
    title, quote, body, tags,
    tokenize = 'unicode61 remove_diacritics 2'
);
