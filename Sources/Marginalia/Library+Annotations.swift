import Foundation
import GRDB

/// How a new annotation finds its passage.
public enum AnchorRequest: Sendable, Hashable {
    /// The exact text, told apart from other occurrences by the text just before and after it.
    case quote(exact: String, prefix: String = "", suffix: String = "")
    /// Code-point offsets in the document's current text, end exclusive.
    case position(start: Int, end: Int)
    /// No passage: a page note, or a note on the whole document.
    case none
}

/// What a new annotation is made of.
public struct AnnotationDraft: Sendable {
    /// The document: an id, a unique prefix, a slug or its exact title.
    public var document: String
    public var anchor: AnchorRequest
    /// A printed page locator (`202`, `pp. 202-03`, `xii`, `Location 1234`).
    public var page: String?
    public var note: String?
    public var tags: [String]
    /// Shared unless the reader says otherwise.
    public var visibility: Visibility
    public var replyTo: String?
    public var motivation: Motivation?
    public var color: String?

    public init(
        document: String, anchor: AnchorRequest = .none, page: String? = nil, note: String? = nil,
        tags: [String] = [], visibility: Visibility = .shared, replyTo: String? = nil,
        motivation: Motivation? = nil, color: String? = nil
    ) {
        self.document = document
        self.anchor = anchor
        self.page = page
        self.note = note
        self.tags = tags
        self.visibility = visibility
        self.replyTo = replyTo
        self.motivation = motivation
        self.color = color
    }
}

/// What a new personal note is made of.
public struct NoteDraft: Sendable {
    public var body: String
    public var title: String?
    /// The document the note is about, if any.
    public var document: String?
    public var tags: [String]
    /// Private unless the reader says otherwise.
    public var visibility: Visibility

    public init(
        body: String, title: String? = nil, document: String? = nil, tags: [String] = [],
        visibility: Visibility = .private
    ) {
        self.body = body
        self.title = title
        self.document = document
        self.tags = tags
        self.visibility = visibility
    }
}

extension Library {
    /// The longest quote an annotation may carry, in code points.
    public static let maximumQuoteLength = 10_000

    /// Creates an annotation on a passage or page of a document.
    ///
    /// A quote must occur in the document's current text; when it occurs more
    /// than once, `prefix`/`suffix` must single one out. The stored target
    /// carries the quote with 32 code points of context, its position, and the
    /// page locator when one is given.
    public func annotate(_ draft: AnnotationDraft) throws -> Annotation {
        try annotate([draft])[0]
    }

    /// Creates many annotations in one transaction: all of them, or (when
    /// one is refused) none.
    public func annotate(_ drafts: [AnnotationDraft]) throws -> [Annotation] {
        try write { transaction in
            var texts: [String: CodePointText] = [:]
            var ids: [String] = []
            for draft in drafts {
                ids.append(try Self.recordAnnotation(draft, texts: &texts, in: &transaction))
            }
            try transaction.flush()
            return try ids.map { try Self.annotation($0, in: transaction.db) }
        }
    }

    private static func recordAnnotation(
        _ draft: AnnotationDraft, texts: inout [String: CodePointText], in transaction: inout WriteTransaction
    ) throws -> String {
        let page = try draft.page.map(Self.parsePage)
        let note = draft.note.map(TextNormalizer.normalize)
        let tags = try Self.validTags(draft.tags)
        if let color = draft.color, !Self.isValidColor(color) {
            throw MarginaliaError.invalidInput("'\(color)' is not a colour; use a name such as yellow or a hex value such as #ffd54f")
        }
        if case .none = draft.anchor, page == nil, note?.isEmpty ?? true {
            throw MarginaliaError.invalidInput("an annotation needs a passage (--quote or --at), a page (--page) or a note (--note)")
        }
        let db = transaction.db
        let documentID = try Self.resolve(draft.document, as: .document, in: db)
        let document = try Document.fetchOne(db, id: documentID)!
        if document.deleted { throw MarginaliaError.deleted(id: documentID) }
        let replyTo = try draft.replyTo.map { try Self.resolve($0, as: .annotation, in: db) }
        var text: CodePointText?
        if let hash = document.currentText, draft.anchor != .none {
            if texts[hash] == nil { texts[hash] = try Self.codePointText(hash, in: db) }
            text = texts[hash]
        }
        let target = try Self.target(for: draft.anchor, page: page, document: document, text: text)
        let id = Identifier.newEntityID()
        try recordAnnotation(
            id: id, documentID: documentID, target: target, note: note, tags: tags, motivation: draft.motivation,
            visibility: draft.visibility, replyTo: replyTo, color: draft.color, idIsUnseen: true, in: &transaction)
        return id
    }

