import Foundation
import Testing

@testable import Marginalia

// Trust in a sync folder (issue 5, DESIGN section 5): files that forge
// authorship, keys or places in a chain are refused or ignored, a reader
// file is learned only when it verifies, and a blocked reader's work leaves
// the view without leaving the log.

// MARK: Helpers shared with EncryptionTests

/// Every file under `root`, by path relative to it, with its bytes.
func filesUnder(_ root: String) -> [String: Data] {
    var files: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: root) else { return files }
    while let relative = walker.nextObject() as? String {
        var isFolder: ObjCBool = false
        let full = root + "/" + relative
        if FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), !isFolder.boolValue {
            files[relative] = FileManager.default.contents(atPath: full) ?? Data()
        }
    }
    return files
}

extension TestLibrary {
    var local: LocalReplica {
        get throws { try library.read { db in try Library.local(db) } }
    }
    var readerID: String {
        get throws { try local.readerId }
    }
    var replicaID: String {
        get throws { try local.replicaId }
    }
    var identity: ReaderIdentity {
        get throws { try local.signingIdentity }
    }
    var asReader: Reader {
        get throws {
            let local = try local
            return Reader(readerId: local.readerId, name: local.readerName, publicKey: local.publicKey)
        }
    }
    func sharedStateHash() throws -> String { try library.status().sharedStateHash }

    /// Syncs with the remote of that name.
    @discardableResult
    func sync(_ remote: String = "club") throws -> SyncReport {
        guard let known = try library.remote(remote) else { throw MarginaliaError.remoteNotFound(name: remote) }
        return try library.sync(known)
    }

    func itemIDs() throws -> Set<String> { Set(try library.items().map(\.id)) }
}

extension SyncReport {
    /// The reason a file was skipped, if it was.
    func reason(for file: String) -> String? { skipped.first { $0.file == file }?.reason }
}

/// Writes a signed bundle into a channel folder, under its chain name, and
/// returns its path inside the folder.
@discardableResult
func plant(
    _ operations: [LogOperation], header reader: Reader, replica: String, signedBy signer: ReaderIdentity,
    chain: BundleChain, in folder: String, key: ChannelKey? = nil
) throws -> String {
    let encoded = try Bundle(
        replica: replica, reader: reader, operations: operations, texts: [:], created: "2026-01-01T00:00:00Z",
        chain: chain
    ).encoded(signedBy: signer)
    let data = try key?.seal(encoded.data) ?? encoded.data
    let name = try ChannelFolder(path: folder).write(bundle: data, seq: chain.seq, hash: encoded.hash, replica: replica)
    return "replicas/\(replica)/\(name)"
}

/// A signed reader file, as `ChannelFolder.publish` writes one, with the
/// fields given (the signature covers `signed`, the file says `fields`).
func readerFile(fields: [String: JSONValue], signed: [String: JSONValue], by signer: ReaderIdentity) throws -> Data {
    var file = fields
    file["signature"] = .string(try signer.sign(Data(JSONValue.object(signed).canonicalJSON.utf8)).base64EncodedString())
    return Data((JSONValue.object(file).prettyJSON + "\n").utf8)
}

/// Ada, Bo and Mallory in one unencrypted group folder, `club`.
struct Club {
    let root = TemporaryFolder()
    let ada: TestLibrary
    let bo: TestLibrary
    let mallory: TestLibrary
    var path: String { root.path("club") }
    let channel: String

    init() throws {
        ada = try TestLibrary(name: "Ada")
        bo = try TestLibrary(name: "Bo")
        mallory = try TestLibrary(name: "Mallory")
        channel = try ada.library.addRemote(name: "club", location: root.path("club"), kind: .group).channelID
        _ = try bo.library.addRemote(name: "club", location: root.path("club"), kind: nil)
        _ = try mallory.library.addRemote(name: "club", location: root.path("club"), kind: nil)
    }

    /// The bundle files of one replica, by name.
    func bundles(of replica: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path + "/replicas/" + replica)) ?? [])
            .filter { $0.hasSuffix(".bundle") }.sorted()
    }
}

// MARK: Forged bundles

