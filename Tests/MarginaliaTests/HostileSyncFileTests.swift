import Foundation
import Testing

@testable import Marginalia

// Hostile and damaged files in a sync folder (DESIGN section 5, issue 4).
// Every case: the file is skipped with a one-line reason naming it, nothing
// of it is applied, the rest of the sync goes on (Bo's good bundle in the
// same folder is applied by the same sync), and it is tried again next time.

@Suite("hostile files in a sync folder")
struct HostileSyncFileTests {
    @Test("a truncated bundle is skipped every time until it is complete, then applied with the bundle after it")
    func truncatedBundle() throws {
        let fixture = try HostileFixture()
        let whole = fixture.adaBytes
        let lineEnds = whole.indices.filter { whole[$0] == UInt8(ascii: "\n") }
        // A later bundle of Ada's waits behind the damaged first one.
        _ = try fixture.ada.sharedNote("Ada's fourth note")
        try fixture.ada.sync()
        let cuts = [0, 1, whole.count / 2, lineEnds[0] + 1, lineEnds[2] + 1, lineEnds[lineEnds.count - 2] + 1, whole.count - 1]
        for (index, cut) in cuts.enumerated() {
            try whole.prefix(cut).write(to: URL(fileURLWithPath: fixture.adaPath))
            try fixture.expectCySkips([fixture.adaFile], reason: "incomplete", pullsBo: index == 0)
        }
        try whole.write(to: URL(fileURLWithPath: fixture.adaPath))
        let report = try fixture.cy.sync()
        #expect(report.applied == 4 && report.skipped.isEmpty, "\(report)")
        #expect(try fixture.cy.stateHash() == fixture.ada.stateHash())
    }

    @Test("a bit-flipped byte anywhere in the header, operations, digest or signature is skipped; restored, it is applied")
    func bitFlippedBundle() throws {
        let fixture = try HostileFixture()
        let whole = fixture.adaBytes
        let text = String(decoding: whole, as: UTF8.self)
        let seal = text.range(of: "{\"sha256\":")!.lowerBound.utf16Offset(in: text)
        let signature = text.range(of: "\"signature\":\"")!.upperBound.utf16Offset(in: text)
        let positions = [0, 9, 40, whole.count / 2, seal - 5, seal + 15, signature + 10, whole.count - 2]
        for (index, position) in positions.enumerated() {
            var flipped = whole
            flipped[position] ^= 1 << UInt8(index % 7)
            try flipped.write(to: URL(fileURLWithPath: fixture.adaPath))
            try fixture.expectCySkips([fixture.adaFile], reason: "", pullsBo: index == 0)
        }
        try whole.write(to: URL(fileURLWithPath: fixture.adaPath))
        #expect(try fixture.cy.sync().applied == 3)
        #expect(try fixture.cy.stateHash() == fixture.everything)
    }

    @Test("every single-byte flip of a bundle is refused, or decodes to the very same bundle")
    func everyByteFlipIsCaught() throws {
        let fixture = try HostileFixture()
        let whole = fixture.adaBytes
        let original = try Bundle.decode(whole)
        var accepted: [Int] = []
        for position in whole.indices {
            var flipped = whole
            flipped[position] ^= 1 << UInt8(position % 8)
            if let decoded = try? Bundle.decode(flipped) {
                #expect(decoded == original, "byte \(position) flipped decodes to another bundle")
                accepted.append(position)
            }
        }
        // Only the unused low bits of the signature's last base64 digit may be ignored.
        #expect(accepted.count <= 1, "flips accepted at \(accepted)")
    }

