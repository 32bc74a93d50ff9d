/// Indented JSON written straight into bytes, in the layout of
/// ``JSONValue/prettyJSON`` (JSONEncoder's `.prettyPrinted`: two spaces a
/// level, `"key" : value`, `/` unescaped), for output too large to build as
/// a `JSONValue` tree first.
///
/// The caller writes an object's keys in sorted order, as `prettyJSON` would.
///
/// ```swift
/// var json = PrettyJSONWriter()
/// json.openObject()
/// json.key("id"); json.string("urn:uuid:…")
/// json.closeObject()
/// ```
struct PrettyJSONWriter {
    private var bytes: [UInt8] = []
    private var level = 0
    /// One entry per open container: whether it is an array, and whether it holds nothing yet.
    private var containers: [(isArray: Bool, isEmpty: Bool)] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// The text written, with a final line end; the writer is left empty.
    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "\n"))
        defer { bytes = [] }
        return bytes
    }

    /// Starts an object. A `flat` one does not indent its members further
    /// than its parent's: a chain of nested objects (the pages of an export,
    /// each inside the previous one's `next`) then stays at one depth.
    mutating func openObject(flat: Bool = false) { open("{", flat: flat) }
    mutating func closeObject(flat: Bool = false) { close("}", flat: flat) }
    mutating func openArray() { open("[", flat: false) }
    mutating func closeArray() { close("]", flat: false) }

    /// Starts an object member; its value is written next.
    mutating func key(_ name: String) {
        startElement()
        quoted(name)
        bytes.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: " ")])
    }

    mutating func string(_ value: String) {
        startValue()
        quoted(value)
    }

    mutating func int(_ value: Int) {
        startValue()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A JSON string as JSONEncoder writes it: `"`, `\` and control
    /// characters escaped (`\n`, `\u001b`), everything else as it is.
    private mutating func quoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var clean = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<index]))
                clean = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "r"))
                case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "t"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Before a value: an array element starts a line of its own; an object
    /// member's value follows its key.
    private mutating func startValue() {
        if containers.last?.isArray == true { startElement() }
    }

    private mutating func startElement() {
        guard !containers.isEmpty else { return }
        if !containers[containers.count - 1].isEmpty { bytes.append(UInt8(ascii: ",")) }
        containers[containers.count - 1].isEmpty = false
        bytes.append(UInt8(ascii: "\n"))
        indent()
    }

    private mutating func open(_ bracket: Character, flat: Bool) {
        startValue()
        bytes.append(bracket.asciiValue!)
        containers.append((bracket == "[", true))
        if !flat { level += 1 }
    }

    private mutating func close(_ bracket: Character, flat: Bool) {
        let wasEmpty = containers.removeLast().isEmpty
        if !flat { level -= 1 }
        // JSONEncoder leaves an empty line in an empty container.
        bytes.append(UInt8(ascii: "\n"))
        if wasEmpty { bytes.append(UInt8(ascii: "\n")) }
        if flat { level -= 1 }
        indent()
        if flat { level += 1 }
        bytes.append(bracket.asciiValue!)
    }

    private mutating func indent() {
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
    }
}