@Suite("Trust: forged bundles and reader files")
struct ForgedBundleTests {
    enum Forgery: String, CaseIterable, Sendable {
        /// Mallory signs a bundle whose operations say Ada wrote them.
        case operationsClaimAnotherReader
        /// The header names Ada (her id and key), Mallory's key signs.
        case signedWithAnotherReadersKey
        /// The header names Ada's id with Mallory's key, which Mallory signs.
        case keyDoesNotMatchReaderID
        /// Ada's genuine first bundle, copied into Mallory's replica folder.
        case replayedIntoAnotherReplica

        var reason: String {
            switch self {
            case .operationsClaimAnotherReader: "claims another author"
            case .signedWithAnotherReadersKey: "signature does not verify"
            case .keyDoesNotMatchReaderID: "key does not belong to reader"
            case .replayedIntoAnotherReplica: "replayed or moved"
            }
        }
    }

    @Test("a forged bundle is skipped with a reason, leaves the state hash alone, and good bundles beside it still apply",
          arguments: Forgery.allCases)
    func forgedBundleIsRefused(_ forgery: Forgery) throws {
        let club = try Club()
        let (ada, bo, mallory) = (club.ada, club.bo, club.mallory)
        let doc = try ada.addText(sampleText, title: "The Mill", slug: "mill")
        let annotation = try ada.library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "Tom"), note: "Ada's"))
        try ada.sync()
        try bo.sync()
        try mallory.sync()
        let hashBefore = try bo.stateHash()
        #expect(try bo.itemIDs() == [annotation.id])

        // Mallory writes a note locally (never synced) and forges from it.
        let forgedNote = try mallory.library.addNote(NoteDraft(body: "Ada says: send Mallory money", visibility: .shared))
        var claimingAda = try mallory.library.operations().filter { $0.id.replica == (try mallory.replicaID) }
        for index in claimingAda.indices { claimingAda[index].reader = try ada.readerID }
        let first = BundleChain(channel: club.channel, seq: 1, previous: nil)
        let malloryReplica = try mallory.replicaID
        let planted: String
        switch forgery {
        case .operationsClaimAnotherReader:
            planted = try plant(
                claimingAda, header: try mallory.asReader, replica: malloryReplica, signedBy: try mallory.identity,
                chain: first, in: club.path)
        case .signedWithAnotherReadersKey:
            planted = try plant(
                claimingAda, header: try ada.asReader, replica: malloryReplica, signedBy: try mallory.identity,
                chain: first, in: club.path)
        case .keyDoesNotMatchReaderID:
            let header = Reader(readerId: try ada.readerID, name: "Ada", publicKey: try mallory.local.publicKey)
            planted = try plant(
                claimingAda, header: header, replica: malloryReplica, signedBy: try mallory.identity, chain: first,
                in: club.path)
        case .replayedIntoAnotherReplica:
            let original = try #require(club.bundles(of: try ada.replicaID).first)
            planted = "replicas/\(malloryReplica)/\(original)"
            try FileManager.default.copyItem(
                atPath: club.path + "/replicas/\(try ada.replicaID)/\(original)", toPath: club.path + "/" + planted)
        }

        // Alone, the forgery changes nothing, and is tried again each time.
        for _ in 0..<2 {
            let report = try bo.sync()
            let reason = try #require(report.reason(for: planted), "\(planted) was not skipped: \(report.skipped)")
            #expect(reason.contains(forgery.reason), "\(reason)")
            #expect(report.applied == 0)
            #expect(try bo.stateHash() == hashBefore)
        }

        // Beside a good bundle of Ada's, only the good one applies.
        let note = try ada.library.addNote(NoteDraft(body: "Ada's second thought", visibility: .shared))
        try ada.sync()
        let report = try bo.sync()
        #expect(report.reason(for: planted) != nil)
        #expect(report.applied == 1)
        #expect(try bo.itemIDs() == [annotation.id, note.id])
        #expect(try bo.stateHash() == ada.stateHash())
        #expect(try !bo.itemIDs().contains(forgedNote.id))
        #expect(try bo.library.operations().allSatisfy { $0.id.replica != malloryReplica })
        #expect(try bo.library.operations().allSatisfy { $0.reader == (try ada.readerID) })
        #expect(try bo.library.check().ok)
    }

    @Test("an old bundle replayed under the next name of its own replica is skipped, and the state hash stays")
    func replayUnderNextSeqIsSkipped() throws {
        let club = try Club()
        let (ada, bo) = (club.ada, club.bo)
        let first = try ada.library.addNote(NoteDraft(body: "first", visibility: .shared))
        try ada.sync()
        try bo.sync()
        let hash = try bo.stateHash()
        let adaReplica = try ada.replicaID
        let original = try #require(club.bundles(of: adaReplica).first)
        #expect(original.hasPrefix("000000000001-"))
        let replayed = "replicas/\(adaReplica)/000000000002-" + original.dropFirst(13)
        try FileManager.default.copyItem(atPath: club.path + "/replicas/\(adaReplica)/\(original)", toPath: club.path + "/" + replayed)

        let report = try bo.sync()
        #expect(report.reason(for: replayed)?.contains("replayed or moved") == true, "\(report.skipped)")
        #expect(report.applied == 0)
        #expect(try bo.stateHash() == hash)
        #expect(try bo.itemIDs() == [first.id])

        // Ada's own next sync: the replayed file is not hers to explain. It
        // should not make her stop writing, nor hide her next bundle from Bo.
        let second = try ada.library.addNote(NoteDraft(body: "second", visibility: .shared))
        let adaReport = try ada.sync()
        do {
            #expect(adaReport.notPushed == nil, "\(adaReport.notPushed ?? "")")
            #expect(try ada.library.status().copiedReplica == nil)
            try bo.sync()
            #expect(try bo.itemIDs() == [first.id, second.id])
        }
    }

    @Test("a reader file with a key that is not its id's, or a bad self-signature, is skipped by name and not learned")
    func forgedReaderFilesAreNotLearned() throws {
        let club = try Club()
        let (ada, bo, mallory) = (club.ada, club.bo, club.mallory)
        _ = try ada.library.addNote(NoteDraft(body: "hello", visibility: .shared))
        try ada.sync()
        let readers = club.path + "/readers/"
        let adaID = try ada.readerID
        #expect(FileManager.default.fileExists(atPath: readers + adaID + ".json"))

        // Eve's id, Mallory's key (signed by Mallory, so only the key gives it away).
        let eve = ReaderIdentity.generate(name: "Eve")
        let mismatched: [String: JSONValue] = [
            "readerId": .string(eve.readerID), "name": "Eve",
            "publicKey": .string(try mallory.local.publicKey.base64EncodedString()),
        ]
        try readerFile(fields: mismatched, signed: mismatched, by: try mallory.identity)
            .write(to: URL(fileURLWithPath: readers + eve.readerID + ".json"))
        // Zed's own key and id, but the name changed after signing.
        let zed = ReaderIdentity.generate(name: "Zed")
        let signed: [String: JSONValue] = [
            "readerId": .string(zed.readerID), "name": "Zed", "publicKey": .string(zed.publicKey.base64EncodedString()),
        ]
        var renamed = signed
        renamed["name"] = "Ada"
        try readerFile(fields: renamed, signed: signed, by: zed).write(to: URL(fileURLWithPath: readers + zed.readerID + ".json"))
        // Ada's own file replaced by one with Mallory's key, before Bo learns Ada.
        let claimingAda: [String: JSONValue] = [
            "readerId": .string(adaID), "name": "Ada", "publicKey": .string(try mallory.local.publicKey.base64EncodedString()),
        ]
        try readerFile(fields: claimingAda, signed: claimingAda, by: try mallory.identity)
            .write(to: URL(fileURLWithPath: readers + adaID + ".json"))

        let report = try bo.sync()
        #expect(report.reason(for: "readers/\(eve.readerID).json")?.contains("key does not belong") == true, "\(report.skipped)")
        #expect(report.reason(for: "readers/\(zed.readerID).json")?.contains("signature does not verify") == true, "\(report.skipped)")
        #expect(report.reason(for: "readers/\(adaID).json")?.contains("key does not belong") == true, "\(report.skipped)")
        // Ada's bundle still applies, and teaches Bo her real key.
        #expect(report.applied == 1)
        #expect(try bo.stateHash() == ada.stateHash())
        let known = try bo.library.readerSummaries()
        #expect(Set(known.map(\.reader.readerId)) == [try bo.readerID, adaID])
        let learnedAda = try #require(known.first { $0.reader.readerId == adaID })
        #expect(learnedAda.reader.publicKey == (try ada.local.publicKey))
        #expect(learnedAda.reader.name == "Ada")
        #expect(!learnedAda.sharesName)

        // Mallory's genuine file is learned at her first sync; the forgeries stay out.
        try mallory.sync()
        let again = try bo.sync()
        #expect(again.reason(for: "readers/\(zed.readerID).json") != nil, "tried again, still refused")
        #expect(Set(try bo.library.readerSummaries().map(\.reader.readerId)) == [try bo.readerID, adaID, try mallory.readerID])
    }

    @Test("a reader's own sync puts back a reader file forged in its name")
    func ownReaderFileIsRepaired() throws {
        let club = try Club()
        let (ada, mallory) = (club.ada, club.mallory)
        try ada.sync()
        let file = club.path + "/readers/\(try ada.readerID).json"
        let genuine = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(try ChannelFolder(path: club.path).reader(try ada.readerID).publicKey == (try ada.local.publicKey))
        // Same id and same name, Mallory's key: only the key and signature differ.
        let forged: [String: JSONValue] = [
            "readerId": .string(try ada.readerID), "name": "Ada",
            "publicKey": .string(try mallory.local.publicKey.base64EncodedString()),
        ]
        try readerFile(fields: forged, signed: forged, by: try mallory.identity).write(to: URL(fileURLWithPath: file))
        _ = try ada.library.addNote(NoteDraft(body: "still here", visibility: .shared))
        try ada.sync()
        let after = try Data(contentsOf: URL(fileURLWithPath: file))
        do {
            #expect(after == genuine)
            #expect(throws: Never.self) { try ChannelFolder(path: club.path).reader(try ada.readerID) }
        }
    }

    @Test("reader ids are the fingerprints of the readers' keys")
    func readerIDsAreKeyFingerprints() throws {
        let club = try Club()
        for member in [club.ada, club.bo, club.mallory] {
            _ = try member.library.addNote(NoteDraft(body: "from \(try member.local.readerName)", visibility: .shared))
            try member.sync()
        }
        try club.ada.sync()
        let summaries = try club.ada.library.readerSummaries()
        #expect(summaries.count == 3)
        for summary in summaries {
            #expect(summary.reader.readerId == ReaderIdentity.readerID(publicKey: summary.reader.publicKey))
            #expect(ChannelFolder.isIdentifier(summary.reader.readerId))
            let fromFile = try ChannelFolder(path: club.path).reader(summary.reader.readerId)
            #expect(fromFile == summary.reader)
            #expect(summary.notes == 1)
            #expect(summary.isYou == (summary.reader.readerId == (try club.ada.readerID)))
        }
    }
}

