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
