import Foundation
import GRDB

extension Library {
    /// Imports the annotations of a file in `format` (see ``importAnnotations(_:into:visibility:progress:)``).
    ///
    /// ```swift
    /// let summary = try library.importAnnotations(clippings, format: .kindle)
    /// summary.added.count   // 0 the second time
    /// ```
    public func importAnnotations(
        _ data: Data, format: ImportFormat, into document: String? = nil, visibility: Visibility? = nil,
        progress: Progress = { _, _ in }
    ) throws -> ImportSummary {
        try importAnnotations(format.parse(data), into: document, visibility: visibility, progress: progress)
    }

    /// Adds imported annotations in one transaction: all of them, or (when
    /// anything fails) none.
    ///
    /// Each annotation's id derives from its format and source key, so an
    /// annotation imported before (or, for JSON-LD, one whose `urn:uuid:` is
    /// already in the library) is left as it is and counted as unchanged.
    ///
    /// Documents: all go to `document` when given. Otherwise each source
    /// document is, in this order, the one an earlier import created for it;
    /// for an IRI, the document whose id `urn:marginalia:document:<id>`
    /// names, or whose URL, ISBN or DOI it is; without an IRI (Kindle), the
    /// only document with that title and those authors. Else a document
    /// without text is created (titled by the source, or after its IRI).
    ///
    /// In a document with text, a passage is found by its quote (near its
    /// position) or by its position, and skipped when it is not in the text;
    /// in one without text, the quote, position and page are kept as given.
    ///
    /// - Parameter visibility: overrides the visibility the source gives
    ///   (shared unless it says private).
    public func importAnnotations(
        _ parsed: ParsedImport, into document: String? = nil, visibility: Visibility? = nil,
        progress: Progress = { _, _ in }
    ) throws -> ImportSummary {
        try write { transaction in
            var writer = try ImportWriter(format: parsed.format, into: document, visibility: visibility, db: transaction.db)
            for item in parsed.annotations { try writer.add(item, in: &transaction) }
            try transaction.flush(progress: progress)
            return ImportSummary(
                format: parsed.format, added: writer.added, unchanged: writer.unchanged,
                skipped: parsed.skipped + writer.skipped,
                documentsCreated: try writer.createdDocuments.map { try Document.fetchOne(transaction.db, key: $0)! })
        }
    }
}

/// The state of one import transaction: documents found or created so
/// far, texts read, and what became of each annotation.
private struct ImportWriter {
    /// A document annotations go to.
    struct Destination {
        var id: String
        var title: String
        var textHash: String?
        var deleted: Bool
    }

    let format: ImportFormat
    let visibility: Visibility?
    let db: Database
    let forced: Destination?
    var documents: [String: Destination] = [:]
    var texts: [String: (text: CodePointText, anchorer: TextAnchorer?)] = [:]
    var ids: Set<String> = []
    var added: [String] = []
    var unchanged = 0
    var skipped: [ImportSkip] = []
    var createdDocuments: [String] = []

    init(format: ImportFormat, into document: String?, visibility: Visibility?, db: Database) throws {
        self.format = format
        self.visibility = visibility
        self.db = db
        forced = try document.map { reference in
            let found = try Document.fetchOne(db, key: Library.resolve(reference, as: .document, in: db))!
            if found.deleted { throw MarginaliaError.deleted(id: found.id) }
            return Destination(id: found.id, title: found.title, textHash: found.currentText, deleted: false)
        }
    }

    func exists(_ id: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM entities WHERE id = ?"), arguments: [id]) ?? false
    }

    mutating func add(_ item: ImportedAnnotation, in transaction: inout WriteTransaction) throws {
        let id = Identifier.derived(.annotation, from: "\(format.rawValue)\u{1F}\(item.sourceKey)")
        guard ids.insert(id).inserted else {
            skipped.append(ImportSkip(location: item.location, reason: "the same as an earlier record of the file"))
            return
        }
        // An entity in the view has operations; so may one whose create has not arrived yet.
        let isUnseen = try transaction.isUnseen(id)
        if try !isUnseen && exists(id) || item.marginaliaID.map(exists) == true {
            unchanged += 1
            return
        }
        let document = try forced ?? destination(item.document, in: &transaction)
        if document.deleted {
            skipped.append(ImportSkip(location: item.location, reason: "its document \"\(document.title)\" is deleted"))
            return
        }
        guard let target = try target(item, in: document) else {
            skipped.append(
                ImportSkip(location: item.location, reason: "the passage is not in the text of \"\(document.title)\""))
            return
        }
        try Library.recordAnnotation(
            id: id, documentID: document.id, target: target, note: item.note, tags: item.tags,
            motivation: item.motivation, visibility: visibility ?? item.visibility, created: item.created,
            idIsUnseen: isUnseen, in: &transaction)
        added.append(id)
    }

