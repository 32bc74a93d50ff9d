import Foundation
import Testing

@Suite("doc update, anchors, orphans, move, formats")
struct EditionCommandTests {
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

    /// A library with the first edition and three annotations.
    func setUp() throws -> (CLI, [String]) {
        let cli = try CLI()
        try cli.initLibrary()
        _ = try cli.create(["doc", "add", try cli.write("lamp.txt", Self.first), "--id", "lamp"])
        let made = [
            try cli.create(["annotate", "lamp", "--quote", "climbed the stairs at dusk", "--note", "climb"]),
            try cli.create(["annotate", "lamp", "--quote", "The sea below was grey and slow", "--note", "the sea"]),
            try cli.create(["annotate", "lamp", "--quote", "when the ship came round the point", "--note", "the ship"]),
        ]
        _ = try cli.write("lamp-2.txt", Self.second)
        return (cli, made)
    }

    @Test("doc update prints how many landed exactly, approximately and not at all; --json too")
    func update() throws {
        let (cli, made) = try setUp()
        let dry = try cli.jsonObject(["doc", "update", "lamp", cli.path("lamp-2.txt"), "--dry-run", "--json"])
        #expect((int(dry, "exact"), int(dry, "fuzzy"), int(dry, "orphan")) == (1, 1, 1))
        #expect(value(dry, "dryRun") as? Bool == true)
        let before = try cli.stateHash()
        let result = try cli.ok(["doc", "update", "lamp", cli.path("lamp-2.txt")])
        #expect(result.stdoutLines.first == "3 annotations landed: 1 exactly, 1 approximately, 1 not at all (orphans)")
        #expect(try cli.stateHash() != before)

        let sea = try cli.jsonObject(["show", made[1], "--json"])
        #expect(string(sea, "anchor", "status") == "fuzzy")
        #expect(string(sea, "quote") == "The sea below was grey and slow")
        let start = try #require(int(sea, "anchor", "start"))
        let end = try #require(int(sea, "anchor", "end"))
        let scalars = Array(Self.second.unicodeScalars)
        #expect(String(String.UnicodeScalarView(scalars[start..<end])) == "The sea below was silver and slow")
        #expect((int(sea, "anchor", "score") ?? 0) > 500)

        let orphans = try cli.jsonArray(["list", "--orphans", "--json"])
        #expect(ids(orphans) == [made[2]])
        #expect(string(orphans.first, "anchor", "status") == "orphan")
        #expect(value(orphans.first, "anchor", "start") == nil, "an orphan has no start")
        #expect(string(orphans.first, "note") == "the ship")

        let listed = try cli.jsonArray(["list", "--doc", "lamp", "--json"])
        #expect(ids(listed) == [made[0], made[1], made[2]], "in the order of the new text, the orphan last")

        let check = try cli.ok(["check", "--rebuild"])
        #expect(check.stdoutLines.first?.hasPrefix("ok:") == true)
        #expect(!check.stdout.contains("changed in the rebuild"))
    }

    @Test("annotate --move places an orphan again, keeping its note")
    func move() throws {
        let (cli, made) = try setUp()
        try cli.ok(["doc", "update", "lamp", cli.path("lamp-2.txt")])
        let moved = try cli.ok(["annotate", "--move", String(made[2].prefix(8)), "--quote", "A preface"])
        #expect(moved.output == made[2])
        let shown = try cli.jsonObject(["show", made[2], "--json"])
        #expect(string(shown, "anchor", "status") == "exact")
        #expect(int(shown, "anchor", "start") == 0)
        #expect(string(shown, "note") == "the ship")
        #expect(try cli.jsonArray(["list", "--orphans", "--json"]).isEmpty)
        cli.expectUsageError(cli.run(["annotate", "lamp", "--move", made[2], "--quote", "A preface"]), mentioning: ["--move"])
        cli.expectUsageError(cli.run(["annotate", "--move", made[2]]), mentioning: ["--quote"])
    }

