/// A passage of a text that matches a pattern with a given number of edits.
public struct ApproximateMatch: Equatable, Hashable, Sendable {
    /// The matched code points of the text (end exclusive).
    public var range: Range<Int>
    /// The Levenshtein distance between the pattern and the text in `range`.
    public var errors: Int

    /// Makes a match.
    public init(range: Range<Int>, errors: Int) {
        self.range = range
        self.errors = errors
    }
}

/// Finds a pattern in a text allowing insertions, deletions and substitutions.
///
/// This is Myers' bit-parallel algorithm (1999) in its multi-word form: each
/// text position costs ⌈m/64⌉ steps of a few word operations, so scanning a
/// whole book for a quote of a few hundred code points is fast even though
/// the alphabet is all of Unicode. Offsets and lengths count code points.
///
/// ```swift
/// let text = CodePointText("It was the best of times, it was the worst of times")
/// let quote = CodePointText("the wurst of tmes")
/// let match = ApproximateMatcher.bestMatch(of: quote.scalars, in: text.scalars, maxErrors: 5)
/// // match?.range == 33..<51, match?.errors == 2
/// ```
public enum ApproximateMatcher {
    /// The best match of `pattern` in `text` with at most `maxErrors` edits
    /// (Levenshtein distance), or nil when there is none.
    ///
    /// "Best" means fewest errors. Among equally good matches the one whose
    /// start is closest to `near` wins when `near` is given, else the one that
    /// starts leftmost; remaining ties go to the match whose length is closest
    /// to the pattern's, then to the leftmost end.
    ///
    /// An empty pattern, an empty text or a negative `maxErrors` gives nil.
    /// `maxErrors` is capped at `pattern.count - 1`: with as many errors as the
    /// pattern is long, the "match" would be an empty passage anywhere.
    ///
    /// - Parameters:
    ///   - pattern: the scalars to look for.
    ///   - text: the scalars to search.
    ///   - maxErrors: the largest acceptable edit distance.
    ///   - near: a code-point offset that ties are broken towards.
    public static func bestMatch(of pattern: [UInt32], in text: [UInt32], maxErrors: Int,
                                 near: Int? = nil) -> ApproximateMatch? {
        guard !pattern.isEmpty, !text.isEmpty, maxErrors >= 0 else { return nil }
        let limit = min(maxErrors, pattern.count - 1)
        let forward = BitParallelPattern(pattern)
        // Keep only the ends that reach the lowest error count seen so far, so
        // memory stays small however large the text is.
        var best = Int.max
        var ends = [Int]()
        forward.scan(text, from: 0, to: text.count, anchored: false) { end, errors in
            guard errors <= limit, errors <= best else { return }
            if errors < best {
                best = errors
                ends.removeAll(keepingCapacity: true)
            }
            ends.append(end)
        }
        guard !ends.isEmpty else { return nil }
        let backward = BitParallelPattern(pattern.reversed())
        return chooseMatch(ends: ends, errors: best, patternLength: pattern.count,
                           near: near ?? 0, backward: backward, text: text)
    }

    /// Picks the winning (start, end) among the ends that all reach `errors`.
    ///
    /// Recovering a start costs O(m) steps per end, and repetitive text can
    /// produce very many tied ends, so ends are visited in order of a lower
    /// bound on their distance to `near` (a match within `errors` edits
    /// starts in `end - m - errors ... end - m + errors`), and the visit stops
    /// once no remaining end can beat the best found.
    private static func chooseMatch(ends: [Int], errors: Int, patternLength m: Int, near: Int,
                                    backward: BitParallelPattern, text: [UInt32]) -> ApproximateMatch? {
        func lowerBound(_ end: Int) -> Int {
            let earliest = max(0, end - m - errors)
            let latest = end - m + errors
            if near < earliest { return earliest - near }
            if near > latest { return near - latest }
            return 0
        }
        // The bound falls then rises along `ends` (sorted), so walk outwards
        // from the first end whose window reaches `near`, always taking the
        // side with the smaller bound.
        var right = 0
        while right < ends.count && ends[right] - m + errors < near { right += 1 }
        var left = right - 1

        // Sort key: distance to near, then start, then |length - m|, then end.
        var bestKey: (Int, Int, Int, Int)? = nil
        while left >= 0 || right < ends.count {
            let takeLeft: Bool
            if left < 0 {
                takeLeft = false
            } else if right >= ends.count {
                takeLeft = true
            } else {
                takeLeft = lowerBound(ends[left]) <= lowerBound(ends[right])
            }
            let end = takeLeft ? ends[left] : ends[right]
            if let key = bestKey, lowerBound(end) > key.0 { break }
            if takeLeft { left -= 1 } else { right += 1 }
            for start in backward.starts(in: text, endingAt: end, errors: errors) {
                let key = (abs(start - near), start, abs(end - start - m), end)
                if bestKey == nil || key < bestKey! { bestKey = key }
            }
        }
        guard let key = bestKey else { return nil }
        return ApproximateMatch(range: key.1..<key.3, errors: errors)
    }
}

/// A pattern compiled for Myers' bit-vector algorithm.
///
/// The pattern is cut into blocks of 64 code points, one machine word each.
/// `peq` holds, for every distinct scalar of the pattern, a bit mask per block
/// of the positions where that scalar occurs; row 0 of the table is all zero
/// and stands for every scalar the pattern does not contain.
struct BitParallelPattern: Sendable {
    let length: Int
    let blocks: Int
    /// Row-major: `peq[row * blocks + block]`.
    let peq: [UInt64]
    /// Row of each scalar below `direct.count`; 0 = not in the pattern.
    let direct: [Int32]
    /// Rows of the scalars too large for `direct` (rare: astral characters).
    let other: [UInt32: Int32]
    /// The bit holding the bottom row of each block: bit 63, except in a last
    /// block the pattern fills only partly.
    let highShift: [UInt64]

