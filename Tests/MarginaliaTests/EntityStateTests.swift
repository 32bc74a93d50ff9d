import Foundation
import Testing

@testable import Marginalia

@Suite("Merging one entity's operations")
struct EntityStateTests {
    static let id = "e1"

    static func op(
        _ replica: String, _ seq: Int, _ hlc: Int64, _ change: Change, kind: EntityKind = .note
    ) -> LogOperation {
        LogOperation(
            id: OperationID(replica: replica, seq: seq), hlc: HLCTimestamp(rawValue: hlc), reader: "reader-\(replica)",
            entityKind: kind, entityID: id, change: change)
    }

    static let create = op(
        "a", 1, 100,
        .create(registers: ["title": "Draft", "deleted": false], texts: ["body": "line one"], sets: ["tags": ["x"]]))

    static func fold(_ operations: [LogOperation]) -> EntityState {
        EntityState.fold(kind: .note, id: id, operations: operations)
    }

    @Test func lastWriterWinsByClockThenReplica() {
        let early = Self.op("b", 1, 200, .set(field: "title", value: "Early"))
        let late = Self.op("a", 2, 300, .set(field: "title", value: "Late"))
        let tieLow = Self.op("a", 3, 400, .set(field: "title", value: "Tie A"))
        let tieHigh = Self.op("c", 1, 400, .set(field: "title", value: "Tie C"))
        #expect(Self.fold([Self.create, late, early]).string("title") == "Late")
        #expect(Self.fold([Self.create, tieHigh, tieLow]).string("title") == "Tie C")
        #expect(Self.fold([Self.create, tieLow, tieHigh]).string("title") == "Tie C")
    }

    @Test func concurrentTextWritesAreAllKeptUntilOneReplacesThem() {
        let first = OperationID(replica: "a", seq: 1)
        let fromA = Self.op("a", 2, 200, .write(field: "body", value: "A's text", replaces: [first]))
        let fromB = Self.op("b", 1, 210, .write(field: "body", value: "B's text", replaces: [first]))
        let conflicted = Self.fold([Self.create, fromA, fromB])
        #expect(conflicted.text("body")?.isInConflict == true)
        #expect(conflicted.text("body")?.heads.map(\.value) == ["A's text", "B's text"])
        let resolve = Self.op(
            "c", 1, 300, .write(field: "body", value: "joined", replaces: [fromA.id, fromB.id]))
        let resolved = Self.fold([resolve, fromB, Self.create, fromA])
        #expect(resolved.text("body")?.heads.map(\.value) == ["joined"])
        #expect(resolved.text("body")?.revisions.count == 4, "every revision stays in history")
    }

    @Test func aConcurrentTagAddSurvivesARemove() {
        // B removes x having seen only A's create; C adds x concurrently.
        let remove = Self.op("b", 1, 200, .remove(field: "tags", elements: ["x"], observed: [Self.create.id]))
        let add = Self.op("c", 1, 150, .add(field: "tags", elements: ["x", "y"]))
        #expect(Self.fold([Self.create, remove]).set("tags") == [])
        #expect(Self.fold([Self.create, remove, add]).set("tags") == ["x", "y"])
        #expect(Self.fold([add, remove, Self.create]).set("tags") == ["x", "y"])
    }

    @Test func aRemoveOnlyRemovesTheElementsItNames() {
        let addBoth = Self.op("a", 2, 200, .add(field: "tags", elements: ["p", "q"]))
        let removeP = Self.op("a", 3, 300, .remove(field: "tags", elements: ["p"], observed: [addBoth.id]))
        #expect(Self.fold([Self.create, addBoth, removeP]).set("tags") == ["q", "x"])
    }

    @Test func operationsWithoutTheirCreateStayPending() {
        let edit = Self.op("b", 1, 200, .set(field: "title", value: "Early"))
        #expect(!Self.fold([edit]).exists)
        #expect(Self.fold([edit, Self.create]).exists)
    }

    @Test func foldIgnoresOrderAndDuplicates() {
        let operations = [
            Self.create,
            Self.op("a", 2, 200, .set(field: "title", value: "T1")),
            Self.op("b", 1, 200, .set(field: "title", value: "T2")),
            Self.op("b", 2, 210, .write(field: "body", value: "b", replaces: [Self.create.id])),
            Self.op("c", 1, 205, .write(field: "body", value: "c", replaces: [Self.create.id])),
            Self.op("c", 2, 220, .add(field: "tags", elements: ["z"])),
            Self.op("a", 3, 230, .remove(field: "tags", elements: ["x", "z"], observed: [Self.create.id])),
            Self.op("b", 3, 240, .set(field: "deleted", value: true)),
        ]
        let reference = Self.fold(operations).digest
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<200 {
            var shuffled = operations + operations.filter { _ in Bool.random(using: &generator) }
            shuffled.shuffle(using: &generator)
            #expect(Self.fold(shuffled).digest == reference)
        }
    }

    @Test func changesSurviveTheirJSONForm() {
        let changes: [Change] = [
            Self.create.change,
            .set(field: "target", value: ["quote": ["exact": "a \"quoted\"\n line"], "position": ["start": 1, "end": 9]]),
            .write(field: "body", value: "é 🍵", replaces: [OperationID(replica: "ab", seq: 3)]),
            .add(field: "tags", elements: ["x"]),
            .remove(field: "tags", elements: ["x"], observed: [OperationID(replica: "ab", seq: 4)]),
        ]
        for change in changes {
            let text = change.jsonValue.canonicalJSON
            let decoded = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(decoded.flatMap(Change.init(json:)) == change)
        }
    }
}
