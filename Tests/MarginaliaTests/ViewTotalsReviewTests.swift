import Foundation
import GRDB
import Testing

@testable import Marginalia

/// The totals `status` reads (migration 0005 and every refresh) against a
/// fresh count of the view, on the paths the other suites pass by.
@Suite("View totals")
struct ViewTotalsReviewTests {
    /// The library's stored totals equal a count of its view, and `check` agrees.
    func expectTotalsMatchTheView(_ library: Library, _ step: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let status = try library.status()
        let counted = try library.read { db in
            (try Library.shownCounts(in: db), Library.stateHash(try Library.sharedStateDigest(in: db)))
        }
        #expect(counted.0 == (status.documents, status.annotations, status.notes), "\(step)", sourceLocation: sourceLocation)
        #expect(counted.1 == status.sharedStateHash, "\(step)", sourceLocation: sourceLocation)
        let check = try library.check()
        #expect(check.ok, "\(step): \(check.problems)", sourceLocation: sourceLocation)
    }

    func reader(of test: TestLibrary, name: String) throws -> Reader {
        let local = try test.library.read { db in try Library.local(db) }
        return Reader(readerId: local.readerId, name: name, publicKey: local.publicKey)
    }

    @Test("migration 0005 counts private, deleted, others' and blocked readers' items as the code does")
    func migrationCountsEveryKindOfItem() throws {
        let folder = TemporaryFolder()
        let path = folder.path("library.sqlite")
        let bo = try TestLibrary(name: "Bo")
        let cy = try TestLibrary(name: "Cy")
        let boDoc = try bo.library.addDocument(withoutText: DocumentDraft(title: "Bo's paper"))
        _ = try bo.library.annotate(AnnotationDraft(document: boDoc.id, page: "1", note: "shared"))
        _ = try bo.library.annotate(AnnotationDraft(document: boDoc.id, page: "2", note: "private", visibility: .private))
        let gone = try bo.library.annotate(AnnotationDraft(document: boDoc.id, page: "3", note: "deleted"))
        try bo.library.delete(gone.id)
        _ = try bo.library.addNote(NoteDraft(body: "Bo's own note", visibility: .private))
        _ = try bo.library.addNote(NoteDraft(body: "Bo's shared note", visibility: .shared))
        let cyDoc = try cy.library.addDocument(withoutText: DocumentDraft(title: "Cy's paper"))
        _ = try cy.library.annotate(AnnotationDraft(document: cyDoc.id, page: "9", note: "blocked"))

        let before: LibraryStatus
        do {
            let library = try Library.create(at: path, readerName: "Ada")
            let doc = try library.addDocument(text: sampleText, DocumentDraft(title: "Sample"))
            _ = try library.annotate(AnnotationDraft(document: doc.id, anchor: .quote(exact: "Tom"), note: "shared"))
            _ = try library.annotate(
                AnnotationDraft(document: doc.id, anchor: .quote(exact: "mill"), visibility: .private))
            let deleted = try library.annotate(AnnotationDraft(document: doc.id, page: "4", note: "deleted"))
            try library.delete(deleted.id)
            _ = try library.addNote(NoteDraft(body: "mine"))
            _ = try library.addDocument(withoutText: DocumentDraft(title: "Private paper", visibility: .private))
            try library.createSet("picks", visibility: .private)
            try library.integrate(try bo.library.operations(), readers: [try reader(of: bo, name: "Bo")])
            try library.integrate(try cy.library.operations(), readers: [try reader(of: cy, name: "Cy")])
            let cyReader = try reader(of: cy, name: "Cy")
            try library.block(cyReader.readerId)
            try expectTotalsMatchTheView(library, "before the downgrade")
            before = try library.status()
        }
        // Back to schema 4 as the old code left it: the view as it is, without 0005.
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try db.execute(sql: "DROP TABLE view_totals")
                try db.execute(sql: "ALTER TABLE entities DROP COLUMN shown")
                try db.execute(sql: "ALTER TABLE entities DROP COLUMN shared")
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = ?", arguments: [EmbeddedMigrations.all[4].name])
            }
        }
        let upgraded = try Library.open(at: path)
        let after = try upgraded.status()
        #expect(after.schema == EmbeddedMigrations.all[4].name)
        #expect((after.documents, after.annotations, after.notes) == (before.documents, before.annotations, before.notes))
        #expect((after.stateHash, after.sharedStateHash) == (before.stateHash, before.sharedStateHash))
        try expectTotalsMatchTheView(upgraded, "migrated")
        _ = try upgraded.addNote(NoteDraft(body: "after the upgrade", visibility: .shared))
        try expectTotalsMatchTheView(upgraded, "written after the upgrade")
    }

    @Test("the same id created twice (one file imported by two readers) keeps the totals in step, in either order")
    func sameIdCreatedTwice() throws {
        let data = Data(kindleClippings.utf8)
        for adaFirst in [true, false] {
            let ada = try TestLibrary(name: "Ada")
            let bo = try TestLibrary(name: "Bo")
            let adaReader = try reader(of: ada, name: "Ada")
            let boReader = try reader(of: bo, name: "Bo")
            if adaFirst {
                _ = try ada.library.importAnnotations(data, format: .kindle, visibility: .private)
                try bo.library.integrate(try ada.library.operations(), readers: [adaReader])
                try expectTotalsMatchTheView(bo.library, "Ada's private creates arrived first")
                let summary = try bo.library.importAnnotations(data, format: .kindle, visibility: .private)
                #expect(summary.added.isEmpty)
            } else {
                _ = try bo.library.importAnnotations(data, format: .kindle, visibility: .private)
                _ = try ada.library.importAnnotations(data, format: .kindle, visibility: .shared)
                try expectTotalsMatchTheView(bo.library, "Bo's own")
                // Ada's creates of the same ids, one by one and in reverse.
                for operation in try ada.library.operations().reversed() {
                    try bo.library.integrate([operation], readers: [adaReader])
                    try expectTotalsMatchTheView(bo.library, "Ada's \(operation.id) arrived")
                }
                try ada.library.integrate(try bo.library.operations(), readers: [boReader])
                try expectTotalsMatchTheView(ada.library, "Bo's arrived at Ada")
                #expect(try ada.stateHash() == bo.stateHash())
            }
            try bo.library.block(adaReader.readerId)
            try expectTotalsMatchTheView(bo.library, "Ada blocked")
            try bo.library.unblock(adaReader.readerId)
            try expectTotalsMatchTheView(bo.library, "Ada unblocked")
        }
    }

    @Test("a transaction refused midway leaves the totals as they were")
    func refusedMidway() throws {
        let test = try TestLibrary(name: "Ada")
        let doc = try test.addText(sampleText)
        _ = try test.library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "Tom")))
        let before = try test.library.status()
        #expect(throws: MarginaliaError.self) {
            try test.library.annotate([
                AnnotationDraft(document: doc, anchor: .quote(exact: "mill"), note: "first"),
                AnnotationDraft(document: doc, anchor: .quote(exact: "not in the text at all")),
            ])
        }
        let after = try test.library.status()
        #expect((after.annotations, after.stateHash, after.sharedStateHash) == (before.annotations, before.stateHash, before.sharedStateHash))
        try expectTotalsMatchTheView(test.library, "after the refusal")
    }

    @Test("random work, refusals and syncs in any order keep every library's totals equal to its view (5 scenarios)")
    func randomScenarios() throws {
        for seed in UInt64(1)...5 { try Self.playScenario(seed: seed, test: self) }
    }

    static func playScenario(seed: UInt64, test: ViewTotalsReviewTests) throws {
        var random = SeededGenerator(seed: seed)
        let editions = [sampleText, sampleText.replacingOccurrences(of: "Tom", with: "Tom Tulliver"), sampleText + " The end."]
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
        let members = try (0..<3).map { try TestLibrary(name: "Reader \($0)") }
        let readers = try members.enumerated().map { try test.reader(of: $1, name: "Reader \($0)") }
        var documents: [String] = []
        for member in members {
            let draft = DocumentDraft(title: "Paper", visibility: chance(0.5) ? .shared : .private)
            documents.append(try member.library.addDocument(withoutText: draft).id)
            // Every library holds every text an edition may bring, as `integrate` carries no texts.
            for text in editions { documents.append(try member.library.addDocument(text: text, draft).id) }
        }
        var items: [String] = []
        let clippings = Data(kindleClippings.utf8)
        for step in 0..<50 {
            let m = Int.random(in: 0..<members.count, using: &random)
            let library = members[m].library
            let visibility: Visibility = chance(0.5) ? .shared : .private
            // Mostly an item this library shows, so that edits cross and conflict.
            let shown = try library.items().map(\.id)
            let target = chance(0.8) && !shown.isEmpty ? shown.randomElement(using: &random) : items.randomElement(using: &random)
            let action = Int.random(in: 0..<24, using: &random)
            switch action {
            case 0: items.append(try library.addNote(NoteDraft(body: "note \(step)", visibility: visibility)).id)
            case 1:
                let document = documents.randomElement(using: &random)!
                if let added = try? library.annotate(
                    AnnotationDraft(document: document, page: "\(step)", note: "on \(step)", visibility: visibility))
                {
                    items.append(added.id)
                }
            case 2: if let target { _ = try? library.edit(target, visibility: visibility) }
            case 3: if let target { _ = try? library.delete(target) }
            case 4: if let target { _ = try? library.restore(target) }
            case 5: if let target { _ = try? library.retag(target, adding: ["t\(step)"]) }
            case 6: items += (try? library.importAnnotations(clippings, format: .kindle, visibility: visibility).added) ?? []
            case 7:
                let other = readers[(m + Int.random(in: 1..<members.count, using: &random)) % members.count].readerId
                if (try? library.block(other)) == nil { _ = try? library.unblock(other) }
            case 9:
                let word = ["Tom", "mill", "window", "river", "Maggie"].randomElement(using: &random)!
                let document = documents.randomElement(using: &random)!
                if let added = try? library.annotate(AnnotationDraft(document: document, anchor: .quote(exact: word), visibility: visibility)) {
                    items.append(added.id)
                }
            case 10, 20, 21: if let target { _ = try? library.edit(target, note: "edited at \(step) by \(m)") }
            case 11:
                if let conflict = try library.conflicts().first {
                    try? library.resolve(conflict.id, chance(0.5) ? .keep("1") : (conflict.heads.isEmpty ? .restore : .note("settled")))
                }
            case 12:
                let document = documents.randomElement(using: &random)!
                _ = try? library.updateDocument(document, text: editions.randomElement(using: &random)!)
            case 13:
                let annotations = items.filter { _ in chance(0.3) }
                if (try? library.createSet("set \(step % 3)", members: annotations, visibility: visibility)) == nil {
                    _ = try? library.addToSet("set \(step % 3)", annotations: annotations)
                }
            case 14: if let target { _ = try? library.removeFromSet("set \(step % 3)", annotations: [target]) }
            case 15: if chance(0.3) { _ = try library.resetReplica() }
            case 16: _ = try? library.delete(documents.randomElement(using: &random)!)
            case 8:
                let source = members[(m + Int.random(in: 1..<members.count, using: &random)) % members.count].library
                _ = try library.importBundle(try source.exportBundle().data)
            default:
                // Part of another library's log, shuffled, with duplicates, in chunks.
                let s = (m + Int.random(in: 1..<members.count, using: &random)) % members.count
                let share = chance(0.5) ? 1 : 0.5
                var operations = try members[s].library.operations().filter { _ in chance(share) }
                for _ in 0..<Int.random(in: 0...3, using: &random) where !operations.isEmpty {
                    operations.append(operations.randomElement(using: &random)!)
                }
                operations.shuffle(using: &random)
                var rest = operations[...]
                while !rest.isEmpty {
                    let chunk = rest.prefix(Int.random(in: 1...rest.count, using: &random))
                    rest = rest.dropFirst(chunk.count)
                    try library.integrate(Array(chunk), readers: readers)
                }
            }
            try test.expectTotalsMatchTheView(library, "seed \(seed) step \(step) action \(action) on library \(m)")
        }
        for member in members {
            let status = try member.library.status()
            #expect(try member.library.check(rebuild: true).ok)
            let rebuilt = try member.library.status()
            #expect(
                (rebuilt.documents, rebuilt.annotations, rebuilt.notes, rebuilt.stateHash, rebuilt.sharedStateHash)
                    == (status.documents, status.annotations, status.notes, status.stateHash, status.sharedStateHash),
                "seed \(seed): the rebuilt totals")
        }
    }
}
