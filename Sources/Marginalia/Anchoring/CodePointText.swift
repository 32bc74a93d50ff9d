/// A text indexed by Unicode code points, the unit W3C text positions count in.
///
/// Swift's `String` indexes by grapheme cluster and stores UTF-8, so neither
/// its `count` nor its UTF-16 view gives W3C offsets; an emoji with a skin
/// tone is one `Character` but two code points. This view keeps the scalars
/// in an array, which makes slicing by offset O(length of the slice) and lets
/// the matchers work on plain integers.
///
/// ```swift
/// let text = CodePointText("cafe\u{301} 👍🏽!")
/// text.count          // 9: c a f e ◌́ space 👍 🏽 !
/// text[3..<5]         // "e\u{301}"
/// text[6..<8]         // "👍🏽"
/// ```
///
/// Build it from normalized text (see ``TextNormalizer``); it does not
/// normalize by itself, because offsets must refer to the stored text exactly.
public struct CodePointText: Sendable, Hashable {
    /// The Unicode scalar values of the text, in order.
    public let scalars: [UInt32]

    /// Makes the code-point view of `text`.
    public init(_ text: String) {
        var scalars = [UInt32]()
        // UTF-8 byte count is an upper bound on the scalar count.
        scalars.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            scalars.append(scalar.value)
        }
        self.scalars = scalars
    }

    /// The number of code points.
    public var count: Int { scalars.count }

    /// The whole text as a `String`.
    public var string: String { self[0..<scalars.count] }

    /// The text between two code-point offsets (`range.upperBound` exclusive).
    ///
    /// The range must lie within `0...count`, as with an array.
    public subscript(range: Range<Int>) -> String {
        precondition(range.lowerBound >= 0 && range.upperBound <= scalars.count,
                     "code-point range \(range) is outside the text (0..<\(scalars.count))")
        var result = String()
        result.unicodeScalars.reserveCapacity(range.count)
        for value in scalars[range] {
            // Every value came from a String, so it is a valid scalar.
            result.unicodeScalars.append(Unicode.Scalar(value).unsafelyUnwrapped)
        }
        return result
    }
}
