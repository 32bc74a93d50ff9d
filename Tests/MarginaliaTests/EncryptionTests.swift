import Foundation
import Testing

@testable import Marginalia

// Encrypted channels (issue 5): a personal channel is always encrypted with a
// key only its reader's machines derive; a group channel started with a
// passphrase is encrypted with an scrypt key, and joining it takes the same
// passphrase. A refused join writes nothing, and no file in an encrypted
// folder shows a note, quote, tag, title or text.
//
// scrypt at the default cost takes seconds in a debug build, so one test
// starts the only encrypted group channel and makes every check on it.

@Suite("Encryption")
struct EncryptionTests {
    /// Words that appear nowhere but in what the test writes.
    static let secrets = (
        documentTitle: "Quillwort Ledger of Brisance",
        documentText: "The xylophagous marmot counted eleven quinces beside the weir.\nNobody in Wimbleford had seen it.",
        sharedQuote: "xylophagous marmot",
        privateQuote: "eleven quinces",
        sharedAnnotationNote: "Zephyrine thinks the marmot is a metaphor",
        privateAnnotationNote: "Ophidian doubts about the weir",
        sharedTag: "tag-glossolalia",
        privateTag: "tag-pettifogger",
        sharedNoteTitle: "Fenestration of Mondays",
        sharedNoteBody: "Borborygmus in the reading room, shared",
        privateNoteTitle: "Cachinnation diary",
        privateNoteBody: "Sesquipedalian private musing about Wimbleford",
        noteTag: "tag-widdershins",
        passphrase: "correct horse battery staple quokka"
    )

    static var allSecrets: [String] {
        let s = secrets
        return [
            s.documentTitle, s.documentText, "xylophagous", "Wimbleford", s.sharedQuote, s.privateQuote, s.sharedAnnotationNote,
            s.privateAnnotationNote, s.sharedTag, s.privateTag, s.sharedNoteTitle, s.sharedNoteBody, s.privateNoteTitle,
            s.privateNoteBody, s.noteTag, s.passphrase,
        ]
    }

    /// Writes every kind of text into `library`: a document, shared and
    /// private annotations and notes, with tags.
    static func writeEverything(_ library: Library) throws {
        let s = secrets
        let doc = try library.addDocument(text: s.documentText, DocumentDraft(title: s.documentTitle, slug: "ledger")).id
        _ = try library.annotate(
            AnnotationDraft(document: doc, anchor: .quote(exact: s.sharedQuote), note: s.sharedAnnotationNote, tags: [s.sharedTag]))
        _ = try library.annotate(
            AnnotationDraft(
                document: doc, anchor: .quote(exact: s.privateQuote), note: s.privateAnnotationNote, tags: [s.privateTag],
                visibility: .private))
        _ = try library.addNote(
            NoteDraft(body: s.sharedNoteBody, title: s.sharedNoteTitle, document: doc, tags: [s.noteTag], visibility: .shared))
        _ = try library.addNote(NoteDraft(body: s.privateNoteBody, title: s.privateNoteTitle, tags: [s.noteTag]))
    }

    /// Every secret found in any file's bytes, or in any file's path.
    static func leaks(in folder: String) -> [String] {
        var found: [String] = []
        for (path, bytes) in filesUnder(folder) {
            for secret in allSecrets {
                for variant in Set([secret, secret.lowercased()]) where bytes.range(of: Data(variant.utf8)) != nil || path.contains(variant) {
                    found.append("\(path): \(variant)")
                }
            }
        }
        return found.sorted()
    }

    static func sealedBundles(in folder: String) -> (sealed: Int, plain: [String]) {
        var sealed = 0
        var plain: [String] = []
        for (path, bytes) in filesUnder(folder) where path.hasSuffix(".bundle") {
            if ChannelKey.isSealed(bytes) { sealed += 1 } else { plain.append(path) }
        }
        return (sealed, plain)
    }