    /// Writes the operation that creates an annotation whose parts are checked.
    ///
    /// Without a motivation: replying for a reply, commenting with a note,
    /// bookmarking without a passage, else highlighting. `created` (an
    /// imported annotation's own time) stands for the time of the operation.
    /// `idIsUnseen`: no operation of the log names `id` (see
    /// ``WriteTransaction/recordCreation(_:_:_:)``).
    static func recordAnnotation(
        id: String, documentID: String, target: AnnotationTarget, note: String?, tags: [String],
        motivation: Motivation?, visibility: Visibility, replyTo: String? = nil, color: String? = nil,
        created: Date? = nil, idIsUnseen: Bool, in transaction: inout WriteTransaction
    ) throws {
        let motivation =
            motivation
            ?? (replyTo != nil ? .replying : (note?.isEmpty == false ? .commenting : (target.quote == nil ? .bookmarking : .highlighting)))
        var registers: [String: JSONValue] = [
            Field.document: .string(documentID),
            Field.target: target.jsonValue,
            Field.motivation: .string(motivation.rawValue),
            Field.visibility: .string(visibility.rawValue),
            Field.deleted: false,
        ]
        if let replyTo { registers[Field.replyTo] = .string(replyTo) }
        if let color { registers[Field.color] = .string(color.lowercased()) }
        if let created { registers[Field.created] = .int(Int((created.timeIntervalSince1970 * 1000).rounded())) }
        let creation = Change.create(
            registers: registers,
            texts: note.flatMap { $0.isEmpty ? nil : [Field.body: $0] } ?? [:],
            sets: tags.isEmpty ? [:] : [Field.tags: tags.map(JSONValue.string)])
        if idIsUnseen {
            try transaction.recordCreation(.annotation, id, creation)
        } else {
            try transaction.record(.annotation, id, creation)
        }
    }

    /// Creates a free-standing note.
    public func addNote(_ draft: NoteDraft) throws -> Note {
        let body = TextNormalizer.normalize(draft.body)
        guard !body.allSatisfy(\.isWhitespace) else { throw MarginaliaError.invalidInput("the note is empty; give its text (or - to read it from standard input)") }
        let tags = try Self.validTags(draft.tags)
        let title = draft.title?.trimmingWhitespace()
        return try write { transaction in
            let db = transaction.db
            let documentID = try draft.document.map { try Self.resolve($0, as: .document, in: db) }
            var registers: [String: JSONValue] = [
                Field.visibility: .string(draft.visibility.rawValue),
                Field.deleted: false,
            ]
            if let title, !title.isEmpty { registers[Field.title] = .string(title) }
            if let documentID { registers[Field.document] = .string(documentID) }
            let id = Identifier.newEntityID()
            try transaction.recordCreation(
                .note, id,
                .create(
                    registers: registers, texts: [Field.body: body],
                    sets: tags.isEmpty ? [:] : [Field.tags: tags.map(JSONValue.string)]))
            try transaction.flush()
            return try Self.note(id, in: db)
        }
    }

    /// The note text of an annotation or note, as it stands (empty when it has none).
    public func noteText(of reference: String) throws -> String {
        try read { db in
            let (id, kind) = try Self.resolve(reference, in: db)
            return try Materializer.state(of: id, kind: kind, in: db).text(Field.body)?.value ?? ""
        }
    }

    /// The note text to start an edit from: what ``noteText(of:)`` gives, but
    /// refusing what ``edit(_:note:title:visibility:)`` would refuse, so that a
    /// reader is not sent to their editor for text that cannot be saved.
    public func noteTextToEdit(of reference: String) throws -> String {
        try read { db in
            try Self.changeable(reference, in: db, refusing: Self.notEditable).state.text(Field.body)?.value ?? ""
        }
    }

