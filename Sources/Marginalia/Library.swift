import Foundation
import GRDB

/// A reader's annotation library: one SQLite file holding the operation log
/// and the tables folded from it.
///
/// `Library` owns the database connection and runs the migrations. Every
/// method that changes something is one transaction: it happens whole, or
/// (when it throws) not at all.
///
/// ```swift
/// let library = try Library.open(at: path, mode: .createIfMissing(readerName: "Ada"))
/// let doc = try library.addDocument(fileAt: "essay.md")
/// let highlight = try library.annotate(AnnotationDraft(
///     document: doc.id, anchor: .quote(exact: "a room of one's own"), note: "the thesis"))
/// print(try library.status().stateHash)
/// ```
public final class Library: Sendable {
    /// How ``open(at:mode:migrations:wallClock:)`` treats a missing file.
    public enum OpenMode: Sendable {
        /// Fail with ``MarginaliaError/libraryMissing(path:)``.
        case existing
        /// Create the library, with a new reader of this name.
        case createIfMissing(readerName: String)
    }

    /// The library file.
    public let path: String
    /// One connection: a command is one process doing one thing at a time,
    /// and other processes share the file through SQLite's WAL locking.
    let database: DatabaseQueue
    let wallClock: @Sendable () -> Int64

    private init(path: String, database: DatabaseQueue, wallClock: @escaping @Sendable () -> Int64) {
        self.path = path
        self.database = database
        self.wallClock = wallClock
    }

    /// Opens a library, migrating it first when it comes from an older version
    /// (after a backup copy beside it).
    ///
    /// - Parameters:
    ///   - migrations: the schema; tests inject others.
    ///   - wallClock: milliseconds since 1970; tests inject a clock.
    public static func open(
        at path: String,
        mode: OpenMode = .existing,
        migrations: [EmbeddedMigration] = EmbeddedMigrations.all,
        wallClock: @escaping @Sendable () -> Int64 = HybridLogicalClock.systemTime
    ) throws -> Library {
        let createIfMissing = if case .createIfMissing = mode { true } else { false }
        let database = try LibraryDatabase.open(path: path, migrations: migrations, createIfMissing: createIfMissing)
        let library = Library(path: path, database: database, wallClock: wallClock)
        let hasIdentity = try database.read { db in try LocalReplica.current(db) != nil }
        if !hasIdentity {
            guard case .createIfMissing(let readerName) = mode else {
                throw MarginaliaError.libraryMissing(path: path)
            }
            try library.createReplica(of: ReaderIdentity.generate(name: readerName))
        }
        return library
    }

    /// Creates a new library with a new reader identity and replica id.
    ///
    /// Fails when `path` already holds a library.
    public static func create(
        at path: String, readerName: String,
        wallClock: @escaping @Sendable () -> Int64 = HybridLogicalClock.systemTime
    ) throws -> Library {
        let name = readerName.trimmingWhitespace()
        guard !name.isEmpty, !name.contains(where: \.isNewline) else {
            throw MarginaliaError.invalidInput("the reader name must be one non-empty line")
        }
        if FileManager.default.fileExists(atPath: path),
            let existing = try? Library.open(at: path, mode: .existing, wallClock: wallClock)
        {
            let reader = try existing.localReader()
            throw MarginaliaError.invalidInput(
                "\(path) is already a library (reader \(reader.name), \(reader.readerID.prefix(8))); nothing was changed")
        }
        return try open(at: path, mode: .createIfMissing(readerName: name), wallClock: wallClock)
    }

    /// Creates a new library for an existing reader (from another machine's
    /// `identity export`): the same reader, writing as a new replica.
    public static func create(
        at path: String, identity: ReaderIdentity,
        wallClock: @escaping @Sendable () -> Int64 = HybridLogicalClock.systemTime
    ) throws -> Library {
        if FileManager.default.fileExists(atPath: path) {
            throw MarginaliaError.invalidInput("\(path) already exists; choose another --library for the new replica")
        }
        let database = try LibraryDatabase.open(path: path, migrations: EmbeddedMigrations.all, createIfMissing: true)
        let library = Library(path: path, database: database, wallClock: wallClock)
        try library.createReplica(of: identity)
        return library
    }

    /// The identity of the reader who writes here, secret key included, for
    /// `identity export`.
    public func exportIdentity() throws -> ReaderIdentity {
        try read { db in try Self.local(db).signingIdentity }
    }

