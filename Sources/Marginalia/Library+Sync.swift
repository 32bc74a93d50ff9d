import Crypto
import Foundation
import GRDB

/// A sync channel this library is joined to: a folder that something else
/// carries (Syncthing, Dropbox, a USB stick), or a git remote.
///
/// ```swift
/// let remote = try library.addRemote(name: "laptop", location: "/mnt/sync/notes", kind: .personal)
/// let report = try library.sync(remote)
/// print(report.applied, report.skipped)
/// ```
public struct Remote: LibraryRecord {
    public static let databaseTableName = "remotes"
    public static let gitScheme = "git:"

    public var name: String
    /// An absolute folder path, or `git:` and a URL git understands.
    public var location: String
    public var kind: ChannelKind
    public var channelID: String
    /// The key of an encrypted channel; never printed.
    var channelKey: Data?
    public var addedAt: String

    public var isGit: Bool { location.hasPrefix(Self.gitScheme) }
    public var isEncrypted: Bool { channelKey != nil }

    public init(row: Row) throws {
        name = row["name"]
        location = row["location"]
        kind = ChannelKind(rawValue: row["kind"]) ?? .group
        channelID = row["channel_id"]
        channelKey = row["channel_key"]
        addedAt = row["added_at"]
    }

    init(name: String, location: String, kind: ChannelKind, channelID: String, channelKey: Data?, addedAt: String) {
        self.name = name
        self.location = location
        self.kind = kind
        self.channelID = channelID
        self.channelKey = channelKey
        self.addedAt = addedAt
    }

    public var columns: KeyValuePairs<String, (any DatabaseValueConvertible)?> {
        [
            "name": name,
            "location": location,
            "kind": kind.rawValue,
            "channel_id": channelID,
            "channel_key": channelKey,
            "added_at": addedAt,
        ]
    }

    /// The remote as `remote list --json` prints it.
    public var jsonValue: JSONValue {
        [
            "name": .string(name), "location": .string(location), "kind": .string(kind.rawValue),
            "channel": .string(channelID), "encrypted": .bool(isEncrypted), "added": .string(addedAt),
        ]
    }
}

/// What one sync with one channel did.
public struct SyncReport: Sendable, Hashable {
    /// A file that was not applied this time, and why; it is tried again next time.
    public struct Skipped: Sendable, Hashable {
        /// The path inside the sync folder (control characters shown as `?`).
        public var file: String
        public var reason: String

        init(file: String, reason: String) {
            self.file = oneLine(file)
            self.reason = reason
        }
    }

    public var remote: String
    public var folder: String
    /// Operations written to the folder.
    public var pushed = 0
    /// Operations read from new bundles.
    public var pulled = 0
    /// Of those, the ones this library did not hold yet.
    public var applied = 0
    public var skipped: [Skipped] = []
    /// Items in conflict after the sync.
    public var conflicts = 0
    /// Why this library wrote nothing to the folder, when it could not.
    public var notPushed: String?

    /// One remote's sync as `sync --json` lists it under `remotes`.
    public var jsonValue: JSONValue {
        [
            "remote": .string(remote), "folder": .string(folder), "pushed": .int(pushed), "pulled": .int(pulled),
            "applied": .int(applied),
            "skipped": .array(skipped.map { ["file": .string($0.file), "reason": .string($0.reason)] }),
            "conflicts": .int(conflicts), "notPushed": JSONValue(notPushed),
        ]
    }

    /// What `sync --json` prints for one run over several remotes: the
    /// totals, the open conflicts after the last sync, each remote's report,
    /// and the remotes that could not be reached (`errors`, one line each).
    public static func totals(_ reports: [SyncReport], errors: [String]) -> JSONValue {
        [
            "pushed": .int(reports.reduce(0) { $0 + $1.pushed }), "pulled": .int(reports.reduce(0) { $0 + $1.pulled }),
            "applied": .int(reports.reduce(0) { $0 + $1.applied }),
            "skipped": .array(reports.flatMap { report in
                report.skipped.map { ["file": .string(report.folder + "/" + $0.file), "reason": .string($0.reason)] }
            }),
            "conflicts": .int(reports.last?.conflicts ?? 0),
            "remotes": .array(reports.map(\.jsonValue)),
            "errors": .array(errors.map(JSONValue.string)),
        ]
    }
}

extension Library {
    /// The most operations one bundle holds, so that reading a bundle never
    /// needs more than a few megabytes however long the history.
    static let operationsPerBundle = 10_000

    // MARK: Remotes

    /// A personal channel's key comes from the reader's own secret, never from a passphrase.
    static var passphraseOnPersonalChannel: MarginaliaError {
        .invalidInput("a personal channel is always encrypted with your own key; leave out the passphrase")
    }

