import Foundation
import Testing

@Suite("doc add, doc list, doc show")
struct DocumentCommandTests {
    @Test("doc add prints only the id, for .txt and .md files", arguments: ["essay.txt", "essay.md"])
    func addPrintsOnlyID(name: String) throws {
        let cli = try CLI()
        try cli.initLibrary()
        let file = try cli.write(name, "# On Margins\n\nEvery second-hand book carries a rumour of its earlier readers.\n")
        let result = cli.run(["doc", "add", file])
        #expect(result.succeeded, "\(result)")
        #expect(result.stdoutLines.count == 1, "stdout holds only the id:\n\(result)")
        let id = result.output
        #expect(id.isLowercaseHex(count: 32), "a document id is 128 random bits in hex, got '\(id)'")
        let shown = try cli.jsonObject(["doc", "show", id, "--json"])
        #expect(string(shown, "id") == id)
        #expect(string(shown, "type") == "document")
        #expect(string(shown, "content") == "# On Margins\n\nEvery second-hand book carries a rumour of its earlier readers.\n")
        #expect(try #require(string(shown, "text")).isLowercaseHex(count: 64))
        #expect((shown["annotations"] as? [Any])?.isEmpty == true, "doc show --json lists the annotations: \(shown)")
        let annotation = try cli.create(["annotate", id, "--quote", "second-hand book"])
        let annotated = try cli.jsonObject(["doc", "show", id, "--json"])
        #expect(((annotated["annotations"] as? [[String: Any]])?.first?["id"] as? String) == annotation)
    }

    /// Writes `contents` to a file in its own fresh library and returns the
    /// text hash `doc show --json` reports.
    func textHash(_ cli: CLI, name: String, contents: Data) throws -> String {
        let library = cli.path("\(name).sqlite")
        let file = try cli.write(name, contents)
        let id = try cli.create(["doc", "add", file, "--library", library])
        let shown = try cli.jsonObject(["doc", "show", id, "--json", "--library", library])
        return try #require(string(shown, "text"))
    }

    @Test("CRLF and LF, NFD and NFC versions of a text get the same text hash in separate libraries")
    func normalizationGivesSameHash() throws {
        let cli = try CLI()
        // "Café naïve" written precomposed (NFC) with LF ...
        let nfcLF = "Caf\u{E9} na\u{EF}ve\nsecond line\nthird line\n"
        // ... and decomposed (NFD) with CRLF.
        let nfdCRLF = "Cafe\u{301} nai\u{308}ve\r\nsecond line\r\nthird line\r\n"
        #expect(Array(nfcLF.utf8) != Array(nfdCRLF.utf8))
        let a = try textHash(cli, name: "nfc-lf.txt", contents: Data(nfcLF.utf8))
        let b = try textHash(cli, name: "nfd-crlf.md", contents: Data(nfdCRLF.utf8))
        let c = try textHash(cli, name: "nfc-crlf.txt", contents: Data(nfcLF.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        let d = try textHash(cli, name: "nfd-lf.txt", contents: Data(nfdCRLF.replacingOccurrences(of: "\r\n", with: "\n").utf8))
        #expect(a == b)
        #expect(a == c)
        #expect(a == d)
        let other = try textHash(cli, name: "other.txt", contents: Data("Cafe naive\nsecond line\nthird line\n".utf8))
        #expect(other != a, "a different text must get a different hash")

        // The stored content is the normalized form: NFC and \n.
        let library = cli.path("nfd-crlf.md.sqlite")
        let documents = try cli.jsonArray(["doc", "list", "--json", "--library", library])
        let id = try #require(documents.first?["id"] as? String)
        let shown = try cli.jsonObject(["doc", "show", id, "--json", "--library", library])
        #expect(string(shown, "content") == nfcLF)
    }

    @Test("doc add --no-text with title, author, ISBN and a slug id")
    func paperBookWithSlug() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let result = cli.run([
            "doc", "add", "--no-text", "--title", "Middlemarch", "--author", "George Eliot", "--author", "A. Editor",
            "--isbn", "9780141439549", "--id", "middlemarch",
        ])
        #expect(result.succeeded, "\(result)")
        #expect(result.stdoutLines == ["middlemarch"], "the slug is the id, printed alone:\n\(result)")

        let shown = try cli.jsonObject(["doc", "show", "middlemarch", "--json"])
        #expect(string(shown, "id") == "middlemarch")
        #expect(string(shown, "title") == "Middlemarch")
        #expect(strings(shown, "authors") == ["George Eliot", "A. Editor"])
        let identifiers = try #require(shown["identifiers"] as? [Any])
        #expect("\(identifiers)".contains("9780141439549"), "the ISBN should be among the identifiers: \(identifiers)")
        #expect(value(shown, "text") == nil, "a paper book has no text")

        // The title finds it too, and `show` handles documents.
        #expect(string(try cli.jsonObject(["doc", "show", "Middlemarch", "--json"]), "id") == "middlemarch")
        #expect(string(try cli.jsonObject(["show", "middlemarch", "--json"]), "id") == "middlemarch")

        // The slug is taken now.
        let hash = try cli.stateHash()
        cli.expectCleanError(cli.run(["doc", "add", "--no-text", "--title", "Another", "--id", "middlemarch"]))
        #expect(try cli.stateHash() == hash)
    }

    @Test("doc add refuses a slug that is not a slug, and --no-text without --title")
    func badSlugAndMissingTitle() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let hash = try cli.stateHash()
        cli.expectCleanError(cli.run(["doc", "add", "--no-text", "--title", "T", "--id", "Has Space"]))
        cli.expectUsageError(cli.run(["doc", "add", "--no-text"]))
        cli.expectUsageError(cli.run(["doc", "add"]))
        #expect(try cli.stateHash() == hash)
    }

