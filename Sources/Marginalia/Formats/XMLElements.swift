import Foundation

/// The elements of a small XML document (an EPUB's `container.xml` and
/// package document), flattened in document order: each with its local name
/// (no namespace prefix), its attributes by local name, and its text.
///
/// Reads UTF-8 (a byte-order mark is skipped) in one pass over the bytes, so
/// its time is linear in the document's length whatever it holds. It reads
/// the XML declaration, comments and processing instructions (skipped), a
/// DOCTYPE (skipped, internal subset included), CDATA sections, attributes
/// in single or double quotes, self-closing tags, and in text and attribute
/// values the five predefined entities and numeric character references.
/// Namespace declarations (`xmlns`, `xmlns:…`) are not reported as
/// attributes; when two attributes of a tag share a local name, the first
/// one counts. Line ends in text become `\n`; in an attribute value, as XML
/// says, tabs and line ends become spaces.
///
/// A document that is not well-formed gives no elements at all, never the
/// part read before the fault: not UTF-8, control characters, an unclosed
/// tag, comment or section, an end tag that does not match, an unknown
/// entity (such as HTML's `&nbsp;`) or a bad character reference, a bare `&`
/// or `<`, a second root element, text outside the root, a DOCTYPE after
/// it, or a name with more than one colon. It does not check names' non-ASCII
/// characters against XML's tables, nor read entities a DOCTYPE declares.
/// An EPUB's reader then finds no root file or no spine and says so.
///
/// ```swift
/// let package = XMLElements(Data(#"<package><spine><itemref idref="c1"/></spine></package>"#.utf8))
/// package.filter { $0.name == "itemref" }.map { $0.attributes["idref"] }   // ["c1"]
/// ```
struct XMLElements: RandomAccessCollection {
    /// One element: local name, attributes by local name, and the text
    /// directly inside it (not its children's).
    struct Element: Equatable {
        var name: String
        var attributes: [String: String]
        var text = ""
    }

    private let elements: [Element]

    /// The elements of `data`, or none when it is not a well-formed UTF-8 document.
    init(_ data: Data) {
        var reader = XMLReader(bytes: [UInt8](data))
        elements = (try? reader.read()) ?? []
    }

    var startIndex: Int { elements.startIndex }
    var endIndex: Int { elements.endIndex }
    subscript(position: Int) -> Element { elements[position] }
}

/// The document is not well-formed; where and why do not matter to the caller.
private struct Malformed: Error {}

