import Foundation
import Testing

@testable import Marginalia

@Suite("Annotation sets")
struct SetTests {
    /// A library with one document and three annotations (two tagged `river`).
    func sample(name: String = "Ada") throws -> (TestLibrary, [Annotation]) {
        let test = try TestLibrary(name: name)
        let doc = try test.addText(sampleText, slug: "sample")
        let a = try test.library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "Café"), tags: ["river"]))
        let b = try test.library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "Tom said"), note: "quiet"))
        let c = try test.library.annotate(
            AnnotationDraft(document: doc, anchor: .quote(exact: "mill"), note: "wheel", tags: ["river", "work"]))
        return (test, [a, b, c])
    }

    @Test func createWithFilterAndMembersAddRemoveListShow() throws {
        let (test, notes) = try sample()
        let library = test.library
        let set = try library.createSet("rivers", filter: SetFilter(tag: "river"))
        #expect(set.visibility == .shared)
        #expect(try library.setAnnotations("rivers").map(\.id) == [notes[0].id, notes[2].id], "in text order")

        let chosen = try library.createSet("chosen", members: [String(notes[1].id.prefix(8))])
        #expect(chosen.members == [notes[1].id])
        try library.addToSet("chosen", annotations: [notes[0].id])
        #expect(Set(try library.setAnnotations("chosen").map(\.id)) == [notes[0].id, notes[1].id])
        try library.removeFromSet("chosen", annotations: [String(notes[1].id.prefix(6))])
        #expect(try library.setAnnotations("chosen").map(\.id) == [notes[0].id])

        // Removing a chosen member that also passes the filter keeps it.
        try library.addToSet("rivers", annotations: [notes[0].id])
        try library.removeFromSet("rivers", annotations: [notes[0].id])
        #expect(try library.setAnnotations("rivers").count == 2)

        #expect(try library.sets().map(\.name) == ["chosen", "rivers"])
        #expect(try library.annotationSet(String(set.id.prefix(10))).name == "rivers")
        // A deleted annotation leaves the set.
        try library.delete(notes[2].id)
        #expect(try library.setAnnotations("rivers").map(\.id) == [notes[0].id])
        #expect(try library.check().ok)
        #expect(try library.check(rebuild: true).ok)
    }

    @Test func refusesDuplicatesUnknownMembersAndBadNames() throws {
        let (test, _) = try sample()
        let library = test.library
        try library.createSet("a")
        #expect(throws: MarginaliaError.self) { try library.createSet("a") }
        #expect(throws: MarginaliaError.self) { try library.createSet("  ") }
        #expect(throws: MarginaliaError.self) { try library.createSet("b", members: ["ffffffff"]) }
        #expect(throws: MarginaliaError.self) { try library.createSet("c", filter: SetFilter(document: "nope")) }
        #expect(throws: MarginaliaError.notFound(kind: "set", reference: "zzz")) { try library.setAnnotations("zzz") }
        #expect(try library.sets().map(\.name) == ["a"], "a refused create leaves nothing")
        let id = try library.annotationSet("a").id
        #expect(throws: MarginaliaError.self) { try library.edit(id, note: "no") }
        #expect(throws: MarginaliaError.self) { try library.retag(id, adding: ["no"]) }
        // `rm` deletes a set like any item, and `restore` brings it back.
        try library.delete(id)
        #expect(try library.sets().isEmpty)
        try library.createSet("a")
        try library.restore(id)
        #expect(throws: MarginaliaError.self) { try library.setAnnotations("a") }
    }

    @Test func setsTravelInBundlesAndMergeMembers() throws {
        let (ada, notes) = try sample()
        let bo = try TestLibrary(name: "Bo")
        try ada.library.createSet("club", members: [notes[0].id])
        try bo.library.importBundle(try ada.library.exportBundle().data)
        #expect(try bo.library.setAnnotations("club").map(\.id) == [notes[0].id])
        #expect(try bo.stateHash() == ada.stateHash())

        // Concurrent: Ada removes the member, Bo adds another; both changes survive.
        try ada.library.removeFromSet("club", annotations: [notes[0].id])
        try bo.library.addToSet("club", annotations: [notes[1].id])
        try bo.library.importBundle(try ada.library.exportBundle().data)
        try ada.library.importBundle(try bo.library.exportBundle().data)
        #expect(try ada.library.setAnnotations("club").map(\.id) == [notes[1].id])
        #expect(try bo.library.setAnnotations("club").map(\.id) == [notes[1].id])
        #expect(try bo.library.status().sharedStateHash == ada.library.status().sharedStateHash)
    }

    @Test func sharedSetsReachAGroupFolderPrivateOnesDoNot() throws {
        let (ada, notes) = try sample()
        let bo = try TestLibrary(name: "Bo")
        let folder = TemporaryFolder()
        try ada.library.createSet("club", members: [notes[0].id])
        try ada.library.createSet("mine", members: [notes[1].id], visibility: .private)
        let adaRemote = try ada.library.addRemote(name: "club", location: folder.path("club"), kind: .group)
        let boRemote = try bo.library.addRemote(name: "club", location: folder.path("club"), kind: nil)
        _ = try ada.library.sync(adaRemote)
        _ = try bo.library.sync(boRemote)
        #expect(try bo.library.sets().map(\.name) == ["club"])
        #expect(try bo.library.setAnnotations("club").map(\.id) == [notes[0].id])
    }

    @Test func renameAndChangeTheFilterSyncToAnotherLibrary() throws {
        let (ada, notes) = try sample()
        let bo = try TestLibrary(name: "Bo")
        let set = try ada.library.createSet("rivers", filter: SetFilter(tag: "river"))
        _ = try bo.library.importBundle(try ada.library.exportBundle().data)

        #expect(try ada.library.renameSet("rivers", to: "  streams ").name == "streams")
        #expect(throws: MarginaliaError.self) { try ada.library.annotationSet("rivers") }
        try ada.library.createSet("other")
        #expect(throws: MarginaliaError.self) { try ada.library.renameSet("streams", to: "other") }
        let before = try ada.library.status().stateHash
        try ada.library.renameSet("streams", to: "streams")
        #expect(try ada.library.status().stateHash == before, "the same name writes nothing")

        let changed = try ada.library.changeSetFilter("streams", to: SetFilter(document: "sample", tag: "work"))
        #expect(changed.filter.tag == "work" && changed.filter.document == "sample")
        #expect(try ada.library.setAnnotations("streams").map(\.id) == [notes[2].id])
        #expect(throws: MarginaliaError.self) { try ada.library.changeSetFilter("streams", to: SetFilter(document: "nowhere")) }

        _ = try bo.library.importBundle(try ada.library.exportBundle().data)
        let synced = try bo.library.annotationSet(set.id)
        #expect(synced.name == "streams" && synced.filter.tag == "work")
        #expect(try bo.library.setAnnotations("streams").map(\.id) == [notes[2].id])

        // A change made from the current filter keeps the conditions it does not name.
        let retagged = try ada.library.changeSetFilter("streams") { $0.replacingConditions(with: SetFilter(tag: "play")) }
        #expect(retagged.filter == SetFilter(document: "sample", tag: "play"))

        try ada.library.changeSetFilter("streams", to: SetFilter())
        #expect(try ada.library.setAnnotations("streams").isEmpty, "no filter and no members")
    }
}
