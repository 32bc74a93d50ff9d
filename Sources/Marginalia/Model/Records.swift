import Foundation
import GRDB

/// A row of one of the library's tables.
///
/// Records read and write their columns by hand rather than through Codable:
/// every command is a new process, and Codable's reflection on first use
/// costs more than the whole SQLite work of an `annotate`.
///
/// A record lists its columns once, in ``columns``; GRDB's persistence
/// methods and ``insertOrReplace(_:)`` both write from that list.
///
/// ```swift
/// struct Shelf: LibraryRecord {
///     static let databaseTableName = "shelves"
///     var id: String
///     var name: String
///     init(row: Row) { id = row["id"]; name = row["name"] }
///     var columns: KeyValuePairs<String, (any DatabaseValueConvertible)?> { ["id": id, "name": name] }
/// }
/// ```
public protocol LibraryRecord: FetchableRecord, PersistableRecord, Hashable, Sendable {
    /// The row's columns and their values, always in the same order.
    var columns: KeyValuePairs<String, (any DatabaseValueConvertible)?> { get }
}

// Rows are read and written through cached SQL statements rather than
// GRDB's query interface and persistence methods: those first read the
// table's schema and build their SQL, which for a one-shot command such as
// `annotate` costs more than the write itself (BENCHMARKS.md).
extension LibraryRecord {
    public func encode(to container: inout PersistenceContainer) throws {
        for (column, value) in columns { container[column] = value }
    }

    /// The row whose `id` column is `id`, for tables keyed by `id`.
    static func fetchOne(_ db: Database, id: String) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM \(databaseTableName) WHERE id = ?"), arguments: [id])
    }

    /// Inserts the row, replacing one with the same key.
    ///
    /// The statement's text is made once per record type: an import or a
    /// sync writes a row per entity, and building the SQL for each cost
    /// more than SQLite's own work on it.
    func insertOrReplace(_ db: Database) throws {
        let columns = self.columns
        let sql = InsertStatements.text(for: Self.self) {
            """
            INSERT OR REPLACE INTO \(Self.databaseTableName) (\(columns.map(\.key).joined(separator: ", ")))
            VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
            """
        }
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(columns.map(\.value)))
    }
}

/// The `INSERT OR REPLACE` text of each record type, made on first use.
private final class InsertStatements: @unchecked Sendable {
    static let shared = InsertStatements()
    // NSLock rather than Mutex: the library also builds for macOS 13.
    private let lock = NSLock()
    private var texts: [ObjectIdentifier: String] = [:]

    static func text(for type: any LibraryRecord.Type, make: () -> String) -> String {
        shared.lock.lock()
        defer { shared.lock.unlock() }
        if let known = shared.texts[ObjectIdentifier(type)] { return known }
        let text = make()
        shared.texts[ObjectIdentifier(type)] = text
        return text
    }
}

extension [String] {
    /// The JSON array text stored in a column.
    var jsonColumn: String { JSONValue.array(map(JSONValue.string)).canonicalJSON }

    init(jsonColumn text: String) {
        self = JSONValue(parsing: text)?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}

/// A work being read: an article, an EPUB, a paper book.
///
/// ```swift
/// let doc = try library.addDocument(text: essay, DocumentDraft(title: "On Reading"))
/// doc.currentText   // SHA-256 of the normalized text, nil for a paper book
/// ```
public struct Document: LibraryRecord {
    public static let databaseTableName = "documents"
    public var id: String
    public var title: String
    public var authors: [String]
    /// `url:...`, `isbn:...`, `doi:...`
    public var identifiers: [String]
    public var currentText: String?
    public var textVersions: [String]
    public var visibility: Visibility
    public var createdBy: String
    public var createdHlc: HLCTimestamp
    public var updatedHlc: HLCTimestamp
    public var deleted: Bool

    public init(row: Row) throws {
        id = row["id"]
        title = row["title"]
        authors = [String](jsonColumn: row["authors"])
        identifiers = [String](jsonColumn: row["identifiers"])
        currentText = row["current_text"]
        textVersions = [String](jsonColumn: row["text_versions"])
        visibility = row["visibility"]
        createdBy = row["created_by"]
        createdHlc = row["created_hlc"]
        updatedHlc = row["updated_hlc"]
        deleted = row["deleted"]
    }