    /// Why a document or set cannot be edited as an annotation or note is.
    static func notEditable(_ reference: String, _ kind: EntityKind) -> MarginaliaError {
        .invalidInput(
            "\(reference) is a \(kind.rawValue); edit annotations and notes"
                + (kind == .set ? " (`marginalia set add|rm|rename|edit` changes a set)" : " (`marginalia doc` changes a document)"))
    }

    /// The id, kind and state of the live annotation or note `reference`
    /// names; a document or set is refused with `refusal`, a deleted item
    /// with ``MarginaliaError/deleted(id:)``.
    static func changeable(
        _ reference: String, in db: Database, refusing refusal: (String, EntityKind) -> MarginaliaError
    ) throws -> (id: String, kind: EntityKind, state: EntityState) {
        let (id, kind) = try resolve(reference, in: db)
        guard kind == .annotation || kind == .note else { throw refusal(reference, kind) }
        let state = try Materializer.state(of: id, kind: kind, in: db)
        if state.isDeleted { throw MarginaliaError.deleted(id: id) }
        return (id, kind, state)
    }

    /// Replaces the note text of an annotation or note (all its current
    /// revisions, so an open conflict is settled by this text), its title
    /// (notes), or who may see it.
    ///
    /// Making an item shared publishes it, with its whole history, to the
    /// group channels at the next sync.
    ///
    /// - Returns: false when everything was already so, and nothing was written.
    @discardableResult
    public func edit(
        _ reference: String, note: String? = nil, title: String? = nil, visibility: Visibility? = nil
    ) throws -> Bool {
        let note = note.map(TextNormalizer.normalize)
        return try write { transaction in
            let db = transaction.db
            let (id, kind, state) = try Self.changeable(reference, in: db, refusing: Self.notEditable)
            var changed = false
            if let note {
                let body = state.text(Field.body)
                if kind == .note, note.allSatisfy(\.isWhitespace) {
                    throw MarginaliaError.invalidInput("a note cannot be empty; `marginalia rm \(reference)` deletes it")
                }
                let unchanged = body.map { $0.heads.count == 1 && $0.value == note } ?? note.isEmpty
                if !unchanged {
                    try transaction.record(kind, id, state.writing(Field.body, note))
                    changed = true
                }
            }
            if let title = title?.trimmingWhitespace() {
                guard kind == .note else { throw MarginaliaError.invalidInput("only notes have titles; drop --title to edit an annotation") }
                if state.string(Field.title) ?? "" != title {
                    try transaction.record(kind, id, .set(field: Field.title, value: title.isEmpty ? .null : .string(title)))
                    changed = true
                }
            }
            if let visibility, state.string(Field.visibility) != visibility.rawValue {
                try transaction.record(kind, id, .set(field: Field.visibility, value: .string(visibility.rawValue)))
                changed = true
            }
            return changed
        }
    }

    /// Adds and removes tags of an annotation or note.
    ///
    /// A remove names the adds it has seen, so a tag that another replica adds
    /// concurrently survives it.
    ///
    /// - Returns: the tags afterwards.
    @discardableResult
    public func retag(_ reference: String, adding: [String] = [], removing: [String] = []) throws -> [String] {
        let adding = try Self.validTags(adding)
        let removing = try Self.validTags(removing)
        return try write { transaction in
            let db = transaction.db
            let (id, kind, state) = try Self.changeable(reference, in: db) { _, kind in
                .invalidInput("\(kind.rawValue)s have no tags; tag annotations and notes")
            }
            let present = Set(state.set(Field.tags).compactMap(\.stringValue))
            // An add is written even for a tag already present: a remove made
            // elsewhere at the same time has not seen it, so the tag survives
            // (add wins), as the reader who just asked for it expects.
            let toAdd = adding
            let toRemove = removing.filter { present.contains($0) && !adding.contains($0) }
            if !toAdd.isEmpty {
                try transaction.record(kind, id, .add(field: Field.tags, elements: toAdd.map(JSONValue.string)))
            }
            if !toRemove.isEmpty {
                try transaction.record(kind, id, state.removing(Field.tags, toRemove.map(JSONValue.string)))
            }
            return present.union(toAdd).subtracting(toRemove).sorted()
        }
    }

