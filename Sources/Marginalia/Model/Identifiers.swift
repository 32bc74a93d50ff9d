import Foundation

/// Random identifiers for entities and replicas.
///
/// Entity ids are 128 random bits written as 32 lowercase hex digits. They
/// are random from the first digit on (not time-ordered as UUIDv7 would be)
/// so that the short prefixes people type, as in git, are unique.
///
/// ```swift
/// let id = Identifier.newEntityID()   // "9f2c4e1ab0..." (32 hex digits)
/// ```
public enum Identifier {
    /// A new random 128-bit entity id.
    public static func newEntityID() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<16).map { _ in generator.next() })
    }

    /// A new random 128-bit replica id.
    public static func newReplicaID() -> String { newEntityID() }

    /// Lowercase hexadecimal of `bytes`.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `slug` may name a document (`--id`): 1 to 64 of `a-z 0-9 . _ -`,
    /// starting with a letter or digit.
    public static func isValidSlug(_ slug: String) -> Bool {
        guard let first = slug.utf8.first, slug.utf8.count <= 64 else { return false }
        func allowed(_ c: UInt8) -> Bool {
            (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2e || c == 0x5f || c == 0x2d
        }
        return allowed(first) && first != 0x2e && first != 0x5f && first != 0x2d && slug.utf8.allSatisfy(allowed)
    }
}
