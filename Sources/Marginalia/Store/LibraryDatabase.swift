import Foundation
import GRDB

/// Opens library files: refuses what is not a library or is newer than this
/// build, backs up before migrating, and migrates.
enum LibraryDatabase {
    /// Opens the library at `path`, creating it when it is missing and `create` allows.
    ///
    static func open(
        path: String, migrations: [EmbeddedMigration], createIfMissing: Bool
    ) throws -> DatabaseQueue {
        let fileManager = FileManager.default
        let known = Set(migrations.map(\.name))
        var isFolder: ObjCBool = false
        let exists = fileManager.fileExists(atPath: path, isDirectory: &isFolder)
        if isFolder.boolValue {
            throw MarginaliaError.invalidInput(
                "\(path) is a folder, not a library file; give a file path, such as "
                    + "--library \((path as NSString).appendingPathComponent("library.sqlite"))")
        }
        var applied: Set<String> = []
        let database: DatabaseQueue
        if exists {
            let folder = Self.folder(of: path)
            // Where nothing can be written (a read-only file, folder or disk,
            // or a full disk), reading must still work.
            if access(path, W_OK) != 0 || access(folder.isEmpty ? "." : folder, W_OK) != 0 || isFull(path) {
                return try openReadOnly(path: path, known: known)
            }
            // One connection looks before anything is written, so that a file
            // that is refused is left exactly as it was, and then serves the
            // command (every command opens the library: one open, not two).
            (database, applied) = try leavingNoTrace(of: path) {
                let database = try DatabaseQueue(path: path, configuration: configuration())
                do {
                    return (database, try inspect(database, path: path, known: known))
                } catch {
                    try? database.close()
                    throw error
                }
            }
        } else {
            guard createIfMissing else { throw MarginaliaError.libraryMissing(path: path) }
            let folder = Self.folder(of: path)
            do {
                if !folder.isEmpty { try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true) }
                database = try DatabaseQueue(path: path, configuration: configuration())
                // WAL lets readers and a writer share the file; the mode is
                // kept in the file, so only a new library sets it.
                try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            } catch {
                try? fileManager.removeItem(atPath: path)
                throw MarginaliaError.libraryUnwritable(path: path, reason: blockingFile(above: path) ?? Self.reason(error))
            }
            // The library holds the reader's secret key.
            chmod(path, 0o600)
        }

