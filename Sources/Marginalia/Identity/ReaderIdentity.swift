import Crypto
import Foundation

/// A reader's signing identity: an Ed25519 key pair and a display name.
///
/// The reader id is the first 16 bytes of SHA-256 of the public key, in hex,
/// so nobody can claim an id without holding its key.
///
/// ```swift
/// let identity = ReaderIdentity.generate(name: "Ada")
/// identity.readerID   // 32 hex digits
/// ```
public struct ReaderIdentity: Sendable {
    public var name: String
    public let publicKey: Data
    let secretKey: Data

    /// A new random key pair.
    public static func generate(name: String) -> ReaderIdentity {
        let key = Curve25519.Signing.PrivateKey()
        return ReaderIdentity(name: name, publicKey: key.publicKey.rawRepresentation, secretKey: key.rawRepresentation)
    }

    public var readerID: String { Self.readerID(publicKey: publicKey) }

    /// The reader id that belongs to a public key.
    public static func readerID(publicKey: Data) -> String {
        Identifier.hex(SHA256.hash(data: publicKey).prefix(16))
    }

    /// Signs `data` with the reader's secret key.
    public func sign(_ data: Data) throws -> Data {
        try Curve25519.Signing.PrivateKey(rawRepresentation: secretKey).signature(for: data)
    }

    /// Whether `signature` over `data` was made by the holder of `publicKey`.
    public static func verify(_ signature: Data, of data: Data, publicKey: Data) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: data)
    }
}

extension ReaderIdentity {
    /// The identity as a file that `init --identity` reads on another
    /// machine: the same reader, writing as a new replica.
    ///
    /// The file holds the secret key; whoever has it can write as this reader.
    public var exportedFile: Data {
        let file: JSONValue = [
            "format": 1, "kind": "marginalia-identity", "readerId": .string(readerID), "name": .string(name),
            "publicKey": .string(publicKey.base64EncodedString()), "secretKey": .string(secretKey.base64EncodedString()),
        ]
        return Data((file.prettyJSON + "\n").utf8)
    }

    /// Reads a file written by ``exportedFile``, checking that its keys belong together.
    public init(exportedFile data: Data) throws(MarginaliaError) {
        guard let file = JSONValue(parsing: data), file["kind"]?.stringValue == "marginalia-identity" else {
            throw .invalidInput("this is not an identity file from `marginalia identity export`")
        }
        guard let format = file["format"]?.intValue, format <= 1 else {
            throw .invalidInput("this identity file is from a newer marginalia; upgrade marginalia to read it")
        }
        guard let name = file["name"]?.stringValue, let readerID = file["readerId"]?.stringValue,
            let publicKey = file["publicKey"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
            let secretKey = file["secretKey"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: secretKey),
            key.publicKey.rawRepresentation == publicKey, Self.readerID(publicKey: publicKey) == readerID
        else {
            throw .invalidInput("the identity file is damaged: its keys and reader id do not belong together")
        }
        self.init(name: name, publicKey: publicKey, secretKey: secretKey)
    }
}
