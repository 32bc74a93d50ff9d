import Foundation
import GRDB

/// A reader this library has seen, with what they wrote.
public struct ReaderSummary: Sendable, Hashable {
    public var reader: Reader
    /// The reader writing in this library.
    public var isYou: Bool
    public var blocked: Bool
    /// Another reader uses the same display name: tell them apart by id.
    public var sharesName: Bool
    public var operations: Int
    public var documents: Int
    public var annotations: Int
    public var notes: Int

    public var jsonValue: JSONValue {
        [
            "id": .string(reader.readerId), "name": .string(reader.name),
            "publicKey": .string(reader.publicKey.base64EncodedString()), "you": .bool(isYou), "blocked": .bool(blocked),
            "sharesName": .bool(sharesName),
            "counts": [
                "operations": .int(operations), "documents": .int(documents), "annotations": .int(annotations),
                "notes": .int(notes),
            ],
        ]
    }
}

/// What blocking or unblocking a reader changed in the view.
public struct BlockChange: Sendable, Hashable {
    public var reader: Reader
    /// Items the reader created that the view now hides (block) or shows again (unblock).
    public var items: Int
    /// Their operations on everyone's items.
    public var operations: Int

    public var jsonValue: JSONValue {
        [
            "reader": ["id": .string(reader.readerId), "name": .string(reader.name)], "items": .int(items),
            "operations": .int(operations),
        ]
    }
}

extension Library {
    /// Every reader seen, in reader-id order.
    ///
    /// The reader id is the fingerprint of the reader's key: two readers may
    /// choose the same name, but never the same id.
    public func readerSummaries() throws -> [ReaderSummary] {
        try read { db in
            let local = try Self.local(db)
            let readers = try Reader.order(Column("reader_id")).fetchAll(db)
            let blocked = try Set(String.fetchAll(db, sql: "SELECT reader_id FROM blocked_readers"))
            func counts(_ sql: String, _ arguments: StatementArguments = []) throws -> [String: Int] {
                var counts: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: sql, arguments: arguments) { counts[row[0]] = row[1] }
                return counts
            }
            func shown(_ table: String) throws -> [String: Int] {
                try counts(
                    "SELECT created_by, count(*) FROM \(table) WHERE NOT deleted AND \(Self.notWithdrawn(table)) GROUP BY created_by",
                    [local.readerId])
            }
            let operations = try counts("SELECT reader_id, count(*) FROM operations GROUP BY reader_id")
            let documents = try shown("documents")
            let annotations = try shown("annotations")
            let notes = try shown("notes")
            let names = Dictionary(grouping: readers, by: { $0.name.lowercased() })
            return readers.map { reader in
                ReaderSummary(
                    reader: reader, isYou: reader.readerId == local.readerId, blocked: blocked.contains(reader.readerId),
                    sharesName: (names[reader.name.lowercased()]?.count ?? 0) > 1,
                    operations: operations[reader.readerId] ?? 0, documents: documents[reader.readerId] ?? 0,
                    annotations: annotations[reader.readerId] ?? 0, notes: notes[reader.readerId] ?? 0)
            }
        }
    }

    /// Leaves a reader's operations, past and future, out of the view: their
    /// items disappear and their edits of others' items are undone here.
    /// The operations stay in the log, so ``unblock(_:)`` brings them back.
    ///
    /// - Parameter reference: a reader id, a unique prefix of one, or a unique name.
    public func block(_ reference: String) throws -> BlockChange {
        try changeBlock(reference, blocking: true)
    }

    /// Folds a blocked reader's operations into the view again.
    public func unblock(_ reference: String) throws -> BlockChange {
        try changeBlock(reference, blocking: false)
    }

    private func changeBlock(_ reference: String, blocking: Bool) throws -> BlockChange {
        try write { transaction in
            let db = transaction.db
            let reader = try Self.resolveReader(reference, in: db)
            if reader.readerId == transaction.local.readerId {
                throw MarginaliaError.invalidInput(
                    blocking
                        ? "you cannot block yourself; `marginalia readers` lists the others"
                        : "you are never blocked: your own items are always shown")
            }
            let isBlocked = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM blocked_readers WHERE reader_id = ?", arguments: [reader.readerId]) ?? false
            guard isBlocked != blocking else {
                throw MarginaliaError.invalidInput("\(reader.name) (\(reader.readerId.prefix(8))) is \(blocking ? "already" : "not") blocked")
            }
            if blocking {
                try db.execute(
                    sql: "INSERT INTO blocked_readers (reader_id, blocked_at) VALUES (?, ?)",
                    arguments: [reader.readerId, Timestamps.iso8601(Date())])
            } else {
                try db.execute(sql: "DELETE FROM blocked_readers WHERE reader_id = ?", arguments: [reader.readerId])
            }
            let touched = try Row.fetchAll(
                db, sql: "SELECT entity_kind, entity_id, count(*), max(change LIKE '{\"create\"%') FROM operations WHERE reader_id = ? GROUP BY entity_id",
                arguments: [reader.readerId])
            var items = 0
            var operations = 0
            for row in touched {
                transaction.touch(row[0], row[1])
                operations += row[2] as Int
                if row[3] as Bool { items += 1 }
            }
            return BlockChange(reader: reader, items: items, operations: operations)
        }
    }

    /// A reader by id, unique id prefix, or unique display name.
    static func resolveReader(_ reference: String, in db: Database) throws -> Reader {
        let matches = try readers(matching: reference, in: db)
        guard matches.count == 1 else { throw MarginaliaError.ambiguous(reference: reference, candidates: matches.map(\.readerId)) }
        return matches[0]
    }

    /// The readers a reference names: the one with that id, else those whose
    /// id starts with it, else those with that display name (any case; two
    /// readers may share a name). Never empty.
    static func readers(matching reference: String, in db: Database) throws -> [Reader] {
        let key = reference.trimmingWhitespace(newlines: false)
        guard !key.isEmpty else { throw MarginaliaError.invalidInput("an empty reader was given; `marginalia readers` lists them") }
        var matches = try Reader.filter(Column("reader_id") == key.lowercased()).fetchAll(db)
        if matches.isEmpty {
            matches = try Reader.filter(Column("reader_id").like(key.lowercased() + "%")).fetchAll(db)
        }
        if matches.isEmpty {
            matches = try Reader.filter(sql: "name = ? COLLATE NOCASE", arguments: [key]).fetchAll(db)
        }
        guard !matches.isEmpty else { throw MarginaliaError.notFound(kind: "reader", reference: reference) }
        return matches
    }
}
