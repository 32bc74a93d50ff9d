import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// `marginalia remote`, `sync`, `identity export`, `init --identity` and
// `replica reset` (DESIGN section 5, issue 4), through the built binary.
// Each library lives in a `CLI` folder of its own; the sync folders live in
// a `ScratchFolder` that outlives them all.

@Suite("sync through folders, end to end")
struct SyncCommandTests {
    @Test("two machines of one reader exchange private and shared items through a personal folder; a second reader gets only shared ones through a group folder, which holds no private text")
    func personalAndGroupChannels() throws {
        let scratch = ScratchFolder()
        let personal = scratch.path("personal")
        let group = scratch.path("group")
        let desk = try CLI.reader("Ada")
        let laptop = try desk.secondMachine()
        let bo = try CLI.reader("Bo")
        try desk.ok(["remote", "add", "mine", personal, "--personal"])
        try desk.ok(["remote", "add", "club", group, "--group"])
        try laptop.ok(["remote", "add", "mine", personal])
        try laptop.ok(["remote", "add", "club", group])
        try bo.ok(["remote", "add", "club", group])
        let remotes = try laptop.jsonArray(["remote", "list", "--json"])
        #expect(remotes.compactMap { $0["name"] as? String } == ["club", "mine"], "\(remotes)")
        #expect(remotes.compactMap { $0["kind"] as? String } == ["group", "personal"], "\(remotes)")

        let essay = try desk.write("essay.md", "# Essay\n\nA room of one's own is the thesis.\nMoney matters.\n")
        try desk.create(["doc", "add", essay, "--id", "essay"])
        let secretQuote = try desk.create(["annotate", "essay", "--quote", "Money matters", "--private", "--note", "SECRET desk annotation"])
        let sharedQuote = try desk.create(["annotate", "essay", "--quote", "the thesis", "--note", "shared desk annotation"])
        let deskSecret = try desk.create(["note", "add", "SECRET desk note"])
        let deskShared = try desk.create(["note", "add", "shared desk note", "--shared"])
        let laptopSecret = try laptop.create(["note", "add", "SECRET laptop note"])
        let laptopShared = try laptop.create(["note", "add", "shared laptop note", "--shared"])

        // Desk to laptop, then laptop to desk.
        let first = try desk.syncJSON()
        #expect(int(first, "pushed") == 8 && int(first, "pulled") == 0, "\(first)")
        let second = try laptop.syncJSON()
        #expect(int(second, "applied") == 5 && int(second, "pulled") == 8, "5 from the personal folder, 3 again from the group: \(second)")
        let laptopQuote = try laptop.create(["annotate", "essay", "--quote", "A room", "--private", "--note", "SECRET laptop annotation"])
        try laptop.syncJSON()
        let third = try desk.syncJSON()
        #expect(int(third, "applied") == 3, "\(third)")
        #expect(try desk.stateHash() == laptop.stateHash())
        for machine in [desk, laptop] {
            let items = try listedItems(machine)
            #expect(Set(items.keys) == [secretQuote, sharedQuote, deskSecret, deskShared, laptopSecret, laptopShared, laptopQuote],
                    "\(machine.readerName): \(items.keys)")
            #expect(string(items[laptopSecret], "note") == "SECRET laptop note")
            #expect(string(items[secretQuote], "visibility") == "private")
        }

        // A private annotation made shared later reaches the group with its history.
        let later = try desk.create(["annotate", "essay", "--quote", "Money", "--private", "--note", "draft, kept back"])
        try desk.ok(["edit", later, "--note", "shared at last"])
        try desk.syncJSON()
        try desk.ok(["edit", later, "--shared"])