    /// Joins the channel in `location`, or starts one there when the folder
    /// is empty or missing.
    ///
    /// A personal channel is always encrypted, with a key only its reader's
    /// machines can derive. A group channel is encrypted when started with a
    /// passphrase, and joining it then takes the same passphrase.
    ///
    /// - Parameters:
    ///   - location: a folder path, or `git:URL` (the clone is kept beside the library).
    ///   - kind: required to start a channel; when joining, it must match the channel's.
    ///   - passphrase: a group's shared passphrase.
    public func addRemote(
        name: String, location: String, kind: ChannelKind?, passphrase: String? = nil, git: GitCarrier = GitCarrier()
    ) throws -> Remote {
        if kind == .personal, passphrase != nil { throw Self.passphraseOnPersonalChannel }
        guard Identifier.isValidSlug(name) else {
            throw MarginaliaError.invalidInput(
                "'\(name)' cannot name a remote; use letters, digits, '.', '_' and '-' (up to 64), starting with a letter or digit")
        }
        if try read({ db in try Remote.fetchOne(db, key: name) }) != nil {
            throw MarginaliaError.invalidInput("a remote named '\(name)' exists already; `marginalia remote list` shows it")
        }
        let local = try read { db in try Self.local(db) }
        let isGit = location.hasPrefix(Remote.gitScheme)
        let stored = isGit ? location : URL(fileURLWithPath: location).standardizedFileURL.path
        let folder = ChannelFolder(path: isGit ? gitClonePath(name) : stored)
        if isGit {
            do {
                try git.cloneOrOpen(url: String(location.dropFirst(Remote.gitScheme.count)), into: folder.path)
                try git.pull(in: folder.path)
            } catch {
                try? FileManager.default.removeItem(atPath: folder.path)
                throw error
            }
        }
        let description: ChannelDescription
        let key: ChannelKey?
        if FileManager.default.fileExists(atPath: folder.descriptionPath) {
            description = try folder.description()
            if let kind, kind != description.kind {
                throw MarginaliaError.invalidInput(
                    "\(location) holds a \(description.kind.rawValue) channel, not a \(kind.rawValue) one; leave out --\(kind.rawValue) to join it")
            }
            if description.kind == .personal, description.owner != local.readerId {
                throw MarginaliaError.invalidInput(
                    "\(location) is another reader's personal channel; join it from a library made with "
                        + "`marginalia init --identity` from that reader, or use a group channel")
            }
            key = try channelKey(description, location: location, passphrase: passphrase, secretKey: local.secretKey)
        } else {
            guard let kind else {
                throw MarginaliaError.invalidInput(
                    "\(location) holds no channel yet; say --personal (your own machines) or --group (a reading group) to start one")
            }
            var fresh = ChannelDescription(
                kind: kind, channelID: Identifier.newEntityID(), owner: kind == .personal ? local.readerId : nil,
                created: Timestamps.iso8601(Date()), encryption: nil)
            switch (kind, passphrase) {
            case (.personal, nil):
                key = ChannelKey.personal(secretKey: local.secretKey, channelID: fresh.channelID)
                fresh.encryption = .personal(check: key!.check)
            case (.personal, .some):
                throw Self.passphraseOnPersonalChannel
            case (.group, let passphrase?):
                let salt = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
                key = try ChannelKey.passphrase(
                    passphrase, salt: salt, rounds: ChannelEncryption.rounds, blockSize: ChannelEncryption.blockSize,
                    parallelism: 1)
                fresh.encryption = .passphrase(
                    salt: salt, rounds: ChannelEncryption.rounds, blockSize: ChannelEncryption.blockSize, parallelism: 1,
                    check: key!.check)
            case (.group, nil):
                key = nil
            }
            try folder.create(fresh)
            description = fresh
            if isGit { try git.commitAndPush(in: folder.path, message: "marginalia: new \(kind.rawValue) channel") }
        }
        let remote = Remote(
            name: name, location: stored, kind: description.kind, channelID: description.channelID,
            channelKey: key.map { $0.key.withUnsafeBytes { Data($0) } }, addedAt: Timestamps.iso8601(Date()))
        try storage { try database.write { db in try remote.insert(db) } }
        return remote
    }

    /// The channels this library syncs with, by name.
    public func remotes() throws -> [Remote] {
        try read { db in try Remote.order(Column("name")).fetchAll(db) }
    }

    /// Leaves a channel. The folder and what was exchanged stay as they are.
    public func removeRemote(named name: String) throws {
        try storage {
            try database.write { db in
                guard try Remote.deleteOne(db, key: name) else { throw MarginaliaError.remoteNotFound(name: name) }
            }
        }
        try? FileManager.default.removeItem(atPath: gitClonePath(name))
    }

