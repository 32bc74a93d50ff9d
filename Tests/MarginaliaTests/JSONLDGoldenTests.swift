import Crypto
import Foundation
import Testing

@testable import Marginalia

/// The JSON-LD export, byte for byte, against files it wrote before (in
/// `ExportGolden/`): the export promises byte-identical output for the same
/// state, so a faster way of writing it must write the very same bytes.
///
/// Ids are random, so each one is replaced by a name before comparing.
/// `MARGINALIA_RECORD_GOLDEN=1 swift test --filter JSONLDGolden` writes the
/// files anew (only when the format is meant to change).
@Suite("JSON-LD export golden files")
struct JSONLDGoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("ExportGolden")

    /// Two readers' libraries: Ada's holds tags, notes with characters that
    /// need escaping, pages of a paper book, a reply, private items, a private
    /// document, a deleted annotation, annotations re-anchored and orphaned by
    /// a new edition, and one of Bo's made on the old edition, placed when read.
    struct Sample {
        let ada: TestLibrary
        let bo: TestLibrary
        /// Ids to the names that replace them.
        var names: [String: String] = [:]
        /// A time after the first annotations and before the later ones.
        var cut = Date()

        init() throws {
            let clock = ManualClock()
            ada = try TestLibrary(name: "Ada \"Lovelace\" \\ Łódź 🍵", clock: clock)
            bo = try TestLibrary(name: "Bo", clock: clock)
            let library = ada.library
            names[try library.status().reader.readerID] = "ada"
            names[try bo.library.status().reader.readerID] = "bo"
            let text = sampleText + "\nHe wrote \"C:\\path\\to\" then\ta tab, and Ünïcödé 論文 at the end."
            _ = try library.addDocument(
                text: text, DocumentDraft(title: "Mill & <River>", authors: ["G. Eliot"], url: "https://example.org/mill", slug: "mill"))
            _ = try library.addDocument(
                withoutText: DocumentDraft(title: "Middlemarch", authors: ["George Eliot"], isbn: "9780141439549", slug: "middlemarch"))
            _ = try library.addDocument(
                text: "Ünïcödé 論文 «quoted» text, with a\u{2028}line separator.",
                DocumentDraft(title: "Ünïcödé 論文", doi: "10.1000/xyz123", slug: "unicode"))
            _ = try library.addDocument(text: "Nothing much happened today.", DocumentDraft(title: "Diary", slug: "diary", visibility: .private))
            _ = try library.addDocument(text: "A plain text without identifiers.", DocumentDraft(title: "Plain", slug: "plain"))
            func annotate(_ name: String, _ draft: AnnotationDraft) throws {
                clock.advance(1000)
                names[try library.annotate(draft).id] = name
            }
            try annotate(
                "cafe",
                AnnotationDraft(
                    document: "mill", anchor: .quote(exact: "Café 🍵 society"),
                    note: "a \"quoted\", <b>note</b>\nsecond line\twith a tab, a \\ and a /", tags: ["river", "people", "Zebra", "élan"]))
            try annotate("tom", AnnotationDraft(document: "mill", anchor: .quote(exact: "Tom said"), page: "p. 12"))
            try annotate("secret", AnnotationDraft(document: "mill", anchor: .quote(exact: "mill"), note: "private thought", visibility: .private))
            try annotate("window", AnnotationDraft(document: "mill", anchor: .quote(exact: "window")))
            try annotate("path", AnnotationDraft(document: "mill", anchor: .quote(exact: "\"C:\\path\\to\""), tags: ["windows"]))
            try annotate("page", AnnotationDraft(document: "middlemarch", page: "pp. 202-03", note: "Dorothea", tags: ["ch-20"]))
            try annotate("roman", AnnotationDraft(document: "middlemarch", page: "xii", note: "preface"))
            try annotate("location", AnnotationDraft(document: "middlemarch", page: "Location 1234-1240", note: "Kindle"))
            try annotate("gone", AnnotationDraft(document: "mill", anchor: .quote(exact: "turned all night"), note: "orphan soon"))
            try annotate("moved", AnnotationDraft(document: "mill", anchor: .quote(exact: "Maggie read"), note: "moves"))
            try annotate("thesis", AnnotationDraft(document: "unicode", anchor: .quote(exact: "論文"), note: "«» \u{2028}", tags: ["論文"]))
            try annotate("diary", AnnotationDraft(document: "diary", anchor: .quote(exact: "happened"), note: "shared note, private document"))
            try annotate("plain", AnnotationDraft(document: "plain", anchor: .quote(exact: "plain text")))
            try annotate("deleted", AnnotationDraft(document: "plain", anchor: .quote(exact: "identifiers"), note: "never exported"))
            _ = try library.delete(id("deleted"))
            cut = Date(timeIntervalSince1970: Double(clock.now) / 1000 + 0.5)
            clock.advance(1000)
            try annotate("reply", AnnotationDraft(document: "mill", note: "I agree, \"strongly\"", replyTo: id("cafe")))

            // Bo annotates the first edition; Ada's library places it in the second when read.
            _ = try bo.library.importBundle(try library.exportBundle().data)
            clock.advance(1000)
            names[try bo.library.annotate(AnnotationDraft(document: "mill", anchor: .quote(exact: "high again"), note: "Bo's view", tags: ["river"])).id] = "bo-view"
            clock.advance(1000)
            _ = try library.updateDocument("mill", text: "A new first line.\n" + text.replacingOccurrences(of: "turned all night", with: "stood idle"))
            clock.advance(1000)
            _ = try library.importBundle(try bo.library.exportBundle().data)

            try library.createSet("pick", members: [id("tom"), id("secret"), id("page"), id("diary")])
            try library.createSet("river", filter: SetFilter(tag: "river"), members: [id("roman")])
        }

        /// The id of the annotation `name` names.
        func id(_ name: String) -> String { names.first { $0.value == name }!.key }

        /// The export with every id replaced by its name.
        func export(_ request: ExportRequest) throws -> String {
            JSONLDGoldenTests.naming(try ada.library.export(request), names)
        }
    }

    /// `export` with each id in `names` (as it is, or as the UUID of an
    /// annotation's IRI) replaced by `{name}`, in one pass over the text.
    static func naming(_ export: Data, _ names: [String: String]) -> String {
        var byForm: [String: String] = [:]
        for (id, name) in names {
            byForm[id] = "{\(name)}"
            byForm[String(JSONLDExport.iri(annotation: id).dropFirst("urn:uuid:".count))] = "{\(name)}"
        }
        let text = String(decoding: export, as: UTF8.self)
        let ids = try! NSRegularExpression(pattern: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")
        var named = ""
        var last = text.startIndex
        for match in ids.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let range = Range(match.range, in: text)!
            named += text[last..<range.lowerBound]
            named += byForm[String(text[range])] ?? String(text[range])
            last = range.upperBound
        }
        return named + text[last...]
    }

    static let requests: [(name: String, request: ExportRequest)] = [
        ("all", ExportRequest(format: .jsonld)),
        ("all-private", ExportRequest(format: .jsonld, includePrivate: true)),
        ("set-pick", ExportRequest(format: .jsonld, set: "pick")),
        ("set-pick-private", ExportRequest(format: .jsonld, set: "pick", includePrivate: true)),
        ("set-river", ExportRequest(format: .jsonld, set: "river")),
        ("tag-people", ExportRequest(format: .jsonld, tag: "people")),
        ("author-bo", ExportRequest(format: .jsonld, author: "Bo")),
        ("doc-mill-private", ExportRequest(format: .jsonld, document: "mill", includePrivate: true)),
        ("set-river-tag-river-doc-mill", ExportRequest(format: .jsonld, set: "river", document: "mill", tag: "river")),
    ]

    @Test("the export writes the bytes it wrote before, for every filter")
    func sameBytesAsBefore() throws {
        let sample = try Sample()
        let record = ProcessInfo.processInfo.environment["MARGINALIA_RECORD_GOLDEN"] == "1"
        var requests = Self.requests
        requests.append(("since", ExportRequest(format: .jsonld, since: sample.cut)))
        requests.append(("since-private", ExportRequest(format: .jsonld, since: sample.cut, includePrivate: true)))
        for (name, request) in requests {
            let file = Self.folder.appendingPathComponent("\(name).jsonld")
            let text = try sample.export(request)
            if record {
                try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: file)
            }
            let expected = try String(contentsOf: file, encoding: .utf8)
            #expect(text == expected, "\(name): differs from ExportGolden/\(name).jsonld")
        }
    }

    /// Recorded when exports of over 1,000 annotations became one page (before,
    /// each page of 1,000 was embedded in the previous one's `next`, which
    /// the W3C model does not allow).
    @Test("an export of 2,005 annotations keeps its bytes")
    func largeExportSameBytesAsBefore() throws {
        let clock = ManualClock()
        let test = try TestLibrary(name: "Ada", clock: clock)
        let text = (0..<400).map { "Sentence \($0) of a long text." }.joined(separator: " ")
        _ = try test.library.addDocument(text: text, DocumentDraft(title: "Long", slug: "long"))
        let count = 2_005
        let annotations = try test.library.annotate(
            (0..<count).map {
                AnnotationDraft(
                    document: "long", anchor: .position(start: $0 % 3000, end: $0 % 3000 + 8), note: $0 % 2 == 0 ? "n\($0)" : nil,
                    tags: $0 % 7 == 0 ? ["t\($0 % 3)", "a"] : [])
            })
        var names = [try test.library.status().reader.readerID: "reader"]
        for (index, annotation) in annotations.enumerated() { names[annotation.id] = "a\(index)" }
        let exported = Self.naming(try test.library.export(ExportRequest(format: .jsonld)), names)
        let digest = Identifier.hex(SHA256.hash(data: Data(exported.utf8)))
        let file = Self.folder.appendingPathComponent("pages.sha256")
        if ProcessInfo.processInfo.environment["MARGINALIA_RECORD_GOLDEN"] == "1" {
            try Data((digest + "\n").utf8).write(to: file)
        }
        let expected = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(digest == expected, "the export of \(count) annotations (\(exported.utf8.count) bytes) differs from before")
    }

    @Test("the JSON-LD export holds the annotations the other formats hold, in their order and places")
    func sameSelectionAsTheOtherFormats() throws {
        let sample = try Sample()
        var requests = Self.requests.map(\.request)
        requests.append(ExportRequest(format: .jsonld, since: sample.cut, includePrivate: true))
        // A title not in NFC: by its bytes, "e\u{301}tude" comes before "fin"; as Swift compares strings, after.
        let library = sample.ada.library
        _ = try library.addDocument(text: "Une étude du soir.", DocumentDraft(title: "e\u{301}tude", slug: "etude"))
        _ = try library.addDocument(text: "La fin du jour.", DocumentDraft(title: "fin", slug: "fin"))
        #expect(try library.document("etude").title.unicodeScalars.count == 6, "the title is kept as given")
        _ = try library.annotate(AnnotationDraft(document: "etude", anchor: .quote(exact: "soir"), note: "décomposé"))
        _ = try library.annotate(AnnotationDraft(document: "fin", anchor: .quote(exact: "jour")))
        // A set of one reader's annotations and a member of another's.
        try library.createSet("by-bo", filter: SetFilter(author: "Bo"), members: [sample.names.first { $0.value == "tom" }!.key])
        requests.append(ExportRequest(format: .jsonld, set: "by-bo"))
        for request in requests {
            let contents = try library.exportContents(request)
            let expected = contents.annotations.map { annotation in
                [JSONLDExport.iri(annotation: annotation.id), annotation.anchor?.position.map { "\($0.start)-\($0.end)" } ?? "-"]
            }
            let root = try #require(try JSONSerialization.jsonObject(with: try library.export(request)) as? [String: Any])
            #expect(root["label"] as? String == contents.title)
            var exported: [[String]] = []
            var page = root["first"] as? [String: Any]
            while let current = page {
                for item in current["items"] as? [[String: Any]] ?? [] {
                    let targets = item["target"] as? [Any] ?? [item["target"] as Any]
                    let target = targets.first as? [String: Any]
                    let selectors = target?["selector"] as? [[String: Any]] ?? [(target?["selector"] as? [String: Any])].compactMap { $0 }
                    let position = selectors.first { $0["type"] as? String == "TextPositionSelector" }
                    exported.append([item["id"] as? String ?? "", position.map { "\($0["start"] ?? "")-\($0["end"] ?? "")" } ?? "-"])
                }
                page = current["next"] as? [String: Any]
            }
            #expect(exported == expected, "\(request)")
        }
    }
}
