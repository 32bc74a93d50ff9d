import Testing
@testable import Marginalia

@Suite("ApproximateMatcher")
struct ApproximateMatcherTests {
    private func scalars(_ string: String) -> [UInt32] { string.unicodeScalars.map(\.value) }

    @Test("the documented example")
    func example() {
        let text = scalars("It was the best of times, it was the worst of times")
        let match = ApproximateMatcher.bestMatch(of: scalars("the wurst of tmes"), in: text, maxErrors: 5)
        #expect(match == ApproximateMatch(range: 33..<51, errors: 2))
    }

    @Test("exact matches have zero errors, across block boundaries", arguments: [1, 63, 64, 65, 127, 128, 129, 300])
    func exactAcrossBlocks(length: Int) throws {
        var rng = SeededGenerator(seed: UInt64(length))
        let text = (0..<2000).map { _ in UInt32(0x61 + rng.next() % 20) }
        let start = 777
        let pattern = Array(text[start..<(start + length)])
        let match = try #require(ApproximateMatcher.bestMatch(of: pattern, in: text, maxErrors: length / 3, near: start))
        #expect(match == ApproximateMatch(range: start..<(start + length), errors: 0))
    }

    @Test("edits in a long pattern are counted exactly")
    func longPatternWithEdits() throws {
        var rng = SeededGenerator(seed: 7)
        let text = (0..<5000).map { _ in UInt32(0x3B1 + rng.next() % 24) }   // Greek letters
        var pattern = Array(text[1000..<1200])
        pattern[10] = 0x41                  // substitution
        pattern.remove(at: 70)              // deletion, in the second block
        pattern.insert(0x42, at: 150)       // insertion, in the third block
        let match = try #require(ApproximateMatcher.bestMatch(of: pattern, in: text, maxErrors: 20))
        #expect(match.errors == 3)
        #expect(match.range == 1000..<1200)
    }

    @Test("astral scalars (outside the direct lookup table) match")
    func astralScalars() throws {
        let text = scalars("xx 👍🏽 𠀀 well done 🇫🇷 yy")
        let match = try #require(ApproximateMatcher.bestMatch(of: scalars("𠀀 wel dne 🇫🇷"), in: text, maxErrors: 3))
        #expect(match.errors == 2)
        #expect(String(String.UnicodeScalarView(text[match.range].map { Unicode.Scalar($0)! })) == "𠀀 well done 🇫🇷")
    }

    @Test("ties go to the leftmost match, or to the one nearest `near`")
    func tieBreaking() {
        let text = scalars("abc xyz abc xyz abc")
        let pattern = scalars("abd")
        #expect(ApproximateMatcher.bestMatch(of: pattern, in: text, maxErrors: 1)?.range == 0..<3)
        #expect(ApproximateMatcher.bestMatch(of: pattern, in: text, maxErrors: 1, near: 9)?.range == 8..<11)
        #expect(ApproximateMatcher.bestMatch(of: pattern, in: text, maxErrors: 1, near: 100)?.range == 16..<19)
        #expect(ApproximateMatcher.bestMatch(of: pattern, in: text, maxErrors: 1, near: -5)?.range == 0..<3)
    }

    @Test("degenerate inputs give nil")
    func degenerate() {
        #expect(ApproximateMatcher.bestMatch(of: [], in: scalars("abc"), maxErrors: 3) == nil)
        #expect(ApproximateMatcher.bestMatch(of: scalars("abc"), in: [], maxErrors: 3) == nil)
        #expect(ApproximateMatcher.bestMatch(of: scalars("abc"), in: scalars("abc"), maxErrors: -1) == nil)
        #expect(ApproximateMatcher.bestMatch(of: scalars("abc"), in: scalars("xyz"), maxErrors: 2) == nil)
        // maxErrors beyond the pattern length is capped: never an empty match.
        let match = ApproximateMatcher.bestMatch(of: scalars("abc"), in: scalars("xbz"), maxErrors: 10)
        #expect(match == ApproximateMatch(range: 0..<3, errors: 2))
    }

    /// Every end offset at which `pattern` matches within `maxErrors` edits,
    /// as [end, fewest edits], in text order: the scan `bestMatch` runs.
    func matchEnds(of pattern: [UInt32], in text: [UInt32], maxErrors: Int) -> [[Int]] {
        var ends: [[Int]] = []
        BitParallelPattern(pattern).scan(text, from: 0, to: text.count, anchored: false) { end, errors in
            if errors <= maxErrors { ends.append([end, errors]) }
        }
        return ends
    }

    @Test("match ends and starts")
    func endsAndStarts() {
        let text = scalars("xxabcxx")
        #expect(matchEnds(of: scalars("abc"), in: text, maxErrors: 1) == [[4, 1], [5, 0], [6, 1]])
        let backward = BitParallelPattern(scalars("abc").reversed())
        #expect(backward.starts(in: text, endingAt: 5, errors: 0) == [2])
        #expect(backward.starts(in: text, endingAt: 6, errors: 1) == [2])
        #expect(backward.starts(in: text, endingAt: 4, errors: 1) == [2])
    }

