import Foundation
import GRDB

/// The annotations an export holds, as one SQL query that reads them in
/// export order: documents by title then id, and within a document by
/// where the passage stands in the current text, page, creation, id.
///
/// It selects what ``Library/exportContents(_:)`` selects through
/// ``Library/items(_:)`` (a test compares the two), without building an
/// ``Annotation`` per row: where a passage stands is worked out in SQL from
/// the annotation's own position or the anchor `doc update` recorded. Only
/// annotations that arrived from a replica that had not seen the current
/// edition are placed in Swift first, as ``Library/placed(_:in:)`` places
/// them, and their places handed to the query.
struct ExportSelection {
    /// The IRI of each document the export may show, by id.
    let documentIRIs: [String: String]
    let title: String
    private let sql: String
    private let arguments: StatementArguments

    init(_ request: ExportRequest, in db: Database) throws {
        // A private document is a private item: its title and text stay out too.
        let documents = try Document.fetchAll(
            db, sql: "SELECT * FROM documents" + (request.includePrivate ? "" : " WHERE visibility <> 'private'")
        ).sorted { ($0.title, $0.id) < ($1.title, $1.id) }
        documentIRIs = Dictionary(uniqueKeysWithValues: documents.map { ($0.id, $0.iri) })
        let filter = ItemFilter(
            document: request.document, tag: request.tag, author: request.author, since: request.since, kind: .annotation)
        var (condition, arguments) = try ItemConditions(filter, in: db).sql(on: "a")
        if !request.includePrivate { condition += " AND a.visibility = 'shared' AND d.visibility <> 'private'" }
        var title = "Marginalia export"
        if let reference = request.set {
            let set = try Library.annotationSet(reference, in: db)
            title = "Marginalia: \(set.name)"
            var passing = "a.id IN (SELECT value FROM json_each(?))"
            var setArguments: StatementArguments = [set.members.jsonColumn]
            if !set.filter.isEmpty {
                let setFilter = ItemFilter(
                    document: set.filter.document, tag: set.filter.tag, author: set.filter.author, since: set.filter.since,
                    kind: .annotation)
                do {
                    let (filterCondition, filterArguments) = try ItemConditions(setFilter, in: db).sql(on: "a")
                    passing = "(\(filterCondition)) OR \(passing)"
                    setArguments = filterArguments + setArguments
                } catch MarginaliaError.notFound {
                    // The filter's document or reader is not (or no longer) here: nothing passes it.
                }
            }
            condition += " AND (\(passing))"
            arguments += setArguments
        }
        self.title = title

        // Documents by title, then id, as Swift orders strings. SQLite orders
        // them the same by their bytes when the titles are in NFC, as nearly
        // all are, and the query then reads the annotations in one sweep of
        // their table; else it ranks each document by its place in `documents`.
        let bytewise = documents.sorted {
            $0.title.utf8.elementsEqual($1.title.utf8)
                ? $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) : $0.title.utf8.lexicographicallyPrecedes($1.title.utf8)
        }
        let ordersLikeSwift = bytewise.map(\.id) == documents.map(\.id)
        let documentOrder = ordersLikeSwift ? "d.title, d.id" : "o.key"
        let ranking: StatementArguments = ordersLikeSwift ? [] : [documents.map(\.id).jsonColumn]
        let anchorStatuses = Anchor.Status.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let from = """
            \(ordersLikeSwift
                ? "FROM annotations a JOIN documents d ON d.id = a.document_id"
                : "FROM json_each(?) AS o JOIN documents d ON d.id = o.value JOIN annotations a ON a.document_id = d.id")
            LEFT JOIN anchors n ON n.annotation_id = a.id AND n.text_hash = d.current_text AND n.status IN (\(anchorStatuses))
            """
        // Where a passage stands now: nowhere without a quote or a current text;
        // where it was made, on that text; else where `doc update` put it.
        let madeHere = "a.text_hash = d.current_text AND a.position_start IS NOT NULL AND a.position_end IS NOT NULL"
        let notPlaced = "a.quote_exact IS NULL OR d.current_text IS NULL"
        let placedInSwift = try Annotation.fetchAll(
            db, sql: "SELECT a.* \(from) WHERE \(condition) AND NOT (\(notPlaced)) AND NOT (\(madeHere)) AND n.annotation_id IS NULL",
            arguments: ranking + arguments)
        let places = try Library.placed(placedInSwift, in: db).compactMap { annotation in
            annotation.anchor?.position.map { JSONValue.array([.string(annotation.id), .int($0.start), .int($0.end)]) }
        }
        func position(_ column: String) -> String {
            """
            CASE WHEN \(notPlaced) THEN NULL
                 WHEN \(madeHere) THEN a.position_\(column)
                 WHEN n.annotation_id IS NOT NULL
                     THEN CASE WHEN n.position_start IS NOT NULL AND n.position_end IS NOT NULL THEN n.position_\(column) END
                 ELSE \(places.isEmpty ? "NULL" : "p.place_\(column)") END
            """
        }
        let placedJoin =
            places.isEmpty
            ? ""
            : """
            LEFT JOIN (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS place_start,
                              json_extract(value, '$[2]') AS place_end FROM json_each(?)) p ON p.id = a.id
            """
        // The columns of JSONLDExport.Column, in its order.
        sql = """
            SELECT a.id, a.motivation, a.created_hlc, a.updated_hlc, a.created_by, r.name, a.document_id,
                   a.quote_exact, a.quote_prefix, a.quote_suffix, a.page, a.body, a.reply_to,
                   \(position("start")) AS now_start, \(position("end")) AS now_end,
                   EXISTS (SELECT 1 FROM tags WHERE tags.entity_id = a.id)
            \(from)
            \(placedJoin)
            LEFT JOIN readers r ON r.reader_id = a.created_by
            WHERE \(condition)
            ORDER BY \(documentOrder), now_start IS NULL, now_start, a.page_order IS NULL, a.page_order, a.created_hlc, a.id
            """
        self.arguments = ranking + (places.isEmpty ? [] : [JSONValue.array(places).canonicalJSON]) + arguments
    }

    /// Calls `body` with each row in export order. A row's texts are valid
    /// only during the call.
    func forEachRow(in db: Database, _ body: (StatementRow) throws -> Void) throws {
        let statement = try db.makeStatement(sql: sql)
        let rows = try GRDB.Row.fetchCursor(statement, arguments: arguments)
        let row = StatementRow(statement: statement.sqliteStatement)
        while try rows.next() != nil { try body(row) }
    }
}