        let pending = migrations.filter { !applied.contains($0.name) }
        guard let first = pending.first else { return database }
        let backup = applied.isEmpty ? nil : try makeBackup(of: path, before: first.name)
        try migrate(database, path: path, migrations: migrations, backup: backup)
        return database
    }

    /// Opens a library that cannot be written (a read-only file, folder or
    /// disk, or a full disk) for reading: every write then fails with SQLITE_READONLY.
    private static func openReadOnly(path: String, known: Set<String>) throws -> DatabaseQueue {
        let folder = Self.folder(of: path)
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
        // SQLite reads a WAL library only beside a -shm file it can create,
        // except when told the file is immutable: true in a read-only folder
        // or on a full disk while no WAL holds transactions not yet in the file.
        var location = path
        if access(folder.isEmpty ? "." : folder, W_OK) != 0 || isFull(path), walSize == 0,
            let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["?", "#", "%"]))
        {
            location = "file:\(encoded)?immutable=1"
        }
        let database: DatabaseQueue
        do {
            database = try DatabaseQueue(path: location, configuration: readOnlyConfiguration())
        } catch let error as DatabaseError {
            throw refusal(error, path: path)
        }
        let applied = try inspect(database, path: path, known: known)
        if applied != known {
            throw MarginaliaError.libraryUnwritable(
                path: path, reason: "it is read-only, and this version must upgrade it before reading it")
        }
        return database
    }

    /// Runs the pending migrations in one transaction, so that a failure
    /// leaves the library exactly as it was (not half upgraded), and two
    /// processes opening an old library at once upgrade it once. The
    /// bookkeeping is GRDB's `grdb_migrations` table, as before.
    private static func migrate(
        _ database: DatabaseQueue, path: String, migrations: [EmbeddedMigration], backup: String?
    ) throws {
        var current = migrations.first?.name ?? "?"
        do {
            try database.writeWithoutTransaction { db in
                db.add(function: DigestXor.function)
                try db.inTransaction(.immediate) {
                    try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                    // Read under the write lock: another process may have just upgraded it.
                    let applied = try String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations")
                    for migration in migrations where !applied.contains(migration.name) {
                        current = migration.name
                        try db.execute(sql: migration.sql)
                        try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [migration.name])
                    }
                    return .commit
                }
            }
        } catch {
            throw MarginaliaError.migrationFailed(path: path, migration: current, backup: backup, reason: Self.reason(error))
        }
    }

    static func configuration() -> Configuration {
        var config = Configuration()
        // Several processes share a library (an `annotate` during a `sync`):
        // wait for the writer instead of failing with "database is locked".
        config.busyMode = .timeout(30)
        // The schema declares no foreign keys: not setting the pragma spares
        // every command a statement on opening.
        config.foreignKeysEnabled = false
        config.prepareDatabase { db in
            // WAL with NORMAL keeps every commit atomic across a crash; only
            // the last transactions before a power cut may be lost. A large
            // import is one transaction: let its pages stay in memory (up to
            // 64 MiB, taken only as needed) instead of spilling to the WAL.
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536")
        }
        return config
    }

    /// For looking at a library without writing. It waits for writers like
    /// ``configuration()`` does: another command may be writing right now.
    static func readOnlyConfiguration() -> Configuration {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(30)
        return config
    }

    /// The migrations recorded in a library; refuses what is not one, or is newer.
    private static func inspect(_ database: DatabaseQueue, path: String, known: Set<String>) throws -> Set<String> {
        do {
            let applied = try database.read { db -> Set<String> in
                let tables = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                if tables.isEmpty { return [] }
                guard tables.contains("grdb_migrations"), tables.contains("operations") else {
                    throw MarginaliaError.notALibrary(path: path, reason: "an SQLite database of another program")
                }
                return try String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations")
            }
            let unknown = applied.subtracting(known)
            guard unknown.isEmpty else { throw MarginaliaError.newerSchema(path: path, unknown: unknown.sorted()) }
            return applied
        } catch let error as DatabaseError {
            throw refusal(error, path: path)
        }
    }

    /// The folder a path names its file in, as NSString's
    /// `deletingLastPathComponent` gives it ("" for a bare file name), without
    /// the trip through NSString that every command would pay for on opening.
    static func folder(of path: String) -> String {
        var path = Substring(path)
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        guard let slash = path.lastIndex(of: "/") else { return "" }
        var folder = path[..<slash]
        while folder.hasSuffix("/") { folder.removeLast() }
        return folder.isEmpty ? "/" : String(folder)
    }

    /// Whether the disk holding `path` has no room left for SQLite's files.
    static func isFull(_ path: String) -> Bool {
        let folder = Self.folder(of: path)
        var stats = statvfs()
        guard statvfs(folder.isEmpty ? "." : folder, &stats) == 0 else { return false }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize) < 64 * 1024
    }

    /// What went wrong with the library's storage, in words: SQLite's own,
    /// except where the disk or the file forbids writing.
    static func storageProblem(_ error: DatabaseError, path: String) -> String {
        switch error.resultCode {
        case .SQLITE_FULL: "the disk is full"
        case .SQLITE_READONLY: isFull(path) ? "the disk is full" : "it is read-only (the file, its folder or its disk)"
        default: error.message ?? "\(error.resultCode)"
        }
    }

    /// A clear error for a file SQLite cannot read as a library.
    private static func refusal(_ error: DatabaseError, path: String) -> MarginaliaError {
        switch error.resultCode {
        case .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_READONLY:
            .storage(path: path, reason: storageProblem(error, path: path))
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            .notALibrary(path: path, reason: "not an SQLite database, or a damaged one")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            .storage(path: path, reason: "another program kept it locked for too long (\(error.message ?? "database is locked"))")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
            .unreadableFile(path: path, reason: error.message ?? "\(error.resultCode)")
        default:
            .notALibrary(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    /// Runs `body`; when it throws, removes the -wal and -shm files that
    /// opening the file created, so that a refused file is left as it was.
    /// (A file that is accepted keeps them: another process may use them.)
    private static func leavingNoTrace<T>(of path: String, _ body: () throws -> T) throws -> T {
        let companions = [path + "-wal", path + "-shm"].filter { !FileManager.default.fileExists(atPath: $0) }
        do {
            return try body()
        } catch {
            for companion in companions {
                let size = (try? FileManager.default.attributesOfItem(atPath: companion))?[.size] as? Int
                if size == 0 || companion.hasSuffix("-shm") { try? FileManager.default.removeItem(atPath: companion) }
            }
            if let error = error as? DatabaseError { throw refusal(error, path: path) }
            throw error
        }
    }

    /// Copies the library aside (with SQLite's online backup, so that a WAL
    /// is included) before a migration touches it.
    private static func makeBackup(of path: String, before migration: String) throws -> String {
        let backupPath = "\(path).before-\(migration).backup"
        do {
            try? FileManager.default.removeItem(atPath: backupPath)
            let source = try DatabaseQueue(path: path, configuration: readOnlyConfiguration())
            let destination = try DatabaseQueue(path: backupPath)
            try source.backup(to: destination)
            try destination.close()
            try source.close()
            chmod(backupPath, 0o600)
            return backupPath
        } catch {
            throw MarginaliaError.libraryUnwritable(
                path: path, reason: "could not back it up to \(backupPath) before upgrading: \(Self.reason(error))")
        }
    }

    /// Why a library cannot be created at `path`, when a parent is a file.
    static func blockingFile(above path: String) -> String? {
        var folder = Self.folder(of: path)
        while !folder.isEmpty && folder != "/" {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
                return isDirectory.boolValue ? nil : "\(folder) is a file, not a folder"
            }
            folder = Self.folder(of: folder)
        }
        return nil
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        if let error = error as? CocoaError, let underlying = error.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return (error as NSError).localizedDescription
    }
}

/// `digest_xor(blob)`: the XOR of 32-byte digests, 32 zero bytes for none.
/// Migrations that sum digests in SQL use it; it is registered only while
/// migrating, so opening a library costs nothing more.
private struct DigestXor: DatabaseAggregate {
    static let function = DatabaseFunction("digest_xor", argumentCount: 1, pure: true, aggregate: Self.self)

    var sum = Data(count: 32)

    mutating func step(_ values: [DatabaseValue]) throws {
        guard let digest = Data.fromDatabaseValue(values[0]), digest.count == 32 else {
            throw DatabaseError(message: "digest_xor: not a 32-byte digest")
        }
        Materializer.formXor(&sum, digest)
    }

    func finalize() -> (any DatabaseValueConvertible)? { sum }
}

extension CocoaError {
    fileprivate var underlying: (any Error)? { userInfo[NSUnderlyingErrorKey] as? any Error }
}
