import Foundation
import Testing

// End-to-end tests of the merge rules (DESIGN section 3) and of single-file
// bundles (`marginalia bundle export/import/acks`, DESIGN section 5, issue 3),
// through the built binary only. Each reader has a library of its own, in a
// `CLI` folder of its own; bundles travel between them by absolute path.

@Suite("bundles, merge and conflicts across libraries")
struct BundleSyncTests {
    // MARK: 1. Convergence, conflicts, resolve, line merge

    @Test("three libraries converge; same-line edits conflict on all three and a resolve on one clears them everywhere; different-line edits merge")
    func threeReadersConflictMergeAndResolve() throws {
        let (ada, bo, cy) = try threeReaders()
        let all = [ada, bo, cy]
        let essay = try ada.write("essay.md", "# Essay\n\nA room of one's own is the thesis.\nMoney matters.\n")
        #expect(try ada.create(["doc", "add", essay, "--id", "shared-doc"]) == "shared-doc")
        let annotation = try ada.create(["annotate", "shared-doc", "--quote", "Money matters", "--note", "first"])
        let kept = try ada.create(["note", "add", "line one\nline two\nline three", "--shared"])  // resolved by --keep
        let rewritten = try ada.create(["note", "add", "first\nsecond", "--shared"])  // resolved by --note -
        let merged = try ada.create(["note", "add", "alpha\nbravo\ncharlie\ndelta", "--shared"])  // merges by itself

        try exchange(all, from: [ada])
        for (library, status) in try expectSameStateHash(all) {
            #expect(int(status, "counts", "documents") == 1, "\(library.readerName): \(status)")
            #expect(int(status, "counts", "annotations") == 1, "\(library.readerName): \(status)")
            #expect(int(status, "counts", "notes") == 3, "\(library.readerName): \(status)")
            let items = try listed(library)
            #expect(string(items[annotation], "note") == "first", "\(library.readerName)")
            #expect(string(items[annotation], "author", "name") == "Ada", "\(library.readerName)")
            #expect(string(items[annotation], "target", "document") == "shared-doc", "\(library.readerName)")
            #expect(string(items[kept], "note") == "line one\nline two\nline three", "\(library.readerName)")
        }

        // Ada and Bo edit the three notes without exchanging in between: the
        // same line of the first two, different lines of the third.
        let keptByAda = "line one\nline two by Ada\nline three"
        let keptByBo = "line one\nline two by Bo\nline three"
        try ada.ok(["edit", kept, "--note", keptByAda])
        try bo.ok(["edit", kept, "--note", keptByBo])
        try ada.ok(["edit", rewritten, "--note", "first\nsecond by Ada"])
        try bo.ok(["edit", rewritten, "--note", "first\nsecond by Bo"])
        try ada.ok(["edit", merged, "--note", "alpha by Ada\nbravo\ncharlie\ndelta"])
        try bo.ok(["edit", merged, "--note", "alpha\nbravo\ncharlie\ndelta by Bo"])
        try exchange(all, from: [ada, bo])
        var cyConflicts: [[String: Any]] = []
        for (library, status) in try expectSameStateHash(all) {
            let name = library.readerName
            #expect(int(status, "counts", "conflicts") == 2, "\(name): \(status)")
            let conflicts = try library.jsonArray(["conflicts", "--json"])
            if library === cy { cyConflicts = conflicts }
            #expect(Set(ids(conflicts)) == [kept, rewritten], "\(name): \(conflicts)")
            let item = conflicts.first { $0["id"] as? String == kept }
            let heads = (item?["heads"] as? [[String: Any]]) ?? []
            #expect(Set(heads.compactMap { string($0, "value") }) == [keptByAda, keptByBo], "\(name): both texts: \(heads)")
            #expect(Set(heads.compactMap { string($0, "author", "name") }) == ["Ada", "Bo"], "\(name): \(heads)")
            #expect(Set(heads.compactMap { int($0, "index") }) == [1, 2], "\(name): \(heads)")
            for head in heads {
                #expect(string(head, "revision")?.isEmpty == false, "\(name): a head has a revision: \(head)")
                #expect(string(head, "time")?.isEmpty == false, "\(name): a head has a time: \(head)")
                #expect(string(head, "author", "id")?.isLowercaseHex(count: 32) == true, "\(name): \(head)")
            }
            let items = try listed(library)
            #expect(value(items[kept], "conflict") as? Bool == true, "\(name)")
            #expect(value(items[merged], "conflict") as? Bool == false, "\(name)")
            #expect(string(items[merged], "note") == "alpha by Ada\nbravo\ncharlie\ndelta by Bo", "\(name): lines joined")
        }
        #expect(value(try bo.jsonObject(["show", kept, "--json"]), "conflict") as? Bool == true)

        // Cy keeps Ada's version of the first, by the number `conflicts` gave
        // it, and writes a new version of the second.
        let heads = (cyConflicts.first { $0["id"] as? String == kept }?["heads"] as? [[String: Any]]) ?? []
        let adaIndex = try #require(heads.first { string($0, "value") == keptByAda }.flatMap { int($0, "index") })
        try cy.ok(["resolve", kept, "--keep", String(adaIndex)])
        let joined = "first\nsecond by Ada and Bo"
        try cy.ok(["resolve", rewritten, "--note", "-"], stdin: joined + "\n")
        try exchange(all, from: [cy])
        for (library, status) in try expectSameStateHash(all) {
            #expect(int(status, "counts", "conflicts") == 0, "\(library.readerName): \(status)")
            let items = try listed(library)
            #expect(string(items[kept], "note") == keptByAda, "\(library.readerName)")
            #expect(string(items[rewritten], "note") == joined, "\(library.readerName)")
            for id in [kept, rewritten, merged] {
                #expect(value(items[id], "conflict") as? Bool == false, "\(library.readerName): \(id)")
            }
        }
        #expect(try ada.jsonArray(["conflicts", "--json"]).isEmpty)
        #expect(value(try ada.jsonObject(["show", kept, "--json"]), "conflict") as? Bool == false)
    }

