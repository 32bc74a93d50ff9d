import Foundation
import GRDB

/// What `replica reset` did.
public struct ReplicaReset: Sendable, Hashable {
    public var oldReplica: String
    public var newReplica: String
    /// Operations that had not reached any sync folder, now written under the new id.
    public var renumbered: Int

    public var jsonValue: JSONValue {
        ["oldReplica": .string(oldReplica), "newReplica": .string(newReplica), "renumbered": .int(renumbered)]
    }
}

extension Library {
    /// Whether a sync found another library writing as this replica, and where.
    public func copiedReplicaEvidence() throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT evidence FROM replica_copied") }
    }

    /// Gives this library a replica id of its own, after a sync found a copy
    /// of it writing elsewhere under the same id.
    ///
    /// The operations this library wrote after the last one it put in a sync
    /// folder are renumbered under the new id (references between them
    /// follow), so they no longer clash with what the other copy wrote. The
    /// old replica's later bundles are then read like any other replica's.
    public func resetReplica() throws -> ReplicaReset {
        try write { transaction in
            let db = transaction.db
            let old = transaction.local.replicaId
            let published = try Int.fetchOne(
                db, sql: "SELECT max(operation_seq) FROM sync_considered WHERE source_replica = ?", arguments: [old]) ?? 0
            let unpublished = try OperationRecord
                .filter(Column("replica_id") == old && Column("seq") > published)
                .order(Column("seq")).fetchAll(db).map { try $0.operation() }
            let new = Identifier.newReplicaID()
            func renumbered(_ id: OperationID) -> OperationID {
                id.replica == old && id.seq > published ? OperationID(replica: new, seq: id.seq - published) : id
            }
            try db.execute(sql: "DELETE FROM operations WHERE replica_id = ? AND seq > ?", arguments: [old, published])
            for operation in unpublished {
                var moved = operation
                moved.id = renumbered(operation.id)
                moved.change = operation.change.mappingReferences(renumbered)
                _ = try OperationRecord(moved).append(to: db)
                transaction.touch(operation.entityKind, operation.entityID)
            }
            transaction.adoptReplica(new, nextSeq: unpublished.count + 1)
            // What this copy wrote as the old replica is the start of that
            // replica's chain; the other copy's continuation is read from there.
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO sync_consumed (channel_id, replica_id, bundle_seq, bundle_hash)
                    SELECT channel_id, replica_id, bundle_seq, bundle_hash FROM sync_published WHERE replica_id = ?
                    """,
                arguments: [old])
            try db.execute(sql: "DELETE FROM replica_copied")
            return ReplicaReset(oldReplica: old, newReplica: new, renumbered: unpublished.count)
        }
    }
}

extension Change {
    /// The change with every operation id it names passed through `map`.
    func mappingReferences(_ map: (OperationID) -> OperationID) -> Change {
        switch self {
        case .create, .set, .add: self
        case .write(let field, let value, let replaces): .write(field: field, value: value, replaces: replaces.map(map))
        case .remove(let field, let elements, let observed):
            .remove(field: field, elements: elements, observed: observed.map(map))
        case .delete(let seen): .delete(seen: seen.map(map))
        }
    }
}
