import Crypto
import Foundation

/// The file formats `import` reads.
public enum ImportFormat: String, CaseIterable, Sendable {
    /// W3C Web Annotation JSON-LD: an annotation, an array, an
    /// `AnnotationPage` or an `AnnotationCollection` with its pages embedded.
    case jsonld
    /// A Kindle's `My Clippings.txt`.
    case kindle
    /// Annotation JSON from the Hypothesis API (a search response, an array or one annotation).
    case hypothesis

    /// Reads a file of this format into annotations, without a library.
    ///
    /// A pure function of the bytes (fuzz targets call it): it either
    /// returns everything the file holds, or throws
    /// ``MarginaliaError/badImport(format:location:problem:)`` naming the
    /// line or record that failed.
    public func parse(_ data: Data) throws -> ParsedImport {
        switch self {
        case .jsonld: return try WebAnnotationImport.parse(data)
        case .kindle: return try KindleClippings.parse(data)
        case .hypothesis: return try HypothesisImport.parse(data)
        }
    }

    /// The format a file is evidently in, from its content (and name):
    /// nil when it is not clear, so the caller asks for `--format`.
    ///
    /// JSON naming the Web Annotation context or types is `jsonld`; JSON
    /// with Hypothesis's `acct:` users or `rows` is `hypothesis`; text with
    /// Kindle's `==========` separator lines is `kindle`.
    public static func guess(_ data: Data, fileName: String? = nil) -> ImportFormat? {
        let head = String(decoding: data.prefix(64 * 1024), as: UTF8.self)
        let start = head.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        if start.first == "{" || start.first == "[" {
            let webAnnotation = head.contains("\"@context\"") || head.contains("\"Annotation")
            let hypothesis = head.contains("\"acct:") || head.contains("\"rows\"")
            if webAnnotation != hypothesis { return webAnnotation ? .jsonld : .hypothesis }
            return fileName.map { $0.lowercased().hasSuffix(".jsonld") } == true ? .jsonld : nil
        }
        return head.contains("\n==========") || head.hasPrefix("==========") ? .kindle : nil
    }
}

/// What an import file holds, read and checked, before it meets a library.
public struct ParsedImport: Sendable, Hashable {
    public var format: ImportFormat
    public var annotations: [ImportedAnnotation]
    /// Records left out, and why (bookmarks, clipping-limit placeholders, ...).
    public var skipped: [ImportSkip]

    public init(format: ImportFormat, annotations: [ImportedAnnotation], skipped: [ImportSkip] = []) {
        self.format = format
        self.annotations = annotations
        self.skipped = skipped
    }
}

/// A record of an import file that was not imported, and why.
public struct ImportSkip: Sendable, Hashable {
    /// Where in the file: `line 42`, `annotation 3`.
    public var location: String
    public var reason: String

    public init(location: String, reason: String) {
        self.location = location
        self.reason = reason
    }
}

/// The work an imported annotation belongs to, as its source names it.
public struct ImportedDocument: Sendable, Hashable {
    /// The work's IRI or URL, when the source gives one.
    public var source: String?
    public var title: String
    public var authors: [String]

    public init(source: String?, title: String, authors: [String] = []) {
        self.source = source
        self.title = title
        self.authors = authors
    }

    /// What a created document's id derives from: the source, else title and authors.
    var key: String { source ?? ([title] + authors).joined(separator: "\u{1F}") }
}

/// One annotation read from an import file.
public struct ImportedAnnotation: Sendable, Hashable {
    /// Where in the file it was read: `line 12`, `annotation 3`.
    public var location: String
    /// What makes the record itself in its source (its id there, or its
    /// content): the annotation's id derives from it, so importing the same
    /// file again adds nothing.
    public var sourceKey: String
    /// The Marginalia id the source carries (a JSON-LD export's `urn:uuid:`),
    /// so an annotation already in the library is not imported twice.
    public var marginaliaID: String?
    public var document: ImportedDocument
    /// Normalized; prefix and suffix empty when the source has none.
    public var quote: TextQuoteSelector?
    /// Code points in the source's text of the document.
    public var position: TextPositionSelector?
    public var page: PageLocator?
    public var note: String?
    public var tags: [String]
    public var motivation: Motivation?
    public var visibility: Visibility
    public var created: Date?