    public var columns: KeyValuePairs<String, (any DatabaseValueConvertible)?> {
        [
            "id": id,
            "title": title,
            "authors": authors.jsonColumn,
            "identifiers": identifiers.jsonColumn,
            "current_text": currentText,
            "text_versions": textVersions.jsonColumn,
            "visibility": visibility,
            "created_by": createdBy,
            "created_hlc": createdHlc,
            "updated_hlc": updatedHlc,
            "deleted": deleted,
        ]
    }

    init(
        id: String, title: String, authors: [String], identifiers: [String], currentText: String?,
        textVersions: [String], visibility: Visibility, createdBy: String, createdHlc: HLCTimestamp,
        updatedHlc: HLCTimestamp, deleted: Bool
    ) {
        self.id = id
        self.title = title
        self.authors = authors
        self.identifiers = identifiers
        self.currentText = currentText
        self.textVersions = textVersions
        self.visibility = visibility
        self.createdBy = createdBy
        self.createdHlc = createdHlc
        self.updatedHlc = updatedHlc
        self.deleted = deleted
    }
}

/// A passage or page of a document, with an optional note.
///
/// The target carries every anchor known: a TextQuote (exact text with up to
/// 32 code points of context), a TextPosition in the text version it was made
/// on, and a printed page locator.
public struct Annotation: LibraryRecord {
    public static let databaseTableName = "annotations"
    public var id: String
    public var documentId: String
    public var textHash: String?
    public var quoteExact: String?
    public var quotePrefix: String?
    public var quoteSuffix: String?
    public var positionStart: Int?
    public var positionEnd: Int?
    public var page: String?
    public var pageOrder: Int?
    public var body: String?
    /// More than one when concurrent edits of the note are in conflict.
    public var bodyHeads: Int
    public var motivation: Motivation
    public var color: String?
    public var visibility: Visibility
    public var replyTo: String?
    public var createdBy: String
    public var createdHlc: HLCTimestamp
    public var updatedHlc: HLCTimestamp
    public var deleted: Bool
    /// From the `tags` table; filled when read through ``Library``.
    public var tags: [String] = []
    /// Whether it needs a reader's decision (`marginalia conflicts`); filled
    /// when read through ``Library``.
    public var inConflict = false
    /// Where `doc update` re-anchored it, by text version (from the log);
    /// filled when read through ``Library``.
    public var anchors: [String: Anchor] = [:]
    /// Where it stands in its document's current text version; nil for a
    /// page-only annotation or a paper book. Filled by ``Library``'s reads.
    public var anchor: Anchor?

    public init(row: Row) throws {
        id = row["id"]
        documentId = row["document_id"]
        textHash = row["text_hash"]
        quoteExact = row["quote_exact"]
        quotePrefix = row["quote_prefix"]
        quoteSuffix = row["quote_suffix"]
        positionStart = row["position_start"]
        positionEnd = row["position_end"]
        page = row["page"]
        pageOrder = row["page_order"]
        body = row["body"]
        bodyHeads = row["body_heads"]
        motivation = row["motivation"]
        color = row["color"]
        visibility = row["visibility"]
        replyTo = row["reply_to"]
        createdBy = row["created_by"]
        createdHlc = row["created_hlc"]
        updatedHlc = row["updated_hlc"]
        deleted = row["deleted"]
    }

    public var columns: KeyValuePairs<String, (any DatabaseValueConvertible)?> {
        [
            "id": id,
            "document_id": documentId,
            "text_hash": textHash,
            "quote_exact": quoteExact,
            "quote_prefix": quotePrefix,
            "quote_suffix": quoteSuffix,
            "position_start": positionStart,
            "position_end": positionEnd,
            "page": page,
            "page_order": pageOrder,
            "body": body,
            "body_heads": bodyHeads,
            "motivation": motivation,
            "color": color,
            "visibility": visibility,
            "reply_to": replyTo,
            "created_by": createdBy,
            "created_hlc": createdHlc,
            "updated_hlc": updatedHlc,
            "deleted": deleted,
        ]
    }