    /// Deletes an item (a tombstone: it stays in history and `restore` brings it back).
    ///
    /// - Returns: false when it was deleted already.
    @discardableResult
    public func delete(_ reference: String) throws -> Bool {
        try setDeleted(reference, true)
    }

    /// Undeletes an item.
    ///
    /// - Returns: false when it was not deleted.
    @discardableResult
    public func restore(_ reference: String) throws -> Bool {
        try setDeleted(reference, false)
    }

    private func setDeleted(_ reference: String, _ deleted: Bool) throws -> Bool {
        try write { transaction in
            let (id, kind) = try Self.resolve(reference, in: transaction.db)
            let state = try Materializer.state(of: id, kind: kind, in: transaction.db)
            guard state.isDeleted != deleted else { return false }
            try transaction.record(kind, id, deleted ? state.deleting() : .set(field: Field.deleted, value: false))
            return true
        }
    }

    // MARK: Helpers

    static func annotation(_ id: String, in db: Database) throws -> Annotation {
        guard let annotation = try Annotation.fetchOne(db, id: id) else {
            throw MarginaliaError.notFound(kind: "annotation", reference: id)
        }
        return try completed(annotation, in: db)
    }

    static func note(_ id: String, in db: Database) throws -> Note {
        guard let note = try Note.fetchOne(db, id: id) else { throw MarginaliaError.notFound(kind: "note", reference: id) }
        return try completed(note, in: db)
    }

    /// Fills in what lives beside the row: tags, and whether it is in conflict.
    static func completed(_ annotation: Annotation, in db: Database) throws -> Annotation {
        var annotation = annotation
        annotation.tags = try tags(of: annotation.id, in: db)
        annotation.inConflict = try isInConflict(annotation.id, in: db)
        annotation.anchors = try recordedAnchors(of: annotation.id, in: db)
        return annotation
    }

    /// Fills in what lives beside the rows of many annotations at once: three
    /// queries over the rows of `annotations` that `condition` (a WHERE
    /// clause on `annotations`) selects, instead of three per annotation.
    /// `annotations` must be every row the condition selects, or some of them.
    static func completed(
        _ annotations: [Annotation], selectedBy condition: String, arguments: StatementArguments, in db: Database
    ) throws -> [Annotation] {
        func rows(_ columns: String, from table: String, on key: String, orderedBy order: String = "") throws -> RowCursor {
            try Row.fetchCursor(
                db, sql: "SELECT \(columns) FROM \(table) JOIN annotations ON annotations.id = \(table).\(key) \(condition)\(order)",
                arguments: arguments)
        }
        var tags: [String: [String]] = [:]
        let tagRows = try rows("tags.entity_id, tags.tag", from: "tags", on: "entity_id", orderedBy: " ORDER BY tags.tag")
        while let row = try tagRows.next() { tags[row[0], default: []].append(row[1]) }
        var conflicts = Set<String>()
        let conflictRows = try rows("conflicts.entity_id", from: "conflicts", on: "entity_id")
        while let row = try conflictRows.next() { conflicts.insert(row[0]) }
        var anchors: [String: [String: Anchor]] = [:]
        let anchorRows = try rows(
            "anchors.annotation_id, anchors.text_hash, anchors.status, anchors.position_start, anchors.position_end, anchors.score",
            from: "anchors", on: "annotation_id")
        while let row = try anchorRows.next() {
            if let (textHash, anchor) = recordedAnchor(row) { anchors[row["annotation_id"], default: [:]][textHash] = anchor }
        }
        return annotations.map { annotation in
            var annotation = annotation
            annotation.tags = tags[annotation.id] ?? []
            annotation.inConflict = conflicts.contains(annotation.id)
            annotation.anchors = anchors[annotation.id] ?? [:]
            return annotation
        }
    }

    static func completed(_ note: Note, in db: Database) throws -> Note {
        var note = note
        note.tags = try tags(of: note.id, in: db)
        note.inConflict = try isInConflict(note.id, in: db)
        return note
    }

    static func isInConflict(_ id: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM conflicts WHERE entity_id = ?"), arguments: [id]) ?? false
    }

    static func tags(of id: String, in db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT tag FROM tags WHERE entity_id = ? ORDER BY tag", arguments: [id])
    }

