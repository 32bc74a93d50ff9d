import Foundation
import Testing

@testable import Marginalia

/// Re-anchoring measured on a corpus written for these tests (`Corpus/`):
/// three original texts, each with scripted new editions whose every edit
/// tracks where each annotated passage truly went.
@Suite("Re-anchoring corpus")
struct ReanchorCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")
    static let texts = ["ferry.txt", "margins.md", "garden.txt"]
    /// Phrases the texts repeat on purpose: every occurrence is annotated.
    static let refrains = [
        "the river keeps its own counsel", "as the old ferryman used to say", "A pencil is a promise",
        "and so to the next light", "Water well and leave to settle", "The old gardener",
    ]

    @Test("at least 97% of annotations land on their passage in new editions, and none on a wrong one")
    func corpusFigures() throws {
        var tally = Tally()
        for name in Self.texts {
            let original = try String(contentsOf: Self.corpus.appendingPathComponent(name), encoding: .utf8)
            let annotations = Self.annotations(in: TextNormalizer.normalize(original), seed: UInt64(name.utf8.count))
            for (edition, script) in Edition.all {
                var tracked = TrackedText(TextNormalizer.normalize(original), spans: annotations.map(\.range))
                var random = SeededGenerator(seed: UInt64(name.unicodeScalars.count * 31 + edition.count))
                script(&tracked, &random)
                let newText = CodePointText(tracked.text)
                let anchorer = TextAnchorer(newText)
                let oldLength = Double(CodePointText(TextNormalizer.normalize(original)).count)
                for (annotation, truth) in zip(annotations, tracked.spans) {
                    let anchor = anchorer.anchor(annotation.quote, near: Double(annotation.range.lowerBound) / oldLength)
                    tally.count(anchor, truth: truth, text: newText, label: "\(name)/\(edition) [\(annotation.quote.exact)]")
                }
            }
        }
        print(tally.report)
        #expect(tally.wrong.isEmpty, "wrong anchors:\n\(tally.wrong.joined(separator: "\n"))")
        #expect(tally.rightShare >= 0.97, "\(tally.report)\nmissed:\n\(tally.missed.prefix(40).joined(separator: "\n"))")
    }

    // MARK: - Annotations

    struct CorpusAnnotation {
        var range: Range<Int>
        var quote: TextQuoteSelector
    }

    /// Every refrain occurrence, plus random passages of 2 to 30 words.
    static func annotations(in text: String, seed: UInt64) -> [CorpusAnnotation] {
        let code = CodePointText(text)
        var ranges: [Range<Int>] = []
        for refrain in refrains {
            let pattern = CodePointText(refrain).scalars
            for start in QuoteLocator.exactOccurrences(of: pattern, in: code.scalars) {
                ranges.append(start..<start + pattern.count)
            }
        }
        let words = wordRanges(code.scalars)
        var random = SeededGenerator(seed: seed)
        while ranges.count < 90 {
            let first = random.next(below: words.count)
            let count = 2 + random.next(below: 29)
            let last = min(words.count - 1, first + count - 1)
            let range = words[first].lowerBound..<words[last].upperBound
            // A passage within one paragraph, as readers select them.
            guard !code[range].contains("\n\n") else { continue }
            ranges.append(range)
        }
        return ranges.map { range in
            CorpusAnnotation(
                range: range,
                quote: QuoteLocator.quoteSelector(for: TextPositionSelector(start: range.lowerBound, end: range.upperBound), in: code))
        }
    }

    static func wordRanges(_ scalars: [UInt32]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start: Int?
        for (offset, scalar) in scalars.enumerated() {
            let isSpace = scalar == 0x20 || scalar == 0x0A
            if isSpace, let begun = start {
                ranges.append(begun..<offset)
                start = nil
            } else if !isSpace && start == nil {
                start = offset
            }
        }
        if let start { ranges.append(start..<scalars.count) }
        return ranges
    }

    // MARK: - Scoring

    struct Tally {
        var right = 0, exact = 0, fuzzy = 0, orphaned = 0, rightlyOrphaned = 0, total = 0, survivors = 0
        var wrong: [String] = []
        var missed: [String] = []

        mutating func count(_ anchor: Anchor, truth: Range<Int>?, text: CodePointText, label: String) {
            total += 1
            if truth != nil { survivors += 1 }
            switch anchor.status {
            case .exact: exact += 1
            case .fuzzy: fuzzy += 1
            case .orphan: orphaned += 1
            }
            guard let found = anchor.position?.range else {
                if let truth {
                    missed.append("\(label): orphaned \"\(text[truth])\" (score \(anchor.score))")
                } else {
                    rightlyOrphaned += 1
                }
                return
            }
            if let truth, Self.agree(found, truth) {
                right += 1
            } else {
                let expected = truth.map { "\"\(text[$0])\" at \($0)" } ?? "an orphan"
                wrong.append("\(label): \(anchor.status) \"\(text[found])\" at \(found), expected \(expected)")
            }
        }

        /// The same passage: overlapping by at least 80% of the longer of the two.
        static func agree(_ found: Range<Int>, _ truth: Range<Int>) -> Bool {
            let overlap = max(0, min(found.upperBound, truth.upperBound) - max(found.lowerBound, truth.lowerBound))
            return Double(overlap) >= 0.8 * Double(max(found.count, truth.count))
        }

        var rightShare: Double { survivors == 0 ? 1 : Double(right) / Double(survivors) }

        var report: String {
            func percent(_ part: Int, _ whole: Int) -> String { String(format: "%.1f%%", 100 * Double(part) / Double(max(1, whole))) }
            return """
                re-anchoring corpus: \(total) annotations, \(survivors) whose passage survives, \(total - survivors) deleted
                  landed right: \(right)/\(survivors) (\(percent(right, survivors)))
                  exact \(exact) (\(percent(exact, total))), fuzzy \(fuzzy) (\(percent(fuzzy, total))), orphan \(orphaned) (\(percent(orphaned, total)))
                  orphans whose passage was deleted: \(rightlyOrphaned)/\(total - survivors)
                  wrong: \(wrong.count)
                """
        }
    }
}