    init<S: Sequence>(_ pattern: S) where S.Element == UInt32 {
        let scalars = Array(pattern)
        length = scalars.count
        blocks = max(1, (scalars.count + 63) / 64)
        // A direct table indexed by scalar is faster than hashing each text
        // character; it is capped at the BMP to stay small.
        let maxDirect = min(Int(scalars.max() ?? 0) + 1, 0x1_0000)
        var direct = [Int32](repeating: 0, count: maxDirect)
        var other = [UInt32: Int32]()
        var rows = 1
        var peq = [UInt64](repeating: 0, count: blocks)
        for (position, scalar) in scalars.enumerated() {
            var row: Int32
            if Int(scalar) < maxDirect {
                row = direct[Int(scalar)]
                if row == 0 { row = Int32(rows); direct[Int(scalar)] = row }
            } else {
                row = other[scalar] ?? 0
                if row == 0 { row = Int32(rows); other[scalar] = row }
            }
            if Int(row) == rows {
                rows += 1
                peq.append(contentsOf: repeatElement(0, count: blocks))
            }
            peq[Int(row) * blocks + position / 64] |= 1 << UInt64(position % 64)
        }
        self.peq = peq
        self.direct = direct
        self.other = other
        var shifts = [UInt64](repeating: 63, count: blocks)
        shifts[blocks - 1] = UInt64((max(1, scalars.count) - 1) % 64)
        highShift = shifts
    }

    /// Runs the automaton over `text[from..<to]` (or leftwards, from `to - 1`
    /// down to `from`, when `reverse` is set) and reports, after each scalar,
    /// the number of code points consumed and the edit distance at the bottom
    /// row.
    ///
    /// Not anchored (search), row 0 is all zeros: the pattern may start
    /// anywhere, and the value reported after consuming position `j` is the
    /// fewest edits of a match ending at `j + 1`. Anchored, row 0 counts up:
    /// the value is the distance between the pattern and everything consumed.
    ///
    /// In search mode `body` receives the end offset `j + 1`; otherwise it
    /// receives the number of scalars consumed so far.
    func scan(_ text: [UInt32], from: Int, to: Int, anchored: Bool, reverse: Bool = false,
              body: (Int, Int) -> Void) {
        let blocks = self.blocks
        var score = length
        // Vertical deltas start at +1 everywhere: column 0 is 0, 1, 2, ... m.
        var pv = [UInt64](repeating: ~0, count: blocks)
        var mv = [UInt64](repeating: 0, count: blocks)
        // Horizontal delta fed into the top of the first block: 0 when the
        // pattern may start anywhere, +1 when it must start at the first scalar.
        let topPlus: UInt64 = anchored ? 1 : 0
        let directCount = direct.count
        let hasOther = !other.isEmpty
        text.withUnsafeBufferPointer { text in
            peq.withUnsafeBufferPointer { peq in
                direct.withUnsafeBufferPointer { direct in
                    highShift.withUnsafeBufferPointer { highShift in
                        pv.withUnsafeMutableBufferPointer { pv in
                            mv.withUnsafeMutableBufferPointer { mv in
                                var step = 0
                                let total = to - from
                                while step < total {
                                    let position = reverse ? to - 1 - step : from + step
                                    let scalar = text[position]
                                    var row = 0
                                    if Int(scalar) < directCount {
                                        row = Int(direct[Int(scalar)])
                                    } else if hasOther {
                                        row = Int(other[scalar] ?? 0)
                                    }
                                    let base = row &* blocks
                                    var hinPlus = topPlus
                                    var hinMinus: UInt64 = 0
                                    var block = 0
                                    while block < blocks {
                                        let pvBlock = pv[block]
                                        let mvBlock = mv[block]
                                        var eq = peq[base &+ block]
                                        let xv = eq | mvBlock
                                        eq |= hinMinus
                                        let xh = (((eq & pvBlock) &+ pvBlock) ^ pvBlock) | eq
                                        var ph = mvBlock | ~(xh | pvBlock)
                                        var mh = pvBlock & xh
                                        let shift = highShift[block]
                                        // Ph and Mh never share a bit, so the
                                        // carry out is +1, -1 or 0.
                                        let outPlus = (ph &>> shift) & 1
                                        let outMinus = (mh &>> shift) & 1
                                        ph = (ph &<< 1) | hinPlus
                                        mh = (mh &<< 1) | hinMinus
                                        pv[block] = mh | ~(xv | ph)
                                        mv[block] = ph & xv
                                        hinPlus = outPlus
                                        hinMinus = outMinus
                                        block &+= 1
                                    }
                                    score = score &+ Int(hinPlus) &- Int(hinMinus)
                                    step &+= 1
                                    body(anchored ? step : position &+ 1, score)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The starts `s` (ascending) with `distance(pattern, text[s..<end]) == errors`,
    /// where `self` was compiled from the reversed pattern.
    func starts(in text: [UInt32], endingAt end: Int, errors: Int) -> [Int] {
        var starts = [Int]()
        // Also the empty passage: distance m when nothing is consumed.
        if length == errors { starts.append(end) }
        let from = max(0, end - length - errors)
        scan(text, from: from, to: end, anchored: true, reverse: true) { consumed, distance in
            if distance == errors { starts.append(end - consumed) }
        }
        return starts.reversed()
    }
}
