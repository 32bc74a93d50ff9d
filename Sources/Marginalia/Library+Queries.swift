import Crypto
import Foundation
import GRDB

/// An annotation or a note, as `list` and `show` return them.
public enum Item: Sendable, Hashable {
    case annotation(Annotation)
    case note(Note)

    public var id: String {
        switch self {
        case .annotation(let a): a.id
        case .note(let n): n.id
        }
    }
    public var kind: EntityKind {
        switch self {
        case .annotation: .annotation
        case .note: .note
        }
    }
    /// The annotation, when the item is one: `items(filter).compactMap(\.annotation)`.
    public var annotation: Annotation? { if case .annotation(let a) = self { a } else { nil } }
    public var createdHlc: HLCTimestamp {
        switch self {
        case .annotation(let a): a.createdHlc
        case .note(let n): n.createdHlc
        }
    }
    public var isInConflict: Bool {
        switch self {
        case .annotation(let a): a.inConflict
        case .note(let n): n.inConflict
        }
    }
}

/// Which items `list` returns. Every condition given must hold.
public struct ItemFilter: Sendable {
    public var document: String?
    public var tag: String?
    /// A reader id (or unique prefix) or a display name.
    public var author: String?
    /// Items created or changed at or after this time.
    public var since: Date?
    public var kind: EntityKind?
    /// Only annotations whose page locator overlaps this one (same scheme).
    public var page: PageLocator?
    /// Only annotations that could not be placed in their document's current text.
    public var orphans: Bool
    public var includeDeleted: Bool
    public var limit: Int?

    public init(
        document: String? = nil, tag: String? = nil, author: String? = nil, since: Date? = nil,
        kind: EntityKind? = nil, page: PageLocator? = nil, orphans: Bool = false, includeDeleted: Bool = false,
        limit: Int? = nil
    ) {
        self.document = document
        self.tag = tag
        self.author = author
        self.since = since
        self.kind = kind
        self.page = page
        self.orphans = orphans
        self.includeDeleted = includeDeleted
        self.limit = limit
    }

    /// Whether the filter can only match annotations.
    var annotationsOnly: Bool { kind == .annotation || page != nil || orphans }
}

/// The conditions of an ``ItemFilter`` as SQL on one table, its document
/// and authors resolved once (a missing one throws `notFound`).
struct ItemConditions {
    let filter: ItemFilter
    let documentID: String?
    let authors: [String]?
    /// Tags are stored trimmed and normalized: so is the tag asked for.
    let tag: String?
    let viewer: String

    init(_ filter: ItemFilter, in db: Database) throws {
        self.filter = filter
        documentID = try filter.document.map { try Library.resolve($0, as: .document, in: db) }
        authors = try filter.author.map { try Library.readers(matching: $0, in: db).map(\.readerId) }
        tag = try filter.tag.map { try Library.validTags([$0])[0] }
        viewer = try Library.local(db).readerId
    }

    /// The conditions on `table` (a table or alias of items), joined by AND.
    func sql(on table: String) -> (condition: String, arguments: StatementArguments) {
        var clauses = [Library.notWithdrawn(table)]
        var arguments: StatementArguments = [viewer]
        if !filter.includeDeleted { clauses.append("NOT \(table).deleted") }
        if let documentID {
            clauses.append("\(table).document_id = ?")
            arguments += [documentID]
        }
        if let tag {
            clauses.append("EXISTS (SELECT 1 FROM tags WHERE tags.entity_id = \(table).id AND tags.tag = ?)")
            arguments += [tag]
        }
        if let authors {
            clauses.append("\(table).created_by IN (\(authors.map { _ in "?" }.joined(separator: ",")))")
            arguments += StatementArguments(authors)
        }
        if let since = filter.since {
            clauses.append("\(table).updated_hlc >= ?")
            arguments += [HLCTimestamp(milliseconds: Int64(since.timeIntervalSince1970 * 1000), counter: 0)]
        }
        return (clauses.joined(separator: " AND "), arguments)
    }
}

