import Crypto
import Foundation
import _CryptoExtras

/// How a channel's bundles are encrypted, as `marginalia-sync.json` says.
///
/// A personal channel's key comes from its reader's secret key (HKDF), so
/// only that reader's machines can read it. A group channel's key comes from
/// a passphrase the group shares (scrypt, with the salt and cost stored in
/// the channel file). Either way the file also holds a check value, so a
/// wrong passphrase is reported before anything is read or written.
public enum ChannelEncryption: Sendable, Hashable {
    case personal(check: Data)
    case passphrase(salt: Data, rounds: Int, blockSize: Int, parallelism: Int, check: Data)

    /// scrypt's cost for new channels: 2^15 rounds of 8 blocks, about 32 MiB
    /// and a tenth of a second once per sync.
    static let rounds = 1 << 15
    static let blockSize = 8

    var jsonValue: JSONValue {
        switch self {
        case .personal(let check):
            ["scheme": "hkdf-sha256+chachapoly", "check": .string(check.base64EncodedString())]
        case .passphrase(let salt, let rounds, let blockSize, let parallelism, let check):
            [
                "scheme": "scrypt+chachapoly", "salt": .string(salt.base64EncodedString()), "rounds": .int(rounds),
                "blockSize": .int(blockSize), "parallelism": .int(parallelism), "check": .string(check.base64EncodedString()),
            ]
        }
    }

    init?(json: JSONValue) {
        guard let check = json["check"]?.stringValue.flatMap({ Data(base64Encoded: $0) }) else { return nil }
        switch json["scheme"]?.stringValue {
        case "hkdf-sha256+chachapoly":
            self = .personal(check: check)
        case "scrypt+chachapoly":
            guard let salt = json["salt"]?.stringValue.flatMap({ Data(base64Encoded: $0) }), let rounds = json["rounds"]?.intValue,
                let blockSize = json["blockSize"]?.intValue, let parallelism = json["parallelism"]?.intValue,
                rounds > 1, rounds.nonzeroBitCount == 1, rounds <= 1 << 22, (1...64).contains(blockSize), (1...16).contains(parallelism)
            else { return nil }
            self = .passphrase(salt: salt, rounds: rounds, blockSize: blockSize, parallelism: parallelism, check: check)
        default:
            return nil
        }
    }

    var check: Data {
        switch self {
        case .personal(let check), .passphrase(_, _, _, _, let check): check
        }
    }
}

/// The symmetric key of an encrypted channel, and the sealing of its files.
///
/// An encrypted file is one JSON line that says so, then the ChaChaPoly box
/// (nonce, ciphertext, tag) of the signed bundle: the name and that line
/// reveal nothing but the format.
struct ChannelKey {
    let key: SymmetricKey

    static let header = Data("{\"encrypted\":\"chachapoly\",\"format\":1}\n".utf8)

    /// The key of a personal channel of the reader who holds `secretKey`.
    static func personal(secretKey: Data, channelID: String) -> ChannelKey {
        ChannelKey(
            key: HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: secretKey), salt: Data(channelID.utf8),
                info: Data("marginalia personal channel".utf8), outputByteCount: 32))
    }

    /// The key a group passphrase gives with these scrypt parameters.
    static func passphrase(
        _ passphrase: String, salt: Data, rounds: Int, blockSize: Int, parallelism: Int
    ) throws(MarginaliaError) -> ChannelKey {
        do {
            return ChannelKey(
                key: try KDF.Scrypt.deriveKey(
                    from: Data(passphrase.utf8), salt: salt, outputByteCount: 32, rounds: rounds, blockSize: blockSize,
                    parallelism: parallelism))
        } catch {
            throw .invalidInput(
                "the channel's key could not be derived from the parameters in its marginalia-sync.json, which may be damaged; "
                    + "copy that file again from a machine that syncs")
        }
    }

    /// A value stored beside the parameters, to tell a wrong key at once.
    var check: Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("marginalia channel key check".utf8), using: key)).prefix(16)
    }

    func seal(_ plaintext: Data) throws -> Data {
        Self.header + (try ChaChaPoly.seal(plaintext, using: key).combined)
    }

    /// The plaintext of a sealed file; nil when the key does not open it
    /// (damaged, or sealed with another key).
    func open(_ sealed: Data) -> Data? {
        guard sealed.starts(with: Self.header),
            let box = try? ChaChaPoly.SealedBox(combined: sealed.dropFirst(Self.header.count))
        else { return nil }
        return try? ChaChaPoly.open(box, using: key)
    }

    static func isSealed(_ data: Data) -> Bool { data.starts(with: header) }
}
