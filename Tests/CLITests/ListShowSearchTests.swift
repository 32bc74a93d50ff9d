import Foundation
import Testing

@Suite("list, show, search")
struct ListShowSearchTests {
    /// A library with one text document, one paper book, annotations and notes.
    struct Fixture {
        let cli: CLI
        let essay = "essay"
        var byPosition: [String] = []  // annotations on the essay, in text order
        var lazy = "", quick = "", first = ""
        var page300 = "", page12 = ""
        var note = "", taggedNote = ""
    }

    func fixture() throws -> Fixture {
        let cli = try CLI()  // the first write creates the library for $USER, "tester"
        let file = try cli.write("essay.txt", accentedText)
        try cli.create(["doc", "add", file, "--id", "essay"])
        try cli.create(["doc", "add", "--no-text", "--title", "Middlemarch", "--id", "middlemarch"])
        var f = Fixture(cli: cli)
        // Created out of text order on purpose.
        f.lazy = try cli.create(["annotate", "essay", "--quote", "lazy dog", "--tag", "animals"])
        f.quick = try cli.create(["annotate", "essay", "--quote", "quick brown", "--tag", "animals", "--tag", "speed"])
        f.first = try cli.create(["annotate", "essay", "--quote", "Marginalia keep"])
        f.byPosition = [f.first, f.quick, f.lazy]
        f.page300 = try cli.create(["annotate", "middlemarch", "--page", "300"])
        f.page12 = try cli.create(["annotate", "middlemarch", "--page", "p. 12", "--tag", "animals"])
        f.note = try cli.create(["note", "add", "a free-standing thought", "--doc", "essay"])
        f.taggedNote = try cli.create(["note", "add", "another thought", "--tag", "animals"])
        return f
    }

    @Test("list --doc orders by position in the text, and by page in a paper book")
    func listByDocument() throws {
        let f = try fixture()
        let listed = ids(try f.cli.jsonArray(["list", "--doc", "essay", "--type", "annotation", "--json"]))
        #expect(listed == f.byPosition, "text order: \(f.byPosition), got \(listed)")
        let pages = ids(try f.cli.jsonArray(["list", "--doc", "middlemarch", "--json"]))
        #expect(pages == [f.page12, f.page300], "page order, got \(pages)")

        let text = try f.cli.ok(["list", "--doc", "essay", "--type", "annotation"])
        #expect(text.stdoutLines.count == 3, "\(text)")
        let order = f.byPosition.map { id in text.stdoutLines.firstIndex { $0.contains(id.prefix(8)) } ?? -1 }
        #expect(order == [0, 1, 2], "\(text)")
    }

    @Test("list --tag, --type, --author")
    func listFilters() throws {
        let f = try fixture()
        #expect(Set(ids(try f.cli.jsonArray(["list", "--tag", "animals", "--json"]))) == [f.lazy, f.quick, f.page12, f.taggedNote])
        #expect(ids(try f.cli.jsonArray(["list", "--tag", "speed", "--json"])) == [f.quick])
        #expect(try f.cli.jsonArray(["list", "--tag", "nothing-has-this", "--json"]).isEmpty)

        let notes = try f.cli.jsonArray(["list", "--type", "note", "--json"])
        #expect(Set(ids(notes)) == [f.note, f.taggedNote])
        #expect(notes.allSatisfy { $0["type"] as? String == "note" })
        let annotations = try f.cli.jsonArray(["list", "--type", "annotation", "--json"])
        #expect(annotations.count == 5)
        #expect(annotations.allSatisfy { $0["type"] as? String == "annotation" })

        #expect(try f.cli.jsonArray(["list", "--author", "tester", "--json"]).count == 7)
        #expect(Set(ids(try f.cli.jsonArray(["list", "--author", "tester", "--type", "note", "--tag", "animals", "--json"]))) == [f.taggedNote])

        // Filters combine with --doc.
        #expect(Set(ids(try f.cli.jsonArray(["list", "--doc", "essay", "--tag", "animals", "--json"]))) == [f.lazy, f.quick])
    }

    @Test("list --since: a future date gives nothing, a past date gives everything")
    func listSince() throws {
        let f = try fixture()
        #expect(try f.cli.jsonArray(["list", "--since", "2999-01-01", "--json"]).isEmpty)
        #expect(try f.cli.jsonArray(["list", "--since", "2000-01-01", "--json"]).count == 7)
        #expect(try f.cli.jsonArray(["list", "--since", "2000-01-01T00:00:00Z", "--json"]).count == 7)
        let empty = f.cli.run(["list", "--since", "2999-01-01"])
        #expect(empty.succeeded, "\(empty)")
        #expect(empty.stdout.isEmpty, "nothing matches: stdout stays empty:\n\(empty)")
        f.cli.expectUsageError(f.cli.run(["list", "--since", "last tuesday"]))
    }

