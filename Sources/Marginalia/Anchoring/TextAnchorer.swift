/// Where an annotation stands in a text version: found exactly, found
/// approximately, or not found with enough confidence (an orphan).
///
/// ```swift
/// let anchor = TextAnchorer(CodePointText(newEdition)).anchor(annotation.quote, near: 0.4)
/// if anchor.status == .orphan { /* list it, never pin it anywhere */ }
/// ```
public struct Anchor: Hashable, Sendable {
    /// How the passage was found.
    public enum Status: String, Sendable, CaseIterable {
        /// The quote occurs as it was made (whitespace and typography aside).
        case exact
        /// A passage close to the quote, with its context, was found.
        case fuzzy
        /// No passage could be chosen with confidence.
        case orphan
    }

    /// How the passage was found.
    public var status: Status
    /// The passage in code points of the text version; nil for an orphan.
    public var position: TextPositionSelector?
    /// Confidence in thousandths (0...1000): quote, context and position
    /// agreement of the passage found, or of the best rejected one for an orphan.
    public var score: Int

    /// Makes an anchor.
    public init(status: Status, position: TextPositionSelector?, score: Int) {
        self.status = status
        self.position = position
        self.score = score
    }

    /// An annotation made on this very text version.
    public static func made(at position: TextPositionSelector) -> Anchor {
        Anchor(status: .exact, position: position, score: 1000)
    }
}

/// Finds quotes made on one edition of a text in another edition.
///
/// Build one per text version and anchor any number of quotes into it: the
/// text is folded (see ``FoldedText``) and indexed by 8-grams once, which
/// makes each quote cost about its own length rather than the text's.
///
/// For each quote:
///
/// 1. **Exact.** Every occurrence of the folded quote, found through its
///    rarest 8-gram and checked whole.
/// 2. **Approximate**, when no occurrence is convincing. Every 8-gram of the
///    quote that is not too common votes for the diagonals (text offset minus
///    quote offset) it occurs on; the best-voted stretches of text are then
///    searched with Myers' bit-parallel algorithm (``ApproximateMatcher``) for
///    the passage with the fewest edits, at most 30% of the quote.
/// 3. **Scoring.** Each candidate is scored by the quote (1 − edits/length,
///    weight 0.55), its context (edit distance of the stored prefix and
///    suffix to the text around it, weight 0.35) and its position (nearness to
///    the expected place, weight 0.1).
/// 4. **Choosing, or not.** The best candidate is kept only if the evidence is
///    strong: a context side that still agrees (at least 60%), or a long exact
///    quote (40 code points or more), or an exact quote that came with no
///    context to check, or a long near-exact one (60 or more,
///    at most 10% edits); an approximate match needs a quote of at least 12
///    code points. A second candidate elsewhere scoring within 0.05 makes it
///    ambiguous, unless the two agree equally in quote and context and the
///    best lies four times nearer the expected place. Everything else is an
///    orphan: a wrong anchor is worse than none.
public struct TextAnchorer: Sendable {
    /// The folded text being anchored into.
    public let folded: FoldedText
    private let index: GramIndex

    /// The longest prefix or suffix compared, in folded code points.
    static let contextLength = 32
    /// Quotes shorter than this are only ever matched exactly.
    static let shortestApproximate = 12
    /// The largest share of a quote that may be edited in an approximate match.
    static let maximumErrorRate = 0.3
    /// Grams (or buckets) more frequent than this do not vote: they say
    /// nothing about where a quote is, and would cost the most.
    static let mostGramOccurrences = 256

    /// Folds and indexes a text version.
    public init(_ text: CodePointText) {
        folded = FoldedText(text)
        index = GramIndex(folded.scalars)
    }