    /// The remote named `reference`, or the one whose folder it is.
    public func remote(_ reference: String) throws -> Remote? {
        let path = URL(fileURLWithPath: reference).standardizedFileURL.path
        return try read { db in
            try Remote.fetchOne(db, key: reference) ?? Remote.filter(Column("location") == path).fetchOne(db)
        }
    }

    func gitClonePath(_ name: String) -> String { path + ".remotes/" + name }

    /// The key that opens a channel's files; nil for an unencrypted group.
    private func channelKey(
        _ description: ChannelDescription, location: String, passphrase: String?, secretKey: Data
    ) throws -> ChannelKey? {
        let key: ChannelKey
        switch description.encryption {
        case nil:
            if passphrase != nil {
                throw MarginaliaError.invalidInput("\(location) is not encrypted; leave out the passphrase")
            }
            return nil
        case .personal:
            key = ChannelKey.personal(secretKey: secretKey, channelID: description.channelID)
        case .passphrase(let salt, let rounds, let blockSize, let parallelism, _):
            guard let passphrase else { throw MarginaliaError.passphraseNeeded(location: location) }
            key = try ChannelKey.passphrase(passphrase, salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism)
        }
        guard key.check == description.encryption?.check else {
            if case .personal = description.encryption {
                throw MarginaliaError.invalidInput("\(location) is encrypted for another reader; nothing was read or written")
            }
            throw MarginaliaError.wrongPassphrase(location: location)
        }
        return key
    }

    // MARK: Sync

    /// Syncs with one remote: pulls (for git), reads every new bundle of the
    /// other replicas, writes this replica's new operations, and pushes.
    public func sync(_ remote: Remote, git: GitCarrier = GitCarrier(), progress: Progress = { _, _ in }) throws -> SyncReport {
        let key = remote.channelKey.map { ChannelKey(key: SymmetricKey(data: $0)) }
        guard remote.isGit else {
            return try sync(
                folder: remote.location, name: remote.name, expecting: (remote.channelID, key), progress: progress)
        }
        let clone = gitClonePath(remote.name)
        try git.cloneOrOpen(url: String(remote.location.dropFirst(Remote.gitScheme.count)), into: clone)
        try git.pull(in: clone)
        var report = try sync(folder: clone, name: remote.name, expecting: (remote.channelID, key), progress: progress)
        report.folder = remote.location
        let message = "marginalia: replica \(try localReader().replicaID.prefix(8))"
        // When another replica pushed first, its files came in with the pull:
        // read them, and commit what that reading wrote (acks) too.
        for _ in 0..<git.attempts {
            guard try git.commitAndPush(in: clone, message: message) else { break }
            let again = try sync(folder: clone, name: remote.name, expecting: (remote.channelID, key), progress: progress)
            report.pulled += again.pulled
            report.applied += again.applied
            report.skipped += again.skipped
            report.conflicts = again.conflicts
        }
        return report
    }

    /// Syncs with a channel folder that is not a remote (an encrypted group
    /// channel takes its passphrase).
    public func sync(folder path: String, passphrase: String? = nil, progress: Progress = { _, _ in }) throws -> SyncReport {
        let description = try ChannelFolder(path: path).description()
        let local = try read { db in try Self.local(db) }
        let key = try channelKey(description, location: path, passphrase: passphrase, secretKey: local.secretKey)
        return try sync(folder: path, name: nil, expecting: (description.channelID, key), progress: progress)
    }

    /// Syncs with a channel folder.
    ///
    /// Each new bundle is verified whole and applied in one transaction with
    /// the record that it was read; a file that fails is listed in
    /// ``SyncReport/skipped`` and tried again next time. A sync with nothing
    /// new reads directory listings only.
    private func sync(
        folder path: String, name: String?, expecting: (channelID: String, key: ChannelKey?), progress: Progress
    ) throws -> SyncReport {
        let folder = ChannelFolder(path: path)
        let channel = try folder.description()
        guard channel.channelID == expecting.channelID, channel.encryption?.check == expecting.key?.check else {
            throw MarginaliaError.invalidInput(
                "\(path) now holds another channel than the one this remote joined; `marginalia remote rm` and add it again")
        }
        let key = expecting.key
        let local = try read { db in try Self.local(db) }
        if channel.kind == .personal, channel.owner != local.readerId {
            throw MarginaliaError.invalidInput("\(path) is another reader's personal channel; nothing was read or written")
        }
        var report = SyncReport(remote: name ?? path, folder: path)
        try learnReaders(folder, report: &report)
        try checkOwnFolder(folder, channel: channel, key: key, local: local, report: &report)
        let consumedChanged = try pull(folder, channel: channel, key: key, local: local, report: &report, progress: progress)
        if let copied = try copiedReplicaEvidence() {
            report.notPushed =
                "another library writes as this replica (\(copied)); this copy no longer writes to sync folders: "
                + "run `marginalia replica reset` to give it a replica id of its own"
        } else {
            do {
                try folder.publish(reader: local.signingIdentity)
                report.pushed = try push(folder, channel: channel, key: key, local: local)
                if consumedChanged || !FileManager.default.fileExists(atPath: folder.replicaPath(local.replicaId) + "/acks.json") {
                    try writeAcknowledgements(folder, channel: channel, replica: local.replicaId)
                }
            } catch let error as MarginaliaError {
                if case .unwritableFile = error { report.notPushed = error.description } else { throw error }
            }
        }
        report.conflicts = try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM conflicts") ?? 0 }
        return report
    }

