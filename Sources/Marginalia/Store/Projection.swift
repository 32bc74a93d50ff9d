import Foundation

/// The field names operations use, per kind of entity.
enum Field {
    static let title = "title"
    static let authors = "authors"
    static let identifiers = "identifiers"
    static let currentText = "currentText"
    static let textVersions = "textVersions"
    static let visibility = "visibility"
    static let deleted = "deleted"
    static let document = "document"
    static let target = "target"
    static let body = "body"
    static let tags = "tags"
    static let motivation = "motivation"
    static let color = "color"
    static let replyTo = "replyTo"
    /// When an imported annotation was made in its source (register:
    /// milliseconds since 1970); shown as its creation time.
    static let created = "created"
    /// `anchor:<text hash>`: where `doc update` re-anchored an annotation in that text version.
    static func anchor(_ textHash: String) -> String { "anchor:\(textHash)" }
    static let anchorPrefix = "anchor:"
    /// A set's name (register).
    static let name = "name"
    /// A set's saved filter (register: an object of document, tag, author, since).
    static let filter = "filter"
    /// A set's explicit members (observed-remove set of annotation ids).
    static let members = "members"
}

/// Turns merged entity states into the rows of the queried tables.
enum Projection {
    static func document(_ state: EntityState) -> Document? {
        guard let creation = state.creation, let lastChange = state.lastChange else { return nil }
        return Document(
            id: state.id,
            title: state.string(Field.title) ?? "",
            authors: state.register(Field.authors)?.arrayValue?.compactMap(\.stringValue) ?? [],
            identifiers: state.set(Field.identifiers).compactMap(\.stringValue),
            currentText: state.string(Field.currentText),
            textVersions: state.set(Field.textVersions).compactMap(\.stringValue),
            visibility: state.string(Field.visibility).flatMap(Visibility.init(rawValue:)) ?? .shared,
            createdBy: creation.reader,
            createdHlc: creation.hlc,
            updatedHlc: lastChange.hlc,
            deleted: state.isDeleted)
    }

    static func annotation(_ state: EntityState) -> Annotation? {
        guard let creation = state.creation, let lastChange = state.lastChange else { return nil }
        let target = AnnotationTarget(json: state.register(Field.target) ?? .null)
        let body = state.text(Field.body)
        var annotation = Annotation(
            id: state.id,
            documentId: state.string(Field.document) ?? "",
            textHash: target.textHash,
            quoteExact: target.quote?.exact,
            quotePrefix: target.quote?.prefix,
            quoteSuffix: target.quote?.suffix,
            positionStart: target.position?.start,
            positionEnd: target.position?.end,
            page: target.page?.description,
            pageOrder: target.page?.sortKey,
            body: body?.value,
            bodyHeads: Self.shownHeads(body),
            motivation: state.string(Field.motivation).flatMap(Motivation.init(rawValue:)) ?? .highlighting,
            color: state.string(Field.color),
            visibility: state.string(Field.visibility).flatMap(Visibility.init(rawValue:)) ?? .shared,
            replyTo: state.string(Field.replyTo),
            createdBy: creation.reader,
            // An imported annotation's own time, never later than its import.
            createdHlc: state.register(Field.created)?.intValue.map { min(HLCTimestamp(milliseconds: Int64($0), counter: 0), creation.hlc) }
                ?? creation.hlc,
            updatedHlc: lastChange.hlc,
            deleted: state.isDeleted,
            tags: state.set(Field.tags).compactMap(\.stringValue))
        annotation.inConflict = state.isInConflict
        for (field, register) in state.registers where field.hasPrefix(Field.anchorPrefix) {
            if let anchor = Anchor(json: register.value) {
                annotation.anchors[String(field.dropFirst(Field.anchorPrefix.count))] = anchor
            }
        }
        return annotation
    }

    static func annotationSet(_ state: EntityState) -> AnnotationSet? {
        guard let creation = state.creation, let lastChange = state.lastChange else { return nil }
        return AnnotationSet(
            id: state.id,
            name: state.string(Field.name) ?? "",
            filter: SetFilter(json: state.register(Field.filter) ?? .null),
            members: state.set(Field.members).compactMap(\.stringValue).sorted(),
            visibility: state.string(Field.visibility).flatMap(Visibility.init(rawValue:)) ?? .shared,
            createdBy: creation.reader,
            createdHlc: creation.hlc,
            updatedHlc: lastChange.hlc,
            deleted: state.isDeleted)
    }

