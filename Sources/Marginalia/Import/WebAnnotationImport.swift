import Foundation

/// Reads W3C Web Annotation JSON-LD: one `Annotation`, an array of them,
/// an `AnnotationPage`, or an `AnnotationCollection` whose pages are
/// embedded: `first`, as `export --format jsonld` writes it (one page), then
/// each page's `next` when that is embedded too, as exports of over 1,000
/// annotations were written before they became one page.
///
/// Of each annotation it keeps the target's `source` (the document) and
/// its TextQuote, TextPosition and `page=` Fragment selectors (refinements
/// too); `TextualBody` bodies (a plain string body and `bodyValue` too) as
/// the note, those with purpose `tagging` as tags; `motivation` and
/// `created`. The creator is not kept: an import is written by the reader
/// who runs it.
public enum WebAnnotationImport {
    /// Reads a JSON-LD file (a pure function, for fuzzing).
    public static func parse(_ data: Data) throws -> ParsedImport {
        let root = try ImportJSON.read(data, format: .jsonld)
        var items: [JSONValue] = []
        var skipped: [ImportSkip] = []
        try collect(root, into: &items, skipped: &skipped)
        var annotations: [ImportedAnnotation] = []
        for (index, item) in items.enumerated() {
            let location = "annotation \(index + 1)" + (item["id"]?.stringValue.map { " (\($0))" } ?? "")
            if let annotation = try annotation(item, checks: ImportChecks(format: .jsonld, location: location)) {
                annotations.append(annotation)
            } else {
                skipped.append(ImportSkip(location: location, reason: "it has no passage, page or note"))
            }
        }
        return ParsedImport(format: .jsonld, annotations: annotations, skipped: skipped)
    }

    /// The annotations a JSON-LD value holds, following embedded pages; a
    /// page whose `next` is only named is read, and the rest noted as skipped.
    private static func collect(_ value: JSONValue, into items: inout [JSONValue], skipped: inout [ImportSkip]) throws {
        if let array = value.arrayValue {
            items += array
            return
        }
        let types = Self.types(value)
        if types.contains("Annotation") {
            items.append(value)
        } else if types.contains("AnnotationCollection") {
            guard let first = value["first"], !first.isNull else { return }
            if let iri = first.stringValue {
                throw MarginaliaError.badImport(
                    format: "jsonld", location: "page \(iri)",
                    problem: "the collection's first page is named, not embedded; save its pages into the file (import reads no network)")
            }
            try collect(first, into: &items, skipped: &skipped)
        } else if types.contains("AnnotationPage") {
            var page: JSONValue? = value
            var seen = 0
            while let current = page {
                seen += 1
                guard let pageItems = current["items"]?.arrayValue else {
                    throw MarginaliaError.badImport(
                        format: "jsonld", location: "page \(seen)", problem: "field items: an AnnotationPage needs an items array")
                }
                items += pageItems
                switch current["next"] {
                case .string(let iri):
                    skipped.append(ImportSkip(location: "page \(iri)", reason: "the page is named, not in the file"))
                    page = nil
                case .object: page = current["next"]
                default: page = nil
                }
            }
        } else {
            throw MarginaliaError.badImport(
                format: "jsonld", location: "the top level",
                problem: "field type: expected an Annotation, AnnotationPage or AnnotationCollection (or an array of annotations)")
        }
    }

