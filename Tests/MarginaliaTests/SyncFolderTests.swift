import Foundation
import Testing

@testable import Marginalia

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The rules of the sync folder (DESIGN section 5, issue 4), through the
// library API: who writes where, what a sync with nothing new touches,
// acknowledgements, bundle sizes, items that turn shared, and the folders
// `remote add` and `sync` refuse.

@Suite("sync folder rules")
struct SyncFolderTests {
    @Test("each replica writes only its own replica folder and its reader file, and leaves no temporary file behind")
    func eachReplicaWritesOnlyItsOwnFolder() throws {
        let channel = SyncChannel()
        let ada = try SyncLibrary(name: "Ada")
        let bo = try SyncLibrary(name: "Bo")
        try ada.join(channel, kind: .group)
        try bo.join(channel)
        _ = try ada.sharedNote("Ada's first")
        try ada.sync()

        for (writer, other) in [(bo, ada), (ada, bo), (bo, ada)] {
            _ = try writer.sharedNote("by \(writer.name)")
            _ = try writer.library.addNote(NoteDraft(body: "private, never in the folder"))
            let before = snapshot(channel.path)
            let report = try writer.sync()
            #expect(report.pushed == 1, "the shared note only: \(report)")
            let after = snapshot(channel.path)
            let changed = Set(after.keys).union(before.keys).filter { before[$0] != after[$0] }
            let own = "replicas/" + (try writer.replicaID)
            let reader = "readers/" + (try writer.library.localReader().readerID) + ".json"
            for path in changed where path != "." && path != "replicas" && path != "readers" {
                #expect(path == own || path.hasPrefix(own + "/") || path == reader,
                        "\(writer.name) changed \(path), outside its own folder")
            }
            #expect(changed.contains { $0.hasPrefix(own + "/") && $0.hasSuffix(".bundle") }, "a new bundle: \(changed)")
            #expect(!changed.contains { $0.hasPrefix("replicas/" + (try! other.replicaID)) })
            expectNoTemporaryFiles(channel.path)
        }
        #expect(try ada.sync().pulled == 1)
        #expect(try bo.sync().pulled == 0)
        #expect(try ada.stateHash() != bo.stateHash(), "each holds its own private notes")
        #expect(!channel.allBytes().contains("private, never in the folder"))
        expectNoTemporaryFiles(channel.path)
        // The libraries' own folders hold no leftovers either.
        expectNoTemporaryFiles(ada.folder.url.path)
    }

    @Test("a sync with nothing new writes nothing at all (listing, inodes, mtimes) and reports 0 pushed, 0 pulled")
    func aSyncWithNothingNewWritesNothing() throws {
        let channel = SyncChannel()
        let ada = try SyncLibrary(name: "Ada")
        let bo = try SyncLibrary(name: "Bo")
        try ada.join(channel, kind: .group)
        try bo.join(channel)
        _ = try ada.sharedNote("one")
        _ = try bo.sharedNote("two")
        for library in [ada, bo, ada, bo] { try library.sync() }

        let before = snapshot(channel.path)
        let hashes = (try ada.stateHash(), try bo.stateHash())
        #expect(hashes.0 == hashes.1)
        for library in [ada, bo, ada] {
            let report = try library.sync()
            #expect(report.pushed == 0 && report.pulled == 0 && report.applied == 0, "\(report)")
            #expect(report.skipped.isEmpty && report.notPushed == nil, "\(report)")
        }
        #expect(snapshot(channel.path) == before, "a sync with nothing new changed the folder")

        // Private work is new to the library but not to a group: still nothing written.
        _ = try ada.library.addNote(NoteDraft(body: "a private thought"))
        let report = try ada.sync()
        #expect(report.pushed == 0 && report.pulled == 0, "\(report)")
        #expect(snapshot(channel.path) == before, "a private note changed the group folder")
        #expect((try ada.sync()).pushed == 0)
        #expect(try bo.stateHash() == hashes.1)
    }

    @Test("acks.json of a replica lists the last bundle it consumed of every other replica, by seq and full hash")
    func acknowledgementsListConsumedBundles() throws {
        let channel = SyncChannel()
        let ada = try SyncLibrary(name: "Ada")
        let bo = try SyncLibrary(name: "Bo")
        let cy = try SyncLibrary(name: "Cy")
        try ada.join(channel, kind: .group)
        try bo.join(channel)
        try cy.join(channel)
        _ = try ada.sharedNote("a1")
        try ada.sync()
        _ = try ada.sharedNote("a2")
        try ada.sync()
        _ = try bo.sharedNote("b1")
        try bo.sync()
        let report = try cy.sync()
        #expect(report.pulled == 3 && report.applied == 3, "\(report)")

        let acks = try #require(JSONValue(parsing: try Data(contentsOf: URL(fileURLWithPath: channel.acks(of: cy)))))
        #expect(acks["replica"]?.stringValue == (try cy.replicaID))
        let adaNames = try channel.bundles(of: ada)
        let boNames = try channel.bundles(of: bo)
        #expect(adaNames.count == 2 && boNames.count == 1)
        let adaAck = acks["consumed"]?[try ada.replicaID]
        let boAck = acks["consumed"]?[try bo.replicaID]
        #expect(adaAck?["seq"]?.intValue == 2, "\(acks)")
        #expect(boAck?["seq"]?.intValue == 1, "\(acks)")
        let adaHash = try #require(adaAck?["hash"]?.stringValue)
        #expect(adaHash.count == 64 && adaNames.last.map { adaHash.hasPrefix(String($0.dropFirst(13).prefix(16))) } == true,
                "the ack names bundle 2 by its hash: \(adaHash) vs \(adaNames)")
        #expect(boAck?["hash"]?.stringValue.map { $0.hasPrefix(String(boNames[0].dropFirst(13).prefix(16))) } == true)
        #expect(acks["consumed"]?[try cy.replicaID] == nil, "a replica does not ack itself")

        // Ada's acks, written on her next sync, name Bo's bundle.
        try ada.sync()
        let adaAcks = JSONValue(parsing: try Data(contentsOf: URL(fileURLWithPath: channel.acks(of: ada))))
        #expect(adaAcks?["consumed"]?[try bo.replicaID]?["seq"]?.intValue == 1, "\(String(describing: adaAcks))")
    }

    @Test("20,001 operations go out as three bundles of at most 10,000 (10,000, 10,000, 1), chained 1, 2, 3, and arrive whole")
    func bundlesHoldAtMostTenThousandOperations() throws {
        let channel = SyncChannel()
        let ada = try SyncLibrary(name: "Ada")
        let bo = try SyncLibrary(name: "Bo")
        try ada.join(channel, kind: .group)
        try bo.join(channel)
        try ada.recordTitleEdits(count: 20_000, visibility: .shared)
        #expect(try ada.library.status().operations == 20_001)

        let report = try ada.sync()
        #expect(report.pushed == 20_001)
        let names = try channel.bundles(of: ada)
        #expect(names.map { String($0.prefix(12)) } == ["000000000001", "000000000002", "000000000003"], "\(names)")
        var counts: [Int] = []
        var previous: String?
        for name in names {
            let bundle = try Bundle.decode(try Data(contentsOf: URL(fileURLWithPath: channel.replicaFolder(of: ada) + "/" + name)))
            counts.append(bundle.operations.count)
            #expect(bundle.chain?.previous == previous)
            previous = bundle.hash
        }
        #expect(counts == [10_000, 10_000, 1])

        let received = try bo.sync()
        #expect(received.pulled == 20_001 && received.applied == 20_001, "\(received)")
        #expect(try bo.stateHash() == ada.stateHash())
    }

    @Test(
        "an item that turns shared goes to the group with its whole history; a bundle never holds more than 10,000 operations",
        .timeLimit(.minutes(1)))
    func aLongPrivateHistoryTurningSharedStaysWithinTheBundleLimit() throws {
        let channel = SyncChannel()
        let ada = try SyncLibrary(name: "Ada")
        try ada.join(channel, kind: .group)
        let note = try ada.recordTitleEdits(count: 10_500)
        #expect(try ada.sync().pushed == 0, "private so far")
        try ada.setVisibility(note, .shared)
        let report = try ada.sync()
        #expect(report.pushed == 10_502)
        var carried = 0
        do {
            for name in try channel.bundles(of: ada) {
                let bundle = try Bundle.decode(
                    try Data(contentsOf: URL(fileURLWithPath: channel.replicaFolder(of: ada) + "/" + name)))
                carried += bundle.operations.filter { $0.entityID == note }.count
                #expect(bundle.operations.count <= Library.operationsPerBundle, "\(name) holds \(bundle.operations.count)")
            }
        }
        #expect(carried == 10_502, "the whole history")
    }

    @Test("a private note and annotation that turn shared reach the group with their full history; other private items never do")
    func anItemTurningSharedIsPublishedWithItsHistory() throws {
        let channel = SyncChannel()
        let ada = try SyncLibrary(name: "Ada")
        let bo = try SyncLibrary(name: "Bo")
        try ada.join(channel, kind: .group)
        try bo.join(channel)
        let doc = try ada.addText(sampleText, slug: "sample")
        let note = try ada.library.addNote(NoteDraft(body: "draft one")).id
        try ada.library.edit(note, note: "draft two")
        try ada.library.retag(note, adding: ["later"])
        let annotation = try ada.library.annotate(
            AnnotationDraft(document: doc, anchor: .quote(exact: "Tom"), note: "first look", visibility: .private)).id
        try ada.library.edit(annotation, note: "second look")
        _ = try ada.library.addNote(NoteDraft(body: "stays private"))
        let documentOperations = try ada.library.operations().filter { $0.entityID == doc }.count
        #expect(try ada.sync().pushed == documentOperations, "only the shared document")
        #expect(try bo.sync().applied == documentOperations)
        #expect(try bo.library.items().isEmpty)

        try ada.setVisibility(note, .shared)
        try ada.setVisibility(annotation, .shared)
        let report = try ada.sync()
        #expect(report.pushed == 4 + 3, "note: create, edit, tag, share; annotation: create, edit, share: \(report)")
        #expect(try bo.sync().applied == 7)
        for id in [note, annotation] {
            #expect(try bo.library.operations().filter { $0.entityID == id } == ada.library.operations().filter { $0.entityID == id })
        }
        #expect(try bo.library.noteText(of: note) == "draft two")
        #expect(try bo.library.noteText(of: annotation) == "second look")
        #expect(try bo.library.history(note).count == 4)
        #expect(try bo.library.items().count == 2, "the third note stays private")
        #expect(!channel.allBytes().contains("stays private"))

        // Later edits of a shared item go out one by one.
        try ada.library.edit(note, note: "draft three")
        #expect(try ada.sync().pushed == 1)
        #expect(try bo.sync().applied == 1)
        #expect(try bo.library.noteText(of: note) == "draft three")
    }

    // MARK: Refusals

    @Test("remote add into a non-empty folder that is not a channel is refused and leaves it untouched")
    func addingANonChannelFolderIsRefused() throws {
        let ada = try SyncLibrary(name: "Ada")
        let folder = ada.folder.path("photos")
        try FileManager.default.createDirectory(atPath: folder + "/2025", withIntermediateDirectories: true)
        try Data("not a channel\n".utf8).write(to: URL(fileURLWithPath: folder + "/readme.txt"))
        let before = snapshot(folder)
        for kind in [ChannelKind.personal, .group, nil] {
            #expect {
                _ = try ada.library.addRemote(name: "photos", location: folder, kind: kind)
            } throws: { error in
                "\(error)".contains(folder) && ("\(error)".contains("neither empty") || "\(error)".contains("no channel"))
            }
        }
        #expect(snapshot(folder) == before)
        #expect(try ada.library.remotes().isEmpty)
        #expect {
            _ = try ada.library.sync(folder: folder)
        } throws: { error in "\(error)".contains("not a Marginalia sync folder") }
        #expect(snapshot(folder) == before)
    }

    @Test("joining with the wrong --personal/--group, or another reader's personal channel, is refused and adds no remote")
    func joiningTheWrongChannelIsRefused() throws {
        let ada = try SyncLibrary(name: "Ada")
        let laptop = try ada.secondMachine()
        let bo = try SyncLibrary(name: "Bo")
        let personal = SyncChannel()
        let group = SyncChannel()
        try ada.join(personal, kind: .personal)
        try ada.join(group, kind: .group, name: "club")
        _ = try ada.sharedNote("shared")
        _ = try ada.library.addNote(NoteDraft(body: "Ada's private note"))
        try ada.sync("mine")
        try ada.sync("club")
        let folders = (snapshot(personal.path), snapshot(group.path))

        #expect(throws: MarginaliaError.self) { try laptop.join(personal, kind: .group) }
        #expect(throws: MarginaliaError.self) { try bo.join(group, kind: .personal) }
        #expect {
            try bo.join(personal)
        } throws: { error in "\(error)".contains("another reader's personal channel") }
        #expect {
            try bo.join(personal, kind: .personal)
        } throws: { error in "\(error)".contains("another reader's personal channel") }
        #expect(try laptop.library.remotes().isEmpty && bo.library.remotes().isEmpty)
        // Nor can Bo read it by naming the folder.
        #expect {
            _ = try bo.library.sync(folder: personal.path)
        } throws: { error in "\(error)".contains("another reader") && "\(error)".contains("nothing was read or written") }
        #expect(try bo.library.items().isEmpty)
        #expect(snapshot(personal.path) == folders.0 && snapshot(group.path) == folders.1)

        // The right kind, or none, joins.
        try laptop.join(personal)
        try bo.join(group, kind: .group, name: "club")
        #expect(try laptop.sync().applied == 2)
        #expect(try bo.sync("club").applied == 1)
    }

    @Test("a vanished sync folder is a clear error; nothing is created or changed")
    func aVanishedFolderIsAClearError() throws {
        let channel = SyncChannel()
        let ada = try SyncLibrary(name: "Ada")
        try ada.join(channel, kind: .group)
        _ = try ada.sharedNote("one")
        try ada.sync()
        _ = try ada.sharedNote("two")
        let hash = try ada.stateHash()
        try FileManager.default.removeItem(atPath: channel.path)
        #expect(throws: MarginaliaError.syncFolderMissing(path: channel.path)) { try ada.sync() }
        #expect(!FileManager.default.fileExists(atPath: channel.path), "the folder was made again")
        #expect(try ada.stateHash() == hash)
        #expect(try ada.library.remotes().count == 1)
    }

    @Test(
        "a read-only sync folder: what others wrote is read, nothing is written, and notPushed says why",
        .enabled(if: getuid() != 0, "root ignores file permissions"))
    func aReadOnlyFolderIsAClearError() throws {
        let channel = SyncChannel()
        let ada = try SyncLibrary(name: "Ada")
        let bo = try SyncLibrary(name: "Bo")
        try ada.join(channel, kind: .group)
        try bo.join(channel)
        _ = try ada.sharedNote("Ada's")
        try ada.sync()
        _ = try bo.sharedNote("Bo's, not written")
        let folders = [channel.path, channel.path + "/replicas", channel.path + "/readers"]
            + ((try? FileManager.default.contentsOfDirectory(atPath: channel.path + "/replicas")) ?? []).map {
                channel.path + "/replicas/" + $0
            }
        for folder in folders { chmod(folder, 0o555) }
        defer { for folder in folders { chmod(folder, 0o755) } }
        let before = snapshot(channel.path)
        let report = try bo.sync()
        #expect(report.pushed == 0)
        #expect(report.notPushed?.contains(channel.path) == true, "\(report)")
        #expect(snapshot(channel.path) == before)
        for folder in folders { chmod(folder, 0o755) }
        // Once writable, what was held back goes out.
        #expect(try bo.sync().pushed == 1)
        #expect(try ada.sync().applied == 1)
        #expect(try ada.stateHash() == bo.stateHash())
    }
}

