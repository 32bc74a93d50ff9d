/// A text with the differences that editions make without changing a word
/// folded away, and a map back to the code points of the text it came from.
///
/// Folding is what lets re-anchoring ignore what is not a real change:
///
/// - every run of whitespace (spaces, tabs, line ends, no-break and other
///   Unicode spaces) becomes one space, so reflowed lines and hard wraps match;
/// - curly, low and prime quotation marks become `'` or `"`;
/// - hyphens, en and em dashes, minus signs and `--` become one `-`, and the
///   spaces around a dash go, so `a - b`, `a—b` and `a -- b` all read `a-b`;
/// - soft hyphens and zero-width spaces, joiners and marks vanish;
/// - `…` reads `...`, and the ligatures ﬀ ﬁ ﬂ ﬃ ﬄ read as their letters.
///
/// Case and letters are kept: a changed letter is a real edit.
///
/// ```swift
/// let folded = FoldedText(CodePointText("“Yes” — she said,\nslowly."))
/// // folded.scalars spell "\"Yes\"-she said, slowly."
/// folded.originalRange(of: 0..<5)   // 0..<5: the curly-quoted word
/// ```
public struct FoldedText: Sendable {
    /// The folded scalars.
    public let scalars: [UInt32]
    /// For each folded scalar, the offset in the original text where the code
    /// points it stands for begin; they end where the next one's begin
    /// (characters folded away belong to the scalar before them).
    let starts: [Int32]
    /// The length of the original text.
    let originalCount: Int

    /// Folds `text`.
    public init(_ text: CodePointText) {
        self.init(text.scalars)
    }

    /// Folds a sequence of scalars.
    init(_ source: [UInt32]) {
        var scalars = [UInt32]()
        var starts = [Int32]()
        scalars.reserveCapacity(source.count)
        starts.reserveCapacity(source.count)
        let space = UInt32(0x20), dash = UInt32(0x2D)
        source.withUnsafeBufferPointer { source in
            for offset in 0..<source.count {
                let scalar = source[offset]
                // Printable ASCII other than the hyphen stands for itself: the common case.
                if scalar > space && scalar < 0x7F && scalar != dash {
                    scalars.append(scalar)
                    starts.append(Int32(truncatingIfNeeded: offset))
                    continue
                }
                switch Self.fold(scalar) {
                case .drop:
                    continue
                case .space:
                    // A space after a dash, or after another space, adds nothing.
                    if let last = scalars.last, last == space || last == dash { continue }
                    scalars.append(space)
                    starts.append(Int32(truncatingIfNeeded: offset))
                case .dash:
                    if let last = scalars.last, last == dash { continue }
                    if let last = scalars.last, last == space {
                        // The space before a dash becomes part of it.
                        scalars[scalars.count - 1] = dash
                    } else {
                        scalars.append(dash)
                        starts.append(Int32(truncatingIfNeeded: offset))
                    }
                case .scalar(let value):
                    scalars.append(value)
                    starts.append(Int32(truncatingIfNeeded: offset))
                case .expansion(let values):
                    for value in values {
                        scalars.append(value)
                        starts.append(Int32(truncatingIfNeeded: offset))
                    }
                }
            }
        }
        self.scalars = scalars
        self.starts = starts
        originalCount = source.count
    }

    /// Folds a quote: as ``init(_:)-(CodePointText)``, with the space at either
    /// end dropped (a selection rarely starts or ends on purpose at a space).
    static func quote(_ scalars: [UInt32]) -> [UInt32] {
        var folded = FoldedText(scalars).scalars
        while folded.last == 0x20 { folded.removeLast() }
        if let first = folded.firstIndex(where: { $0 != 0x20 }) { folded.removeFirst(first) } else { folded = [] }
        return folded
    }

    /// The number of folded scalars.
    public var count: Int { scalars.count }

    /// The original code-point range that the folded range `range` stands for.
    public func originalRange(of range: Range<Int>) -> Range<Int> {
        func start(_ index: Int) -> Int { index < starts.count ? Int(starts[index]) : originalCount }
        return start(range.lowerBound)..<start(range.upperBound)
    }

    private enum Folding {
        case drop, space, dash
        case scalar(UInt32)
        case expansion([UInt32])
    }

    private static func fold(_ scalar: UInt32) -> Folding {
        switch scalar {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F,
            0x205F, 0x3000:
            return .space
        case 0xAD, 0x200B...0x200D, 0x2060, 0xFEFF:
            return .drop
        case 0x2D, 0x2010...0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D:
            return .dash
        case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x2035, 0x02BC, 0xFF07:
            return .scalar(0x27)
        case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033, 0x2036, 0x00AB, 0x00BB, 0xFF02:
            return .scalar(0x22)
        case 0x2026:
            return .expansion([0x2E, 0x2E, 0x2E])
        case 0xFB00:
            return .expansion([0x66, 0x66])
        case 0xFB01:
            return .expansion([0x66, 0x69])
        case 0xFB02:
            return .expansion([0x66, 0x6C])
        case 0xFB03:
            return .expansion([0x66, 0x66, 0x69])
        case 0xFB04:
            return .expansion([0x66, 0x66, 0x6C])
        default:
            return .scalar(scalar)
        }
    }
}
