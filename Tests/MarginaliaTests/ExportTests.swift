import Foundation
import Testing

@testable import Marginalia

@Suite("Exports")
struct ExportTests {
    /// Ada's library: a text with two shared annotations and a private one,
    /// a paper book with a page note, and an orphan after a new edition.
    func sample(clock: ManualClock = ManualClock()) throws -> (TestLibrary, [String: Annotation]) {
        let test = try TestLibrary(name: "Ada <&> \"Lovelace\"", clock: clock)
        let library = test.library
        let doc = try library.addDocument(
            text: sampleText, DocumentDraft(title: "Mill & <River>", authors: ["G. Eliot"], url: "https://example.org/mill", slug: "mill")).id
        var notes: [String: Annotation] = [:]
        notes["cafe"] = try library.annotate(
            AnnotationDraft(document: doc, anchor: .quote(exact: "Café 🍵 society"), note: "a \"quoted\", <b>note</b>\nsecond line", tags: ["river", "people"]))
        clock.advance(1000)
        notes["tom"] = try library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "Tom said"), page: "p. 12"))
        clock.advance(1000)
        notes["secret"] = try library.annotate(
            AnnotationDraft(document: doc, anchor: .quote(exact: "mill"), note: "private thought", visibility: .private))
        clock.advance(1000)
        _ = try library.addDocument(withoutText: DocumentDraft(title: "Middlemarch", authors: ["George Eliot"], slug: "middlemarch"))
        notes["page"] = try library.annotate(AnnotationDraft(document: "middlemarch", page: "pp. 202-03", note: "Dorothea"))
        clock.advance(1000)
        notes["gone"] = try library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "turned all night"), note: "orphan soon"))
        clock.advance(1000)
        _ = try library.updateDocument(doc, text: sampleText.replacingOccurrences(of: "turned all night", with: "stood idle"))
        return (test, notes)
    }

    func string(_ library: Library, _ request: ExportRequest) throws -> String {
        String(decoding: try library.export(request), as: UTF8.self)
    }

    @Test("every format is deterministic, and private items appear only when asked", arguments: ExportFormat.allCases)
    func deterministicAndPrivate(_ format: ExportFormat) throws {
        let (test, _) = try sample()
        let first = try test.library.export(ExportRequest(format: format))
        let second = try test.library.export(ExportRequest(format: format))
        #expect(first == second)
        let text = String(decoding: first, as: UTF8.self)
        #expect(!text.contains("private thought"))
        let withPrivate = try string(test.library, ExportRequest(format: format, includePrivate: true))
        #expect(withPrivate.contains("private thought"))
        #expect(text.contains("Dorothea"))
        // The same state rebuilt from the log gives the same bytes.
        #expect(try test.library.check(rebuild: true).ok)
        #expect(try test.library.export(ExportRequest(format: format)) == first)
    }

    @Test func aPrivateDocumentStaysOutWithItsAnnotations() throws {
        let test = try TestLibrary(name: "Ada")
        let doc = try test.library.addDocument(text: sampleText, DocumentDraft(title: "Diary", visibility: .private)).id
        _ = try test.library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "Tom said"), note: "shared note"))
        for format in ExportFormat.allCases {
            let plain = try string(test.library, ExportRequest(format: format))
            #expect(!plain.contains("Diary") && !plain.contains("shared note"), "\(format)")
            #expect(try string(test.library, ExportRequest(format: format, includePrivate: true)).contains("shared note"))
        }
    }

    @Test func sinceAndSetsNarrowTheExport() throws {
        let clock = ManualClock()
        let (test, notes) = try sample(clock: clock)
        let cut = Date(timeIntervalSince1970: Double(clock.now) / 1000 + 1)
        clock.advance(10_000)
        let late = try test.library.annotate(AnnotationDraft(document: "mill", anchor: .quote(exact: "window"), note: "late one"))
        let csv = try string(test.library, ExportRequest(format: .csv, since: cut))
        #expect(csv.contains(late.id))
        #expect(!csv.contains(notes["cafe"]!.id))

        try test.library.createSet("pick", members: [notes["tom"]!.id, notes["secret"]!.id])
        let picked = try string(test.library, ExportRequest(format: .csv, set: "pick"))
        #expect(picked.contains(notes["tom"]!.id))
        #expect(!picked.contains(notes["cafe"]!.id))
        #expect(!picked.contains(notes["secret"]!.id), "private members only with includePrivate")
        #expect(try string(test.library, ExportRequest(format: .csv, set: "pick", includePrivate: true)).contains(notes["secret"]!.id))
        #expect(throws: MarginaliaError.self) { try test.library.export(ExportRequest(format: .csv, set: "nope")) }
    }

    @Test func jsonLDMeetsTheWebAnnotationMusts() throws {
        let (test, notes) = try sample()
        let data = try test.library.export(ExportRequest(format: .jsonld))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(root["@context"] as? String == "http://www.w3.org/ns/anno.jsonld")
        #expect(root["type"] as? String == "AnnotationCollection")
        #expect(isIRI(root["id"]))
        #expect(root["total"] as? Int == 4)
        var page = root["first"] as? [String: Any]
        var items: [[String: Any]] = []
        while let current = page {
            #expect(current["type"] as? String == "AnnotationPage")
            #expect(isIRI(current["id"]))
            items += current["items"] as? [[String: Any]] ?? []
            page = current["next"] as? [String: Any]
        }
        #expect(items.count == 4)
        let stamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/
        for item in items {
            #expect(item["type"] as? String == "Annotation")
            #expect(isIRI(item["id"]))
            #expect((item["id"] as? String)?.hasPrefix("urn:uuid:") == true)
            #expect(item["motivation"] is String)
            #expect((item["created"] as? String)?.wholeMatch(of: stamp) != nil)
            #expect((item["modified"] as? String)?.wholeMatch(of: stamp) != nil)
            let creator = try #require(item["creator"] as? [String: Any])
            #expect(creator["name"] as? String == "Ada <&> \"Lovelace\"")
            let target = try #require(item["target"] as? [String: Any])
            #expect(isIRI(target["source"]))
            let selectors = (target["selector"] as? [[String: Any]]) ?? [(target["selector"] as? [String: Any])].compactMap { $0 }
            #expect(!selectors.isEmpty)
            for selector in selectors {
                let type = selector["type"] as? String
                #expect(["TextQuoteSelector", "TextPositionSelector", "FragmentSelector"].contains(type))
                if type == "TextQuoteSelector" { #expect(selector["exact"] is String) }
                if type == "TextPositionSelector" { #expect(selector["start"] is Int && selector["end"] is Int) }
                if type == "FragmentSelector" { #expect((selector["value"] as? String)?.hasPrefix("page=") == true) }
            }
            let bodies = (item["body"] as? [[String: Any]]) ?? [(item["body"] as? [String: Any])].compactMap { $0 }
            for body in bodies {
                #expect(body["type"] as? String == "TextualBody")
                #expect(body["value"] is String)
                #expect(body["format"] as? String == "text/plain")
                #expect(["commenting", "tagging"].contains(body["purpose"] as? String))
            }
        }
        let cafe = try #require(items.first { ($0["id"] as? String)?.replacingOccurrences(of: "-", with: "").hasSuffix(notes["cafe"]!.id) == true })
        let bodies = try #require(cafe["body"] as? [[String: Any]])
        #expect(bodies.filter { $0["purpose"] as? String == "tagging" }.compactMap { $0["value"] as? String } == ["people", "river"])
        let target = try #require(cafe["target"] as? [String: Any])
        #expect(target["source"] as? String == "https://example.org/mill")
        let position = try #require((target["selector"] as? [[String: Any]])?.first { $0["type"] as? String == "TextPositionSelector" })
        #expect(position["start"] as? Int == 0)
        #expect(position["end"] as? Int == 14)
    }

    func isIRI(_ value: Any?) -> Bool {
        guard let text = value as? String, let colon = text.firstIndex(of: ":") else { return false }
        let scheme = text[..<colon]
        return !scheme.isEmpty && scheme.first!.isLetter && scheme.allSatisfy { $0.isLetter || $0.isNumber || "+-.".contains($0) }
            && !text.contains(where: { $0.isWhitespace || "<>\"{}|\\^`".contains($0) })
    }

    @Test func markdownGroupsByDocumentWithFrontMatter() throws {
        let (test, _) = try sample()
        let markdown = try string(test.library, ExportRequest(format: .markdown))
        #expect(markdown.hasPrefix("---\ntitle: \"Marginalia export\"\n"))
        #expect(markdown.contains("\nannotations: 4\n"))
        #expect(markdown.contains("## Mill & \\<River\\>"))
        #expect(markdown.contains("## Middlemarch"))
        #expect(markdown.range(of: "## Middlemarch")!.lowerBound < markdown.range(of: "## Mill")!.lowerBound)
        #expect(markdown.contains("> Café 🍵 society\n"))
        #expect(markdown.contains("> *(pp. 202-203)*") || markdown.contains("> *(pp. 202-03)*"))
        #expect(markdown.contains("#people #river"))
        #expect(markdown.contains("a \"quoted\", <b>note</b>  \nsecond line"))
        #expect(markdown.contains("not found in the current edition"))
    }

    @Test func csvQuotesEveryFieldAsRFC4180Says() throws {
        let (test, notes) = try sample()
        let csv = try string(test.library, ExportRequest(format: .csv))
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == CSVExport.columns.joined(separator: ","))
        #expect(csv.contains("\"a \"\"quoted\"\", <b>note</b>\nsecond line\""))
        #expect(csv.contains(notes["tom"]!.id + ",mill,Mill & <River>,G. Eliot,https://example.org/mill,Tom said,"))
        let readwise = try string(test.library, ExportRequest(format: .readwise))
        #expect(readwise.hasPrefix("Highlight,Title,Author,URL,Note,Location,Location Type,Date\r\n"))
        #expect(readwise.contains("Tom said,Mill & <River>,G. Eliot,https://example.org/mill,,12,page,"))
        #expect(readwise.contains(".people .river"))
        #expect(readwise.contains("Dorothea,Middlemarch,George Eliot,,,202,page,"))
    }

    @Test("a quote that carries a combining mark is still doubled in CSV")
    func csvDoublesAQuoteBeforeACombiningMark() {
        // "\u{301} is one Character; Foundation's replacingOccurrences left it single, which ended the field.
        #expect(CSVExport.field("say \"\u{301}hi\"") == "\"say \"\"\u{301}hi\"\"\"")
        #expect(Library.ftsQuery("\"\u{301}x") == "\"\"\"\u{301}x\"")
    }

    @Test func htmlIsOneSelfContainedEscapedPage() throws {
        let (test, notes) = try sample()
        let html = try string(test.library, ExportRequest(format: .html))
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<style>") && html.contains("<script>"))
        #expect(html.range(of: #"(src|href)\s*=\s*["']?\s*(https?:)?//"#, options: .regularExpression) == nil)
        #expect(!html.contains("<link"))
        #expect(html.contains("Mill &amp; &lt;River&gt;"))
        #expect(html.contains("a &quot;quoted&quot;, &lt;b&gt;note&lt;/b&gt;"))
        #expect(!html.contains("<b>note</b>"))
        #expect(html.contains("<mark class=\"r0\" data-ids=\"\(notes["cafe"]!.id)\""))
        #expect(html.contains(">Café 🍵 society</mark>"))
        #expect(html.contains("<option value=\"river\">river</option>"))
        #expect(html.contains("<option value=\"r0\">Ada &lt;&amp;&gt; &quot;Lovelace&quot;</option>"))
        let orphans = try #require(html.range(of: "<section id=\"orphans\">"))
        #expect(html[orphans.lowerBound...].contains("orphan soon"))
        #expect(html.contains("Dorothea"))
    }

    @Test func eachReaderHasAColourInTheHTML() throws {
        let (ada, notes) = try sample()
        let bo = try TestLibrary(name: "Bo")
        try bo.library.importBundle(try ada.library.exportBundle().data)
        _ = try bo.library.annotate(AnnotationDraft(document: "mill", anchor: .quote(exact: "spring"), note: "Bo's view"))
        try ada.library.importBundle(try bo.library.exportBundle().data)
        let html = try string(ada.library, ExportRequest(format: .html))
        #expect(html.contains(".r0 {") && html.contains(".r1 {"))
        #expect(html.contains("<option value=\"r1\">Bo</option>"))
        #expect(html.contains("data-reader=\"r1\""))
        #expect(html.contains(notes["cafe"]!.id))
    }

    @Test("a large JSON-LD export is one page: every annotation in first, in text order, its next never an object")
    func jsonLDOnePage() throws {
        let test = try TestLibrary(name: "Ada")
        let text = (0..<400).map { "Sentence \($0) of a long text." }.joined(separator: " ")
        let doc = try test.library.addDocument(text: text, DocumentDraft(title: "Long", slug: "long")).id
        // More than the 1,000 per page that exports once had.
        let count = 2_005
        _ = try test.library.annotate(
            (0..<count).map { AnnotationDraft(document: doc, anchor: .position(start: $0, end: $0 + 8), note: $0 % 2 == 0 ? "n\($0)" : nil) })
        let data = try test.library.export(ExportRequest(format: .jsonld))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(root["total"] as? Int == count)
        let page = try #require(root["first"] as? [String: Any])
        #expect(page["next"] == nil && page["startIndex"] as? Int == 0 && page["type"] as? String == "AnnotationPage")
        #expect(root["last"] as? String == page["id"] as? String)
        let starts = (page["items"] as? [[String: Any]] ?? []).compactMap { item -> Int? in
            let selectors = (item["target"] as? [String: Any])?["selector"] as? [[String: Any]]
            return selectors?.first { $0["type"] as? String == "TextPositionSelector" }?["start"] as? Int
        }
        #expect(starts == Array(0..<count), "every annotation, in text order")
    }

    @Test("the JSON writer prints what prettyJSON (JSONEncoder) prints")
    func prettyJSONWriterMatchesJSONEncoder() throws {
        let allASCII = String(String.UnicodeScalarView((0..<0x80).map { Unicode.Scalar(UInt8($0)) }))
        let value: JSONValue = [
            "b": [1, -20, "x", [], [:]],
            "a": ["empty": [:], "none": [], "text": .string(allASCII + " é 🍵 \u{2028} /"), "k\u{1}\"": "escaped key"],
            "@context": .array([.object(["z": 0]), .array([.string("")])]),
            // An escape at every place of the eight-byte words the writer scans.
            "c": .array((0..<20).map { .string(String(repeating: "x", count: $0) + "\"\u{7}é" + String(repeating: "y", count: 20 - $0)) }),
        ]
        func write(_ value: JSONValue, into json: inout PrettyJSONWriter) {
            switch value {
            case .string(let string): json.string(string)
            case .int(let int): json.int(int)
            case .array(let items):
                json.openArray()
                for item in items { write(item, into: &json) }
                json.closeArray()
            case .object(let fields):
                json.openObject()
                for key in fields.keys.sorted() {
                    json.key(key)
                    write(fields[key]!, into: &json)
                }
                json.closeObject()
            case .null, .bool: Issue.record("the writer writes no \(value)")
            }
        }
        // A buffer smaller than the text: it grows on the way.
        var json = PrettyJSONWriter(capacity: 8)
        var written = Data()
        write(value, into: &json)
        json.finish()
        try json.flush { written.append($0.assumingMemoryBound(to: UInt8.self)) }
        #expect(String(decoding: written, as: UTF8.self) == value.prettyJSON + "\n")
        #expect(json.pending == 0)
    }

    @Test("a file written in pieces replaces the old one only when all is written")
    func streamedFileIsAllOrNothing() throws {
        let folder = TemporaryFolder()
        let path = folder.write("export.jsonld", "before")
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try AtomicFile.write(to: path) { output in
                try Array("half of it".utf8).withUnsafeBytes(output)
                throw Stop()
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "before")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["export.jsonld"], "no temporary file left")
        try AtomicFile.write(to: path) { output in
            for piece in ["one ", "two"] { try Array(piece.utf8).withUnsafeBytes(output) }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "one two")
    }

    @Test("timestamps print the date and time Foundation prints, and the exact milliseconds")
    func timestampsMatchFoundation() {
        // Foundation formats a Date, a Double: 1780000000.123 may come out as .122.
        // So the seconds are compared with Foundation's, the milliseconds with the integer.
        let seconds = Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: TimeZone(identifier: "UTC")!)
        var generator = SeededGenerator(seed: 7)
        let edges: [Int64] = [0, 1, 999, 86_399_999, 86_400_000, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, 1_780_000_000_123]
        let largest: Int64 = (1 << 47) - 1
        for milliseconds in edges + (0..<5000).map({ _ in Int64.random(in: 0...largest, using: &generator) }) {
            let stamp = HLCTimestamp(milliseconds: milliseconds, counter: 3)
            let whole = Date(timeIntervalSince1970: TimeInterval(milliseconds / 1000)).formatted(seconds)
            let fraction = String(milliseconds % 1000 + 1000).dropFirst()
            #expect(stamp.description == whole.dropLast() + "." + fraction + "Z", "\(milliseconds)")
        }
    }
}
