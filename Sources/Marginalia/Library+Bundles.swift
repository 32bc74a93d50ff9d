import Foundation
import GRDB

/// What importing a bundle did.
public struct BundleImport: Sendable, Hashable {
    public var reader: Reader
    public var replica: String
    public var operations: Int
    /// Operations the library did not hold yet.
    public var applied: Int
    public var texts: Int
    /// Items in conflict after the import.
    public var conflicts: Int

    /// What `bundle import --json` prints for one bundle.
    public var jsonValue: JSONValue {
        [
            "reader": ["id": .string(reader.readerId), "name": .string(reader.name)], "replica": .string(replica),
            "operations": .int(operations), "applied": .int(applied), "texts": .int(texts), "conflicts": .int(conflicts),
        ]
    }
}

extension Library {
    /// For each replica, the highest seq up to which the library holds all
    /// of its operations: what another library needs to send only what is new.
    public func acknowledgements() throws -> [String: Int] {
        try read { db in try Self.acknowledgements(in: db) }
    }

    /// ``acknowledgements()`` as the file `bundle acks` writes: a JSON object
    /// from replica id to sequence number, read back by
    /// ``acknowledgements(fromFile:source:)`` in the other library.
    ///
    /// ```swift
    /// try receiving.acknowledgementsFile().write(to: url)
    /// let update = try sending.exportBundle(acknowledged: Library.acknowledgements(fromFile: Data(contentsOf: url), source: "theirs.json"))
    /// ```
    public func acknowledgementsFile() throws -> Data {
        Data((JSONValue.object(try acknowledgements().mapValues(JSONValue.int)).prettyJSON + "\n").utf8)
    }

    /// Reads a file written by ``acknowledgementsFile()``; `source` names it in errors.
    public static func acknowledgements(fromFile data: Data, source: String) throws -> [String: Int] {
        let acks = JSONValue(parsing: data).flatMap { file -> [String: Int]? in
            guard case .object(let fields) = file else { return nil }
            let numbers = fields.compactMapValues(\.intValue)
            return numbers.count == fields.count ? numbers : nil
        }
        guard let acks else {
            throw MarginaliaError.invalidInput(
                "\(source) is not an acknowledgements file; write one with `marginalia bundle acks -o FILE` on the receiving library")
        }
        return acks
    }

    static func acknowledgements(in db: Database) throws -> [String: Int] {
        // With no gaps, a replica's count equals its highest seq.
        let rows = try Row.fetchAll(
            db, sql: "SELECT replica_id, max(seq), count(*) FROM operations GROUP BY replica_id")
        var acks: [String: Int] = [:]
        for row in rows {
            let replica: String = row[0]
            let highest: Int = row[1]
            let count: Int = row[2]
            if highest == count {
                acks[replica] = highest
            } else {
                // A gap: find where the unbroken run from 1 ends.
                let seqs = try Int.fetchAll(
                    db, sql: "SELECT seq FROM operations WHERE replica_id = ? ORDER BY seq", arguments: [replica])
                acks[replica] = zip(seqs, 1...).prefix { $0 == $1 }.count
            }
        }
        return acks
    }

    /// This replica's operations as a signed bundle file, with the texts
    /// they add.
    ///
    /// - Parameters:
    ///   - since: only operations after this seq of this replica.
    ///   - acknowledged: another library's ``acknowledgements()``: only what it lacks.
    ///   - sharedOnly: only what a group may see, as a group channel carries it.
    public func exportBundle(
        since: Int? = nil, acknowledged: [String: Int]? = nil, sharedOnly: Bool = false
    ) throws -> (data: Data, operations: Int) {
        try read { db in
            let local = try Self.local(db)
            let after = since ?? acknowledged?[local.replicaId] ?? 0
            var operations = try OperationRecord
                .filter(Column("replica_id") == local.replicaId && Column("seq") > after)
                .order(Column("seq"))
                .fetchAll(db)
                .map { try $0.operation() }
            if sharedOnly { operations = try Self.shared(operations, reader: local.readerId, in: db) }
            return (try Self.sealedBundle(of: operations, chain: nil, in: db).data, operations.count)
        }
    }

    /// Operations of the local reader as a signed bundle, with the texts
    /// their documents add.
    static func sealedBundle(of operations: [LogOperation], chain: BundleChain?, in db: Database) throws -> (data: Data, hash: String) {
        let local = try local(db)
        var hashes = Set<String>()
        for operation in operations where operation.entityKind == .document {
            hashes.formUnion(textHashes(in: operation.change))
        }
        var texts: [String: String] = [:]
        for hash in hashes {
            texts[hash] = try String.fetchOne(db, sql: "SELECT content FROM texts WHERE hash = ?", arguments: [hash])
        }
        let bundle = Bundle(
            replica: local.replicaId,
            reader: Reader(readerId: local.readerId, name: local.readerName, publicKey: local.publicKey),
            operations: operations, texts: texts, created: Timestamps.iso8601(Date()), chain: chain)
        return try bundle.encoded(signedBy: local.signingIdentity)
    }

    /// Verifies a bundle file and applies its operations in one transaction.
    /// Importing the same bundle again applies nothing.
    public func importBundle(_ data: Data, progress: Progress = { _, _ in }) throws -> BundleImport {
        let bundle: Bundle
        do {
            bundle = try Bundle.decode(data)
        } catch {
            throw MarginaliaError.badBundle(error)
        }
        return try write { transaction in try transaction.apply(bundle, progress: progress) }
    }

    /// The text versions a document operation adds.
    static func textHashes(in change: Change) -> [String] {
        switch change {
        case .create(let registers, _, let sets):
            return (sets[Field.textVersions] ?? []).compactMap(\.stringValue) + [registers[Field.currentText]?.stringValue].compactMap { $0 }
        case .add(let field, let elements) where field == Field.textVersions:
            return elements.compactMap(\.stringValue)
        case .set(let field, let value) where field == Field.currentText:
            return [value.stringValue].compactMap { $0 }
        default:
            return []
        }
    }
}

extension WriteTransaction {
    /// Adds a verified bundle's texts and operations to the log.
    mutating func apply(_ bundle: Bundle, progress: Progress = { _, _ in }) throws -> BundleImport {
        // A replica belongs to the reader who wrote its first operation: a
        // bundle cannot speak for another reader's replica.
        let owner = try db.cachedStatement(sql: "SELECT reader_id FROM operations WHERE replica_id = ? LIMIT 1")
        for replica in Set(bundle.operations.map(\.id.replica)).union([bundle.replica]) {
            if let reader = try String.fetchOne(owner, arguments: [replica]), reader != bundle.reader.readerId {
                throw MarginaliaError.badBundle(.forged("replica \(replica.prefix(8)) belongs to another reader than its signer"))
            }
        }
        let newest = local.nextSeq - 1
        if bundle.operations.contains(where: { $0.id.replica == local.replicaId && $0.id.seq > newest }) {
            throw MarginaliaError.replicaCopied(replica: local.replicaId)
        }
        try bundle.reader.insert(db, onConflict: .ignore)
        for (hash, content) in bundle.texts {
            try db.execute(
                sql: "INSERT OR IGNORE INTO texts (hash, length, content) VALUES (?, ?, ?)",
                arguments: [hash, content.unicodeScalars.count, content])
        }
        let applied = try integrate(bundle.operations)
        try flush(progress: progress)
        return BundleImport(
            reader: bundle.reader, replica: bundle.replica, operations: bundle.operations.count, applied: applied,
            texts: bundle.texts.count, conflicts: try Int.fetchOne(db, sql: "SELECT count(*) FROM conflicts") ?? 0)
    }
}
