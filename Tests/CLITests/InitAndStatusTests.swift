import Foundation
import Testing

@Suite("init and status")
struct InitAndStatusTests {
    @Test("init --name prints only the reader id, and status --json reports it")
    func initPrintsReaderID() throws {
        let cli = try CLI()
        let result = cli.run(["init", "--name", "Ada"])
        #expect(result.succeeded, "\(result)")
        #expect(result.stdoutLines.count == 1, "init prints exactly one line on stdout:\n\(result)")
        let readerID = result.output
        #expect(readerID.isLowercaseHex(count: 32), "a reader id is 32 hex digits, got '\(readerID)'")

        let status = try cli.jsonObject(["status", "--json"])
        #expect(string(status, "reader", "id") == readerID)
        #expect(string(status, "reader", "name") == "Ada")
        let replica = try #require(string(status, "replica"))
        #expect(replica.isLowercaseHex(count: 32), "a replica id is 128 random bits in hex, got '\(replica)'")
        #expect(replica != readerID)
        #expect(int(status, "counts", "documents") == 0)
        #expect(int(status, "counts", "annotations") == 0)
        #expect(int(status, "counts", "notes") == 0)
        let hash = try #require(string(status, "stateHash"))
        #expect(hash.isLowercaseHex(count: 64), "the state hash is a SHA-256 in hex, got '\(hash)'")
    }

    @Test("init on an existing library fails and changes nothing")
    func initTwiceFails() throws {
        let cli = try CLI()
        let readerID = try cli.create(["init", "--name", "Ada"])
        try cli.create(["note", "add", "something to hash"])
        let before = try cli.jsonObject(["status", "--json"])

        let again = cli.run(["init", "--name", "Bob"])
        cli.expectCleanError(again)

        let after = try cli.jsonObject(["status", "--json"])
        #expect(string(after, "reader", "id") == readerID)
        #expect(string(after, "reader", "name") == "Ada")
        #expect(string(after, "replica") == string(before, "replica"))
        #expect(string(after, "stateHash") == string(before, "stateHash"))
        #expect(int(after, "counts", "notes") == 1)
        // A plain `init` (no name) is refused just the same.
        cli.expectCleanError(cli.run(["init"]))
        #expect(try cli.stateHash() == string(before, "stateHash"))
    }

    @Test("init without --name takes the name from $USER")
    func initNameFromUser() throws {
        let cli = try CLI()
        try cli.create(["init"], env: ["USER": "grace"])
        let status = try cli.jsonObject(["status", "--json"])
        #expect(string(status, "reader", "name") == "grace")
    }

    @Test("a blank $USER names the reader \"reader\"", arguments: [" ", "\t", " \n "])
    func initNameFromBlankUser(user: String) throws {
        let cli = try CLI()
        try cli.create(["init"], env: ["USER": user])
        #expect(string(try cli.jsonObject(["status", "--json"]), "reader", "name") == "reader")
    }

    @Test("two libraries get different reader and replica ids")
    func distinctIdentities() throws {
        let cli = try CLI()
        let first = try cli.create(["init", "--name", "Ada", "--library", cli.path("one.sqlite")])
        let second = try cli.create(["init", "--name", "Ada", "--library", cli.path("two.sqlite")])
        #expect(first != second)
        let one = try cli.jsonObject(["status", "--json", "--library", cli.path("one.sqlite")])
        let two = try cli.jsonObject(["status", "--json", "--library", cli.path("two.sqlite")])
        #expect(string(one, "replica") != string(two, "replica"))
    }

    @Test(
        "a write command on a missing library creates it, for the reader named in $USER",
        arguments: ["note", "doc", "paper"])
    func writeCreatesLibrary(kind: String) throws {
        let cli = try CLI()
        #expect(!cli.fileExists(cli.library))
        let file = try cli.write("essay.txt", "A short essay about margins.\n")
        let args: [String] =
            switch kind {
            case "note": ["note", "add", "first thought"]
            case "doc": ["doc", "add", file]
            default: ["doc", "add", "--no-text", "--title", "Middlemarch"]
            }
        let result = cli.run(args)
        #expect(result.succeeded, "\(result)")
        #expect(result.stdoutLines.count == 1, "stdout holds only the new id:\n\(result)")
        #expect(cli.fileExists(cli.library), "the library was not created at $MARGINALIA_LIBRARY")
        let status = try cli.jsonObject(["status", "--json"])
        #expect(string(status, "reader", "name") == "tester")
        #expect(try #require(string(status, "reader", "id")).isLowercaseHex(count: 32))
        let total = (int(status, "counts", "notes") ?? 0) + (int(status, "counts", "documents") ?? 0)
        #expect(total == 1)
    }