    // MARK: 2. Tags: add wins

    @Test("tags merge add-wins: a concurrent add beats a remove; a remove that saw every add removes the tag everywhere")
    func tagsAddWins() throws {
        let (ada, bo, cy) = try threeReaders()
        let all = [ada, bo, cy]
        let readded = try ada.create(["note", "add", "re-added while removed", "--shared", "--tag", "x"])
        let unseen = try ada.create(["note", "add", "added where the remover never saw it", "--shared"])
        try exchange(all, from: [ada])

        // Ada tags `unseen` +y, and only Bo hears of it.
        try ada.ok(["tag", unseen, "+y"])
        try exchange([ada, bo], from: [ada])
        // Concurrently: Bo removes both tags he has seen; Cy adds them again
        // (x, which she has seen) or afresh (y, which she has not).
        try bo.ok(["tag", readded, "-x"])
        try bo.ok(["tag", unseen, "-y"])
        try cy.ok(["tag", readded, "+x"])
        try cy.ok(["tag", unseen, "+y"])
        try exchange(all, from: [bo, cy])
        for (library, _) in try expectSameStateHash(all) {
            let items = try listed(library)
            #expect(tags(items[unseen]) == ["y"], "add wins: Cy's +y was never seen by Bo's -y (\(library.readerName))")
            #expect(tags(items[readded]) == ["x"], "add wins: Cy's +x was concurrent with Bo's -x (\(library.readerName))")
        }

        // Removes that saw every add.
        try ada.ok(["tag", readded, "-x"])
        try ada.ok(["tag", unseen, "-y"])
        try exchange(all, from: [ada])
        for (library, _) in try expectSameStateHash(all) {
            let items = try listed(library)
            #expect(tags(items[readded]) == [] && tags(items[unseen]) == [], "\(library.readerName)")
        }
    }

    // MARK: 3. Delete vs concurrent edit

