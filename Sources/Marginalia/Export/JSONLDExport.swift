import Foundation
import GRDB
import GRDBSQLite

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
/// All annotations sit in one `AnnotationPage`, embedded as the collection's
/// `first` (and named by its `last`), so one file holds them all and is
/// valid as it stands: the model wants a page's `next` to be an IRI, so pages
/// embedded in one another (as exports of over 1,000 annotations once were)
/// fail it, and a file cannot point to pages it does not hold. The importer
/// still reads those older files.
///
/// Exports run to hundreds of thousands of annotations, so the file is
/// streamed: one query reads the rows in export order (the same annotations
/// and order as the other formats, which read them through ``Library/items(_:)``),
/// and each row's columns are written as they stand in SQLite's row, keys in
/// sorted order, into a buffer handed on every ``chunkSize`` bytes.
enum JSONLDExport {
    static let context = "http://www.w3.org/ns/anno.jsonld"
    /// How many bytes gather before they are handed to the output.
    static let chunkSize = 1 << 20

    /// Writes the export of `request` to `output`, a chunk at a time, inside one read.
    static func write(_ request: ExportRequest, in db: Database, to output: (UnsafeRawBufferPointer) throws -> Void) throws {
        let selection = try ExportSelection(request, in: db)
        let collectionID = "urn:marginalia:export:\(request.key)"
        let pageID = "\(collectionID):page:1"

        var json = PrettyJSONWriter(capacity: chunkSize + 64 * 1024)
        json.openObject()
        json.key("@context")
        json.string(context)
        json.key("first")
        json.openObject()
        json.key("id")
        json.string(pageID)
        json.key("items")
        json.openArray()
        var written = 0
        let tags = try db.cachedStatement(sql: "SELECT tag FROM tags WHERE entity_id = ?")
        var source = (document: [UInt8](), iri: "")
        try selection.forEachRow(in: db) { row in
            // Rows come by document: its IRI is looked up once per document.
            let document = row.text(Column.document)!
            if !document.elementsEqual(source.document) {
                source = (Array(document), selection.documentIRIs[String(decoding: document, as: UTF8.self)] ?? "")
            }
            let tagged = row.int(Column.tagged) != 0
            let sortedTags = try tagged ? String.fetchAll(tags, arguments: [row.string(Column.id)]).sorted() : []
            write(row, tags: sortedTags, source: source.iri, into: &json)
            written += 1
            if json.pending >= chunkSize { try json.flush(into: output) }
        }
        json.closeArray()
        json.key("startIndex")
        json.int(0)
        json.key("type")
        json.string("AnnotationPage")
        json.closeObject()
        json.key("id")
        json.string(collectionID)
        json.key("label")
        json.string(selection.title)
        json.key("last")
        json.string(pageID)
        json.key("total")
        json.int(written)
        json.key("type")
        json.string("AnnotationCollection")
        json.closeObject()
        json.finish()
        try json.flush(into: output)
    }

    /// The columns of ``ExportSelection``'s rows.
    enum Column {
        static let id: Int32 = 0
        static let motivation: Int32 = 1
        static let createdHlc: Int32 = 2
        static let updatedHlc: Int32 = 3
        static let createdBy: Int32 = 4
        static let creatorName: Int32 = 5
        static let document: Int32 = 6
        static let quoteExact: Int32 = 7
        static let quotePrefix: Int32 = 8
        static let quoteSuffix: Int32 = 9
        static let page: Int32 = 10
        static let body: Int32 = 11
        static let replyTo: Int32 = 12
        static let start: Int32 = 13
        static let end: Int32 = 14
        static let tagged: Int32 = 15
    }

