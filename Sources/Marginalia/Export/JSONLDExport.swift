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
/// in the previous one's `next`, so one file holds them all. The file is
/// indented as `prettyJSON` would indent it, except that a nested page is not
/// indented further than the one holding it (otherwise the indentation alone
/// would grow with the square of the number of pages).
///
/// The text is written straight into bytes, keys in sorted order, without a
/// `JSONValue` tree in between: exports run to hundreds of thousands of annotations.
enum JSONLDExport {
    static let context = "http://www.w3.org/ns/anno.jsonld"
    static let pageSize = 1000

    static func render(_ contents: ExportContents) -> [UInt8] {
        let collectionID = "urn:marginalia:export:\(contents.request.key)"
        let total = contents.documents.reduce(0) { $0 + $1.annotations.count }
        let pageCount = max(1, (total + pageSize - 1) / pageSize)
        func pageID(_ index: Int) -> String { "\(collectionID):page:\(index + 1)" }
        // Each page holds the next one: pages are opened as the annotations
        // come, and closed from the last once all are written.
        func openPage(_ index: Int, into json: inout PrettyJSONWriter) {
            json.openObject(flat: index > 0)
            json.key("id")
            json.string(pageID(index))
            json.key("items")
            json.openArray()
        }

        var json = PrettyJSONWriter(capacity: 1536 * total + 1024)
        json.openObject()
        json.key("@context")
        json.string(context)
        json.key("first")
        openPage(0, into: &json)
        var written = 0
        for entry in contents.documents.indices {
            let source = contents.documents[entry].document.iri
            // By index: an Annotation is large, and a loop variable would copy each one.
            for index in contents.documents[entry].annotations.indices {
                if written > 0 && written % pageSize == 0 {
                    json.closeArray()
                    json.key("next")
                    openPage(written / pageSize, into: &json)
                }
                write(contents.documents[entry].annotations[index], source: source, contents: contents, into: &json)
                written += 1
            }
        }
        json.closeArray()
        for index in (0..<pageCount).reversed() {
            if index > 0 {
                json.key("prev")
                json.string(pageID(index - 1))
            }
            json.key("startIndex")
            json.int(index * pageSize)
            json.key("type")
            json.string("AnnotationPage")
            json.closeObject(flat: index > 0)
        }
        json.key("id")
        json.string(collectionID)
        json.key("label")
        json.string(contents.title)
        json.key("last")
        json.string(pageID(pageCount - 1))
        json.key("total")
        json.int(total)
        json.key("type")
        json.string("AnnotationCollection")
        json.closeObject()
        return json.finish()
    }

    /// The IRI of an annotation: `urn:uuid:` for a 128-bit hex id.
    static func iri(annotation id: String) -> String {
        let hex = Array(id.utf8)
        guard hex.count == 32, hex.allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 || UInt8(ascii: "a")...UInt8(ascii: "f") ~= $0 | 0x20 })
        else {
            return "urn:marginalia:annotation:" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id)
        }
        var out = Array("urn:uuid:".utf8)
        out.reserveCapacity(45)
        for (index, digit) in hex.enumerated() {
            if index == 8 || index == 12 || index == 16 || index == 20 { out.append(UInt8(ascii: "-")) }
            // ASCII letters to lower case; digits are unchanged by the bit.
            out.append(digit | 0x20)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One annotation, its keys in sorted order.
    static func write(_ annotation: Annotation, source: String, contents: ExportContents, into json: inout PrettyJSONWriter) {
        json.openObject()
        let note = annotation.body.flatMap { $0.isEmpty ? nil : $0 }
        let tags = annotation.tags.sorted()
        let bodies = (note == nil ? 0 : 1) + tags.count
        if bodies > 0 {
            json.key("body")
            if bodies > 1 { json.openArray() }
            if let note {
                textualBody(note, purpose: annotation.motivation == .replying ? "replying" : "commenting", into: &json)
            }
            for tag in tags { textualBody(tag, purpose: "tagging", into: &json) }
            if bodies > 1 { json.closeArray() }
        }
        json.key("created")
        json.string(annotation.createdHlc.description)
        json.key("creator")
        json.openObject()
        json.key("id")
        json.string("urn:marginalia:reader:\(annotation.createdBy)")
        json.key("name")
        json.string(contents.readerName(annotation.createdBy))
        json.key("type")
        json.string("Person")
        json.closeObject()
        json.key("id")
        json.string(iri(annotation: annotation.id))
        json.key("modified")
        json.string(annotation.updatedHlc.description)
        json.key("motivation")
        json.string(annotation.motivation.rawValue)
        json.key("target")
        if let replyTo = annotation.replyTo {
            // A reply targets its annotation as well as the passage.
            json.openArray()
            target(annotation, source: source, into: &json)
            json.string(iri(annotation: replyTo))
            json.closeArray()
        } else {
            target(annotation, source: source, into: &json)
        }
        json.key("type")
        json.string("Annotation")
        json.closeObject()
    }

    static func textualBody(_ value: String, purpose: String, into json: inout PrettyJSONWriter) {
        json.openObject()
        json.key("format")
        json.string("text/plain")
        json.key("purpose")
        json.string(purpose)
        json.key("type")
        json.string("TextualBody")
        json.key("value")
        json.string(value)
        json.closeObject()
    }

    /// The passage: a `SpecificResource` with a TextQuote, a TextPosition and a page selector, those it has.
    static func target(_ annotation: Annotation, source: String, into json: inout PrettyJSONWriter) {
        let position = annotation.anchor?.position
        let selectors = (annotation.quoteExact == nil ? 0 : 1) + (position == nil ? 0 : 1) + (annotation.page == nil ? 0 : 1)
        json.openObject()
        if selectors > 0 {
            json.key("selector")
            if selectors > 1 { json.openArray() }
            if let exact = annotation.quoteExact {
                json.openObject()
                json.key("exact")
                json.string(exact)
                json.key("prefix")
                json.string(annotation.quotePrefix ?? "")
                json.key("suffix")
                json.string(annotation.quoteSuffix ?? "")
                json.key("type")
                json.string("TextQuoteSelector")
                json.closeObject()
            }
            if let position {
                json.openObject()
                json.key("end")
                json.int(position.end)
                json.key("start")
                json.int(position.start)
                json.key("type")
                json.string("TextPositionSelector")
                json.closeObject()
            }
            if let page = annotation.page {
                let value = page.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-.")))
                json.openObject()
                json.key("type")
                json.string("FragmentSelector")
                json.key("value")
                json.string("page=" + (value ?? page))
                json.closeObject()
            }
            if selectors > 1 { json.closeArray() }
        }
        json.key("source")
        json.string(source)
        json.key("type")
        json.string("SpecificResource")
        json.closeObject()
    }
}