    @Test("delete vs concurrent edit: stays deleted, is listed as a conflict; --restore and --keep-deleted reach all")
    func deleteVersusConcurrentEdit() throws {
        let (ada, bo, cy) = try threeReaders()
        let all = [ada, bo, cy]
        try ada.create(["doc", "add", "--no-text", "--title", "Middlemarch", "--id", "middlemarch"])
        let first = try ada.create(["annotate", "middlemarch", "--page", "12", "--note", "first"])
        let second = try ada.create(["annotate", "middlemarch", "--page", "13", "--note", "second"])
        try exchange(all, from: [ada])

        try ada.ok(["rm", first, second])
        let boFirst = "Bo's second thought"
        try bo.ok(["edit", first, "--note", boFirst])
        try bo.ok(["edit", second, "--note", "Bo on page 13"])
        try exchange(all, from: [ada, bo])
        for (library, status) in try expectSameStateHash(all) {
            let name = library.readerName
            #expect(int(status, "counts", "conflicts") == 2, "\(name): \(status)")
            let items = try listed(library)
            #expect(items[first] == nil && items[second] == nil, "deleted wins, so `list` omits them: \(name)")
            let conflicts = try library.jsonArray(["conflicts", "--json"])
            #expect(Set(ids(conflicts)) == [first, second], "\(name): \(conflicts)")
            let item = conflicts.first { $0["id"] as? String == first }
            #expect(item?["deleted"] as? Bool == true, "\(name): \(conflicts)")
            let edits = (item?["editsConcurrentWithDelete"] as? [[String: Any]]) ?? []
            #expect(edits.count == 1, "\(name): \(conflicts)")
            #expect(string(edits.first, "author", "name") == "Bo", "\(name): \(edits)")
            #expect(string(edits.first, "change", "write", "value") == boFirst, "\(name): the edit is shown whole: \(edits)")
        }

        // Cy brings the first back with Bo's text; Ada keeps the second deleted.
        try cy.ok(["resolve", first, "--restore"])
        try ada.ok(["resolve", second, "--keep-deleted"])
        try exchange(all, from: [ada, cy])
        for (library, status) in try expectSameStateHash(all) {
            #expect(int(status, "counts", "conflicts") == 0, "\(library.readerName): \(status)")
            let items = try listed(library)
            #expect(string(items[first], "note") == boFirst, "\(library.readerName): restored with Bo's text")
            #expect(value(items[first], "deleted") as? Bool == false, "\(library.readerName)")
            #expect(items[second] == nil, "\(library.readerName): kept deleted")
        }
        #expect(try bo.jsonArray(["conflicts", "--json"]).isEmpty)
    }

    // MARK: 4. Idempotent import, acks, --since

    @Test("importing a bundle twice applies nothing the second time; --acks and --since export only what is new")
    func idempotentImportAndAcks() throws {
        let ada = try CLI.reader("Ada")
        let bo = try CLI.reader("Bo")
        let note = try ada.create(["note", "add", "one", "--shared"])
        try ada.ok(["tag", note, "+t"])
        try ada.ok(["edit", note, "--note", "two"])

        let bundle = try ada.exportBundle(name: "ada.bundle")
        #expect(try header(bundle)["operations"] as? Int == 3)
        expectImported(try bo.ok(["bundle", "import", bundle]), "ada.bundle: 3 new of 3 operations from Ada")
        let hash = try bo.stateHash()
        #expect(hash == (try ada.stateHash()))

        expectImported(try bo.ok(["bundle", "import", bundle]), "ada.bundle: 0 new of 3 operations from Ada")
        let againJSON = try bo.jsonArray(["bundle", "import", bundle, "--json"])
        #expect(againJSON.count == 1 && int(againJSON.first, "applied") == 0 && int(againJSON.first, "operations") == 3,
                "\(againJSON)")
        let status = try bo.jsonObject(["status", "--json"])
        #expect(string(status, "stateHash") == hash)
        #expect(int(status, "counts", "operations") == 3)

        // Bo is up to date: an export for his acks holds nothing.
        let acks = bo.path("bo-acks.json")
        try bo.ok(["bundle", "acks", "-o", acks])
        let empty = try ada.exportBundle(name: "empty.bundle", extra: ["--acks", acks])
        #expect(try header(empty)["operations"] as? Int == 0)
        expectImported(try bo.ok(["bundle", "import", empty]), "empty.bundle: 0 new of 0 operations from Ada")

        // Two more operations: the same acks now give exactly those two.
        try ada.ok(["tag", note, "+u"])
        try ada.ok(["edit", note, "--note", "three"])
        let update = try ada.exportBundle(name: "update.bundle", extra: ["--acks", acks])
        let updateHeader = try header(update)
        #expect(updateHeader["operations"] as? Int == 2, "\(updateHeader)")
        #expect(updateHeader["firstSeq"] as? Int == 4 && updateHeader["lastSeq"] as? Int == 5, "\(updateHeader)")
        expectImported(try bo.ok(["bundle", "import", update]), "update.bundle: 2 new of 2 operations from Ada")
        #expect(try bo.stateHash() == (try ada.stateHash()))
        #expect(string(try listed(bo)[note], "note") == "three")
        // An acks file that is missing, or not one, is refused with what to do.
        ada.expectCleanError(ada.run(["bundle", "export", "--acks", bo.path("none.json")]), mentioning: ["cannot read", "none.json"])
        let notAcks = try ada.write("not-acks.json", "{\"replica\": \"seven\"}\n")
        ada.expectCleanError(ada.run(["bundle", "export", "--acks", notAcks]), mentioning: ["not an acknowledgements file", "bundle acks"])