    @Test("a bundle signed by another key, or by another reader in Ada's replica folder, is refused")
    func wrongSignature() throws {
        let fixture = try HostileFixture()
        let mallory = try SyncLibrary(name: "Mallory")
        let malloryKey = try mallory.library.exportIdentity()
        let adaBundle = try Bundle.decode(fixture.adaBytes)

        // Ada's header and operations, signed with Mallory's key.
        let resigned = try adaBundle.encoded(signedBy: malloryKey)
        #expect(resigned.hash == adaBundle.hash, "the same content, so the same name")
        try resigned.data.write(to: URL(fileURLWithPath: fixture.adaPath))
        try fixture.expectCySkips([fixture.adaFile], reason: "signature does not verify")

        // Mallory's own key under Ada's reader id.
        var claimed = adaBundle
        claimed.reader.publicKey = malloryKey.publicKey
        try claimed.encoded(signedBy: malloryKey).data.write(to: URL(fileURLWithPath: fixture.adaPath))
        try fixture.expectCySkips([fixture.adaFile], reason: "does not belong to reader", pullsBo: false)

        try fixture.adaBytes.write(to: URL(fileURLWithPath: fixture.adaPath))
        #expect(try fixture.cy.sync().applied == 3)
        #expect(try fixture.cy.stateHash() == fixture.everything)

        // A bundle honestly signed by Mallory, put in Ada's replica folder as
        // Ada's next one: Mallory does not write as Ada's replica.
        _ = try mallory.sharedNote("Mallory speaking as Ada")
        let malloryOperations = try mallory.library.operations()
        let local = try mallory.library.read { db in try Library.local(db) }
        let forged = try Bundle(
            replica: try fixture.ada.replicaID,
            reader: Reader(readerId: local.readerId, name: "Ada", publicKey: local.publicKey),
            operations: malloryOperations, texts: [:], created: "now",
            chain: BundleChain(channel: adaBundle.chain!.channel, seq: 2, previous: adaBundle.hash)
        ).encoded(signedBy: malloryKey)
        let forgedFile = "replicas/\(try fixture.ada.replicaID)/" + ChannelFolder.bundleName(seq: 2, hash: forged.hash)
        try forged.data.write(to: URL(fileURLWithPath: fixture.channel.path + "/" + forgedFile))
        do {
            let report = try fixture.cy.sync()
            #expect(report.applied == 0, "Mallory's note was applied as Ada's bundle 2: \(report)")
            #expect(report.skipped.map(\.file) == [forgedFile], "\(report)")
        }
    }

