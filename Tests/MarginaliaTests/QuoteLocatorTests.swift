import Foundation
import Testing
@testable import Marginalia

@Suite("QuoteLocator")
struct QuoteLocatorTests {
    private func position(_ start: Int, _ end: Int) -> TextPositionSelector {
        TextPositionSelector(start: start, end: end)
    }

    @Test("the documented example")
    func documentedExample() {
        let text = CodePointText("to be or not to be")
        #expect(QuoteLocator.locate(exact: "to be", in: text) == .ambiguous([position(0, 5), position(13, 18)]))
        #expect(QuoteLocator.locate(exact: "to be", prefix: "not ", in: text) == .unique(position(13, 18)))
        #expect(QuoteLocator.locate(exact: "not to bee", in: text)
                == .notFound(closest: ClosestPassage(position: position(9, 18), text: "not to be", errors: 1)))
    }

    @Test("a quote that occurs once is unique")
    func unique() {
        let text = CodePointText("It was the best of times, it was the worst of times.")
        #expect(QuoteLocator.locate(exact: "best of times", in: text) == .unique(position(11, 24)))
        // Context is not needed, and not held against a single occurrence.
        #expect(QuoteLocator.locate(exact: "best of times", prefix: "nope", suffix: "nope", in: text)
                == .unique(position(11, 24)))
    }

    @Test("offsets count code points, so emoji and combining marks shift them")
    func codePointOffsets() {
        let text = CodePointText("👍🏽 e\u{301}tait là")
        // 👍 🏽 space e ◌́ t a i t space l à
        #expect(QuoteLocator.locate(exact: "tait", in: text) == .unique(position(5, 9)))
        #expect(QuoteLocator.locate(exact: "là", in: text) == .unique(position(10, 12)))
    }

    @Test("the quote is normalized before matching")
    func quoteIsNormalized() {
        let text = CodePointText(TextNormalizer.normalize("café au lait\nsecond line"))
        #expect(QuoteLocator.locate(exact: "cafe\u{301}", in: text) == .unique(position(0, 4)))
        #expect(QuoteLocator.locate(exact: "lait\r\nsecond", in: text) == .unique(position(8, 19)))
    }

    @Test("several occurrences without context are ambiguous, in text order")
    func ambiguous() {
        let text = CodePointText("to be or not to be")
        #expect(QuoteLocator.locate(exact: "to be", in: text) == .ambiguous([position(0, 5), position(13, 18)]))
        // Overlapping occurrences are all found.
        #expect(QuoteLocator.locate(exact: "aa", in: CodePointText("aaa"))
                == .ambiguous([position(0, 2), position(1, 3)]))
    }

    @Test("a prefix singles out one occurrence")
    func disambiguatedByPrefix() {
        let text = CodePointText("to be or not to be")
        #expect(QuoteLocator.locate(exact: "to be", prefix: "not ", in: text) == .unique(position(13, 18)))
        // A prefix that runs past the start of the text does not fit there.
        #expect(QuoteLocator.locate(exact: "to be", prefix: "or not ", in: text) == .unique(position(13, 18)))
    }

    @Test("a suffix singles out one occurrence")
    func disambiguatedBySuffix() {
        let text = CodePointText("to be or not to be")
        #expect(QuoteLocator.locate(exact: "to be", suffix: " or", in: text) == .unique(position(0, 5)))
        // A suffix that runs past the end of the text does not fit there.
        #expect(QuoteLocator.locate(exact: "be", suffix: " or not", in: text) == .unique(position(3, 5)))
    }

    @Test("prefix and suffix together")
    func disambiguatedByBoth() {
        let text = CodePointText("a x b. a x c. d x b.")
        #expect(QuoteLocator.locate(exact: "x", prefix: "a ", suffix: " b", in: text) == .unique(position(2, 3)))
        #expect(QuoteLocator.locate(exact: "x", prefix: "a ", in: text) == .ambiguous([position(2, 3), position(9, 10)]))
    }

    @Test("when no occurrence fits both sides, one fitting side still counts")
    func oneSideFits() {
        let text = CodePointText("a x b. c x d.")
        // The suffix changed in this edition ("b" became something else), the prefix still fits.
        #expect(QuoteLocator.locate(exact: "x", prefix: "a ", suffix: " z", in: text) == .unique(position(2, 3)))
    }

    @Test("context that fits nowhere leaves every occurrence ambiguous")
    func contextFitsNowhere() {
        let text = CodePointText("a x b. c x d.")
        #expect(QuoteLocator.locate(exact: "x", prefix: "q ", suffix: " r", in: text)
                == .ambiguous([position(2, 3), position(9, 10)]))
    }

    @Test("a near miss is reported as the closest passage")
    func notFoundWithClosest() {
        let text = CodePointText("It was the best of times, it was the worst of times.")
        let result = QuoteLocator.locate(exact: "the wurst of tmes", in: text)
        #expect(result == .notFound(closest: ClosestPassage(position: position(33, 51), text: "the worst of times",
                                                            errors: 2)))
    }

    @Test("nothing close enough gives no closest passage")
    func notFoundWithNil() {
        let text = CodePointText("It was the best of times, it was the worst of times.")
        #expect(QuoteLocator.locate(exact: "completely unrelated words", in: text) == .notFound(closest: nil))
        // Too short for any error to be allowed (a third of 2 rounds to 0).
        #expect(QuoteLocator.locate(exact: "zq", in: text) == .notFound(closest: nil))
        #expect(QuoteLocator.locate(exact: "", in: text) == .notFound(closest: nil))
        #expect(QuoteLocator.locate(exact: "anything", in: CodePointText("")) == .notFound(closest: nil))
    }

    @Test("the error budget is a third of the quote length")
    func errorBudget() {
        let text = CodePointText("xxxxxx abcdefghi xxxxxx")
        // 9 code points: up to 3 errors.
        #expect(QuoteLocator.locate(exact: "abcZZZghi", in: text)
                == .notFound(closest: ClosestPassage(position: position(7, 16), text: "abcdefghi", errors: 3)))
        #expect(QuoteLocator.locate(exact: "aZcZZZghi", in: text) == .notFound(closest: nil))
    }

    @Test("quote selector takes up to 32 code points of context")
    func quoteSelectorContext() {
        let text = CodePointText(String(repeating: "0123456789", count: 10))
        let selector = QuoteLocator.quoteSelector(for: position(50, 55), in: text)
        #expect(selector.exact == "01234")
        #expect(selector.prefix.unicodeScalars.count == 32)
        #expect(selector.prefix == text[18..<50])
        #expect(selector.suffix.unicodeScalars.count == 32)
        #expect(selector.suffix == text[55..<87])
        let short = QuoteLocator.quoteSelector(for: position(50, 55), in: text, context: 3)
        #expect(short == TextQuoteSelector(exact: "01234", prefix: "789", suffix: "567"))
    }

    @Test("quote selector context is cut at the edges of the text")
    func quoteSelectorEdges() {
        let text = CodePointText("👍🏽 start … end 👍🏽")
        let atStart = QuoteLocator.quoteSelector(for: position(0, 2), in: text)
        #expect(atStart == TextQuoteSelector(exact: "👍🏽", prefix: "", suffix: " start … end 👍🏽"))
        let atEnd = QuoteLocator.quoteSelector(for: position(text.count - 2, text.count), in: text)
        #expect(atEnd == TextQuoteSelector(exact: "👍🏽", prefix: "👍🏽 start … end ", suffix: ""))
        let whole = QuoteLocator.quoteSelector(for: position(0, text.count), in: text)
        #expect(whole.prefix.isEmpty && whole.suffix.isEmpty && whole.exact == text.string)
    }

    @Test("a quote selector's context locates its own passage among repeats")
    func selectorRoundTrip() {
        let paragraph = "The same sentence. "
        let text = CodePointText(String(repeating: paragraph, count: 20) + "Different. " +
                                 String(repeating: paragraph, count: 20))
        for start in stride(from: 0, to: text.count - 18, by: 19) where text[start..<(start + 18)] == "The same sentence." {
            let selector = QuoteLocator.quoteSelector(for: position(start, start + 18), in: text)
            let result = QuoteLocator.locate(exact: selector.exact, prefix: selector.prefix, suffix: selector.suffix,
                                             in: text)
            // Context of 32 code points covers more than one repeat, so only
            // occurrences near the text edges or near "Different." are told apart.
            switch result {
            case .unique(let found): #expect(found == position(start, start + 18))
            case .ambiguous(let found): #expect(found.contains(position(start, start + 18)))
            case .notFound: Issue.record("the exact quote must be found")
            }
        }
    }

    @Test("exact search agrees with a naive search on random texts")
    func exactSearchMatchesNaive() {
        var rng = SeededGenerator(seed: 42)
        // Scalars that share a low byte (0x61, 0x161, 0x1F361) stress the
        // Horspool table's collisions.
        let alphabet: [UInt32] = [0x61, 0x62, 0x161, 0x1F361]
        for _ in 0..<500 {
            let text = (0..<Int(rng.next() % 80)).map { _ in alphabet[Int(rng.next() % 4)] }
            let pattern = (0..<(1 + Int(rng.next() % 5))).map { _ in alphabet[Int(rng.next() % 4)] }
            var naive = [Int]()
            if pattern.count <= text.count {
                for start in 0...(text.count - pattern.count)
                where Array(text[start..<(start + pattern.count)]) == pattern {
                    naive.append(start)
                }
            }
            #expect(QuoteLocator.exactOccurrences(of: pattern, in: text) == naive)
        }
    }

    @Test("selectors encode with the W3C field names")
    func codable() throws {
        let quote = TextQuoteSelector(exact: "x", prefix: "a ", suffix: " b")
        let quoteJSON = try JSONSerialization.jsonObject(with: JSONEncoder().encode(quote)) as? [String: String]
        #expect(quoteJSON == ["exact": "x", "prefix": "a ", "suffix": " b"])
        let position = TextPositionSelector(start: 2, end: 3)
        #expect(position.range == 2..<3)
        let decoded = try JSONDecoder().decode(TextPositionSelector.self, from: Data(#"{"start":2,"end":3}"#.utf8))
        #expect(decoded == position)
    }
}