    private func createReplica(of identity: ReaderIdentity) throws {
        try database.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                guard try LocalReplica.current(db) == nil else { return .commit }
                try LocalReplica(
                    replicaId: Identifier.newReplicaID(), readerId: identity.readerID, readerName: identity.name,
                    publicKey: identity.publicKey, secretKey: identity.secretKey,
                    clock: HLCTimestamp(rawValue: 0), nextSeq: 1, createdAt: Timestamps.iso8601(Date())
                ).insert(db)
                try Reader(readerId: identity.readerID, name: identity.name, publicKey: identity.publicKey).insert(db, onConflict: .replace)
                return .commit
            }
        }
    }

    /// The reader who writes in this library, and this replica's id.
    public func localReader() throws -> LocalIdentity {
        try database.read { db in try Self.local(db).identity }
    }

    static func local(_ db: Database) throws -> LocalReplica {
        guard let local = try LocalReplica.current(db) else {
            throw MarginaliaError.corrupt("it has no reader identity")
        }
        return local
    }

    // MARK: Transactions

    /// Runs `body` as one immediate transaction that may record operations.
    func write<T>(_ body: (inout WriteTransaction) throws -> T) throws -> T {
        try storage {
            try database.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    var transaction = try WriteTransaction(db: db, wallClock: wallClock)
                    result = try body(&transaction)
                    try transaction.finish()
                    return .commit
                }
                return result!
            }
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try storage { try database.read(body) }
    }

    /// Turns SQLite's errors (a full disk, a read-only file) into ours.
    func storage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw MarginaliaError.storage(path: path, reason: LibraryDatabase.storageProblem(error, path: path))
        }
    }

    // MARK: References

    /// Resolves an id, a unique id prefix or a document slug.
    static func resolve(_ reference: String, in db: Database) throws -> (id: String, kind: EntityKind) {
        let candidates = try matches(reference, in: db)
        switch candidates.count {
        case 0: throw MarginaliaError.notFound(kind: "item", reference: reference)
        case 1: return candidates[0]
        default: throw MarginaliaError.ambiguous(reference: reference, candidates: candidates.map(\.id))
        }
    }

    /// Resolves a reference that must name an entity of `kind`: its exact id,
    /// a document's exact title, or an id prefix that only one entity of
    /// that kind has.
    static func resolve(_ reference: String, as kind: EntityKind, in db: Database) throws -> String {
        let trimmed = reference.trimmingWhitespace(newlines: false)
        if kind == .document, try Row.fetchOne(db, sql: "SELECT 1 FROM entities WHERE id = ?", arguments: [trimmed.lowercased()]) == nil {
            let titled = try String.fetchAll(
                db, sql: "SELECT id FROM documents WHERE title = ? COLLATE NOCASE AND NOT deleted LIMIT 6",
                arguments: [trimmed])
            if titled.count == 1 { return titled[0] }
            if titled.count > 1 { throw MarginaliaError.ambiguous(reference: reference, candidates: titled) }
        }
        let candidates = try matches(reference, in: db)
        let ofKind = candidates.filter { $0.kind == kind }
        switch (ofKind.count, candidates.count) {
        case (1, _): return ofKind[0].id
        case (0, 0): throw MarginaliaError.notFound(kind: kind.rawValue, reference: reference)
        case (0, 1):
            throw MarginaliaError.wrongKind(reference: reference, expected: kind.rawValue, actual: candidates[0].kind.rawValue)
        case (0, _): throw MarginaliaError.notFound(kind: kind.rawValue, reference: reference)
        default: throw MarginaliaError.ambiguous(reference: reference, candidates: ofKind.map(\.id))
        }
    }

    /// The entities a reference names: its exact id alone, else every id it
    /// is a prefix of (ids and slugs are lowercase, so case does not matter).
    private static func matches(_ reference: String, in db: Database) throws -> [(id: String, kind: EntityKind)] {
        let key = reference.trimmingWhitespace(newlines: false).lowercased()
        guard !key.isEmpty else { throw MarginaliaError.invalidInput("an empty id was given; `marginalia list` and `marginalia doc list` show the ids") }
        let viewer = try local(db).readerId
        func shown(_ row: Row) throws -> Bool {
            let kind: EntityKind = row["kind"]
            return try Bool.fetchOne(
                db, sql: "SELECT 1 FROM \(kind.tableName) WHERE id = ? AND \(notWithdrawn(kind.tableName))",
                arguments: [row["id"], viewer]) ?? false
        }
        if let row = try Row.fetchOne(db, sql: "SELECT id, kind FROM entities WHERE id = ?", arguments: [key]) {
            return try shown(row) ? [(row["id"], row["kind"])] : []
        }
        // Every id character sorts below "~", so this range is the prefix.
        return try Row.fetchAll(
            db, sql: "SELECT id, kind FROM entities WHERE id > ? AND id < ? ORDER BY id LIMIT 50",
            arguments: [key, key + "~"]
        ).filter(shown).map { ($0["id"], $0["kind"]) }
    }
}

