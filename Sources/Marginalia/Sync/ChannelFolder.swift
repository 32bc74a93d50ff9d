import Crypto
import Foundation

/// Whose operations a channel carries.
public enum ChannelKind: String, Sendable, CaseIterable {
    /// Every operation of one reader, private ones included, between that
    /// reader's machines.
    case personal
    /// Only shared items, between the readers of a group.
    case group
}

/// The `marginalia-sync.json` at the top of a sync folder.
public struct ChannelDescription: Sendable, Hashable {
    /// The folder format this build writes and the newest it reads.
    public static let format = 1
    public static let fileName = "marginalia-sync.json"

    public var kind: ChannelKind
    public var channelID: String
    /// The reader a personal channel belongs to.
    public var owner: String?
    public var created: String
    public var encryption: ChannelEncryption?

    var jsonValue: JSONValue {
        [
            "format": .int(Self.format), "kind": .string(kind.rawValue), "channel": .string(channelID),
            "owner": JSONValue(owner), "created": .string(created), "encryption": encryption?.jsonValue ?? .null,
        ]
    }

    init(kind: ChannelKind, channelID: String, owner: String?, created: String, encryption: ChannelEncryption?) {
        self.kind = kind
        self.channelID = channelID
        self.owner = owner
        self.created = created
        self.encryption = encryption
    }

    init(file data: Data, path: String) throws(MarginaliaError) {
        guard let json = JSONValue(parsing: data), let format = json["format"]?.intValue,
            let kind = json["kind"]?.stringValue.flatMap(ChannelKind.init), let channel = json["channel"]?.stringValue,
            ChannelFolder.isIdentifier(channel)
        else {
            throw .invalidInput("\(path) is damaged: it does not describe a Marginalia sync channel")
        }
        guard format <= Self.format else {
            throw .invalidInput("\(path) is sync format \(format), newer than this marginalia reads (\(Self.format)); upgrade marginalia")
        }
        var encryption: ChannelEncryption?
        if let field = json["encryption"], field != .null {
            guard let known = ChannelEncryption(json: field) else {
                throw .invalidInput("\(path) uses an encryption this marginalia does not know; upgrade marginalia")
            }
            encryption = known
        }
        self.init(
            kind: kind, channelID: channel, owner: json["owner"]?.stringValue, created: json["created"]?.stringValue ?? "",
            encryption: encryption)
    }
}

/// A sync folder's files, as DESIGN section 5 lays them out:
///
/// ```
/// marginalia-sync.json
/// readers/<reader-id>.json
/// replicas/<replica-id>/<bundle seq, 12 digits>-<16 hex digits of its hash>.bundle
/// replicas/<replica-id>/acks.json
/// ```
///
/// Each replica writes only in its own folder, and only whole files.
struct ChannelFolder {
    let path: String

    var descriptionPath: String { path + "/" + ChannelDescription.fileName }
    var replicasPath: String { path + "/replicas" }
    func replicaPath(_ replica: String) -> String { replicasPath + "/" + replica }

