import Foundation
import GRDB

/// Maps snake_case columns to camelCase properties for every record.
public protocol LibraryRecord: Codable, FetchableRecord, PersistableRecord, Hashable, Sendable {}

extension LibraryRecord {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}

/// A work being read: an article, an EPUB, a paper book.
///
/// ```swift
/// let doc = try library.addDocument(DocumentDraft(title: "On Reading", text: essay))
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

    enum CodingKeys: String, CodingKey {
        case id, documentId, textHash, quoteExact, quotePrefix, quoteSuffix, positionStart, positionEnd
        case page, pageOrder, body, bodyHeads, motivation, color, visibility, replyTo
        case createdBy, createdHlc, updatedHlc, deleted
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

    enum CodingKeys: String, CodingKey {
        case id, title, body, bodyHeads, documentId, visibility, createdBy, createdHlc, updatedHlc, deleted
    }
}

/// A reader whose operations the library holds.
public struct Reader: LibraryRecord {
    public static let databaseTableName = "readers"
    public var readerId: String
    public var name: String
    public var publicKey: Data
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
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(change.utf8)),
            let decoded = Change(json: json)
        else { throw MarginaliaError.corrupt("operation \(replicaId).\(seq) cannot be read") }
        return LogOperation(
            id: OperationID(replica: replicaId, seq: seq), hlc: hlc, reader: readerId,
            entityKind: entityKind, entityID: entityId, change: decoded)
    }
}

/// A normalized text version, addressed by its SHA-256.
struct TextRecord: LibraryRecord {
    static let databaseTableName = "texts"
    var hash: String
    var length: Int
    var content: String
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