// MARK: Blocking

@Suite("Trust: blocked readers")
struct BlockedReaderTests {
    @Test("a blocked reader's operations stay in the log but leave the view, new ones too; unblock brings them back")
    func blockHidesAndUnblockRestores() throws {
        let club = try Club()
        let (ada, bo, mallory) = (club.ada, club.bo, club.mallory)
        let doc = try ada.addText(sampleText, title: "The Mill", slug: "mill")
        let annotation = try ada.library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "Tom"), note: "Ada's reading"))
        try ada.sync()
        try bo.sync()
        let adaOnly = try bo.stateHash()
        #expect(adaOnly == (try ada.stateHash()))

        try mallory.sync()
        let spam = try mallory.library.addNote(NoteDraft(body: "buy cheap pills", visibility: .shared))
        try mallory.library.edit(annotation.id, note: "vandalised")
        try mallory.sync()
        try bo.sync()
        let everything = try bo.stateHash()
        #expect(everything != adaOnly)
        #expect(try bo.itemIDs() == [annotation.id, spam.id])
        #expect(try bo.library.noteText(of: annotation.id) == "vandalised")
        let operationsHeld = try bo.library.operations().count

        // Block by id prefix: what it hides is counted.
        let malloryID = try mallory.readerID
        let blocked = try bo.library.block(String(malloryID.prefix(8)))
        #expect(blocked.reader.readerId == malloryID)
        #expect(blocked.items == 1)
        #expect(blocked.operations == 2)
        #expect(try bo.stateHash() == adaOnly)
        #expect(try bo.itemIDs() == [annotation.id])
        #expect(throws: MarginaliaError.self) { try bo.library.item(spam.id) }
        #expect(try bo.library.search("pills").isEmpty)
        #expect(try bo.library.noteText(of: annotation.id) == "Ada's reading")
        #expect(try bo.library.operations().count == operationsHeld, "the log keeps a blocked reader's operations")
        #expect(try bo.library.readerSummaries().first { $0.reader.readerId == malloryID }?.blocked == true)
        #expect(try bo.library.check().ok)
        let rebuilt = try bo.library.check(rebuild: true)
        #expect(rebuilt.ok)
        #expect(rebuilt.stateHash == adaOnly)
        #expect(try bo.stateHash() == adaOnly)

        // Later operations of a blocked reader are stored, and stay hidden.
        let more = try mallory.library.addNote(NoteDraft(body: "more spam", visibility: .shared))
        try mallory.sync()
        let report = try bo.sync()
        #expect(report.applied == 1)
        #expect(try bo.stateHash() == adaOnly)
        #expect(try !bo.itemIDs().contains(more.id))
        #expect(throws: MarginaliaError.self) { try bo.library.block(malloryID) }

        // Unblocking shows everything again, as Mallory herself has it.
        let unblocked = try bo.library.unblock(malloryID)
        #expect(unblocked.items == 2)
        #expect(unblocked.operations == 3)
        #expect(try bo.itemIDs() == [annotation.id, spam.id, more.id])
        #expect(try bo.stateHash() == mallory.stateHash())
        #expect(try bo.library.noteText(of: annotation.id) == "vandalised")
        #expect(try bo.library.check().ok)
        #expect(throws: MarginaliaError.self) { try bo.library.unblock(malloryID) }
    }

    @Test("blocking yourself, an unknown or an ambiguous reader is refused and changes nothing")
    func blockRefusals() throws {
        let club = try Club()
        let hash = try club.bo.stateHash()
        #expect(throws: MarginaliaError.invalidInput("you cannot block yourself; `marginalia readers` lists the others")) {
            try club.bo.library.block(try club.bo.readerID)
        }
        #expect(throws: MarginaliaError.invalidInput("you cannot block yourself; `marginalia readers` lists the others")) {
            try club.bo.library.block("bo")
        }
        #expect(throws: MarginaliaError.invalidInput("you are never blocked: your own items are always shown")) {
            try club.bo.library.unblock("bo")
        }
        #expect(throws: MarginaliaError.self) { try club.bo.library.block("Nobody") }
        #expect(throws: MarginaliaError.self) { try club.bo.library.block("") }
        #expect(try club.bo.library.readerSummaries().allSatisfy { !$0.blocked })
        #expect(try club.bo.stateHash() == hash)
    }
}