        #expect(int(try desk.syncJSON(), "pushed") == 3 + 1, "the annotation's history to the group, the change to the laptop")
        let fromGroup = try bo.syncJSON()
        #expect(int(fromGroup, "applied") == 4 + 3, "document, shared annotation, two shared notes, the later one: \(fromGroup)")
        let seen = try listedItems(bo)
        #expect(Set(seen.keys) == [sharedQuote, deskShared, laptopShared, later], "\(seen.keys)")
        #expect(string(seen[later], "note") == "shared at last" && string(seen[later], "visibility") == "shared")
        #expect(try bo.jsonArray(["history", later, "--json"]).count == 3)
        let deskStatus = try desk.jsonObject(["status", "--json"])
        let boStatus = try bo.jsonObject(["status", "--json"])
        #expect(string(deskStatus, "sharedStateHash") == string(boStatus, "stateHash"), "\(deskStatus)\n\(boStatus)")
        #expect(string(boStatus, "sharedStateHash") == string(boStatus, "stateHash"))
        #expect(string(seen[deskShared], "author", "name") == "Ada")
        let groupBytes = scratch.allBytes(under: group)
        #expect(groupBytes.contains("shared laptop note") && groupBytes.contains("shared desk annotation"))
        #expect(!groupBytes.contains("SECRET"), "private text in the group folder")
        #expect(!scratch.allBytes(under: bo.root.path).contains("SECRET"))
    }

    @Test("offline edits on three libraries, including concurrent edits of one note, converge whichever order they sync in")
    func offlineEditsConvergeInEitherOrder() throws {
        let scratch = ScratchFolder()
        let desk = try CLI.reader("Ada")
        let laptop = try desk.secondMachine()
        let bo = try CLI.reader("Bo")
        try desk.ok(["remote", "add", "mine", scratch.path("personal"), "--personal"])
        try laptop.ok(["remote", "add", "mine", scratch.path("personal")])
        for library in [desk, laptop, bo] {
            try library.ok(["remote", "add", "club", scratch.path("group")] + (library === desk ? ["--group"] : []))
        }
        let note = try desk.create(["note", "add", "one\ntwo\nthree", "--shared"])
        for library in [desk, laptop, bo] { try library.syncJSON() }

        let orders = [[desk, laptop, bo, desk, laptop], [bo, laptop, desk, bo, laptop]]
        for (round, order) in orders.enumerated() {
            try desk.ok(["edit", note, "--note", "one\ntwo by desk \(round)\nthree"])
            try laptop.ok(["edit", note, "--note", "one\ntwo by laptop \(round)\nthree"])
            try bo.ok(["tag", note, "+round\(round)"])
            try desk.create(["note", "add", "desk offline \(round)", "--shared"])
            try laptop.create(["note", "add", "laptop offline \(round)", "--shared"])
            try bo.create(["note", "add", "Bo offline \(round)", "--shared"])
            for library in order { try library.syncJSON() }
            let hashes = try [desk, laptop, bo].map { try $0.stateHash() }
            #expect(Set(hashes).count == 1, "round \(round): \(hashes)")
            let conflicts = try bo.jsonArray(["conflicts", "--json"])
            #expect(ids(conflicts) == [note], "round \(round): \(conflicts)")
            #expect(try bo.jsonArray(["list", "--json"]).count == 1 + 3 * (round + 1))
            try desk.ok(["edit", note, "--note", "one\ntwo settled \(round)\nthree"])
            for library in [desk, laptop, bo] { try library.syncJSON() }
        }
        #expect(Set(try [desk, laptop, bo].map { try $0.stateHash() }).count == 1)
        #expect(try bo.jsonArray(["conflicts", "--json"]).isEmpty)
    }

    @Test("identity export writes a 0600 file and warns; init --identity gives the same reader and a new replica; a damaged file is a clear error")
    func identityExportAndImport() throws {
        let desk = try CLI.reader("Ada")
        let readerID = try desk.stateReader()
        let file = desk.path("ada.identity")
        let exported = try desk.ok(["identity", "export", file])
        #expect(exported.stdout.isEmpty, "\(exported)")
        #expect(exported.stderrLines.count == 1 && exported.stderr.hasPrefix("marginalia: warning: "), "\(exported)")
        #expect(exported.stderr.contains("secret") && exported.stderr.contains("init --identity"), "\(exported)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o777 == 0o600, "mode \(String(mode.intValue, radix: 8))")
        #expect(desk.listing().filter { $0.hasPrefix(".marginalia-") }.isEmpty)
        // Never over an existing file.
        let again = desk.run(["identity", "export", file])
        desk.expectCleanError(again, mentioning: ["exists"])

        let laptop = try CLI()
        #expect(try laptop.create(["init", "--identity", file]) == readerID)
        let status = try laptop.jsonObject(["status", "--json"])
        #expect(string(status, "reader", "id") == readerID && string(status, "reader", "name") == "Ada", "\(status)")
        let deskStatus = try desk.jsonObject(["status", "--json"])
        #expect(string(status, "replica") != nil && string(status, "replica") != string(deskStatus, "replica"), "\(status)")
        // Not over an existing library.
        laptop.expectCleanError(laptop.run(["init", "--identity", file]), mentioning: ["exists"])

        let text = try String(contentsOfFile: file, encoding: .utf8)
        let secret = try #require(text.range(of: "\"secretKey\"")).upperBound
        var otherKey = text
        let position = try #require(otherKey[secret...].firstIndex(where: { $0.isLetter }))
        otherKey.replaceSubrange(position...position, with: otherKey[position] == "A" ? "B" : "A")
        let damaged: [(String, String)] = [
            ("cut", String(text.prefix(text.count / 2))), ("other key", otherKey), ("empty", ""),
            ("not json", "hello"), ("another kind", text.replacingOccurrences(of: "marginalia-identity", with: "ssh-key")),
        ]
        for (name, contents) in damaged {
            let broken = try desk.write("broken-\(name.replacingOccurrences(of: " ", with: "-")).identity", contents)
            let other = try CLI()
            let result = other.run(["init", "--identity", broken])
            other.expectCleanError(result, mentioning: ["identity file"])
            #expect(!other.fileExists(other.library), "\(name): a library was left behind")
        }
        let missing = try CLI()
        missing.expectCleanError(missing.run(["init", "--identity", missing.path("nowhere.identity")]), mentioning: ["nowhere.identity"])
        #expect(!missing.fileExists(missing.library))
    }

    @Test("sync --json names each skipped file and its reason, text mode warns on stderr; both retry the file next time")
    func skippedFilesAreReported() throws {
        let scratch = ScratchFolder()
        let group = scratch.path("group")
        let ada = try CLI.reader("Ada")
        let bo = try CLI.reader("Bo")
        try ada.ok(["remote", "add", "club", group, "--group"])
        try bo.ok(["remote", "add", "club", group])
        try ada.create(["note", "add", "Ada's note", "--shared"])
        try ada.syncJSON()
        let adaReplica = try #require(string(try ada.jsonObject(["status", "--json"]), "replica"))
        let folder = group + "/replicas/" + adaReplica
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".bundle") })
        let whole = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        try whole.prefix(whole.count - 10).write(to: URL(fileURLWithPath: folder + "/" + name))
        try Data("junk\n".utf8).write(to: URL(fileURLWithPath: folder + "/stray.txt"))

        let json = try bo.syncJSON()
        let skipped = (json["skipped"] as? [[String: Any]]) ?? []
        #expect(Set(skipped.compactMap { $0["file"] as? String }) == [folder + "/" + name, folder + "/stray.txt"], "\(json)")
        #expect(skipped.allSatisfy { ($0["reason"] as? String).map { !$0.isEmpty && !$0.contains("\n") } == true })
        #expect(int(json, "applied") == 0 && (json["errors"] as? [Any])?.isEmpty == true, "\(json)")

        let text = try bo.ok(["sync"])
        #expect(text.stdoutLines == ["club: pushed 0, pulled 0, applied 0, skipped 2 files"], "\(text)")
        let warnings = text.stderrLines.filter { $0.hasPrefix("marginalia: warning: skipped ") }
        #expect(warnings.count == 2 && warnings.contains { $0.contains(name) && $0.contains("incomplete") }, "\(text)")

        try whole.write(to: URL(fileURLWithPath: folder + "/" + name))
        let fixed = try bo.syncJSON()
        #expect(int(fixed, "applied") == 1, "\(fixed)")
        #expect(try bo.stateHash() == ada.stateHash())
    }

    @Test("a copied library file: the copy that syncs second exits 1 pointing to `marginalia replica reset`; after it every library converges and no note is lost")
    func copiedLibraryIsHaltedUntilReset() throws {
        let scratch = ScratchFolder()
        let personal = scratch.path("personal")
        let desk = try CLI.reader("Ada")
        let laptop = try desk.secondMachine()
        try desk.ok(["remote", "add", "mine", personal, "--personal"])
        try laptop.ok(["remote", "add", "mine", personal])
        let before = try desk.create(["note", "add", "before the copy"])
        try desk.syncJSON()
        let copy = desk.path("copy.sqlite")
        for suffix in ["", "-wal", "-shm"] where desk.fileExists(desk.library + suffix) {
            try FileManager.default.copyItem(atPath: desk.library + suffix, toPath: copy + suffix)
        }
        let inDesk = try desk.create(["note", "add", "written on the desk"])
        let inCopy = try desk.create(["note", "add", "written in the copy", "--library", copy])
        try desk.syncJSON()

        let halted = desk.run(["sync", "--json", "--library", copy])
        #expect(halted.exitedNormally && halted.status == 1, "\(halted)")
        #expect(halted.stderr.contains("marginalia replica reset"), "\(halted)")
        let report = try JSONSerialization.jsonObject(with: Data(halted.stdout.utf8)) as? [String: Any]
        #expect(int(report, "pushed") == 0, "\(halted)")
        let notPushed = ((report?["remotes"] as? [[String: Any]])?.first?["notPushed"] as? String) ?? ""
        #expect(notPushed.contains("marginalia replica reset"), "\(halted)")
        let text = desk.run(["sync", "--library", copy])
        #expect(text.status == 1 && text.stderrLines.contains { $0.hasPrefix("marginalia: error: mine: ") && $0.contains("replica reset") },
                "\(text)")

        let reset = try desk.jsonObject(["replica", "reset", "--json", "--library", copy])
        #expect(int(reset, "renumbered") == 1, "\(reset)")
        #expect(string(reset, "oldReplica") != string(reset, "newReplica"))
        try desk.ok(["sync", "--library", copy])
        try laptop.syncJSON()
        try desk.syncJSON()
        try desk.ok(["sync", "--library", copy])
        let hashes = [try desk.stateHash(), try desk.stateHash(library: copy), try laptop.stateHash()]
        #expect(Set(hashes).count == 1, "\(hashes)")
        for items in [try listedItems(desk), try listedItems(laptop), try listedItems(desk, library: copy)] {
            #expect(Set(items.keys) == [before, inDesk, inCopy], "\(items.keys)")
        }
    }

    @Test("one vanished remote does not stop the others: the others sync, the error names it, exit 1")
    func oneBrokenRemoteDoesNotStopTheOthers() throws {
        let scratch = ScratchFolder()
        let ada = try CLI.reader("Ada")
        let bo = try CLI.reader("Bo")
        for (name, folder) in [("a-gone", "gone"), ("b-club", "club"), ("c-more", "more")] {
            try ada.ok(["remote", "add", name, scratch.path(folder), "--group"])
            try bo.ok(["remote", "add", name, scratch.path(folder)])
        }
        try ada.create(["note", "add", "for the group", "--shared"])
        try ada.syncJSON()
        try FileManager.default.removeItem(atPath: scratch.path("gone"))
        try ada.create(["note", "add", "after the folder went", "--shared"])

        let result = bo.run(["sync", "--json"])
        #expect(result.exitedNormally && result.status == 1, "\(result)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(int(json, "applied") == 1 && int(json, "pulled") == 2, "\(result)")
        let errors = (json?["errors"] as? [String]) ?? []
        #expect(errors.count == 1 && errors[0].contains("a-gone") && errors[0].contains(scratch.path("gone")), "\(errors)")
        #expect(result.stderrLines.count == 1 && result.stderr.contains("marginalia: error: a-gone: "), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("gone")), "the vanished folder was made again")

        let adaSync = ada.run(["sync", "--json"])
        #expect(adaSync.status == 1, "\(adaSync)")
        #expect(int(try JSONSerialization.jsonObject(with: Data(adaSync.stdout.utf8)), "pushed") == 2, "both other remotes: \(adaSync)")
        try bo.ok(["remote", "rm", "a-gone"])
        let clean = try bo.syncJSON()
        #expect(int(clean, "applied") == 1, "\(clean)")
        #expect(try ada.stateHash() == bo.stateHash())

        // By name alone: a clean one-line error.
        bo.expectCleanError(bo.run(["sync", "nope"]), mentioning: ["nope"])
        let one = ada.run(["sync", "a-gone"])
        #expect(one.status == 1 && one.stdout.isEmpty && one.stderrLines.count == 1, "\(one)")
        #expect(one.stderr.contains("is not there"), "\(one)")
    }

    @Test("remote add refuses a non-empty folder that is not a channel, the wrong kind and another reader's personal channel, and changes nothing")
    func remoteAddRefusals() throws {
        let scratch = ScratchFolder()
        let ada = try CLI.reader("Ada")
        let bo = try CLI.reader("Bo")
        let photos = scratch.path("photos")
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: URL(fileURLWithPath: photos + "/cat.jpg"))
        let before = try FileManager.default.contentsOfDirectory(atPath: photos)
        ada.expectCleanError(ada.run(["remote", "add", "photos", photos, "--group"]), mentioning: ["neither empty"])
        ada.expectCleanError(ada.run(["remote", "add", "photos", photos]), mentioning: [photos])
        #expect(try FileManager.default.contentsOfDirectory(atPath: photos) == before)

        try ada.ok(["remote", "add", "mine", scratch.path("personal"), "--personal"])
        try ada.ok(["remote", "add", "club", scratch.path("club"), "--group"])
        bo.expectCleanError(bo.run(["remote", "add", "club", scratch.path("club"), "--personal"]), mentioning: ["group channel"])
        bo.expectCleanError(bo.run(["remote", "add", "hers", scratch.path("personal")]), mentioning: ["another reader's personal channel"])
        bo.expectCleanError(bo.run(["remote", "add", "hers", scratch.path("personal"), "--group"]))
        bo.expectUsageError(bo.run(["remote", "add", "x", scratch.path("new"), "--group", "--personal"]))
        #expect(try bo.jsonArray(["remote", "list", "--json"]).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.path("new")))
        ada.expectCleanError(ada.run(["remote", "add", "club", scratch.path("other"), "--group"]), mentioning: ["exists already"])
        try ada.ok(["remote", "rm", "club"])
        #expect(try ada.jsonArray(["remote", "list", "--json"]).compactMap { $0["name"] as? String } == ["mine"])
        ada.expectCleanError(ada.run(["remote", "rm", "club"]), mentioning: ["club"])
    }
}