    @Test("a bundle of a newer format is skipped with 'upgrade', and applied once it is one this build reads")
    func futureFormat() throws {
        let fixture = try HostileFixture()
        let text = String(decoding: fixture.adaBytes, as: UTF8.self)
        #expect(text.hasPrefix("{") && text.contains("\"format\":1,"))
        let newer = text.replacingOccurrences(of: "\"format\":1,", with: "\"format\":2,")
        try Data(newer.utf8).write(to: URL(fileURLWithPath: fixture.adaPath))
        try fixture.expectCySkips([fixture.adaFile], reason: "upgrade marginalia")
        try fixture.adaBytes.write(to: URL(fileURLWithPath: fixture.adaPath))
        #expect(try fixture.cy.sync().applied == 3)

        // A channel description of a newer format stops that channel whole, clearly.
        let description = fixture.channel.path + "/" + ChannelDescription.fileName
        let channel = try String(contentsOfFile: description, encoding: .utf8)
        try channel.replacingOccurrences(of: "\"format\" : 1", with: "\"format\" : 2")
            .replacingOccurrences(of: "\"format\": 1", with: "\"format\": 2")
            .replacingOccurrences(of: "\"format\":1", with: "\"format\":2")
            .write(toFile: description, atomically: true, encoding: .utf8)
        #expect(try String(contentsOfFile: description, encoding: .utf8) != channel)
        let hash = try fixture.bo.stateHash()
        #expect {
            try fixture.bo.sync()
        } throws: { error in "\(error)".contains("newer than this marginalia reads") }
        #expect(try fixture.bo.stateHash() == hash)
    }

    @Test("junk under a valid bundle name (empty, text, binary, a header alone, a folder) is skipped")
    func junkWithAValidName() throws {
        let fixture = try HostileFixture()
        let header = fixture.adaBytes.prefix(through: fixture.adaBytes.firstIndex(of: UInt8(ascii: "\n"))!)
        var random = SeededGenerator(seed: 4)
        let junk: [Data] = [
            Data(), Data("hello\n".utf8), Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }),
            Data(header), Data("{\"format\":1}\n{\"sha256\":\"00\",\"signature\":\"AA==\"}\n".utf8),
            Data("[1,2,3]\n".utf8), Data(repeating: 0, count: 100) + Data("\n".utf8),
        ]
        for (index, data) in junk.enumerated() {
            try data.write(to: URL(fileURLWithPath: fixture.adaPath))
            try fixture.expectCySkips([fixture.adaFile], reason: "", pullsBo: index == 0)
        }
        try FileManager.default.removeItem(atPath: fixture.adaPath)
        try FileManager.default.createDirectory(atPath: fixture.adaPath, withIntermediateDirectories: false)
        try fixture.expectCySkips([fixture.adaFile], reason: "", pullsBo: false)
        try FileManager.default.removeItem(atPath: fixture.adaPath)
        try fixture.adaBytes.write(to: URL(fileURLWithPath: fixture.adaPath))
        #expect(try fixture.cy.sync().applied == 3)
        #expect(try fixture.cy.stateHash() == fixture.everything)
    }

    @Test("a valid bundle under an odd name (with '..', uppercase, a wrong length, seq 0, another extension) is skipped as oddly named")
    func oddlyNamedBundles() throws {
        let fixture = try HostileFixture()
        let folder = try fixture.channel.replicaFolder(of: fixture.ada)
        let stem = String(fixture.adaName.dropLast(".bundle".count))
        let hex = String(stem.dropFirst(13))
        let names = [
            "..bundle", "...bundle", "000000000001-..\(hex.dropFirst(2)).bundle", "..\(stem).bundle",
            "000000000001-\(hex.uppercased()).bundle", "1-\(hex).bundle", "0000000000001-\(hex).bundle",
            "000000000000-\(hex).bundle", "000000000001-\(hex).bundle.txt", "\(stem)", "000000000001 \(hex).bundle",
            "000000000001-\(hex)-2.bundle", "notes", "000000000001-\(hex)\n.bundle",
        ]
        try FileManager.default.removeItem(atPath: fixture.adaPath)
        for name in names {
            try fixture.adaBytes.write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        // Reports show a control character in a name as "?", so a warning stays one line.
        let files = names.map { "replicas/\(try! fixture.ada.replicaID)/\($0.replacingOccurrences(of: "\n", with: "?"))" }
        try fixture.expectCySkips(files, reason: "oddly named")
        // Named right, it is applied; the oddly named copies are still reported.
        try fixture.adaBytes.write(to: URL(fileURLWithPath: fixture.adaPath))
        let report = try fixture.cy.sync()
        #expect(report.applied == 3 && Set(report.skipped.map(\.file)) == Set(files), "\(report)")
        #expect(try fixture.cy.stateHash() == fixture.everything)
    }

    @Test("replica folders with odd names are skipped, hidden ones ignored, and a plain file in their place does not stop the sync")
    func oddReplicaFolders() throws {
        let fixture = try HostileFixture()
        let replicas = fixture.channel.path + "/replicas"
        let adaID = try fixture.ada.replicaID
        let odd = ["not-a-replica", adaID.uppercased(), String(adaID.dropLast()), adaID + "0", "..\(adaID.dropFirst(2))"]
        for name in odd + [".stversions", ".\(adaID.dropFirst())"] {
            try FileManager.default.createDirectory(atPath: replicas + "/" + name, withIntermediateDirectories: false)
            try fixture.adaBytes.write(to: URL(fileURLWithPath: replicas + "/" + name + "/" + fixture.adaName))
        }
        try FileManager.default.removeItem(atPath: fixture.adaPath)
        try fixture.expectCySkips(odd.filter { !$0.hasPrefix(".") }.map { "replicas/" + $0 }, reason: "oddly named")

        // A plain file where a replica folder should be.
        let stray = Identifier.newReplicaID()
        try Data("stray\n".utf8).write(to: URL(fileURLWithPath: replicas + "/" + stray))
        try fixture.adaBytes.write(to: URL(fileURLWithPath: fixture.adaPath))
        do {
            let report = try fixture.cy.sync()
            #expect(report.applied == 3, "\(report)")
            #expect(report.skipped.contains { $0.file == "replicas/" + stray }, "\(report)")
        }
    }

    @Test("carriers' temporary files are ignored silently, whatever they hold")
    func carrierTemporaryFiles() throws {
        let fixture = try HostileFixture()
        let folder = try fixture.channel.replicaFolder(of: fixture.ada)
        let next = ChannelFolder.bundleName(seq: 2, hash: String(repeating: "ab", count: 32))
        let temporary = [
            ".syncthing.x.tmp", "~syncthing~x", ".syncthing.\(next).tmp", "~syncthing~\(next).tmp",
            ".syncthing.\(fixture.adaName).tmp", ".marginalia-12345678.tmp",
        ]
        for (index, name) in temporary.enumerated() {
            try fixture.adaBytes.prefix(100 * index).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        try Data("partial".utf8).write(to: URL(fileURLWithPath: fixture.channel.path + "/replicas/.syncthing.y.tmp"))
        let report = try fixture.cy.sync()
        #expect(report.skipped.isEmpty, "\(report)")
        #expect(report.applied == 4 && report.pulled == 4, "\(report)")
        #expect(try fixture.cy.stateHash() == fixture.everything)
        #expect(try fixture.cy.sync().skipped.isEmpty)
    }

    @Test(
        "a Dropbox conflicted copy or a Syncthing sync-conflict copy holding a valid bundle: its operations are applied, once",
        arguments: ["STEM (Bo's conflicted copy 2026-11-29).bundle", "STEM.sync-conflict-20261129-101010-ABCDEFG.bundle"])
    func conflictCopies(pattern: String) throws {
        let fixture = try HostileFixture()
        let folder = try fixture.channel.replicaFolder(of: fixture.ada)
        let fourth = try fixture.ada.sharedNote("only in the conflicted copy")
        try fixture.ada.sync()
        let second = try #require(try fixture.channel.bundles(of: fixture.ada).last)
        #expect(second.hasPrefix("000000000002-"))
        let copy = pattern.replacingOccurrences(of: "STEM", with: fixture.adaName.dropLast(".bundle".count))
        #expect(ChannelFolder.classify(copy) == .conflictCopy)
        try FileManager.default.moveItem(atPath: folder + "/" + second, toPath: folder + "/" + copy)

        let report = try fixture.cy.sync()
        #expect(report.skipped.isEmpty, "\(report)")
        #expect(report.applied == 5, "Bo's note, Ada's three and the copy's: \(report)")
        #expect(try fixture.cy.library.noteText(of: fourth) == "only in the conflicted copy")
        #expect(try fixture.cy.stateHash() == fixture.ada.stateHash())
        let again = try fixture.cy.sync()
        #expect(again.pulled == 0 && again.skipped.isEmpty, "a copy is taken once: \(again)")

        // The bundle itself arrives later: nothing new, and the chain goes on.
        try FileManager.default.copyItem(atPath: folder + "/" + copy, toPath: folder + "/" + second)
        _ = try fixture.ada.sharedNote("after the copy")
        try fixture.ada.sync()
        let later = try fixture.cy.sync()
        #expect(later.applied == 1 && later.pulled == 2 && later.skipped.isEmpty, "\(later)")
        #expect(try fixture.cy.stateHash() == fixture.ada.stateHash())

        // A conflicted copy holding another replica's bundle is refused.
        let boFolder = try fixture.channel.replicaFolder(of: fixture.bo)
        let boStem = try #require(try fixture.channel.bundles(of: fixture.bo).first).dropLast(".bundle".count)
        let stolen = pattern.replacingOccurrences(of: "STEM", with: boStem)
        try fixture.adaBytes.write(to: URL(fileURLWithPath: boFolder + "/" + stolen))
        let refused = try fixture.cy.sync()
        let stolenFile = "replicas/\(try fixture.bo.replicaID)/\(stolen)"
        #expect(refused.applied == 0 && refused.skipped.map(\.file) == [stolenFile],
                "\(refused)")
        #expect(refused.skipped.first?.reason.contains("another replica") == true, "\(refused)")
    }

    @Test("a bundle replayed under another seq, another hash prefix or in another replica's folder is refused")
    func replayedOrMovedBundles() throws {
        let fixture = try HostileFixture()
        // Bo's second bundle is in the folder before the replays are put there.
        _ = try fixture.bo.sharedNote("Bo's second note")
        try fixture.bo.sync()
        let adaID = try fixture.ada.replicaID
        let boID = try fixture.bo.replicaID
        let stranger = Identifier.newReplicaID()
        let hex = String(fixture.adaName.dropFirst(13).prefix(16))
        let otherHex = String(hex.reversed())
        let replays = [
            "replicas/\(adaID)/000000000002-\(hex).bundle",
            "replicas/\(stranger)/\(fixture.adaName)",
            "replicas/\(boID)/000000000003-\(hex).bundle",
        ]
        try FileManager.default.createDirectory(
            atPath: fixture.channel.path + "/replicas/" + stranger, withIntermediateDirectories: false)
        for file in replays { try fixture.adaBytes.write(to: URL(fileURLWithPath: fixture.channel.path + "/" + file)) }

        let report = try fixture.cy.sync()
        #expect(report.applied == 5, "Ada's bundle 1 and Bo's two: \(report)")
        #expect(Set(report.skipped.map(\.file)) == Set(replays) && report.skipped.count == 3, "\(report)")
        for skipped in report.skipped {
            #expect(skipped.reason.contains("replayed or moved"), "\(skipped)")
        }
        let hash = try fixture.bo.stateHash()
        #expect(try fixture.cy.stateHash() == hash)
        let again = try fixture.cy.sync()
        #expect(Set(again.skipped.map(\.file)) == Set(replays) && again.applied == 0, "tried again: \(again)")

        // Ada's first bundle under its place but another hash prefix, for a reader that has not read it.
        let dee = try SyncLibrary(name: "Dee")
        try dee.join(fixture.channel)
        let renamed = "replicas/\(adaID)/000000000001-\(otherHex).bundle"
        try FileManager.default.moveItem(atPath: fixture.adaPath, toPath: fixture.channel.path + "/" + renamed)
        let moved = try dee.sync()
        #expect(moved.skipped.map(\.file).contains(renamed), "\(moved)")
        #expect(moved.skipped.first { $0.file == renamed }?.reason.contains("replayed or moved") == true, "\(moved)")
        #expect(moved.applied == 2, "Bo's two notes only: \(moved)")
        #expect(try dee.library.items().count == 2)
        #expect(try fixture.cy.stateHash() == hash)
    }

    @Test("a copied library: the copy that syncs second stops writing and says `marginalia replica reset`; after it, all converge with no note lost")
    func copiedLibrary() throws {
        let channel = SyncChannel()
        let ada = try SyncLibrary(name: "Ada")
        let bo = try SyncLibrary(name: "Bo")
        try ada.join(channel, kind: .group)
        try bo.join(channel)
        let first = try ada.sharedNote("before the copy")
        try ada.sync()
        let copy = try ada.copied()
        #expect(try copy.replicaID == ada.replicaID)
        let inOriginal = try ada.sharedNote("written in the original")
        let inCopy = try copy.sharedNote("written in the copy")
        let inCopyLater = try copy.sharedNote("written in the copy, later")
        #expect(try ada.sync().pushed == 1)
        let folderBefore = snapshot(channel.path)

        let halted = try copy.sync()
        #expect(halted.pushed == 0)
        let reason = try #require(halted.notPushed)
        #expect(reason.contains("marginalia replica reset"), "\(reason)")
        #expect(try copy.library.copiedReplicaEvidence() != nil)
        #expect(snapshot(channel.path) == folderBefore, "the copy wrote to the folder")
        #expect(try copy.sync().notPushed != nil, "it stays halted")

        let reset = try copy.library.resetReplica()
        #expect(reset.oldReplica == (try ada.replicaID) && reset.newReplica != reset.oldReplica)
        #expect(reset.renumbered == 2)
        #expect(try copy.library.copiedReplicaEvidence() == nil)
        let resumed = try copy.sync()
        #expect(resumed.notPushed == nil && resumed.pushed == 2 && resumed.applied == 1, "\(resumed)")
        try ada.sync()
        try bo.sync()
        let hashes = [try ada.stateHash(), try copy.stateHash(), try bo.stateHash()]
        #expect(Set(hashes).count == 1, "\(hashes)")
        for library in [ada, copy, bo] {
            #expect(try library.library.noteText(of: first) == "before the copy")
            #expect(try library.library.noteText(of: inOriginal) == "written in the original")
            #expect(try library.library.noteText(of: inCopy) == "written in the copy")
            #expect(try library.library.noteText(of: inCopyLater) == "written in the copy, later")
        }
    }
}

