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
    /// Every operation folded in, with the operations each delete had seen.
    private var operationIDs: Set<OperationID> = []
    private var deletes: [OperationID: Set<OperationID>] = [:]
    private var edits: [OperationID: Stamp] = [:]

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
        /// The newest head.
        public var current: Revision? { heads.last }

        /// The field's value: the single head, or the concurrent heads joined
        /// line by line (in operation-id order, each against its common
        /// ancestor with what was joined so far); nil when they cannot be joined.
        public var mergedValue: String? {
            let heads = heads.sorted { $0.id < $1.id }
            guard var joined = heads.first else { return nil }
            var joinedAncestry = ancestry(of: joined.id)
            for head in heads.dropFirst() {
                let ancestry = ancestry(of: head.id)
                let base = joinedAncestry.intersection(ancestry)
                    .compactMap { revisions[$0] }
                    .max { $1.stamp.isLater(than: $0.stamp) }
                guard let value = LineMerge.merge(base: base?.value ?? "", ours: joined.value, theirs: head.value)
                else { return nil }
                joined.value = value
                joinedAncestry.formUnion(ancestry)
            }
            return joined.value
        }

        /// The value shown: the merged value, or while a conflict is open the newest head.
        public var value: String? { mergedValue ?? current?.value }
        /// Whether concurrent writes left heads that could not be joined.
        public var isInConflict: Bool { heads.count > 1 && mergedValue == nil }

        /// A revision and every revision it replaces, transitively.
        func ancestry(of id: OperationID) -> Set<OperationID> {
            var seen: Set<OperationID> = []
            var pending = [id]
            while let next = pending.popLast() {
                guard seen.insert(next).inserted, let revision = revisions[next] else { continue }
                pending += revision.replaces
            }
            return seen
        }
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
        guard operationIDs.insert(operation.id).inserted else { return }
        let stamp = Stamp(operation: operation.id, hlc: operation.hlc, reader: operation.reader)
        if lastChange.map({ stamp.isLater(than: $0) }) ?? true { lastChange = stamp }
        switch operation.change {
        case .create, .delete: break
        case .set(let field, _) where field == "deleted": break
        default: edits[operation.id] = stamp
        }
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
        case .delete(let seen):
            deletes[operation.id] = Set(seen)
            writeRegister("deleted", true, stamp)
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
    /// The value of a last-writer-wins field, nil when it was never set.
    public func register(_ field: String) -> JSONValue? { registers[field]?.value }
    /// A last-writer-wins field holding a string.
    public func string(_ field: String) -> String? { registers[field]?.value.stringValue }
    /// A text field (a note body): its current revisions, merged line by line where they agree.
    public func text(_ field: String) -> TextField? { texts[field] }
    /// The elements of an add-wins set field (tags, set members), in a stable order.
    public func set(_ field: String) -> [JSONValue] { sets[field]?.elements ?? [] }
    /// Whether the entity is deleted (a tombstone: its history stays).
    public var isDeleted: Bool { register("deleted")?.boolValue ?? false }

    /// The edits made concurrently with the delete that keeps the entity
    /// deleted: they are kept (in history) but not shown, so they are listed
    /// as a conflict until someone restores the entity or deletes it again
    /// having seen them.
    public var editsConcurrentWithDelete: [Stamp] {
        guard isDeleted, let winner = registers["deleted"]?.stamp.operation, let seen = deletes[winner] else { return [] }
        return edits.filter { !seen.contains($0.key) }.values.sorted { $1.isLater(than: $0) }
    }

    /// Whether the entity needs a reader's decision: concurrent text heads
    /// that could not be joined, or edits concurrent with its delete.
    public var isInConflict: Bool {
        texts.values.contains(where: \.isInConflict) || !editsConcurrentWithDelete.isEmpty
    }

    // MARK: Changes a replica writes

    /// A text write that replaces every current revision of `field`.
    public func writing(_ field: String, _ value: String) -> Change {
        .write(field: field, value: value, replaces: text(field)?.heads.map(\.id) ?? [])
    }

    /// A remove of `elements` from `field` that names the adds seen of them.
    public func removing(_ field: String, _ elements: [JSONValue]) -> Change {
        let observed = elements.flatMap { sets[field]?.liveAdds(of: $0) ?? [] }
        return .remove(field: field, elements: elements, observed: Array(Set(observed)).sorted())
    }

    /// A delete that names every operation of the entity seen so far.
    public func deleting() -> Change {
        .delete(seen: operationIDs.sorted())
    }

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
                    let heads = field.heads.sorted { $0.id < $1.id }
                    var text: [String: JSONValue] = [
                        "heads": .array(heads.map { ["revision": .string($0.id.description), "value": .string($0.value)] })
                    ]
                    // Concurrent heads show a joined text, which depends on
                    // their common ancestor: what is shown is part of the state.
                    if heads.count > 1 { text["joined"] = JSONValue(field.mergedValue) }
                    return .object(text)
                }),
            "sets": .object(sets.mapValues { .array($0.elements) }),
        ]
        let concurrent = editsConcurrentWithDelete
        if !concurrent.isEmpty {
            value["editsConcurrentWithDelete"] = .array(concurrent.map { .string($0.operation.description) })
        }
        if let lastChange {
            // Shown as the item's `updated` time.
            value["updated"] = ["by": .string(lastChange.operation.description), "at": .int(Int(lastChange.hlc.rawValue))]
        }
        if let creation {
            value["created"] = ["by": .string(creation.reader), "at": .int(Int(creation.hlc.rawValue))]
        }
        return .object(value)
    }

    /// SHA-256 of ``canonicalValue``.
    public var digest: Data {
        Data(SHA256.hash(data: canonicalValue.canonicalBytes))
    }
}
