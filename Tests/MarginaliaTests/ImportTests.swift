import Foundation
import Testing

@testable import Marginalia

/// A Kindle clippings file as a Kindle writes it: a byte order mark before
/// titles, CRLF, an extended highlight, a note on it, a bookmark, a
/// clipping-limit placeholder, Location-only meta lines and a US date.
let kindleClippings = [
    "\u{FEFF}The Mill on the Floss (Eliot, George)",
    "- Your Highlight on page 12 | Location 180-181 | Added on Sunday, 3 March 2024 14:05:11",
    "",
    "Tom said the mill turned all night.",
    "==========",
    "\u{FEFF}The Mill on the Floss (Eliot, George)",
    "- Your Highlight on page 12 | Location 180-183 | Added on Sunday, 3 March 2024 14:06:40",
    "",
    "Tom said the mill turned all night, and the river rose.",
    "==========",
    "The Mill on the Floss (Eliot, George)",
    "- Your Note on page 12 | Location 183 | Added on Sunday, 3 March 2024 14:07:02",
    "",
    "Flood foreshadowing?",
    "==========",
    "The Mill on the Floss (Eliot, George)",
    "- Your Bookmark on page 40 | Location 610 | Added on Monday, 4 March 2024 09:00:00",
    "",
    "",
    "==========",
    "The Mill on the Floss (Eliot, George)",
    "- Your Highlight at location 300-301 | Added on Monday, 4 March 2024 09:10:00",
    "",
    "<You have reached the clipping limit for this item>",
    "==========",
    "Notes from Underground (Fyodor Dostoyevsky; Constance Garnett)",
    "- Your Highlight on Location 55-57 | Added on Tuesday, March 5, 2024 2:05:11 PM",
    "",
    "I am a sick man.",
    "I am a spiteful man.",
    "==========",
    "Notes from Underground (Fyodor Dostoyevsky; Constance Garnett)",
    "- Your Note on Location 900 | Added on Tuesday, March 5, 2024 2:10:00 PM",
    "",
    "Compare with Gogol.",
    "==========",
    "",
].joined(separator: "\r\n")

/// Hypothesis API rows: a highlight with a note, tags and three selectors,
/// a page note, a private annotation and a reply.
let hypothesisRows = """
    {"total": 4, "rows": [
      {"id": "hyp-1", "created": "2024-03-03T14:05:11.123456+00:00", "updated": "2024-03-04T10:00:00.000000+00:00",
       "user": "acct:ada@hypothes.is", "uri": "https://example.org/mill", "group": "__world__",
       "text": "The **mill** again", "tags": ["river", "omen"], "permissions": {"read": ["group:__world__"]},
       "document": {"title": ["The Mill"]},
       "target": [{"source": "https://example.org/mill", "selector": [
         {"type": "RangeSelector", "startContainer": "/p[1]", "startOffset": 0, "endContainer": "/p[1]", "endOffset": 8},
         {"type": "TextPositionSelector", "start": 4, "end": 8},
         {"type": "TextQuoteSelector", "exact": "mill", "prefix": "The ", "suffix": " turned"}]}]},
      {"id": "hyp-2", "created": "2024-03-03T15:00:00.000000+00:00", "user": "acct:ada@hypothes.is",
       "uri": "https://example.org/mill", "text": "A page note", "tags": [],
       "target": [{"source": "https://example.org/mill"}], "document": {"title": ["The Mill"]}},
      {"id": "hyp-3", "created": "2024-03-03T16:00:00.5+00:00", "user": "acct:ada@hypothes.is",
       "uri": "https://example.org/mill", "text": "", "tags": ["mine"], "permissions": {"read": ["acct:ada@hypothes.is"]},
       "target": [{"source": "https://example.org/mill", "selector": [{"type": "TextQuoteSelector", "exact": "river rose"}]}]},
      {"id": "hyp-4", "user": "acct:bo@hypothes.is", "uri": "https://example.org/mill", "text": "Agreed",
       "references": ["hyp-1"], "target": [{"source": "https://example.org/mill"}]}
    ]}
    """

let millText = "The mill turned all night and the river rose.\n"

extension Library {
    /// The annotation an id names.
    func annotation(_ id: String) throws -> Annotation {
        guard case .annotation(let annotation) = try item(id) else {
            throw MarginaliaError.notFound(kind: "annotation", reference: id)
        }
        return annotation
    }
}