// MARK: - Scripted editions

/// A text under edit that keeps track of where each annotated passage goes.
struct TrackedText {
    private(set) var scalars: [Unicode.Scalar]
    /// The true place of each passage; nil once it has been deleted.
    private(set) var spans: [Range<Int>?]

    init(_ text: String, spans: [Range<Int>]) {
        scalars = Array(text.unicodeScalars)
        self.spans = spans
    }

    var text: String {
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars)
        return result
    }

    /// Whether `range` cuts across a passage (rather than lying inside, before or after it).
    func cutsAcrossPassage(_ range: Range<Int>) -> Bool {
        spans.contains { span in
            guard let span else { return false }
            let inside = range.lowerBound >= span.lowerBound && range.upperBound <= span.upperBound
            let covers = range.lowerBound <= span.lowerBound && range.upperBound >= span.upperBound
            let apart = range.upperBound <= span.lowerBound || range.lowerBound >= span.upperBound
            return !(inside || covers || apart)
        }
    }

    func isInsidePassage(_ offset: Int) -> Bool {
        spans.contains { $0.map { $0.lowerBound < offset && offset < $0.upperBound } ?? false }
    }

    /// Replaces `range` with `replacement`; a passage it covers whole is deleted.
    mutating func replace(_ range: Range<Int>, with replacement: String) {
        let new = Array(replacement.unicodeScalars)
        let delta = new.count - range.count
        scalars.replaceSubrange(range, with: new)
        spans = spans.map { span in
            guard let span else { return nil }
            if range.upperBound <= span.lowerBound && !(range.isEmpty && range.lowerBound == span.upperBound) {
                return (span.lowerBound + delta)..<(span.upperBound + delta)
            }
            if range.lowerBound >= span.upperBound { return span }
            if range.lowerBound >= span.lowerBound && range.upperBound <= span.upperBound {
                return span.lowerBound..<(span.upperBound + delta)
            }
            return nil
        }
    }

    /// Moves `range` to just before `destination` (outside it); passages inside go with it.
    mutating func move(_ range: Range<Int>, to destination: Int) {
        let piece = Array(scalars[range])
        scalars.removeSubrange(range)
        let target = destination > range.lowerBound ? destination - range.count : destination
        scalars.insert(contentsOf: piece, at: target)
        func map(_ offset: Int) -> Int {
            var moved = offset >= range.upperBound ? offset - range.count : offset
            if moved >= target && !(offset >= range.lowerBound && offset < range.upperBound) { moved += range.count }
            return moved
        }
        spans = spans.map { span in
            guard let span else { return nil }
            if span.lowerBound >= range.lowerBound && span.upperBound <= range.upperBound {
                return (span.lowerBound - range.lowerBound + target)..<(span.upperBound - range.lowerBound + target)
            }
            return map(span.lowerBound)..<map(span.upperBound)
        }
    }

    /// Offsets of every match of `pattern`, left to right, as they stand now.
    func occurrences(of pattern: String) -> [Int] {
        QuoteLocator.exactOccurrences(of: pattern.unicodeScalars.map(\.value), in: scalars.map(\.value))
    }

    /// The paragraphs: ranges between blank lines.
    func paragraphs() -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        for offset in occurrences(of: "\n\n") where offset > start {
            result.append(start..<offset)
            start = offset + 2
        }
        if start < scalars.count { result.append(start..<scalars.count) }
        return result
    }

    /// Sentences: from after ". " to the next ". " inclusive of the full stop.
    func sentences() -> [Range<Int>] {
        let stops = occurrences(of: ". ")
        return zip(stops, stops.dropFirst()).map { ($0 + 2)..<($1 + 1) }
    }
}

