import Crypto
import Foundation
import GRDB

/// What a new document is made of.
public struct DocumentDraft: Sendable {
    public var title: String?
    public var authors: [String]
    public var url: String?
    public var isbn: String?
    public var doi: String?
    /// An id the group agrees on (`--id`), instead of a random one.
    public var slug: String?
    public var visibility: Visibility

    public init(
        title: String? = nil, authors: [String] = [], url: String? = nil, isbn: String? = nil, doi: String? = nil,
        slug: String? = nil, visibility: Visibility = .shared
    ) {
        self.title = title
        self.authors = authors
        self.url = url
        self.isbn = isbn
        self.doi = doi
        self.slug = slug
        self.visibility = visibility
    }
}

extension Library {
    /// Adds a document with the text of a file: `.txt`, `.md`, `.html`,
    /// `.xhtml`, `.epub` or `.pdf` (see ``DocumentReader``).
    ///
    /// The text is normalized (UTF-8, NFC, `\n`) and stored once under its
    /// SHA-256, so the same file gives the same text hash in every library.
    /// Without a title: the page's or book's own title, a Markdown file's
    /// first heading, or the file name.
    public func addDocument(fileAt path: String, _ draft: DocumentDraft = DocumentDraft()) throws -> Document {
        let (text, format, title) = try DocumentReader.read(path)
        var draft = draft
        if draft.title?.isEmpty ?? true {
            draft.title = title ?? Self.defaultTitle(text: text, format: format, path: path)
        }
        return try addDocument(text: text, draft)
    }

    /// Adds a document with a text already in memory (normalized here).
    public func addDocument(text: String, _ draft: DocumentDraft) throws -> Document {
        let normalized = TextNormalizer.normalize(text)
        guard !normalized.allSatisfy(\.isWhitespace) else {
            throw MarginaliaError.badText(source: "the document", problem: .empty)
        }
        return try insertDocument(draft, text: normalized)
    }

    /// Adds a paper book (or any work whose text the library does not hold):
    /// its annotations carry page locators.
    public func addDocument(withoutText draft: DocumentDraft) throws -> Document {
        try insertDocument(draft, text: nil)
    }

    private func insertDocument(_ draft: DocumentDraft, text: String?) throws -> Document {
        let title = (draft.title ?? "").trimmingWhitespace()
        guard !title.isEmpty else { throw MarginaliaError.invalidInput("a document needs a title; give --title") }
        if let slug = draft.slug, !Identifier.isValidSlug(slug) {
            throw MarginaliaError.invalidInput(
                "'\(slug)' cannot be a document id; use 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit")
        }
        let hash = text.map { Identifier.hex(SHA256.hash(data: Data($0.utf8))) }
        let id = draft.slug ?? Identifier.newEntityID()
        return try write { transaction in
            let db = transaction.db
            if try Row.fetchOne(db, sql: "SELECT 1 FROM entities WHERE id = ?", arguments: [id]) != nil {
                throw MarginaliaError.duplicateDocument(id: id)
            }
            if let hash, let text {
                if let existing = try Document.filter(Column("current_text") == hash && Column("deleted") == false)
                    .fetchOne(db)
                {
                    throw MarginaliaError.invalidInput(
                        "this text is already in the library as document \(existing.id.prefix(12)) (\"\(existing.title)\")")
                }
                try db.execute(
                    sql: "INSERT OR IGNORE INTO texts (hash, length, content) VALUES (?, ?, ?)",
                    arguments: [hash, text.unicodeScalars.count, text])
            }
            try Self.recordDocument(id: id, title: title, draft: draft, textHash: hash, in: &transaction)
            try transaction.flush()
            return try Document.fetchOne(db, id: id)!
        }
    }

    /// Writes the operation that creates a document (its title checked).
    static func recordDocument(
        id: String, title: String, draft: DocumentDraft, textHash: String?, in transaction: inout WriteTransaction
    ) throws {
        var identifiers: [JSONValue] = []
        if let url = draft.url?.trimmingWhitespace(), !url.isEmpty { identifiers.append(.string("url:\(url)")) }
        if let isbn = draft.isbn?.trimmingWhitespace(), !isbn.isEmpty { identifiers.append(.string("isbn:\(isbn)")) }
        if let doi = draft.doi?.trimmingWhitespace(), !doi.isEmpty { identifiers.append(.string("doi:\(doi)")) }
        try transaction.record(
            .document, id,
            .create(
                registers: [
                    Field.title: .string(title),
                    Field.authors: .array(draft.authors.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }.map(JSONValue.string)),
                    Field.currentText: JSONValue(textHash),
                    Field.visibility: .string(draft.visibility.rawValue),
                    Field.deleted: false,
                ],
                texts: [:],
                sets: [Field.identifiers: identifiers, Field.textVersions: textHash.map { [.string($0)] } ?? []]))
    }

    /// Every document, oldest first.
    public func documents(includeDeleted: Bool = false) throws -> [Document] {
        try read { db in
            var request = Document.order(Column("created_hlc"))
            if !includeDeleted { request = request.filter(Column("deleted") == false) }
            return try request.fetchAll(db)
        }
    }

    /// The document named by an id, a unique id prefix, a slug or its exact title.
    public func document(_ reference: String) throws -> Document {
        try read { db in
            let id = try Self.resolve(reference, as: .document, in: db)
            return try Document.fetchOne(db, id: id)!
        }
    }

    /// The normalized text of a text version.
    public func text(hash: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT content FROM texts WHERE hash = ?", arguments: [hash]) }
    }

    /// How many live annotations each document has.
    public func annotationCounts() throws -> [String: Int] {
        try read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT document_id, count(*) FROM annotations WHERE NOT deleted GROUP BY document_id")
            return Dictionary(uniqueKeysWithValues: rows.map { ($0[0], $0[1]) })
        }
    }

    static func defaultTitle(text: String, format: DocumentFormat, path: String) -> String {
        if format == .markdown {
            for line in text.split(separator: "\n", omittingEmptySubsequences: true).prefix(50)
            where line.hasPrefix("# ") {
                let heading = String(line.dropFirst(2).trimmingWhitespace(newlines: false))
                if !heading.isEmpty { return heading }
            }
        }
        return ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }
}
