/// A W3C Web Annotation `TextQuoteSelector`: the quoted text and a little context.
///
/// ```swift
/// let quote = TextQuoteSelector(exact: "best of times", prefix: "It was the ", suffix: ", it was")
/// ```
public struct TextQuoteSelector: Codable, Hashable, Sendable {
    /// The quoted passage itself.
    public var exact: String
    /// Text just before the passage (up to 32 code points); empty when unknown.
    public var prefix: String
    /// Text just after the passage (up to 32 code points); empty when unknown.
    public var suffix: String

    /// Makes a quote selector.
    public init(exact: String, prefix: String = "", suffix: String = "") {
        self.exact = exact
        self.prefix = prefix
        self.suffix = suffix
    }
}

/// A W3C Web Annotation `TextPositionSelector`: code-point offsets into a text version.
public struct TextPositionSelector: Codable, Hashable, Sendable {
    /// Offset of the first code point of the passage.
    public var start: Int
    /// Offset just past the last code point of the passage (exclusive).
    public var end: Int

    /// Makes a position selector; `start <= end` is expected.
    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// The same offsets as a range.
    public var range: Range<Int> { start..<end }
}

/// The passage that comes closest to a quote that does not occur exactly.
public struct ClosestPassage: Equatable, Sendable {
    /// Where the passage is.
    public var position: TextPositionSelector
    /// The passage's text, to show the reader.
    public var text: String
    /// The edit distance between the quote and the passage.
    public var errors: Int

    /// Makes a closest-passage report.
    public init(position: TextPositionSelector, text: String, errors: Int) {
        self.position = position
        self.text = text
        self.errors = errors
    }
}

/// The outcome of looking for a quote in a text.
public enum QuoteMatch: Equatable, Sendable {
    /// The quote occurs at exactly one place (after disambiguation).
    case unique(TextPositionSelector)
    /// The quote occurs at several places that prefix and suffix do not tell
    /// apart; all of them, in text order.
    case ambiguous([TextPositionSelector])
    /// The quote does not occur exactly; `closest` is the nearest passage
    /// when one is close enough to be worth showing.
    case notFound(closest: ClosestPassage?)
}

/// Places a quote in a text, as when annotating with `--quote`.
///
/// Everything is compared code point by code point on normalized text. The
/// quote, prefix and suffix are passed through ``TextNormalizer/normalize(_:)``
/// first (so a quote typed with CRLF or decomposed accents still matches);
/// the text must already be normalized, since its offsets are what gets stored.
///
/// ```swift
/// let text = CodePointText("to be or not to be")
/// QuoteLocator.locate(exact: "to be", in: text)                 // .ambiguous([0..<5, 13..<18])
/// QuoteLocator.locate(exact: "to be", prefix: "not ", in: text) // .unique(13..<18)
/// QuoteLocator.locate(exact: "not to bee", in: text)            // .notFound(closest: "not to be" at 9..<18, 1 error)
/// ```
public enum QuoteLocator {
    /// Finds `exact` in `text`, using `prefix` and `suffix` to choose between
    /// several occurrences.
    ///
    /// - A single occurrence is `.unique` whatever the context says.
    /// - Several occurrences are narrowed to those whose preceding text ends
    ///   with `prefix` and whose following text starts with `suffix` (an empty
    ///   one is no constraint). One left: `.unique`; several: `.ambiguous`.
    ///   If none satisfies both, the occurrences that satisfy one non-empty
    ///   side are tried the same way; if none satisfies either, every
    ///   occurrence is reported as `.ambiguous` — guessing would risk pinning
    ///   the note to the wrong passage.
    /// - No occurrence: the closest passage by edit distance is reported if
    ///   it is within a third of the quote's length in errors, else nil.
    ///
    /// An empty quote is `.notFound(closest: nil)`.
    public static func locate(exact: String, prefix: String = "", suffix: String = "",
                              in text: CodePointText) -> QuoteMatch {
        let quote = CodePointText(TextNormalizer.normalize(exact)).scalars
        guard !quote.isEmpty else { return .notFound(closest: nil) }
        let haystack = text.scalars
        let occurrences = exactOccurrences(of: quote, in: haystack)

        if occurrences.isEmpty {
            let maxErrors = quote.count / 3
            guard maxErrors > 0,
                  let match = ApproximateMatcher.bestMatch(of: quote, in: haystack, maxErrors: maxErrors)
            else { return .notFound(closest: nil) }
            let position = TextPositionSelector(start: match.range.lowerBound, end: match.range.upperBound)
            return .notFound(closest: ClosestPassage(position: position, text: text[match.range],
                                                     errors: match.errors))
        }
        if occurrences.count == 1 {
            return .unique(selector(occurrences[0], quote.count))
        }

        let before = CodePointText(TextNormalizer.normalize(prefix)).scalars
        let after = CodePointText(TextNormalizer.normalize(suffix)).scalars
        let prefixFits = occurrences.map { start in
            before.isEmpty || haystack.has(before, endingAt: start)
        }
        let suffixFits = occurrences.map { start in
            after.isEmpty || haystack.has(after, startingAt: start + quote.count)
        }
        var chosen = occurrences.indices.filter { prefixFits[$0] && suffixFits[$0] }
        if chosen.isEmpty {
            // The context may have been taken from another edition in which
            // one side changed; a side that still fits is still evidence.
            chosen = occurrences.indices.filter {
                (!before.isEmpty && prefixFits[$0]) || (!after.isEmpty && suffixFits[$0])
            }
        }
        if chosen.isEmpty { chosen = Array(occurrences.indices) }
        if chosen.count == 1 {
            return .unique(selector(occurrences[chosen[0]], quote.count))
        }
        return .ambiguous(chosen.map { selector(occurrences[$0], quote.count) })
    }