    /// Where an annotation stands in the document.
    mutating func target(_ item: ImportedAnnotation, in document: Destination) throws -> AnnotationTarget? {
        guard let hash = document.textHash else {
            return AnnotationTarget(quote: item.quote, position: item.position, page: item.page)
        }
        guard item.quote != nil || item.position != nil else { return AnnotationTarget(textHash: hash, page: item.page) }
        if texts[hash] == nil { texts[hash] = (try Library.codePointText(hash, in: db), nil) }
        let text = texts[hash]!.text
        let given = item.position.flatMap { $0.end <= text.count ? $0 : nil }
        var position: TextPositionSelector?
        if let quote = item.quote {
            if let given, text[given.start..<given.end] == quote.exact {
                position = given
            } else {
                let anchorer = texts[hash]!.anchorer ?? TextAnchorer(text)
                texts[hash]!.anchorer = anchorer
                let near = item.position.map { Double($0.start) / Double(max(text.count, 1)) }
                let anchor = anchorer.anchor(quote, near: near)
                position = anchor.status == .exact ? anchor.position : nil
            }
        } else {
            position = given
        }
        guard let position else { return nil }
        return AnnotationTarget(
            textHash: hash, quote: QuoteLocator.quoteSelector(for: position, in: text), position: position, page: item.page)
    }

    /// The document a source names: found, or created without text.
    mutating func destination(_ source: ImportedDocument, in transaction: inout WriteTransaction) throws -> Destination {
        if let known = documents[source.key] { return known }
        let derivedID = Identifier.derived(.document, from: source.key)
        var found = try Document.fetchOne(db, key: derivedID)
        if found == nil, let iri = source.source {
            let prefix = "urn:marginalia:document:"
            if iri.hasPrefix(prefix) {
                let id = String(iri.dropFirst(prefix.count))
                found = try Document.fetchOne(db, key: id.removingPercentEncoding ?? id).flatMap { $0.deleted ? nil : $0 }
            }
            if found == nil { found = try uniqueDocument(identifiedBy: Self.identifiers(of: iri)) }
        } else if found == nil {
            found = try uniqueDocument(titled: source.title, authors: source.authors)
        }
        let destination: Destination
        if let found {
            destination = Destination(id: found.id, title: found.title, textHash: found.currentText, deleted: found.deleted)
        } else {
            let title = source.title.trimmingWhitespace().isEmpty ? "Imported document" : source.title.trimmingWhitespace()
            try Library.recordDocument(
                id: derivedID, title: title,
                draft: Self.draft(source, visibility: visibility ?? .shared), textHash: nil, in: &transaction)
            createdDocuments.append(derivedID)
            destination = Destination(id: derivedID, title: title, textHash: nil, deleted: false)
        }
        documents[source.key] = destination
        return destination
    }

    /// The identifiers a document with this IRI would carry.
    static func identifiers(of iri: String) -> [String] {
        let draft = draft(ImportedDocument(source: iri, title: ""), visibility: .shared)
        return [draft.url.map { "url:\($0)" }, draft.isbn.map { "isbn:\($0)" }, draft.doi.map { "doi:\($0)" }]
            .compactMap { $0 }
    }

    /// A new document for a source: its IRI as URL, ISBN or DOI.
    static func draft(_ source: ImportedDocument, visibility: Visibility) -> DocumentDraft {
        var draft = DocumentDraft(title: source.title, authors: source.authors, visibility: visibility)
        guard let iri = source.source, !iri.hasPrefix("urn:marginalia:") else { return draft }
        let lower = iri.lowercased()
        if lower.hasPrefix("urn:isbn:") {
            draft.isbn = String(iri.dropFirst(9))
        } else if let range = lower.range(of: "://doi.org/"), lower.hasPrefix("http") {
            draft.doi = String(iri[range.upperBound...])
        } else {
            draft.url = iri
        }
        return draft
    }

    func uniqueDocument(identifiedBy identifiers: [String]) throws -> Document? {
        guard !identifiers.isEmpty else { return nil }
        let found = try Document.fetchAll(
            db,
            sql: """
                SELECT * FROM documents WHERE NOT deleted
                AND EXISTS (SELECT 1 FROM json_each(documents.identifiers) WHERE value IN (\(databaseQuestionMarks(count: identifiers.count))))
                LIMIT 2
                """,
            arguments: StatementArguments(identifiers))
        return found.count == 1 ? found[0] : nil
    }

    func uniqueDocument(titled title: String, authors: [String]) throws -> Document? {
        let found = try Document.fetchAll(
            db, sql: "SELECT * FROM documents WHERE title = ? COLLATE NOCASE AND NOT deleted", arguments: [title.trimmingWhitespace()]
        ).filter { authors.isEmpty || $0.authors == authors }
        return found.count == 1 ? found[0] : nil
    }
}
