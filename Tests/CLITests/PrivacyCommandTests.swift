import Foundation
import Testing

// Privacy and trust through the built binary (issue 5): private items never
// reach a group folder or a group bundle; making an item private withdraws
// it from the group; encrypted group channels take their passphrase from a
// file or $MARGINALIA_PASSPHRASE and write nothing without it; the secret
// key is never printed; `readers` lists, flags, blocks and unblocks.

@Suite("privacy: group folders, bundles, withdrawal, encryption, identity, readers")
struct PrivacyCommandTests {
    // MARK: Leaks

    @Test("private notes, annotations and documents appear in no file of a group folder nor in bundle export --group; bundle export without --group has them")
    func privateItemsStayHome() throws {
        let ada = try CLI.reader("Ada")
        let bo = try CLI.reader("Bo")
        let club = ada.path("club")
        let essay = try ada.write(
            "essay.md", "# Shared Essay on Lighthouses\n\nThe keeper trimmed the wick at dusk. Gulls circled the lamp room.\n")
        let diary = try ada.write(
            "diary.md", "# Diary of Quetzalcoatlus\n\nMy anxieties about the nyctinastic begonia are mine alone.\n")
        try ada.create(["doc", "add", essay, "--id", "lighthouse"])
        try ada.create(["doc", "add", diary, "--id", "diary-private", "--private"])
        let sharedAnnotation = try ada.create(
            ["annotate", "lighthouse", "--quote", "trimmed the wick", "--note", "shared remark Plover", "--tag", "shared-tag-heron"])
        let privateAnnotation = try ada.create(
            ["annotate", "lighthouse", "--quote", "Gulls circled", "--note", "private remark Quagga", "--tag", "private-tag-ocelot",
             "--private"])
        let privateOnPrivate = try ada.create(
            ["annotate", "diary-private", "--quote", "nyctinastic begonia", "--note", "private remark Axolotl", "--private"])
        let privateNote = try ada.create(
            ["note", "add", "private body Nightjar", "--title", "private title Ptarmigan", "--tag", "private-tag-kinkajou"])
        let sharedNote = try ada.create(["note", "add", "shared body Wagtail", "--shared", "--tag", "shared-tag-egret"])

        let privateTexts = [
            "private remark Quagga", "private-tag-ocelot", "private remark Axolotl", "private body Nightjar",
            "private title Ptarmigan", "private-tag-kinkajou", "Quetzalcoatlus", "nyctinastic", "diary-private",
            privateAnnotation, privateOnPrivate, privateNote,
        ]
        let sharedTexts = ["shared remark Plover", "shared-tag-heron", "shared body Wagtail", "shared-tag-egret", "Lighthouses"]

        try ada.ok(["remote", "add", "club", club, "--group"])
        try ada.ok(["sync"])
        try bo.ok(["remote", "add", "club", club])
        try bo.ok(["sync", "club"])
        #expect(Set(ids(try bo.jsonArray(["list", "--json"]))) == [sharedAnnotation, sharedNote])
        #expect(ids(try bo.jsonArray(["doc", "list", "--json"])) == ["lighthouse"])

        let folder = try Self.contents(under: club)
        #expect(!folder.isEmpty)
        for text in privateTexts {
            #expect(!folder.contains { $0.value.contains(text) || $0.key.contains(text) }, "'\(text)' is in the group folder")
        }
        for text in sharedTexts {
            #expect(folder.contains { $0.value.contains(text) }, "'\(text)' should be in the group folder (the grep sees text)")
        }

        let group = ada.path("group.bundle")
        let own = ada.path("own.bundle")
        try ada.ok(["bundle", "export", "--group", "-o", group])
        try ada.ok(["bundle", "export", "-o", own])
        let groupText = try String(contentsOfFile: group, encoding: .utf8)
        let ownText = try String(contentsOfFile: own, encoding: .utf8)
        for text in privateTexts {
            #expect(!groupText.contains(text), "'\(text)' is in bundle export --group")
            #expect(ownText.contains(text), "'\(text)' should be in a bundle for your own machines")
        }
        for text in sharedTexts { #expect(groupText.contains(text)) }
        // To stdout as well.
        let piped = try ada.ok(["bundle", "export", "--group"])
        for text in privateTexts { #expect(!piped.stdout.contains(text), "'\(text)' is in bundle export --group on stdout") }

        // A group bundle given to Bo brings nothing private either.
        let cy = try CLI.reader("Cy")
        try cy.ok(["bundle", "import", group])
        #expect(Set(ids(try cy.jsonArray(["list", "--json"]))) == [sharedAnnotation, sharedNote])
        #expect(try cy.jsonObject(["status", "--json"])["sharedStateHash"] as? String
            == (try ada.jsonObject(["status", "--json"])["sharedStateHash"] as? String))
    }

    @Test("edit --private withdraws an item from the group (the other reader loses it, the owner keeps it); edit --shared brings it back with its history; shared state hashes agree")
    func withdrawAndReshare() throws {
        let ada = try CLI.reader("Ada")
        let bo = try CLI.reader("Bo")
        let club = ada.path("club")
        let essay = try ada.write("essay.md", "# Essay\n\nA room of one's own is the thesis.\nMoney matters.\n")
        try ada.create(["doc", "add", essay, "--id", "essay"])
        let annotation = try ada.create(["annotate", "essay", "--quote", "Money matters", "--note", "first reading"])
        let kept = try ada.create(["note", "add", "stays shared", "--shared"])
        try ada.ok(["remote", "add", "club", club, "--group"])
        try bo.ok(["remote", "add", "club", club])
        try ada.ok(["sync"])
        try bo.ok(["sync"])
        try bo.create(["annotate", "essay", "--quote", "A room", "--note", "Bo agrees"])
        try bo.create(["note", "add", "Bo's private aside"])
        try bo.ok(["sync"])
        try ada.ok(["sync"])
        try Self.expectSharedHashesAgree(ada, bo)
        #expect(try ada.stateHash() != bo.stateHash(), "Bo's private note is in his state hash only")
        #expect(Set(ids(try bo.jsonArray(["list", "--json"]))).isSuperset(of: [annotation, kept]))

        // Withdraw: Bo no longer has it, Ada does.
        try ada.ok(["edit", annotation, "--private"])
        try ada.ok(["sync"])
        try bo.ok(["sync"])
        #expect(!ids(try bo.jsonArray(["list", "--json"])).contains(annotation))
        #expect(!ids(try bo.jsonArray(["list", "--doc", "essay", "--json"])).contains(annotation))
        #expect(try bo.jsonArray(["search", "first reading", "--json"]).isEmpty)
        let shown = bo.run(["show", annotation])
        let withdrawnHistory = bo.run(["history", annotation])
        let counted = try bo.jsonObject(["status", "--json"])
        let adaCounted = try bo.jsonArray(["readers", "--json"]).first { string($0, "name") == "Ada" }
        do {
            #expect(!shown.succeeded && !shown.stdout.contains("first reading"), "\(shown)")
            #expect(!withdrawnHistory.succeeded && !withdrawnHistory.stdout.contains("first reading"), "\(withdrawnHistory)")
            #expect(int(counted, "counts", "annotations") == 1, "Bo's own annotation only: \(counted)")
            #expect(int(adaCounted, "counts", "annotations") == 0, "\(String(describing: adaCounted))")
        }
        let owned = try ada.jsonObject(["show", annotation, "--json"])
        #expect(string(owned, "visibility") == "private")
        #expect(string(owned, "note") == "first reading")
        #expect(ids(try bo.jsonArray(["list", "--json"])).contains(kept))
        try Self.expectSharedHashesAgree(ada, bo)
        #expect(try bo.ok(["check"]).stdout.hasPrefix("ok"))

        // Edits while private stay home.
        try ada.ok(["edit", annotation, "--note", "second reading Wombat"])
        try ada.ok(["sync"])
        let folder = try Self.contents(under: club)
        #expect(!folder.contains { $0.value.contains("Wombat") }, "an edit of a private item reached the group folder")

        // Share again: back for Bo, as it is now, with its history.
        try ada.ok(["edit", annotation, "--shared"])
        try ada.ok(["sync"])
        try bo.ok(["sync"])
        let back = try bo.jsonObject(["show", annotation, "--json"])
        #expect(string(back, "note") == "second reading Wombat")
        #expect(string(back, "visibility") == "shared")
        let history = try bo.jsonArray(["history", annotation, "--json"])
        #expect(history.count == (try ada.jsonArray(["history", annotation, "--json"])).count)
        #expect(history.count >= 4, "create, private, edit, shared: \(history)")
        try Self.expectSharedHashesAgree(ada, bo)
        #expect(try bo.ok(["check"]).stdout.hasPrefix("ok"))
    }

    // MARK: Encryption

    @Test("a passphrase group channel: --passphrase-file starts it, a missing or wrong passphrase is a clean error that writes nothing, $MARGINALIA_PASSPHRASE joins, later syncs need none")
    func passphraseChannel() throws {
        let ada = try CLI.reader("Ada")
        let bo = try CLI.reader("Bo")
        let club = ada.path("club")
        let passphrase = "tarn gorse lintel quokka"
        let file = try ada.write("club.pass", passphrase + "\nsecond line ignored\n")
        let note = try ada.create(["note", "add", "shared under lock Marmoset", "--shared"])
        let started = try ada.ok(["remote", "add", "club", club, "--group", "--passphrase-file", file])
        #expect(started.stderr.contains("encrypted group channel"), "\(started)")
        try ada.ok(["sync"])

        let before = try Self.contents(under: club)
        let hash = try bo.stateHash()
        let missing = bo.run(["remote", "add", "club", club])
        bo.expectCleanError(missing, mentioning: ["passphrase"])
        let wrong = bo.run(["remote", "add", "club", club], env: ["MARGINALIA_PASSPHRASE": "tarn gorse lintel"])
        bo.expectCleanError(wrong, mentioning: ["passphrase does not open"])
        let wrongFile = try bo.write("wrong.pass", "tarn gorse lintel quokka!\n")
        bo.expectCleanError(bo.run(["remote", "add", "club", club, "--passphrase-file", wrongFile]), mentioning: ["passphrase"])
        let empty = try bo.write("empty.pass", "\n")
        bo.expectCleanError(bo.run(["remote", "add", "club", club, "--passphrase-file", empty]), mentioning: ["no passphrase"])
        let direct = bo.run(["sync", club])
        #expect(direct.status != 0, "\(direct)")
        #expect(direct.stderr.contains("passphrase"), "\(direct)")
        #expect(try Self.contents(under: club) == before, "a refused join wrote to the folder")
        #expect(try bo.jsonArray(["remote", "list", "--json"]).isEmpty)
        #expect(try bo.stateHash() == hash)

        let joined = try bo.ok(["remote", "add", "club", club], env: ["MARGINALIA_PASSPHRASE": passphrase])
        #expect(joined.stderr.contains("encrypted group channel"), "\(joined)")
        let remotes = try bo.jsonArray(["remote", "list", "--json"])
        #expect(remotes.count == 1)
        #expect(remotes.first?["encrypted"] as? Bool == true)
        for remote in remotes {
            for (key, value) in remote { #expect(!"\(value)".contains(passphrase), "remote list shows the passphrase in \(key)") }
        }
        let sync = try bo.jsonObject(["sync", "--json"])
        #expect(int(sync, "applied") == 1, "\(sync)")
        #expect(ids(try bo.jsonArray(["list", "--json"])) == [note])
        try bo.create(["note", "add", "Bo's locked reply", "--shared"])
        try bo.ok(["sync"])
        try ada.ok(["sync"])
        try Self.expectSharedHashesAgree(ada, bo)

        // The folder shows neither texts nor the passphrase.
        for (path, bytes) in try Self.contents(under: club) {
            for secret in ["Marmoset", "locked reply", passphrase] {
                #expect(!bytes.contains(secret) && !path.contains(secret), "'\(secret)' is readable in \(path)")
            }
        }
        // A personal channel takes no passphrase.
        ada.expectCleanError(
            ada.run(["remote", "add", "laptop", ada.path("laptop"), "--personal", "--passphrase-file", file]),
            mentioning: ["passphrase"])
        #expect(!ada.fileExists(ada.path("laptop/marginalia-sync.json")))
    }

    // MARK: Identity and secrets

    @Test("identity export writes a 0600 file and warns; status, readers and remote list never print the secret key")
    func secretKeyStaysSecret() throws {
        let ada = try CLI.reader("Ada")
        try ada.create(["note", "add", "a note", "--shared"])
        try ada.ok(["remote", "add", "laptop", ada.path("laptop"), "--personal"])
        try ada.ok(["remote", "add", "club", ada.path("club"), "--group"])
        try ada.ok(["sync"])
        let file = ada.path("ada.identity")
        let exported = try ada.ok(["identity", "export", file])
        #expect(exported.stdout.isEmpty)
        #expect(exported.stderr.contains("warning"), "\(exported)")
        #expect(exported.stderr.contains("secret key"), "\(exported)")
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let identity = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let secret = try #require(identity["secretKey"] as? String)
        #expect(secret.count >= 40)
        #expect(!exported.stderr.contains(secret))
        ada.expectCleanError(ada.run(["identity", "export", file]), mentioning: ["exists"])

        let secretHex = Data(base64Encoded: secret).map { $0.map { String(format: "%02x", $0) }.joined() } ?? "?"
        for args in [
            ["status"], ["status", "--json"], ["readers"], ["readers", "--json"], ["readers", "list", "--json"],
            ["remote", "list"], ["remote", "list", "--json"], ["sync", "--json"],
        ] {
            let result = try ada.ok(args)
            for form in [secret, secretHex] {
                #expect(!result.stdout.contains(form) && !result.stderr.contains(form), "\(args) prints the secret key")
            }
        }
        // Nor do the sync folders hold it.
        for folder in ["laptop", "club"] {
            for (path, text) in try Self.contents(under: ada.path(folder)) {
                #expect(!text.contains(secret), "the secret key is in \(folder)/\(path)")
            }
        }
    }

    // MARK: readers

    @Test("readers lists fingerprints, names and counts, flags a shared name; block by prefix or name says what it hides; yourself is refused; check and check --rebuild hold")
    func readersCommand() throws {
        let ada = try CLI.reader("Ada")
        let bo = try CLI.reader("Bo")
        let cy = try CLI.reader("Cy")
        let impostor = try CLI.reader("Ada")
        let club = ada.path("club")
        let essay = try ada.write("essay.md", "# Essay\n\nA room of one's own is the thesis.\nMoney matters.\n")
        try ada.create(["doc", "add", essay, "--id", "essay"])
        let adaNote = try ada.create(["annotate", "essay", "--quote", "Money matters", "--note", "Ada's"])
        try ada.ok(["remote", "add", "club", club, "--group"])
        try ada.ok(["sync"])
        for member in [bo, cy, impostor] { try member.ok(["remote", "add", "club", club]) }
        try cy.ok(["sync"])
        let cyNotes = [try cy.create(["note", "add", "Cy one", "--shared"]), try cy.create(["note", "add", "Cy two", "--shared"])]
        try cy.ok(["sync"])
        try impostor.ok(["sync"])
        let fake = try impostor.create(["note", "add", "I am the real Ada", "--shared"])
        try impostor.ok(["edit", adaNote, "--note", "Ada's, improved by the other Ada"])
        try impostor.ok(["sync"])
        try bo.create(["note", "add", "Bo's own", "--shared"])
        try bo.ok(["sync"])

        func readerID(_ cli: CLI) throws -> String { try #require(string(try cli.jsonObject(["status", "--json"]), "reader", "id")) }
        let (adaID, boID, cyID, impostorID) = (try readerID(ada), try readerID(bo), try readerID(cy), try readerID(impostor))
        let readers = try bo.jsonArray(["readers", "--json"])
        #expect(Set(ids(readers)) == [adaID, boID, cyID, impostorID])
        #expect(try bo.jsonArray(["readers", "list", "--json"]).count == 4)
        func entry(_ id: String) -> [String: Any]? { readers.first { $0["id"] as? String == id } }
        for reader in readers {
            let id = string(reader, "id") ?? ""
            #expect(id.isLowercaseHex(count: 32))
            #expect(Data(base64Encoded: string(reader, "publicKey") ?? "")?.count == 32, "\(reader)")
            #expect(value(reader, "you") as? Bool == (id == boID))
            #expect(value(reader, "blocked") as? Bool == false)
            #expect(value(reader, "sharesName") as? Bool == (id == adaID || id == impostorID), "\(reader)")
        }
        #expect(string(entry(adaID), "name") == "Ada")
        #expect(string(entry(impostorID), "name") == "Ada")
        #expect(string(entry(cyID), "name") == "Cy")
        #expect(int(entry(adaID), "counts", "documents") == 1)
        #expect(int(entry(adaID), "counts", "annotations") == 1)
        #expect(int(entry(cyID), "counts", "notes") == 2)
        #expect(int(entry(impostorID), "counts", "notes") == 1)
        #expect(int(entry(impostorID), "counts", "operations") == 2)
        #expect(int(entry(boID), "counts", "notes") == 1)
        let listing = try bo.ok(["readers"]).stdoutLines
        #expect(listing.count == 4)
        #expect(listing.filter { $0.contains("same name as another reader") }.count == 2, "\(listing)")
        #expect(listing.filter { $0.contains("you") && $0.hasPrefix(boID) }.count == 1, "\(listing)")

        let everything = try bo.stateHash()
        // Ambiguous name, yourself, nobody: refused, nothing changes.
        bo.expectCleanError(bo.run(["readers", "block", "Ada"]))
        bo.expectCleanError(bo.run(["readers", "block", "Bo"]), mentioning: ["yourself"])
        bo.expectCleanError(bo.run(["readers", "block", String(boID.prefix(6))]), mentioning: ["yourself"])
        bo.expectCleanError(bo.run(["readers", "block", "Nobody"]))
        bo.expectCleanError(bo.run(["readers", "unblock", "Cy"]), mentioning: ["not blocked"])
        #expect(try bo.stateHash() == everything)

        // By id prefix: the impostor's note and edit go.
        let blocked = try bo.ok(["readers", "block", String(impostorID.prefix(8))])
        #expect(blocked.stderr.contains("hides 1 item"), "\(blocked)")
        #expect(blocked.stderr.contains("2 operations"), "\(blocked)")
        let withoutImpostor = try bo.stateHash()
        #expect(withoutImpostor != everything)
        #expect(!ids(try bo.jsonArray(["list", "--json"])).contains(fake))
        #expect(string(try bo.jsonObject(["show", adaNote, "--json"]), "note") == "Ada's")
        #expect(value(readerEntry(impostorID, in: try bo.jsonArray(["readers", "--json"])), "blocked") as? Bool == true)
        bo.expectCleanError(bo.run(["readers", "block", impostorID]), mentioning: ["already blocked"])

        // By name.
        let byName = try bo.ok(["readers", "block", "cy", "--json"])
        let change = try #require(try JSONSerialization.jsonObject(with: Data(byName.stdout.utf8)) as? [String: Any])
        #expect(string(change, "reader", "id") == cyID)
        #expect(int(change, "items") == 2)
        #expect(Set(ids(try bo.jsonArray(["list", "--json"]))).isDisjoint(with: cyNotes))
        #expect(try bo.ok(["check"]).stdout.hasPrefix("ok"))
        let twoBlocked = try bo.stateHash()
        let rebuilt = try bo.ok(["check", "--rebuild"])
        #expect(rebuilt.stdout.hasPrefix("ok"), "\(rebuilt)")
        #expect(!rebuilt.stdout.contains("changed"), "\(rebuilt)")
        #expect(try bo.stateHash() == twoBlocked)

        // A blocked reader's new work is taken in and stays hidden.
        try impostor.create(["note", "add", "more from the other Ada", "--shared"])
        try impostor.ok(["sync"])
        try bo.ok(["sync"])
        #expect(try bo.stateHash() == twoBlocked)

        let unblocked = try bo.ok(["readers", "unblock", impostorID])
        #expect(unblocked.stderr.contains("2 items"), "\(unblocked)")
        try bo.ok(["readers", "unblock", "Cy"])
        #expect(try bo.stateHash() == impostor.stateHash())
        #expect(string(try bo.jsonObject(["show", adaNote, "--json"]), "note") == "Ada's, improved by the other Ada")
        #expect(try bo.ok(["check"]).stdout.hasPrefix("ok"))
        let rebuiltAgain = try bo.ok(["check", "--rebuild"])
        #expect(rebuiltAgain.stdout.hasPrefix("ok"), "\(rebuiltAgain)")
        #expect(try bo.stateHash() == impostor.stateHash())
    }

    // MARK: Helpers

    /// Every file under `folder`, by relative path, as text (bytes that are
    /// not UTF-8 are replaced, so a search still sees the readable parts).
    static func contents(under folder: String) throws -> [String: String] {
        var files: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return files }
        while let relative = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            let full = folder + "/" + relative
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            files[relative] = String(decoding: try Data(contentsOf: URL(fileURLWithPath: full)), as: UTF8.self)
        }
        return files
    }

    static func expectSharedHashesAgree(_ a: CLI, _ b: CLI, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let first = try a.jsonObject(["status", "--json"], sourceLocation: sourceLocation)["sharedStateHash"] as? String
        let second = try b.jsonObject(["status", "--json"], sourceLocation: sourceLocation)["sharedStateHash"] as? String
        #expect(first != nil, sourceLocation: sourceLocation)
        #expect(first == second, "shared state hashes differ", sourceLocation: sourceLocation)
    }
}

private func readerEntry(_ id: String, in readers: [[String: Any]]) -> [String: Any]? {
    readers.first { $0["id"] as? String == id }
}