    /// The W3C quote selector for a passage: its text plus up to `context`
    /// code points on each side (fewer at the start and end of the text).
    ///
    /// The position must lie within the text.
    public static func quoteSelector(for position: TextPositionSelector, in text: CodePointText,
                                     context: Int = 32) -> TextQuoteSelector {
        precondition(position.start >= 0 && position.start <= position.end && position.end <= text.count,
                     "position \(position.start)..<\(position.end) is outside the text (0..<\(text.count))")
        let context = max(0, context)
        let prefixStart = max(0, position.start - context)
        let suffixEnd = min(text.count, position.end + context)
        return TextQuoteSelector(exact: text[position.start..<position.end],
                                 prefix: text[prefixStart..<position.start],
                                 suffix: text[position.end..<suffixEnd])
    }

    private static func selector(_ start: Int, _ length: Int) -> TextPositionSelector {
        TextPositionSelector(start: start, end: start + length)
    }

    /// Every start offset of `pattern` in `text`, overlapping ones included,
    /// in order.
    ///
    /// Boyer–Moore–Horspool with the bad-character table keyed by the low
    /// byte of each scalar: scalars that share a low byte share an entry,
    /// whose shift is the smallest of theirs, which keeps every shift safe
    /// while the table stays 256 entries for all of Unicode.
    static func exactOccurrences(of pattern: [UInt32], in text: [UInt32]) -> [Int] {
        let m = pattern.count
        let n = text.count
        guard m > 0, m <= n else { return [] }
        var shift = [Int](repeating: m, count: 256)
        for index in 0..<(m - 1) {
            shift[Int(pattern[index] & 0xFF)] = m - 1 - index
        }
        var found = [Int]()
        pattern.withUnsafeBufferPointer { pattern in
            text.withUnsafeBufferPointer { text in
                shift.withUnsafeBufferPointer { shift in
                    let last = pattern[m - 1]
                    var start = 0
                    while start <= n - m {
                        let tail = text[start + m - 1]
                        if tail == last {
                            var index = m - 2
                            while index >= 0 && text[start + index] == pattern[index] { index -= 1 }
                            if index < 0 { found.append(start) }
                        }
                        start += shift[Int(tail & 0xFF)]
                    }
                }
            }
        }
        return found
    }
}

extension Array where Element == UInt32 {
    /// Whether `self[end - other.count ..< end] == other` (false if it would
    /// run off the start).
    fileprivate func has(_ other: [UInt32], endingAt end: Int) -> Bool {
        let start = end - other.count
        guard start >= 0 else { return false }
        return self[start..<end].elementsEqual(other)
    }

    /// Whether `self[start ..< start + other.count] == other` (false if it
    /// would run off the end).
    fileprivate func has(_ other: [UInt32], startingAt start: Int) -> Bool {
        let end = start + other.count
        guard end <= count else { return false }
        return self[start..<end].elementsEqual(other)
    }
}