    static func types(_ value: JSONValue) -> [String] {
        if let type = value["type"]?.stringValue ?? value["@type"]?.stringValue { return [type] }
        return (value["type"] ?? value["@type"])?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// One annotation, or nil when it holds nothing to keep.
    static func annotation(_ item: JSONValue, checks: ImportChecks) throws -> ImportedAnnotation? {
        guard case .object(let fields) = item else { throw checks.fail("an annotation must be a JSON object") }
        guard Self.types(item).contains("Annotation") else { throw checks.fail("field type: expected \"Annotation\"") }
        let (source, selectors) = try target(fields["target"], checks: checks)
        let reading = try SelectorReading(selectors, checks: checks)

        var notes: [String] = []
        var tags: [String] = []
        if let bodyValue = fields["bodyValue"]?.stringValue { notes.append(bodyValue) }
        for body in fields["body"].map({ $0.arrayValue ?? [$0] }) ?? [] {
            if let text = body.stringValue {
                notes.append(text)
                continue
            }
            guard case .object = body else { throw checks.fail("field body: a body must be an object or a string") }
            // Only textual bodies carry words; an external resource (an IRI) is not a note.
            guard let value = body["value"]?.stringValue ?? body["chars"]?.stringValue else { continue }
            let purposes = body["purpose"].map { $0.arrayValue ?? [$0] }?.compactMap(\.stringValue) ?? []
            if purposes.contains("tagging") {
                tags.append(value)
            } else {
                notes.append(body["format"]?.stringValue == "text/html" ? HTMLText.text(of: value) : value)
            }
        }
        let motivations = fields["motivation"].map { $0.arrayValue ?? [$0] }?.compactMap(\.stringValue) ?? []
        var created: Date?
        if let text = fields["created"]?.stringValue {
            guard let date = Timestamps.parseISO8601(text) else {
                throw checks.fail("field created: '\(text)' is not an ISO 8601 time")
            }
            created = date
        }
        let id = fields["id"]?.stringValue ?? fields["@id"]?.stringValue
        let annotation = ImportedAnnotation(
            location: checks.location,
            // Without an id, the annotation is what it says.
            sourceKey: id ?? item.canonicalJSON,
            marginaliaID: id.flatMap(marginaliaID),
            document: ImportedDocument(source: source, title: title(of: source)),
            quote: reading.quote, position: reading.position, page: reading.page,
            note: checks.note(notes.joined(separator: "\n\n")),
            tags: try checks.tags(tags),
            motivation: motivations.lazy.compactMap(Motivation.init(rawValue:)).first,
            created: created)
        return annotation.hasContent ? annotation : nil
    }

    /// The document's IRI and the selectors of a target: an IRI, a
    /// `SpecificResource` (`source` an IRI or an object with an `id`), an
    /// external resource with an `id`, or an array or a Composite, List or
    /// Independents whose first entry counts (a reply's second target is the
    /// annotation it answers).
    private static func target(_ value: JSONValue?, checks: ImportChecks) throws -> (String, JSONValue?) {
        switch value {
        case .string(let iri)?:
            return (iri, nil)
        case .array(let targets)?:
            guard let first = targets.first else { throw checks.fail("field target: the target array is empty") }
            return try target(first, checks: checks)
        case .object(let fields)?:
            // A Composite, List or Independents target: its first item stands for it.
            if let first = fields["items"]?.arrayValue?.first { return try target(first, checks: checks) }
            if let source = fields["source"]?.stringValue ?? fields["source"]?["id"]?.stringValue {
                return (source, fields["selector"])
            }
            if let id = fields["id"]?.stringValue { return (id, nil) }
            throw checks.fail("field target.source: the target names no document")
        default:
            throw checks.fail("field target: an annotation needs a target")
        }
    }

    /// The Marginalia id behind an IRI that `export` writes (`urn:uuid:` of 32 hex digits).
    static func marginaliaID(_ iri: String) -> String? {
        var iri = iri
        // Most IRIs are ASCII: read their bytes, not their characters.
        if let id = iri.withUTF8(asciiMarginaliaID) { return id }
        guard iri.lowercased().hasPrefix("urn:uuid:") else { return nil }
        let hex = iri.dropFirst(9).filter { $0 != "-" }.lowercased()
        return hex.count == 32 && hex.allSatisfy(\.isHexDigit) ? hex : nil
    }

    /// ``marginaliaID(_:)`` of an ASCII IRI, or nil when the IRI is not ASCII.
    private static func asciiMarginaliaID(_ iri: UnsafeBufferPointer<UInt8>) -> String?? {
        guard iri.allSatisfy({ $0 < 0x80 }) else { return nil }
        func lowercased(_ byte: UInt8) -> UInt8 {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 0x20 : byte
        }
        let prefix = "urn:uuid:".utf8
        guard iri.count >= prefix.count, zip(iri, prefix).allSatisfy({ lowercased($0) == $1 }) else { return .some(nil) }
        var hex: [UInt8] = []
        hex.reserveCapacity(32)
        for byte in iri.dropFirst(prefix.count) where byte != UInt8(ascii: "-") {
            let digit = lowercased(byte)
            let isHex = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(digit)
            guard hex.count < 32, isHex else { return .some(nil) }
            hex.append(digit)
        }
        return hex.count == 32 ? String(decoding: hex, as: UTF8.self) : .some(nil)
    }

    /// A title for a document known only by its IRI: the IRI without its scheme.
    static func title(of source: String) -> String {
        let marginalia = "urn:marginalia:document:"
        if source.hasPrefix(marginalia) { return "Document " + source.dropFirst(marginalia.count) }
        let lowercased = source.lowercased()
        for scheme in ["https://", "http://", "urn:isbn:", "urn:"] where lowercased.hasPrefix(scheme) {
            let rest = source.dropFirst(scheme.count)
            return scheme == "urn:isbn:" ? "ISBN \(rest)" : String(rest)
        }
        return source
    }
}
