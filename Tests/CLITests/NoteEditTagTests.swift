import Foundation
import Testing

@Suite("note add, edit, history, tag, rm, restore, id prefixes")
struct NoteEditTagTests {
    @Test("note add TEXT --title --doc --tag prints only the id; the note is private by default")
    func noteAdd() throws {
        let cli = try CLI()
        try cli.initLibrary()
        try cli.create(["doc", "add", "--no-text", "--title", "Middlemarch", "--id", "middlemarch"])
        let result = cli.run([
            "note", "add", "Compare with chapter 3", "--title", "Reading plan", "--doc", "middlemarch", "--tag", "plan",
            "--tag", "eliot",
        ])
        #expect(result.succeeded, "\(result)")
        #expect(result.stdoutLines.count == 1, "stdout holds only the id:\n\(result)")
        let id = result.output
        #expect(id.isLowercaseHex(count: 32))
        let shown = try cli.jsonObject(["show", id, "--json"])
        #expect(string(shown, "type") == "note")
        #expect(string(shown, "note") == "Compare with chapter 3")
        #expect(string(shown, "title") == "Reading plan")
        #expect(string(shown, "document") == "middlemarch")
        #expect(Set(strings(shown, "tags") ?? []) == ["plan", "eliot"])
        #expect(string(shown, "visibility") == "private")

        let shared = try cli.create(["note", "add", "for the group", "--shared"])
        #expect(string(try cli.jsonObject(["show", shared, "--json"]), "visibility") == "shared")
    }

