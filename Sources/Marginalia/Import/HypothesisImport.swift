import Foundation

/// Reads annotations as the Hypothesis API returns them: a search response
/// (`{"rows": [...], "total": N}`), an array, or one annotation.
///
/// Of each it keeps `uri` (the document, by URL) and `document.title[0]`,
/// the TextQuote and TextPosition selectors of `target[0]` (RangeSelector
/// and others are ignored), `text` (Markdown, kept as written) as the note,
/// `tags`, and `created`. An annotation without selectors is a page note (a
/// note on the whole document). One whose `permissions.read` names only its
/// user is private. Replies (with `references`) are skipped.
public enum HypothesisImport {
    /// Reads a Hypothesis JSON file (a pure function, for fuzzing).
    public static func parse(_ data: Data) throws -> ParsedImport {
        let root = try ImportJSON.read(data, format: .hypothesis)
        let rows: [JSONValue]
        if let array = root.arrayValue {
            rows = array
        } else if let array = root["rows"]?.arrayValue {
            rows = array
        } else if root["id"] != nil {
            rows = [root]
        } else {
            throw MarginaliaError.badImport(
                format: "hypothesis", location: "the top level",
                problem: "expected a search response with rows, an array of annotations, or one annotation")
        }
        var annotations: [ImportedAnnotation] = []
        var skipped: [ImportSkip] = []
        for (index, row) in rows.enumerated() {
            let location = "row \(index + 1)" + (row["id"]?.stringValue.map { " (\($0))" } ?? "")
            let checks = ImportChecks(format: .hypothesis, location: location)
            guard case .object(let fields) = row else { throw checks.fail("an annotation must be a JSON object") }
            if let references = fields["references"]?.arrayValue, !references.isEmpty {
                skipped.append(ImportSkip(location: location, reason: "a reply (replies are not imported)"))
                continue
            }
            guard let id = fields["id"]?.stringValue, !id.isEmpty else { throw checks.fail("field id: an annotation needs its id") }
            guard let uri = fields["uri"]?.stringValue, !uri.isEmpty else { throw checks.fail("field uri: an annotation needs the uri it is on") }
            let target = fields["target"]?.arrayValue?.first
            let reading = try SelectorReading(target?["selector"], checks: checks)
            var created: Date?
            if let text = fields["created"]?.stringValue {
                guard let date = Timestamps.parseISO8601(text) else {
                    throw checks.fail("field created: '\(text)' is not an ISO 8601 time")
                }
                created = date
            }
            guard fields["tags"].map({ $0.isNull || $0.arrayValue != nil }) ?? true else {
                throw checks.fail("field tags: expected an array of strings")
            }
            let title = fields["document"]?["title"]?.arrayValue?.first?.stringValue?.trimmingWhitespace()
            let readers = fields["permissions"]?["read"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let user = fields["user"]?.stringValue
            let annotation = ImportedAnnotation(
                location: location, sourceKey: "hypothesis:\(id)",
                document: ImportedDocument(
                    source: uri, title: title.flatMap { $0.isEmpty ? nil : $0 } ?? WebAnnotationImport.title(of: uri)),
                quote: reading.quote, position: reading.position, page: reading.page,
                note: checks.note(fields["text"]?.stringValue),
                tags: try checks.tags(fields["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []),
                visibility: !readers.isEmpty && readers.allSatisfy({ $0 == user }) ? .private : .shared,
                created: created)
            if annotation.hasContent {
                annotations.append(annotation)
            } else {
                skipped.append(ImportSkip(location: location, reason: "a page note with no text"))
            }
        }
        return ParsedImport(format: .hypothesis, annotations: annotations, skipped: skipped)
    }
}
