import Foundation
import GRDB

extension Library {
    /// Creates a named annotation set, with a saved filter and/or explicit members.
    ///
    /// The set is shared unless `visibility` says otherwise, and travels to
    /// group channels like an annotation. Its filter's document is stored by
    /// id; its author as given (a reader name or id prefix, which must match
    /// a known reader now).
    ///
    /// - Throws: ``MarginaliaError/invalidInput(_:)`` for an empty name or a
    ///   name a live set already has; ``MarginaliaError/notFound(kind:reference:)``
    ///   for a member, document or author that does not exist.
    @discardableResult
    public func createSet(
        _ name: String, filter: SetFilter = SetFilter(), members: [String] = [], visibility: Visibility = .shared
    ) throws -> AnnotationSet {
        let name = try Self.validSetName(name)
        return try write { transaction in
            let db = transaction.db
            if try Self.liveSets(named: name, in: db).isEmpty == false {
                throw MarginaliaError.invalidInput(
                    "a set named '\(name)' exists already; `marginalia set add \(name) ID...` adds to it, or choose another name")
            }
            let filter = try Self.checkedFilter(filter, in: db)
            let ids = try Self.resolveMembers(members, in: db)
            let id = Identifier.newEntityID()
            try transaction.recordCreation(
                .set, id,
                .create(
                    registers: [
                        Field.name: .string(name), Field.filter: filter.jsonValue,
                        Field.visibility: .string(visibility.rawValue), Field.deleted: false,
                    ],
                    texts: [:],
                    sets: ids.isEmpty ? [:] : [Field.members: ids.map(JSONValue.string)]))
            try transaction.flush()
            return try AnnotationSet.fetchOne(db, key: id)!
        }
    }

    /// Renames a set.
    ///
    /// - Throws: ``MarginaliaError/invalidInput(_:)`` when another live set has the name.
    @discardableResult
    public func renameSet(_ reference: String, to newName: String) throws -> AnnotationSet {
        let name = try Self.validSetName(newName)
        return try write { transaction in
            let db = transaction.db
            let set = try Self.annotationSet(reference, in: db)
            guard set.name != name else { return set }
            if try Self.liveSets(named: name, in: db).contains(where: { $0.id != set.id }) {
                throw MarginaliaError.invalidInput("a set named '\(name)' exists already; choose another name")
            }
            try transaction.record(.set, set.id, .set(field: Field.name, value: .string(name)))
            try transaction.flush()
            return try AnnotationSet.fetchOne(db, key: set.id)!
        }
    }

    /// Replaces a set's saved filter (an empty filter leaves the set its
    /// explicit members alone). The document, author and tag are checked as
    /// ``createSet(_:filter:members:visibility:)`` checks them.
    @discardableResult
    public func changeSetFilter(_ reference: String, to filter: SetFilter) throws -> AnnotationSet {
        try changeSetFilter(reference) { _ in filter }
    }

    /// Changes a set's saved filter to what `change` makes of the current one,
    /// read in the same transaction.
    ///
    /// ```swift
    /// try library.changeSetFilter("thesis") { $0.replacingConditions(with: SetFilter(tag: "chapter-2")) }
    /// ```
    @discardableResult
    public func changeSetFilter(_ reference: String, _ change: (SetFilter) -> SetFilter) throws -> AnnotationSet {
        try write { transaction in
            let db = transaction.db
            let set = try Self.annotationSet(reference, in: db)
            let filter = try Self.checkedFilter(change(set.filter), in: db)
            guard filter != set.filter else { return set }
            try transaction.record(.set, set.id, .set(field: Field.filter, value: filter.jsonValue))
            try transaction.flush()
            return try AnnotationSet.fetchOne(db, key: set.id)!
        }
    }

    /// Adds annotations to a set's explicit members.
    ///
    /// An add is written even for a member present already: a concurrent
    /// remove elsewhere has not seen it, so the member stays (add wins).
    @discardableResult
    public func addToSet(_ reference: String, annotations: [String]) throws -> AnnotationSet {
        try write { transaction in
            let db = transaction.db
            let set = try Self.annotationSet(reference, in: db)
            let ids = try Self.resolveMembers(annotations, in: db)
            guard !ids.isEmpty else { throw MarginaliaError.invalidInput("name at least one annotation to add") }
            try transaction.record(.set, set.id, .add(field: Field.members, elements: ids.map(JSONValue.string)))
            try transaction.flush()
            return try AnnotationSet.fetchOne(db, key: set.id)!
        }
    }

    /// Removes annotations from a set's explicit members (the adds seen of them).
    ///
    /// An annotation that passes the set's filter stays in the set: only
    /// explicit membership is removed.
    @discardableResult
    public func removeFromSet(_ reference: String, annotations: [String]) throws -> AnnotationSet {
        try write { transaction in
            let db = transaction.db
            let set = try Self.annotationSet(reference, in: db)
            let ids = try annotations.map { raw -> String in
                // A member may have been deleted since: match the set's own ids first.
                let key = raw.trimmingWhitespace(newlines: false).lowercased()
                let own = set.members.filter { $0.hasPrefix(key) }
                if own.count == 1 { return own[0] }
                if own.count > 1 { throw MarginaliaError.ambiguous(reference: raw, candidates: own) }
                throw MarginaliaError.invalidInput(
                    "'\(raw)' is not a member of the set '\(set.name)'; `marginalia set show \(set.name)` lists them")
            }
            let state = try Materializer.state(of: set.id, kind: .set, in: db)
            try transaction.record(.set, set.id, state.removing(Field.members, ids.map(JSONValue.string)))
            try transaction.flush()
            return try AnnotationSet.fetchOne(db, key: set.id)!
        }
    }

