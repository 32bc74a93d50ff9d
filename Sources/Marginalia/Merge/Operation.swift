/// The identity of an operation: the replica that wrote it and its sequence
/// number there (counting up from 1).
///
/// Its text form, `<replica>.<seq>`, names text revisions and set adds.
public struct OperationID: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var replica: String
    public var seq: Int

    public init(replica: String, seq: Int) {
        self.replica = replica
        self.seq = seq
    }

    /// Parses `<replica>.<seq>`.
    public init?(_ text: String) {
        guard let dot = text.lastIndex(of: "."), let seq = Int(text[text.index(after: dot)...]), seq > 0
        else { return nil }
        self.init(replica: String(text[..<dot]), seq: seq)
    }

    public var description: String { "\(replica).\(seq)" }

    public static func < (lhs: OperationID, rhs: OperationID) -> Bool {
        (lhs.replica, lhs.seq) < (rhs.replica, rhs.seq)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = OperationID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad operation id \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The kinds of entity the log holds.
public enum EntityKind: String, Codable, Sendable, CaseIterable {
    case document
    case annotation
    case note
    /// A named annotation set (``AnnotationSet``).
    case set
}

/// One field-level change to an entity. The merge rule follows from the case.
public enum Change: Hashable, Sendable {
    /// A new entity with its full initial state. Its text fields are revisions
    /// with no parent; its set fields are adds tagged with this operation.
    case create(registers: [String: JSONValue], texts: [String: String], sets: [String: [JSONValue]])
    /// A last-writer-wins register write.
    case set(field: String, value: JSONValue)
    /// A multi-value register write that replaces the revisions it names.
    case write(field: String, value: String, replaces: [OperationID])
    /// Adds to an observed-remove set, tagged with this operation.
    case add(field: String, elements: [JSONValue])
    /// Removes from an observed-remove set the adds it has seen.
    case remove(field: String, elements: [JSONValue], observed: [OperationID])
    /// Sets the `deleted` register, naming the operations of the entity the
    /// deleting replica had seen: any other edit was concurrent with it, and
    /// is listed as a conflict so that nobody's work vanishes unseen.
    case delete(seen: [OperationID])
}

/// An immutable entry of the operation log.
///
/// ```swift
/// let op = LogOperation(
///     id: OperationID(replica: replica, seq: 7), hlc: clock.tick(), reader: reader,
///     entityKind: .note, entityID: noteID, change: .set(field: "title", value: "Chapter 3"))
/// ```
public struct LogOperation: Hashable, Sendable {
    public var id: OperationID
    public var hlc: HLCTimestamp
    public var reader: String
    public var entityKind: EntityKind
    public var entityID: String
    public var change: Change

    public init(
        id: OperationID, hlc: HLCTimestamp, reader: String, entityKind: EntityKind, entityID: String,
        change: Change
    ) {
        self.id = id
        self.hlc = hlc
        self.reader = reader
        self.entityKind = entityKind
        self.entityID = entityID
        self.change = change
    }

    /// The total order every replica agrees on: HLC, then replica, then seq.
    public static func precedes(_ lhs: LogOperation, _ rhs: LogOperation) -> Bool {
        (lhs.hlc.rawValue, lhs.id.replica, lhs.id.seq) < (rhs.hlc.rawValue, rhs.id.replica, rhs.id.seq)
    }
}

extension Change {
    /// The change as a JSON value, the form stored in the log and in bundles.
    public var jsonValue: JSONValue {
        switch self {
        case .create(let registers, let texts, let sets):
            return [
                "create": .object([
                    "registers": .object(registers),
                    "texts": .object(texts.mapValues(JSONValue.string)),
                    "sets": .object(sets.mapValues(JSONValue.array)),
                ])
            ]
        case .set(let field, let value):
            return ["set": ["field": .string(field), "value": value]]
        case .write(let field, let value, let replaces):
            return [
                "write": [
                    "field": .string(field), "value": .string(value),
                    "replaces": .array(replaces.map { .string($0.description) }),
                ]
            ]
        case .add(let field, let elements):
            return ["add": ["field": .string(field), "elements": .array(elements)]]
        case .remove(let field, let elements, let observed):
            return [
                "remove": [
                    "field": .string(field), "elements": .array(elements),
                    "observed": .array(observed.map { .string($0.description) }),
                ]
            ]
        case .delete(let seen):
            return ["delete": ["seen": .array(seen.map { .string($0.description) })]]
        }
    }

    /// Reads a change back from its JSON form.
    public init?(json: JSONValue) {
        guard case .object(let outer) = json, outer.count == 1, let (kind, body) = outer.first else { return nil }
        func operationIDs(_ value: JSONValue?) -> [OperationID]? {
            guard let items = value?.arrayValue else { return nil }
            let ids = items.compactMap { $0.stringValue.flatMap(OperationID.init) }
            return ids.count == items.count ? ids : nil
        }
        switch kind {
        case "create":
            guard case .object(let registers)? = body["registers"], case .object(let texts)? = body["texts"],
                case .object(let sets)? = body["sets"]
            else { return nil }
            let textValues = texts.compactMapValues(\.stringValue)
            let setValues = sets.compactMapValues(\.arrayValue)
            guard textValues.count == texts.count, setValues.count == sets.count else { return nil }
            self = .create(registers: registers, texts: textValues, sets: setValues)
        case "set":
            guard let field = body["field"]?.stringValue, let value = body["value"] else { return nil }
            self = .set(field: field, value: value)
        case "write":
            guard let field = body["field"]?.stringValue, let value = body["value"]?.stringValue,
                let replaces = operationIDs(body["replaces"])
            else { return nil }
            self = .write(field: field, value: value, replaces: replaces)
        case "add":
            guard let field = body["field"]?.stringValue, let elements = body["elements"]?.arrayValue else { return nil }
            self = .add(field: field, elements: elements)
        case "remove":
            guard let field = body["field"]?.stringValue, let elements = body["elements"]?.arrayValue,
                let observed = operationIDs(body["observed"])
            else { return nil }
            self = .remove(field: field, elements: elements, observed: observed)
        case "delete":
            guard let seen = operationIDs(body["seen"]) else { return nil }
            self = .delete(seen: seen)
        default:
            return nil
        }
    }
}
