import Foundation
import GRDB

/// A row of one of the library's tables.
///
/// Records read and write their columns by hand rather than through Codable:
/// every command is a new process, and Codable's reflection on first use
/// costs more than the whole SQLite work of an `annotate`.
public protocol LibraryRecord: FetchableRecord, PersistableRecord, Hashable, Sendable {}

// Rows are read and written through cached SQL statements rather than
// GRDB's query interface and persistence methods: those first read the
// table's schema and build their SQL, which for a one-shot command such as
// `annotate` costs more than the write itself (BENCHMARKS.md).
extension LibraryRecord {
    /// The row whose `id` column is `id`, for tables keyed by `id`.
    static func fetchOne(_ db: Database, id: String) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM \(databaseTableName) WHERE id = ?"), arguments: [id])
    }

    /// Inserts the row, replacing one with the same key.
    func insertOrReplace(_ db: Database) throws {
        let row = try databaseDictionary.sorted { $0.key < $1.key }
        let sql = """
            INSERT OR REPLACE INTO \(Self.databaseTableName) (\(row.map(\.key).joined(separator: ", ")))
            VALUES (\(Array(repeating: "?", count: row.count).joined(separator: ", ")))
            """
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(row.map(\.value)))
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

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["title"] = title
        container["authors"] = authors.jsonColumn
        container["identifiers"] = identifiers.jsonColumn
        container["current_text"] = currentText
        container["text_versions"] = textVersions.jsonColumn
        container["visibility"] = visibility
        container["created_by"] = createdBy
        container["created_hlc"] = createdHlc
        container["updated_hlc"] = updatedHlc
        container["deleted"] = deleted
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

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["document_id"] = documentId
        container["text_hash"] = textHash
        container["quote_exact"] = quoteExact
        container["quote_prefix"] = quotePrefix
        container["quote_suffix"] = quoteSuffix
        container["position_start"] = positionStart
        container["position_end"] = positionEnd
        container["page"] = page
        container["page_order"] = pageOrder
        container["body"] = body
        container["body_heads"] = bodyHeads
        container["motivation"] = motivation
        container["color"] = color
        container["visibility"] = visibility
        container["reply_to"] = replyTo
        container["created_by"] = createdBy
        container["created_hlc"] = createdHlc
        container["updated_hlc"] = updatedHlc
        container["deleted"] = deleted
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

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["title"] = title
        container["body"] = body
        container["body_heads"] = bodyHeads
        container["document_id"] = documentId
        container["visibility"] = visibility
        container["created_by"] = createdBy
        container["created_hlc"] = createdHlc
        container["updated_hlc"] = updatedHlc
        container["deleted"] = deleted
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

    public func encode(to container: inout PersistenceContainer) throws {
        container["reader_id"] = readerId
        container["name"] = name
        container["public_key"] = publicKey
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

    func encode(to container: inout PersistenceContainer) throws {
        container["singleton"] = singleton
        container["replica_id"] = replicaId
        container["reader_id"] = readerId
        container["reader_name"] = readerName
        container["public_key"] = publicKey
        container["secret_key"] = secretKey
        container["clock"] = clock
        container["next_seq"] = nextSeq
        container["created_at"] = createdAt
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

    func encode(to container: inout PersistenceContainer) throws {
        container["replica_id"] = replicaId
        container["seq"] = seq
        container["hlc"] = hlc
        container["reader_id"] = readerId
        container["entity_kind"] = entityKind
        container["entity_id"] = entityId
        container["change"] = change
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
