import Crypto
import Foundation

/// A signed file holding a run of one replica's operations, and the texts
/// they refer to: the simplest way to move work between libraries (mail, a
/// USB stick), and the unit the sync folder is made of.
///
/// The file is UTF-8 JSON lines:
///
/// ```
/// {"format":1,"replica":"…","reader":{"id":"…","name":"Ada","publicKey":"<base64>"},"operations":2,"texts":1,…}
/// {"operation":{"id":"<replica>.1","hlc":…,"reader":"…","kind":"document","entity":"…","change":{…}}}
/// {"text":{"hash":"…","content":"…"}}
/// {"sha256":"<hex of every byte above>","signature":"<base64 Ed25519 signature of that digest>"}
/// ```
///
/// A bundle in a sync folder also names its place in the writing replica's
/// chain for that channel (`"chain":{"channel":…,"seq":N,"previous":"<hash of bundle N-1>"}`),
/// so a reader notices a missing, replayed or forked bundle.
///
/// Reading verifies everything before anything is applied: the format, the
/// digest, the signature, that the signing key is the reader's (its
/// fingerprint is the reader id), that every operation is that reader's, and
/// that every text matches its hash.
public struct Bundle: Sendable, Equatable {
    /// The format this build writes and the newest it reads.
    public static let format = 1

    /// The replica that wrote the bundle.
    public var replica: String
    public var reader: Reader
    /// Operations of `reader`: this replica's, and in a group channel also
    /// those of the reader's other replicas on an item that turned shared here.
    public var operations: [LogOperation]
    /// Normalized texts by SHA-256, for the documents the operations add.
    public var texts: [String: String]
    public var created: String
    /// Where the bundle sits in its replica's chain for a sync channel.
    public var chain: BundleChain?
    /// The SHA-256 (hex) of the bundle's content, as sealed; set by
    /// ``decode(_:)`` and by encoding.
    public internal(set) var hash: String?

    public init(
        replica: String, reader: Reader, operations: [LogOperation], texts: [String: String], created: String,
        chain: BundleChain? = nil
    ) {
        self.replica = replica
        self.reader = reader
        self.operations = operations
        self.texts = texts
        self.created = created
        self.chain = chain
    }

    /// The signed file, and its hash.
    func encoded(signedBy identity: ReaderIdentity) throws -> (data: Data, hash: String) {
        var body = ""
        let seqs = operations.map(\.id.seq)
        let header: JSONValue = [
            "format": .int(Self.format),
            "replica": .string(replica),
            "reader": [
                "id": .string(reader.readerId), "name": .string(reader.name),
                "publicKey": .string(reader.publicKey.base64EncodedString()),
            ],
            "operations": .int(operations.count),
            "texts": .int(texts.count),
            "firstSeq": JSONValue(seqs.min()),
            "lastSeq": JSONValue(seqs.max()),
            "created": .string(created),
            "chain": chain.map { chain in
                ["channel": .string(chain.channel), "seq": .int(chain.seq), "previous": JSONValue(chain.previous)]
            } ?? .null,
        ]
        body += header.canonicalJSON + "\n"
        for operation in operations {
            body += (["operation": operation.jsonValue] as JSONValue).canonicalJSON + "\n"
        }
        for hash in texts.keys.sorted() {
            body += (["text": ["hash": .string(hash), "content": .string(texts[hash]!)]] as JSONValue).canonicalJSON + "\n"
        }
        var data = Data(body.utf8)
        let digest = Data(SHA256.hash(data: data))
        let hash = Identifier.hex(digest)
        let seal: JSONValue = [
            "sha256": .string(hash),
            "signature": .string(try identity.sign(digest).base64EncodedString()),
        ]
        data.append(Data((seal.canonicalJSON + "\n").utf8))
        return (data, hash)
    }

