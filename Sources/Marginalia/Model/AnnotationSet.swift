import Foundation
import GRDB

/// The saved filter of an ``AnnotationSet``: every condition given must hold.
///
/// The document is stored by id (so renaming it changes nothing); the author
/// as the reader typed it (a name or reader id prefix), matched when the set
/// is read; `since` as an ISO 8601 time.
public struct SetFilter: Hashable, Sendable {
    public var document: String?
    public var tag: String?
    public var author: String?
    public var since: Date?

    public init(document: String? = nil, tag: String? = nil, author: String? = nil, since: Date? = nil) {
        self.document = document
        self.tag = tag
        self.author = author
        self.since = since
    }

    /// Whether no condition is given (the set is its explicit members alone).
    public var isEmpty: Bool { document == nil && tag == nil && author == nil && since == nil }

    /// This filter with each condition `conditions` gives in place of its own.
    public func replacingConditions(with conditions: SetFilter) -> SetFilter {
        SetFilter(
            document: conditions.document ?? document, tag: conditions.tag ?? tag, author: conditions.author ?? author,
            since: conditions.since ?? since)
    }

    /// The canonical JSON form kept in the log and the `filter` column.
    public var jsonValue: JSONValue {
        var fields: [String: JSONValue] = [:]
        if let document { fields["document"] = .string(document) }
        if let tag { fields["tag"] = .string(tag) }
        if let author { fields["author"] = .string(author) }
        if let since { fields["since"] = .string(Timestamps.iso8601(since)) }
        return .object(fields)
    }

    init(json: JSONValue) {
        document = json["document"]?.stringValue
        tag = json["tag"]?.stringValue
        author = json["author"]?.stringValue
        since = json["since"]?.stringValue.flatMap(Timestamps.parseUserDate)
    }
}

/// A named annotation set: explicit members and/or a saved filter.
///
/// Sets are shared items: they sync like annotations, and every reader of a
/// group sees the same set. An annotation belongs to the set when it is an
/// explicit member, or (when the set has a filter) when it passes the filter.
///
/// ```swift
/// let set = try library.createSet("thesis", filter: SetFilter(tag: "thesis"))
/// try library.addToSet("thesis", annotations: ["6f9a"])
/// let annotations = try library.setAnnotations("thesis")
/// ```
public struct AnnotationSet: LibraryRecord {
    public static let databaseTableName = "sets"
    public var id: String
    public var name: String
    public var filter: SetFilter
    /// Explicit members: annotation ids, sorted.
    public var members: [String]
    public var visibility: Visibility
    public var createdBy: String
    public var createdHlc: HLCTimestamp
    public var updatedHlc: HLCTimestamp
    public var deleted: Bool

    public init(row: Row) throws {
        id = row["id"]
        name = row["name"]
        filter = SetFilter(json: JSONValue(parsing: row["filter"]) ?? .null)
        members = [String](jsonColumn: row["members"])
        visibility = row["visibility"]
        createdBy = row["created_by"]
        createdHlc = row["created_hlc"]
        updatedHlc = row["updated_hlc"]
        deleted = row["deleted"]
    }

    public var columns: KeyValuePairs<String, (any DatabaseValueConvertible)?> {
        [
            "id": id,
            "name": name,
            "filter": filter.jsonValue.canonicalJSON,
            "members": members.jsonColumn,
            "visibility": visibility,
            "created_by": createdBy,
            "created_hlc": createdHlc,
            "updated_hlc": updatedHlc,
            "deleted": deleted,
        ]
    }

    init(
        id: String, name: String, filter: SetFilter, members: [String], visibility: Visibility, createdBy: String,
        createdHlc: HLCTimestamp, updatedHlc: HLCTimestamp, deleted: Bool
    ) {
        self.id = id
        self.name = name
        self.filter = filter
        self.members = members
        self.visibility = visibility
        self.createdBy = createdBy
        self.createdHlc = createdHlc
        self.updatedHlc = updatedHlc
        self.deleted = deleted
    }

    /// The set's JSON form (`set list --json`); `set show --json` adds the
    /// annotations in it as `annotations`.
    public func jsonValue(readers: [String: String], annotations: [Annotation]? = nil) -> JSONValue {
        var value: [String: JSONValue] = [
            "id": .string(id), "type": "set", "name": .string(name), "filter": filter.jsonValue,
            "members": .array(members.map(JSONValue.string)), "visibility": .string(visibility.rawValue),
            "createdBy": ["id": .string(createdBy), "name": JSONValue(readers[createdBy])],
            "created": .string(createdHlc.description), "updated": .string(updatedHlc.description),
            "deleted": .bool(deleted),
        ]
        if let annotations { value["annotations"] = .array(annotations.map { $0.jsonValue(readers: readers) }) }
        return .object(value)
    }
}
