import Crypto
import Foundation
import GRDB

/// Where one annotation landed in a new text version.
public struct Reanchoring: Sendable, Hashable {
    public var annotation: Annotation
    public var anchor: Anchor
}

/// What `doc update` did, or would do with `dryRun`.
public struct EditionReport: Sendable, Hashable {
    /// The document, with the new text version current (unless a dry run).
    public var document: Document
    /// SHA-256 of the new normalized text.
    public var textHash: String
    public var dryRun: Bool
    /// Every text annotation of the document (deleted ones too), in text order of the new version.
    public var results: [Reanchoring]

    /// How many landed with each status.
    public func count(_ status: Anchor.Status) -> Int { results.filter { $0.anchor.status == status }.count }
}

extension Library {
    /// Adds a new edition of a document from a file, and re-anchors every
    /// annotation of the document into it.
    ///
    /// The file is read as ``addDocument(fileAt:_:)`` reads it. See
    /// ``updateDocument(_:text:dryRun:)``.
    public func updateDocument(_ reference: String, fileAt path: String, dryRun: Bool = false) throws -> EditionReport {
        try addEdition(reference, normalized: DocumentReader.read(path).text, dryRun: dryRun)
    }

    /// Adds a new text version to a document, makes it current, and
    /// re-anchors every annotation of the document into it.
    ///
    /// Each result is recorded in the log as the annotation's
    /// `anchor:<text hash>` register, so every replica that receives the
    /// operations shows the same anchors (a replica with another version of
    /// the algorithm does not recompute them). A paper book gets its first
    /// text this way, and its quoted annotations are anchored into it.
    ///
    /// - Parameter dryRun: compute and report, but write nothing.
    public func updateDocument(_ reference: String, text: String, dryRun: Bool = false) throws -> EditionReport {
        let normalized = TextNormalizer.normalize(text)
        guard !normalized.allSatisfy(\.isWhitespace) else {
            throw MarginaliaError.badText(source: "the new edition", problem: .empty)
        }
        return try addEdition(reference, normalized: normalized, dryRun: dryRun)
    }

    private func addEdition(_ reference: String, normalized: String, dryRun: Bool) throws -> EditionReport {
        let hash = Identifier.hex(SHA256.hash(data: Data(normalized.utf8)))
        let code = CodePointText(normalized)
        func prepare(_ db: Database) throws -> (Document, [Reanchoring]) {
            let id = try Self.resolve(reference, as: .document, in: db)
            let document = try Document.fetchOne(db, id: id)!
            if document.deleted { throw MarginaliaError.deleted(id: id) }
            if document.currentText == hash {
                throw MarginaliaError.invalidInput("this text is already the current text of \(id); nothing to update")
            }
            let anchorer = TextAnchorer(code)
            let annotations = try Annotation.filter(Column("document_id") == id && Column("quote_exact") != nil).fetchAll(db)
            let results = try annotations.map { row in
                let annotation = try Self.completed(row, in: db)
                return Reanchoring(
                    annotation: annotation, anchor: try Self.anchor(annotation, in: hash, using: anchorer, in: db))
            }
            return (document, results.sorted { Self.textOrder($0.annotation, $0.anchor, $1.annotation, $1.anchor) })
        }
        if dryRun {
            let (document, results) = try read(prepare)
            return EditionReport(document: document, textHash: hash, dryRun: true, results: results)
        }
        return try write { transaction in
            let db = transaction.db
            let (document, results) = try prepare(db)
            try db.execute(
                sql: "INSERT OR IGNORE INTO texts (hash, length, content) VALUES (?, ?, ?)",
                arguments: [hash, code.count, normalized])
            for result in results where result.annotation.textHash != hash && result.annotation.anchors[hash] != result.anchor {
                try transaction.record(
                    .annotation, result.annotation.id, .set(field: Field.anchor(hash), value: result.anchor.jsonValue))
            }
            try transaction.record(.document, document.id, .set(field: Field.currentText, value: .string(hash)))
            if !document.textVersions.contains(hash) {
                try transaction.record(.document, document.id, .add(field: Field.textVersions, elements: [.string(hash)]))
            }
            try transaction.flush()
            let updated = try Document.fetchOne(db, id: document.id)!
            let placed = try results.map {
                Reanchoring(annotation: try Self.annotation($0.annotation.id, in: db), anchor: $0.anchor)
            }
            return EditionReport(document: updated, textHash: hash, dryRun: false, results: placed)
        }
    }

    /// Places an annotation (an orphan, say) on a passage of its document's
    /// current text, by quote or by offsets; its note, tags and page stay.
    ///
    /// The annotation's target becomes the new passage, made on the current
    /// text version; the old target stays in `history`.
    public func move(_ reference: String, to anchor: AnchorRequest) throws -> Annotation {
        try write { transaction in
            let db = transaction.db
            let id = try Self.resolve(reference, as: .annotation, in: db)
            let annotation = try Self.annotation(id, in: db)
            if annotation.deleted { throw MarginaliaError.deleted(id: id) }
            if case .none = anchor { throw MarginaliaError.invalidInput("say where to move it: --quote TEXT or --at START:END") }
            let document = try Document.fetchOne(db, id: annotation.documentId)!
            let text = try document.currentText.map { try Self.codePointText($0, in: db) }
            let target = try Self.target(
                for: anchor, page: annotation.page.flatMap(PageLocator.init(parsing:)), document: document, text: text)
            try transaction.record(.annotation, id, .set(field: Field.target, value: target.jsonValue))
            try transaction.flush()
            return try Self.placed([Self.annotation(id, in: db)], in: db)[0]
        }
    }