    /// Finds `quote` in the text.
    ///
    /// - Parameters:
    ///   - quote: the exact text with its prefix and suffix, as made on another edition.
    ///   - near: where the passage is expected, as a fraction (0...1) of the
    ///     text's length; nil when nothing is known.
    public func anchor(_ quote: TextQuoteSelector, near: Double? = nil) -> Anchor {
        let pattern = FoldedText.quote(CodePointText(quote.exact).scalars)
        guard !pattern.isEmpty, !folded.scalars.isEmpty else { return Anchor(status: .orphan, position: nil, score: 0) }
        let context = Context(
            prefix: Array(FoldedText(CodePointText(quote.prefix).scalars).scalars.suffix(Self.contextLength)),
            suffix: Array(FoldedText(CodePointText(quote.suffix).scalars).scalars.prefix(Self.contextLength)),
            expected: near.map { Int(($0 * Double(folded.count)).rounded()) })

        var candidates = exactOccurrences(of: pattern).map { score($0..<$0 + pattern.count, errors: 0, pattern, context) }
        if !candidates.contains(where: \.isConvincing), pattern.count >= Self.shortestApproximate {
            for found in approximateMatches(of: pattern, near: context.expected) {
                let match = aligned(found, pattern, context)
                guard !candidates.contains(where: { $0.range.overlaps(match.range) }) else { continue }
                candidates.append(score(match.range, errors: match.errors, pattern, context))
            }
        }
        return choose(from: candidates)
    }

    // MARK: - Candidates

    /// A place the quote may be, with what speaks for it.
    struct Candidate {
        var range: Range<Int>
        var errors: Int
        var quoteLength: Int
        /// 0...1, or nil when the quote came without context.
        var prefixAgreement: Double?
        var suffixAgreement: Double?
        var positionAgreement: Double

        var quoteAgreement: Double { 1 - Double(errors) / Double(quoteLength) }
        var contextAgreement: Double? {
            let sides = [prefixAgreement, suffixAgreement].compactMap { $0 }
            return sides.isEmpty ? nil : sides.reduce(0, +) / Double(sides.count)
        }
        /// Quote and context: what the position cannot outweigh.
        var contentScore: Double { 0.55 * quoteAgreement + 0.35 * (contextAgreement ?? 0.5) }
        var score: Double { contentScore + 0.1 * positionAgreement }

        /// Whether this candidate alone is strong enough evidence.
        var isConvincing: Bool {
            if errors > 0 {
                guard quoteLength >= TextAnchorer.shortestApproximate,
                    Double(errors) <= TextAnchorer.maximumErrorRate * Double(quoteLength)
                else { return false }
            }
            // A quote typed without context (a paper book's) has nothing
            // more to check: found as it is, it is as sure as `annotate --quote`.
            if prefixAgreement == nil && suffixAgreement == nil && errors == 0 { return true }
            let bestSide = max(prefixAgreement ?? 0, suffixAgreement ?? 0)
            if bestSide >= 0.6 { return true }
            if errors == 0 { return quoteLength >= 40 }
            return quoteLength >= 60 && quoteAgreement >= 0.9
        }
    }

    /// The quote's surroundings, compiled once for every candidate.
    struct Context {
        let prefix: [UInt32]
        let suffix: [UInt32]
        let expected: Int?
        /// The prefix, and the suffix reversed (it is matched leftwards).
        let prefixPattern: BitParallelPattern
        let reversedSuffixPattern: BitParallelPattern

        init(prefix: [UInt32], suffix: [UInt32], expected: Int?) {
            self.prefix = prefix
            self.suffix = suffix
            self.expected = expected
            prefixPattern = BitParallelPattern(prefix)
            reversedSuffixPattern = BitParallelPattern(suffix.reversed())
        }
    }

    private func score(_ range: Range<Int>, errors: Int, _ pattern: [UInt32], _ context: Context) -> Candidate {
        let text = folded.scalars
        var prefixAgreement: Double?
        if !context.prefix.isEmpty {
            let distance = Self.contextDistance(context.prefixPattern, in: text, before: range.lowerBound)
            prefixAgreement = 1 - Double(distance) / Double(context.prefix.count)
        }
        var suffixAgreement: Double?
        if !context.suffix.isEmpty {
            let distance = Self.contextDistance(context.reversedSuffixPattern, in: text, after: range.upperBound)
            suffixAgreement = 1 - Double(distance) / Double(context.suffix.count)
        }
        var positionAgreement = 0.5
        if let expected = context.expected {
            positionAgreement = 1 - min(1, Double(abs(range.lowerBound - expected)) / Double(max(1, text.count)))
        }
        return Candidate(
            range: range, errors: errors, quoteLength: pattern.count, prefixAgreement: prefixAgreement,
            suffixAgreement: suffixAgreement, positionAgreement: positionAgreement)
    }