/// One pass over the bytes. Markup is ASCII, and in valid UTF-8 no byte of a
/// multi-byte character is ASCII, so scanning bytes never splits a character.
private struct XMLReader {
    let bytes: [UInt8]
    var position = 0
    var elements: [XMLElements.Element] = []
    /// The text bytes of each element, decoded at the end.
    var texts: [[UInt8]] = []
    /// Open elements: their qualified names (to match end tags) and indexes.
    var open: [(name: ArraySlice<UInt8>, index: Int)] = []
    var rootClosed = false
    var sawDoctype = false

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func read() throws(Malformed) -> [XMLElements.Element] {
        let isUTF8 = bytes.withUnsafeBufferPointer { TextNormalizer.firstInvalidUTF8Offset($0) == nil }
        guard isUTF8, !bytes.contains(where: { $0 < 0x20 && !Self.isSpace($0) }) else { throw Malformed() }
        if starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        let documentStart = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "<") {
                try markup(documentStart: documentStart)
            } else if open.isEmpty {
                // Outside the root element only whitespace may stand between markup.
                guard Self.isSpace(byte) else { throw Malformed() }
                position += 1
            } else if byte == UInt8(ascii: "&") {
                let scalar = try reference()
                Self.append(scalar, to: &texts[open[open.count - 1].index])
            } else {
                let end = bytes[position...].firstIndex { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") } ?? bytes.count
                Self.appendText(bytes[position..<end], to: &texts[open[open.count - 1].index], inAttribute: false)
                position = end
            }
        }
        guard rootClosed, open.isEmpty else { throw Malformed() }
        for index in elements.indices { elements[index].text = String(decoding: texts[index], as: UTF8.self) }
        return elements
    }

    /// Whatever starts with `<` at `position`.
    private mutating func markup(documentStart: Int) throws(Malformed) {
        if starts(with: "<!--") {
            // "--" may appear in a comment only as its end.
            let dashes = try find("--", from: position + 4)
            guard dashes + 2 < bytes.count, bytes[dashes + 2] == UInt8(ascii: ">") else { throw Malformed() }
            position = dashes + 3
        } else if starts(with: "<![CDATA[") {
            guard let innermost = open.last else { throw Malformed() }
            let end = try find("]]>", from: position + 9)
            Self.appendText(bytes[(position + 9)..<end], to: &texts[innermost.index], inAttribute: false)
            position = end + 3
        } else if starts(with: "<!DOCTYPE") {
            guard !sawDoctype, elements.isEmpty else { throw Malformed() }
            sawDoctype = true
            try skipDoctype()
        } else if starts(with: "<?") {
            try skipProcessingInstruction(isDocumentStart: position == documentStart)
        } else if starts(with: "</") {
            try endTag()
        } else {
            try startTag()
        }
    }

    private mutating func startTag() throws(Malformed) {
        guard !rootClosed else { throw Malformed() }
        position += 1
        let qualified = try name()
        guard let local = Self.localName(qualified) else { throw Malformed() }
        var attributes: [String: String] = [:]
        var written: Set<ArraySlice<UInt8>> = []
        var selfClosing = false
        while true {
            let separated = skipSpaces()
            guard position < bytes.count else { throw Malformed() }
            if bytes[position] == UInt8(ascii: ">") {
                position += 1
                break
            }
            if starts(with: "/>") {
                position += 2
                selfClosing = true
                break
            }
            guard separated else { throw Malformed() }
            let attribute = try name()
            skipSpaces()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else { throw Malformed() }
            position += 1
            skipSpaces()
            let value = try attributeValue()
            guard written.insert(attribute).inserted, let localAttribute = Self.localName(attribute) else { throw Malformed() }
            let isNamespaceDeclaration = attribute.elementsEqual("xmlns".utf8) || attribute.starts(with: "xmlns:".utf8)
            if !isNamespaceDeclaration, attributes[localAttribute] == nil {
                attributes[localAttribute] = String(decoding: value, as: UTF8.self)
            }
        }
        elements.append(XMLElements.Element(name: local, attributes: attributes))
        texts.append([])
        if !selfClosing {
            open.append((qualified, elements.count - 1))
        } else if open.isEmpty {
            rootClosed = true
        }
    }

    private mutating func endTag() throws(Malformed) {
        position += 2
        let qualified = try name()
        skipSpaces()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ">"), let innermost = open.popLast(),
            innermost.name.elementsEqual(qualified)
        else { throw Malformed() }
        position += 1
        if open.isEmpty { rootClosed = true }
    }

    /// A quoted attribute value, references decoded, tabs and line ends made spaces.
    private mutating func attributeValue() throws(Malformed) -> [UInt8] {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'")
        else { throw Malformed() }
        let quote = bytes[position]
        position += 1
        var value: [UInt8] = []
        while position < bytes.count {
            switch bytes[position] {
            case quote:
                position += 1
                return value
            case UInt8(ascii: "<"):
                throw Malformed()
            case UInt8(ascii: "&"):
                Self.append(try reference(), to: &value)
            default:
                let end = bytes[position...].firstIndex { $0 == quote || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }
                    ?? bytes.count
                Self.appendText(bytes[position..<end], to: &value, inAttribute: true)
                position = end
            }
        }
        throw Malformed()
    }

    /// Appends a run of text; `\r\n` and a lone `\r` are one line end,
    /// which in an attribute value, like a tab, becomes a space.
    private static func appendText(_ run: ArraySlice<UInt8>, to text: inout [UInt8], inAttribute: Bool) {
        var afterReturn = false
        for byte in run {
            if byte == UInt8(ascii: "\n") && afterReturn {
                afterReturn = false
                continue
            }
            afterReturn = byte == UInt8(ascii: "\r")
            let isLineEnd = afterReturn || byte == UInt8(ascii: "\n")
            if inAttribute && (isLineEnd || byte == UInt8(ascii: "\t")) {
                text.append(UInt8(ascii: " "))
            } else {
                text.append(isLineEnd ? UInt8(ascii: "\n") : byte)
            }
        }
    }

    private static func append(_ scalar: Unicode.Scalar, to text: inout [UInt8]) {
        UTF8.encode(scalar) { text.append($0) }
    }

    /// The character the entity or character reference at `position` (a `&`) stands for.
    private mutating func reference() throws(Malformed) -> Unicode.Scalar {
        // The longest reference worth reading; a bounded look keeps a run of bare `&` linear.
        let limit = min(bytes.count, position + 32)
        guard let semicolon = bytes[position..<limit].firstIndex(of: UInt8(ascii: ";")) else { throw Malformed() }
        let body = bytes[(position + 1)..<semicolon]
        position = semicolon + 1
        if let predefined = Self.predefinedEntities.first(where: { body.elementsEqual($0.name.utf8) }) {
            return predefined.character
        }
        guard body.first == UInt8(ascii: "#") else { throw Malformed() }
        let isHex = body.dropFirst().first == UInt8(ascii: "x")
        let digits = body.dropFirst(isHex ? 2 : 1)
        guard !digits.isEmpty else { throw Malformed() }
        var value: UInt32 = 0
        for digit in digits {
            guard let digitValue = Self.digitValue(digit, hex: isHex) else { throw Malformed() }
            value = value * (isHex ? 16 : 10) + digitValue
            guard value <= 0x10FFFF else { throw Malformed() }
        }
        guard Self.isXMLCharacter(value), let scalar = Unicode.Scalar(value) else { throw Malformed() }
        return scalar
    }

    private mutating func skipProcessingInstruction(isDocumentStart: Bool) throws(Malformed) {
        position += 2
        let target = try name()
        // `<?xml …?>` is the declaration, allowed only first; other targets may not be "xml" in any case.
        let isXML = target.count == 3 && zip(target, "xml".utf8).allSatisfy { $0 | 0x20 == $1 }
        guard !isXML || isDocumentStart else { throw Malformed() }
        position = try find("?>", from: position) + 2
    }

    /// Skips `<!DOCTYPE …>`, an internal subset `[…]` with its comments,
    /// processing instructions and quoted literals (which may hold `>` or `]`) included.
    private mutating func skipDoctype() throws(Malformed) {
        position += 9
        var inSubset = false
        while position < bytes.count {
            let byte = bytes[position]
            if inSubset && starts(with: "<!--") {
                position = try find("-->", from: position + 4) + 3
            } else if inSubset && starts(with: "<?") {
                position = try find("?>", from: position + 2) + 2
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                guard let end = bytes[(position + 1)...].firstIndex(of: byte) else { throw Malformed() }
                position = end + 1
            } else {
                position += 1
                if byte == UInt8(ascii: "[") && !inSubset {
                    inSubset = true
                } else if byte == UInt8(ascii: "]") && inSubset {
                    inSubset = false
                } else if byte == UInt8(ascii: ">") && !inSubset {
                    return
                }
            }
        }
        throw Malformed()
    }

    /// The name at `position` (ASCII letters, digits, `_ : - .`, and any
    /// non-ASCII character; not starting with a digit, `-` or `.`).
    private mutating func name() throws(Malformed) -> ArraySlice<UInt8> {
        let start = position
        while position < bytes.count, Self.isNameByte(bytes[position], first: position == start) { position += 1 }
        guard position > start else { throw Malformed() }
        return bytes[start..<position]
    }

    /// Skips whitespace; whether there was any.
    @discardableResult
    private mutating func skipSpaces() -> Bool {
        let start = position
        while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
        return position > start
    }

    private func starts(with prefix: some Sequence<UInt8>) -> Bool {
        bytes[position...].starts(with: prefix)
    }

    private func starts(with prefix: String) -> Bool { starts(with: prefix.utf8) }

    /// Where `needle` next occurs from `start`. Not found means the construct
    /// is unclosed, so the whole document fails: the search never runs twice.
    private func find(_ needle: String, from start: Int) throws(Malformed) -> Int {
        let needle = Array(needle.utf8)
        var index = start
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0] && bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        throw Malformed()
    }

    /// The local part of a qualified name: after its colon, if it has one
    /// with a name on each side; nil for a name with more colons, or an empty side.
    private static func localName(_ qualified: ArraySlice<UInt8>) -> String? {
        let colons = qualified.indices.filter { qualified[$0] == UInt8(ascii: ":") }
        guard let colon = colons.first else { return String(decoding: qualified, as: UTF8.self) }
        guard colons.count == 1, colon > qualified.startIndex, colon < qualified.endIndex - 1,
            isNameByte(qualified[colon + 1], first: true)
        else { return nil }
        return String(decoding: qualified[(colon + 1)...], as: UTF8.self)
    }

    private static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"),
            UInt8(ascii: ":"), 0x80...:
            return true
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return !first
        default:
            return false
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func digitValue(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// XML's `Char`: what a character reference may name.
    private static func isXMLCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    private static let predefinedEntities: [(name: String, character: Unicode.Scalar)] = [
        ("amp", "&"), ("lt", "<"), ("gt", ">"), ("quot", "\""), ("apos", "'"),
    ]
}
