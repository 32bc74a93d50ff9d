/// Indented JSON written straight into bytes, in the layout of
/// ``JSONValue/prettyJSON`` (JSONEncoder's `.prettyPrinted`: two spaces a
/// level, `"key" : value`, `/` unescaped), for output too large to build as
/// a `JSONValue` tree first.
///
/// The caller writes an object's keys in sorted order, as `prettyJSON` would,
/// and hands the bytes written so far to their destination with
/// ``flush(into:)`` whenever it likes: the writer keeps one buffer, whose
/// size is what one flush leaves behind, not the whole output.
///
/// ```swift
/// var json = PrettyJSONWriter()
/// json.openObject()
/// json.key("id"); json.string("urn:uuid:…")
/// json.closeObject()
/// try json.flush(into: output)
/// ```
struct PrettyJSONWriter: ~Copyable {
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var level = 0
    /// The innermost open container: whether it is an array, and whether it holds nothing yet.
    private var isArray = false
    private var isEmpty = true
    /// The containers around it, innermost last: bit 0 is-array, bit 1 is-empty.
    private var outer: [UInt8] = []
    private var depth = 0

    /// A line end followed by the indentation of the deepest levels the writer
    /// indents in one copy; deeper ones are indented a level at a time.
    private static let lineStarts: [UInt8] = [UInt8(ascii: "\n")] + Array(repeating: UInt8(ascii: " "), count: 2 * 32)

    init(capacity: Int = 64 * 1024) {
        self.capacity = max(capacity, 64)
        buffer = .allocate(capacity: self.capacity)
    }

    deinit { buffer.deallocate() }

    /// How many bytes wait to be flushed.
    var pending: Int { count }

    /// Hands the bytes written since the last flush to `output`.
    mutating func flush(into output: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard count > 0 else { return }
        try output(UnsafeRawBufferPointer(start: buffer, count: count))
        count = 0
    }

    /// Ends the text with a line end, as a file of JSON does.
    mutating func finish() { append(UInt8(ascii: "\n")) }

    /// Starts an object; ``closeObject()`` ends it (and so for arrays).
    mutating func openObject() { open(UInt8(ascii: "{"), isArray: false) }
    mutating func closeObject() { close(UInt8(ascii: "}")) }
    mutating func openArray() { open(UInt8(ascii: "["), isArray: true) }
    mutating func closeArray() { close(UInt8(ascii: "]")) }

    /// Starts an object member; its value is written next.
    mutating func key(_ name: String) {
        startElement()
        var name = name
        name.withUTF8 { quoted($0) }
        reserve(3)
        buffer[count] = UInt8(ascii: " ")
        buffer[count + 1] = UInt8(ascii: ":")
        buffer[count + 2] = UInt8(ascii: " ")
        count += 3
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { string(utf8: $0) }
    }

