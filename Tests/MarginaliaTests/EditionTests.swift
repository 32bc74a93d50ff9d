import Foundation
import Testing

@testable import Marginalia

@Suite("New editions: doc update, anchors in the log, orphans, move")
struct EditionTests {
    static let first = """
        The keeper climbed the stairs at dusk and lit the lamp.
        The sea below was grey and slow, the kind of sea that waits.
        Later, when the ship came round the point, he was asleep in his chair.
        """
    static let second = """
        A preface, added in the second edition.
        The keeper climbed the stairs at dusk and lit the lamp.
        The sea below was silver and slow, the kind of sea that waits.
        """

    /// A library with one document and three annotations: one that survives
    /// as is, one whose words change, one whose passage is cut.
    func setUp() throws -> (TestLibrary, Document, [Annotation]) {
        let test = try TestLibrary()
        let document = try test.library.addDocument(text: Self.first, DocumentDraft(title: "Lamp", slug: "lamp"))
        let annotations = try test.library.annotate([
            AnnotationDraft(document: "lamp", anchor: .quote(exact: "climbed the stairs at dusk"), note: "climb"),
            AnnotationDraft(document: "lamp", anchor: .quote(exact: "The sea below was grey and slow"), tags: ["sea"]),
            AnnotationDraft(document: "lamp", anchor: .quote(exact: "when the ship came round the point"), note: "the ship"),
        ])
        return (test, document, annotations)
    }

    func anchors(_ library: Library) throws -> [String: Anchor] {
        Dictionary(uniqueKeysWithValues: try library.items(ItemFilter(document: "lamp")).compactMap {
            if case .annotation(let a) = $0, let anchor = a.anchor { (a.quoteExact!, anchor) } else { nil }
        })
    }

    @Test("doc update re-anchors each annotation: exact, fuzzy, orphan, in code points of the new text")
    func update() throws {
        let (test, _, _) = try setUp()
        let report = try test.library.updateDocument("lamp", text: Self.second)
        #expect((report.count(.exact), report.count(.fuzzy), report.count(.orphan)) == (1, 1, 1))
        let document = try test.library.document("lamp")
        #expect(document.currentText == report.textHash)
        #expect(document.textVersions.count == 2)
        let anchors = try anchors(test.library)
        let text = CodePointText(Self.second)
        #expect(anchors["climbed the stairs at dusk"].flatMap { $0.position.map { text[$0.range] } } == "climbed the stairs at dusk")
        #expect(anchors["The sea below was grey and slow"]?.status == .fuzzy)
        #expect(anchors["The sea below was grey and slow"].flatMap { $0.position.map { text[$0.range] } } == "The sea below was silver and slow")
        #expect(anchors["when the ship came round the point"] == Anchor(status: .orphan, position: nil, score: anchors["when the ship came round the point"]!.score))
        // The orphan keeps its quote and note.
        let orphans = try test.library.items(ItemFilter(orphans: true))
        #expect(orphans.count == 1)
        if case .annotation(let orphan) = orphans.first {
            #expect(orphan.quoteExact == "when the ship came round the point")
            #expect(orphan.body == "the ship")
        }
    }

    @Test("a dry run reports the same and writes nothing")
    func dryRun() throws {
        let (test, _, _) = try setUp()
        let before = try test.library.status()
        let report = try test.library.updateDocument("lamp", text: Self.second, dryRun: true)
        #expect(report.dryRun)
        #expect((report.count(.exact), report.count(.fuzzy), report.count(.orphan)) == (1, 1, 1))
        let after = try test.library.status()
        #expect(after.operations == before.operations)
        #expect(after.stateHash == before.stateHash)
        #expect(try test.library.document("lamp").textVersions.count == 1)
    }

    @Test("the anchors are in the log: a rebuild reproduces them and the state hash")
    func rebuild() throws {
        let (test, _, _) = try setUp()
        _ = try test.library.updateDocument("lamp", text: Self.second)
        let before = try anchors(test.library)
        let hash = try test.library.status().stateHash
        let report = try test.library.check(rebuild: true)
        #expect(report.ok, "\(report.problems)")
        #expect(report.stateHash == hash)
        #expect(try anchors(test.library) == before)
    }

    @Test("another replica receives the same anchors with the operations")
    func replicasConverge() throws {
        let (ada, _, _) = try setUp()
        _ = try ada.library.updateDocument("lamp", text: Self.second)
        let bo = try TestLibrary(name: "Bo")
        _ = try bo.library.importBundle(try ada.library.exportBundle().data)
        #expect(try bo.library.status().stateHash == ada.library.status().stateHash)
        #expect(try anchors(bo.library) == anchors(ada.library))
    }

