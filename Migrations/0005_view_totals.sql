-- Marginalia schema 5: the totals `status` prints, kept up to date by every
-- refresh of the view instead of being summed over a million rows each time.

-- Whether the entity is shared (its digest is part of the shared-state hash),
-- and whether `status` counts it: not deleted, and shared or this reader's own.
ALTER TABLE entities ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entities ADD COLUMN shown INTEGER NOT NULL DEFAULT 0;

UPDATE entities SET
    shared = row.visibility = 'shared',
    shown = NOT row.deleted AND (row.visibility = 'shared' OR row.created_by = (SELECT reader_id FROM local_replica))
FROM (
    SELECT id, visibility, deleted, created_by FROM documents
    UNION ALL SELECT id, visibility, deleted, created_by FROM annotations
    UNION ALL SELECT id, visibility, deleted, created_by FROM notes
    UNION ALL SELECT id, visibility, deleted, created_by FROM sets
) AS row
WHERE row.id = entities.id;

-- One row. `digest_xor` is the aggregate the library registers while it
-- migrates: the XOR of 32-byte digests (32 zero bytes for none).
CREATE TABLE view_totals (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    shared_digest BLOB NOT NULL,     -- XOR of the digests of the shared entities
    documents INTEGER NOT NULL,      -- entities of each kind that `status` counts
    annotations INTEGER NOT NULL,
    notes INTEGER NOT NULL
);
INSERT INTO view_totals (singleton, shared_digest, documents, annotations, notes) VALUES (
    1,
    (SELECT digest_xor(digest) FROM entities WHERE shared),
    (SELECT count(*) FROM entities WHERE kind = 'document' AND shown),
    (SELECT count(*) FROM entities WHERE kind = 'annotation' AND shown),
    (SELECT count(*) FROM entities WHERE kind = 'note' AND shown)
);
