import Foundation
import Testing

@testable import Marginalia

@Suite("Hybrid logical clock")
struct ClockTests {
    @Test func neverRunsBackwardsWhenTheWallClockDoes() {
        let wall = ManualClock(5_000)
        var clock = HybridLogicalClock(wallClock: wall.function)
        let first = clock.tick()
        wall.set(1_000)  // the wall clock jumps back
        let second = clock.tick()
        let third = clock.tick()
        #expect(first < second && second < third)
        #expect(second.milliseconds == 5_000)
        wall.set(9_000)
        let fourth = clock.tick()
        #expect(fourth == HLCTimestamp(milliseconds: 9_000, counter: 0))
    }

    @Test func receivingATimestampAdvancesTheClock() {
        let wall = ManualClock(1_000)
        var clock = HybridLogicalClock(wallClock: wall.function)
        let remote = HLCTimestamp(milliseconds: 50_000, counter: 7)
        clock.receive(remote)
        #expect(clock.tick() > remote)
        clock.receive(HLCTimestamp(milliseconds: 10, counter: 0))  // an old one changes nothing
        #expect(clock.last > remote)
    }

    @Test func anExhaustedCounterBorrowsTheNextMillisecond() {
        let wall = ManualClock(1_000)
        var clock = HybridLogicalClock(last: HLCTimestamp(milliseconds: 1_000, counter: 0xffff), wallClock: wall.function)
        let next = clock.tick()
        #expect(next == HLCTimestamp(milliseconds: 1_001, counter: 0))
    }

    @Test func libraryOperationsStayOrderedWhenTheWallClockGoesBack() throws {
        let wall = ManualClock()
        let test = try TestLibrary(clock: wall)
        let doc = try test.addText(sampleText)
        wall.advance(-3_600_000)
        let annotation = try test.library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "Tom")))
        wall.advance(-3_600_000)
        try test.library.edit(annotation.id, note: "a later thought")
        let stamps = try test.library.operations().map(\.hlc)
        #expect(stamps == stamps.sorted())
        #expect(Set(stamps).count == stamps.count)
        let history = try test.library.history(annotation.id)
        #expect(history.map(\.operation.change).last == .write(field: "body", value: "a later thought", replaces: []))
    }

    @Test func integratingOperationsAdvancesTheClock() throws {
        let early = ManualClock(1_000_000)
        let late = ManualClock(9_000_000)
        let a = try TestLibrary(name: "A", clock: late)
        let b = try TestLibrary(name: "B", clock: early)
        let doc = try a.addText(sampleText, slug: "sample")
        try b.library.integrate(try a.library.operations())
        let note = try b.library.addNote(NoteDraft(body: "after reading A", document: doc))
        #expect(note.createdHlc > (try a.library.operations().map(\.hlc).max()!))
    }
}