    /// Moves the ends of an approximate match to where quote and context
    /// together fit best.
    ///
    /// The passage with the fewest edits of the quote alone can stop short
    /// of a changed word at its edge ("We did not" found as " not" in "We
    /// rarely did not"), because leaving the word out is cheaper than
    /// changing it. Counting the edits of the prefix before each possible
    /// start, and of the suffix after each possible end, puts the edge back
    /// where the context says it is.
    func aligned(_ match: ApproximateMatch, _ pattern: [UInt32], _ context: Context) -> ApproximateMatch {
        let text = folded.scalars
        let slack = Int(Self.maximumErrorRate * Double(pattern.count))
        let end = match.range.upperBound
        // Starts: edits of the quote up to `end`, plus edits of the prefix before.
        let lowest = max(0, match.range.lowerBound - slack)
        let highest = min(end, match.range.lowerBound + slack)
        var cost = [Int: (quote: Int, context: Int)]()
        BitParallelPattern(pattern.reversed()).scan(text, from: lowest, to: end, anchored: true, reverse: true) {
            consumed, errors in
            if end - consumed <= highest { cost[end - consumed] = (errors, 0) }
        }
        if !context.prefix.isEmpty {
            var before = [Int: Int]()
            let from = max(0, lowest - 2 * context.prefix.count)
            context.prefixPattern.scan(text, from: from, to: highest, anchored: false) { at, errors in
                before[at] = errors
            }
            for start in cost.keys { cost[start]!.context = before[start] ?? context.prefix.count }
        }
        let start = Self.cheapest(cost, near: match.range.lowerBound) ?? match.range.lowerBound
        // Ends: edits of the quote from `start`, plus edits of the suffix after.
        cost = [:]
        let latest = min(text.count, end + slack)
        let earliest = max(start + 1, end - slack)
        BitParallelPattern(pattern).scan(text, from: start, to: latest, anchored: true) { consumed, errors in
            if start + consumed >= earliest { cost[start + consumed] = (errors, 0) }
        }
        if !context.suffix.isEmpty {
            var after = [Int: Int]()
            let to = min(text.count, latest + 2 * context.suffix.count)
            context.reversedSuffixPattern.scan(text, from: earliest, to: to, anchored: false, reverse: true) {
                next, errors in after[next - 1] = errors
            }
            for end in cost.keys { cost[end]!.context = after[end] ?? context.suffix.count }
        }
        guard let newEnd = Self.cheapest(cost, near: end) else { return match }
        return ApproximateMatch(range: start..<newEnd, errors: cost[newEnd]!.quote)
    }

    /// The offset where quote and context edits add up to the least; ties go
    /// to the better context (it marks the edge more reliably than a changed
    /// quote), then to the offset nearest `near`, then to the lower.
    private static func cheapest(_ cost: [Int: (quote: Int, context: Int)], near: Int) -> Int? {
        cost.min {
            ($0.value.quote + $0.value.context, $0.value.context, abs($0.key - near), $0.key)
                < ($1.value.quote + $1.value.context, $1.value.context, abs($1.key - near), $1.key)
        }?.key
    }

    /// The fewest edits that turn the compiled `context` into some text ending at `end`.
    static func contextDistance(_ context: BitParallelPattern, in text: [UInt32], before end: Int) -> Int {
        let from = max(0, end - 2 * context.length)
        var distance = context.length
        context.scan(text, from: from, to: end, anchored: false) { _, errors in distance = errors }
        return distance
    }

    /// The fewest edits that turn a context into some text starting at
    /// `start`, given the context compiled reversed.
    static func contextDistance(_ reversedContext: BitParallelPattern, in text: [UInt32], after start: Int) -> Int {
        let to = min(text.count, start + 2 * reversedContext.length)
        var distance = reversedContext.length
        reversedContext.scan(text, from: start, to: to, anchored: false, reverse: true) { _, errors in distance = errors }
        return distance
    }

