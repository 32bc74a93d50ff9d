import Foundation

/// A JSON value: the payload type of register writes and set elements.
///
/// Operations carry field values as `JSONValue` so the merge engine can stay
/// ignorant of what a field means. Its canonical encoding (sorted keys, no
/// insignificant whitespace) is what the state hash digests.
///
/// ```swift
/// let value: JSONValue = ["start": 10, "end": 24]
/// value["start"]?.intValue // 10
/// ```
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var intValue: Int? { if case .int(let i) = self { i } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var isNull: Bool { self == .null }

    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { fields[key] } else { nil }
    }

    /// The canonical JSON text of the value: sorted keys, no whitespace.
    public var canonicalJSON: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// ``canonicalJSON`` as UTF-8 bytes, which digests and signatures cover.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        writeCanonical(into: &out)
        return out
    }

    private func writeCanonical(into out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): out += String(i).utf8
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items): JSONValue.writeArray(items, into: &out)
        case .object(let fields): JSONValue.writeObject(fields, into: &out)
        }
    }

    private static func writeArray(_ items: [JSONValue], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for index in items.indices {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            items[index].writeCanonical(into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Writes an object with its keys in String order (which the digests of
    /// every library were made with).
    ///
    /// The order is found on the dictionary's indices in a buffer on the
    /// stack: the log and the digests write many small objects, and
    /// sorting copies of their fields cost an allocation each.
    private static func writeObject(_ fields: [String: JSONValue], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        withUnsafeTemporaryAllocation(of: Dictionary<String, JSONValue>.Index.self, capacity: fields.count) { buffer in
            var order = buffer
            _ = order.initialize(fromContentsOf: fields.indices)
            if order.count > 1 { order.sort { fields.keys[$0] < fields.keys[$1] } }
            for (position, index) in order.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                let (key, value) = fields[index]
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.writeCanonical(into: &out)
            }
            order.deinitialize()
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Writes a string in quotes, escaping only what JSON requires: quote,
    /// backslash and the control characters below U+0020; everything else,
    /// non-ASCII too, as its UTF-8 bytes. Runs without escapes are copied
    /// whole.
    private static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            while true {
                let position = JSONStringBytes.scan(bytes, from: runStart).end
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                guard position < bytes.count else { break }
                let byte = bytes[position]
                runStart = position + 1
                switch byte {
                case UInt8(ascii: "\""): out += #"\""#.utf8
                case UInt8(ascii: "\\"): out += #"\\"#.utf8
                case UInt8(ascii: "\n"): out += #"\n"#.utf8
                case UInt8(ascii: "\r"): out += #"\r"#.utf8
                case UInt8(ascii: "\t"): out += #"\t"#.utf8
                default:
                    // \u00XX in lower-case hex; the byte is below 0x20.
                    let low = byte & 0x0F
                    out += #"\u00"#.utf8
                    out.append(UInt8(ascii: "0") + byte >> 4)
                    out.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Finds, eight bytes at a time, where a run of string content ends: at
/// the bytes JSON must escape (a quote, a backslash, a control character),
/// which end a string or start an escape when reading and need one when
/// writing.
enum JSONStringBytes {
    /// The position of the first such byte at or after `start` (or the end),
    /// and whether the bytes before it are all ASCII.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, isASCII: Bool) {
        var position = start
        var seen: UInt64 = 0
        if let base = bytes.baseAddress {
            while position + 8 <= bytes.count {
                let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
                if needsEscape(word) { break }
                seen |= word
                position += 8
            }
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
            seen |= UInt64(byte)
            position += 1
        }
        return (position, seen & 0x8080_8080_8080_8080 == 0)
    }

    /// Whether one of the eight bytes of `word` needs an escape: a byte
    /// below 0x20, a quote or a backslash (exact, by the bit tricks that find
    /// a byte below a bound and a zero byte).
    static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highBits != 0 }
        let hasControl = (word &- ones &* 0x20) & ~word & highBits != 0
        return hasControl || hasZeroByte(word ^ (ones &* UInt64(UInt8(ascii: "\""))))
            || hasZeroByte(word ^ (ones &* UInt64(UInt8(ascii: "\\"))))
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int.self) {
            self = .int(i)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? container.decode([String: JSONValue].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unsupported JSON value (fractions are not used)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .int(let i): try container.encode(i)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
    /// `.string(value)` or `.null` when the value is absent.
    public init(_ value: String?) { self = value.map(JSONValue.string) ?? .null }
    /// `.int(value)` or `.null` when the value is absent.
    public init(_ value: Int?) { self = value.map(JSONValue.int) ?? .null }
}