    @Test("a 300-code-point quote is found in a large text")
    func largeText() throws {
        var rng = SeededGenerator(seed: 99)
        let text = (0..<400_000).map { _ in UInt32(0x61 + rng.next() % 26) }
        var pattern = Array(text[300_000..<300_300])
        pattern[5] = 0x30
        pattern[150] = 0x31
        pattern[295] = 0x32
        let match = try #require(ApproximateMatcher.bestMatch(of: pattern, in: text, maxErrors: 100))
        #expect(match == ApproximateMatch(range: 300_000..<300_300, errors: 3))
    }

    // MARK: - Property test against plain dynamic programming

    @Test("agrees with Sellers' dynamic programming on random inputs")
    func matchesNaiveDynamicProgramming() throws {
        var rng = SeededGenerator(seed: 0x5EED)
        for round in 0..<600 {
            // Small alphabets make many ties; some include astral scalars.
            let alphabets: [[UInt32]] = [[0x61, 0x62], [0x61, 0x62, 0x63], [0x61, 0x62, 0x63, 0x64, 0x65, 0x66],
                                         [0x61, 0x1F44D, 0x20000, 0xE9]]
            let alphabet = alphabets[Int(rng.next() % UInt64(alphabets.count))]
            func letter() -> UInt32 { alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let m = 1 + Int(rng.next() % 150)
            let pattern = (0..<m).map { _ in letter() }
            // Text: random filler around a mutated copy of the pattern (usually).
            var text = (0..<Int(rng.next() % 60)).map { _ in letter() }
            if rng.next() % 4 != 0 {
                var copy = pattern
                for _ in 0..<Int(rng.next() % UInt64(m / 4 + 1)) {
                    let at = Int(rng.next() % UInt64(copy.count + 1))
                    switch rng.next() % 3 {
                    case 0: copy.insert(letter(), at: at)
                    case 1: if at < copy.count { copy.remove(at: at) }
                    default: if at < copy.count { copy[at] = letter() }
                    }
                }
                text += copy
            }
            text += (0..<Int(rng.next() % 60)).map { _ in letter() }
            let maxErrors = Int(rng.next() % UInt64(m / 2 + 3))
            let near: Int? = rng.next() % 2 == 0 ? nil : Int(rng.next() % UInt64(text.count + 1))

            let limit = min(maxErrors, m - 1)
            let forward = sellers(pattern, text)
            let best = forward.dropFirst().min() ?? Int.max
            let match = ApproximateMatcher.bestMatch(of: pattern, in: text, maxErrors: maxErrors, near: near)
            let context = "round \(round), m \(m), n \(text.count), maxErrors \(maxErrors), near \(String(describing: near))"

            // Every end the matcher reports carries the Sellers distance.
            let ends = text.isEmpty ? [] : matchEnds(of: pattern, in: text, maxErrors: limit)
            let expectedEnds = (1..<max(1, text.count + 1)).filter { !text.isEmpty && forward[$0] <= limit }
                .map { [$0, forward[$0]] }
            let firstDifference = zip(ends, expectedEnds).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(ends.count == expectedEnds.count && firstDifference == nil,
                    "\(context): first difference at \(String(describing: firstDifference))")

            guard best <= limit else {
                #expect(match == nil, "\(context)")
                continue
            }
            let found = try #require(match, "\(context)")
            #expect(found.errors == best, "\(context)")
            let passage = Array(text[found.range])
            #expect(levenshtein(pattern, passage) == best, "\(context)")
            // Its start is the best start: nearest to `near` (else leftmost),
            // among all starts from which some passage reaches `best`.
            let fromStart = sellers(Array(pattern.reversed()), Array(text.reversed()))
            let starts = (0..<text.count).filter { fromStart[text.count - $0] == best }
            let target = near ?? 0
            let bestStart = starts.min { (abs($0 - target), $0) < (abs($1 - target), $1) }
            #expect(found.range.lowerBound == bestStart, "\(context)")
        }
    }

    /// Sellers' algorithm: entry j is the fewest edits turning `pattern` into
    /// some passage of `text` that ends at j (entry 0: the empty passage).
    private func sellers(_ pattern: [UInt32], _ text: [UInt32]) -> [Int] {
        let m = pattern.count
        var column = Array(0...m)
        var bottom = [m]
        for scalar in text {
            var diagonal = column[0]
            column[0] = 0
            for i in 1...m {
                let above = column[i]
                column[i] = min(above + 1, column[i - 1] + 1, diagonal + (pattern[i - 1] == scalar ? 0 : 1))
                diagonal = above
            }
            bottom.append(column[m])
        }
        return bottom
    }

    private func levenshtein(_ a: [UInt32], _ b: [UInt32]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var diagonal = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let above = row[j]
                row[j] = min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
                diagonal = above
            }
        }
        return row[b.count]
    }
}
