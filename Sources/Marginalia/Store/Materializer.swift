import Foundation
import GRDB

/// Reports how far a long piece of work has come: (done, total).
public typealias Progress = (_ done: Int, _ total: Int) -> Void

/// Keeps the queried tables equal to a fold of the operation log.
///
/// After operations of an entity are added to the log, ``refresh(kind:id:reader:in:added:unseen:totals:)``
/// re-folds that entity's operations and rewrites its rows, tags, search entry
/// and digest. The cost depends on the entity's own history, not on the size
/// of the library.
///
/// An id belongs to the kind its first operation names (in log order,
/// blocked readers' left out). Operations that name it as another kind,
/// which only a broken or hostile peer writes, stay in the log without
/// effect: every replica settles on the same kind whatever order the
/// operations arrive in, and blocking the peer gives the id back.
enum Materializer {
    /// Leaves out the operations of readers this library blocks: they stay
    /// in the log, and unblocking folds them in again.
    static let notBlocked = "reader_id NOT IN (SELECT reader_id FROM blocked_readers)"

    /// The kind that owns an entity and its operations of that kind, from
    /// all the operations that name its id; nil when there are none.
    static func owned(_ operations: [LogOperation]) -> (kind: EntityKind, operations: [LogOperation])? {
        guard let first = operations.min(by: LogOperation.precedes) else { return nil }
        let kind = first.entityKind
        return (kind, operations.allSatisfy { $0.entityKind == kind } ? operations : operations.filter { $0.entityKind == kind })
    }

    /// The kind of entity `id` and the operations the view folds for it
    /// (blocked readers' left out), decoded; nil when there are none.
    static func operations(of id: String, in db: Database) throws -> (kind: EntityKind, operations: [LogOperation])? {
        let statement = try db.cachedStatement(sql: "SELECT * FROM operations WHERE entity_id = ? AND \(notBlocked)")
        return owned(try OperationRecord.fetchAll(statement, arguments: [id]).map { try $0.operation() })
    }

    /// The operations of entity `id` that the view folds, when it is of
    /// `kind`; none when the id belongs to another kind.
    static func operations(of id: String, kind: EntityKind, in db: Database) throws -> [LogOperation] {
        guard let owned = try operations(of: id, in: db), owned.kind == kind else { return [] }
        return owned.operations
    }

    /// The merged state of one entity, straight from the log.
    static func state(of id: String, kind: EntityKind, in db: Database) throws -> EntityState {
        EntityState.fold(kind: kind, id: id, operations: try operations(of: id, kind: kind, in: db))
    }