    @Test("doc show brackets highlights, puts each note after its paragraph, and lists orphans")
    func docShow() throws {
        let (cli, made) = try setUp()
        try cli.ok(["doc", "update", "lamp", cli.path("lamp-2.txt")])
        let lines = try cli.ok(["doc", "show", "lamp"]).stdoutLines
        let keeper = try #require(lines.firstIndex { $0.contains("The keeper [climbed the stairs at dusk]¹ and lit") })
        #expect(lines[keeper + 1].contains("¹ \(made[0].prefix(8))  climb"))
        let sea = try #require(lines.firstIndex { $0.contains("[The sea below was silver and slow]²") })
        #expect(lines[sea + 1].contains("(approximate)  the sea"))
        let orphans = try #require(lines.firstIndex { $0.hasPrefix("Not found in this edition") })
        #expect(lines[orphans + 1].contains("\"when the ship came round the point\"  — the ship"))
    }

    @Test("an HTML page is read as text; the same page gives the same text hash in two libraries")
    func html() throws {
        let cli = try CLI()
        let page = try cli.write("page.html", "<html><head><title>Lamp</title><script>x()</script></head><body><p>One &amp; two.</p><p>Three.</p></body></html>")
        var hashes: [String] = []
        for name in ["a", "b"] {
            let library = cli.path("\(name).sqlite")
            let id = try cli.create(["doc", "add", page, "--library", library])
            let shown = try cli.jsonObject(["doc", "show", id, "--json", "--library", library])
            #expect(string(shown, "title") == "Lamp")
            #expect(string(shown, "content") == "One & two.\n\nThree.")
            hashes.append(try #require(string(shown, "text")))
        }
        #expect(hashes[0] == hashes[1])
    }

    @Test("without pdftotext, doc add of a PDF names poppler-utils, and stores nothing")
    func pdfWithoutTool() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let pdf = try cli.write("paper.pdf", "%PDF-1.4\n%%EOF\n")
        let before = try cli.stateHash()
        let result = cli.run(["doc", "add", pdf], env: ["PATH": cli.path("tmp")])
        cli.expectCleanError(result, mentioning: ["pdftotext", "poppler-utils"])
        #expect(try cli.stateHash() == before)
    }

    @Test("bad input to doc update is refused and changes nothing")
    func badUpdate() throws {
        let (cli, _) = try setUp()
        let before = try cli.stateHash()
        cli.expectCleanError(cli.run(["doc", "update", "lamp", try cli.write("bin.txt", Data([0, 1, 2, 3]))]), mentioning: ["binary"])
        cli.expectCleanError(cli.run(["doc", "update", "lamp", try cli.write("broken.epub", "not a zip")]), mentioning: ["zip"])
        cli.expectCleanError(cli.run(["doc", "update", "lamp", cli.path("lamp.txt")]), mentioning: ["already the current text"])
        #expect(try cli.stateHash() == before)
    }

    @Test("list --page filters by overlapping page, list --doc orders a paper book by page")
    func pages() throws {
        let cli = try CLI()
        try cli.initLibrary()
        _ = try cli.create(["doc", "add", "--no-text", "--title", "Middlemarch", "--id", "mm"])
        let late = try cli.create(["annotate", "mm", "--page", "p. 202-03", "--note", "choice"])
        let kindle = try cli.create(["annotate", "mm", "--page", "Location 1234-1240", "--note", "kindle"])
        let front = try cli.create(["annotate", "mm", "--page", "xii", "--note", "preface"])
        #expect(ids(try cli.jsonArray(["list", "--doc", "mm", "--json"])) == [front, late, kindle])
        #expect(ids(try cli.jsonArray(["list", "--page", "203", "--json"])) == [late])
        #expect(ids(try cli.jsonArray(["list", "--page", "x-xiii", "--json"])) == [front])
        cli.expectUsageError(cli.run(["list", "--page", "page zero"]), mentioning: ["--page"])
    }
}
