import Foundation

/// The JSON forms of the library's items: what `--json` prints and what
/// scripts rely on. Times are ISO 8601 in UTC; ids are full.
extension Document {
    /// The document's JSON form. `doc list --json` adds `counts`
    /// (`{"annotations": N}`); `doc show --json` adds the current text as
    /// `content` and the annotations, in text order, as `annotations`.
    public func jsonValue(
        readers: [String: String], annotationCount: Int? = nil, content: String? = nil, annotations: [Annotation]? = nil
    ) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(id), "type": "document", "title": .string(title),
            "authors": .array(authors.map(JSONValue.string)),
            "identifiers": .array(identifiers.map(JSONValue.string)),
            "text": JSONValue(currentText),
            "textVersions": .array(textVersions.map(JSONValue.string)),
            "visibility": .string(visibility.rawValue),
            "createdBy": author(createdBy, readers),
            "created": .string(createdHlc.description), "updated": .string(updatedHlc.description),
            "deleted": .bool(deleted),
        ]
        if let annotationCount { fields["counts"] = ["annotations": .int(annotationCount)] }
        if let annotations {
            fields["content"] = JSONValue(content)
            fields["annotations"] = .array(annotations.map { $0.jsonValue(readers: readers) })
        }
        return .object(fields)
    }
}

extension Annotation {
    /// The annotation's JSON form (`list`, `show`, `doc show` and `set show` with `--json`).
    public func jsonValue(readers: [String: String]) -> JSONValue {
        var target: [String: JSONValue] = ["document": .string(documentId), "text": JSONValue(textHash)]
        if let quoteExact {
            target["quote"] = [
                "exact": .string(quoteExact), "prefix": .string(quotePrefix ?? ""), "suffix": .string(quoteSuffix ?? ""),
            ]
        }
        if let positionStart, let positionEnd { target["position"] = ["start": .int(positionStart), "end": .int(positionEnd)] }
        if let page { target["page"] = .string(page) }
        var fields: [String: JSONValue] = [
            "id": .string(id), "type": "annotation", "target": .object(target),
            "note": JSONValue(body), "tags": .array(tags.map(JSONValue.string)),
            "motivation": .string(motivation.rawValue), "color": JSONValue(color),
            "visibility": .string(visibility.rawValue), "replyTo": JSONValue(replyTo),
            "author": author(createdBy, readers),
            "created": .string(createdHlc.description), "updated": .string(updatedHlc.description),
            "deleted": .bool(deleted), "conflict": .bool(inConflict),
            "quote": JSONValue(quoteExact),
        ]
        if let anchor { fields["anchor"] = anchor.outputJSON }
        return .object(fields)
    }
}

extension Anchor {
    /// `{"status", "start", "end", "score"}`: offsets in code points of the
    /// current text version (null for an orphan), the score in thousandths
    /// (0 to 1000; JSON values here are integers, so the state hash never
    /// depends on how a fraction prints).
    public var outputJSON: JSONValue {
        [
            "status": .string(status.rawValue), "start": JSONValue(position?.start), "end": JSONValue(position?.end),
            "score": .int(score),
        ]
    }
}

extension EditionReport {
    /// What `doc update --json` prints: where each annotation went in the new edition.
    public func jsonValue(readers: [String: String]) -> JSONValue {
        [
            "document": .string(document.id), "text": .string(textHash), "dryRun": .bool(dryRun),
            "exact": .int(count(.exact)), "fuzzy": .int(count(.fuzzy)), "orphan": .int(count(.orphan)),
            "annotations": .array(results.map { result in
                ["id": .string(result.annotation.id), "quote": JSONValue(result.annotation.quoteExact),
                 "anchor": result.anchor.outputJSON]
            }),
        ]
    }
}

extension Note {
    /// The note's JSON form (`list` and `show` with `--json`).
    public func jsonValue(readers: [String: String]) -> JSONValue {
        [
            "id": .string(id), "type": "note", "title": JSONValue(title), "note": .string(body),
            "document": JSONValue(documentId), "tags": .array(tags.map(JSONValue.string)),
            "visibility": .string(visibility.rawValue), "author": author(createdBy, readers),
            "created": .string(createdHlc.description), "updated": .string(updatedHlc.description),
            "deleted": .bool(deleted), "conflict": .bool(inConflict),
        ]
    }
}

extension Item {
    /// The JSON form of the annotation or note.
    public func jsonValue(readers: [String: String]) -> JSONValue {
        switch self {
        case .annotation(let a): a.jsonValue(readers: readers)
        case .note(let n): n.jsonValue(readers: readers)
        }
    }
}

extension HistoryEntry {
    /// One revision as `history --json` prints it.
    public var jsonValue: JSONValue {
        [
            "operation": .string(operation.id.description), "time": .string(operation.hlc.description),
            "author": ["id": .string(operation.reader), "name": .string(readerName)],
            "change": operation.change.jsonValue, "head": .bool(isHead),
        ]
    }
}

extension SearchHit {
    /// One hit as `search --json` prints it.
    public var jsonValue: JSONValue {
        ["id": .string(id), "type": .string(kind.rawValue), "field": .string(field), "snippet": .string(snippet)]
    }
}

extension LibraryStatus {
    /// What `status --json` prints: reader, replica, counts and the state hashes.
    public var jsonValue: JSONValue {
        [
            "library": .string(path),
            "reader": ["id": .string(reader.readerID), "name": .string(reader.name)],
            "replica": .string(reader.replicaID),
            "counts": [
                "documents": .int(documents), "annotations": .int(annotations), "notes": .int(notes),
                "operations": .int(operations), "conflicts": .int(conflicts),
            ],
            "schema": .string(schema),
            "stateHash": .string(stateHash),
            "sharedStateHash": .string(sharedStateHash),
            "remotes": .int(remotes),
            "copiedReplica": JSONValue(copiedReplica),
        ]
    }
}

extension CheckReport {
    /// What `check --json` prints: the problems found (none when the library is sound) and the state hash.
    public var jsonValue: JSONValue {
        [
            "ok": .bool(ok), "problems": .array(problems.map(JSONValue.string)), "stateHash": .string(stateHash),
            "entities": .int(entities), "operations": .int(operations), "rebuilt": .bool(rebuilt),
        ]
    }
}

private func author(_ readerID: String, _ readers: [String: String]) -> JSONValue {
    ["id": .string(readerID), "name": JSONValue(readers[readerID])]
}

extension JSONValue {
    /// Indented JSON with sorted keys, for people and scripts alike.
    public var prettyJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? canonicalJSON
    }
}