    init(
        id: String, documentId: String, textHash: String?, quoteExact: String?, quotePrefix: String?,
        quoteSuffix: String?, positionStart: Int?, positionEnd: Int?, page: String?, pageOrder: Int?,
        body: String?, bodyHeads: Int, motivation: Motivation, color: String?, visibility: Visibility,
        replyTo: String?, createdBy: String, createdHlc: HLCTimestamp, updatedHlc: HLCTimestamp, deleted: Bool,
        tags: [String]
    ) {
        self.id = id
        self.documentId = documentId
        self.textHash = textHash
        self.quoteExact = quoteExact
        self.quotePrefix = quotePrefix
        self.quoteSuffix = quoteSuffix
        self.positionStart = positionStart
        self.positionEnd = positionEnd
        self.page = page
        self.pageOrder = pageOrder
        self.body = body
        self.bodyHeads = bodyHeads
        self.motivation = motivation
        self.color = color
        self.visibility = visibility
        self.replyTo = replyTo
        self.createdBy = createdBy
        self.createdHlc = createdHlc
        self.updatedHlc = updatedHlc
        self.deleted = deleted
        self.tags = tags
    }
}

/// A free-standing personal note, optionally about a document.
public struct Note: LibraryRecord {
    public static let databaseTableName = "notes"
    public var id: String
    public var title: String?
    public var body: String
    public var bodyHeads: Int
    public var documentId: String?
    public var visibility: Visibility
    public var createdBy: String
    public var createdHlc: HLCTimestamp
    public var updatedHlc: HLCTimestamp
    public var deleted: Bool
    /// From the `tags` table; filled when read through ``Library``.
    public var tags: [String] = []
    /// Whether it needs a reader's decision (`marginalia conflicts`); filled
    /// when read through ``Library``.
    public var inConflict = false

    public init(row: Row) throws {
        id = row["id"]
        title = row["title"]
        body = row["body"]
        bodyHeads = row["body_heads"]
        documentId = row["document_id"]
        visibility = row["visibility"]
        createdBy = row["created_by"]
        createdHlc = row["created_hlc"]
        updatedHlc = row["updated_hlc"]
        deleted = row["deleted"]
    }

    public var columns: KeyValuePairs<String, (any DatabaseValueConvertible)?> {
        [
            "id": id,
            "title": title,
            "body": body,
            "body_heads": bodyHeads,
            "document_id": documentId,
            "visibility": visibility,
            "created_by": createdBy,
            "created_hlc": createdHlc,
            "updated_hlc": updatedHlc,
            "deleted": deleted,
        ]
    }

    init(
        id: String, title: String?, body: String, bodyHeads: Int, documentId: String?, visibility: Visibility,
        createdBy: String, createdHlc: HLCTimestamp, updatedHlc: HLCTimestamp, deleted: Bool, tags: [String]
    ) {
        self.id = id
        self.title = title
        self.body = body
        self.bodyHeads = bodyHeads
        self.documentId = documentId
        self.visibility = visibility
        self.createdBy = createdBy
        self.createdHlc = createdHlc
        self.updatedHlc = updatedHlc
        self.deleted = deleted
        self.tags = tags
    }
}

/// A reader whose operations the library holds.
public struct Reader: LibraryRecord {
    public static let databaseTableName = "readers"
    public var readerId: String
    public var name: String
    public var publicKey: Data

    public init(readerId: String, name: String, publicKey: Data) {
        self.readerId = readerId
        self.name = name
        self.publicKey = publicKey
    }

    public init(row: Row) throws {
        readerId = row["reader_id"]
        name = row["name"]
        publicKey = row["public_key"]
    }

    public var columns: KeyValuePairs<String, (any DatabaseValueConvertible)?> {
        [
            "reader_id": readerId,
            "name": name,
            "public_key": publicKey,
        ]
    }
}

/// This replica: its reader (with the secret key), its clock and its next seq.
struct LocalReplica: LibraryRecord {
    static let databaseTableName = "local_replica"
    var singleton: Int = 1
    var replicaId: String
    var readerId: String
    var readerName: String
    var publicKey: Data
    var secretKey: Data
    var clock: HLCTimestamp
    var nextSeq: Int
    var createdAt: String

