import Foundation
import GRDB

extension Library {
    /// Every operation in the log, in the order every replica agrees on.
    public func operations() throws -> [LogOperation] {
        try read { db in
            try OperationRecord.order(Column("hlc"), Column("replica_id"), Column("seq")).fetchAll(db)
                .map { try $0.operation() }
        }
    }

    /// Every reader whose operations the library holds.
    public func readers() throws -> [Reader] {
        try read { db in try Reader.order(Column("reader_id")).fetchAll(db) }
    }

    /// Applies operations written elsewhere, in one transaction, and advances
    /// the clock past them.
    ///
    /// Operations the log already holds are skipped, so applying the same
    /// operations twice, or in another order, leaves the same state.
    ///
    /// - Parameter readers: the authors' public identities, to name them.
    /// - Returns: how many operations were new.
    @discardableResult
    public func integrate(_ operations: [LogOperation], readers: [Reader] = []) throws -> Int {
        try write { transaction in
            for reader in readers { try reader.insert(transaction.db, onConflict: .ignore) }
            return try transaction.integrate(operations)
        }
    }
}

extension WriteTransaction {
    /// Adds foreign operations to the log and marks their entities for refresh.
    mutating func integrate(_ operations: [LogOperation]) throws -> Int {
        var added = 0
        for operation in operations {
            // A create is normally the first operation of its entity: when
            // the log has none before it, the refresh need not look for more.
            let isFirst = try operation.change.isCreate && isUnseen(operation.entityID)
            let record = OperationRecord(operation)
            if try !record.append(to: db) {
                // Held already: it must be the very same operation.
                let existing = try OperationRecord.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM operations WHERE replica_id = ? AND seq = ?"),
                    arguments: [record.replicaId, record.seq])
                if existing != record {
                    throw MarginaliaError.corrupt(
                        "operation \(operation.id) arrived with a content other than the one the log holds")
                }
                continue
            }
            receive(operation.hlc)
            self.added(operation, unseen: isFirst)
            added += 1
        }
        return added
    }
}

extension Change {
    /// Whether this change creates its entity.
    var isCreate: Bool {
        if case .create = self { return true }
        return false
    }
}
