import Foundation
import Testing
@testable import Marginalia

@Suite("TextNormalizer")
struct TextNormalizerTests {
    private func normalize(_ bytes: [UInt8]) throws(TextInputError) -> String {
        try TextNormalizer.normalize(data: Data(bytes))
    }

    @Test("decomposed accents become precomposed (NFC)")
    func nfc() throws {
        let text = try TextNormalizer.normalize(data: Data("cafe\u{301} and n\u{303}".utf8))
        #expect(text == "caf\u{E9} and \u{F1}")
        #expect(text.unicodeScalars.map(\.value) == Array("café and ñ".unicodeScalars.map(\.value)))
        #expect(TextNormalizer.normalize("e\u{301}").unicodeScalars.count == 1)
        #expect(TextNormalizer.normalize("e\u{301}") == "\u{E9}")
    }

    @Test("NFC also reorders marks and composes Hangul jamo")
    func nfcBeyondLatin() {
        // q + dot below + dot above stays decomposed, but the marks get canonical order.
        let reordered = TextNormalizer.normalize("q\u{307}\u{323}")
        #expect(reordered.unicodeScalars.map(\.value) == [0x71, 0x323, 0x307])
        let hangul = TextNormalizer.normalize("\u{1100}\u{1161}")
        #expect(hangul.unicodeScalars.map(\.value) == [0xAC00])
    }

    @Test("text that is already NFC is unchanged, Latin-1 fast path included")
    func alreadyNormal() throws {
        let samples = ["plain ascii", "Ça déjà été — “quoted”", "Ελληνικά", "日本語のテキスト", "emoji 👍🏽 🇫🇷"]
        for sample in samples {
            #expect(try TextNormalizer.normalize(data: Data(sample.utf8)) == sample)
            #expect(TextNormalizer.normalize(sample).unicodeScalars.elementsEqual(sample.unicodeScalars))
        }
    }