// MARK: - Helpers shared by the sync suites

/// A sync folder in a temporary folder of its own (not created until a
/// library starts a channel there).
final class SyncChannel: Sendable {
    let root = TemporaryFolder()
    let path: String

    init() { path = root.path("channel") }

    func replicaFolder(of library: SyncLibrary) throws -> String { path + "/replicas/" + (try library.replicaID) }

    /// The bundle files of a library's replica, in chain order.
    func bundles(of library: SyncLibrary) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: replicaFolder(of: library)).filter { $0.hasSuffix(".bundle") }.sorted()
    }

    func acks(of library: SyncLibrary) throws -> String { try replicaFolder(of: library) + "/acks.json" }

    /// Every file under the folder, concatenated, as text.
    func allBytes() -> String {
        var all = Data()
        if let walker = FileManager.default.enumerator(atPath: path) {
            while let name = walker.nextObject() as? String {
                if let data = FileManager.default.contents(atPath: path + "/" + name) { all.append(data) }
            }
        }
        return String(decoding: all, as: UTF8.self)
    }
}

/// A library in a temporary folder of its own, for the sync suites; unlike
/// ``TestLibrary`` it can also be made from another library's identity.
struct SyncLibrary {
    let folder: TemporaryFolder
    let library: Library

    init(name: String) throws {
        folder = TemporaryFolder()
        library = try Library.create(at: folder.path("library.sqlite"), readerName: name)
    }