/// One search result.
public struct SearchHit: Sendable, Hashable {
    public var id: String
    public var kind: EntityKind
    /// The matching passage, with each match between the markers asked for.
    public var snippet: String
    /// The column the snippet comes from: `title`, `quote`, `body` or `tags`.
    public var field: String
}

/// One operation of an item's history, in the order every replica agrees on.
public struct HistoryEntry: Sendable, Hashable {
    public var operation: LogOperation
    public var readerName: String
    /// Whether the entry wrote a text revision that is a current head.
    public var isHead: Bool
}

/// What `status` reports.
public struct LibraryStatus: Sendable, Hashable {
    public var path: String
    public var reader: LocalIdentity
    public var documents: Int
    public var annotations: Int
    public var notes: Int
    public var operations: Int
    public var conflicts: Int
    public var schema: String
    /// SHA-256 over every entity's merged state: equal on two libraries that
    /// hold the same operations.
    public var stateHash: String
    /// The same digest over shared items only: what the members of a
    /// reading group compare, since each also holds private items of their own.
    public var sharedStateHash: String
    /// The sync channels joined.
    public var remotes: Int
    /// Where a sync found another library writing as this replica (see `replica reset`).
    public var copiedReplica: String?
}

/// What `check` found.
public struct CheckReport: Sendable, Hashable {
    public var problems: [String]
    public var stateHash: String
    public var entities: Int
    public var operations: Int
    public var rebuilt: Bool
    public var ok: Bool { problems.isEmpty }
}

extension Library {
    /// Annotations and notes that pass `filter`: in document order when
    /// filtered by document (by position in the current text, then by page),
    /// else newest first. Each annotation carries its ``Annotation/anchor``.
    public func items(_ filter: ItemFilter = ItemFilter()) throws -> [Item] {
        try read { db in try Self.items(filter, in: db) }
    }

    /// ``items(_:)`` inside a read or write.
    static func items(_ filter: ItemFilter, in db: Database) throws -> [Item] {
        do {
            let conditions = try ItemConditions(filter, in: db)
            func whereClause(_ table: String) -> (String, StatementArguments) {
                let (condition, arguments) = conditions.sql(on: table)
                return ("WHERE " + condition, arguments)
            }
            // Orders and filters that depend on anchors are applied here, after the query.
            let sortsHere = filter.document != nil || filter.page != nil || filter.orphans
            let limit = filter.limit.map { " LIMIT \($0)" } ?? ""
            var items: [Item] = []
            if filter.kind != .note {
                let (clause, arguments) = whereClause("annotations")
                let rows = try Annotation.fetchAll(
                    db, sql: "SELECT * FROM annotations \(clause) ORDER BY created_hlc DESC\(sortsHere ? "" : limit)",
                    arguments: arguments)
                // Without a LIMIT in the query, the rows are all that the clause selects.
                let completed =
                    sortsHere || filter.limit == nil
                    ? try Self.completed(rows, selectedBy: clause, arguments: arguments, in: db)
                    : try rows.map { try Self.completed($0, in: db) }
                var annotations = try Self.placed(completed, in: db)
                if let page = filter.page {
                    annotations = annotations.filter { $0.page.flatMap(PageLocator.init(parsing:))?.overlaps(page) ?? false }
                }
                if filter.orphans { annotations = annotations.filter { $0.anchor?.status == .orphan } }
                if filter.document != nil { annotations.sort { Self.textOrder($0, $0.anchor, $1, $1.anchor) } }
                items += annotations.map(Item.annotation)
            }
            if !filter.annotationsOnly && filter.kind != .annotation {
                let (clause, arguments) = whereClause("notes")
                let notes = try Note.fetchAll(
                    db, sql: "SELECT * FROM notes \(clause) ORDER BY created_hlc DESC\(limit)", arguments: arguments)
                items += try notes.map { .note(try Self.completed($0, in: db)) }
            }
            // Within one document, annotations keep text order and its notes
            // follow. Otherwise, newest first: the query's order, when it read one kind only.
            let readBothKinds = filter.kind != .note && filter.kind != .annotation && !filter.annotationsOnly
            if filter.document == nil && readBothKinds { items.sort { $0.createdHlc > $1.createdHlc } }
            if let limit = filter.limit { items = Array(items.prefix(limit)) }
            return items
        }
    }