    // MARK: - Anchors on read

    /// The re-anchoring results the log holds for an annotation, by text version.
    static func recordedAnchors(of id: String, in db: Database) throws -> [String: Anchor] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT text_hash, status, position_start, position_end, score FROM anchors WHERE annotation_id = ?"),
            arguments: [id])
        var anchors: [String: Anchor] = [:]
        for row in rows {
            if let (textHash, anchor) = recordedAnchor(row) { anchors[textHash] = anchor }
        }
        return anchors
    }

    /// One row of `anchors` (its columns text_hash, status, position_start,
    /// position_end and score): the text version and where the annotation stands in it.
    static func recordedAnchor(_ row: Row) -> (textHash: String, anchor: Anchor)? {
        guard let status = Anchor.Status(rawValue: row["status"]) else { return nil }
        let start: Int? = row["position_start"]
        let end: Int? = row["position_end"]
        let position = start.flatMap { start in end.map { TextPositionSelector(start: start, end: $0) } }
        return (row["text_hash"], Anchor(status: status, position: position, score: row["score"]))
    }

    /// Fills in where each annotation stands in its document's current text.
    ///
    /// An annotation made on that text stands where it was made; one that
    /// `doc update` re-anchored stands where the log says. One that arrived
    /// from a replica that had not seen the new edition has no recorded
    /// anchor: it is anchored here, the same way, without writing anything.
    static func placed(_ annotations: [Annotation], in db: Database) throws -> [Annotation] {
        var currentTexts: [String: String?] = [:]
        var anchorers: [String: TextAnchorer] = [:]
        return try annotations.map { annotation in
            var annotation = annotation
            if currentTexts[annotation.documentId] == nil {
                currentTexts[annotation.documentId] = try String?.fetchOne(
                    db.cachedStatement(sql: "SELECT current_text FROM documents WHERE id = ?"),
                    arguments: [annotation.documentId])
            }
            guard let current = currentTexts[annotation.documentId] ?? nil, annotation.quoteExact != nil else {
                return annotation
            }
            if let made = madeAnchor(annotation, in: current) ?? annotation.anchors[current] {
                annotation.anchor = made
                return annotation
            }
            if anchorers[current] == nil { anchorers[current] = TextAnchorer(try codePointText(current, in: db)) }
            annotation.anchor = try anchor(annotation, in: current, using: anchorers[current]!, in: db)
            return annotation
        }
    }

    /// The anchor of an annotation made on `textHash` itself.
    private static func madeAnchor(_ annotation: Annotation, in textHash: String) -> Anchor? {
        guard annotation.textHash == textHash, let start = annotation.positionStart, let end = annotation.positionEnd
        else { return nil }
        return .made(at: TextPositionSelector(start: start, end: end))
    }

    /// Where an annotation stands in the text version `textHash`, which
    /// `anchorer` indexes: where it was made, else found by its quote near
    /// the same share of the text as its original position.
    static func anchor(_ annotation: Annotation, in textHash: String, using anchorer: TextAnchorer, in db: Database) throws
        -> Anchor
    {
        if let made = madeAnchor(annotation, in: textHash) { return made }
        guard let exact = annotation.quoteExact else { return Anchor(status: .orphan, position: nil, score: 0) }
        var near: Double?
        if let made = annotation.textHash, let start = annotation.positionStart,
            let length = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT length FROM texts WHERE hash = ?"), arguments: [made]), length > 0
        {
            near = Double(start) / Double(length)
        }
        let quote = TextQuoteSelector(exact: exact, prefix: annotation.quotePrefix ?? "", suffix: annotation.quoteSuffix ?? "")
        return anchorer.anchor(quote, near: near)
    }

    /// Text order in the current version: anchored passages by position,
    /// then orphans and page-only annotations by page, then by creation.
    static func textOrder(_ a: Annotation, _ aAnchor: Anchor?, _ b: Annotation, _ bAnchor: Anchor?) -> Bool {
        let left = (aAnchor?.position?.start ?? Int.max, a.pageOrder ?? Int.max, a.createdHlc.rawValue, a.id)
        let right = (bAnchor?.position?.start ?? Int.max, b.pageOrder ?? Int.max, b.createdHlc.rawValue, b.id)
        return left < right
    }

    /// The code points of a stored text version.
    ///
    /// Decoded from the column's bytes where SQLite keeps them, without a
    /// `String` in between: a long book is read once, not three times. Bytes
    /// that are not UTF-8 (which `doc add` never stores) are repaired with
    /// U+FFFD, as reading them as a `String` would.
    static func codePointText(_ hash: String, in db: Database) throws -> CodePointText {
        let rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT content FROM texts WHERE hash = ?"), arguments: [hash])
        guard let row = try rows.next(),
            let text = try row.withUnsafeData(atIndex: 0, { content -> CodePointText? in
                content?.withUnsafeBytes { raw in
                    let bytes = raw.assumingMemoryBound(to: UInt8.self)
                    return CodePointText(utf8: bytes) ?? CodePointText(String(decoding: bytes, as: UTF8.self))
                }
            })
        else { throw MarginaliaError.corrupt("the text \(hash.prefix(12)) is missing") }
        return text
    }
}
