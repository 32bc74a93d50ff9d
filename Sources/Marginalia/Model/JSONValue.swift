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

    func writeCanonical(into out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .int(let i): JSONValue.writeInteger(i, into: &out)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items): JSONValue.writeArray(items, into: &out)
        case .object(let fields): JSONValue.writeObject(fields, into: &out) { $0.writeCanonical(into: &$1) }
        }
    }

    static func writeArray(_ items: [JSONValue], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for index in items.indices {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            items[index].writeCanonical(into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Writes an object with its keys in String order (which the digests of
    /// every library were made with), each value by `writeValue`.
    ///
    /// The order is found on the dictionary's indices in a buffer on the
    /// stack: the log and the digests write many small objects, and
    /// sorting copies of their fields cost an allocation each.
    static func writeObject<Value>(
        _ fields: [String: Value], into out: inout [UInt8], value writeValue: (Value, inout [UInt8]) -> Void
    ) {
        out.append(UInt8(ascii: "{"))
        withUnsafeTemporaryAllocation(of: Dictionary<String, Value>.Index.self, capacity: fields.count) { buffer in
            var order = buffer
            _ = order.initialize(fromContentsOf: fields.indices)
            if order.count > 1 { order.sort { fields.keys[$0] < fields.keys[$1] } }
            for (position, index) in order.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                let (key, value) = fields[index]
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                writeValue(value, &out)
            }
            order.deinitialize()
        }
        out.append(UInt8(ascii: "}"))
    }

    static func writeInteger(_ value: Int, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // 20 digits hold any UInt64.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// Writes a string in quotes, escaping only what JSON requires: quote,
    /// backslash and the control characters below U+0020; everything else,
    /// non-ASCII too, as its UTF-8 bytes. Runs without escapes are copied
    /// whole.
    static func writeString(_ string: String, into out: inout [UInt8]) {
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
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The position of the first such byte at or after `start` (or the end),
    /// and whether the bytes before it are all ASCII.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, isASCII: Bool) {
        var position = start
        var seen: UInt64 = 0
        if let base = bytes.baseAddress {
            while position + 8 <= bytes.count {
                let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
                // The classic tests for a byte below n or equal to zero: exact
                // about whether there is one, which is all this needs.
                let control = (word &- ones &* 0x20) & ~word & highBits
                let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
                let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
                let special = control | ((quote &- ones) & ~quote & highBits) | ((backslash &- ones) & ~backslash & highBits)
                if special != 0 { break }
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
        return (position, seen & highBits == 0)
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