@Suite("Imports")
struct ImportTests {
    func status(_ library: Library) throws -> (String, Int, Int) {
        (try library.status().stateHash, try library.documents().count, try library.items(ItemFilter()).count)
    }

    func utc(_ text: String) -> Date { Timestamps.parseISO8601(text)! }

    /// The message of the error `body` throws.
    func failure(_ body: () throws -> Any) throws -> String {
        do {
            _ = try body()
        } catch let error as MarginaliaError {
            return error.description
        }
        Issue.record("no error was thrown")
        return ""
    }

    // MARK: Kindle

    @Test func kindleClippingsBecomePaperBookHighlights() throws {
        let parsed = try ImportFormat.kindle.parse(Data(kindleClippings.utf8))
        #expect(parsed.annotations.map(\.location) == ["line 6", "line 26", "line 32"])
        #expect(parsed.skipped.map(\.location) == ["line 16", "line 21", "line 1"])
        #expect(parsed.skipped.map(\.reason)[0] == "a bookmark")

        let test = try TestLibrary()
        let summary = try test.library.importAnnotations(parsed)
        #expect(summary.added.count == 3 && summary.unchanged == 0 && summary.skipped.count == 3)
        #expect(summary.documentsCreated.map(\.title).sorted() == ["Notes from Underground", "The Mill on the Floss"])
        let mill = try test.library.document("The Mill on the Floss")
        #expect(mill.authors == ["Eliot, George"] && mill.currentText == nil)
        #expect(try test.library.document("Notes from Underground").authors == ["Fyodor Dostoyevsky", "Constance Garnett"])

        let annotations = try summary.added.map { try test.library.annotation($0) }
        #expect(annotations[0].quoteExact == "Tom said the mill turned all night, and the river rose.")
        #expect(annotations[0].page == "p. 12")
        #expect(annotations[0].body == "Flood foreshadowing?")
        #expect(annotations[0].createdHlc.date == utc("2024-03-03T14:05:11Z"), "the first version's time")
        #expect(annotations[1].quoteExact == "I am a sick man.\nI am a spiteful man.")
        #expect(annotations[1].page == "loc. 55-57" && annotations[1].body == nil)
        #expect(annotations[1].createdHlc.date == utc("2024-03-05T14:05:11Z"))
        #expect(annotations[2].quoteExact == nil && annotations[2].page == "loc. 900")
        #expect(annotations[2].body == "Compare with Gogol.")
    }

    @Test func importingTheSameFileTwiceAddsNothing() throws {
        let test = try TestLibrary()
        let data = Data(kindleClippings.utf8)
        _ = try test.library.importAnnotations(data, format: .kindle)
        let before = try status(test.library)
        let again = try test.library.importAnnotations(data, format: .kindle)
        #expect(again.added.isEmpty && again.unchanged == 3 && again.documentsCreated.isEmpty)
        #expect(try status(test.library) == before)
        #expect(try test.library.check(rebuild: true).ok)
    }

    /// Another replica that imported the same file may have changed an
    /// annotation, and that change may arrive before any create of it: the
    /// import's create then joins the change already in the log.
    @Test func anImportedAnnotationJoinsAChangeThatArrivedBeforeIt() throws {
        let ada = try TestLibrary(name: "Ada")
        let bo = try TestLibrary(name: "Bo")
        let data = Data(kindleClippings.utf8)
        let id = try ada.library.importAnnotations(data, format: .kindle).added[0]
        try ada.library.retag(id, adding: ["from-ada"])
        let retag = try ada.library.operations().filter {
            guard case .add = $0.change else { return false }
            return $0.entityID == id
        }
        #expect(retag.count == 1)
        try bo.library.integrate(retag)
        #expect(try bo.library.items().isEmpty, "a change without its create stays in the log only")

        _ = try bo.library.importAnnotations(data, format: .kindle)
        guard case .annotation(let joined) = try bo.library.item(id) else {
            Issue.record("the imported annotation is missing")
            return
        }
        #expect(joined.tags.contains("from-ada"))
        #expect(try bo.library.check().ok)
    }