    @Test("note add - reads the note from standard input, and so does note add with no text")
    func noteFromStdin() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let dash = try cli.create(["note", "add", "-"], stdin: "line one\nline two\n")
        #expect(string(try cli.jsonObject(["show", dash, "--json"]), "note") == "line one\nline two")
        let bare = try cli.create(["note", "add", "--title", "Piped"], stdin: "piped body\n")
        let bareJSON = try cli.jsonObject(["show", bare, "--json"])
        #expect(string(bareJSON, "note") == "piped body")
        #expect(string(bareJSON, "title") == "Piped")
    }

    @Test("note add --doc with an unknown document is refused and changes nothing")
    func noteUnknownDocument() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let hash = try cli.stateHash()
        cli.expectCleanError(cli.run(["note", "add", "x", "--doc", "nosuchdoc"]), mentioning: ["nosuchdoc"])
        #expect(try cli.stateHash() == hash)
    }

    @Test("edit --note changes the note and history --json keeps both versions")
    func editAndHistory() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let id = try cli.create(["note", "add", "first version"])
        let edit = cli.run(["edit", id, "--note", "second version"])
        #expect(edit.succeeded, "\(edit)")
        #expect(edit.stdout.isEmpty, "edit creates nothing, so prints nothing on stdout:\n\(edit)")
        #expect(string(try cli.jsonObject(["show", id, "--json"]), "note") == "second version")

        let history = try cli.jsonArray(["history", id, "--json"])
        #expect(history.count == 2, "history: \(history)")
        let rendered = "\(history)"
        #expect(rendered.contains("first version") && rendered.contains("second version"))
        #expect(history.last?["head"] as? Bool == true)

        let text = try cli.ok(["history", String(id.prefix(8))])
        #expect(text.stdoutLines.count == 2, "\(text)")
        #expect(text.stdout.contains("tester"), "history names the reader:\n\(text)")
    }

    @Test("edit with --note - reads standard input; editing an annotation's note works too")
    func editFromStdinAndAnnotation() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let file = try cli.write("essay.txt", "The pencil is a promise.\n")
        try cli.create(["doc", "add", file, "--id", "essay"])
        let annotation = try cli.create(["annotate", "essay", "--quote", "pencil"])
        try cli.ok(["edit", annotation, "--note", "-"], stdin: "from stdin\n")
        #expect(string(try cli.jsonObject(["show", annotation, "--json"]), "note") == "from stdin")
    }

    @Test("edit with no --note opens $EDITOR on the current text")
    func editWithEditor() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let id = try cli.create(["note", "add", "before the editor"])
        let seen = cli.path("seen-by-editor.txt")
        let editor = try cli.writeScript(
            "fake-editor.sh",
            """
            cp "$1" '\(seen)'
            printf 'rewritten in the editor\\n' > "$1"
            """)
        let result = cli.run(["edit", id], env: ["EDITOR": editor, "VISUAL": ""])
        #expect(result.succeeded, "\(result)")
        #expect(string(try cli.jsonObject(["show", id, "--json"]), "note") == "rewritten in the editor")
        let given = try String(contentsOfFile: seen, encoding: .utf8)
        #expect(given.hasPrefix("before the editor"), "the editor should open on the current text, got '\(given)'")
        #expect(try cli.jsonArray(["history", id, "--json"]).count == 2)
        // The editor's temporary file is cleaned up.
        #expect(cli.listing(cli.path("tmp")).isEmpty, "left in TMPDIR: \(cli.listing(cli.path("tmp")))")
    }

    @Test("an editor that fails saves nothing")
    func failingEditor() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let id = try cli.create(["note", "add", "keep me"])
        let hash = try cli.stateHash()
        let editor = try cli.writeScript("bad-editor.sh", "printf 'half-typed' > \"$1\"\nexit 3")
        cli.expectCleanError(cli.run(["edit", id], env: ["EDITOR": editor, "VISUAL": ""]))
        #expect(try cli.stateHash() == hash)
        #expect(string(try cli.jsonObject(["show", id, "--json"]), "note") == "keep me")
    }

    @Test("edit refuses a document or a deleted note before the editor opens, so nothing typed is lost")
    func editRefusedBeforeTheEditor() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let id = try cli.create(["note", "add", "soon deleted"])
        #expect(cli.run(["rm", id]).succeeded)
        let doc = try cli.create(["doc", "add", "--no-text", "--title", "A Book", "--id", "book"])
        let opened = cli.path("editor-opened")
        let editor = try cli.writeScript("marking-editor.sh", "touch '\(opened)'")
        cli.expectCleanError(cli.run(["edit", id], env: ["EDITOR": editor, "VISUAL": ""]), mentioning: ["restore"])
        cli.expectCleanError(cli.run(["edit", doc], env: ["EDITOR": editor, "VISUAL": ""]), mentioning: ["is a document"])
        #expect(!FileManager.default.fileExists(atPath: opened), "the editor was opened for an edit that cannot be saved")
    }

    @Test("tag +a +b then -a leaves [b]")
    func tagAddRemove() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let id = try cli.create(["note", "add", "tag me"])
        let add = cli.run(["tag", id, "+a", "+b"])
        #expect(add.succeeded, "\(add)")
        #expect(add.stdout.isEmpty, "\(add)")
        #expect(Set(strings(try cli.jsonObject(["show", id, "--json"]), "tags") ?? []) == ["a", "b"])
        try cli.ok(["tag", id, "-a"])
        #expect(strings(try cli.jsonObject(["show", id, "--json"]), "tags") == ["b"])
    }

    @Test("tag with no change, or a word that is not +T/-T, is a usage error that changes nothing")
    func tagUsage() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let id = try cli.create(["note", "add", "tag me", "--tag", "keep"])
        let hash = try cli.stateHash()
        cli.expectUsageError(cli.run(["tag", id]))
        cli.expectUsageError(cli.run(["tag", id, "plain"]))
        #expect(try cli.stateHash() == hash)
    }

    @Test("rm hides an item from list, list --deleted shows it, restore brings it back")
    func removeAndRestore() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let keep = try cli.create(["note", "add", "stays"])
        let gone = try cli.create(["note", "add", "goes"])
        let rm = cli.run(["rm", gone])
        #expect(rm.succeeded, "\(rm)")
        #expect(rm.stdout.isEmpty, "\(rm)")
        #expect(ids(try cli.jsonArray(["list", "--json"])) == [keep])
        #expect(!(try cli.ok(["list"])).stdout.contains(String(gone.prefix(8))))

        let withDeleted = try cli.jsonArray(["list", "--deleted", "--json"])
        #expect(Set(ids(withDeleted)) == [keep, gone])
        #expect(withDeleted.first { $0["id"] as? String == gone }?["deleted"] as? Bool == true)
        #expect((try cli.ok(["list", "--deleted"])).stdout.contains(String(gone.prefix(8))))
        #expect(try cli.jsonObject(["show", gone, "--json"])["deleted"] as? Bool == true)

        let restore = cli.run(["restore", String(gone.prefix(8))])
        #expect(restore.succeeded, "\(restore)")
        #expect(Set(ids(try cli.jsonArray(["list", "--json"]))) == [keep, gone])
        #expect(try cli.jsonObject(["show", gone, "--json"])["deleted"] as? Bool == false)
    }

    @Test("show takes an 8-character prefix of an id")
    func showByPrefix() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let id = try cli.create(["note", "add", "abbreviate me"])
        let shown = try cli.jsonObject(["show", String(id.prefix(8)), "--json"])
        #expect(string(shown, "id") == id)
        let text = try cli.ok(["show", String(id.prefix(8))])
        #expect(text.stdout.contains(id))
        #expect(text.stdout.contains("abbreviate me"))
    }

    @Test("an ambiguous prefix is refused with one line naming the candidates, and changes nothing")
    func ambiguousPrefix() throws {
        let cli = try CLI()
        try cli.initLibrary()
        // Add notes until two ids share a first hex digit (at most 17: there are 16 digits).
        var byDigit: [Character: [String]] = [:]
        var clash: (digit: Character, ids: [String])?
        var count = 0
        while clash == nil && count < 17 {
            let id = try cli.create(["note", "add", "note number \(count)"])
            count += 1
            let digit = try #require(id.first)
            byDigit[digit, default: []].append(id)
            if byDigit[digit]!.count == 2 { clash = (digit, byDigit[digit]!) }
        }
        let (digit, ids) = try #require(clash, "17 notes and no shared first digit: are ids hex?")
        let hash = try cli.stateHash()

        let show = cli.run(["show", String(digit)])
        cli.expectCleanError(show)
        let line = show.stderrLines.first ?? ""
        #expect(
            ids.allSatisfy { line.contains($0) || line.contains($0.prefix(8)) } || line.localizedCaseInsensitiveContains("several"),
            "the message should name the candidates \(ids) or say 'several':\n\(show)")

        cli.expectCleanError(cli.run(["edit", String(digit), "--note", "which one?"]))
        cli.expectCleanError(cli.run(["rm", String(digit)]))
        cli.expectCleanError(cli.run(["tag", String(digit), "+x"]))
        #expect(try cli.stateHash() == hash)
        #expect(try cli.jsonArray(["list", "--json"]).count == count)
    }
}
