import Foundation
import Testing

@Suite("import command")
struct ImportCommandTests {
    /// Two highlights of one book (the second an extension of the first), a
    /// note on it and a bookmark, as a Kindle writes them.
    static let clippings = [
        "\u{FEFF}Walden (Thoreau, Henry David)",
        "- Your Highlight on page 8 | Location 120-121 | Added on Friday, 1 March 2024 08:00:00",
        "",
        "I went to the woods",
        "==========",
        "Walden (Thoreau, Henry David)",
        "- Your Highlight on page 8 | Location 120-123 | Added on Friday, 1 March 2024 08:01:00",
        "",
        "I went to the woods because I wished to live deliberately",
        "==========",
        "Walden (Thoreau, Henry David)",
        "- Your Note on page 8 | Location 123 | Added on Friday, 1 March 2024 08:02:00",
        "",
        "the thesis",
        "==========",
        "Walden (Thoreau, Henry David)",
        "- Your Bookmark on page 20 | Location 300 | Added on Friday, 1 March 2024 08:03:00",
        "",
        "",
        "==========",
        "",
    ].joined(separator: "\r\n")

    @Test func importKindleClippingsTwice() throws {
        let cli = try CLI()
        let file = try cli.write("My Clippings.txt", Self.clippings)
        let first = try cli.ok(["import", file, "--format", "kindle"])
        #expect(first.stdoutLines.first == "1 added, 0 unchanged, 2 skipped, 1 document created", "\(first)")
        #expect(first.stdout.contains("Walden") && first.stdout.contains("a bookmark"))
        let listed = try cli.jsonArray(["list", "--json"])
        #expect(listed.count == 1)
        #expect(listed.first?["quote"] as? String == "I went to the woods because I wished to live deliberately", "\(listed)")
        // Guessed format, and --json: nothing new the second time.
        let again = try #require(try cli.json(["import", file, "--json"]) as? [String: Any])
        #expect(again["added"] as? Int == 0 && again["unchanged"] as? Int == 1 && again["format"] as? String == "kindle")
    }

    @Test func exportToJSONLDAndImportFromStandardInput() throws {
        let cli = try CLI()
        let essay = try cli.write("essay.md", "# Essay\n\nThe quick brown fox jumps over the lazy dog.\n")
        try cli.create(["doc", "add", essay, "--id", "essay", "--url", "https://example.org/essay"])
        try cli.create(["annotate", "essay", "--quote", "quick brown fox", "--note", "fast", "--tag", "animals"])
        try cli.create(["annotate", "essay", "--quote", "lazy dog", "--page", "p. 3"])
        let exported = try cli.ok(["export", "--format", "jsonld"]).stdout
        let other = cli.path("other.sqlite")
        let summary = try #require(
            try cli.json(["import", "-", "--format", "jsonld", "--json", "--library", other], stdin: exported) as? [String: Any])
        #expect(summary["added"] as? Int == 2 && (summary["documentsCreated"] as? [[String: Any]])?.count == 1)
        let imported = try cli.jsonArray(["list", "--json", "--library", other])
        #expect(Set(imported.compactMap { $0["quote"] as? String }) == ["quick brown fox", "lazy dog"])
        // Into the library it came from: every annotation is there already.
        let back = try #require(try cli.json(["import", "-", "--format", "jsonld", "--json"], stdin: exported) as? [String: Any])
        #expect(back["added"] as? Int == 0 && back["unchanged"] as? Int == 2)
    }

    @Test func badInputFailsInOneLineAndChangesNothing() throws {
        let cli = try CLI()
        try cli.ok(["init", "--name", "Ada"])
        let before = try cli.stateHash()
        let bad = try cli.write("bad.txt", Self.clippings + "Broken\r\nnot a meta line\r\n")
        let result = cli.run(["import", bad, "--format", "kindle"])
        #expect(result.status == 1 && result.stderrLines.count == 1, "\(result)")
        #expect(result.stderr.hasPrefix("marginalia: error: the kindle file is malformed at line 21:"), "\(result)")
        #expect(try cli.stateHash() == before)

        let unknown = cli.run(["import", try cli.write("notes.txt", "just some text")])
        #expect(unknown.status == 64 && unknown.stderrLines.count == 1, "\(unknown)")
        #expect(unknown.stderr.contains("--format"))
        let json = cli.run(["import", try cli.write("broken.json", "{\"rows\": [}"), "--format", "hypothesis"])
        #expect(json.status == 1 && json.stderr.contains("line 1, column 11"), "\(json)")
    }

    @Test func setRenameAndEdit() throws {
        let cli = try CLI()
        let essay = try cli.write("essay.md", "# Essay\n\nThe quick brown fox jumps over the lazy dog.\n")
        try cli.create(["doc", "add", essay, "--id", "essay"])
        let fox = try cli.create(["annotate", "essay", "--quote", "quick brown fox", "--tag", "animals"])
        try cli.create(["annotate", "essay", "--quote", "lazy dog", "--tag", "rest"])
        try cli.create(["set", "create", "animals", "--tag", "animals"])
        try cli.ok(["set", "rename", "animals", "beasts"])
        var shown = try cli.jsonObject(["set", "show", "beasts", "--json"])
        #expect((shown["annotations"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [fox])
        try cli.ok(["set", "edit", "beasts", "--tag", "rest", "--doc", "essay"])
        shown = try cli.jsonObject(["set", "show", "beasts", "--json"])
        #expect((shown["annotations"] as? [[String: Any]])?.count == 1)
        #expect(try cli.ok(["set", "show", "beasts"]).stdout.contains("--tag rest"))
        try cli.ok(["set", "edit", "beasts", "--clear-filter"])
        #expect(try cli.ok(["set", "show", "beasts"]).stdout.contains("filter: none"))
        let nothing = cli.run(["set", "edit", "beasts"])
        #expect(nothing.status == 64 && nothing.stderrLines.count == 1, "\(nothing)")
        let taken = cli.run(["set", "rename", "beasts", "beasts-2"])
        #expect(taken.succeeded)
    }
}