    init(
        replicaId: String, readerId: String, readerName: String, publicKey: Data, secretKey: Data,
        clock: HLCTimestamp, nextSeq: Int, createdAt: String
    ) {
        self.replicaId = replicaId
        self.readerId = readerId
        self.readerName = readerName
        self.publicKey = publicKey
        self.secretKey = secretKey
        self.clock = clock
        self.nextSeq = nextSeq
        self.createdAt = createdAt
    }

    init(row: Row) throws {
        replicaId = row["replica_id"]
        readerId = row["reader_id"]
        readerName = row["reader_name"]
        publicKey = row["public_key"]
        secretKey = row["secret_key"]
        clock = row["clock"]
        nextSeq = row["next_seq"]
        createdAt = row["created_at"]
    }

    /// The one row, or nil in a library that has no identity yet.
    static func current(_ db: Database) throws -> LocalReplica? {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM local_replica"))
    }

    /// Saves what a write moves: the clock, the next sequence number, and
    /// the replica id (which `replica reset` changes).
    func saveProgress(_ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE local_replica SET replica_id = ?, clock = ?, next_seq = ?")
            .execute(arguments: [replicaId, clock, nextSeq])
    }

    var columns: KeyValuePairs<String, (any DatabaseValueConvertible)?> {
        [
            "singleton": singleton,
            "replica_id": replicaId,
            "reader_id": readerId,
            "reader_name": readerName,
            "public_key": publicKey,
            "secret_key": secretKey,
            "clock": clock,
            "next_seq": nextSeq,
            "created_at": createdAt,
        ]
    }
}

/// The row form of an ``LogOperation``.
struct OperationRecord: LibraryRecord {
    static let databaseTableName = "operations"
    var replicaId: String
    var seq: Int
    var hlc: HLCTimestamp
    var readerId: String
    var entityKind: EntityKind
    var entityId: String
    var change: String

    init(row: Row) throws {
        replicaId = row["replica_id"]
        seq = row["seq"]
        hlc = row["hlc"]
        readerId = row["reader_id"]
        entityKind = row["entity_kind"]
        entityId = row["entity_id"]
        change = row["change"]
    }

    var columns: KeyValuePairs<String, (any DatabaseValueConvertible)?> {
        [
            "replica_id": replicaId,
            "seq": seq,
            "hlc": hlc,
            "reader_id": readerId,
            "entity_kind": entityKind,
            "entity_id": entityId,
            "change": change,
        ]
    }

    /// Appends the operation to the log, through one cached statement (the
    /// log is the hottest insert there is).
    ///
    /// - Returns: false when the log holds this (replica, seq) already.
    func append(to db: Database) throws -> Bool {
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO operations (replica_id, seq, hlc, reader_id, entity_kind, entity_id, change)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [replicaId, seq, hlc, readerId, entityKind, entityId, change])
        return db.changesCount > 0
    }

    init(_ operation: LogOperation) {
        replicaId = operation.id.replica
        seq = operation.id.seq
        hlc = operation.hlc
        readerId = operation.reader
        entityKind = operation.entityKind
        entityId = operation.entityID
        change = operation.change.jsonValue.canonicalJSON
    }

    func operation() throws -> LogOperation {
        guard let json = JSONValue(parsing: change),
            let decoded = Change(json: json)
        else { throw MarginaliaError.corrupt("operation \(replicaId).\(seq) cannot be read") }
        return LogOperation(
            id: OperationID(replica: replicaId, seq: seq), hlc: hlc, reader: readerId,
            entityKind: entityKind, entityID: entityId, change: decoded)
    }
}


extension HLCTimestamp: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { rawValue.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> HLCTimestamp? {
        Int64.fromDatabaseValue(dbValue).map(HLCTimestamp.init(rawValue:))
    }
}

extension Visibility: DatabaseValueConvertible {}
extension Motivation: DatabaseValueConvertible {}
extension EntityKind: DatabaseValueConvertible {}