    /// Every start of `pattern` in the folded text, in order.
    func exactOccurrences(of pattern: [UInt32]) -> [Int] {
        let text = folded.scalars
        guard pattern.count >= GramIndex.gramLength + GramIndex.step - 1 else {
            return QuoteLocator.exactOccurrences(of: pattern, in: text)
        }
        // Only grams at even text offsets are indexed, so an occurrence that
        // starts at an even offset holds its even-offset grams, one at an odd
        // offset its odd-offset grams: the rarest gram of each kind finds them all.
        var rarest: [(offset: Int, positions: ArraySlice<Int32>)?] = [nil, nil]
        for offset in 0...(pattern.count - GramIndex.gramLength) {
            let positions = index.positions(of: GramIndex.hash(pattern, at: offset))
            if rarest[offset % 2].map({ positions.count < $0.positions.count }) ?? true {
                rarest[offset % 2] = (offset, positions)
            }
        }
        var starts = [Int]()
        for case let (offset, positions)? in rarest {
            for position in positions {
                let start = Int(position) - offset
                guard start >= 0, start + pattern.count <= text.count else { continue }
                if text[start..<start + pattern.count].elementsEqual(pattern) { starts.append(start) }
            }
        }
        return starts.sorted()
    }

    /// The best approximate match in each of the stretches of text that most
    /// grams of the pattern point to.
    func approximateMatches(of pattern: [UInt32], near expected: Int?) -> [ApproximateMatch] {
        let text = folded.scalars
        let m = pattern.count
        let maxErrors = Int(Self.maximumErrorRate * Double(m))
        guard m >= GramIndex.gramLength else { return [] }
        // A gram found all over the text says nothing about where the quote is.
        let common = Self.mostGramOccurrences
        var diagonals = [Int]()
        for offset in 0...(m - GramIndex.gramLength) {
            let positions = index.positions(of: GramIndex.hash(pattern, at: offset))
            guard positions.count <= common else { continue }
            for position in positions { diagonals.append(Int(position) - offset) }
        }
        diagonals.sort()
        // Runs of diagonals no further apart than the errors allowed: one
        // stretch each, with its votes.
        var stretches: [(votes: Int, low: Int, high: Int)] = []
        var runStart = 0
        for index in diagonals.indices where index == diagonals.count - 1 || diagonals[index + 1] - diagonals[index] > maxErrors + 1 {
            stretches.append((index - runStart + 1, diagonals[runStart], diagonals[index]))
            runStart = index + 1
        }
        let chosen = stretches.filter { $0.votes >= 2 }.sorted { ($0.votes, $1.low) > ($1.votes, $0.low) }.prefix(8)
        var matches = [ApproximateMatch]()
        for stretch in chosen {
            let low = max(0, stretch.low - maxErrors)
            let high = min(text.count, stretch.high + m + maxErrors)
            guard low < high else { continue }
            let window = Array(text[low..<high])
            let near = expected.map { min(max(0, $0 - low), window.count) } ?? (stretch.low - low)
            guard let match = ApproximateMatcher.bestMatch(of: pattern, in: window, maxErrors: maxErrors, near: near)
            else { continue }
            let range = (match.range.lowerBound + low)..<(match.range.upperBound + low)
            if !matches.contains(where: { $0.range.overlaps(range) }) {
                matches.append(ApproximateMatch(range: range, errors: match.errors))
            }
        }
        return matches
    }

    // MARK: - Choosing

    private func choose(from candidates: [Candidate]) -> Anchor {
        guard let best = candidates.max(by: { ($0.score, $1.range.lowerBound) < ($1.score, $0.range.lowerBound) }) else {
            return Anchor(status: .orphan, position: nil, score: 0)
        }
        let score = Int((best.score * 1000).rounded())
        let orphan = Anchor(status: .orphan, position: nil, score: score)
        guard best.isConvincing else { return orphan }
        let rivals = candidates.filter { !$0.range.overlaps(best.range) && best.score - $0.score < 0.05 }
        for rival in rivals {
            // Only the position tells them apart: trust it when it clearly does.
            let sameContent = abs(rival.contentScore - best.contentScore) < 0.001
            let nearer = (1 - best.positionAgreement) * 4 <= 1 - rival.positionAgreement
            if !(sameContent && nearer) { return orphan }
        }
        let range = folded.originalRange(of: best.range)
        return Anchor(
            status: best.errors == 0 ? .exact : .fuzzy,
            position: TextPositionSelector(start: range.lowerBound, end: range.upperBound), score: score)
    }
}