// MARK: Privacy edge cases

@Suite("Privacy: what reaches a group folder")
struct GroupPrivacyTests {
    /// Whether any file under `folder` holds `text`.
    static func folderHolds(_ folder: String, _ text: String) -> Bool {
        filesUnder(folder).values.contains { $0.range(of: Data(text.utf8)) != nil }
    }

    @Test("an item its reader withdraws is gone for the others (list, search, show, history, counts) and stays the reader's")
    func withdrawnItemIsGoneForOthers() throws {
        let club = try Club()
        let (ada, bo) = (club.ada, club.bo)
        let note = try ada.library.addNote(NoteDraft(body: "said in haste Pangolin", visibility: .shared))
        let kept = try ada.library.addNote(NoteDraft(body: "stays shared", visibility: .shared))
        try ada.sync()
        try bo.sync()
        #expect(try bo.itemIDs() == [note.id, kept.id])
        try ada.library.edit(note.id, visibility: .private)
        try ada.sync()
        try bo.sync()
        #expect(try bo.itemIDs() == [kept.id])
        #expect(try bo.library.search("Pangolin").isEmpty)
        #expect(try bo.sharedStateHash() == ada.sharedStateHash())
        #expect(try ada.itemIDs() == [note.id, kept.id])
        #expect(try ada.library.search("Pangolin").count == 1)
        #expect(try bo.library.check().ok)

        let adaID = try ada.readerID
        let shown = Result { try bo.library.item(note.id) }
        let history = Result { try bo.library.history(note.id) }
        let notes = try bo.library.status().notes
        let counted = try bo.library.readerSummaries().first { $0.reader.readerId == adaID }?.notes
        do {
            #expect(throws: MarginaliaError.self) { try shown.get() }
            #expect(throws: MarginaliaError.self) { try history.get() }
            #expect(notes == 1)
            #expect(counted == 1)
        }
    }

