-- Marginalia schema 3: where annotations stand in other text versions.
-- (0002 is taken by the sync work.)

-- Re-anchoring results, one row per annotation and text version it was
-- re-anchored into. A view of the log like the tables of 0001: each row
-- comes from an `anchor:<text hash>` register of the annotation, written by
-- `doc update` (so every replica shows the same anchors). An annotation needs
-- no row for the text version it was made on: there its own position holds.
CREATE TABLE anchors (
    annotation_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    status TEXT NOT NULL,            -- exact | fuzzy | orphan
    position_start INTEGER,          -- code points of that text version; NULL for an orphan
    position_end INTEGER,
    score INTEGER NOT NULL,          -- confidence in thousandths
    PRIMARY KEY (annotation_id, text_hash)
) WITHOUT ROWID;