    /// Leaves out another reader's items that are private: they reach this
    /// library only as a tombstone, when their reader withdraws them from a
    /// group. (A condition on `table`, with the library's reader id as its argument.)
    static func notWithdrawn(_ table: String) -> String {
        "(\(table).visibility = 'shared' OR \(table).created_by = ?)"
    }

    /// The annotation or note named by an id or unique prefix.
    public func item(_ reference: String) throws -> Item {
        try read { db in
            let (id, kind) = try Self.resolve(reference, in: db)
            switch kind {
            case .annotation: return .annotation(try Self.placed([Self.annotation(id, in: db)], in: db)[0])
            case .note: return .note(try Self.note(id, in: db))
            case .document, .set:
                throw MarginaliaError.wrongKind(reference: reference, expected: "annotation or note", actual: kind.rawValue)
            }
        }
    }

    /// The kind and full id of a reference.
    public func resolve(_ reference: String) throws -> (id: String, kind: EntityKind) {
        try read { db in try Self.resolve(reference, in: db) }
    }

    /// Every operation of an item, oldest first.
    public func history(_ reference: String) throws -> [HistoryEntry] {
        try read { db in
            let (id, kind) = try Self.resolve(reference, in: db)
            let operations = try Materializer.operations(of: id, kind: kind, in: db).sorted(by: LogOperation.precedes)
            let heads = Set(
                EntityState.fold(kind: kind, id: id, operations: operations).texts.values.flatMap { $0.heads.map(\.id) })
            let names = try Self.readerNames(in: db)
            return operations.map { operation in
                HistoryEntry(
                    operation: operation, readerName: names[operation.reader] ?? String(operation.reader.prefix(8)),
                    isHead: heads.contains(operation.id))
            }
        }
    }

    /// Full-text search over titles, quotes, note bodies and tags.
    ///
    /// Each word of `query` must match (prefix matching with a trailing `*`);
    /// `raw` passes the query to SQLite FTS5 as written.
    public func search(
        _ query: String, raw: Bool = false, limit: Int = 50, highlight: (open: String, close: String) = ("[", "]")
    ) throws -> [SearchHit] {
        let match = raw ? query : Self.ftsQuery(query)
        guard !match.isEmpty else { throw MarginaliaError.invalidInput("the search query is empty; give one or more words (a trailing * matches a prefix)") }
        return try read { db in
            let sql = """
                SELECT entities.id, entities.kind,
                       snippet(search_index, 0, ?, ?, '…', 12) AS title,
                       snippet(search_index, 1, ?, ?, '…', 12) AS quote,
                       snippet(search_index, 2, ?, ?, '…', 12) AS body,
                       snippet(search_index, 3, ?, ?, '…', 12) AS tags
                FROM search_index JOIN entities ON entities.rowid = search_index.rowid
                WHERE search_index MATCH ? AND entities.shown
                ORDER BY rank LIMIT ?
                """
            // The index holds live items only; `shown` says which of them this
            // library's reader may see (shared, or their own), so no match is
            // looked up in its kind's table.
            let (open, close) = highlight
            let rows: [Row]
            do {
                rows = try Row.fetchAll(
                    db, sql: sql, arguments: [open, close, open, close, open, close, open, close, match, limit])
            } catch let error as DatabaseError {
                throw MarginaliaError.invalidInput(
                    "the search query cannot be read (\(error.message ?? "syntax error")); drop --raw or fix its FTS5 syntax")
            }
            return rows.map { row in
                let field = ["title", "quote", "body", "tags"].first { (row[$0] as String? ?? "").contains(open) } ?? "body"
                return SearchHit(id: row["id"], kind: row["kind"], snippet: row[field] ?? "", field: field)
            }
        }
    }

