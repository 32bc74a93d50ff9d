import Foundation

/// The `jsonld` export: a W3C Web Annotation `AnnotationCollection`.
///
/// Every annotation meets the MUSTs of the Web Annotation Data Model:
/// * `@context` `http://www.w3.org/ns/anno.jsonld` (on the collection; its
///   annotations inherit it), `id` an IRI (`urn:uuid:` for Marginalia's
///   128-bit ids), `type` `Annotation`, `motivation`;
/// * `target`: a `SpecificResource` whose `source` is the document's IRI (its
///   URL, `urn:isbn:`, a DOI URL, else `urn:marginalia:document:<id>`), with
///   a `TextQuoteSelector` and a `TextPositionSelector` (code points of the
///   document's current text, where the passage stands now) and the printed
///   page as a `FragmentSelector` (`page=<locator>`);
/// * `body`: the note as a `TextualBody` (`text/plain`, purpose
///   `commenting`), each tag as a `TextualBody` with purpose `tagging`;
/// * `creator` a `Person` with `name`; `created` and `modified` in UTC with `Z`.
///
/// Annotations come in `AnnotationPage`s of ``pageSize``, each page embedded
/// in the previous one's `next`, so one file holds them all.
enum JSONLDExport {
    static let context = "http://www.w3.org/ns/anno.jsonld"
    static let pageSize = 1000

    static func render(_ contents: ExportContents) -> String {
        let collectionID = "urn:marginalia:export:\(contents.request.key)"
        let annotations = contents.documents.flatMap { entry in entry.annotations.map { (entry.document, $0) } }
        let pages = stride(from: 0, to: max(annotations.count, 1), by: pageSize).map {
            Array(annotations[$0..<min($0 + pageSize, annotations.count)])
        }
        func pageID(_ index: Int) -> String { "\(collectionID):page:\(index + 1)" }
        var next: JSONValue?
        for index in pages.indices.reversed() {
            var page: [String: JSONValue] = [
                "id": .string(pageID(index)), "type": "AnnotationPage", "startIndex": .int(index * pageSize),
                "items": .array(pages[index].map { annotation($0.1, document: $0.0, contents: contents) }),
            ]
            if index > 0 { page["prev"] = .string(pageID(index - 1)) }
            if let next { page["next"] = next }
            next = .object(page)
        }
        let collection: JSONValue = [
            "@context": .string(context),
            "id": .string(collectionID),
            "type": "AnnotationCollection",
            "label": .string(contents.title),
            "total": .int(annotations.count),
            "first": next ?? .null,
            "last": .string(pageID(pages.count - 1)),
        ]
        return collection.prettyJSON + "\n"
    }

    /// The IRI of an annotation: `urn:uuid:` for a 128-bit hex id.
    static func iri(annotation id: String) -> String {
        let hex = Array(id)
        guard hex.count == 32, hex.allSatisfy(\.isHexDigit) else {
            return "urn:marginalia:annotation:" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id)
        }
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }
        return "urn:uuid:" + groups.joined(separator: "-").lowercased()
    }

    static func annotation(_ annotation: Annotation, document: Document, contents: ExportContents) -> JSONValue {
        var selectors: [JSONValue] = []
        if let exact = annotation.quoteExact {
            selectors.append([
                "type": "TextQuoteSelector", "exact": .string(exact), "prefix": .string(annotation.quotePrefix ?? ""),
                "suffix": .string(annotation.quoteSuffix ?? ""),
            ])
        }
        if let position = annotation.anchor?.position {
            selectors.append(["type": "TextPositionSelector", "start": .int(position.start), "end": .int(position.end)])
        }
        if let page = annotation.page {
            let value = page.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-.")))
            selectors.append(["type": "FragmentSelector", "value": .string("page=" + (value ?? page))])
        }
        var target: [String: JSONValue] = ["type": "SpecificResource", "source": .string(document.iri)]
        if selectors.count == 1 { target["selector"] = selectors[0] } else if !selectors.isEmpty {
            target["selector"] = .array(selectors)
        }
        var bodies: [JSONValue] = []
        if let note = annotation.body, !note.isEmpty {
            bodies.append([
                "type": "TextualBody", "value": .string(note), "format": "text/plain",
                "purpose": .string(annotation.motivation == .replying ? "replying" : "commenting"),
            ])
        }
        for tag in annotation.tags.sorted() {
            bodies.append(["type": "TextualBody", "value": .string(tag), "format": "text/plain", "purpose": "tagging"])
        }
        var fields: [String: JSONValue] = [
            "id": .string(iri(annotation: annotation.id)),
            "type": "Annotation",
            "motivation": .string(annotation.motivation.rawValue),
            "created": .string(annotation.createdHlc.description),
            "modified": .string(annotation.updatedHlc.description),
            "creator": [
                "id": .string("urn:marginalia:reader:\(annotation.createdBy)"), "type": "Person",
                "name": .string(contents.readerName(annotation.createdBy)),
            ],
            "target": .object(target),
        ]
        if bodies.count == 1 { fields["body"] = bodies[0] } else if !bodies.isEmpty { fields["body"] = .array(bodies) }
        if let replyTo = annotation.replyTo {
            // A reply targets its annotation as well as the passage.
            fields["target"] = .array([.object(target), .string(iri(annotation: replyTo))])
        }
        return .object(fields)
    }
}
