import Crypto
import Foundation
import GRDB

/// The file formats `export` writes.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// A W3C Web Annotation `AnnotationCollection` (JSON-LD).
    case jsonld
    /// Markdown grouped by document, with YAML front matter.
    case markdown
    /// Every field of every annotation, RFC 4180 CSV.
    case csv
    /// The columns of Readwise's CSV import.
    case readwise
    /// One self-contained HTML page: the texts with their highlights and notes.
    case html
}

/// Which annotations an export holds: those of a set (if given) that pass
/// every filter given. Private annotations (and annotations of private
/// documents) only with ``includePrivate``; deleted ones never.
public struct ExportRequest: Sendable, Hashable {
    public var format: ExportFormat
    /// A set by name or id.
    public var set: String?
    public var document: String?
    public var tag: String?
    /// A reader name or id prefix.
    public var author: String?
    /// Only annotations created or changed at or after this time (incremental exports).
    public var since: Date?
    public var includePrivate: Bool

    public init(
        format: ExportFormat, set: String? = nil, document: String? = nil, tag: String? = nil, author: String? = nil,
        since: Date? = nil, includePrivate: Bool = false
    ) {
        self.format = format
        self.set = set
        self.document = document
        self.tag = tag
        self.author = author
        self.since = since
        self.includePrivate = includePrivate
    }

    /// A stable key for what was asked (not for what was found): the
    /// collection IRI of a JSON-LD export.
    var key: String {
        let parts = [
            set ?? "", document ?? "", tag ?? "", author ?? "", since.map(Timestamps.iso8601) ?? "",
            includePrivate ? "private" : "",
        ]
        return Identifier.hex(SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8))).prefixString(32)
    }
}

/// Everything one export shows, in a fixed order, read in one transaction.
struct ExportContents {
    var request: ExportRequest
    /// The set exported, if any.
    var set: AnnotationSet?
    /// Documents in export order (title, then id), each with its annotations in text order.
    var documents: [(document: Document, annotations: [Annotation])]
    var readers: [String: String]
    /// The current text of each document that has one, by text hash (HTML only).
    var texts: [String: String]

    var annotations: [Annotation] { documents.flatMap(\.annotations) }
    var title: String { self.set.map { "Marginalia: \($0.name)" } ?? "Marginalia export" }

    func readerName(_ id: String) -> String { readers[id] ?? String(id.prefix(8)) }
}

extension Library {
    /// The annotations `request` names, in its format.
    ///
    /// The output depends on the library's state alone (no clock, no
    /// locale): the same state gives a byte-identical file. Items are in
    /// document order (title, then id), and in text order within a document.
    ///
    /// ```swift
    /// let data = try library.export(ExportRequest(format: .markdown, set: "thesis"))
    /// ```
    public func export(_ request: ExportRequest) throws -> Data {
        var data = Data()
        try export(request) { data.append($0.assumingMemoryBound(to: UInt8.self)) }
        return data
    }

    /// Writes the annotations `request` names in its format to `output`, in
    /// pieces as they are ready: a JSON-LD export is streamed from the
    /// library in chunks of a megabyte, whatever its size; the other formats
    /// come in one piece.
    ///
    /// ```swift
    /// try AtomicFile.write(to: "all.jsonld") { output in
    ///     try library.export(ExportRequest(format: .jsonld), to: output)
    /// }
    /// ```
    public func export(_ request: ExportRequest, to output: (UnsafeRawBufferPointer) throws -> Void) throws {
        let render: (ExportContents) -> String
        switch request.format {
        case .jsonld: return try read { db in try JSONLDExport.write(request, in: db, to: output) }
        case .markdown: render = MarkdownExport.render
        case .csv: render = CSVExport.render
        case .readwise: render = CSVExport.renderReadwise
        case .html: render = HTMLExport.render
        }
        var text = render(try exportContents(request))
        try text.withUTF8 { try output(UnsafeRawBufferPointer($0)) }
    }

    func exportContents(_ request: ExportRequest) throws -> ExportContents {
        try read { db in
            let filter = ItemFilter(
                document: request.document, tag: request.tag, author: request.author, since: request.since,
                kind: .annotation)
            var set: AnnotationSet?
            var annotations = try Self.items(filter, in: db).compactMap { item -> Annotation? in
                guard case .annotation(let a) = item, request.includePrivate || a.visibility == .shared else { return nil }
                return a
            }
            if let reference = request.set {
                let found = try Self.annotationSet(reference, in: db)
                set = found
                let passing = Set(annotations.map(\.id))
                annotations = try Self.setAnnotations(found, in: db).filter { passing.contains($0.id) }
            }

            var byDocument: [String: [Annotation]] = [:]
            for annotation in annotations { byDocument[annotation.documentId, default: []].append(annotation) }
            annotations = []
            var documents: [(Document, [Annotation])] = []
            var texts: [String: String] = [:]
            for (id, list) in byDocument {
                guard let document = try Document.fetchOne(db, key: id) else { continue }
                // A private document is a private item: its title and text stay out too.
                if document.visibility == .private && !request.includePrivate { continue }
                documents.append((document, list.sorted { Self.textOrder($0, $0.anchor, $1, $1.anchor) }))
                if request.format == .html, let hash = document.currentText {
                    texts[hash] = try String.fetchOne(db, sql: "SELECT content FROM texts WHERE hash = ?", arguments: [hash])
                }
            }
            documents.sort { ($0.0.title, $0.0.id) < ($1.0.title, $1.0.id) }
            return ExportContents(
                request: request, set: set, documents: documents.map { (document: $0.0, annotations: $0.1) },
                readers: try Self.readerNames(in: db), texts: texts)
        }
    }
}

extension String {
    func prefixString(_ count: Int) -> String { String(prefix(count)) }
}

extension Document {
    /// An IRI for the document: its URL, `urn:isbn:`, a DOI resolver URL,
    /// else `urn:marginalia:document:<id>`.
    var iri: String {
        for identifier in identifiers.sorted() {
            if identifier.hasPrefix("url:") { return String(identifier.dropFirst(4)) }
        }
        for identifier in identifiers.sorted() {
            if identifier.hasPrefix("isbn:") { return "urn:isbn:" + identifier.dropFirst(5) }
            if identifier.hasPrefix("doi:") { return "https://doi.org/" + identifier.dropFirst(4) }
        }
        return "urn:marginalia:document:" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id)
    }

    /// The URL identifier, if any.
    var url: String? {
        identifiers.sorted().first { $0.hasPrefix("url:") }.map { String($0.dropFirst(4)) }
    }
}

extension HLCTimestamp {
    /// `2026-11-29T11:40:00Z`: seconds precision, UTC.
    var isoSeconds: String { description.prefix(19) + "Z" }
    /// `2026-11-29`.
    var day: String { String(description.prefix(10)) }
}