    // MARK: Reading

    /// Looks for bundles in this replica's own folder that it did not write:
    /// another library writing as this replica (a copied library file).
    /// A bundle this replica wrote just before a crash is adopted instead.
    private func checkOwnFolder(
        _ folder: ChannelFolder, channel: ChannelDescription, key: ChannelKey?, local: LocalReplica, report: inout SyncReport
    ) throws {
        let published = try publishedChain(channel.channelID, replica: local.replicaId)
        var unknown: [(seq: Int, name: String)] = []
        for name in try folder.entries(ofReplica: local.replicaId) {
            guard case .bundle(let seq, let prefix) = ChannelFolder.classify(name) else { continue }
            if seq > published.seq || (seq == published.seq && !published.hash.hasPrefix(prefix)) {
                unknown.append((seq, name))
            }
        }
        for (seq, name) in unknown.sorted(by: { $0.seq < $1.seq }) {
            let file = "replicas/\(local.replicaId)/\(name)"
            let bundle: Bundle
            do {
                bundle = try readBundle(folder.path + "/" + file, key: key)
            } catch {
                // Only a bundle signed by this reader shows a copy; anything
                // else is a stray or forged file, which must not stop this replica.
                report.skipped.append(.init(file: file, reason: Self.skipReason(error)))
                continue
            }
            guard bundle.reader.readerId == local.readerId, bundle.replica == local.replicaId else {
                report.skipped.append(.init(file: file, reason: "it is refused: another reader's bundle in this replica's folder"))
                continue
            }
            let current = try publishedChain(channel.channelID, replica: local.replicaId)
            let isOwn = try holdsExactly(bundle.operations)
            if isOwn, seq != current.seq + 1
                || bundle.chain != BundleChain(channel: channel.channelID, seq: seq, previous: current.seq == 0 ? nil : current.hash)
            {
                // Nothing in it this library does not hold: an old bundle of
                // its own replayed under another name, not another writer.
                report.skipped.append(.init(file: file, reason: "it is refused: an earlier bundle of this replica, replayed under another name"))
                continue
            }
            if isOwn {
                // Written here just before a crash. Its operations go out again
                // in the next bundle: repeating them is harmless, guessing
                // which were in it is not.
                try recordPublished(channel.channelID, replica: local.replicaId, PublishedChain(seq: seq, hash: bundle.hash ?? ""))
                continue
            }
            try storage {
                try database.write { db in
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO replica_copied (singleton, evidence, detected_at) VALUES (1, ?, ?)",
                        arguments: ["\(file) in \(folder.path)", Timestamps.iso8601(Date())])
                }
            }
            return
        }
    }

    /// Reads the reader files of readers this library does not know yet,
    /// keeping those whose key, id and self-signature agree.
    private func learnReaders(_ folder: ChannelFolder, report: inout SyncReport) throws {
        let known = try read { db in try Set(String.fetchAll(db, sql: "SELECT reader_id FROM readers")) }
        var learned: [Reader] = []
        for name in try folder.readerFiles() {
            let id = String(name.dropLast(".json".count))
            guard name.hasSuffix(".json"), ChannelFolder.isIdentifier(id) else {
                if !name.hasPrefix(".") { report.skipped.append(.init(file: "readers/\(name)", reason: "oddly named: not a reader file")) }
                continue
            }
            guard !known.contains(id) else { continue }
            do {
                learned.append(try folder.reader(id))
            } catch {
                report.skipped.append(.init(file: "readers/\(name)", reason: Self.skipReason(error)))
            }
        }
        if !learned.isEmpty {
            try storage { try database.write { db in for reader in learned { try reader.insert(db, onConflict: .ignore) } } }
        }
    }

    /// Whether the log holds every one of these operations, as they are.
    private func holdsExactly(_ operations: [LogOperation]) throws -> Bool {
        try read { db in
            try operations.allSatisfy { operation in
                let held = try OperationRecord.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM operations WHERE replica_id = ? AND seq = ?"),
                    arguments: [operation.id.replica, operation.id.seq])
                return held == OperationRecord(operation)
            }
        }
    }

    /// Applies the new bundles of every other replica, each in its chain's
    /// order. Returns whether anything was consumed.
    private func pull(
        _ folder: ChannelFolder, channel: ChannelDescription, key: ChannelKey?, local: LocalReplica,
        report: inout SyncReport, progress: Progress
    ) throws -> Bool {
        let consumed = try read { db in
            try Dictionary(
                Row.fetchAll(
                    db, sql: "SELECT replica_id, bundle_seq, bundle_hash FROM sync_consumed WHERE channel_id = ?",
                    arguments: [channel.channelID]
                ).map { (($0[0] as String), (seq: $0[1] as Int, hash: $0[2] as String)) },
                uniquingKeysWith: { first, _ in first })
        }
        // First the listings, so progress can count the bundles to read.
        var work: [(replica: String, bundles: [Int: [String]], copies: [String])] = []
        for replica in try folder.replicaFolders().sorted() where replica != local.replicaId {
            if replica.hasPrefix(".") { continue }
            guard ChannelFolder.isIdentifier(replica) else {
                report.skipped.append(.init(file: "replicas/\(replica)", reason: "oddly named: not a replica id"))
                continue
            }
            var bundles: [Int: [String]] = [:]
            var copies: [String] = []
            let after = consumed[replica]?.seq ?? 0
            let names: [String]
            do {
                names = try folder.entries(ofReplica: replica)
            } catch {
                report.skipped.append(.init(file: "replicas/\(replica)", reason: "it is not a readable folder"))
                continue
            }
            for name in names {
                switch ChannelFolder.classify(name) {
                case .bundle(let seq, _) where seq > after: bundles[seq, default: []].append(name)
                case .bundle, .acknowledgements, .temporary: break
                case .conflictCopy: copies.append(name)
                case .odd: report.skipped.append(.init(file: "replicas/\(replica)/\(name)", reason: "oddly named: not a bundle"))
                }
            }
            if !copies.isEmpty {
                let taken = try read { db in
                    try Set(String.fetchAll(
                        db, sql: "SELECT name FROM sync_taken_copies WHERE channel_id = ?", arguments: [channel.channelID]))
                }
                copies.removeAll { taken.contains("\(replica)/\($0)") }
            }
            if !bundles.isEmpty || !copies.isEmpty { work.append((replica, bundles, copies)) }
        }
        let total = work.reduce(0) { $0 + $1.bundles.count + $1.copies.count }
        var done = 0
        var anything = false
        for (replica, bundles, copies) in work {
            var last = consumed[replica] ?? (seq: 0, hash: "")
            var seq = last.seq + 1
            while let names = bundles[seq] {
                // Each file at this place is checked whole; a replayed or
                // forged one beside the real bundle is skipped, and only two
                // genuine bundles at one place (a copied library) stop the chain.
                var genuine: [(file: String, bundle: Bundle)] = []
                for name in names {
                    let file = "replicas/\(replica)/\(name)"
                    do {
                        let bundle = try readBundle(folder.path + "/" + file, key: key)
                        let expected = BundleChain(channel: channel.channelID, seq: seq, previous: seq == 1 ? nil : last.hash)
                        guard bundle.replica == replica, bundle.chain == expected,
                            case .bundle(_, let prefix) = ChannelFolder.classify(name), bundle.hash?.hasPrefix(prefix) == true
                        else {
                            throw MarginaliaError.badBundle(.forged(
                                "its name, replica folder, channel or previous bundle does not match its header (replayed or moved?)"))
                        }
                        genuine.append((file, bundle))
                    } catch {
                        report.skipped.append(.init(file: file, reason: Self.skipReason(error)))
                    }
                }
                guard genuine.count == 1, let (file, bundle) = genuine.first else {
                    for (file, _) in genuine {
                        report.skipped.append(
                            .init(file: file, reason: "two bundles claim place \(seq) of replica \(replica.prefix(8)) (a copied library?); neither is read"))
                    }
                    break
                }
                do {
                    let applied = try write { transaction in
                        let result = try transaction.apply(bundle)
                        try transaction.db.execute(
                            sql: "INSERT OR REPLACE INTO sync_consumed (channel_id, replica_id, bundle_seq, bundle_hash) VALUES (?, ?, ?, ?)",
                            arguments: [channel.channelID, replica, seq, bundle.hash])
                        return result.applied
                    }
                    report.pulled += bundle.operations.count
                    report.applied += applied
                    last = (seq, bundle.hash ?? "")
                    anything = true
                } catch {
                    report.skipped.append(.init(file: file, reason: Self.skipReason(error)))
                    break
                }
                done += 1
                progress(done, total)
                seq += 1
            }
            if let waiting = bundles.keys.filter({ $0 > seq }).min(), bundles[seq] == nil {
                report.skipped.append(
                    .init(file: "replicas/\(replica)/\(bundles[waiting]![0])",
                          reason: "waits for bundle \(seq) of this replica, which has not arrived"))
            }
            for name in copies {
                let file = "replicas/\(replica)/\(name)"
                do {
                    let bundle = try readBundle(folder.path + "/" + file, key: key)
                    guard bundle.replica == replica, bundle.chain?.channel == channel.channelID else {
                        throw MarginaliaError.badBundle(.forged("it belongs to another replica folder or channel"))
                    }
                    let applied = try write { transaction in
                        let result = try transaction.apply(bundle)
                        try transaction.db.execute(
                            sql: "INSERT OR IGNORE INTO sync_taken_copies (channel_id, name) VALUES (?, ?)",
                            arguments: [channel.channelID, "\(replica)/\(name)"])
                        return result.applied
                    }
                    report.pulled += bundle.operations.count
                    report.applied += applied
                } catch {
                    report.skipped.append(.init(file: file, reason: Self.skipReason(error)))
                }
                done += 1
                progress(done, total)
            }
        }
        return anything
    }

    private static func skipReason(_ error: any Error) -> String {
        oneLine(reason(error))
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case MarginaliaError.badBundle(let problem): problem.description
        case let error as MarginaliaError: error.description
        default: LibraryDatabase.reason(error)
        }
    }

    /// Reads, decrypts and verifies a bundle file.
    private func readBundle(_ path: String, key: ChannelKey?) throws -> Bundle {
        var data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw MarginaliaError.unreadableFile(path: path, reason: (error as NSError).localizedDescription)
        }
        switch (key, ChannelKey.isSealed(data)) {
        case (let key?, true):
            guard let plaintext = key.open(data) else {
                throw MarginaliaError.badBundle(
                    .damaged("it cannot be decrypted with the channel's key (cut short, damaged, or sealed with another key)"))
            }
            data = plaintext
        case (.some, false):
            throw MarginaliaError.badBundle(.forged("it is not encrypted, in an encrypted channel"))
        case (nil, true):
            throw MarginaliaError.badBundle(.forged("it is encrypted, in a channel that is not"))
        case (nil, false):
            break
        }
        do {
            return try Bundle.decode(data)
        } catch {
            throw MarginaliaError.badBundle(error)
        }
    }

    // MARK: Writing

    /// Writes this replica's operations that the channel has not had, as
    /// bundles of at most ``operationsPerBundle`` operations.
    private func push(_ folder: ChannelFolder, channel: ChannelDescription, key: ChannelKey?, local: LocalReplica) throws -> Int {
        // A group hears all of this reader's shared work through any one of
        // their machines that joined it, so a machine outside the group (a
        // phone that syncs only the personal channel) is not left out; a
        // machine inside it publishes its own.
        var sources = [local.replicaId]
        if channel.kind == .group {
            let members = Set(try folder.replicaFolders())
            sources += try otherReplicas(of: local).filter { !members.contains($0) }
        }
        var pushed = 0
        for source in sources {
            pushed += try push(from: source, to: folder, channel: channel, key: key, local: local)
        }
        return pushed
    }

    /// This reader's other replicas that this library has heard from.
    private func otherReplicas(of local: LocalReplica) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT replica_id FROM sync_consumed ORDER BY replica_id").filter {
                try $0 != local.replicaId
                    && String.fetchOne(db, sql: "SELECT reader_id FROM operations WHERE replica_id = ? LIMIT 1", arguments: [$0])
                        == local.readerId
            }
        }
    }

    /// Writes the operations of `source` that the channel has not had, as
    /// bundles of this replica's chain of at most ``operationsPerBundle`` operations.
    private func push(
        from source: String, to folder: ChannelFolder, channel: ChannelDescription, key: ChannelKey?, local: LocalReplica
    ) throws -> Int {
        var pushed = 0
        while true {
            let considered = try consideredSeq(channel.channelID, source: source)
            let page = try read { db -> (operations: [LogOperation], through: Int)? in
                let newest = try Int.fetchOne(db, sql: "SELECT max(seq) FROM operations WHERE replica_id = ?", arguments: [source]) ?? 0
                guard newest > considered else { return nil }
                let page = try OperationRecord
                    .filter(Column("replica_id") == source && Column("seq") > considered)
                    .order(Column("seq")).limit(Self.operationsPerBundle)
                    .fetchAll(db).map { try $0.operation() }
                let through = page.last?.id.seq ?? newest
                return (channel.kind == .personal ? page : try Self.shared(page, reader: local.readerId, in: db), through)
            }
            guard let page else { return pushed }
            // An item turning shared brings its history along, so one page
            // may fill several bundles.
            var published = try publishedChain(channel.channelID, replica: local.replicaId)
            for first in stride(from: 0, to: page.operations.count, by: Self.operationsPerBundle) {
                let operations = Array(page.operations[first..<min(first + Self.operationsPerBundle, page.operations.count)])
                let chain = BundleChain(
                    channel: channel.channelID, seq: published.seq + 1, previous: published.seq == 0 ? nil : published.hash)
                let sealed = try read { db in try Self.sealedBundle(of: operations, chain: chain, in: db) }
                // The file first: after a crash here, the next sync finds it
                // in this replica's folder and adopts it.
                _ = try folder.write(
                    bundle: try key?.seal(sealed.data) ?? sealed.data, seq: chain.seq, hash: sealed.hash,
                    replica: local.replicaId)
                published = PublishedChain(seq: chain.seq, hash: sealed.hash)
                try recordPublished(channel.channelID, replica: local.replicaId, published)
                pushed += operations.count
            }
            try recordConsidered(channel.channelID, source: source, through: page.through)
        }
    }

    /// The operations of `page` a group may see: those on items shared now,
    /// and the whole history (by this reader, from any of their replicas) of
    /// items that turned shared in the page, so the group receives them complete.
    static func shared(_ page: [LogOperation], reader: String, in db: Database) throws -> [LogOperation] {
        var visibility: [String: Bool] = [:]
        func isShared(_ kind: EntityKind, _ id: String) throws -> Bool {
            if let known = visibility[id] { return known }
            let value = try String.fetchOne(
                db.cachedStatement(sql: "SELECT visibility FROM \(kind.tableName) WHERE id = ?"), arguments: [id])
            let shared = value == Visibility.shared.rawValue
            visibility[id] = shared
            return shared
        }
        var chosen: [LogOperation] = []
        var seen = Set<OperationID>()
        var completed = Set<String>()
        for operation in page {
            // Making an item private withdraws it: the change itself goes to
            // the group as a tombstone, and nothing of the item after it.
            if operation.change.turnsPrivate {
                if seen.insert(operation.id).inserted { chosen.append(operation) }
                continue
            }
            guard try isShared(operation.entityKind, operation.entityID) else { continue }
            if operation.change.turnsShared, completed.insert(operation.entityID).inserted {
                let history = try OperationRecord.fetchAll(
                    db.cachedStatement(sql: "SELECT * FROM operations WHERE entity_id = ? AND reader_id = ?"),
                    arguments: [operation.entityID, reader])
                for record in history {
                    let earlier = try record.operation()
                    if seen.insert(earlier.id).inserted { chosen.append(earlier) }
                }
            }
            if seen.insert(operation.id).inserted { chosen.append(operation) }
        }
        return chosen
    }

    /// Writes `replicas/<this replica>/acks.json`: the last bundle of each
    /// replica this library has applied from the channel.
    private func writeAcknowledgements(_ folder: ChannelFolder, channel: ChannelDescription, replica: String) throws {
        let rows = try read { db in
            try Row.fetchAll(
                db, sql: "SELECT replica_id, bundle_seq, bundle_hash FROM sync_consumed WHERE channel_id = ? ORDER BY replica_id",
                arguments: [channel.channelID])
        }
        var consumed: [String: JSONValue] = [:]
        for row in rows {
            consumed[row[0]] = ["seq": .int(row[1]), "hash": .string(row[2])]
        }
        let acks: JSONValue = [
            "replica": .string(replica), "consumed": .object(consumed), "updated": .string(Timestamps.iso8601(Date())),
        ]
        let directory = folder.replicaPath(replica)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MarginaliaError.unwritableFile(path: directory, reason: (error as NSError).localizedDescription)
        }
        try AtomicFile.write(Data((acks.prettyJSON + "\n").utf8), to: directory + "/acks.json")
    }

    // MARK: Checking

    /// The bundle chains of every sync folder this library can reach (a
    /// folder not there now is not looked at): its own bundles, from the one
    /// it recorded writing last back to the first, each there and naming the
    /// one before; and the last bundle it applied of each other replica,
    /// where that file is still in the folder, held whole in the log.
    func syncChainProblems() throws -> [String] {
        let local = try read { db in try Self.local(db) }
        var problems: [String] = []
        for remote in try remotes() {
            let path = remote.isGit ? gitClonePath(remote.name) : remote.location
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let folder = ChannelFolder(path: path)
            let key = remote.channelKey.map { ChannelKey(key: SymmetricKey(data: $0)) }
            func bundles(of replica: String) -> [Int: [String]] {
                var found: [Int: [String]] = [:]
                for name in (try? folder.entries(ofReplica: replica)) ?? [] {
                    if case .bundle(let seq, _) = ChannelFolder.classify(name) { found[seq, default: []].append(name) }
                }
                return found
            }
            func problem(_ text: String) { problems.append("sync folder '\(remote.name)': \(text)") }

            // From the bundle recorded last back to the first, each naming the one before.
            let published = try publishedChain(remote.channelID, replica: local.replicaId)
            let own = bundles(of: local.replicaId)
            var (seq, hash) = (published.seq, Optional(published.hash))
            while seq > 0, let expected = hash {
                let bundle = (own[seq] ?? []).lazy.compactMap { name -> Bundle? in
                    guard case .bundle(_, let prefix) = ChannelFolder.classify(name), expected.hasPrefix(prefix) else { return nil }
                    return try? self.readBundle(folder.path + "/replicas/\(local.replicaId)/\(name)", key: key)
                }.first { $0.hash == expected }
                guard let bundle else {
                    problem("this replica's bundle \(seq) is missing or damaged: its chain is broken")
                    break
                }
                if bundle.chain?.channel != remote.channelID || bundle.chain?.seq != seq {
                    problem("this replica's bundle \(seq) names another place in its chain")
                    break
                }
                (seq, hash) = (seq - 1, bundle.chain?.previous)
                if (seq == 0) != (hash == nil) {
                    problem("this replica's bundle \(seq + 1) names \(hash == nil ? "no" : "a") bundle before it")
                }
            }

            let consumed = try read { db in
                try Row.fetchAll(
                    db, sql: "SELECT replica_id, bundle_seq, bundle_hash FROM sync_consumed WHERE channel_id = ?",
                    arguments: [remote.channelID])
            }
            for row in consumed {
                let (replica, seq, hash): (String, Int, String) = (row[0], row[1], row[2])
                for name in bundles(of: replica)[seq] ?? [] {
                    guard case .bundle(_, let prefix) = ChannelFolder.classify(name), hash.hasPrefix(prefix),
                        let bundle = try? readBundle(folder.path + "/replicas/\(replica)/\(name)", key: key),
                        bundle.hash == hash
                    else { continue }
                    if try !holdsExactly(bundle.operations) {
                        problem("bundle \(seq) of replica \(replica.prefix(8)) is recorded as applied but the log lacks some of it")
                    }
                }
            }
        }
        return problems
    }

    // MARK: Bookkeeping

    struct PublishedChain {
        var seq = 0
        var hash = ""
    }

    private func publishedChain(_ channel: String, replica: String) throws -> PublishedChain {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT bundle_seq, bundle_hash FROM sync_published WHERE channel_id = ? AND replica_id = ?",
                    arguments: [channel, replica])
            else { return PublishedChain() }
            return PublishedChain(seq: row[0], hash: row[1])
        }
    }

    private func recordPublished(_ channel: String, replica: String, _ chain: PublishedChain) throws {
        try storage {
            try database.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO sync_published (channel_id, replica_id, bundle_seq, bundle_hash) VALUES (?, ?, ?, ?)",
                    arguments: [channel, replica, chain.seq, chain.hash])
            }
        }
    }

    private func consideredSeq(_ channel: String, source: String) throws -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT operation_seq FROM sync_considered WHERE channel_id = ? AND source_replica = ?",
                arguments: [channel, source]) ?? 0
        }
    }

    private func recordConsidered(_ channel: String, source: String, through: Int) throws {
        try storage {
            try database.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO sync_considered (channel_id, source_replica, operation_seq) VALUES (?, ?, ?)",
                    arguments: [channel, source, through])
            }
        }
    }
}

/// Text for a one-line warning: a file name may hold any character but `/`.
func oneLine(_ text: String) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
}

extension Change {
    /// Whether this change turns an existing item shared. (An item created
    /// shared has no earlier history to publish.)
    var turnsShared: Bool { setsVisibility(.shared) }

    /// Whether this change makes an item private.
    var turnsPrivate: Bool { setsVisibility(.private) }

    private func setsVisibility(_ visibility: Visibility) -> Bool {
        if case .set(let field, let value) = self {
            return field == Field.visibility && value == .string(visibility.rawValue)
        }
        return false
    }
}