    /// The same reader on another machine: a new library from an exported identity.
    init(identity: ReaderIdentity) throws {
        folder = TemporaryFolder()
        library = try Library.create(at: folder.path("library.sqlite"), identity: identity)
    }

    /// A library opened on a copy of this one's file (the copied-library mistake).
    func copied() throws -> SyncLibrary {
        let folder = TemporaryFolder()
        let path = folder.path("library.sqlite")
        try library.database.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [path]) }
        return SyncLibrary(folder: folder, library: try Library.open(at: path))
    }

    private init(folder: TemporaryFolder, library: Library) {
        self.folder = folder
        self.library = library
    }

    var name: String { (try? library.localReader().name) ?? "?" }
    var replicaID: String { get throws { try library.localReader().replicaID } }

    func stateHash() throws -> String { try library.status().stateHash }

    func addText(_ text: String, slug: String) throws -> String {
        try library.addDocument(text: text, DocumentDraft(title: "Sample", slug: slug)).id
    }

    /// Joins (or starts) the channel.
    @discardableResult
    func join(_ channel: SyncChannel, kind: ChannelKind? = nil, name: String = "mine") throws -> Remote {
        try library.addRemote(name: name, location: channel.path, kind: kind)
    }

    @discardableResult
    func sync(_ name: String = "mine") throws -> SyncReport {
        guard let remote = try library.remote(name) else { throw MarginaliaError.remoteNotFound(name: name) }
        return try library.sync(remote)
    }

    func sharedNote(_ body: String) throws -> String {
        try library.addNote(NoteDraft(body: body, visibility: .shared)).id
    }

    func privateNote(_ body: String) throws -> String {
        try library.addNote(NoteDraft(body: body)).id
    }

    func secondMachine() throws -> SyncLibrary {
        try SyncLibrary(identity: library.exportIdentity())
    }

    /// Records a note (private unless told) and `count` title changes of it in one
    /// transaction (the fastest way to a long log); returns the note's id.
    @discardableResult
    func recordTitleEdits(count: Int, visibility: Visibility = .private) throws -> String {
        let id = Identifier.newEntityID()
        try library.write { transaction in
            try transaction.record(
                .note, id,
                .create(
                    registers: [Field.visibility: .string(visibility.rawValue), Field.deleted: false],
                    texts: [Field.body: "note with a long history"], sets: [:]))
            for index in 0..<count {
                try transaction.record(.note, id, .set(field: Field.title, value: .string("title \(index)")))
            }
        }
        return id
    }

    /// Makes an item shared or private (`edit --shared`/`--private`).
    func setVisibility(_ id: String, _ visibility: Visibility) throws {
        #expect(try library.edit(id, visibility: visibility))
    }
}

