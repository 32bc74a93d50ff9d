import Testing

@testable import Marginalia

@Suite("TextAnchorer and FoldedText")
struct TextAnchorerTests {
    /// The quote selector of `exact` (its first occurrence after `after`) in `text`.
    func quote(_ exact: String, in text: String, after: String = "") -> TextQuoteSelector {
        let code = CodePointText(text)
        let from = after.isEmpty ? 0 : QuoteLocator.exactOccurrences(of: CodePointText(after).scalars, in: code.scalars)[0]
        let start = QuoteLocator.exactOccurrences(of: CodePointText(exact).scalars, in: code.scalars).first { $0 >= from }!
        return QuoteLocator.quoteSelector(
            for: TextPositionSelector(start: start, end: start + CodePointText(exact).count), in: code)
    }

    func anchor(_ selector: TextQuoteSelector, in text: String, near: Double? = nil) -> (Anchor, String?) {
        let code = CodePointText(text)
        let anchor = TextAnchorer(code).anchor(selector, near: near)
        return (anchor, anchor.position.map { code[$0.range] })
    }

    let original = """
        The keeper climbed the stairs at dusk, as he did every evening, and lit the lamp. "It's a long way down," \
        he said to nobody in particular. The sea below was grey and slow -- the kind of sea that waits.
        Later, when the ship came round the point, he was asleep in his chair.
        """

    @Test("folding ignores line wraps, curly quotes, dashes, ellipses and ligatures, and maps back")
    func folding() {
        let folded = FoldedText(CodePointText("\u{201C}Yes\u{201D} \u{2014} she said,\n  slowly\u{2026} \u{FB01}ne"))
        #expect(String(decoding: folded.scalars.map { UInt8($0) }, as: UTF8.self) == "\"Yes\"-she said, slowly... fine")
        #expect(folded.originalRange(of: 0..<5) == 0..<5)
        // "-" stands for " \u{2014} ": three code points.
        #expect(folded.originalRange(of: 5..<6) == 5..<8)
        #expect(folded.originalRange(of: 6..<29) == 8..<30, "up to the last e of \"ﬁne\"")
    }

    @Test("typographic changes and reflowed lines still anchor exactly")
    func typography() {
        let selector = quote("\"It's a long way down,\" he said", in: original)
        let edition = original
            .replacingOccurrences(of: "\"It's", with: "\u{201C}It\u{2019}s")
            .replacingOccurrences(of: "down,\" he", with: "down,\u{201D}\nhe")
            .replacingOccurrences(of: " -- ", with: "\u{2014}")
        let (anchor, found) = self.anchor(selector, in: edition)
        #expect(anchor.status == .exact)
        #expect(found == "\u{201C}It\u{2019}s a long way down,\u{201D}\nhe said")
    }

    @Test("a word changed inside the quote anchors approximately, edges included")
    func changedWord() {
        let selector = quote("The sea below was grey and slow", in: original)
        let (anchor, found) = self.anchor(selector, in: original.replacingOccurrences(of: "grey", with: "silver"))
        #expect(anchor.status == .fuzzy)
        #expect(found == "The sea below was silver and slow")
        #expect(anchor.score > 800)
    }

    @Test("a deleted passage is an orphan, even when a similar one remains")
    func deletedIsOrphan() {
        let text = "He lit the lamp at dusk. She read by the fire. Much later he lit the lamp again, for the ship."
        let selector = quote("He lit the lamp at dusk.", in: text)
        let (anchor, found) = self.anchor(selector, in: text.replacingOccurrences(of: "He lit the lamp at dusk. ", with: ""))
        #expect(anchor.status == .orphan, "found \(found ?? "")")
        #expect(anchor.position == nil)
    }

    @Test("repeated phrases are told apart by their context")
    func repeatedPhrase() {
        let text = "First, the river keeps its own counsel, said the ferryman. Then a storm. "
            + "At the end, the river keeps its own counsel, wrote the clerk."
        let second = quote("the river keeps its own counsel", in: text, after: "At the end")
        let edition = "A new preface. " + text
        let (anchor, found) = self.anchor(second, in: edition)
        #expect(anchor.status == .exact)
        #expect(anchor.position?.start == edition.distance(
            from: edition.startIndex, to: edition.range(of: "the river keeps its own counsel, wrote")!.lowerBound))
        #expect(found == "the river keeps its own counsel")
    }

    @Test("a repeat with identical context and no position to go by is an orphan")
    func indistinguishableRepeat() {
        let line = "and so to the next light. "
        let text = String(repeating: line, count: 4)
        let selector = TextQuoteSelector(exact: "so to the next", prefix: "and ", suffix: " light")
        #expect(anchor(selector, in: text).0.status == .orphan)
        // The expected place decides when it is clearly nearer one of them.
        let near = anchor(selector, in: text, near: 0.76)
        #expect(near.0.status == .exact)
        #expect(near.0.position?.start == 3 * line.count + 4)
    }

    @Test("a short quote whose surroundings all changed is an orphan, not a guess")
    func shortQuoteNeedsContext() {
        let selector = TextQuoteSelector(exact: "the lamp", prefix: "stairs at dusk and lit ", suffix: " for the night")
        #expect(anchor(selector, in: "A different sentence mentions the lamp once.").0.status == .orphan)
        #expect(anchor(selector, in: "He climbed the stairs at dusk and lit the lamp for the night.").0.status == .exact)
    }

    @Test("a quote with too many changes is an orphan")
    func tooManyChanges() {
        let selector = quote("when the ship came round the point", in: original)
        let (anchor, _) = self.anchor(selector, in: original.replacingOccurrences(of: "when the ship came round the point", with: "as a boat rowed past the rocks"))
        #expect(anchor.status == .orphan)
    }
}