        // --since SEQ: the operations after that sequence number.
        let since = try ada.exportBundle(name: "since.bundle", extra: ["--since", "3"])
        #expect(try header(since)["operations"] as? Int == 2)
        expectImported(try bo.ok(["bundle", "import", since]), "since.bundle: 0 new of 2 operations from Ada")
    }

    // MARK: 5. Refused bundles

    @Test("truncated, damaged, forged, newer-format, non-bundle and missing files are refused and change nothing")
    func refusedBundles() throws {
        let (ada, bo, cy) = try threeReaders()
        let bravo = try bo.create(["note", "add", "bravo note", "--shared"])
        try cy.create(["note", "add", "charlie note", "--shared"])
        try exchange([ada, bo, cy], from: [bo, cy])  // Ada knows Bo and Cy (and their keys)

        // Bo writes more; Ada has not seen it, so a half-applied bundle would show.
        try bo.ok(["edit", bravo, "--note", "bravo note, edited"])
        try bo.create(["note", "add", "another bravo note", "--shared"])
        let boBundle = try bo.exportBundle()
        let boLines = try bundleLines(boBundle)
        let cyLines = try bundleLines(cy.path("cy.bundle"))
        #expect(boLines.count == 5, "header, 3 operations, seal: \(boLines)")
        let hash = try ada.stateHash()

        func expectRefused(_ name: String, _ contents: Data?, mentioning: [String] = [],
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
            let path = ada.path("refused/\(name)")
            if let contents { try ada.write("refused/\(name)", contents) }
            let result = ada.run(["bundle", "import", path])
            ada.expectCleanError(result, mentioning: [name] + mentioning, sourceLocation: sourceLocation)
            #expect(try ada.stateHash(sourceLocation: sourceLocation) == hash, "\(name) changed the library",
                    sourceLocation: sourceLocation)
        }

        let boData = try Data(contentsOf: URL(fileURLWithPath: boBundle))
        let joined = { (lines: [String]) in Data((lines.joined(separator: "\n") + "\n").utf8) }
        let body = { (lines: [String]) in Array(lines.dropLast()) }
        // Seals lines the way an attacker can without any key: a fresh digest.
        let sealed = { (lines: [String], signature: String) -> [String] in
            let digest = sha256Hex(Data((lines.joined(separator: "\n") + "\n").utf8))
            return lines + ["{\"sha256\":\"\(digest)\",\"signature\":\"\(signature)\"}"]
        }
        let boSignature = try #require(try jsonLine(boLines.last!)["signature"] as? String)
        let cySignature = try #require(try jsonLine(cyLines.last!)["signature"] as? String)
        let boKey = try #require(string(try jsonLine(boLines[0]), "reader", "publicKey"))
        let cyKey = try #require(string(try jsonLine(cyLines[0]), "reader", "publicKey"))
        let boReader = try #require(string(try jsonLine(boLines[0]), "reader", "id"))
        let cyReader = try #require(string(try jsonLine(cyLines[0]), "reader", "id"))
        // The helper agrees with the product's digest on an intact bundle.
        #expect(try jsonLine(boLines.last!)["sha256"] as? String == sha256Hex(joined(body(boLines))))

        // Truncated: in half, and just before the seal line.
        try expectRefused("half.bundle", boData.prefix(boData.count / 2))
        try expectRefused("no-seal.bundle", joined(body(boLines)))

        // One flipped byte (a letter's case) in an operation line; and the same
        // with the digest recomputed, which the signature still catches.
        let operationIndex = try #require(boLines.firstIndex { $0.contains("bravo note, edited") })
        var flipped = boLines
        flipped[operationIndex] = boLines[operationIndex].replacingOccurrences(of: "note, edited", with: "note, Edited")
        try expectRefused("flipped.bundle", joined(flipped))
        try expectRefused("flipped-redigested.bundle", joined(sealed(body(flipped), boSignature)))

        // Forged: Bo's bundle sealed with the signature of Cy's bundle; Bo's
        // header with Cy's key; Cy's bundle claiming to be Bo's.
        try expectRefused("cy-signature.bundle", joined(sealed(body(boLines), cySignature)))
        var cyKeyed = boLines
        cyKeyed[0] = boLines[0].replacingOccurrences(of: boKey, with: cyKey)
        #expect(cyKeyed[0] != boLines[0])
        try expectRefused("cy-key.bundle", joined(sealed(body(cyKeyed), boSignature)))
        let claimsBo = body(cyLines).map { $0.replacingOccurrences(of: cyReader, with: boReader) }
        try expectRefused("claims-bo.bundle", joined(sealed(claimsBo, cySignature)))

        // A newer format: the message tells the reader to upgrade.
        var newer = boLines
        newer[0] = boLines[0].replacingOccurrences(of: "\"format\":1", with: "\"format\":2")
        #expect(newer[0] != boLines[0])
        try expectRefused("format2.bundle", joined(newer), mentioning: ["newer", "upgrade"])

        // Not a bundle at all: plain text, and an acks file imported by mistake.
        try expectRefused("notes.bundle", Data("hello\nthis is not a bundle\n".utf8))
        try ada.ok(["bundle", "acks", "-o", ada.path("refused/acks.json")])
        try expectRefused("acks.json", nil)

        // A missing file.
        try expectRefused("missing.bundle", nil)

        let check = ada.run(["check"])
        #expect(check.succeeded, "check after the refused imports:\n\(check)")

        // The intact bundle is fine, and does change the library.
        expectImported(try ada.ok(["bundle", "import", boBundle]), "bo.bundle: 2 new of 3 operations from Bo")
        #expect(try ada.stateHash() == (try bo.stateHash()))
    }

    // MARK: 6. Writing bundles

    @Test("bundle export -o writes the file atomically and prints nothing on stdout; without -o the bundle goes to stdout")
    func exportOutput() throws {
        let ada = try CLI.reader("Ada")
        let bo = try CLI.reader("Bo")
        let note = try ada.create(["note", "add", "exported", "--shared"])
        try FileManager.default.createDirectory(atPath: ada.path("out"), withIntermediateDirectories: true)

        for _ in 0..<2 {  // the second run replaces the file
            let result = try ada.ok(["bundle", "export", "-o", "out/ada.bundle"])
            #expect(result.stdout.isEmpty, "-o prints nothing on stdout:\n\(result)")
            #expect(ada.listing(ada.path("out")) == ["ada.bundle"], "no temp file is left behind")
        }
        let lines = try bundleLines(ada.path("out/ada.bundle"))
        #expect(lines.count == 3, "header, one operation, seal: \(lines)")
        #expect(try header(ada.path("out/ada.bundle"))["format"] as? Int == 1)

        let piped = try ada.ok(["bundle", "export"])
        let pipedLines = CLI.Result.lines(piped.stdout)
        #expect(pipedLines.count == 3, "header, one operation, seal:\n\(piped)")
        #expect(piped.stdout.hasSuffix("}\n"))
        #expect(pipedLines.first.flatMap { try? jsonLine($0)["format"] as? Int } == 1)
        #expect(pipedLines.last.flatMap { try? jsonLine($0)["sha256"] as? String }?.isLowercaseHex(count: 64) == true)
        #expect(ada.listing().filter { $0.hasSuffix(".tmp") }.isEmpty)

        let received = try bo.write("received.bundle", piped.stdout)
        expectImported(try bo.ok(["bundle", "import", received]), "received.bundle: 1 new of 1 operations from Ada")
        #expect(string(try listed(bo)[note], "note") == "exported")

        // A folder that does not exist: a clean error naming the file, and the
        // message does not blame permissions.
        let missing = ada.run(["bundle", "export", "-o", "no-such-folder/ada.bundle"])
        ada.expectCleanError(missing, mentioning: ["no-such-folder/ada.bundle"])
        #expect(!missing.stderr.localizedCaseInsensitiveContains("permission"),
                "the folder is missing; permissions are fine:\n\(missing)")
        #expect(!ada.fileExists(ada.path("no-such-folder")))
    }
}