    /// A string given as UTF-8 bytes, with `prefix` before them.
    mutating func string(prefix: StaticString = "", utf8 value: UnsafeBufferPointer<UInt8>) {
        startValue()
        append(UInt8(ascii: "\""))
        escaped(UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        escaped(value)
        append(UInt8(ascii: "\""))
    }

    /// A timestamp as ``HLCTimestamp/description`` writes it.
    mutating func string(_ timestamp: HLCTimestamp) {
        startValue()
        reserve(HLCTimestamp.iso8601Length + 2)
        buffer[count] = UInt8(ascii: "\"")
        if timestamp.iso8601(into: buffer + count + 1) {
            count += HLCTimestamp.iso8601Length + 1
            append(UInt8(ascii: "\""))
        } else {
            count += 1
            var text = timestamp.description
            text.withUTF8 { escaped($0) }
            append(UInt8(ascii: "\""))
        }
    }

    mutating func int(_ value: Int) {
        startValue()
        // Digits from the last, into the end of a space large enough for any Int.
        reserve(20)
        var digits = (0 as UInt8, 0 as UInt64, 0 as UInt64, 0 as UInt64)
        withUnsafeMutableBytes(of: &digits) { space in
            var magnitude = value.magnitude
            var start = space.count
            repeat {
                start -= 1
                space[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                space[start] = UInt8(ascii: "-")
            }
            (buffer + count).update(from: space.baseAddress!.assumingMemoryBound(to: UInt8.self) + start, count: space.count - start)
            count += space.count - start
        }
    }

    /// A JSON string as JSONEncoder writes it: `"`, `\` and control
    /// characters escaped (`\n`, `\u001b`), everything else as it is.
    private mutating func quoted(_ value: UnsafeBufferPointer<UInt8>) {
        append(UInt8(ascii: "\""))
        escaped(value)
        append(UInt8(ascii: "\""))
    }

    /// The inside of a JSON string: runs that need no escape are copied
    /// whole, found eight bytes at a time.
    private mutating func escaped(_ value: UnsafeBufferPointer<UInt8>) {
        guard let base = value.baseAddress else { return }
        var clean = 0
        var index = 0
        while index < value.count {
            if index + 8 <= value.count,
                !JSONStringBytes.needsEscape(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            {
                index += 8
                continue
            }
            let byte = base[index]
            index += 1
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            append(base + clean, count: index - 1 - clean)
            clean = index
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): append(UInt8(ascii: "\\"), byte)
            case 0x08: append(UInt8(ascii: "\\"), UInt8(ascii: "b"))
            case 0x0C: append(UInt8(ascii: "\\"), UInt8(ascii: "f"))
            case UInt8(ascii: "\n"): append(UInt8(ascii: "\\"), UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): append(UInt8(ascii: "\\"), UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): append(UInt8(ascii: "\\"), UInt8(ascii: "t"))
            default:
                let hex: StaticString = "0123456789abcdef"
                append(UInt8(ascii: "\\"), UInt8(ascii: "u"))
                append(UInt8(ascii: "0"), UInt8(ascii: "0"))
                append(hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0xF)])
            }
        }
        append(base + clean, count: value.count - clean)
    }

    /// Before a value: an array element starts a line of its own; an object
    /// member's value follows its key.
    private mutating func startValue() {
        if isArray { startElement() }
    }

    private mutating func startElement() {
        guard depth > 0 else { return }
        if !isEmpty { append(UInt8(ascii: ",")) }
        isEmpty = false
        newLine()
    }

    private mutating func open(_ bracket: UInt8, isArray: Bool) {
        startValue()
        append(bracket)
        if depth > 0 { outer.append((self.isArray ? 1 : 0) | (isEmpty ? 2 : 0)) }
        depth += 1
        self.isArray = isArray
        isEmpty = true
        level += 1
    }

    private mutating func close(_ bracket: UInt8) {
        let wasEmpty = isEmpty
        depth -= 1
        if depth > 0 {
            let state = outer.removeLast()
            isArray = state & 1 != 0
            isEmpty = state & 2 != 0
        }
        level -= 1
        // JSONEncoder leaves an empty line in an empty container.
        if wasEmpty { append(UInt8(ascii: "\n")) }
        newLine()
        append(bracket)
    }

    /// A line end and the indentation of the current level.
    private mutating func newLine() {
        let length = 1 + 2 * level
        if length <= Self.lineStarts.count {
            Self.lineStarts.withUnsafeBufferPointer { append($0.baseAddress!, count: length) }
        } else {
            append(UInt8(ascii: "\n"))
            for _ in 0..<level { append(UInt8(ascii: " "), UInt8(ascii: " ")) }
        }
    }

    private mutating func reserve(_ more: Int) {
        guard count + more > capacity else { return }
        let larger = max(2 * capacity, count + more)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = moved
        capacity = larger
    }

    private mutating func append(_ byte: UInt8) {
        reserve(1)
        buffer[count] = byte
        count += 1
    }

    private mutating func append(_ first: UInt8, _ second: UInt8) {
        reserve(2)
        buffer[count] = first
        buffer[count + 1] = second
        count += 2
    }

    private mutating func append(_ bytes: UnsafePointer<UInt8>, count length: Int) {
        guard length > 0 else { return }
        reserve(length)
        (buffer + count).update(from: bytes, count: length)
        count += length
    }
}