    /// The IRI of an annotation: `urn:uuid:` for a 128-bit hex id.
    static func iri(annotation id: String) -> String {
        var id = id
        return id.withUTF8 { utf8 in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: uuidLength) { uuid in
                dashedUUID(utf8, into: uuid.baseAddress!) ? "urn:uuid:" + String(decoding: uuid, as: UTF8.self) : nil
            }
        } ?? "urn:marginalia:annotation:" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id)
    }

    static let uuidLength = 36

    /// Writes a 32-hex-digit id as a lowercase UUID (``uuidLength`` bytes, dashed
    /// 8-4-4-4-12) into `out`; false for another id.
    static func dashedUUID(_ hex: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        guard hex.count == 32 else { return false }
        var written = 0
        for (index, digit) in hex.enumerated() {
            // ASCII letters to lower case; digits are unchanged by the bit.
            let lower = digit | 0x20
            guard UInt8(ascii: "0")...UInt8(ascii: "9") ~= lower || UInt8(ascii: "a")...UInt8(ascii: "f") ~= lower else { return false }
            if index == 8 || index == 12 || index == 16 || index == 20 {
                out[written] = UInt8(ascii: "-")
                written += 1
            }
            out[written] = lower
            written += 1
        }
        return true
    }

    static func writeIRI(annotation id: UnsafeBufferPointer<UInt8>, into json: inout PrettyJSONWriter) {
        let uuid = UnsafeMutablePointer<UInt8>.allocate(capacity: uuidLength)
        defer { uuid.deallocate() }
        if dashedUUID(id, into: uuid) {
            json.string(prefix: "urn:uuid:", utf8: UnsafeBufferPointer(start: uuid, count: uuidLength))
        } else {
            json.string(iri(annotation: String(decoding: id, as: UTF8.self)))
        }
    }

    /// One annotation, its keys in sorted order.
    static func write(_ row: StatementRow, tags: [String], source: String, into json: inout PrettyJSONWriter) {
        json.openObject()
        let note = row.text(Column.body).flatMap { $0.isEmpty ? nil : $0 }
        let bodies = (note == nil ? 0 : 1) + tags.count
        if bodies > 0 {
            json.key("body")
            if bodies > 1 { json.openArray() }
            if let note {
                let replying = row.text(Column.motivation).map { $0.elementsEqual(Motivation.replying.rawValue.utf8) } ?? false
                textualBody(note, purpose: replying ? "replying" : "commenting", into: &json)
            }
            for tag in tags {
                var tag = tag
                tag.withUTF8 { textualBody($0, purpose: "tagging", into: &json) }
            }
            if bodies > 1 { json.closeArray() }
        }
        json.key("created")
        json.string(HLCTimestamp(rawValue: Int64(row.int(Column.createdHlc) ?? 0)))
        json.key("creator")
        json.openObject()
        json.key("id")
        let reader = row.text(Column.createdBy) ?? UnsafeBufferPointer(start: nil, count: 0)
        json.string(prefix: "urn:marginalia:reader:", utf8: reader)
        json.key("name")
        if let name = row.text(Column.creatorName) {
            json.string(utf8: name)
        } else {
            json.string(String(String(decoding: reader, as: UTF8.self).prefix(8)))
        }
        json.key("type")
        json.string("Person")
        json.closeObject()
        json.key("id")
        writeIRI(annotation: row.text(Column.id)!, into: &json)
        json.key("modified")
        json.string(HLCTimestamp(rawValue: Int64(row.int(Column.updatedHlc) ?? 0)))
        json.key("motivation")
        json.string(utf8: row.text(Column.motivation)!)
        json.key("target")
        if let replyTo = row.text(Column.replyTo) {
            // A reply targets its annotation as well as the passage.
            json.openArray()
            target(row, source: source, into: &json)
            writeIRI(annotation: replyTo, into: &json)
            json.closeArray()
        } else {
            target(row, source: source, into: &json)
        }
        json.key("type")
        json.string("Annotation")
        json.closeObject()
    }

    static func textualBody(_ value: UnsafeBufferPointer<UInt8>, purpose: String, into json: inout PrettyJSONWriter) {
        json.openObject()
        json.key("format")
        json.string("text/plain")
        json.key("purpose")
        json.string(purpose)
        json.key("type")
        json.string("TextualBody")
        json.key("value")
        json.string(utf8: value)
        json.closeObject()
    }

    /// The passage: a `SpecificResource` with a TextQuote, a TextPosition and a page selector, those it has.
    static func target(_ row: StatementRow, source: String, into json: inout PrettyJSONWriter) {
        let exact = row.text(Column.quoteExact)
        let start = row.int(Column.start)
        let page = row.text(Column.page)
        let selectors = (exact == nil ? 0 : 1) + (start == nil ? 0 : 1) + (page == nil ? 0 : 1)
        json.openObject()
        if selectors > 0 {
            json.key("selector")
            if selectors > 1 { json.openArray() }
            if let exact {
                json.openObject()
                json.key("exact")
                json.string(utf8: exact)
                json.key("prefix")
                json.string(utf8: row.text(Column.quotePrefix) ?? UnsafeBufferPointer(start: nil, count: 0))
                json.key("suffix")
                json.string(utf8: row.text(Column.quoteSuffix) ?? UnsafeBufferPointer(start: nil, count: 0))
                json.key("type")
                json.string("TextQuoteSelector")
                json.closeObject()
            }
            if let start, let end = row.int(Column.end) {
                json.openObject()
                json.key("end")
                json.int(end)
                json.key("start")
                json.int(start)
                json.key("type")
                json.string("TextPositionSelector")
                json.closeObject()
            }
            if let page {
                json.openObject()
                json.key("type")
                json.string("FragmentSelector")
                json.key("value")
                pageFragment(page, into: &json)
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

    /// `page=` and the page locator, percent-encoded but for letters, digits, `-` and `.`.
    static func pageFragment(_ page: UnsafeBufferPointer<UInt8>, into json: inout PrettyJSONWriter) {
        func kept(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."):
                true
            default: false
            }
        }
        if page.allSatisfy(kept) {
            json.string(prefix: "page=", utf8: page)
            return
        }
        // Foundation's letters and digits are Unicode's.
        let text = String(decoding: page, as: UTF8.self)
        let allowed = CharacterSet.alphanumerics.union(.init(charactersIn: "-."))
        json.string("page=" + (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text))
    }
}

/// The columns of the row a SQLite statement stands on, read in place: a
/// text stays valid until the statement steps again.
struct StatementRow {
    let statement: SQLiteStatement

    /// The UTF-8 of a text column; nil for NULL.
    func text(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let start = sqlite3_column_text(statement, column) else { return nil }
        return UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(statement, column)))
    }

    func string(_ column: Int32) -> String? { text(column).map { String(decoding: $0, as: UTF8.self) } }

    func int(_ column: Int32) -> Int? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(statement, column))
    }
}