    /// Rewrites the view rows of one entity from its operations, and adds
    /// how that changes the view's totals to `totals` (callers gather the
    /// changes of many entities and store the sum once).
    ///
    /// - Parameters:
    ///   - reader: this library's reader, whose private items `status` counts.
    ///   - added: operations of the entity the caller has just written (by
    ///     readers not blocked); when they are all it has, the log is not read back.
    ///   - unseen: whether no operation of the log named the entity before
    ///     `added`: then they are all it has, and it has no view rows yet.
    static func refresh(
        kind: EntityKind, id: String, reader: String, in db: Database, added: [LogOperation] = [],
        unseen: Bool = false, totals: inout ViewTotals
    ) throws {
        var kind = kind
        let operations: [LogOperation]
        let unseen = unseen && !added.isEmpty
        if !added.isEmpty,
            try unseen
                || Int.fetchOne(
                    db.cachedStatement(sql: "SELECT count(*) FROM operations WHERE entity_id = ? AND \(notBlocked)"),
                    arguments: [id]) == added.count
        {
            (kind, operations) = owned(added)!
        } else {
            (kind, operations) = try self.operations(of: id, in: db) ?? (kind, [])
        }
        let state = EntityState.fold(kind: kind, id: id, operations: operations)
        var stored =
            unseen
            ? nil
            : try Row.fetchOne(
                db.cachedStatement(sql: "SELECT rowid, kind, digest, shared, shown FROM entities WHERE id = ?"),
                arguments: [id])
        var old = stored.map { ViewTotals.Entry(digest: $0["digest"], shared: $0["shared"], shown: $0["shown"]) }
        if let row = stored, let entry = old, !state.exists || row["kind"] != kind {
            // Gone (its create has not arrived yet, or its reader is now
            // blocked), or held as another kind until an earlier operation came.
            let storedKind: EntityKind = row["kind"]
            try remove(id: id, kind: storedKind, rowid: row["rowid"], in: db)
            totals.replace(entry, with: nil, kind: storedKind)
            (stored, old) = (nil, nil)
        }
        // Operations whose create has not arrived yet stay in the log only.
        guard state.exists else { return }

        // Rows are rewritten even when the digest stays: an operation that
        // changes nothing shown still moves the item's `updated` time.
        let isNew = stored == nil
        let row: any CountedRow
        var search = SearchEntry()
        switch kind {
        case .document:
            guard let document = Projection.document(state) else { return }
            try document.insertOrReplace(db)
            row = document
            search.title = ([document.title] + document.authors).joined(separator: " ")
            search.isLive = !document.deleted
        case .annotation:
            guard let annotation = Projection.annotation(state) else { return }
            try annotation.insertOrReplace(db)
            row = annotation
            try replaceTags(of: id, with: annotation.tags, isNew: isNew, in: db)
            try replaceAnchors(of: id, with: annotation.anchors, isNew: isNew, in: db)
            search = SearchEntry(
                quote: annotation.quoteExact ?? "", body: annotation.body ?? "",
                tags: annotation.tags.joined(separator: " "), isLive: !annotation.deleted)
        case .note:
            guard let note = Projection.note(state) else { return }
            try note.insertOrReplace(db)
            row = note
            try replaceTags(of: id, with: note.tags, isNew: isNew, in: db)
            search = SearchEntry(
                title: note.title ?? "", body: note.body, tags: note.tags.joined(separator: " "), isLive: !note.deleted)
        case .set:
            // Sets are found by name (`set show NAME`), not by search.
            guard let set = Projection.annotationSet(state) else { return }
            try set.insertOrReplace(db)
            row = set
            search.isLive = false
        }
        let entry = ViewTotals.Entry(
            digest: state.digest, shared: row.visibility == .shared,
            shown: !row.deleted && (row.visibility == .shared || row.createdBy == reader))

        let rowid: Int64
        if let stored {
            rowid = stored["rowid"]
            try db.cachedStatement(sql: "UPDATE entities SET digest = ?, shared = ?, shown = ? WHERE rowid = ?")
                .execute(arguments: [entry.digest, entry.shared, entry.shown, rowid])
            try db.cachedStatement(sql: "DELETE FROM conflicts WHERE entity_id = ?").execute(arguments: [id])
            try db.cachedStatement(sql: "DELETE FROM search_index WHERE rowid = ?").execute(arguments: [rowid])
        } else {
            try db.cachedStatement(sql: "INSERT INTO entities (id, kind, digest, shared, shown) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [id, kind, entry.digest, entry.shared, entry.shown])
            rowid = db.lastInsertedRowID
        }
        if state.isInConflict {
            let heads = state.texts.values.filter(\.isInConflict).map(\.heads.count).max() ?? 0
            try db.cachedStatement(
                sql: "INSERT INTO conflicts (entity_id, kind, heads, concurrent_edits) VALUES (?, ?, ?, ?)"
            ).execute(arguments: [id, kind, heads, state.editsConcurrentWithDelete.count])
        }
        if search.isLive {
            try db.cachedStatement(sql: "INSERT INTO search_index (rowid, title, quote, body, tags) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [rowid, search.title, search.quote, search.body, search.tags])
        }
        totals.replace(old, with: entry, kind: kind)
    }

    /// Throws the view away and folds every entity of the log again.
    static func rebuild(in db: Database, progress: Progress) throws {
        for table in ["entities", "documents", "annotations", "anchors", "notes", "sets", "tags", "conflicts", "search_index"] {
            try db.execute(sql: "DELETE FROM \(table)")
        }
        let reader = try Library.local(db).readerId
        // One refresh an id: it finds the kind the id belongs to.
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT min(entity_kind), entity_id FROM operations GROUP BY entity_id ORDER BY entity_id")
        var entities: [(EntityKind, String)] = []
        while let row = try cursor.next() { entities.append((row[0], row[1])) }
        var totals = ViewTotals()
        for (index, (kind, id)) in entities.enumerated() {
            try refresh(kind: kind, id: id, reader: reader, in: db, totals: &totals)
            if index % 1000 == 999 { progress(index + 1, entities.count) }
        }
        progress(entities.count, entities.count)
        try totals.store(in: db)
    }

    /// XORs `b` into `a` in place: summing a million digests (`status`,
    /// `check`) must not allocate a new value for each.
    static func formXor(_ a: inout Data, _ b: Data) {
        a.withUnsafeMutableBytes { a in
            b.withUnsafeBytes { b in
                for index in 0..<min(a.count, b.count) { a[index] ^= b[index] }
            }
        }
    }

    private struct SearchEntry {
        var title = ""
        var quote = ""
        var body = ""
        var tags = ""
        var isLive = true
    }

    private static func replaceTags(of id: String, with tags: [String], isNew: Bool, in db: Database) throws {
        if !isNew { try db.cachedStatement(sql: "DELETE FROM tags WHERE entity_id = ?").execute(arguments: [id]) }
        for tag in tags {
            try db.cachedStatement(sql: "INSERT INTO tags (entity_id, tag) VALUES (?, ?)").execute(arguments: [id, tag])
        }
    }

    private static func replaceAnchors(of id: String, with anchors: [String: Anchor], isNew: Bool, in db: Database) throws {
        if !isNew { try db.cachedStatement(sql: "DELETE FROM anchors WHERE annotation_id = ?").execute(arguments: [id]) }
        for (textHash, anchor) in anchors {
            try db.cachedStatement(
                sql: "INSERT INTO anchors (annotation_id, text_hash, status, position_start, position_end, score) VALUES (?, ?, ?, ?, ?, ?)"
            ).execute(arguments: [id, textHash, anchor.status.rawValue, anchor.position?.start, anchor.position?.end, anchor.score])
        }
    }

    private static func remove(id: String, kind: EntityKind, rowid: Int64, in db: Database) throws {
        try db.execute(sql: "DELETE FROM entities WHERE rowid = ?", arguments: [rowid])
        try db.execute(sql: "DELETE FROM search_index WHERE rowid = ?", arguments: [rowid])
        try db.execute(sql: "DELETE FROM tags WHERE entity_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM conflicts WHERE entity_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM anchors WHERE annotation_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM \(kind.tableName) WHERE id = ?", arguments: [id])
    }
}

extension EntityKind {
    /// The view table that holds entities of this kind.
    var tableName: String {
        switch self {
        case .document: Document.databaseTableName
        case .annotation: Annotation.databaseTableName
        case .note: Note.databaseTableName
        case .set: AnnotationSet.databaseTableName
        }
    }
}

/// A view row's fields that decide whether its entity is shared and whether
/// `status` counts it.
private protocol CountedRow {
    var visibility: Visibility { get }
    var deleted: Bool { get }
    var createdBy: String { get }
}

extension Document: CountedRow {}
extension Annotation: CountedRow {}
extension Note: CountedRow {}
extension AnnotationSet: CountedRow {}