    @Test("doc list --json lists every document with its fields")
    func docListJSON() throws {
        let cli = try CLI()
        try cli.initLibrary()
        #expect(try cli.jsonArray(["doc", "list", "--json"]).isEmpty)
        let file = try cli.write("essay.md", "# On Margins\n\nThe pencil is a promise.\n")
        let essay = try cli.create(["doc", "add", file, "--author", "A. Reader", "--url", "https://example.org/margins"])
        try cli.create(["doc", "add", "--no-text", "--title", "The Mill on the Floss", "--id", "floss"])
        try cli.create(["annotate", essay, "--quote", "pencil"])

        let documents = try cli.jsonArray(["doc", "list", "--json"])
        #expect(Set(ids(documents)) == [essay, "floss"])
        let essayJSON = try #require(documents.first { $0["id"] as? String == essay })
        #expect(string(essayJSON, "title") == "On Margins", "the title comes from the first heading")
        #expect(strings(essayJSON, "authors") == ["A. Reader"])
        #expect(int(essayJSON, "counts", "annotations") == 1)
        #expect(try #require(string(essayJSON, "text")).isLowercaseHex(count: 64))
        let floss = try #require(documents.first { $0["id"] as? String == "floss" })
        #expect(string(floss, "title") == "The Mill on the Floss")
        #expect(int(floss, "counts", "annotations") == 0)

        let text = try cli.ok(["doc", "list"])
        #expect(text.stdoutLines.count == 2, "\(text)")
        #expect(text.stdout.contains("On Margins") && text.stdout.contains("The Mill on the Floss"))
    }

    @Test("doc show prints the text with annotations [bracketed] when stdout is not a terminal")
    func docShowMarksAnnotations() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let file = try cli.write("essay.txt", "The pencil is a promise to come back.\n")
        let doc = try cli.create(["doc", "add", file])
        let annotation = try cli.create(["annotate", doc, "--quote", "promise", "--note", "a vow"])
        let shown = try cli.ok(["doc", "show", doc])
        #expect(shown.stdout.contains("[promise]"), "\(shown)")
        #expect(shown.stdout.contains(String(annotation.prefix(8))), "\(shown)")
        #expect(shown.stdout.contains("a vow"), "\(shown)")
    }

    @Test("doc show ends a paragraph with the notes of the passages that close in it, and cuts by scalars")
    func docShowPlacesNotesAfterParagraphs() throws {
        let cli = try CLI()
        try cli.initLibrary()
        // "x\u{301}" is one character of two scalars (NFC has no precomposed x
        // with acute); a passage starts at the accent.
        let file = try cli.write("p.txt", "One x\u{301}y & two.\n\nThree four.\n\n\nFive.")
        let doc = try cli.create(["doc", "add", file])
        let accent = try cli.create(["annotate", doc, "--at", "5:7", "--note", "accent"])
        let across = try cli.create(["annotate", doc, "--at", "10:26", "--note", "across a blank line"])
        let last = try cli.create(["annotate", doc, "--at", "30:34", "--note", "last"])
        let lines = try cli.ok(["doc", "show", doc]).stdoutLines
        // The blank line after "four" ends the paragraph: its notes take that line end's place.
        #expect(Array(lines.drop { !$0.hasPrefix("One") }) == [
            "One x[\u{301}y]¹ & [two.", "", "Three four]².", "    ¹ \(accent.prefix(8))  accent",
            "    ² \(across.prefix(8))  across a blank line", "", "", "[Five]³.", "    ³ \(last.prefix(8))  last",
        ])
    }

    @Test("adding the same text again is refused and changes nothing")
    func duplicateText() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let file = try cli.write("a.txt", "Some text.\n")
        let twin = try cli.write("b.txt", "Some text.\r\n")
        try cli.create(["doc", "add", file])
        let hash = try cli.stateHash()
        cli.expectCleanError(cli.run(["doc", "add", twin]))
        #expect(try cli.stateHash() == hash)
        #expect(try cli.jsonArray(["doc", "list", "--json"]).count == 1)
    }

    @Test("a document's exact title names it even when it is also the prefix of another item's id")
    func titleThatLooksLikeAnIDPrefix() throws {
        let cli = try CLI()
        try cli.initLibrary()
        // A note whose id starts with some hex digit ...
        let note = try cli.create(["note", "add", "a note"])
        let digit = String(note.prefix(1))
        // A document whose title is that digit (the title comes from the file name).
        let file = try cli.write("\(digit).txt", "Plain words to annotate.\n")
        let doc = try cli.create(["doc", "add", file])
        #expect(string(try cli.jsonObject(["doc", "show", doc, "--json"]), "title") == digit)

        let result = cli.run(["annotate", digit, "--quote", "words"])
        #expect(result.succeeded, "`annotate \(digit)` should find the document titled '\(digit)':\n\(result)")
        let shown = cli.run(["doc", "show", digit, "--json"])
        #expect(shown.succeeded, "`doc show \(digit)` should find the document titled '\(digit)':\n\(shown)")
    }
}
