import Foundation

/// Why an input could not be accepted as a text version.
///
/// Each case's ``description`` is one line that starts in lowercase and tells
/// the reader what to do next, so a command-line tool can print it as is.
public enum TextInputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not UTF-8; `byteOffset` is the offset (from the start of
    /// the input, byte-order mark included) of the first byte of the first
    /// invalid sequence. Everything before it is valid UTF-8.
    case invalidUTF8(byteOffset: Int)
    /// The bytes hold a NUL or too many control characters to be text.
    case binary
    /// There is nothing but whitespace (or nothing at all).
    case empty

    /// A one-line, lowercase explanation that ends with the next step to take.
    public var description: String {
        switch self {
        case .invalidUTF8(let offset):
            return "the input is not valid UTF-8 (first bad byte at offset \(offset)); convert it to UTF-8 first"
        case .binary:
            return "the input looks like a binary file, not text; give a plain-text (UTF-8) file instead"
        case .empty:
            return "the input holds no text; check that you gave the right file and that it is not empty"
        }
    }
}

/// Turns raw input into the canonical text that Marginalia stores and anchors on.
///
/// A text version's identity is the SHA-256 of its normalized UTF-8, and every
/// annotation offset counts code points of that normalized text, so two
/// readers who import the same book must end up with the same scalars. The
/// rules: UTF-8 only (no guessing at legacy encodings), no byte-order mark,
/// `\n` line ends, Unicode NFC.
///
/// ```swift
/// let data = try Data(contentsOf: url)
/// let text = try TextNormalizer.normalize(data: data)      // throws TextInputError
/// let quote = TextNormalizer.normalize("caf\u{65}\u{301}")  // "café", precomposed
/// ```
public enum TextNormalizer {
    /// The bytes examined for the control-character heuristic: enough to see
    /// a binary header, small enough to stay cheap on large files.
    static let binarySniffLength = 8 * 1024

