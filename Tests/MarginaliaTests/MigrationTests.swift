import Foundation
import GRDB
import Testing

@testable import Marginalia

@Suite("Migrations and opening libraries")
struct MigrationTests {
    /// Every released migration with its SHA-256. A released migration never
    /// changes: add a new file instead, and add its line here when it ships.
    static let released: [String: String] = [
        "0001_initial": "e8ddb5c80a00ad8a76391892ca71ecdfed54019bd062ce19223e74d5e3dd646e",
        "0002_sync": "bd7c0f90db1bc2cd9eddcd6c2873d2302d85ec9f57326894969adb45c001855b",
        "0003_anchoring": "485c9441282e58f94939df7f472b97594f3f3e516e2bf9ebef90cc1dce716e9e",
        "0004_sets": "290a62967a8a7ef04d4f191a0aecb2578367fdd902c33a3225c88220b7475099",
        "0005_view_totals": "55c30798b863620255b7cd50145a40663118e883c3b4562e10822049e49bedd5",
    ]

    @Test func releasedMigrationsKeepTheirChecksums() {
        let embedded = Dictionary(uniqueKeysWithValues: EmbeddedMigrations.all.map { ($0.name, $0.checksum) })
        for (name, checksum) in Self.released {
            #expect(embedded[name] == checksum, "released migration \(name) changed; write a new migration instead")
        }
    }

    @Test func migrationsAreNumberedAndInOrder() {
        let names = EmbeddedMigrations.all.map(\.name)
        #expect(!names.isEmpty)
        #expect(names == names.sorted())
        for (index, name) in names.enumerated() {
            #expect(name.hasPrefix(String(format: "%04d_", index + 1)), "\(name) should be numbered \(index + 1)")
        }
    }

    /// A migration that adds a column must add it to the record too: the
    /// view is written from each record's `columns`.
    @Test func everyRecordWritesEveryColumnOfItsTable() throws {
        let test = try TestLibrary()
        let library = test.library
        let doc = try library.addDocument(text: "The mill by the river.", DocumentDraft(title: "Mill"))
        _ = try library.annotate(AnnotationDraft(document: doc.id, anchor: .quote(exact: "mill"), note: "wheel", tags: ["river"]))
        _ = try library.addNote(NoteDraft(body: "A note", tags: ["river"]))
        _ = try library.createSet("rivers", filter: SetFilter(tag: "river"))
        let remote = Remote(name: "home", location: "/tmp/x", kind: .group, channelID: "c", channelKey: nil, addedAt: "now")
        try library.read { db in
            func expectAllColumns<Record: LibraryRecord>(_ record: Record?) throws {
                let table = Record.databaseTableName
                let written = try #require(record, "no \(table) row to compare").columns.map(\.key)
                let stored = try db.columns(in: table).map(\.name)
                #expect(written.sorted() == stored.sorted(), "columns of \(table)")
            }
            func first<Record: LibraryRecord>(_ type: Record.Type) throws -> Record? {
                try Record.fetchOne(db, sql: "SELECT * FROM \(Record.databaseTableName) LIMIT 1")
            }
            try expectAllColumns(try first(Document.self))
            try expectAllColumns(try first(Annotation.self))
            try expectAllColumns(try first(Note.self))
            try expectAllColumns(try first(AnnotationSet.self))
            try expectAllColumns(try first(Reader.self))
            try expectAllColumns(try first(LocalReplica.self))
            try expectAllColumns(try first(OperationRecord.self))
            try expectAllColumns(remote)
        }
    }

    @Test func newLibraryHasTheWholeSchema() throws {
        let test = try TestLibrary()
        let status = try test.library.status()
        #expect(status.schema == EmbeddedMigrations.all.last?.name)
        #expect(status.reader.name == "Tester")
        #expect(status.reader.readerID.count == 32)
        #expect(status.reader.replicaID.count == 32)
        let mode = try FileManager.default.attributesOfItem(atPath: test.path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the library holds the secret key")
    }

    @Test("every connection is WAL, synchronous NORMAL, a 64 MiB cache, and the schema has no foreign keys to enforce")
    func connectionSettings() throws {
        let test = try TestLibrary()
        let settings = try test.library.read { db in
            try ["journal_mode", "synchronous", "cache_size", "foreign_keys"].map {
                try String.fetchOne(db, sql: "PRAGMA \($0)") ?? ""
            }
        }
        #expect(settings == ["wal", "1", "-65536", "0"])
        let declared = try test.library.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM sqlite_master, pragma_foreign_key_list(sqlite_master.name) WHERE type = 'table'")
        }
        #expect(declared == 0, "a foreign key needs config.foreignKeysEnabled back on")
    }

    @Test func readerIDIsTheKeyFingerprint() throws {
        let test = try TestLibrary()
        let reader = try test.library.localReader()
        #expect(reader.readerID == ReaderIdentity.readerID(publicKey: reader.publicKey))
    }