    @Test("list with no filter shows every live item newest first, and --json carries what a script needs; show prints one")
    func listEverythingAndShow() throws {
        let f = try fixture()
        let items = try f.cli.jsonArray(["list", "--json"])
        let created = [f.lazy, f.quick, f.first, f.page300, f.page12, f.note, f.taggedNote]
        #expect(ids(items) == created.reversed(), "newest first")

        let quick = try #require(items.first { $0["id"] as? String == f.quick })
        #expect(string(quick, "type") == "annotation")
        #expect(string(quick, "target", "document") == "essay")
        #expect(string(quick, "target", "quote", "exact") == "quick brown")
        #expect(Set(strings(quick, "tags") ?? []) == ["animals", "speed"])
        #expect(string(quick, "author", "name") == "tester")
        let note = try #require(items.first { $0["id"] as? String == f.note })
        #expect(string(note, "type") == "note")
        #expect(string(note, "note") == "a free-standing thought")
        #expect(string(note, "document") == "essay")

        let text = try f.cli.ok(["list"])
        #expect(text.stdoutLines.count == 7, "one line per item:\n\(text)")
        let shown = try f.cli.ok(["show", f.quick])
        #expect(shown.stdout.contains(f.quick))
        #expect(shown.stdout.contains("quick brown"))
        #expect(shown.stdout.contains("animals"))
    }

    @Test("search finds a note body, a quote, a tag and a document title, with the match [bracketed]")
    func search() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let file = try cli.write("albatross.md", "# The Albatross\n\nA quixotic voyage across the southern sea.\n")
        let doc = try cli.create(["doc", "add", file])
        let annotation = try cli.create(["annotate", doc, "--quote", "quixotic voyage", "--tag", "serendipity"])
        let note = try cli.create(["note", "add", "the zeppelin returns at dawn"])

        func hits(_ word: String) throws -> (text: CLI.Result, json: [[String: Any]]) {
            (try cli.ok(["search", word]), try cli.jsonArray(["search", word, "--json"]))
        }

        let body = try hits("zeppelin")
        #expect(ids(body.json) == [note])
        #expect(string(body.json.first, "type") == "note")
        #expect(string(body.json.first, "snippet")?.contains("[zeppelin]") == true)
        #expect(body.text.stdout.contains("[zeppelin]"), "\(body.text)")
        #expect(body.text.stdout.contains(String(note.prefix(8))), "\(body.text)")

        let quote = try hits("quixotic")
        #expect(ids(quote.json) == [annotation])
        #expect(string(quote.json.first, "field") == "quote")
        #expect(quote.text.stdout.contains("[quixotic]"), "\(quote.text)")

        let tag = try hits("serendipity")
        #expect(ids(tag.json) == [annotation])
        #expect(string(tag.json.first, "field") == "tags")
        #expect(tag.text.stdout.contains("[serendipity]"), "\(tag.text)")

        let title = try hits("albatross")
        #expect(ids(title.json) == [doc])
        #expect(string(title.json.first, "type") == "document")
        #expect(string(title.json.first, "field") == "title")
        #expect(title.text.stdout.contains("[Albatross]"), "\(title.text)")

        let prefix = try cli.jsonArray(["search", "zeppe*", "--json"])
        #expect(ids(prefix) == [note])

        let none = cli.run(["search", "nonexistentword"])
        #expect(none.succeeded, "\(none)")
        #expect(none.stdout.isEmpty, "\(none)")
        #expect(try cli.jsonArray(["search", "nonexistentword", "--json"]).isEmpty)
    }

    @Test("search sees edits and deletes")
    func searchFollowsChanges() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let note = try cli.create(["note", "add", "the walrus speaks"])
        try cli.ok(["edit", note, "--note", "the narwhal speaks"])
        #expect(try cli.jsonArray(["search", "walrus", "--json"]).isEmpty)
        #expect(ids(try cli.jsonArray(["search", "narwhal", "--json"])) == [note])
        try cli.ok(["rm", note])
        #expect(try cli.jsonArray(["search", "narwhal", "--json"]).isEmpty, "a deleted note should not be found")
    }
}