    /// Counts, identity and the state hash. The counts and hashes are the
    /// view's stored totals: as quick on a million annotations as on ten.
    public func status() throws -> LibraryStatus {
        try read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            let totals = try ViewTotals.stored(in: db)
            return LibraryStatus(
                path: path, reader: try Self.local(db).identity,
                documents: totals.documents,
                annotations: totals.annotations,
                notes: totals.notes,
                operations: try count("SELECT count(*) FROM operations"),
                conflicts: try count("SELECT count(*) FROM conflicts"),
                schema: try String.fetchOne(db, sql: "SELECT max(identifier) FROM grdb_migrations") ?? "",
                stateHash: Self.stateHash(totals.stateDigest),
                sharedStateHash: Self.stateHash(totals.sharedDigest),
                remotes: try count("SELECT count(*) FROM remotes"),
                copiedReplica: try String.fetchOne(db, sql: "SELECT evidence FROM replica_copied"))
        }
    }

    /// Verifies the library: SQLite's integrity check, every operation
    /// readable, the view equal to a fresh fold of the log, this replica's
    /// operations numbered without a gap, and the bundle chains of the sync
    /// folders within reach. With
    /// `rebuild`, the view is rebuilt from the log first (in one transaction).
    public func check(rebuild: Bool = false, progress: Progress = { _, _ in }) throws -> CheckReport {
        if rebuild {
            try storage {
                try database.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        try Materializer.rebuild(in: db, progress: progress)
                        return .commit
                    }
                }
            }
        }
        var report = try read { db in
            var problems: [String] = []
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            if integrity != ["ok"] { problems += integrity.prefix(10).map { "SQLite: \($0)" } }

            var recomputed = Data(count: 32)
            var entityCount = 0
            let stored = try Row.fetchAll(db, sql: "SELECT id, kind, digest FROM entities")
            var storedDigests = Dictionary(uniqueKeysWithValues: stored.map { ($0["id"] as String, $0["digest"] as Data) })
            let keys = try Row.fetchAll(db, sql: "SELECT DISTINCT entity_kind, entity_id FROM operations")
            for key in keys {
                let (kind, id): (EntityKind, String) = (key[0], key[1])
                let state: EntityState
                do {
                    state = try Materializer.state(of: id, kind: kind, in: db)
                } catch {
                    problems.append("\(kind.rawValue) \(id): \(LibraryDatabase.reason(error))")
                    continue
                }
                guard state.exists else { continue }
                entityCount += 1
                let digest = state.digest
                Materializer.formXor(&recomputed, digest)
                if storedDigests.removeValue(forKey: id) != digest {
                    problems.append("\(kind.rawValue) \(id): the view differs from the log")
                    continue
                }
                let matches: Bool
                switch kind {
                case .document: matches = try Document.fetchOne(db, id: id) == Projection.document(state)
                case .annotation: matches = try Self.annotation(id, in: db) == Projection.annotation(state)
                case .note: matches = try Self.note(id, in: db) == Projection.note(state)
                case .set: matches = try AnnotationSet.fetchOne(db, key: id) == Projection.annotationSet(state)
                }
                if !matches { problems.append("\(kind.rawValue) \(id): its row differs from the log") }
            }
            for id in storedDigests.keys.sorted() { problems.append("\(id): in the view but not in the log") }
            problems += try Self.ownLogProblems(in: db)
            let totals = try ViewTotals.stored(in: db)
            if totals.stateDigest != recomputed { problems.append("the stored state hash differs from the log's") }
            if totals.sharedDigest != (try Self.sharedStateDigest(in: db)) {
                problems.append("the stored shared-state hash differs from the view's")
            }
            let counted = try Self.shownCounts(in: db)
            if (totals.documents, totals.annotations, totals.notes) != counted {
                problems.append(
                    "the stored counts (\(totals.documents) documents, \(totals.annotations) annotations, \(totals.notes) notes) "
                        + "differ from the view's (\(counted.documents), \(counted.annotations), \(counted.notes))")
            }
            return CheckReport(
                problems: problems, stateHash: Self.stateHash(recomputed), entities: entityCount,
                operations: try Int.fetchOne(db, sql: "SELECT count(*) FROM operations") ?? 0, rebuilt: rebuild)
        }
        report.problems += try syncChainProblems()
        return report
    }

    /// This replica's own operations must be numbered 1, 2, … with no gap and
    /// none at or past the next number it will write: a sync folder's bundle
    /// chain and every peer's acknowledgements rely on that numbering.
    static func ownLogProblems(in db: Database) throws -> [String] {
        let local = try local(db)
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT count(*), min(seq), max(seq) FROM operations WHERE replica_id = ?",
                arguments: [local.replicaId])
        else { return [] }
        let (count, first, last): (Int, Int?, Int?) = (row[0], row[1], row[2])
        guard let first, let last else { return [] }
        var problems: [String] = []
        if first != 1 || last != count {
            problems.append("this replica's own operations are not numbered 1 to \(count) without a gap (\(first) to \(last))")
        }
        if last >= local.nextSeq {
            problems.append("this replica's log holds operation \(last) but would write \(local.nextSeq) next")
        }
        return problems
    }

    /// Display names of every reader the library knows.
    public func readerNames() throws -> [String: String] {
        try read { db in try Self.readerNames(in: db) }
    }

    static func readerNames(in db: Database) throws -> [String: String] {
        Dictionary(
            try Row.fetchAll(db, sql: "SELECT reader_id, name FROM readers").map { ($0[0], $0[1]) },
            uniquingKeysWith: { first, _ in first })
    }

    /// The documents, annotations and notes `status` counts, counted in the
    /// view's rows (`check` compares them with the stored totals).
    static func shownCounts(in db: Database) throws -> (documents: Int, annotations: Int, notes: Int) {
        let reader = try local(db).readerId
        func shown(_ table: String) throws -> Int {
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM \(table) WHERE NOT deleted AND \(notWithdrawn(table))", arguments: [reader]) ?? 0
        }
        return (try shown("documents"), try shown("annotations"), try shown("notes"))
    }

    /// The XOR of the digests of every shared item, summed over the view's
    /// rows (`check` compares it with the stored total).
    static func sharedStateDigest(in db: Database) throws -> Data {
        let union = EntityKind.allCases.map {
            "SELECT digest FROM entities JOIN \($0.tableName) USING (id) WHERE visibility = 'shared'"
        }.joined(separator: " UNION ALL ")
        var aggregate = Data(count: 32)
        let cursor = try Data.fetchCursor(db, sql: union)
        while let digest = try cursor.next() { Materializer.formXor(&aggregate, digest) }
        return aggregate
    }

    static func stateHash(_ aggregate: Data) -> String {
        Identifier.hex(SHA256.hash(data: aggregate))
    }

    /// Turns what a user types into an FTS5 query: every word must match.
    static func ftsQuery(_ query: String) -> String {
        query.split(whereSeparator: { $0.isWhitespace }).map { word -> String in
            let prefix = word.hasSuffix("*")
            let bare = prefix ? word.dropLast() : word[...]
            let quoted = "\"" + String(bare).replacingEvery("\"", with: "\"\"") + "\""
            return prefix ? quoted + "*" : quoted
        }.filter { $0 != "\"\"" && $0 != "\"\"*" }.joined(separator: " ")
    }
}