    @Test("an item shared, edited and made private before any sync reaches the group as nothing but its withdrawal")
    func privateBeforeFirstSync() throws {
        let club = try Club()
        let (ada, bo) = (club.ada, club.bo)
        let note = try ada.library.addNote(NoteDraft(body: "first draft Ocelot", visibility: .shared))
        try ada.library.edit(note.id, note: "second draft Kinkajou")
        try ada.library.edit(note.id, visibility: .private)
        let kept = try ada.library.addNote(NoteDraft(body: "stays shared", visibility: .shared))
        try ada.sync()
        try bo.sync()
        #expect(!Self.folderHolds(club.path, "Ocelot"))
        #expect(!Self.folderHolds(club.path, "Kinkajou"))
        #expect(try bo.itemIDs() == [kept.id])
        #expect(try bo.sharedStateHash() == ada.sharedStateHash())
        #expect(try ada.itemIDs() == [note.id, kept.id])
    }

    @Test("a withdrawal made on the reader's machine that is not in the group still reaches the group through the one that is")
    func withdrawalFromAnotherMachine() throws {
        let club = try Club()
        let (ada, bo) = (club.ada, club.bo)
        let personal = club.root.path("personal")
        _ = try ada.library.addRemote(name: "laptop", location: personal, kind: .personal)
        let phone = try Library.create(at: club.root.path("phone.sqlite"), identity: try ada.library.exportIdentity())
        _ = try phone.addRemote(name: "laptop", location: personal, kind: nil)

        let note = try ada.library.addNote(NoteDraft(body: "said in haste", visibility: .shared))
        try ada.sync("laptop")
        try ada.sync()
        try bo.sync()
        #expect(try bo.itemIDs() == [note.id])

        // On the phone (in the personal channel only), Ada withdraws it.
        _ = try phone.sync(phone.remotes()[0])
        try phone.edit(note.id, visibility: .private)
        _ = try phone.sync(phone.remotes()[0])
        try ada.sync("laptop")
        #expect(try ada.library.status().sharedStateHash != bo.sharedStateHash())
        try ada.sync()
        try bo.sync()
        let boSees = try bo.itemIDs()
        let (boShared, adaShared) = (try bo.sharedStateHash(), try ada.sharedStateHash())
        do {
            #expect(boSees.isEmpty)
            #expect(boShared == adaShared)
        }
    }

