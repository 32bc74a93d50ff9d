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
    ///
    /// The scalars are decoded straight from the string's UTF-8, which Swift
    /// keeps valid: a book of 4 MB takes milliseconds, where iterating its
    /// `unicodeScalars` took over 20.
    public init(_ text: String) {
        var text = text
        scalars = text.withUTF8(Self.scalars(ofValidUTF8:))
    }

    private static func scalars(ofValidUTF8 bytes: UnsafeBufferPointer<UInt8>) -> [UInt32] {
        // A byte count is an upper bound on the scalar count.
        [UInt32](unsafeUninitializedCapacity: bytes.count) { scalars, written in
            written = 0
            var read = 0
            while read < bytes.count {
                let lead = UInt32(bytes[read])
                let scalar: UInt32
                switch lead {
                case ..<0x80:
                    scalar = lead
                    read += 1
                case ..<0xE0:
                    scalar = (lead & 0x1F) << 6 | UInt32(bytes[read + 1] & 0x3F)
                    read += 2
                case ..<0xF0:
                    scalar = (lead & 0x0F) << 12 | UInt32(bytes[read + 1] & 0x3F) << 6 | UInt32(bytes[read + 2] & 0x3F)
                    read += 3
                default:
                    scalar =
                        (lead & 0x07) << 18 | UInt32(bytes[read + 1] & 0x3F) << 12 | UInt32(bytes[read + 2] & 0x3F) << 6
                        | UInt32(bytes[read + 3] & 0x3F)
                    read += 4
                }
                scalars[written] = scalar
                written += 1
            }
        }
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
