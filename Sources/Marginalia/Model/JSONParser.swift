/// A strict, fast JSON reader for ``JSONValue``.
///
/// The log stores every change as JSON and a bundle holds one JSON line per
/// operation, so reading JSON is on the hot path of every command and of
/// every sync. This reader works on UTF-8 bytes directly and accepts exactly
/// the JSON that ``JSONValue`` can hold: integers but no fractions.
extension JSONValue {
    /// Parses JSON text, or returns nil for anything that is not one complete
    /// JSON value.
    public init?<Bytes: Collection<UInt8>>(parsing bytes: Bytes) {
        let parsed: JSONValue?? = bytes.withContiguousStorageIfAvailable { buffer in
            var parser = JSONBytesParser(buffer)
            return parser.parseDocument()
        }
        if let parsed {
            guard let value = parsed else { return nil }
            self = value
        } else {
            let copy = Array(bytes)
            guard let value = copy.withUnsafeBufferPointer({ buffer -> JSONValue? in
                var parser = JSONBytesParser(buffer)
                return parser.parseDocument()
            }) else { return nil }
            self = value
        }
    }

    /// Parses JSON text held in a string.
    public init?(parsing text: String) {
        var text = text
        guard let value = text.withUTF8({ JSONValue(parsing: $0) }) else { return nil }
        self = value
    }
}

private struct JSONBytesParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0
    /// Items of the arrays being read, innermost last: each array is made
    /// once at its full size from its part of this stack.
    var pendingItems: [JSONValue] = []
    /// Fields of the objects being read, innermost last, likewise.
    var pendingFields: [(key: String, value: JSONValue)] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parseDocument() -> JSONValue? {
        guard let value = parseValue() else { return nil }
        skipWhitespace()
        // Not `nil` alone: JSONValue is ExpressibleByNilLiteral, and the
        // literal would be read as `.null`.
        return index == bytes.count ? value : JSONValue?.none
    }

    mutating func skipWhitespace() {
        // Indentation comes eight spaces at a time.
        if let base = bytes.baseAddress {
            while index + 8 <= bytes.count, UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) == 0x2020_2020_2020_2020 {
                index += 8
            }
        }
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0a, 0x0d, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() -> JSONValue? {
        skipWhitespace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"): return parseObject()
        case UInt8(ascii: "["): return parseArray()
        case UInt8(ascii: "\""): return parseString().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true", .bool(true))
        case UInt8(ascii: "f"): return literal("false", .bool(false))
        case UInt8(ascii: "n"): return literal("null", .null)
        default: return parseInteger()
        }
    }

    mutating func literal(_ word: StaticString, _ value: JSONValue) -> JSONValue? {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return nil }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return nil }
        index += count
        return value
    }

    mutating func parseInteger() -> JSONValue? {
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let start = index
        var magnitude: UInt64 = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(bytes[index] - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            magnitude = sum
            index += 1
        }
        let digits = index - start
        guard digits > 0, !(digits > 1 && bytes[start] == 0x30) else { return nil }
        // Fractions and exponents are not part of what Marginalia writes.
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
            default: break
            }
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return .int(magnitude == UInt64(Int64.max) + 1 ? Int.min : -Int(magnitude))
        }
        guard magnitude <= UInt64(Int.max) else { return nil }
        return .int(Int(magnitude))
    }

    mutating func parseString() -> String? {
        index += 1  // the opening quote
        let start = index
        // Fast path: no escapes.
        let (end, isASCII) = JSONStringBytes.scan(bytes, from: start)
        index = end
        if index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // ASCII is valid UTF-8 as it is, and skips the validating reader.
                return isASCII ? String(decoding: slice, as: UTF8.self) : String(validating: slice, as: UTF8.self)
            }
            if byte < 0x20 { return nil }
        }
        var scalars = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(validating: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append(0x22)
                case UInt8(ascii: "\\"): scalars.append(0x5c)
                case UInt8(ascii: "/"): scalars.append(0x2f)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0c)
                case UInt8(ascii: "n"): scalars.append(0x0a)
                case UInt8(ascii: "r"): scalars.append(0x0d)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(code) {
                        // A high surrogate must be followed by an escaped low one.
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { return nil }
                        index += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    scalars.append(contentsOf: UTF8.encode(scalar)!)
                default: return nil
                }
            default:
                if byte < 0x20 { return nil }
                scalars.append(byte)
                index += 1
            }
        }
        return nil
    }

    mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    mutating func parseArray() -> JSONValue? {
        guard depth < 512 else { return nil }
        depth += 1
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array([])
        }
        let first = pendingItems.count
        defer { pendingItems.removeSubrange(first...) }
        while true {
            guard let item = parseValue() else { return nil }
            pendingItems.append(item)
            skipWhitespace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(Array(pendingItems[first...]))
            } else {
                return nil
            }
        }
    }

    mutating func parseObject() -> JSONValue? {
        guard depth < 512 else { return nil }
        depth += 1
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object([:])
        }
        let first = pendingFields.count
        defer { pendingFields.removeSubrange(first...) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = parseString() else { return nil }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            guard let value = parseValue() else { return nil }
            pendingFields.append((key, value))
            skipWhitespace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                // A repeated key keeps its last value.
                var fields = [String: JSONValue](minimumCapacity: pendingFields.count - first)
                for (key, value) in pendingFields[first...] { fields[key] = value }
                return .object(fields)
            } else {
                return nil
            }
        }
    }
}

extension JSONValue {
    /// The byte offset where reading `bytes` as JSON fails, or nil when
    /// they are JSON this reader accepts: for messages that name a line.
    public static func syntaxErrorOffset(in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONBytesParser(buffer)
            return parser.parseDocument() == nil ? min(parser.index, buffer.count) : nil
        }
    }
}