    @Test("a shared annotation on a private document carries its quote and context to the group, and nothing else of the document")
    func sharedAnnotationOnPrivateDocument() throws {
        let club = try Club()
        let (ada, bo) = (club.ada, club.bo)
        let far = String(repeating: "and so on, ", count: 5)
        let doc = try ada.library.addDocument(
            text: "Dear Brontosaurus diary, " + far + "my Tuesday was unbearable, " + far + "signed Zugzwang.",
            DocumentDraft(title: "Diary of Quetzal", slug: "diary", visibility: .private)
        ).id
        let annotation = try ada.library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "Tuesday"), note: "see"))
        try ada.sync()
        try bo.sync()
        #expect(!Self.folderHolds(club.path, "Quetzal"), "the private document's title is in the group folder")
        #expect(!Self.folderHolds(club.path, "Brontosaurus"), "the private document's text is in the group folder")
        #expect(!Self.folderHolds(club.path, "Zugzwang"), "the private document's text is in the group folder")
        #expect(try bo.library.documents().isEmpty)
        // The annotation is shared (the default, even on a private document),
        // and its quote with 32 code points of context go with it.
        #expect(try bo.itemIDs() == [annotation.id])
        #expect(Self.folderHolds(club.path, "Tuesday"))
        #expect(Self.folderHolds(club.path, " was unbearable"))
    }
}
