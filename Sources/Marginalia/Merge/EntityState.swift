import Crypto
import Foundation

/// The merged state of one entity: a pure function of the set of its operations.
///
/// Folding the same operations in any order, with any duplicates, gives the
/// same state. That is the whole merge: registers keep the write that is last
/// by (HLC, replica, seq); text fields keep every revision that no other
/// revision replaces (one head, or several in conflict); set fields keep an
/// element while some add of it has not been observed by a remove.
///
/// ```swift
/// let state = EntityState.fold(kind: .note, id: noteID, operations: opsOfTheNote)
/// state.text("body")?.current?.value   // the note's text
/// state.set("tags")                    // ["draft", "idea"]
/// ```
public struct EntityState: Hashable, Sendable {
    public let kind: EntityKind
    public let id: String
    /// The create operation; `nil` while only later operations have arrived.
    public private(set) var creation: Stamp?
    /// The newest operation folded in.
    public private(set) var lastChange: Stamp?
    public private(set) var registers: [String: RegisterValue] = [:]
    public private(set) var texts: [String: TextField] = [:]
    public private(set) var sets: [String: ObservedRemoveSet] = [:]

    /// Who wrote an operation, and when.
    public struct Stamp: Hashable, Sendable {
        public var operation: OperationID
        public var hlc: HLCTimestamp
        public var reader: String

        func isLater(than other: Stamp) -> Bool {
            (hlc.rawValue, operation.replica, operation.seq) > (other.hlc.rawValue, other.operation.replica, other.operation.seq)
        }
    }

    /// A last-writer-wins register: its winning value and write.
    public struct RegisterValue: Hashable, Sendable {
        public var value: JSONValue
        public var stamp: Stamp
    }

    /// One revision of a text field.
    public struct Revision: Hashable, Sendable {
        public var stamp: Stamp
        public var value: String
        public var replaces: [OperationID]
        public var id: OperationID { stamp.operation }
    }

    /// A multi-value register of text revisions.
    public struct TextField: Hashable, Sendable {
        public fileprivate(set) var revisions: [OperationID: Revision] = [:]
        fileprivate var replaced: Set<OperationID> = []

        /// The revisions no other revision replaces, oldest first.
        public var heads: [Revision] {
            revisions.values.filter { !replaced.contains($0.id) }
                .sorted { $1.stamp.isLater(than: $0.stamp) }
        }
        /// The newest head: the value shown while a conflict is open.
        public var current: Revision? { heads.last }
        /// Whether concurrent writes left more than one head.
        public var isInConflict: Bool { heads.count > 1 }
    }

    /// An add-wins observed-remove set.
    public struct ObservedRemoveSet: Hashable, Sendable {
        fileprivate var adds: [JSONValue: Set<OperationID>] = [:]
        fileprivate var removed: [JSONValue: Set<OperationID>] = [:]

        /// The adds of `element` that no remove has observed.
        public func liveAdds(of element: JSONValue) -> Set<OperationID> {
            (adds[element] ?? []).subtracting(removed[element] ?? [])
        }
        /// The elements present, in canonical order.
        public var elements: [JSONValue] {
            adds.keys.filter { !liveAdds(of: $0).isEmpty }.sorted { $0.canonicalJSON < $1.canonicalJSON }
        }
    }

    public init(kind: EntityKind, id: String) {
        self.kind = kind
        self.id = id
    }

    /// Merges a set of operations of one entity into its state.
    public static func fold<Operations: Sequence<LogOperation>>(
        kind: EntityKind, id: String, operations: Operations
    ) -> EntityState {
        var state = EntityState(kind: kind, id: id)
        for operation in operations { state.apply(operation) }
        return state
    }

    /// Folds in one more operation. Applying an operation twice changes nothing.
    public mutating func apply(_ operation: LogOperation) {
        let stamp = Stamp(operation: operation.id, hlc: operation.hlc, reader: operation.reader)
        if lastChange.map({ stamp.isLater(than: $0) }) ?? true { lastChange = stamp }
        switch operation.change {
        case .create(let registers, let texts, let sets):
            if creation.map({ $0.isLater(than: stamp) }) ?? true { creation = stamp }
            for (field, value) in registers { writeRegister(field, value, stamp) }
            for (field, value) in texts { writeText(field, value, replaces: [], stamp) }
            for (field, elements) in sets { add(field, elements, stamp) }
        case .set(let field, let value):
            writeRegister(field, value, stamp)
        case .write(let field, let value, let replaces):
            writeText(field, value, replaces: replaces, stamp)
        case .add(let field, let elements):
            add(field, elements, stamp)
        case .remove(let field, let elements, let observed):
            // Only the observed adds of the named elements go: a concurrent add survives.
            var set = sets[field, default: ObservedRemoveSet()]
            for element in elements { set.removed[element, default: []].formUnion(observed) }
            sets[field] = set
        }
    }

    private mutating func writeRegister(_ field: String, _ value: JSONValue, _ stamp: Stamp) {
        if let existing = registers[field], !stamp.isLater(than: existing.stamp) { return }
        registers[field] = RegisterValue(value: value, stamp: stamp)
    }

    private mutating func writeText(_ field: String, _ value: String, replaces: [OperationID], _ stamp: Stamp) {
        var text = texts[field, default: TextField()]
        text.revisions[stamp.operation] = Revision(stamp: stamp, value: value, replaces: replaces)
        text.replaced.formUnion(replaces)
        texts[field] = text
    }

    private mutating func add(_ field: String, _ elements: [JSONValue], _ stamp: Stamp) {
        var set = sets[field, default: ObservedRemoveSet()]
        for element in elements { set.adds[element, default: []].insert(stamp.operation) }
        sets[field] = set
    }

    // MARK: Reading fields

    /// Whether the entity's create operation has arrived.
    public var exists: Bool { creation != nil }
    public func register(_ field: String) -> JSONValue? { registers[field]?.value }
    public func string(_ field: String) -> String? { registers[field]?.value.stringValue }
    public func text(_ field: String) -> TextField? { texts[field] }
    public func set(_ field: String) -> [JSONValue] { sets[field]?.elements ?? [] }
    public var isDeleted: Bool { register("deleted")?.boolValue ?? false }

    // MARK: Digest

    /// The canonical form of the merged state: what the state hash digests.
    /// LogOperation metadata appears only where it is part of what readers see
    /// (the creator, and the identity of each text head).
    public var canonicalValue: JSONValue {
        var value: [String: JSONValue] = [
            "kind": .string(kind.rawValue),
            "id": .string(id),
            "registers": .object(registers.mapValues(\.value)),
            "texts": .object(
                texts.mapValues { field in
                    .array(
                        field.heads.sorted { $0.id < $1.id }
                            .map { ["revision": .string($0.id.description), "value": .string($0.value)] })
                }),
            "sets": .object(sets.mapValues { .array($0.elements) }),
        ]
        if let creation {
            value["created"] = ["by": .string(creation.reader), "at": .int(Int(creation.hlc.rawValue))]
        }
        return .object(value)
    }

    /// SHA-256 of ``canonicalValue``.
    public var digest: Data {
        Data(SHA256.hash(data: Data(canonicalValue.canonicalJSON.utf8)))
    }
}