// MARK: - Helpers

/// A temporary folder for sync folders and git repositories, removed when
/// the last reference goes.
final class ScratchFolder: Sendable {
    let url: URL

    init() {
        url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("marginalia-sync-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Every regular file under `folder`, concatenated, as text.
    func allBytes(under folder: String) -> String {
        var all = Data()
        if let walker = FileManager.default.enumerator(atPath: folder) {
            while let name = walker.nextObject() as? String {
                if let data = FileManager.default.contents(atPath: folder + "/" + name) { all.append(data) }
            }
        }
        return String(decoding: all, as: UTF8.self)
    }
}

extension CLI {
    /// The same reader on a second machine: `identity export` here, `init --identity` in a new CLI.
    func secondMachine(sourceLocation: SourceLocation = #_sourceLocation) throws -> CLI {
        let file = path("identity-\(UUID().uuidString.prefix(8))")
        try ok(["identity", "export", file], sourceLocation: sourceLocation)
        let other = try CLI()
        try other.ok(["init", "--identity", file], sourceLocation: sourceLocation)
        try other.write(".reader-name", readerName + " (2nd machine)")
        try FileManager.default.removeItem(atPath: file)
        return other
    }

    /// `sync --json [args]`, which must succeed.
    @discardableResult
    func syncJSON(_ args: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try jsonObject(["sync", "--json"] + args, sourceLocation: sourceLocation)
    }

    /// The reader id `status --json` reports.
    func stateReader() throws -> String {
        try #require(string(try jsonObject(["status", "--json"]), "reader", "id"))
    }
}

/// `list --json` by id.
func listedItems(_ library: CLI, library path: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> [String: [String: Any]]
{
    var items: [String: [String: Any]] = [:]
    for item in try library.jsonArray(["list", "--json"] + (path.map { ["--library", $0] } ?? []), sourceLocation: sourceLocation) {
        if let id = item["id"] as? String { items[id] = item }
    }
    return items
}