/// A named script that turns an original text into a new edition.
enum Edition {
    typealias Script = (inout TrackedText, inout SeededGenerator) -> Void

    static var all: [(String, Script)] {[
        ("typos", { text, random in typoFixes(&text, &random, count: 40) }),
        ("reflow", { text, _ in reflow(&text, width: 58) }),
        ("typography", { text, _ in typography(&text) }),
        ("rewording", { text, random in rewording(&text, &random) }),
        ("sentences", { text, random in sentences(&text, &random) }),
        ("moves", { text, random in moves(&text, &random) }),
        ("everything", { text, random in
            typoFixes(&text, &random, count: 15)
            rewording(&text, &random)
            sentences(&text, &random)
            moves(&text, &random)
            typography(&text)
            reflow(&text, width: 70)
        }),
    ]}

    /// Single-letter corrections: a letter changed, dropped, doubled or two swapped.
    static func typoFixes(_ text: inout TrackedText, _ random: inout SeededGenerator, count: Int) {
        for _ in 0..<count {
            let scalars = text.scalars
            let offset = 1 + random.next(below: scalars.count - 3)
            guard scalars[offset].properties.isAlphabetic, scalars[offset + 1].properties.isAlphabetic else { continue }
            switch random.next(below: 4) {
            case 0: text.replace(offset..<offset + 1, with: scalars[offset] == "e" ? "a" : "e")
            case 1: text.replace(offset..<offset + 1, with: "")
            case 2: text.replace(offset..<offset, with: String(scalars[offset]))
            default: text.replace(offset..<offset + 2, with: String(scalars[offset + 1]) + String(scalars[offset]))
            }
        }
    }

    /// Hard-wraps every paragraph at `width` columns (a space becomes a line
    /// end, or a line end a space: offsets stay).
    static func reflow(_ text: inout TrackedText, width: Int) {
        var column = 0
        let scalars = text.scalars
        for offset in scalars.indices {
            let scalar = scalars[offset]
            if scalar == "\n" {
                let blank = offset + 1 < scalars.count && scalars[offset + 1] == "\n"
                let blankBefore = offset > 0 && scalars[offset - 1] == "\n"
                if blank || blankBefore {
                    column = 0
                    continue
                }
                text.replace(offset..<offset + 1, with: " ")
                column += 1
            } else if scalar == " " && column >= width {
                text.replace(offset..<offset + 1, with: "\n")
                column = 0
            } else {
                column += 1
            }
        }
    }