    @Test("personal and passphrase group folders hold no note, quote, tag, title, text or passphrase; a join without the right passphrase writes nothing; the kept key syncs on")
    func encryptedFoldersRevealNothing() throws {
        let root = TemporaryFolder()
        let personal = root.path("personal")
        let group = root.path("club")
        let ada = try TestLibrary(name: "Ada")
        let bo = try TestLibrary(name: "Bo")
        try Self.writeEverything(ada.library)

        let laptop = try ada.library.addRemote(name: "laptop", location: personal, kind: .personal)
        #expect(laptop.isEncrypted)
        let club = try ada.library.addRemote(name: "club", location: group, kind: .group, passphrase: Self.secrets.passphrase)
        #expect(club.isEncrypted)
        guard case .passphrase(let salt, let rounds, _, _, _)? = try ChannelFolder(path: group).description().encryption else {
            Issue.record("the group channel does not say it is passphrase-encrypted")
            return
        }
        #expect(salt.count >= 16)
        #expect(rounds >= 1 << 15)
        let everything = try ada.library.operations().count
        #expect(everything >= 5)
        #expect(try ada.sync("laptop").pushed == everything, "a personal channel carries every operation")
        let sharedCount = try ada.sync("club").pushed
        #expect(sharedCount >= 3 && sharedCount < everything, "a group channel carries shared items only")

        // Bo: no passphrase, then a wrong one. Neither writes anything.
        let before = filesUnder(group)
        let boLibraryBefore = try bo.stateHash()
        #expect(throws: MarginaliaError.passphraseNeeded(location: group)) {
            try bo.library.addRemote(name: "club", location: group, kind: nil)
        }
        #expect(throws: MarginaliaError.passphraseNeeded(location: group)) { try bo.library.sync(folder: group) }
        #expect(throws: MarginaliaError.wrongPassphrase(location: group)) {
            try bo.library.addRemote(name: "club", location: group, kind: .group, passphrase: "correct horse battery stapler")
        }
        #expect(filesUnder(group) == before)
        #expect(try bo.library.remotes().isEmpty)
        #expect(try bo.stateHash() == boLibraryBefore)
        #expect(try bo.library.operations().isEmpty)
        // Joining an unencrypted channel with a passphrase is refused too.
        let plainGroup = root.path("plain")
        _ = try ada.library.addRemote(name: "plain", location: plainGroup, kind: .group)
        #expect(throws: MarginaliaError.self) {
            try bo.library.addRemote(name: "plain", location: plainGroup, kind: nil, passphrase: "anything")
        }
        #expect(try bo.library.remotes().isEmpty)

        // The right passphrase joins; the library keeps the key, not the passphrase.
        let joined = try bo.library.addRemote(name: "club", location: group, kind: nil, passphrase: Self.secrets.passphrase)
        #expect(joined.isEncrypted)
        #expect(joined.kind == .group)
        let pulled = try bo.sync()
        #expect(pulled.applied == sharedCount)
        #expect(pulled.skipped.isEmpty)
        #expect(try bo.sharedStateHash() == ada.sharedStateHash())
        #expect(try bo.library.items().count == 2)
        _ = try bo.library.addNote(NoteDraft(body: "Bo's shared reply about the marmot", visibility: .shared))
        #expect(try bo.sync().pushed == 1, "a later sync needs no passphrase")
        #expect(try ada.sync("club").applied == 1)
        #expect(try bo.sharedStateHash() == ada.sharedStateHash())
        for file in [bo.path, bo.path + "-wal"] {
            if let bytes = FileManager.default.contents(atPath: file) {
                #expect(bytes.range(of: Data(Self.secrets.passphrase.utf8)) == nil, "the passphrase is stored in \(file)")
            }
        }

        // Every bundle is sealed; no file shows any text.
        for folder in [personal, group] {
            let bundles = Self.sealedBundles(in: folder)
            #expect(bundles.sealed >= 1)
            #expect(bundles.plain.isEmpty, "not sealed: \(bundles.plain)")
            #expect(Self.leaks(in: folder).isEmpty, "found in \(folder): \(Self.leaks(in: folder))")
        }
        // A control: an unencrypted channel with the same items does show them.
        #expect(try ada.sync("plain").pushed == sharedCount)
        #expect(Self.leaks(in: plainGroup).contains { $0.hasSuffix(Self.secrets.sharedNoteBody) })
    }

    @Test("a personal channel is encrypted, opens on the reader's other machine, and not for another reader, who writes nothing")
    func personalChannelIsTheReadersAlone() throws {
        let root = TemporaryFolder()
        let personal = root.path("personal")
        let ada = try TestLibrary(name: "Ada")
        let secret = try ada.library.addNote(NoteDraft(body: "a private note for my laptop"))
        #expect(throws: MarginaliaError.self) {
            try ada.library.addRemote(name: "laptop", location: personal, kind: .personal, passphrase: "not for personal channels")
        }
        let remote = try ada.library.addRemote(name: "laptop", location: personal, kind: .personal)
        #expect(remote.isEncrypted)
        guard case .personal? = try ChannelFolder(path: personal).description().encryption else {
            Issue.record("the personal channel does not say it is encrypted")
            return
        }
        #expect(try ada.sync("laptop").pushed == 1)
        #expect(Self.sealedBundles(in: personal) == (1, []))

        // Ada's second machine: same reader, new replica.
        let second = try Library.create(at: root.path("second.sqlite"), identity: try ada.library.exportIdentity())
        _ = try second.addRemote(name: "laptop", location: personal, kind: nil)
        #expect(try second.sync(second.remotes()[0]).applied == 1)
        #expect(try second.items().map(\.id) == [secret.id])
        #expect(try second.status().stateHash == ada.stateHash())

        // Bo cannot join, nor sync the folder directly.
        let bo = try TestLibrary(name: "Bo")
        let before = filesUnder(personal)
        #expect {
            try bo.library.addRemote(name: "ada", location: personal, kind: nil)
        } throws: { error in
            "\(error)".contains("another reader's personal channel")
        }
        #expect(throws: MarginaliaError.self) { try bo.library.addRemote(name: "ada", location: personal, kind: .personal) }
        #expect(throws: MarginaliaError.self) { try bo.library.sync(folder: personal) }
        #expect(filesUnder(personal) == before)
        #expect(try bo.library.remotes().isEmpty)
        #expect(try bo.library.operations().isEmpty)

        // Claiming the channel in its description does not give Bo the key.
        let description = personal + "/" + ChannelDescription.fileName
        let original = try Data(contentsOf: URL(fileURLWithPath: description))
        let claimed = String(decoding: original, as: UTF8.self).replacingOccurrences(of: try ada.readerID, with: try bo.readerID)
        try Data(claimed.utf8).write(to: URL(fileURLWithPath: description))
        let tampered = filesUnder(personal)
        #expect {
            try bo.library.addRemote(name: "ada", location: personal, kind: nil)
        } throws: { error in
            "\(error)".contains("encrypted for another reader")
        }
        #expect(throws: MarginaliaError.self) { try bo.library.sync(folder: personal) }
        #expect(filesUnder(personal) == tampered)
        #expect(try bo.library.remotes().isEmpty)
        #expect(try bo.library.operations().isEmpty)
        try original.write(to: URL(fileURLWithPath: description))
    }

    @Test("in an encrypted channel, a plain bundle or one sealed with another key is skipped, and the real ones apply")
    func unsealedOrForeignBundlesAreRefused() throws {
        let root = TemporaryFolder()
        let personal = root.path("personal")
        let ada = try TestLibrary(name: "Ada")
        let channel = try ada.library.addRemote(name: "laptop", location: personal, kind: .personal).channelID
        let second = try Library.create(at: root.path("second.sqlite"), identity: try ada.library.exportIdentity())
        _ = try second.addRemote(name: "laptop", location: personal, kind: nil)

        // Mallory drops a bundle of her own, plain, and one sealed with her personal key.
        let mallory = try TestLibrary(name: "Mallory")
        _ = try mallory.library.addNote(NoteDraft(body: "Mallory was here", visibility: .shared))
        let operations = try mallory.library.operations()
        let chain = BundleChain(channel: channel, seq: 1, previous: nil)
        let plain = try plant(
            operations, header: try mallory.asReader, replica: try mallory.replicaID, signedBy: try mallory.identity,
            chain: chain, in: personal)
        let otherKey = ChannelKey.personal(secretKey: try mallory.local.secretKey, channelID: channel)
        let foreignReplica = Identifier.newReplicaID()
        let foreign = try plant(
            operations, header: try mallory.asReader, replica: foreignReplica, signedBy: try mallory.identity,
            chain: chain, in: personal, key: otherKey)

        _ = try ada.library.addNote(NoteDraft(body: "genuine"))
        try ada.sync("laptop")
        let report = try second.sync(second.remotes()[0])
        #expect(report.reason(for: plain)?.contains("not encrypted") == true, "\(report.skipped)")
        #expect(report.reason(for: foreign)?.contains("cannot be decrypted") == true, "\(report.skipped)")
        #expect(report.applied == 1)
        #expect(try second.status().stateHash == ada.stateHash())
        #expect(try second.operations().allSatisfy { $0.reader == (try ada.readerID) })
    }
}