    @Test("--library wins over $MARGINALIA_LIBRARY")
    func explicitLibraryWins() throws {
        let cli = try CLI()
        let explicit = cli.path("elsewhere/explicit.sqlite")
        try FileManager.default.createDirectory(atPath: cli.path("elsewhere"), withIntermediateDirectories: true)
        try cli.create(["note", "add", "in the explicit library", "--library", explicit])
        #expect(cli.fileExists(explicit))
        #expect(!cli.fileExists(cli.library))
        #expect(string(try cli.jsonObject(["status", "--json", "--library", explicit]), "library") == explicit)
    }

    // These two only *read* through the default path (the library is made with an
    // explicit --library first), so a binary that got the default wrong fails
    // cleanly instead of writing into the real home of whoever runs the tests.
    @Test("without $MARGINALIA_LIBRARY the library is $XDG_DATA_HOME/marginalia/library.sqlite")
    func defaultUnderXDGDataHome() throws {
        let cli = try CLI()
        let xdg = cli.dataHome.appendingPathComponent("marginalia/library.sqlite").path
        try FileManager.default.createDirectory(
            atPath: cli.dataHome.appendingPathComponent("marginalia").path, withIntermediateDirectories: true)
        try cli.initLibrary()
        try cli.create(["init", "--name", "Xdg", "--library", xdg])
        for dataHome in [cli.dataHome.path, cli.dataHome.path + "/"] {
            let result = cli.run(["status", "--json"], env: ["MARGINALIA_LIBRARY": "", "XDG_DATA_HOME": dataHome])
            #expect(result.succeeded, "\(result)")
            #expect(result.stdout.contains("\"Xdg\""), "status should read \(xdg) ($XDG_DATA_HOME is \(dataHome)):\n\(result)")
        }
    }

    @Test("without $MARGINALIA_LIBRARY and $XDG_DATA_HOME the library is $HOME/.local/share/marginalia/library.sqlite")
    func defaultUnderHome() throws {
        let cli = try CLI()
        let folder = cli.home.appendingPathComponent(".local/share/marginalia")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let homeDefault = folder.appendingPathComponent("library.sqlite").path
        try cli.create(["init", "--name", "Homebody", "--library", homeDefault])
        for home in [cli.home.path, cli.home.path + "/", cli.home.path + "//"] {
            let result = cli.run(["status", "--json"], env: ["MARGINALIA_LIBRARY": "", "XDG_DATA_HOME": "", "HOME": home])
            #expect(result.succeeded, "status should read \(homeDefault) ($HOME is \(home)):\n\(result)")
            #expect(result.stdout.contains("\"Homebody\""), "\(result)")
        }
    }

    @Test("a reading command on a missing library fails cleanly and creates nothing")
    func readOnMissingLibrary() throws {
        let cli = try CLI()
        for args in [["status"], ["list"], ["doc", "list"], ["show", "abcd"], ["search", "word"], ["check"]] {
            let result = cli.run(args)
            cli.expectCleanError(result)
            #expect(!cli.fileExists(cli.library), "`\(args.joined(separator: " "))` created a library")
        }
    }

    @Test("check --rebuild exits 0 and keeps the state hash")
    func checkRebuildKeepsHash() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let file = try cli.write("essay.md", "# Margins\n\nThe pencil is a promise to come back.\n")
        let doc = try cli.create(["doc", "add", file, "--id", "margins"])
        let annotation = try cli.create(["annotate", doc, "--quote", "pencil", "--note", "tools", "--tag", "t"])
        let note = try cli.create(["note", "add", "a note", "--tag", "x"])
        try cli.ok(["edit", annotation, "--note", "better"])
        try cli.ok(["tag", note, "+y", "-x"])
        try cli.ok(["rm", note])

        let before = try cli.stateHash()
        let check = cli.run(["check"])
        #expect(check.succeeded, "\(check)")
        let rebuild = cli.run(["check", "--rebuild"])
        #expect(rebuild.succeeded, "\(rebuild)")
        #expect(rebuild.stdout.contains(before), "check --rebuild should print the (unchanged) state hash:\n\(rebuild)")
        #expect(!rebuild.stdout.contains("changed"), "\(rebuild)")
        #expect(try cli.stateHash() == before)

        let json = try cli.jsonObject(["check", "--rebuild", "--json"])
        #expect(json["ok"] as? Bool == true)
        #expect(string(json, "stateHash") == before)
        #expect(try cli.stateHash() == before)
    }

    @Test("status prints the same state hash in text and JSON, and it changes with a write")
    func statusTextAndHash() throws {
        let cli = try CLI()
        try cli.initLibrary(name: "Ada")
        let hash = try cli.stateHash()
        let text = try cli.ok(["status"])
        #expect(text.stdout.contains(hash))
        #expect(text.stdout.contains("Ada"))
        try cli.create(["note", "add", "x"])
        #expect(try cli.stateHash() != hash)
    }
}
