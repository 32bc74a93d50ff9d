-- Marginalia schema 2: sync folders.
-- Everything here is local bookkeeping of this replica, never synced and not
-- part of the state hash.

-- The channels this library syncs with.
CREATE TABLE remotes (
    name TEXT PRIMARY KEY,
    location TEXT NOT NULL,          -- an absolute folder path, or git:URL
    kind TEXT NOT NULL,              -- personal | group
    channel_id TEXT NOT NULL,
    channel_key BLOB,                -- an encrypted channel's key (the library file is mode 0600)
    added_at TEXT NOT NULL
) WITHOUT ROWID;

-- The chain of bundles this replica has written to each channel.
CREATE TABLE sync_published (
    channel_id TEXT NOT NULL,
    replica_id TEXT NOT NULL,
    bundle_seq INTEGER NOT NULL,
    bundle_hash TEXT NOT NULL,
    PRIMARY KEY (channel_id, replica_id)
) WITHOUT ROWID;

-- For each replica of this reader (this one, and in a group channel the
-- reader's other machines), the highest of its operation seqs this replica
-- has considered for the channel: published, or withheld as private.
CREATE TABLE sync_considered (
    channel_id TEXT NOT NULL,
    source_replica TEXT NOT NULL,
    operation_seq INTEGER NOT NULL,
    PRIMARY KEY (channel_id, source_replica)
) WITHOUT ROWID;

-- The last bundle of each peer replica this library has applied, per
-- channel: the next bundle must carry this hash as its previous.
CREATE TABLE sync_consumed (
    channel_id TEXT NOT NULL,
    replica_id TEXT NOT NULL,
    bundle_seq INTEGER NOT NULL,
    bundle_hash TEXT NOT NULL,
    PRIMARY KEY (channel_id, replica_id)
) WITHOUT ROWID;

-- Carriers' conflict copies whose operations were taken, by file name.
CREATE TABLE sync_taken_copies (
    channel_id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (channel_id, name)
) WITHOUT ROWID;

-- Set when a sync found another library writing as this replica: this copy
-- stops writing to sync folders until `marginalia replica reset`.
CREATE TABLE replica_copied (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    evidence TEXT NOT NULL,
    detected_at TEXT NOT NULL
);

-- Readers whose operations this library leaves out of its view (they stay
-- in the log, so `readers unblock` brings them back).
CREATE TABLE blocked_readers (
    reader_id TEXT PRIMARY KEY,
    blocked_at TEXT NOT NULL
) WITHOUT ROWID;