// MARK: - Helpers

extension CLI {
    /// The display name given to `init`, kept for failure messages.
    var readerName: String {
        (try? String(contentsOfFile: path(".reader-name"), encoding: .utf8)) ?? "?"
    }

    /// A library with a reader of this name.
    static func reader(_ name: String) throws -> CLI {
        let cli = try CLI()
        try cli.initLibrary(name: name)
        try cli.write(".reader-name", name)
        return cli
    }

    /// `bundle export -o NAME [extra]` in this library's folder; returns the file's path.
    func exportBundle(name: String? = nil, extra: [String] = [],
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let file = path(name ?? "\(readerName.lowercased()).bundle")
        try ok(["bundle", "export", "-o", file] + extra, sourceLocation: sourceLocation)
        return file
    }
}

private func threeReaders() throws -> (CLI, CLI, CLI) {
    (try CLI.reader("Ada"), try CLI.reader("Bo"), try CLI.reader("Cy"))
}

/// The libraries in `from` export their own operations; every library then
/// imports, in one `bundle import`, the bundles of the others among them.
/// With full exchanges, a library that wrote nothing since has nothing new.
private func exchange(_ libraries: [CLI], from writers: [CLI], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let bundles = try writers.map { ($0, try $0.exportBundle(sourceLocation: sourceLocation)) }
    for library in libraries {
        let others = bundles.filter { $0.0 !== library }.map(\.1)
        guard !others.isEmpty else { continue }
        let result = try library.ok(["bundle", "import"] + others, sourceLocation: sourceLocation)
        #expect(result.stdoutLines.count == others.count, "one line per bundle:\n\(result)", sourceLocation: sourceLocation)
    }
}