/// Who writes in a library: the reader and this replica.
public struct LocalIdentity: Sendable, Hashable {
    public var readerID: String
    public var name: String
    public var replicaID: String
    public var publicKey: Data
}

extension LocalReplica {
    var identity: LocalIdentity {
        LocalIdentity(readerID: readerId, name: readerName, replicaID: replicaId, publicKey: publicKey)
    }

    var signingIdentity: ReaderIdentity {
        ReaderIdentity(name: readerName, publicKey: publicKey, secretKey: secretKey)
    }
}

/// The write side of one transaction: stamps operations with this replica's
/// clock and sequence, appends them to the log and refreshes the view.
struct WriteTransaction {
    let db: Database
    private(set) var local: LocalReplica
    private var clock: HybridLogicalClock
    private var touched: [String: EntityKind] = [:]
    private var touchOrder: [String] = []
    /// The operations this transaction added, by entity, so a refresh need
    /// not read back and decode what it has just written.
    private var added: [String: [LogOperation]] = [:]
    /// Readers whose operations the view leaves out.
    private let blocked: Set<String>
    /// Entities created here under ids no operation of the log named before
    /// (see ``recordCreation(_:_:_:)``).
    private var unseen: Set<String> = []

    init(db: Database, wallClock: @escaping @Sendable () -> Int64) throws {
        self.db = db
        local = try Library.local(db)
        clock = HybridLogicalClock(last: local.clock, wallClock: wallClock)
        blocked = try Set(String.fetchAll(db.cachedStatement(sql: "SELECT reader_id FROM blocked_readers")))
    }

    /// Appends a new operation of this replica to the log.
    @discardableResult
    mutating func record(_ kind: EntityKind, _ id: String, _ change: Change) throws -> LogOperation {
        let operation = LogOperation(
            id: OperationID(replica: local.replicaId, seq: local.nextSeq), hlc: clock.tick(),
            reader: local.readerId, entityKind: kind, entityID: id, change: change)
        local.nextSeq += 1
        guard try OperationRecord(operation).append(to: db) else {
            throw MarginaliaError.replicaCopied(replica: operation.id.replica)
        }
        added(operation)
        return operation
    }

    /// Appends the operation that creates an entity under an id that no
    /// operation of the log names: a new random id, or one the caller has
    /// checked with ``isUnseen(_:)``. Its refresh then folds what this
    /// transaction wrote without looking in the log or the view for more.
    mutating func recordCreation(_ kind: EntityKind, _ id: String, _ change: Change) throws {
        try record(kind, id, change)
        unseen.insert(id)
    }

    /// Whether no operation names `id`, in the log or in this transaction.
    func isUnseen(_ id: String) throws -> Bool {
        guard touched[id] == nil else { return false }
        let logged = try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM operations WHERE entity_id = ? LIMIT 1"), arguments: [id])
        return logged == nil
    }

    /// Writes from now on as another replica (see ``Library/resetReplica()``).
    mutating func adoptReplica(_ replica: String, nextSeq: Int) {
        local.replicaId = replica
        local.nextSeq = nextSeq
    }

    /// Moves the clock past a timestamp received from elsewhere.
    mutating func receive(_ hlc: HLCTimestamp) {
        clock.receive(hlc)
    }

    /// Notes an operation this transaction added to the log; `unseen` when
    /// it is the first of its entity (see ``recordCreation(_:_:_:)``).
    mutating func added(_ operation: LogOperation, unseen isUnseen: Bool = false) {
        touch(operation.entityKind, operation.entityID)
        if !blocked.contains(operation.reader) { added[operation.entityID, default: []].append(operation) }
        if isUnseen { unseen.insert(operation.entityID) }
    }

    mutating func touch(_ kind: EntityKind, _ id: String) {
        if touched.updateValue(kind, forKey: id) == nil { touchOrder.append(id) }
    }

    /// Brings the view of every entity touched so far up to date, so the
    /// rest of the transaction can read it.
    mutating func flush(progress: Progress = { _, _ in }) throws {
        var change = ViewTotals()
        for (index, id) in touchOrder.enumerated() {
            try Materializer.refresh(
                kind: touched[id]!, id: id, reader: local.readerId, in: db, added: added[id] ?? [],
                unseen: unseen.contains(id), totals: &change)
            if index % 1000 == 999 { progress(index + 1, touchOrder.count) }
        }
        try change.addToStored(in: db)
        touched.removeAll()
        touchOrder.removeAll()
        added.removeAll()
        unseen.removeAll()
    }

    /// Flushes the view and saves the clock and sequence.
    mutating func finish() throws {
        try flush()
        local.clock = clock.last
        try local.saveProgress(db)
    }
}