    /// Curly quotes and apostrophes, dashes for double hyphens, an ellipsis character.
    static func typography(_ text: inout TrackedText) {
        var opening = true
        for offset in text.occurrences(of: "\"") {
            text.replace(offset..<offset + 1, with: opening ? "\u{201C}" : "\u{201D}")
            opening.toggle()
        }
        for offset in text.occurrences(of: "'") { text.replace(offset..<offset + 1, with: "\u{2019}") }
        while let offset = text.occurrences(of: " -- ").first { text.replace(offset..<offset + 4, with: "\u{2014}") }
        while let offset = text.occurrences(of: "...").first { text.replace(offset..<offset + 3, with: "\u{2026}") }
    }

    static let replacementWords = ["quietly", "lantern", "harbour", "certain", "shallow", "morning", "several", "broken"]

    /// In a third of the passages of five words or more, one word inside is changed.
    static func rewording(_ text: inout TrackedText, _ random: inout SeededGenerator) {
        for index in text.spans.indices where random.next(below: 3) == 0 {
            guard let span = text.spans[index] else { continue }
            let inside = ReanchorCorpusTests.wordRanges(Array(text.scalars[span]).map(\.value))
            guard inside.count >= 5 else { continue }
            let word = inside[1 + random.next(below: inside.count - 2)]
            let range = (span.lowerBound + word.lowerBound)..<(span.lowerBound + word.upperBound)
            guard !text.cutsAcrossPassage(range) else { continue }
            text.replace(range, with: replacementWords[random.next(below: replacementWords.count)])
        }
    }

    static let insertedSentences = [
        "The light that afternoon was the colour of weak tea.",
        "Nobody remembers now who first said so.",
        "It is worth pausing here for a moment.",
        "A dog barked somewhere beyond the hedge and then thought better of it.",
        "This, at least, is how the story was told to me.",
        "The figures are uncertain and probably always were.",
    ]

    /// Sentences inserted between sentences, and sentences deleted (with any
    /// passage that lies inside them).
    static func sentences(_ text: inout TrackedText, _ random: inout SeededGenerator) {
        for _ in 0..<12 {
            let boundaries = text.sentences().map(\.upperBound).filter { !text.isInsidePassage($0) }
            guard !boundaries.isEmpty else { break }
            let at = boundaries[random.next(below: boundaries.count)]
            text.replace(at..<at, with: " " + insertedSentences[random.next(below: insertedSentences.count)])
        }
        for _ in 0..<25 {
            let candidates = text.sentences().filter { !text.cutsAcrossPassage($0.lowerBound - 1..<$0.upperBound) }
            guard !candidates.isEmpty else { break }
            let sentence = candidates[random.next(below: candidates.count)]
            text.replace(sentence.lowerBound - 1..<sentence.upperBound, with: "")
        }
    }

    /// Two paragraphs from the first half moved to the end, one from the end to the front.
    static func moves(_ text: inout TrackedText, _ random: inout SeededGenerator) {
        for _ in 0..<2 {
            let paragraphs = text.paragraphs()
            let early = paragraphs[1 + random.next(below: paragraphs.count / 2)]
            text.move(early.lowerBound..<min(early.upperBound + 2, text.scalars.count), to: text.scalars.count)
        }
        let paragraphs = text.paragraphs()
        let late = paragraphs[paragraphs.count - 1 - random.next(below: paragraphs.count / 3)]
        text.move(late.lowerBound..<min(late.upperBound + 2, text.scalars.count), to: paragraphs[1].lowerBound)
    }
}

extension SeededGenerator {
    /// A number in 0..<bound (0 when bound is 0), for scripting editions.
    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
}