/// Every path under `root` (relative; "." for the root itself) with its
/// inode, modification time in nanoseconds, size and mode: any write, rename
/// or temporary file made and removed again changes it.
func snapshot(_ root: String) -> [String: String] {
    var result: [String: String] = [:]
    func walk(_ relative: String) {
        let full = relative == "." ? root : root + "/" + relative
        var info = stat()
        guard lstat(full, &info) == 0 else { return }
        #if os(Linux)
            let modified = "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        #else
            let modified = "\(info.st_mtimespec.tv_sec).\(info.st_mtimespec.tv_nsec)"
        #endif
        result[relative] = "inode \(info.st_ino) mtime \(modified) size \(info.st_size) mode \(String(info.st_mode, radix: 8))"
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: full)) ?? [] {
            walk(relative == "." ? name : relative + "/" + name)
        }
    }
    walk(".")
    return result
}

/// No writer's temporary file (ours or a carrier's) is left anywhere under `root`.
func expectNoTemporaryFiles(_ root: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let leftovers = snapshot(root).keys.filter { path in
        let name = (path as NSString).lastPathComponent
        return name.hasPrefix(AtomicFile.temporaryPrefix) || name.hasSuffix(".tmp")
    }
    #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers.sorted())", sourceLocation: sourceLocation)
}
