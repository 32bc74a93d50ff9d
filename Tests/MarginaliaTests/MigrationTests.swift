import Foundation
import GRDB
import Testing

@testable import Marginalia

@Suite("Migrations and opening libraries")
struct MigrationTests {
    /// Every released migration with its SHA-256. A released migration never
    /// changes: add a new file instead, and add its line here when it ships.
    static let released: [String: String] = [
        "0001_initial": "e8ddb5c80a00ad8a76391892ca71ecdfed54019bd062ce19223e74d5e3dd646e"
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
        // Numbers increase strictly from 0001. A number may be missing while
        // the branch that reserved it (0002, sync) has not been merged.
        let numbers = names.map { Int($0.prefix(4)) }
        #expect(numbers.first == 1)
        for (name, number) in zip(names, numbers) {
            #expect(name.count > 5 && name.dropFirst(4).first == "_" && number != nil, "\(name) should be NNNN_name")
        }
        #expect(Set(numbers).count == numbers.count, "two migrations share a number")
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

    @Test func olderLibraryIsBackedUpThenMigrated() throws {
        let folder = TemporaryFolder()
        let path = folder.path("old.sqlite")
        do {
            let old = try Library.open(
                at: path, mode: .createIfMissing(readerName: "Old"), migrations: [EmbeddedMigrations.all[0]])
            _ = try old.addDocument(text: "Old words.", DocumentDraft(title: "Old"))
        }
        let next = EmbeddedMigration(name: "0002_test", sql: "CREATE TABLE added_later (x);")
        let upgraded = try Library.open(at: path, migrations: [EmbeddedMigrations.all[0], next])
        #expect(try upgraded.documents().map(\.title) == ["Old"])
        #expect(try upgraded.status().schema == "0002_test")

        let backup = "\(path).before-0002_test.backup"
        let copy = try Library.open(at: backup, migrations: [EmbeddedMigrations.all[0]])
        #expect(try copy.documents().map(\.title) == ["Old"])
        #expect(try copy.status().schema == "0001_initial")
    }

    @Test func failedMigrationLeavesTheLibraryAndItsBackup() throws {
        let folder = TemporaryFolder()
        let path = folder.path("old.sqlite")
        let hashBefore: String
        do {
            let old = try Library.open(
                at: path, mode: .createIfMissing(readerName: "Old"), migrations: [EmbeddedMigrations.all[0]])
            _ = try old.addDocument(text: "Old words.", DocumentDraft(title: "Old"))
            hashBefore = try old.status().stateHash
        }
        let broken = EmbeddedMigration(
            name: "0002_broken", sql: "CREATE TABLE half_done (x); THIS IS NOT SQL;")
        #expect {
            _ = try Library.open(at: path, migrations: [EmbeddedMigrations.all[0], broken])
        } throws: { error in
            guard case MarginaliaError.migrationFailed(_, let migration, let backup, _) = error else { return false }
            return migration == "0002_broken" && backup != nil
        }
        let reopened = try Library.open(at: path, migrations: [EmbeddedMigrations.all[0]])
        #expect(try reopened.status().stateHash == hashBefore)
        let tables = try DatabaseQueue(path: path).read { db in try db.tableExists("half_done") }
        #expect(!tables, "the failed migration was rolled back")
        #expect(FileManager.default.fileExists(atPath: "\(path).before-0002_broken.backup"))
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