/// Every library's `status --json`, after checking that they all print the same state hash.
@discardableResult
private func expectSameStateHash(_ libraries: [CLI], sourceLocation: SourceLocation = #_sourceLocation) throws
    -> [(CLI, [String: Any])]
{
    let statuses = try libraries.map { ($0, try $0.jsonObject(["status", "--json"], sourceLocation: sourceLocation)) }
    let hashes = statuses.map { string($0.1, "stateHash") ?? "none" }
    #expect(Set(hashes).count == 1,
            "state hashes differ: \(zip(libraries.map(\.readerName), hashes).map { "\($0)=\($1)" })",
            sourceLocation: sourceLocation)
    return statuses
}

/// `list --json` by id: the annotations and notes that are not deleted.
private func listed(_ library: CLI, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: [String: Any]] {
    var items: [String: [String: Any]] = [:]
    for item in try library.jsonArray(["list", "--json"], sourceLocation: sourceLocation) {
        if let id = item["id"] as? String { items[id] = item }
    }
    return items
}

private func tags(_ item: [String: Any]?) -> [String] { (strings(item, "tags") ?? []).sorted() }

/// `bundle import` names the file as it was given; the tests give full paths.
private func expectImported(_ result: CLI.Result, _ line: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.stdoutLines.count == 1 && result.output.hasSuffix("/" + line), "expected '…/\(line)':\n\(result)",
            sourceLocation: sourceLocation)
}

/// The lines of a bundle file, without the final newline.
private func bundleLines(_ path: String) throws -> [String] {
    CLI.Result.lines(try String(contentsOfFile: path, encoding: .utf8))
}

private func jsonLine(_ line: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
}

/// The header line of a bundle file.
private func header(_ path: String) throws -> [String: Any] {
    try jsonLine(try #require(try bundleLines(path).first))
}

/// SHA-256 as lowercase hex (FIPS 180-4), to re-seal tampered bundles the way
/// an attacker could without any key.
func sha256Hex(_ data: Data) -> String {
    let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
    var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    var message = [UInt8](data)
    let bitLength = UInt64(message.count) * 8
    message.append(0x80)
    while message.count % 64 != 56 { message.append(0) }
    for shift in stride(from: 56, through: 0, by: -8) { message.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
    func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    var w = [UInt32](repeating: 0, count: 64)
    for chunk in stride(from: 0, to: message.count, by: 64) {
        for i in 0..<16 {
            w[i] = message[chunk + 4 * i..<chunk + 4 * i + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
        for i in 16..<64 {
            let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
        for i in 0..<64 {
            let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let choose = (e & f) ^ (~e & g)
            let t1 = hh &+ s1 &+ choose &+ k[i] &+ w[i]
            let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ majority
            (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
        }
        for (i, x) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ x }
    }
    return h.map { word in
        let hex = String(word, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }.joined()
}
