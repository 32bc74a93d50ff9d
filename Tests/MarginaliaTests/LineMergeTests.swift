import Testing

@testable import Marginalia

@Suite("Three-way line merge")
struct LineMergeTests {
    @Test(arguments: [
        ("a\nb\nc", "A\nb\nc", "a\nb\nC", "A\nb\nC"),
        ("a\nb\nc", "a\nb\nc\nd", "z\na\nb\nc", "z\na\nb\nc\nd"),
        ("a\nb\nc\nd", "a\nc\nd", "a\nb\nc\nD", "a\nc\nD"),
        ("same", "changed", "changed", "changed"),
        ("a\nb", "a\nb", "a\nB", "a\nB"),
        ("", "first line", "", "first line"),
    ])
    func editsToDifferentLinesJoin(base: String, ours: String, theirs: String, merged: String) {
        #expect(LineMerge.merge(base: base, ours: ours, theirs: theirs) == merged)
        #expect(LineMerge.merge(base: base, ours: theirs, theirs: ours) == merged)
    }

    @Test(arguments: [
        ("a\nb\nc", "a\nX\nc", "a\nY\nc"),
        ("a\nb\nc", "a\nX\nc", "a\nb\nY"),  // neighbouring lines
        ("", "one", "two"),
        ("a", "a\nx", "a\ny"),
    ])
    func editsToTheSameLinesConflict(base: String, ours: String, theirs: String) {
        #expect(LineMerge.merge(base: base, ours: ours, theirs: theirs) == nil)
    }
}

@Suite("Conflicts in a library")
struct ConflictTests {
    /// Two libraries that both hold `note`, then edit it without exchanging.
    func diverged(_ a: String, _ b: String, base: String = "line one\nline two\nline three") throws
        -> (TestLibrary, TestLibrary, String)
    {
        let left = try TestLibrary(name: "Left")
        let right = try TestLibrary(name: "Right")
        let note = try left.library.addNote(NoteDraft(body: base, visibility: .shared))
        try right.library.integrate(try left.library.operations())
        try left.library.edit(note.id, note: a)
        try right.library.edit(note.id, note: b)
        try left.library.integrate(try right.library.operations(), readers: try right.library.readers())
        try right.library.integrate(try left.library.operations(), readers: try left.library.readers())
        #expect(try left.stateHash() == right.stateHash())
        return (left, right, note.id)
    }

    @Test func concurrentEditsOfDifferentLinesJoin() throws {
        let (left, _, id) = try diverged("LINE ONE\nline two\nline three", "line one\nline two\nLINE THREE")
        #expect(try left.library.conflicts().isEmpty)
        #expect(try left.library.noteText(of: id) == "LINE ONE\nline two\nLINE THREE")
    }

    @Test func concurrentEditsOfOneLineConflictUntilResolved() throws {
        let (left, right, id) = try diverged("left's words", "right's words")
        let conflicts = try left.library.conflicts()
        #expect(conflicts.map(\.id) == [id])
        #expect(Set(conflicts[0].heads.map(\.value)) == ["left's words", "right's words"])
        #expect(Set(conflicts[0].heads.map(\.authorName)) == ["Left", "Right"])
        #expect(try left.library.status().conflicts == 1)
        guard case .note(let shown) = try left.library.item(id) else { return }
        #expect(shown.bodyHeads == 2)

        #expect(throws: MarginaliaError.self) { try left.library.resolve(id, .keep("zz")) }
        let rightRevision = conflicts[0].heads.first { $0.value == "right's words" }!.revision
        try left.library.resolve(id, .keep(String(rightRevision.description.prefix(10))))
        #expect(try left.library.conflicts().isEmpty)
        try right.library.integrate(try left.library.operations())
        #expect(try right.library.conflicts().isEmpty)
        #expect(try right.library.noteText(of: id) == "right's words")
        #expect(try left.stateHash() == right.stateHash())
        #expect(throws: MarginaliaError.self) { try left.library.resolve(id, .note("x")) }
    }

    @Test func anEditConcurrentWithADeleteIsListed() throws {
        let left = try TestLibrary(name: "Left")
        let right = try TestLibrary(name: "Right")
        let note = try left.library.addNote(NoteDraft(body: "draft", visibility: .shared))
        try right.library.integrate(try left.library.operations())
        try left.library.delete(note.id)
        try right.library.edit(note.id, note: "important addition")
        try right.library.retag(note.id, adding: ["keep"])
        try left.library.integrate(try right.library.operations())
        try right.library.integrate(try left.library.operations())
        #expect(try left.stateHash() == right.stateHash())
        #expect(try right.library.items().isEmpty, "the delete wins")
        let conflict = try #require(try right.library.conflicts().first { $0.id == note.id })
        #expect(conflict.isDeleted)
        #expect(conflict.editsConcurrentWithDelete.count == 2)
        #expect(throws: MarginaliaError.self) { try right.library.resolve(note.id, .keep("1")) }
        guard case .note(let shown) = try right.library.item(note.id) else { return }
        #expect(shown.inConflict, "show marks a delete conflict too")

        try right.library.resolve(note.id, .restore)
        #expect(try right.library.noteText(of: note.id) == "important addition")
        #expect(try right.library.conflicts().isEmpty)

        try right.library.delete(note.id)
        #expect(try right.library.conflicts().isEmpty, "a delete that saw the edits is no conflict")
    }

    @Test func keepDeletedAcknowledgesTheEdits() throws {
        let left = try TestLibrary(name: "Left")
        let right = try TestLibrary(name: "Right")
        let note = try left.library.addNote(NoteDraft(body: "draft", visibility: .shared))
        try right.library.integrate(try left.library.operations())
        try left.library.delete(note.id)
        try right.library.edit(note.id, note: "late edit")
        try left.library.integrate(try right.library.operations())
        #expect(try left.library.conflicts().count == 1)
        try left.library.resolve(note.id, .keepDeleted)
        #expect(try left.library.conflicts().isEmpty)
        #expect(try left.library.items().isEmpty)
        let history = try left.library.history(note.id)
        #expect(history.contains { if case .write(_, "late edit", _) = $0.operation.change { true } else { false } })
    }
}