/// Ada, Bo and Cy in one group folder. Bo wrote one shared note and synced
/// first; then Ada wrote three and synced (so she holds everything). Cy has
/// not synced yet: the tests spoil Ada's bundle, and Cy reads.
struct HostileFixture {
    let channel = SyncChannel()
    let ada: SyncLibrary
    let bo: SyncLibrary
    let cy: SyncLibrary
    /// The state hash of Bo's note alone.
    let boOnly: String
    /// The state hash of all four notes.
    let everything: String
    /// Ada's bundle: its name, its path inside the channel, its bytes.
    let adaName: String
    let adaFile: String
    let adaBytes: Data

    var adaPath: String { channel.path + "/" + adaFile }

    init() throws {
        ada = try SyncLibrary(name: "Ada")
        bo = try SyncLibrary(name: "Bo")
        cy = try SyncLibrary(name: "Cy")
        try ada.join(channel, kind: .group)
        try bo.join(channel)
        try cy.join(channel)
        _ = try bo.sharedNote("Bo's note")
        try bo.sync()
        boOnly = try bo.stateHash()
        for index in 1...3 { _ = try ada.sharedNote("Ada's note \(index)") }
        try ada.sync()
        everything = try ada.stateHash()
        let names = try channel.bundles(of: ada)
        precondition(names.count == 1)
        adaName = names[0]
        adaFile = "replicas/\(try ada.replicaID)/\(adaName)"
        adaBytes = try Data(contentsOf: URL(fileURLWithPath: channel.path + "/" + adaFile))
    }

    /// Cy syncs: exactly `files` are skipped, each with a one-line reason
    /// holding `reason`; Cy holds Bo's note and nothing of Ada's. With
    /// `pullsBo`, this sync is the one that applies Bo's bundle.
    func expectCySkips(
        _ files: [String], reason: String, pullsBo: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let report = try cy.sync()
        #expect(Set(report.skipped.map(\.file)) == Set(files), "skipped: \(report.skipped)", sourceLocation: sourceLocation)
        #expect(report.skipped.count == files.count, "each file once: \(report.skipped)", sourceLocation: sourceLocation)
        for skipped in report.skipped {
            #expect(!skipped.reason.isEmpty && !skipped.reason.contains("\n"), "\(skipped)", sourceLocation: sourceLocation)
            if !reason.isEmpty {
                #expect(skipped.reason.contains(reason), "\(skipped)", sourceLocation: sourceLocation)
            }
        }
        #expect(report.applied == (pullsBo ? 1 : 0), "\(report)", sourceLocation: sourceLocation)
        #expect(report.notPushed == nil, "\(report)", sourceLocation: sourceLocation)
        #expect(try cy.stateHash() == boOnly, "nothing of the skipped file was applied", sourceLocation: sourceLocation)
    }
}