    @Test("normalizing in pieces gives the same result as normalizing at once")
    func piecewiseNFC() {
        var rng = SeededGenerator(seed: 0xC0FFEE)
        // Starters, combining marks (several classes), precomposed letters,
        // Hangul jamo and syllables, a composition exclusion, a singleton,
        // kana with voicing marks, and astral letters.
        let palette: [UInt32] = [0x61, 0x65, 0x20, 0x0A, 0xE9, 0x1EA5, 0x300, 0x301, 0x302, 0x323, 0x327, 0x345,
                                 0x1100, 0x1161, 0x11A8, 0xAC00, 0x958, 0x93C, 0x915, 0x212B, 0x2126, 0x304B,
                                 0x3099, 0x1D15E, 0x1D165, 0x2F800, 0x0B47, 0x0B3E, 0x00C5, 0x0041, 0x030A]
        for _ in 0..<800 {
            let length = Int(rng.next() % 40)
            var string = ""
            for _ in 0..<length {
                string.unicodeScalars.append(Unicode.Scalar(palette[Int(rng.next() % UInt64(palette.count))])!)
            }
            let whole = string.precomposedStringWithCanonicalMapping
            let chunk = 1 + Int(rng.next() % 8)
            var copy = string
            let pieces = copy.withUTF8 { TextNormalizer.decodeValidUTF8($0, chunkLength: chunk) }
            #expect(pieces.unicodeScalars.elementsEqual(whole.unicodeScalars),
                    "\(string.unicodeScalars.map { String($0.value, radix: 16) }) in chunks of \(chunk)")
        }
    }

    @Test("CRLF and lone CR become LF")
    func lineEnds() throws {
        #expect(try normalize(Array("a\r\nb\rc\nd\r\n\r\ne\r".utf8)) == "a\nb\nc\nd\n\ne\n")
        #expect(TextNormalizer.normalize("one\r\ntwo\rthree") == "one\ntwo\nthree")
        #expect(TextNormalizer.normalize("\r\r\n").unicodeScalars.map(\.value) == [0x0A, 0x0A])
    }

    @Test("a UTF-8 byte-order mark is stripped")
    func byteOrderMark() throws {
        #expect(try normalize([0xEF, 0xBB, 0xBF] + Array("hello".utf8)) == "hello")
        // Only a leading mark is a BOM; one in the middle is text (U+FEFF).
        let middle = try normalize(Array("a".utf8) + [0xEF, 0xBB, 0xBF] + Array("b".utf8))
        #expect(middle.unicodeScalars.map(\.value) == [0x61, 0xFEFF, 0x62])
    }

    @Test("invalid UTF-8 reports the offset of the first bad byte",
          arguments: [
            ([0x61, 0x62, 0x63, 0xFF, 0x64], 3),              // byte that is never UTF-8
            ([0x61, 0x80], 1),                                // stray continuation byte
            ([0xC0, 0x80], 0),                                // overlong lead
            ([0x61, 0xE0, 0x80, 0x80], 1),                    // overlong 3-byte form
            ([0xED, 0xA0, 0x80], 0),                          // UTF-16 surrogate
            ([0xF4, 0x90, 0x80, 0x80], 0),                    // above U+10FFFF
            ([0xF5, 0x80, 0x80, 0x80], 0),                    // lead byte out of range
            ([0x61, 0x62, 0xE2, 0x82], 2),                    // truncated at end of input
            ([0x61, 0xE2, 0x82, 0x41], 1),                    // sequence cut by ASCII
            ([0x68, 0xC3, 0xA9, 0x6C, 0xE9, 0x6C, 0x6F], 4),  // Latin-1 "é" after valid UTF-8 "é"
          ] as [([UInt8], Int)])
    func invalidUTF8(bytes: [UInt8], offset: Int) {
        #expect(throws: TextInputError.invalidUTF8(byteOffset: offset)) { try normalize(bytes) }
    }

    @Test("the reported offset counts the byte-order mark")
    func invalidOffsetAfterBOM() {
        #expect(throws: TextInputError.invalidUTF8(byteOffset: 4)) {
            try normalize([0xEF, 0xBB, 0xBF, 0x61, 0xFF])
        }
    }

    @Test("UTF-16 and UTF-32 input is reported as not UTF-8, not as binary")
    func wideEncodings() {
        let utf16LE: [UInt8] = [0xFF, 0xFE, 0x68, 0x00, 0x69, 0x00]
        let utf16BE: [UInt8] = [0xFE, 0xFF, 0x00, 0x68, 0x00, 0x69]
        let utf32BE: [UInt8] = [0x00, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x00, 0x68]
        for bytes in [utf16LE, utf16BE, utf32BE] {
            #expect(throws: TextInputError.invalidUTF8(byteOffset: 0)) { try normalize(bytes) }
        }
    }

    @Test("the validator agrees with the standard library on random bytes")
    func validatorMatchesStandardLibrary() {
        var rng = SeededGenerator(seed: 0x7E57)
        // Bytes drawn mostly from the interesting lead/continuation ranges.
        let palette: [UInt8] = [0x41, 0x0A, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
                                0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for _ in 0..<3000 {
            let length = Int(rng.next() % 8)
            let bytes = (0..<length).map { _ in palette[Int(rng.next() % UInt64(palette.count))] }
            let offset = bytes.withUnsafeBufferPointer { TextNormalizer.firstInvalidUTF8Offset($0) }
            let valid = String(validating: bytes, as: UTF8.self) != nil
            #expect((offset == nil) == valid, "bytes \(bytes)")
            if let offset {
                #expect(offset < bytes.count)
                // Everything before the offset is valid ...
                #expect(String(validating: bytes[..<offset], as: UTF8.self) != nil, "bytes \(bytes) offset \(offset)")
                // ... and no prefix that includes the offset byte is valid.
                for end in (offset + 1)...bytes.count {
                    #expect(String(validating: bytes[..<end], as: UTF8.self) == nil, "bytes \(bytes) offset \(offset)")
                }
            }
        }
    }

    @Test("a NUL byte anywhere means binary")
    func nulIsBinary() {
        var bytes = [UInt8](repeating: 0x61, count: 100_000)
        bytes[99_000] = 0
        #expect(throws: TextInputError.binary) { try normalize(bytes) }
        #expect(throws: TextInputError.binary) { try normalize([0x00]) }
    }

    @Test("many control characters in the first 8 KiB mean binary")
    func controlCharacters() throws {
        // 11% control characters: binary.
        let noisy = (0..<1000).map { $0 % 9 == 0 ? UInt8(0x01) : UInt8(0x61) }
        #expect(throws: TextInputError.binary) { try normalize(noisy) }
        // 9% is tolerated.
        let someNoise = (0..<1000).map { $0 % 12 == 0 ? UInt8(0x1B) : UInt8(0x61) }
        #expect(try normalize(someNoise).count == 1000)
        // Tab, LF, CR and form feed are text, however many.
        let layout = Array(String(repeating: "\t\n\u{0C}\r\n", count: 200).utf8) + Array("x".utf8)
        #expect(try normalize(layout).hasSuffix("x"))
        // Noise after the first 8 KiB is not looked at by the ratio test.
        let late = [UInt8](repeating: 0x61, count: 9000) + [UInt8](repeating: 0x01, count: 2000)
        #expect(try normalize(late).unicodeScalars.count == 11_000)
    }

    @Test("binary is reported before invalid UTF-8")
    func binaryBeforeEncoding() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]
        #expect(throws: TextInputError.binary) { try normalize(png) }
    }

    @Test("empty or whitespace-only input is refused",
          arguments: [[], [0xEF, 0xBB, 0xBF], Array(" \n\t\r\n ".utf8), Array("\u{A0}\u{2003}\u{3000}".utf8)] as [[UInt8]])
    func empty(bytes: [UInt8]) {
        #expect(throws: TextInputError.empty) { try normalize(bytes) }
    }

    @Test("the in-memory variant does not refuse empty strings")
    func emptyString() {
        #expect(TextNormalizer.normalize("") == "")
        #expect(TextNormalizer.normalize("  ") == "  ")
    }

    @Test("a sliced Data (non-zero start index) is handled")
    func slicedData() throws {
        let data = Data([0x41, 0x42] + Array("tail\r\n".utf8))
        #expect(try TextNormalizer.normalize(data: data[2...]) == "tail\n")
    }

    @Test("error descriptions are one lowercase line that says what to do")
    func descriptions() {
        #expect(TextInputError.invalidUTF8(byteOffset: 17).description
                == "the input is not valid UTF-8 (first bad byte at offset 17); convert it to UTF-8 first")
        for error in [TextInputError.invalidUTF8(byteOffset: 0), .binary, .empty] {
            let text = error.description
            #expect(!text.contains("\n"))
            #expect(text.first?.isLowercase == true)
            #expect(text.contains(";"))
        }
    }

    @Test("a 4 MB file is normalized")
    func largeInput() throws {
        let line = "Ça déjà été écrit, dit-elle — « encore » e\u{301}.\r\n"
        let text = String(repeating: line, count: 4_000_000 / line.utf8.count)
        let normalized = try TextNormalizer.normalize(data: Data(text.utf8))
        #expect(!normalized.contains("\r"))
        #expect(normalized.hasPrefix("Ça déjà été écrit, dit-elle — « encore » \u{E9}.\n"))
    }
}