    @Test func aBadKindleRecordAtTheEndLeavesTheLibraryUntouched() throws {
        let test = try TestLibrary()
        let before = try status(test.library)
        let bad = kindleClippings + "Broken Book\r\nYour Highlight on page 3\r\n\r\ntext\r\n==========\r\n"
        let message = try failure { try test.library.importAnnotations(Data(bad.utf8), format: .kindle) }
        #expect(message.hasPrefix("the kindle file is malformed at line 37: expected a line like"), "\(message)")
        #expect(!message.contains("\n"))
        #expect(try status(test.library) == before)
    }

    @Test func kindleHeadersAndDates() {
        #expect(KindleClippings.document("Title Only") == ImportedDocument(source: nil, title: "Title Only"))
        #expect(
            KindleClippings.document("Dune (Dune Chronicles) (Herbert, Frank)")
                == ImportedDocument(source: nil, title: "Dune (Dune Chronicles)", authors: ["Herbert, Frank"]))
        let dates = KindleClippings.DateReader()
        #expect(dates.date("Sunday, 3 March 2024 14:05:11") == utc("2024-03-03T14:05:11Z"))
        #expect(dates.date("Tuesday, March 5, 2024 2:05:11 PM") == utc("2024-03-05T14:05:11Z"))
        #expect(dates.date("3 March 2024 14:05:11") == utc("2024-03-03T14:05:11Z"))
        #expect(dates.date("sometime") == nil)
    }

    // MARK: Hypothesis

    @Test func hypothesisRowsIntoAnEmptyLibrary() throws {
        let test = try TestLibrary()
        let summary = try test.library.importAnnotations(Data(hypothesisRows.utf8), format: .hypothesis)
        #expect(summary.added.count == 3)
        #expect(summary.skipped.map(\.location) == ["row 4 (hyp-4)"])
        #expect(summary.documentsCreated.map(\.title) == ["The Mill"])
        #expect(summary.documentsCreated[0].identifiers == ["url:https://example.org/mill"])
        let (highlight, pageNote, secret) = try (
            test.library.annotation(summary.added[0]), test.library.annotation(summary.added[1]),
            test.library.annotation(summary.added[2])
        )
        #expect(highlight.quoteExact == "mill" && highlight.quotePrefix == "The " && highlight.quoteSuffix == " turned")
        #expect(highlight.positionStart == 4 && highlight.positionEnd == 8)
        #expect(highlight.body == "The **mill** again" && highlight.tags == ["omen", "river"])
        #expect(highlight.createdHlc.milliseconds == Int64((utc("2024-03-03T14:05:11.123Z").timeIntervalSince1970 * 1000).rounded()))
        #expect(highlight.visibility == .shared && highlight.motivation == .commenting)
        #expect(pageNote.quoteExact == nil && pageNote.body == "A page note")
        #expect(secret.visibility == .private && secret.tags == ["mine"] && secret.body == nil)
    }

    @Test func hypothesisAnnotationsFindTheirPassageInADocumentWithText() throws {
        let test = try TestLibrary()
        let doc = try test.library.addDocument(
            text: "Preface.\n\n" + millText, DocumentDraft(title: "Mill", url: "https://example.org/mill"))
        let summary = try test.library.importAnnotations(Data(hypothesisRows.utf8), format: .hypothesis)
        #expect(summary.documentsCreated.isEmpty && summary.added.count == 3)
        let highlight = try test.library.annotation(summary.added[0])
        #expect(highlight.documentId == doc.id && highlight.textHash == doc.currentText)
        #expect(highlight.positionStart == 14 && highlight.positionEnd == 18, "found by its quote, not its stale position")
        #expect(try test.library.annotation(summary.added[2]).quoteExact == "river rose")
    }

    @Test func aPassageMissingFromTheTextIsSkipped() throws {
        let test = try TestLibrary()
        _ = try test.library.addDocument(text: "Nothing to see.\n", DocumentDraft(title: "Other", slug: "other"))
        let summary = try test.library.importAnnotations(Data(hypothesisRows.utf8), format: .hypothesis, into: "other")
        #expect(summary.added.count == 1, "only the page note")
        #expect(summary.skipped.filter { $0.reason.contains("not in the text") }.count == 2)
    }

    // MARK: JSON-LD

    static let webAnnotations = """
        [
          {"@context": "http://www.w3.org/ns/anno.jsonld", "id": "http://example.org/anno1", "type": "Annotation",
           "bodyValue": "A comment", "target": "http://example.org/page1"},
          {"id": "http://example.org/anno2", "type": "Annotation", "body": "a plain string body",
           "target": {"source": "http://example.org/page1", "selector": {"type": "FragmentSelector", "value": "page=12",
             "refinedBy": {"type": "TextQuoteSelector", "exact": "the annotation"}}}},
          {"id": "http://example.org/anno3", "type": ["Annotation"], "motivation": "describing", "created": "2015-01-28T12:00:00Z",
           "body": [{"type": "TextualBody", "value": "love", "purpose": "tagging"},
                    {"type": "TextualBody", "value": "<p>j'adore</p>", "format": "text/html", "language": "fr"},
                    {"id": "http://example.org/image.png", "type": "Image"}],
           "target": {"source": {"id": "urn:isbn:9780140620443"}, "selector": [{"type": "TextPositionSelector", "start": 10, "end": 20}]}},
          {"id": "http://example.org/anno4", "type": "Annotation", "target": "http://example.org/page2"}
        ]
        """

    @Test func webAnnotationVariants() throws {
        let parsed = try ImportFormat.jsonld.parse(Data(Self.webAnnotations.utf8))
        #expect(parsed.annotations.count == 3 && parsed.skipped.map(\.location) == ["annotation 4 (http://example.org/anno4)"])
        let (first, second, third) = (parsed.annotations[0], parsed.annotations[1], parsed.annotations[2])
        #expect(first.note == "A comment" && first.quote == nil && first.document.source == "http://example.org/page1")
        #expect(second.note == "a plain string body" && second.quote?.exact == "the annotation" && second.page?.description == "p. 12")
        #expect(third.tags == ["love"] && third.note == "j'adore" && third.motivation == .describing)
        #expect(third.position == TextPositionSelector(start: 10, end: 20) && third.created == utc("2015-01-28T12:00:00Z"))

        let test = try TestLibrary()
        let summary = try test.library.importAnnotations(parsed)
        #expect(summary.documentsCreated.map(\.title) == ["example.org/page1", "ISBN 9780140620443"])
        #expect(summary.documentsCreated[1].identifiers == ["isbn:9780140620443"])
    }

    @Test func pagesAndCollectionsWithEmbeddedPages() throws {
        let annotation = #"{"id": "urn:x:%@", "type": "Annotation", "bodyValue": "note %@", "target": "http://example.org/p"}"#
        func item(_ n: Int) -> String { annotation.replacingOccurrences(of: "%@", with: "\(n)") }
        let page = #"{"type": "AnnotationPage", "items": [\#(item(1)), \#(item(2))], "next": {"type": "AnnotationPage", "items": [\#(item(3))]}}"#
        let collection = #"{"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection", "total": 3, "first": \#(page)}"#
        #expect(try ImportFormat.jsonld.parse(Data(page.utf8)).annotations.map(\.note) == ["note 1", "note 2", "note 3"])
        #expect(try ImportFormat.jsonld.parse(Data(collection.utf8)).annotations.count == 3)
        #expect(try ImportFormat.jsonld.parse(Data(item(7).utf8)).annotations.map(\.note) == ["note 7"])
        let named = #"{"type": "AnnotationCollection", "first": "http://example.org/page1"}"#
        #expect(throws: MarginaliaError.self) { try ImportFormat.jsonld.parse(Data(named.utf8)) }
        // A page saved alone: its items, and a note that the next page is not in the file.
        let alone = try ImportFormat.jsonld.parse(
            Data(#"{"type": "AnnotationPage", "items": [\#(item(1))], "next": "http://example.org/page2"}"#.utf8))
        #expect(alone.annotations.count == 1 && alone.skipped.map(\.location) == ["page http://example.org/page2"])
        // A composite target stands for its first item; a selector named by an IRI is not read.
        let composite = #"{"id": "c", "type": "Annotation", "bodyValue": "x", "target": {"type": "Composite", "items": ["#
            + #"{"source": "http://example.org/a", "selector": "http://example.org/selector1"}, "http://example.org/b"]}}"#
        #expect(try ImportFormat.jsonld.parse(Data(composite.utf8)).annotations.map(\.document.source) == ["http://example.org/a"])
    }

    @Test func malformedJSONNamesTheLineOrTheRecord() throws {
        let test = try TestLibrary()
        let before = try status(test.library)
        let broken = "[\n  {\"id\": \"a\",\n   \"type\": }\n]"
        #expect(try failure { try test.library.importAnnotations(Data(broken.utf8), format: .jsonld) }
            == "the jsonld file is malformed at line 3, column 12: this is not valid JSON; nothing was imported")
        let badLast = "[" + #"{"id": "a", "type": "Annotation", "bodyValue": "fine", "target": "http://example.org/p"}, "#
            + #"{"id": "b", "type": "Annotation", "bodyValue": "no target"}]"#
        #expect(try failure { try test.library.importAnnotations(Data(badLast.utf8), format: .jsonld) }
            .contains("at annotation 2 (b): field target"))
        #expect(try status(test.library) == before)
        let trailing = #"{"id": "a", "type": "Annotation", "bodyValue": "x", "target": "http://example.org/p"}"# + "\n}"
        #expect(try failure { try test.library.importAnnotations(Data(trailing.utf8), format: .jsonld) }
            == "the jsonld file is malformed at line 2, column 1: this is not valid JSON; nothing was imported")
        // Numbers with fractions (which the library's own reader refuses) are read too.
        let fractional = #"{"id": "c", "type": "Annotation", "bodyValue": "x", "score": 0.5, "target": "http://example.org/p"}"#
        #expect(try ImportFormat.jsonld.parse(Data(fractional.utf8)).annotations.count == 1)
    }

    @Test func exportThenImportIntoAnEmptyLibraryGivesTheSameAnnotations() throws {
        let clock = ManualClock()
        let source = try TestLibrary(name: "Ada", clock: clock)
        let doc = try source.library.addDocument(
            text: millText, DocumentDraft(title: "Mill", url: "https://example.org/mill")).id
        var originals = [
            try source.library.annotate(
                AnnotationDraft(document: doc, anchor: .quote(exact: "mill"), note: "the wheel\nturns", tags: ["river", "work"]))
        ]
        clock.advance(1500)
        originals.append(try source.library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "river rose"), page: "p. 12")))
        clock.advance(1500)
        _ = try source.library.addDocument(withoutText: DocumentDraft(title: "Middlemarch", slug: "middlemarch"))
        originals.append(
            try source.library.annotate(
                AnnotationDraft(document: "middlemarch", anchor: .quote(exact: "Miss Brooke"), page: "pp. 202-03", note: "Dorothea")))
        clock.advance(1500)
        originals.append(try source.library.annotate(AnnotationDraft(document: "middlemarch", page: "xii", motivation: .bookmarking)))
        let exported = try source.library.export(ExportRequest(format: .jsonld))

        let target = try TestLibrary(name: "Bo")
        let summary = try target.library.importAnnotations(exported, format: .jsonld)
        #expect(summary.added.count == originals.count && summary.skipped.isEmpty)
        #expect(summary.documentsCreated.map(\.title).sorted() == ["Document middlemarch", "example.org/mill"])
        func shape(_ a: Annotation) -> [String] {
            [
                a.quoteExact, a.quotePrefix, a.quoteSuffix, a.positionStart.map(String.init), a.positionEnd.map(String.init),
                a.page, a.body, a.tags.joined(separator: ","), a.motivation.rawValue, a.visibility.rawValue,
                String(a.createdHlc.milliseconds),
            ].map { $0 ?? "-" }
        }
        let imported = try summary.added.map { try target.library.annotation($0) }
        #expect(Set(imported.map(shape)) == Set(try originals.map { try shape(source.library.annotation($0.id)) }))
        #expect(imported.allSatisfy { $0.createdBy == (try? target.library.localReader().readerID) })

        // Again into either library: nothing new.
        #expect(try target.library.importAnnotations(exported, format: .jsonld).added.isEmpty)
        let back = try source.library.importAnnotations(exported, format: .jsonld)
        #expect(back.added.isEmpty && back.unchanged == originals.count && back.documentsCreated.isEmpty)
    }

    @Test func theFormatIsGuessedOnlyWhenClear() {
        #expect(ImportFormat.guess(Data(kindleClippings.utf8)) == .kindle)
        #expect(ImportFormat.guess(Data(hypothesisRows.utf8)) == .hypothesis)
        #expect(ImportFormat.guess(Data(Self.webAnnotations.utf8)) == .jsonld)
        #expect(ImportFormat.guess(Data("[]".utf8)) == nil)
        #expect(ImportFormat.guess(Data("[]".utf8), fileName: "x.jsonld") == .jsonld)
        #expect(ImportFormat.guess(Data("hello".utf8)) == nil)
    }
}