    /// The channel's description; an error that says what to do when the
    /// folder is missing, unreadable or not a channel.
    func description() throws(MarginaliaError) -> ChannelDescription {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            throw .syncFolderMissing(path: path)
        }
        guard let data = FileManager.default.contents(atPath: descriptionPath) else {
            if FileManager.default.isReadableFile(atPath: path) == false {
                throw .unreadableFile(path: path, reason: "permission denied")
            }
            throw .invalidInput(
                "\(path) is not a Marginalia sync folder (it has no \(ChannelDescription.fileName)); "
                    + "`marginalia remote add NAME \(path) --personal|--group` starts a channel in it")
        }
        return try ChannelDescription(file: data, path: descriptionPath)
    }

    /// Starts a new channel in an empty (or missing) folder.
    func create(_ description: ChannelDescription) throws(MarginaliaError) {
        let manager = FileManager.default
        if let entries = try? manager.contentsOfDirectory(atPath: path), entries.contains(where: { !$0.hasPrefix(".") }) {
            throw .invalidInput(
                "\(path) is neither empty nor a Marginalia sync folder; choose an empty folder for a new channel")
        }
        do {
            try manager.createDirectory(atPath: replicasPath, withIntermediateDirectories: true)
            try manager.createDirectory(atPath: path + "/readers", withIntermediateDirectories: true)
        } catch {
            throw .unwritableFile(path: path, reason: (error as NSError).localizedDescription)
        }
        try AtomicFile.write(Data((description.jsonValue.prettyJSON + "\n").utf8), to: descriptionPath)
    }

    /// The names under `replicas/`.
    func replicaFolders() throws(MarginaliaError) -> [String] { try Self.names(in: replicasPath) }

    /// The names in one replica's folder.
    func entries(ofReplica replica: String) throws(MarginaliaError) -> [String] {
        try Self.names(in: replicaPath(replica))
    }

    /// The names in a folder; none when it does not exist (yet).
    private static func names(in folder: String) throws(MarginaliaError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            if !FileManager.default.fileExists(atPath: folder) { return [] }
            throw .unreadableFile(path: folder, reason: (error as NSError).localizedDescription)
        }
    }

    /// Writes a bundle of this replica under its chain name.
    func write(bundle data: Data, seq: Int, hash: String, replica: String) throws(MarginaliaError) -> String {
        let folder = replicaPath(replica)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .unwritableFile(path: folder, reason: (error as NSError).localizedDescription)
        }
        let name = Self.bundleName(seq: seq, hash: hash)
        try AtomicFile.write(data, to: folder + "/" + name)
        return name
    }

    /// Publishes the reader's public key and name, self-signed, once.
    func publish(reader: ReaderIdentity) throws(MarginaliaError) {
        let file = path + "/readers/" + reader.readerID + ".json"
        // Rewritten when missing, renamed, or forged by someone else.
        if let published = try? self.reader(reader.readerID), published.name == reader.name,
            published.publicKey == reader.publicKey
        {
            return
        }
        var fields: [String: JSONValue] = [
            "readerId": .string(reader.readerID), "name": .string(reader.name),
            "publicKey": .string(reader.publicKey.base64EncodedString()),
        ]
        do {
            try FileManager.default.createDirectory(atPath: path + "/readers", withIntermediateDirectories: true)
            let signature = try reader.sign(Data(JSONValue.object(fields).canonicalJSON.utf8))
            fields["signature"] = .string(signature.base64EncodedString())
        } catch {
            throw .unwritableFile(path: file, reason: (error as NSError).localizedDescription)
        }
        try AtomicFile.write(Data((JSONValue.object(fields).prettyJSON + "\n").utf8), to: file)
    }

    /// The names under `readers/`.
    func readerFiles() throws(MarginaliaError) -> [String] { try Self.names(in: path + "/readers") }

    /// A reader's published file, verified: its key's fingerprint is its id
    /// and it is signed by that key.
    func reader(_ id: String) throws(MarginaliaError) -> Reader {
        let file = path + "/readers/" + id + ".json"
        guard let data = FileManager.default.contents(atPath: file), let json = JSONValue(parsing: data),
            let name = json["name"]?.stringValue, let claimed = json["readerId"]?.stringValue,
            let publicKey = json["publicKey"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
            let signature = json["signature"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
        else {
            throw .invalidInput("it is damaged: the reader file cannot be read")
        }
        guard claimed == id, ReaderIdentity.readerID(publicKey: publicKey) == id else {
            throw .invalidInput("it is refused: its key does not belong to reader \(id)")
        }
        let signed: JSONValue = ["readerId": .string(id), "name": .string(name), "publicKey": .string(publicKey.base64EncodedString())]
        guard ReaderIdentity.verify(signature, of: Data(signed.canonicalJSON.utf8), publicKey: publicKey) else {
            throw .invalidInput("it is refused: its signature does not verify with its own key")
        }
        return Reader(readerId: id, name: name, publicKey: publicKey)
    }

    // MARK: Names

    static func bundleName(seq: Int, hash: String) -> String {
        String(format: "%012d", seq) + "-" + hash.prefix(16) + ".bundle"
    }

    /// What a name in a replica's folder is.
    enum Entry: Equatable {
        case bundle(seq: Int, hashPrefix: String)
        /// A copy a carrier made when two machines wrote one name: its
        /// operations are taken, its place in the chain is not.
        case conflictCopy
        case acknowledgements
        /// A carrier's or our own file in the making.
        case temporary
        case odd
    }

    static func classify(_ name: String) -> Entry {
        if name.hasPrefix(".syncthing.") || name.hasPrefix("~syncthing~") || name.hasPrefix(AtomicFile.temporaryPrefix)
            || name.hasSuffix(".tmp") || name.hasPrefix(".dropbox") || name == ".DS_Store"
        {
            return .temporary
        }
        // A carrier's conflict copy of acks.json is as harmless as the file.
        if name.hasPrefix("acks"), name.hasSuffix(".json") { return .acknowledgements }
        guard name.hasSuffix(".bundle") else { return .odd }
        let stem = name.dropLast(".bundle".count)
        if let (seq, prefix) = chainName(stem) { return .bundle(seq: seq, hashPrefix: prefix) }
        // "000000000003-ab… (Bo's conflicted copy 2026-11-29)" from Dropbox,
        // "000000000003-ab….sync-conflict-20261129-101010-ABCDEFG" from Syncthing.
        let base = stem.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
        let syncthingBase = stem.range(of: ".sync-conflict-").map { String(stem[..<$0.lowerBound]) }
        if stem.contains("conflicted copy"), chainName(Substring(base)) != nil { return .conflictCopy }
        if let syncthingBase, chainName(Substring(syncthingBase)) != nil { return .conflictCopy }
        return .odd
    }

    private static func chainName(_ stem: Substring) -> (Int, String)? {
        let parts = stem.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 12, parts[1].count == 16, parts[0].utf8.allSatisfy(\.isDigit),
            parts[1].utf8.allSatisfy(\.isLowercaseHexDigit), let seq = Int(parts[0]), seq >= 1
        else { return nil }
        return (seq, String(parts[1]))
    }

    /// Replica, channel and reader ids: 32 lowercase hex digits.
    static func isIdentifier(_ name: String) -> Bool {
        name.utf8.count == 32 && name.utf8.allSatisfy(\.isLowercaseHexDigit)
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isLowercaseHexDigit: Bool { isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f")) }
}