    /// Reads and verifies a bundle file.
    ///
    /// - Throws: ``BundleError`` naming what is wrong; nothing is returned
    ///   from a bundle that does not verify whole.
    public static func decode(_ data: Data) throws(BundleError) -> Bundle {
        guard data.last == UInt8(ascii: "\n") else { throw .incomplete }
        guard let headerEnd = data.firstIndex(of: UInt8(ascii: "\n")) else { throw .incomplete }
        guard let header = JSONValue(parsing: data[data.startIndex..<headerEnd]) else { throw .notABundle }
        guard let format = header["format"]?.intValue else { throw .notABundle }
        guard format <= Self.format else { throw .newerFormat(format) }
        guard format >= 1 else { throw .notABundle }

        // The seal is the last line; the digest covers every byte before it.
        let withoutFinalNewline = data[data.startIndex..<(data.endIndex - 1)]
        guard let sealStart = withoutFinalNewline.lastIndex(of: UInt8(ascii: "\n")).map({ $0 + 1 }),
            sealStart > headerEnd
        else { throw .incomplete }
        guard let seal = JSONValue(parsing: data[sealStart..<(data.endIndex - 1)]), let claimed = seal["sha256"]?.stringValue,
            let signature = seal["signature"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
        else { throw .incomplete }
        let body = data[data.startIndex..<sealStart]
        let digest = Data(SHA256.hash(data: body))
        guard Identifier.hex(digest) == claimed else { throw .damaged("its SHA-256 digest does not match its content") }

        guard let replica = header["replica"]?.stringValue, let readerID = header["reader"]?["id"]?.stringValue,
            let name = header["reader"]?["name"]?.stringValue,
            let publicKey = header["reader"]?["publicKey"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
            let operationCount = header["operations"]?.intValue, let textCount = header["texts"]?.intValue
        else { throw .damaged("its header is incomplete") }
        var chain: BundleChain?
        if let link = header["chain"], link != .null {
            guard let channel = link["channel"]?.stringValue, let seq = link["seq"]?.intValue, seq >= 1 else {
                throw .damaged("its chain link is incomplete")
            }
            chain = BundleChain(channel: channel, seq: seq, previous: link["previous"]?.stringValue)
        }
        guard ReaderIdentity.readerID(publicKey: publicKey) == readerID else {
            throw .forged("its key does not belong to reader \(readerID)")
        }
        guard ReaderIdentity.verify(signature, of: digest, publicKey: publicKey) else {
            throw .forged("its signature does not verify with the key of reader \(readerID)")
        }

        var operations: [LogOperation] = []
        operations.reserveCapacity(max(0, min(operationCount, 10_000_000)))
        var texts: [String: String] = [:]
        // Lines are read from one byte array: slicing Data line by line costs
        // more than parsing the lines.
        let bytes = [UInt8](body)
        var lineStart = headerEnd + 1 - data.startIndex
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n"))!
            guard let line = JSONValue(parsing: bytes[lineStart..<lineEnd]) else { throw .damaged("a line cannot be read") }
            if let value = line["operation"] {
                guard let operation = LogOperation(json: value) else { throw .damaged("an operation cannot be read") }
                guard operation.reader == readerID else {
                    throw .forged("operation \(operation.id) claims another author than the bundle's signer")
                }
                operations.append(operation)
            } else if let text = line["text"], let hash = text["hash"]?.stringValue,
                let content = text["content"]?.stringValue
            {
                guard Identifier.hex(SHA256.hash(data: Data(content.utf8))) == hash else {
                    throw .damaged("a text does not match its hash")
                }
                texts[hash] = content
            } else {
                throw .damaged("a line is neither an operation nor a text")
            }
            lineStart = lineEnd + 1
        }
        guard operations.count == operationCount, texts.count == textCount else {
            throw .damaged("it holds other counts than its header says")
        }
        var bundle = Bundle(
            replica: replica, reader: Reader(readerId: readerID, name: name, publicKey: publicKey),
            operations: operations, texts: texts, created: header["created"]?.stringValue ?? "", chain: chain)
        bundle.hash = claimed
        return bundle
    }
}

/// A bundle's place in the chain its replica writes to one sync channel.
public struct BundleChain: Sendable, Hashable {
    public var channel: String
    /// 1 for the replica's first bundle in the channel, then one more each.
    public var seq: Int
    /// The hash of bundle `seq - 1`; nil for the first.
    public var previous: String?

    public init(channel: String, seq: Int, previous: String?) {
        self.channel = channel
        self.seq = seq
        self.previous = previous
    }
}

/// Why a bundle was refused. Nothing of a refused bundle is applied.
public enum BundleError: Error, Equatable, CustomStringConvertible {
    case notABundle
    case incomplete
    case newerFormat(Int)
    case damaged(String)
    case forged(String)

    public var description: String {
        switch self {
        case .notABundle: "it is not a Marginalia bundle"
        case .incomplete: "it is incomplete (cut short while being written or copied?); fetch it again"
        case .newerFormat(let format):
            "it is in bundle format \(format), newer than this marginalia reads (\(Bundle.format)); upgrade marginalia"
        case .damaged(let reason): "it is damaged: \(reason)"
        case .forged(let reason): "it is refused: \(reason)"
        }
    }
}

extension LogOperation {
    /// The JSON form used in bundles.
    public var jsonValue: JSONValue {
        [
            "id": .string(id.description), "hlc": .int(Int(hlc.rawValue)), "reader": .string(reader),
            "kind": .string(entityKind.rawValue), "entity": .string(entityID), "change": change.jsonValue,
        ]
    }

    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue.flatMap(OperationID.init), let hlc = json["hlc"]?.intValue,
            let reader = json["reader"]?.stringValue, let kind = json["kind"]?.stringValue.flatMap(EntityKind.init),
            let entity = json["entity"]?.stringValue, let change = json["change"].flatMap(Change.init(json:))
        else { return nil }
        self.init(
            id: id, hlc: HLCTimestamp(rawValue: Int64(hlc)), reader: reader, entityKind: kind, entityID: entity,
            change: change)
    }
}