    /// Decodes file bytes into normalized text, or says why they are not text.
    ///
    /// - Strips a UTF-8 byte-order mark.
    /// - Refuses binary input: any NUL byte, or more than 10% control
    ///   characters (other than tab, line feed, carriage return and form
    ///   feed) in the first 8 KiB.
    /// - Refuses invalid UTF-8, reporting the offset of the first bad byte.
    ///   Input that starts with a UTF-16 or UTF-32 byte-order mark is
    ///   reported as invalid UTF-8 at offset 0 rather than as binary, because
    ///   "convert it to UTF-8" is the advice that helps.
    /// - Turns CRLF and lone CR into `\n`, then applies NFC.
    /// - Refuses text that is empty or only whitespace.
    ///
    /// - Parameter data: the raw contents of a file.
    /// - Returns: the normalized text.
    /// - Throws: ``TextInputError``.
    public static func normalize(data: Data) throws(TextInputError) -> String {
        let decoded: Result<String, TextInputError> = data.withUnsafeBytes { raw in
            let all = UnsafeBufferPointer(
                start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count)
            if startsWithWideByteOrderMark(all) {
                return .failure(.invalidUTF8(byteOffset: 0))
            }
            let bomLength = startsWithUTF8ByteOrderMark(all) ? 3 : 0
            let body = UnsafeBufferPointer(rebasing: all[bomLength...])
            if looksBinary(body) {
                return .failure(.binary)
            }
            if let bad = firstInvalidUTF8Offset(body) {
                return .failure(.invalidUTF8(byteOffset: bad + bomLength))
            }
            return .success(decodeValidUTF8(body))
        }
        let text = try decoded.get()
        if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw .empty
        }
        return text
    }

    /// Normalizes a string that is already in memory, such as a quote typed
    /// on the command line, with the same line-end and NFC rules.
    ///
    /// It does not refuse empty text: whether an empty string is acceptable
    /// is the caller's decision.
    ///
    /// - Parameter string: any string.
    /// - Returns: the string with `\n` line ends, in NFC.
    public static func normalize(_ string: String) -> String {
        var string = string
        return string.withUTF8 { decodeValidUTF8($0) }
    }

    // MARK: - Decoding pipeline

    /// The size of the pieces handed to Foundation for NFC. Foundation's
    /// normalization is quadratic in the length of what it is given when
    /// there is much to compose (18 s for a 4 MB decomposed text, against
    /// 0.2 s in 16 KiB pieces), so long text is normalized piece by piece.
    static let nfcChunkLength = 16 * 1024

    /// Folds line ends and applies NFC to bytes already known to be valid UTF-8.
    static func decodeValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>,
                                chunkLength: Int = nfcChunkLength) -> String {
        // Most files have no CR; skip the copy for them.
        guard let base = bytes.baseAddress, memchr(base, 0x0D, bytes.count) != nil else {
            return normalizeToNFC(bytes, chunkLength: chunkLength)
        }
        return foldLineEnds(bytes).withUnsafeBufferPointer {
            normalizeToNFC($0, chunkLength: chunkLength)
        }
    }

    /// NFC of valid UTF-8, computed in pieces cut where cutting is safe.
    ///
    /// A cut just before a scalar below U+0300 (an ASCII byte, or a lead byte
    /// C2...CB) never changes the result: such a scalar has combining class
    /// 0, is its own NFC, and is never the second half of a composition, so
    /// nothing on one side of it can reorder or compose with the other side.
    /// Pieces made only of such scalars are already NFC and skip Foundation,
    /// which keeps mostly-English text with a few curly quotes cheap.
    private static func normalizeToNFC(_ bytes: UnsafeBufferPointer<UInt8>, chunkLength: Int) -> String {
        func isSafeCut(_ byte: UInt8) -> Bool { byte < 0x80 || (0xC2...0xCB).contains(byte) }
        let count = bytes.count
        var result = ""
        result.reserveCapacity(count)
        var start = 0
        while start < count {
            var end = min(count, start + max(1, chunkLength))
            while end < count && !isSafeCut(bytes[end]) { end += 1 }
            let piece = UnsafeBufferPointer(rebasing: bytes[start..<end])
            let text = String(decoding: piece, as: UTF8.self)
            if piece.contains(where: { $0 >= 0xCC }) {
                result += text.precomposedStringWithCanonicalMapping
            } else {
                result += text
            }
            start = end
        }
        return result
    }

    /// Replaces CRLF and lone CR with LF. Working on bytes is safe because
    /// CR and LF never occur inside a multi-byte UTF-8 sequence.
    private static func foldLineEnds(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == 0x0D {
                out.append(0x0A)
                if index + 1 < count && bytes[index + 1] == 0x0A { index += 1 }
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }

    // MARK: - Checks

    private static func startsWithUTF8ByteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    /// UTF-16 (FF FE / FE FF) and UTF-32 (FF FE 00 00 / 00 00 FE FF) marks.
    private static func startsWithWideByteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if bytes.count >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF)) {
            return true
        }
        return bytes.count >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0xFE && bytes[3] == 0xFF
    }

    /// Binary if there is any NUL, or if more than 10% of the first 8 KiB are
    /// control characters that plain text does not use.
    static func looksBinary(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return false }
        // memchr is vectorized; this keeps the NUL scan of a large book cheap.
        if memchr(base, 0, bytes.count) != nil { return true }
        let sniff = min(bytes.count, binarySniffLength)
        var controls = 0
        for index in 0..<sniff {
            let byte = bytes[index]
            if byte < 0x20 || byte == 0x7F {
                switch byte {
                case 0x09, 0x0A, 0x0D, 0x0C: break
                default: controls += 1
                }
            }
        }
        return controls * 10 > sniff
    }

    /// The offset of the first byte that makes `bytes` invalid UTF-8, or nil.
    ///
    /// Follows RFC 3629: no overlong forms, no surrogates, nothing above
    /// U+10FFFF. For a broken multi-byte sequence the offset is that of its
    /// first byte, so that in a Latin-1 file it points at the "é" the reader
    /// can find in an editor rather than at the letter after it; everything
    /// before the offset is valid UTF-8.
    static func firstInvalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let count = bytes.count
        var index = 0
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            // The allowed range of the second byte is narrower for some lead
            // bytes; that is how overlongs, surrogates and >U+10FFFF are refused.
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondLow = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondHigh = 0x9F
            case 0xF0: length = 4; secondLow = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondHigh = 0x8F
            default: return index
            }
            if index + 1 >= count { return index }
            let second = bytes[index + 1]
            if second < secondLow || second > secondHigh { return index }
            var offset = 2
            while offset < length {
                if index + offset >= count { return index }
                if bytes[index + offset] & 0xC0 != 0x80 { return index }
                offset += 1
            }
            index += length
        }
        return nil
    }
}
