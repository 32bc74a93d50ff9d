-- Marginalia schema 4: annotation sets.

-- A named set of annotations: explicit members and/or a saved filter. A view
-- of the log like the tables of 0001: each row is the fold of the set's
-- operations (registers `name`, `filter`, `visibility`, `deleted`; the
-- observed-remove set `members`). Sets are shared by default, so they travel
-- to group channels like annotations.
CREATE TABLE sets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    filter TEXT NOT NULL,            -- canonical JSON object: document, tag, author, since (each optional)
    members TEXT NOT NULL,           -- JSON array of annotation ids, sorted
    visibility TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_hlc INTEGER NOT NULL,
    updated_hlc INTEGER NOT NULL,
    deleted INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sets_by_name ON sets(name);