    public init(
        location: String, sourceKey: String, marginaliaID: String? = nil, document: ImportedDocument,
        quote: TextQuoteSelector? = nil, position: TextPositionSelector? = nil, page: PageLocator? = nil,
        note: String? = nil, tags: [String] = [], motivation: Motivation? = nil, visibility: Visibility = .shared,
        created: Date? = nil
    ) {
        self.location = location
        self.sourceKey = sourceKey
        self.marginaliaID = marginaliaID
        self.document = document
        self.quote = quote
        self.position = position
        self.page = page
        self.note = note
        self.tags = tags
        self.motivation = motivation
        self.visibility = visibility
        self.created = created
    }

    /// Whether it has something to keep: a passage, a page or a note.
    var hasContent: Bool { quote != nil || position != nil || page != nil || !(note ?? "").isEmpty }
}

/// What an import did.
public struct ImportSummary: Sendable, Hashable {
    public var format: ImportFormat
    /// Ids of the annotations added, in file order.
    public var added: [String]
    /// Annotations the library held already (from an earlier import of the file, or its own).
    public var unchanged: Int
    public var skipped: [ImportSkip]
    /// Documents the import created (paper books, or works known by their IRI).
    public var documentsCreated: [Document]

    /// The summary as `import --json` prints it.
    public var jsonValue: JSONValue {
        [
            "format": .string(format.rawValue),
            "added": .int(added.count),
            "unchanged": .int(unchanged),
            "skipped": .int(skipped.count),
            "skippedRecords": .array(
                skipped.map { ["location": .string($0.location), "reason": .string($0.reason)] }),
            "documentsCreated": .array(
                documentsCreated.map { ["id": .string($0.id), "title": .string($0.title)] }),
            "addedIds": .array(added.map(JSONValue.string)),
        ]
    }
}

extension Identifier {
    /// A 128-bit entity id derived from `key` (the first half of its
    /// SHA-256), so importing the same record twice gives the same id.
    static func derived(_ kind: EntityKind, from key: String) -> String {
        let digest = SHA256.hash(data: Data("marginalia-import\u{1F}\(kind.rawValue)\u{1F}\(key)".utf8))
        return hex(digest.prefix(16))
    }
}

/// Checks shared by the readers of every format: each turns a value of
/// the file into the model's, or throws ``MarginaliaError/badImport(format:location:problem:)``.
struct ImportChecks {
    let format: ImportFormat
    let location: String

    func fail(_ problem: String) -> MarginaliaError {
        .badImport(format: format.rawValue, location: location, problem: problem)
    }

    /// Runs one of the library's own checks, naming this record when it refuses.
    func checked<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MarginaliaError {
            throw fail(error.description)
        }
    }

    func quote(_ exact: String, prefix: String = "", suffix: String = "") throws -> TextQuoteSelector {
        TextQuoteSelector(
            exact: try checked { try Library.validQuote(exact) }, prefix: TextNormalizer.normalize(prefix),
            suffix: TextNormalizer.normalize(suffix))
    }

    func page(_ text: String) throws -> PageLocator {
        try checked { try Library.parsePage(text) }
    }

    func tags(_ tags: [String]) throws -> [String] {
        try checked { try Library.validTags(tags) }
    }

    func position(start: Int, end: Int) throws -> TextPositionSelector {
        guard start >= 0, end > start else { throw fail("the position \(start)-\(end) is not a passage (0 <= start < end)") }
        guard end - start <= Library.maximumQuoteLength else { throw fail(Library.quoteTooLong(end - start).description) }
        return TextPositionSelector(start: start, end: end)
    }

    /// A note as the library keeps it: normalized, nil when empty.
    func note(_ text: String?) -> String? {
        guard let text else { return nil }
        let note = TextNormalizer.normalize(text).trimmingWhitespace()
        return note.isEmpty ? nil : note
    }
}

extension Timestamps {
    private static let iso8601WithFractions = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let iso8601 = Date.ISO8601FormatStyle(includingFractionalSeconds: false)