    /// Every live set this reader may see, by name.
    public func sets() throws -> [AnnotationSet] {
        try read { db in
            let viewer = try Self.local(db).readerId
            return try AnnotationSet.fetchAll(
                db, sql: "SELECT * FROM sets WHERE NOT deleted AND \(Self.notWithdrawn("sets")) ORDER BY name, id",
                arguments: [viewer])
        }
    }

    /// A set by name, id or unique id prefix.
    public func annotationSet(_ reference: String) throws -> AnnotationSet {
        try read { db in try Self.annotationSet(reference, in: db) }
    }

    /// The annotations of a set (explicit members and those passing its
    /// filter), live and visible to this reader: by document id, then in
    /// text order.
    public func setAnnotations(_ reference: String) throws -> [Annotation] {
        try read { db in try Self.setAnnotations(Self.annotationSet(reference, in: db), in: db) }
    }

    // MARK: Helpers

    static func validSetName(_ name: String) throws -> String {
        let trimmed = TextNormalizer.normalize(name).trimmingWhitespace()
        guard !trimmed.isEmpty, !trimmed.contains(where: \.isNewline), trimmed.count <= 100 else {
            throw MarginaliaError.invalidInput("'\(name)' is not a set name; a set name is one line of up to 100 characters")
        }
        return trimmed
    }

    /// A filter as it is stored: its document by id, its tag normalized, its author known.
    static func checkedFilter(_ filter: SetFilter, in db: Database) throws -> SetFilter {
        var filter = filter
        filter.document = try filter.document.map { try resolve($0, as: .document, in: db) }
        if let author = filter.author { _ = try readers(matching: author, in: db) }
        if let tag = filter.tag { filter.tag = try validTags([tag]).first }
        return filter
    }

    static func liveSets(named name: String, in db: Database) throws -> [AnnotationSet] {
        let viewer = try local(db).readerId
        return try AnnotationSet.fetchAll(
            db, sql: "SELECT * FROM sets WHERE name = ? AND NOT deleted AND \(notWithdrawn("sets")) ORDER BY id",
            arguments: [name, viewer])
    }

    /// A live set by exact name, else by id or unique id prefix.
    static func annotationSet(_ reference: String, in db: Database) throws -> AnnotationSet {
        let named = try liveSets(named: reference.trimmingWhitespace(), in: db)
        if named.count == 1 { return named[0] }
        if named.count > 1 {
            // Two libraries created the same name before they synced.
            throw MarginaliaError.ambiguous(reference: reference, candidates: named.map(\.id))
        }
        let id: String
        do {
            id = try resolve(reference, as: .set, in: db)
        } catch MarginaliaError.notFound, MarginaliaError.wrongKind {
            throw MarginaliaError.notFound(kind: "set", reference: reference)
        } catch MarginaliaError.invalidInput {
            throw MarginaliaError.notFound(kind: "set", reference: reference)
        }
        let set = try AnnotationSet.fetchOne(db, key: id)!
        if set.deleted { throw MarginaliaError.deleted(id: id) }
        return set
    }

    static func resolveMembers(_ references: [String], in db: Database) throws -> [String] {
        var seen = Set<String>()
        return try references.compactMap { reference in
            let id = try resolve(reference, as: .annotation, in: db)
            return seen.insert(id).inserted ? id : nil
        }
    }

    /// The live annotations of a set that this reader may see.
    static func setAnnotations(_ set: AnnotationSet, in db: Database) throws -> [Annotation] {
        var chosen: [String: Annotation] = [:]
        if !set.filter.isEmpty {
            let filter = ItemFilter(
                document: set.filter.document, tag: set.filter.tag, author: set.filter.author, since: set.filter.since,
                kind: .annotation)
            let matching: [Item]
            do {
                matching = try items(filter, in: db)
            } catch MarginaliaError.notFound {
                // The filter's document or reader is not (or no longer) here: nothing passes it.
                matching = []
            }
            for case .annotation(let annotation) in matching { chosen[annotation.id] = annotation }
        }
        let viewer = try local(db).readerId
        let members = try set.members.filter { chosen[$0] == nil }.compactMap { id in
            try Annotation.fetchOne(
                db, sql: "SELECT * FROM annotations WHERE id = ? AND NOT deleted AND \(notWithdrawn("annotations"))",
                arguments: [id, viewer])
        }
        for annotation in try placed(members.map { try completed($0, in: db) }, in: db) {
            chosen[annotation.id] = annotation
        }
        // By document, then in the order of its text (as `list --doc` shows them).
        return chosen.values.sorted {
            $0.documentId != $1.documentId ? $0.documentId < $1.documentId : textOrder($0, $0.anchor, $1, $1.anchor)
        }
    }
}

extension AnnotationSet {
    /// Whether the set has neither a filter nor members.
    public var isEmpty: Bool { filter.isEmpty && members.isEmpty }
}