    @Test func libraryFromANewerSchemaIsRefusedAndLeftUntouched() throws {
        let folder = TemporaryFolder()
        let path = folder.path("newer.sqlite")
        let future = EmbeddedMigration(name: "9999_future", sql: "CREATE TABLE future (x);")
        do {
            let newer = try Library.open(
                at: path, mode: .createIfMissing(readerName: "Future"), migrations: EmbeddedMigrations.all + [future])
            _ = try newer.addDocument(text: "From the future.", DocumentDraft(title: "Future"))
        }
        let before = try snapshot(path)
        #expect(throws: MarginaliaError.newerSchema(path: path, unknown: ["9999_future"])) {
            _ = try Library.open(at: path)
        }
        let after = try snapshot(path)
        #expect(after[0] == before[0])
        #expect(after[1] == before[1], "wal: \(String(describing: before[1]?.count)) -> \(String(describing: after[1]?.count))")
    }

    /// The schema-1 fixture (made by the code of that version) is backed up
    /// before its first pending migration, then migrated with its state intact.
    @Test func olderLibraryIsBackedUpThenMigrated() throws {
        let folder = TemporaryFolder()
        let (path, expected) = try OldLibraryTests.fixture(1, in: folder)
        let upgraded = try Library.open(at: path)
        #expect(try upgraded.status().schema == EmbeddedMigrations.all.last?.name)
        #expect(try upgraded.status().stateHash == expected.stateHash)
        #expect(try upgraded.check().ok)

        let backup = "\(path).before-\(EmbeddedMigrations.all[1].name).backup"
        let tables = try DatabaseQueue(path: backup).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
        #expect(tables == [EmbeddedMigrations.all[0].name], "the backup is the library as it was")
    }

    @Test func failedMigrationLeavesTheLibraryAndItsBackup() throws {
        let folder = TemporaryFolder()
        let path = folder.path("old.sqlite")
        let hashBefore: String
        do {
            let old = try Library.create(at: path, readerName: "Old")
            _ = try old.addDocument(text: "Old words.", DocumentDraft(title: "Old"))
            hashBefore = try old.status().stateHash
        }
        let broken = EmbeddedMigration(
            name: String(format: "%04d_broken", EmbeddedMigrations.all.count + 1),
            sql: "CREATE TABLE half_done (x); THIS IS NOT SQL;")
        #expect {
            _ = try Library.open(at: path, migrations: EmbeddedMigrations.all + [broken])
        } throws: { error in
            guard case MarginaliaError.migrationFailed(_, let migration, let backup, _) = error else { return false }
            return migration == broken.name && backup != nil
        }
        let reopened = try Library.open(at: path)
        #expect(try reopened.status().stateHash == hashBefore)
        let tables = try DatabaseQueue(path: path).read { db in try db.tableExists("half_done") }
        #expect(!tables, "the failed migration was rolled back")
        #expect(FileManager.default.fileExists(atPath: "\(path).before-\(broken.name).backup"))
    }

    @Test func aFileThatIsNotSQLiteIsRefusedUntouched() throws {
        let folder = TemporaryFolder()
        var generator = SystemRandomNumberGenerator()
        let path = folder.write("junk.sqlite", Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        try expectRefusedUntouched(path)
    }

    @Test func anotherProgramsDatabaseIsRefused() throws {
        let folder = TemporaryFolder()
        let path = folder.path("other.sqlite")
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "CREATE TABLE contacts (name)") }
        try expectRefusedUntouched(path)
    }

    @Test func anUnwritablePathGivesAClearError() throws {
        let folder = TemporaryFolder()
        let file = folder.write("a-file", "not a folder")
        #expect {
            _ = try Library.create(at: file + "/library.sqlite", readerName: "X")
        } throws: { error in
            if case MarginaliaError.libraryUnwritable = error { true } else { false }
        }
    }

    @Test func readingAMissingLibraryDoesNotCreateIt() throws {
        let folder = TemporaryFolder()
        let path = folder.path("missing.sqlite")
        #expect(throws: MarginaliaError.libraryMissing(path: path)) { _ = try Library.open(at: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func initRefusesAnExistingLibrary() throws {
        let test = try TestLibrary()
        let hash = try test.stateHash()
        #expect(throws: MarginaliaError.self) { _ = try Library.create(at: test.path, readerName: "Again") }
        #expect(try test.library.localReader().name == "Tester")
        #expect(try test.stateHash() == hash)
    }

    /// Opening `path` fails with "not a library" and leaves its bytes as they were.
    private func expectRefusedUntouched(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try snapshot(path)
        #expect(sourceLocation: sourceLocation) {
            _ = try Library.open(at: path, mode: .createIfMissing(readerName: "X"))
        } throws: { error in
            if case MarginaliaError.notALibrary = error { true } else { false }
        }
        #expect(try snapshot(path) == before, sourceLocation: sourceLocation)
    }

    /// The bytes of a library file and its WAL.
    private func snapshot(_ path: String) throws -> [Data?] {
        [path, path + "-wal"].map { FileManager.default.contents(atPath: $0) }
    }
}
