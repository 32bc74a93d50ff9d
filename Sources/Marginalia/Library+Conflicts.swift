import Foundation
import GRDB

/// An item that needs a reader's decision.
public struct Conflict: Sendable, Hashable {
    public var id: String
    public var kind: EntityKind
    /// Concurrent versions of the note that could not be joined (empty when
    /// the conflict is about a delete).
    public var heads: [Head]
    /// Edits made concurrently with the delete that keeps the item deleted.
    public var editsConcurrentWithDelete: [HistoryEntry]
    public var isDeleted: Bool

    /// One concurrent version of a note.
    public struct Head: Sendable, Hashable {
        /// The revision: `<replica>.<seq>` of the operation that wrote it.
        public var revision: OperationID
        public var value: String
        public var author: String
        public var authorName: String
        public var time: HLCTimestamp
    }
}

/// How `resolve` settles a conflict.
public enum Resolution: Sendable, Hashable {
    /// Keep one version: its revision id (or a unique prefix of it), or its
    /// 1-based position in the list of heads.
    case keep(String)
    /// Replace every version by a new text.
    case note(String)
    /// Undelete the item, keeping the concurrent edits.
    case restore
    /// Keep it deleted, having seen the concurrent edits.
    case keepDeleted
}

extension Library {
    /// Every item in conflict.
    public func conflicts() throws -> [Conflict] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT entity_id, kind FROM conflicts ORDER BY entity_id")
            let names = try Self.readerNames(in: db)
            return try rows.map { row in
                try Self.conflict(id: row[0], kind: row[1], names: names, in: db)
            }
        }
    }

    /// Settles a conflict by writing a revision that replaces every head, or
    /// by restoring or re-deleting an item that was edited while deleted.
    public func resolve(_ reference: String, _ resolution: Resolution) throws {
        try write { transaction in
            let db = transaction.db
            let (id, kind) = try Self.resolve(reference, in: db)
            let state = try Materializer.state(of: id, kind: kind, in: db)
            guard state.isInConflict else {
                throw MarginaliaError.invalidInput("\(reference) is not in conflict; `marginalia edit` changes it")
            }
            let heads = state.text(Field.body)?.isInConflict == true ? state.text(Field.body)!.heads : []
            switch resolution {
            case .keep(let choice):
                guard !heads.isEmpty else {
                    throw MarginaliaError.invalidInput("\(reference) conflicts with its delete; use --restore or --keep-deleted")
                }
                let chosen = Self.head(choice, among: heads)
                guard let chosen else {
                    throw MarginaliaError.invalidInput(
                        "'\(choice)' names none of the \(heads.count) versions; give 1 to \(heads.count) or a revision from `marginalia conflicts`")
                }
                try transaction.record(kind, id, state.writing(Field.body, chosen.value))
            case .note(let text):
                guard !heads.isEmpty else {
                    throw MarginaliaError.invalidInput("\(reference) conflicts with its delete; use --restore or --keep-deleted")
                }
                try transaction.record(kind, id, state.writing(Field.body, TextNormalizer.normalize(text)))
            case .restore:
                guard state.isDeleted else { throw MarginaliaError.invalidInput("\(reference) is not deleted") }
                try transaction.record(kind, id, .set(field: Field.deleted, value: false))
            case .keepDeleted:
                guard state.isDeleted else { throw MarginaliaError.invalidInput("\(reference) is not deleted") }
                try transaction.record(kind, id, state.deleting())
            }
        }
    }

    private static func head(_ choice: String, among heads: [EntityState.Revision]) -> EntityState.Revision? {
        let ordered = heads.sorted { $0.id < $1.id }
        if let index = Int(choice), (1...ordered.count).contains(index) { return ordered[index - 1] }
        let matching = ordered.filter { $0.id.description.hasPrefix(choice) }
        return matching.count == 1 ? matching[0] : nil
    }

    static func conflict(id: String, kind: EntityKind, names: [String: String], in db: Database) throws -> Conflict {
        let state = try Materializer.state(of: id, kind: kind, in: db)
        let body = state.text(Field.body)
        let heads = (body?.isInConflict == true ? body!.heads : []).sorted { $0.id < $1.id }.map { revision in
            Conflict.Head(
                revision: revision.id, value: revision.value, author: revision.stamp.reader,
                authorName: names[revision.stamp.reader] ?? String(revision.stamp.reader.prefix(8)),
                time: revision.stamp.hlc)
        }
        let concurrent = Set(state.editsConcurrentWithDelete.map(\.operation))
        let edits = try Materializer.operations(of: id, kind: kind, in: db)
            .filter { concurrent.contains($0.id) }
            .sorted(by: LogOperation.precedes)
            .map { HistoryEntry(operation: $0, readerName: names[$0.reader] ?? String($0.reader.prefix(8)), isHead: false) }
        return Conflict(id: id, kind: kind, heads: heads, editsConcurrentWithDelete: edits, isDeleted: state.isDeleted)
    }
}

extension Conflict {
    /// One item in conflict as `conflicts --json` prints it: its concurrent versions, or the edits made while it was deleted.
    public var jsonValue: JSONValue {
        [
            "id": .string(id), "type": .string(kind.rawValue), "deleted": .bool(isDeleted),
            "heads": .array(
                heads.enumerated().map { index, head in
                    [
                        "index": .int(index + 1), "revision": .string(head.revision.description), "value": .string(head.value),
                        "author": ["id": .string(head.author), "name": .string(head.authorName)],
                        "time": .string(head.time.description),
                    ]
                }),
            "editsConcurrentWithDelete": .array(editsConcurrentWithDelete.map(\.jsonValue)),
        ]
    }
}