/// The positions of every 8-gram of a folded text, bucketed by hash.
///
/// Only the grams that start at even offsets are indexed: a passage of at
/// least nine code points holds some of them wherever it starts, and the
/// index costs half. Two flat arrays (bucket starts, positions), built in
/// two passes over the text: a 4 MB text takes a few tens of milliseconds
/// and about 5 bytes per code point.
struct GramIndex: Sendable {
    static let gramLength = 8
    /// Every `step`-th gram is indexed.
    static let step = 2
    private let bits: Int
    /// `positions[bucketStarts[b] ..< bucketStarts[b + 1]]` are the grams of bucket `b`.
    private let bucketStarts: [Int32]
    private let positions: [Int32]

    init(_ text: [UInt32]) {
        let offsets = max(0, text.count - Self.gramLength + 1)
        let grams = (offsets + Self.step - 1) / Self.step
        // About four grams a bucket: collisions only add candidates that are checked anyway.
        var bits = 10
        while bits < 20 && (1 << (bits + 2)) < grams { bits += 1 }
        self.bits = bits
        var bucketOf = [UInt32](repeating: 0, count: grams)
        var starts = [Int32](repeating: 0, count: (1 << bits) + 1)
        var positions = [Int32](repeating: 0, count: grams)
        text.withUnsafeBufferPointer { text in
            bucketOf.withUnsafeMutableBufferPointer { bucketOf in
                starts.withUnsafeMutableBufferPointer { starts in
                    positions.withUnsafeMutableBufferPointer { positions in
                        guard grams > 0 else { return }
                        var outgoing: UInt64 = 1
                        for _ in 0..<Self.gramLength { outgoing = outgoing &* Self.base }
                        var hash: UInt64 = 0
                        for index in 0..<Self.gramLength { hash = hash &* Self.base &+ UInt64(text[index]) &+ 1 }
                        for offset in 0..<offsets {
                            if offset > 0 {
                                hash = hash &* Self.base &+ UInt64(text[offset + Self.gramLength - 1]) &+ 1
                                    &- outgoing &* (UInt64(text[offset - 1]) &+ 1)
                            }
                            guard offset % Self.step == 0 else { continue }
                            let bucket = Self.bucket(hash, bits: bits)
                            bucketOf[offset / Self.step] = UInt32(truncatingIfNeeded: bucket)
                            starts[bucket + 1] &+= 1
                        }
                        for bucket in 0..<(starts.count - 1) { starts[bucket + 1] &+= starts[bucket] }
                        // Fill each bucket, moving its start along, then move the starts back.
                        for gram in 0..<grams {
                            let bucket = Int(bucketOf[gram])
                            positions[Int(starts[bucket])] = Int32(truncatingIfNeeded: gram * Self.step)
                            starts[bucket] &+= 1
                        }
                        for bucket in stride(from: starts.count - 1, to: 0, by: -1) { starts[bucket] = starts[bucket - 1] }
                        starts[0] = 0
                    }
                }
            }
        }
        bucketStarts = starts
        self.positions = positions
    }

    /// The text offsets of grams that share `hash`'s bucket (a superset of
    /// the gram's occurrences), in increasing order.
    func positions(of hash: UInt64) -> ArraySlice<Int32> {
        let bucket = Self.bucket(hash, bits: bits)
        return positions[Int(bucketStarts[bucket])..<Int(bucketStarts[bucket + 1])]
    }

    private static let base: UInt64 = 0x100_0000_01B3

    /// The hash of `scalars[offset ..< offset + gramLength]`.
    static func hash(_ scalars: [UInt32], at offset: Int) -> UInt64 {
        var hash: UInt64 = 0
        for index in offset..<offset + gramLength { hash = hash &* base &+ UInt64(scalars[index]) &+ 1 }
        return hash
    }

    private static func bucket(_ hash: UInt64, bits: Int) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
    }
}