    @Test("updating to the current text is refused; updating a deleted document is refused")
    func refusals() throws {
        let (test, _, _) = try setUp()
        #expect(throws: MarginaliaError.self) { _ = try test.library.updateDocument("lamp", text: Self.first) }
        _ = try test.library.updateDocument("lamp", text: Self.second)
        try test.library.delete("lamp")
        #expect(throws: MarginaliaError.deleted(id: "lamp")) { _ = try test.library.updateDocument("lamp", text: Self.first) }
    }

    @Test("going back to the first edition puts annotations made on it where they were made")
    func backToFirstEdition() throws {
        let (test, _, annotations) = try setUp()
        _ = try test.library.updateDocument("lamp", text: Self.second)
        let report = try test.library.updateDocument("lamp", text: Self.first)
        #expect(report.count(.exact) == 3)
        for annotation in annotations {
            guard case .annotation(let now) = try test.library.item(annotation.id) else { continue }
            #expect(now.anchor == .made(at: TextPositionSelector(start: annotation.positionStart!, end: annotation.positionEnd!)))
        }
    }

    @Test("an orphan is placed by hand with move, keeping note and tags; the old target stays in history")
    func move() throws {
        let (test, _, annotations) = try setUp()
        _ = try test.library.updateDocument("lamp", text: Self.second)
        let orphan = annotations[2]
        let moved = try test.library.move(orphan.id, to: .quote(exact: "A preface"))
        #expect(moved.anchor?.status == .exact)
        #expect(moved.quoteExact == "A preface")
        #expect(moved.positionStart == 0)
        #expect(moved.body == "the ship")
        #expect(try test.library.items(ItemFilter(orphans: true)).isEmpty)
        #expect(try test.library.history(orphan.id).count == 3)
        #expect(throws: MarginaliaError.self) { _ = try test.library.move(orphan.id, to: .position(start: 0, end: 10_000)) }
    }

    @Test("a paper book's quoted annotations are anchored when it gets its first text")
    func paperBookGetsText() throws {
        let test = try TestLibrary()
        _ = try test.library.addDocument(withoutText: DocumentDraft(title: "Lamp", slug: "lamp"))
        _ = try test.library.annotate(AnnotationDraft(document: "lamp", anchor: .quote(exact: "lit the lamp"), page: "p. 12"))
        let report = try test.library.updateDocument("lamp", text: Self.first)
        #expect(report.count(.exact) == 1)
        #expect(report.results.first?.anchor.position?.start == CodePointText(Self.first).string.distance(
            from: Self.first.startIndex, to: Self.first.range(of: "lit the lamp")!.lowerBound))
    }

    @Test("a quote typed with straight quotes and a hyphen finds the text's curly quotes and dash")
    func typographicQuote() throws {
        let test = try TestLibrary()
        _ = try test.library.addDocument(text: "He said \u{201C}not yet\u{201D}\u{2014}and\nleft.", DocumentDraft(title: "T", slug: "t"))
        let annotation = try test.library.annotate(AnnotationDraft(document: "t", anchor: .quote(exact: "\"not yet\" - and left")))
        #expect(annotation.quoteExact == "\u{201C}not yet\u{201D}\u{2014}and\nleft")
        #expect(annotation.positionStart == 8)
    }

    @Test("list --doc orders by position in the current edition, then page; --page filters by overlap")
    func orderAndPages() throws {
        let test = try TestLibrary()
        _ = try test.library.addDocument(text: Self.first, DocumentDraft(title: "Lamp", slug: "lamp"))
        let drafts = [
            AnnotationDraft(document: "lamp", anchor: .quote(exact: "he was asleep"), page: "p. 3"),
            AnnotationDraft(document: "lamp", page: "Location 1234-1240", note: "kindle"),
            AnnotationDraft(document: "lamp", page: "xii", note: "front matter"),
            AnnotationDraft(document: "lamp", anchor: .quote(exact: "The keeper"), page: "202-03"),
            AnnotationDraft(document: "lamp", page: "p. 202", note: "page only"),
        ]
        let made = try drafts.map { try test.library.annotate($0) }
        let order = try test.library.items(ItemFilter(document: "lamp")).map(\.id)
        #expect(order == [made[3].id, made[0].id, made[2].id, made[4].id, made[1].id])
        let onPage = try test.library.items(ItemFilter(page: PageLocator(parsing: "pp. 203-210"))).map(\.id)
        #expect(onPage == [made[3].id])
        let roman = try test.library.items(ItemFilter(document: "lamp", page: PageLocator(parsing: "xi-xiii"))).map(\.id)
        #expect(roman == [made[2].id])
        let kindle = try test.library.items(ItemFilter(page: PageLocator(parsing: "loc. 1240"))).map(\.id)
        #expect(kindle == [made[1].id])
    }
}