    /// 0 without a note, 1 for one (or joined) version, more while in conflict.
    static func shownHeads(_ body: EntityState.TextField?) -> Int {
        guard let body, !body.heads.isEmpty else { return 0 }
        return body.isInConflict ? body.heads.count : 1
    }

    static func note(_ state: EntityState) -> Note? {
        guard let creation = state.creation, let lastChange = state.lastChange else { return nil }
        let body = state.text(Field.body)
        var note = Note(
            id: state.id,
            title: state.string(Field.title),
            body: body?.value ?? "",
            bodyHeads: Self.shownHeads(body),
            documentId: state.string(Field.document),
            visibility: state.string(Field.visibility).flatMap(Visibility.init(rawValue:)) ?? .private,
            createdBy: creation.reader,
            createdHlc: creation.hlc,
            updatedHlc: lastChange.hlc,
            deleted: state.isDeleted,
            tags: state.set(Field.tags).compactMap(\.stringValue))
        note.inConflict = state.isInConflict
        return note
    }
}

/// Where an annotation points: every anchor known for it.
public struct AnnotationTarget: Hashable, Sendable {
    /// The text version the annotation was made on; nil for a paper book.
    public var textHash: String?
    public var quote: TextQuoteSelector?
    public var position: TextPositionSelector?
    public var page: PageLocator?

    public init(
        textHash: String? = nil, quote: TextQuoteSelector? = nil, position: TextPositionSelector? = nil,
        page: PageLocator? = nil
    ) {
        self.textHash = textHash
        self.quote = quote
        self.position = position
        self.page = page
    }

    var jsonValue: JSONValue {
        var fields: [String: JSONValue] = [:]
        if let textHash { fields["text"] = .string(textHash) }
        if let quote {
            fields["quote"] = ["exact": .string(quote.exact), "prefix": .string(quote.prefix), "suffix": .string(quote.suffix)]
        }
        if let position { fields["position"] = ["start": .int(position.start), "end": .int(position.end)] }
        if let page { fields["page"] = .string(page.description) }
        return .object(fields)
    }

    init(json: JSONValue) {
        textHash = json["text"]?.stringValue
        if let exact = json["quote"]?["exact"]?.stringValue {
            quote = TextQuoteSelector(
                exact: exact, prefix: json["quote"]?["prefix"]?.stringValue ?? "",
                suffix: json["quote"]?["suffix"]?.stringValue ?? "")
        }
        if let start = json["position"]?["start"]?.intValue, let end = json["position"]?["end"]?.intValue {
            position = TextPositionSelector(start: start, end: end)
        }
        page = json["page"]?.stringValue.flatMap(PageLocator.init(parsing:))
    }
}

extension PageLocator {
    /// An integer that sorts as locators do, for the `page_order` column:
    /// the scheme in the top bits, then the start, then the end.
    var sortKey: Int {
        let scheme = Kind.allCases.firstIndex(of: kind) ?? 0
        return scheme << 60 | min(start, 1 << 30 - 1) << 30 | min(end, 1 << 30 - 1)
    }
}

extension Anchor {
    /// The form stored in an `anchor:<text hash>` register.
    var jsonValue: JSONValue {
        var fields: [String: JSONValue] = ["status": .string(status.rawValue), "score": .int(score)]
        if let position { fields["start"] = .int(position.start); fields["end"] = .int(position.end) }
        return .object(fields)
    }

    init?(json: JSONValue) {
        guard let status = json["status"]?.stringValue.flatMap(Status.init(rawValue:)),
            let score = json["score"]?.intValue
        else { return nil }
        var position: TextPositionSelector?
        if let start = json["start"]?.intValue, let end = json["end"]?.intValue {
            position = TextPositionSelector(start: start, end: end)
        }
        guard (status == .orphan) == (position == nil) else { return nil }
        self.init(status: status, position: position, score: score)
    }
}