    static func parsePage(_ text: String) throws -> PageLocator {
        guard let page = PageLocator(parsing: text) else {
            throw MarginaliaError.invalidInput(
                "'\(text)' is not a page locator; write \(PageLocator.syntaxHint)")
        }
        return page
    }

    static func validTags(_ tags: [String]) throws -> [String] {
        var seen = Set<String>()
        return try tags.compactMap { raw in
            let tag = TextNormalizer.normalize(raw).trimmingWhitespace()
            guard !tag.isEmpty, !tag.contains(where: { $0.isNewline || $0 == "," }), tag.count <= 100 else {
                throw MarginaliaError.invalidInput(
                    "'\(raw)' is not a tag; a tag is one line of up to 100 characters, without commas")
            }
            return seen.insert(tag).inserted ? tag : nil
        }
    }

    static func isValidColor(_ color: String) -> Bool {
        let named: Set<String> = ["yellow", "green", "blue", "pink", "purple", "orange", "red", "grey", "gray"]
        if named.contains(color.lowercased()) { return true }
        let hex = color.hasPrefix("#") ? color.dropFirst() : ""
        return (hex.count == 6 || hex.count == 3) && hex.allSatisfy(\.isHexDigit)
    }

    /// Finds the passage an anchor request names in the document's current text.
    static func target(
        for anchor: AnchorRequest, page: PageLocator?, document: Document, text: CodePointText?
    ) throws -> AnnotationTarget {
        guard let hash = document.currentText else {
            switch anchor {
            case .none:
                return AnnotationTarget(page: page)
            case .quote(let exact, let prefix, let suffix):
                // A paper book: keep the reader's quote as written, with its page.
                let quote = try validQuote(exact)
                return AnnotationTarget(
                    quote: TextQuoteSelector(
                        exact: quote, prefix: TextNormalizer.normalize(prefix), suffix: TextNormalizer.normalize(suffix)),
                    page: page)
            case .position:
                throw MarginaliaError.noText(document: document.id)
            }
        }
        guard let text else { return AnnotationTarget(textHash: hash, page: page) }
        let position: TextPositionSelector
        switch anchor {
        case .none:
            return AnnotationTarget(textHash: hash, page: page)
        case .position(let start, let end):
            guard start >= 0, end > start, end <= text.count else {
                throw MarginaliaError.rangeOutOfText(start: start, end: end, length: text.count)
            }
            guard end - start <= maximumQuoteLength else { throw quoteTooLong(end - start) }
            position = TextPositionSelector(start: start, end: end)
        case .quote(let exact, let prefix, let suffix):
            let quote = try validQuote(exact)
            switch QuoteLocator.locate(
                exact: quote, prefix: TextNormalizer.normalize(prefix), suffix: TextNormalizer.normalize(suffix), in: text)
            {
            case .unique(let found): position = found
            case .ambiguous(let candidates): throw MarginaliaError.quoteAmbiguous(quote: quote, positions: candidates)
            case .notFound(let closest):
                // Copied with other quotation marks, dashes or line breaks than the text has?
                let folded = TextAnchorer(text).anchor(
                    TextQuoteSelector(exact: quote, prefix: TextNormalizer.normalize(prefix), suffix: TextNormalizer.normalize(suffix)))
                guard folded.status == .exact, let found = folded.position else {
                    throw MarginaliaError.quoteNotFound(quote: quote, closest: closest?.text)
                }
                position = found
            }
        }
        return AnnotationTarget(
            textHash: hash, quote: QuoteLocator.quoteSelector(for: position, in: text), position: position, page: page)
    }

    static func validQuote(_ exact: String) throws -> String {
        let quote = TextNormalizer.normalize(exact)
        guard !quote.allSatisfy(\.isWhitespace) else { throw MarginaliaError.invalidInput("the quote is empty; give the passage's words with --quote, or its place with --at START:END or --page") }
        let length = quote.unicodeScalars.count
        guard length <= maximumQuoteLength else { throw quoteTooLong(length) }
        return quote
    }

    static func quoteTooLong(_ length: Int) -> MarginaliaError {
        .invalidInput(
            "the passage is \(length) code points long; the limit is \(maximumQuoteLength): annotate a shorter passage")
    }
}
