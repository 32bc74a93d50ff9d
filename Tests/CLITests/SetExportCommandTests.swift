import Foundation
import Testing

@Suite("set and export commands")
struct SetExportCommandTests {
    /// A library with an essay, two shared annotations and a private one.
    func fixture() throws -> (cli: CLI, shared: [String], secret: String) {
        let cli = try CLI()
        let file = try cli.write("essay.md", "# Essay\n\nThe quick brown fox jumps over the lazy dog.\n\nA second paragraph about <tags> & more.\n")
        try cli.create(["doc", "add", file, "--id", "essay", "--author", "A. Writer"])
        let a = try cli.create(["annotate", "essay", "--quote", "quick brown fox", "--note", "fast", "--tag", "animals"])
        let b = try cli.create(["annotate", "essay", "--quote", "<tags> & more", "--note", "escape <me>"])
        let secret = try cli.create(["annotate", "essay", "--quote", "lazy dog", "--note", "my secret", "--private"])
        return (cli, [a, b], secret)
    }

    @Test func setCreateAddRemoveListShow() throws {
        let (cli, shared, _) = try fixture()
        let id = try cli.create(["set", "create", "animals", "--tag", "animals"])
        #expect(id.count == 32)
        let picked = try cli.create(["set", "create", "picked", String(shared[1].prefix(8))])
        #expect(picked != id)
        try cli.ok(["set", "add", "picked", shared[0]])
        var shown = try cli.jsonObject(["set", "show", "picked", "--json"])
        #expect((shown["members"] as? [String])?.sorted() == shared.sorted())
        #expect((shown["annotations"] as? [[String: Any]])?.count == 2)
        try cli.ok(["set", "rm", "picked", String(shared[0].prefix(8))])
        shown = try cli.jsonObject(["set", "show", "picked", "--json"])
        #expect(shown["members"] as? [String] == [shared[1]])
        let listed = try cli.jsonArray(["set", "list", "--json"])
        #expect(listed.compactMap { $0["name"] as? String } == ["animals", "picked"])
        let text = try cli.ok(["set", "list"]).stdout
        #expect(text.contains("animals") && text.contains("1 annotation"))
        let show = try cli.ok(["set", "show", "animals"]).stdout
        #expect(show.contains("--tag animals"))
        // Errors are one line, and change nothing.
        let duplicate = cli.run(["set", "create", "animals"])
        #expect(!duplicate.succeeded && duplicate.stderrLines.count == 1, "\(duplicate)")
        #expect(duplicate.stderr.contains("exists already"))
        let missing = cli.run(["set", "show", "nope"])
        #expect(!missing.succeeded && missing.stderr.contains("no set matches 'nope'"), "\(missing)")
    }

    @Test func setsSyncThroughBundles() throws {
        let (cli, shared, _) = try fixture()
        try cli.create(["set", "create", "club", shared[0]])
        let bundle = cli.path("ada.bundle")
        try cli.ok(["bundle", "export", "-o", bundle])
        let bo = cli.path("bo.sqlite")
        try cli.ok(["init", "--name", "Bo", "--library", bo])
        try cli.ok(["bundle", "import", bundle, "--library", bo])
        let shown = try cli.jsonObject(["set", "show", "club", "--json", "--library", bo])
        #expect(shown["members"] as? [String] == [shared[0]])
    }

    @Test("export writes every format, deterministically, to stdout or a file", arguments: ["jsonld", "markdown", "csv", "readwise", "html"])
    func exportFormats(_ format: String) throws {
        let (cli, shared, secret) = try fixture()
        let first = try cli.ok(["export", "--format", format]).stdout
        let second = try cli.ok(["export", "--format", format]).stdout
        #expect(first == second)
        #expect(first.contains("quick brown fox"))
        #expect(!first.contains("my secret"), "private items stay out without --include-private")
        #expect(!first.contains(secret) && !first.contains(String(secret.prefix(8)) + "`"))
        let all = try cli.ok(["export", "--format", format, "--include-private"]).stdout
        #expect(all.contains("my secret"))
        let out = cli.path("export.\(format)")
        let written = try cli.ok(["export", "--format", format, "-o", out])
        #expect(written.stdout.isEmpty)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == first)
        try cli.create(["set", "create", "one", shared[1]])
        let one = try cli.ok(["export", "--set", "one", "--format", format]).stdout
        #expect(!one.contains("fast") && one.contains("escape"))
        if format == "html" {
            #expect(first.range(of: #"(src|href)\s*=\s*["']?\s*(https?:)?//"#, options: .regularExpression) == nil)
            #expect(first.contains("escape &lt;me&gt;"))
        }
    }

    @Test func exportSinceAndErrors() throws {
        let (cli, _, _) = try fixture()
        let future = try cli.ok(["export", "--format", "csv", "--since", "2999-01-01"]).stdout
        #expect(future.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 1, "only the header: \(future)")
        let past = try cli.ok(["export", "--format", "csv", "--since", "2000-01-01"]).stdout
        #expect(past.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 3)
        let bad = cli.run(["export", "--format", "pdf"])
        #expect(!bad.succeeded && bad.stderrLines.count == 1, "\(bad)")
        let noSet = cli.run(["export", "--format", "csv", "--set", "nope"])
        #expect(!noSet.succeeded && noSet.stderrLines.count == 1, "\(noSet)")
        let badSince = cli.run(["export", "--format", "csv", "--since", "yesterday"])
        #expect(!badSince.succeeded, "\(badSince)")
    }
}