    /// Parses an ISO 8601 time as import files write it: with or without
    /// fractions of a second, `Z` or an offset.
    static func parseISO8601(_ text: String) -> Date? {
        let trimmed = text.trimmingWhitespace(newlines: false)
        if let date = try? iso8601WithFractions.parse(trimmed) { return date }
        return try? iso8601.parse(trimmed)
    }
}

/// Reading the JSON formats: the library's strict reader, with Foundation's
/// for what it refuses but other tools write (numbers with fractions).
enum ImportJSON {
    static func read(_ data: Data, format: ImportFormat) throws -> JSONValue {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let value = JSONValue(parsing: bytes) { return value }
        if let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
            let value = jsonValue(object)
        {
            return value
        }
        let offset = JSONValue.syntaxErrorOffset(in: bytes) ?? bytes.count
        let before = bytes[..<offset]
        let line = before.count(where: { $0 == 0x0A }) + 1
        let column = offset - (before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
        throw MarginaliaError.badImport(
            format: format.rawValue, location: "line \(line), column \(column)", problem: "this is not valid JSON")
    }

    /// Foundation's value as a ``JSONValue``: a number with a fraction
    /// becomes its text (no field an import reads holds one), and true and
    /// false may come back as 1 and 0 (none is read either).
    private static func jsonValue(_ object: Any) -> JSONValue? {
        switch object {
        case let string as String: return .string(string)
        case let number as NSNumber:
            let double = number.doubleValue
            return double.rounded() == double && abs(double) < 1e15 ? .int(Int(double)) : .string(number.stringValue)
        case let array as [Any]:
            let items = array.compactMap(jsonValue)
            return items.count == array.count ? .array(items) : nil
        case let object as [String: Any]:
            let fields = object.compactMapValues(jsonValue)
            return fields.count == object.count ? .object(fields) : nil
        case is NSNull: return .null
        default: return nil
        }
    }
}

/// W3C Web Annotation selectors (as JSON-LD files and Hypothesis write
/// them): the quote, position and printed page they name.
struct SelectorReading {
    var quote: TextQuoteSelector?
    var position: TextPositionSelector?
    var page: PageLocator?

    /// Reads a selector, an array of them, and what each is `refinedBy`;
    /// the first of each kind counts, other kinds (RangeSelector, CSS, ...)
    /// and selectors named by an IRI are ignored.
    init(_ value: JSONValue?, checks: ImportChecks) throws {
        var pending = value.map { [$0] } ?? []
        while !pending.isEmpty {
            let selector = pending.removeFirst()
            if let items = selector.arrayValue {
                pending.insert(contentsOf: items, at: 0)
                continue
            }
            // A selector named by its IRI lives elsewhere: nothing to read here.
            if selector.stringValue != nil { continue }
            guard case .object(let fields) = selector else {
                throw checks.fail("field selector: a selector must be an object or an IRI")
            }
            if let refinement = fields["refinedBy"] { pending.append(refinement) }
            switch fields["type"]?.stringValue {
            case "TextQuoteSelector" where quote == nil:
                guard let exact = fields["exact"]?.stringValue else {
                    throw checks.fail("field selector.exact: a TextQuoteSelector needs its exact text")
                }
                quote = try checks.quote(
                    exact, prefix: fields["prefix"]?.stringValue ?? "", suffix: fields["suffix"]?.stringValue ?? "")
            case "TextPositionSelector" where position == nil:
                guard let start = fields["start"]?.intValue, let end = fields["end"]?.intValue else {
                    throw checks.fail("field selector.start: a TextPositionSelector needs integer start and end")
                }
                position = try checks.position(start: start, end: end)
            case "FragmentSelector" where page == nil:
                // `page=12` (RFC 3778, as our exports write it); other fragments name no page.
                guard let value = fields["value"]?.stringValue, value.hasPrefix("page=") else { continue }
                let locator = String(value.dropFirst(5)).removingPercentEncoding ?? String(value.dropFirst(5))
                page = try checks.page(locator)
            default:
                continue
            }
        }
    }
}
