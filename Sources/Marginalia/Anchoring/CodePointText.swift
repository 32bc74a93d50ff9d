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
    /// The scalars are decoded straight from the string's UTF-8: a book of
    /// 4 MB takes milliseconds, where iterating its `unicodeScalars` took over 20.
    public init(_ text: String) {
        var text = text
        // A String's UTF-8 is always valid.
        scalars = text.withUTF8(Self.scalars(ofUTF8:)).unsafelyUnwrapped
    }

    /// Makes the code-point view of UTF-8 bytes, or nil when they are not
    /// valid UTF-8.
    ///
    /// For text read from the library, this skips making a `String` first: one
    /// pass over the bytes checks and decodes them.
    ///
    /// ```swift
    /// CodePointText(utf8: [0x63, 0xC3, 0xA9])?.count   // 2: c é
    /// CodePointText(utf8: [0xC3])                      // nil: a sequence cut short
    /// ```
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let scalars = Self.scalars(ofUTF8: bytes) else { return nil }
        self.scalars = scalars
    }

    /// The scalars of UTF-8 bytes, or nil at the first byte that is not part
    /// of a well-formed sequence (Unicode table 3-7: no overlong forms, no
    /// surrogates, nothing past U+10FFFF).
    private static func scalars(ofUTF8 bytes: UnsafeBufferPointer<UInt8>) -> [UInt32]? {
        var valid = true
        // A byte count is an upper bound on the scalar count.
        let scalars = [UInt32](unsafeUninitializedCapacity: bytes.count) { scalars, written in
            written = 0
            var read = 0
            while read < bytes.count {
                let lead = bytes[read]
                if lead < 0x80 {
                    scalars[written] = UInt32(lead)
                    written += 1
                    read += 1
                    continue
                }
                let length: Int
                let smallest: UInt32
                var scalar: UInt32
                switch lead {
                case 0xC2...0xDF: (length, smallest, scalar) = (2, 0x80, UInt32(lead & 0x1F))
                case 0xE0...0xEF: (length, smallest, scalar) = (3, 0x800, UInt32(lead & 0x0F))
                case 0xF0...0xF4: (length, smallest, scalar) = (4, 0x10000, UInt32(lead & 0x07))
                default: valid = false; return
                }
                guard read + length <= bytes.count else { valid = false; return }
                for offset in 1..<length {
                    let next = bytes[read + offset]
                    guard next & 0xC0 == 0x80 else { valid = false; return }
                    scalar = scalar << 6 | UInt32(next & 0x3F)
                }
                guard scalar >= smallest, scalar <= 0x10FFFF, scalar & 0xFFFF_F800 != 0xD800 else { valid = false; return }
                scalars[written] = scalar
                written += 1
                read += length
            }
        }
        return valid ? scalars : nil
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
