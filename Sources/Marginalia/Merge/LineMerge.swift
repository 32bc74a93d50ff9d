/// A deterministic three-way merge of texts by lines.
///
/// Two concurrent edits of a note join when they change different lines of
/// their common ancestor; edits that touch the same or neighbouring lines
/// (and differ) stay a conflict for a reader to resolve.
///
/// ```swift
/// LineMerge.merge(base: "a\nb\nc", ours: "A\nb\nc", theirs: "a\nb\nC")  // "A\nb\nC"
/// LineMerge.merge(base: "a", ours: "x", theirs: "y")                 // nil: a conflict
/// ```
public enum LineMerge {
    /// Texts longer than this many lines are not merged: the quadratic
    /// line matching would cost more than a conflict does.
    public static let lineLimit = 2_000

    /// The three-way merge of two revisions of a text from their common
    /// ancestor, line by line; nil when both changed the same lines (or the
    /// texts are longer than ``lineLimit``), which is then a conflict.
    public static func merge(base: String, ours: String, theirs: String) -> String? {
        if ours == theirs { return ours }
        if ours == base { return theirs }
        if theirs == base { return ours }
        let base = lines(base)
        let ours = lines(ours)
        let theirs = lines(theirs)
        guard max(base.count, ours.count, theirs.count) <= lineLimit else { return nil }
        let inOurs = matches(base, ours)
        let inTheirs = matches(base, theirs)

        var merged: [Substring] = []
        var (o, a, b) = (0, 0, 0)
        while o < base.count || a < ours.count || b < theirs.count {
            if o < base.count, inOurs[o] == a, inTheirs[o] == b {
                merged.append(base[o])
                o += 1
                a += 1
                b += 1
                continue
            }
            // The next base line both sides kept ends this changed region.
            var next = o
            while next < base.count, inOurs[next] == nil || inTheirs[next] == nil { next += 1 }
            let endA = next < base.count ? inOurs[next]! : ours.count
            let endB = next < base.count ? inTheirs[next]! : theirs.count
            let original = base[o..<next]
            let mine = ours[a..<endA]
            let yours = theirs[b..<endB]
            if mine.elementsEqual(original) {
                merged += yours
            } else if yours.elementsEqual(original) || mine.elementsEqual(yours) {
                merged += mine
            } else {
                return nil
            }
            (o, a, b) = (next, endA, endB)
        }
        return merged.joined(separator: "\n")
    }

    private static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// For each line of `base`, its index in `other` along a longest common
    /// subsequence, or nil when the line is not kept.
    private static func matches(_ base: [Substring], _ other: [Substring]) -> [Int?] {
        let n = base.count
        let m = other.count
        // lengths[i][j]: LCS length of base[i...] and other[j...]
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lengths[i][j] = base[i] == other[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var result = [Int?](repeating: nil, count: n)
        var (i, j) = (0, 0)
        while i < n && j < m {
            if base[i] == other[j] {
                result[i] = j
                i += 1
                j += 1
            } else if lengths[i + 1][j] >= lengths[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        return result
    }
}
