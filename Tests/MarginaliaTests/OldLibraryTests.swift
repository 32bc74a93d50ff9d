import Foundation
import GRDB
import Testing

@testable import Marginalia

/// Libraries written by every released schema version (Tests/Fixtures,
/// made by `Tools/make-fixtures` with the code of that version) open in this
/// build with their data intact.
@Suite("Old libraries")
struct OldLibraryTests {
    /// What `Tools/make-fixtures` recorded when it made a fixture.
    struct Expected: Decodable {
        struct Reader: Decodable {
            var id: String
            var name: String
        }
        struct Counts: Decodable, Equatable {
            var documents: Int
            var annotations: Int
            var notes: Int
            var operations: Int
            var conflicts: Int
        }
        var schema: Int
        var madeBy: String
        var reader: Reader
        var replica: String
        var counts: Counts
        var stateHash: String
        var ids: [String: String]
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// A copy of fixture `schema` in a temporary folder, and what it holds.
    static func fixture(_ schema: Int, in folder: TemporaryFolder) throws -> (path: String, expected: Expected) {
        let source = fixtures.appendingPathComponent("schema-\(schema).sqlite")
        let path = folder.path("schema-\(schema).sqlite")
        try FileManager.default.copyItem(atPath: source.path, toPath: path)
        let json = try Data(contentsOf: fixtures.appendingPathComponent("schema-\(schema).json"))
        return (path, try JSONDecoder().decode(Expected.self, from: json))
    }

    static func migrations(in path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
    }

    @Test("there is a fixture for every released schema version")
    func everyReleasedSchemaHasAFixture() throws {
        for schema in 1...MigrationTests.released.count {
            let folder = TemporaryFolder()
            let (path, expected) = try Self.fixture(schema, in: folder)
            #expect(expected.schema == schema)
            #expect(try Self.migrations(in: path) == EmbeddedMigrations.all.prefix(schema).map(\.name))
        }
    }

    @Test("an old library is upgraded with its data intact", arguments: 1...5)
    func upgradesIntact(schema: Int) throws {
        let folder = TemporaryFolder()
        let (path, expected) = try Self.fixture(schema, in: folder)
        let library = try Library.open(at: path)

        let status = try library.status()
        #expect(status.schema == EmbeddedMigrations.all.last?.name)
        #expect(status.stateHash == expected.stateHash, "the state hash the old code reported")
        #expect(status.reader.readerID == expected.reader.id && status.reader.name == expected.reader.name)
        #expect(status.reader.replicaID == expected.replica)
        let counts = Expected.Counts(
            documents: status.documents, annotations: status.annotations, notes: status.notes,
            operations: status.operations, conflicts: status.conflicts)
        #expect(counts == expected.counts)
        let check = try library.check()
        #expect(check.ok, "\(check.problems)")

        // The items the fixture's scenario made, each as it left them.
        guard case .annotation(let thesis) = try library.item(expected.ids["thesis"]!) else {
            Issue.record("the thesis annotation is gone")
            return
        }
        #expect(thesis.body == "the thesis: reading is answering")
        #expect(Set(thesis.tags) == ["thesis", "favourite"])
        #expect(thesis.quoteExact == "conversation with the dead")
        guard case .annotation(let page) = try library.item(expected.ids["page"]!) else {
            Issue.record("the page annotation is gone")
            return
        }
        #expect(page.page != nil && page.documentId == "middlemarch" && page.body == "Dorothea's choice")
        guard case .note(let note) = try library.item(expected.ids["note"]!) else {
            Issue.record("the personal note is gone")
            return
        }
        #expect(note.body == "Compare the two endings" && note.tags == ["compare"])
        #expect(try library.items().contains { $0.id == expected.ids["deleted"] } == false, "the deleted one stays deleted")
        #expect(try library.items().contains { $0.id == expected.ids["bo"] }, "the other reader's annotation from a bundle")
        #expect(try library.documents().map(\.id).sorted() == ["essay", "middlemarch"])

        if schema >= 2 {
            #expect(try library.remotes().map(\.name) == ["mine"])
            #expect(try library.items().contains { $0.id == expected.ids["laptop"] }, "pulled from the other machine")
        }
        if schema >= 3 {
            let essay = try library.document("essay")
            #expect(essay.textVersions.count == 2, "doc update added an edition")
            #expect(thesis.anchor != nil, "re-anchored into the second edition")
        }
        if schema >= 4 {
            #expect(try library.sets().map(\.name).sorted() == ["picks", "thesis"])
            #expect(Set(try library.setAnnotations("picks").map(\.id)) == [expected.ids["pencil"]!, expected.ids["page"]!])
        }

        // The backup is the library as it was; an up-to-date one needs none.
        let backups = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.hasSuffix(".backup") }
        if schema < EmbeddedMigrations.all.count {
            let backup = "\(path).before-\(EmbeddedMigrations.all[schema].name).backup"
            #expect(backups == [(backup as NSString).lastPathComponent])
            #expect(try Self.migrations(in: backup) == EmbeddedMigrations.all.prefix(schema).map(\.name))
        } else {
            #expect(backups.isEmpty)
        }

        // And it takes new work.
        _ = try library.addNote(NoteDraft(body: "written after the upgrade"))
        #expect(try library.check().ok)
    }

    @Test("a migration that fails part way leaves the old library as it was, and its backup", arguments: 1...4)
    func failedUpgradeLeavesTheOriginal(schema: Int) throws {
        let folder = TemporaryFolder()
        let (path, expected) = try Self.fixture(schema, in: folder)
        // The last migration breaks after the ones before it have run.
        var migrations = EmbeddedMigrations.all
        let last = migrations.removeLast()
        migrations.append(EmbeddedMigration(name: last.name, sql: last.sql + "\nCREATE TABLE half_done (x); THIS IS NOT SQL;"))
        #expect {
            _ = try Library.open(at: path, migrations: migrations)
        } throws: { error in
            guard case MarginaliaError.migrationFailed(_, let migration, let backup, _) = error else { return false }
            return migration == last.name && backup != nil
        }
        #expect(try Self.migrations(in: path) == EmbeddedMigrations.all.prefix(schema).map(\.name), "no migration stays applied")
        let tables = try DatabaseQueue(path: path).read { db in try db.tableExists("half_done") }
        #expect(!tables)
        let backup = "\(path).before-\(EmbeddedMigrations.all[schema].name).backup"
        #expect(try Self.migrations(in: backup) == EmbeddedMigrations.all.prefix(schema).map(\.name))

        // The real upgrade still works afterwards, from either file.
        for file in [path, backup] {
            let library = try Library.open(at: file)
            #expect(try library.status().stateHash == expected.stateHash)
            #expect(try library.check().ok)
        }
    }
}
