import Testing
@testable import Marginalia

@Suite("CodePointText")
struct CodePointTextTests {
    @Test("offsets count Unicode scalars, not Characters or UTF-16 units")
    func countsScalars() {
        // e + combining acute, thumbs-up + skin tone, a flag (two regional
        // indicators), a family joined by ZWJs, and an astral CJK character.
        let string = "e\u{301}👍🏽🇫🇷👨‍👩‍👧𠀀"
        let text = CodePointText(string)
        #expect(string.count == 5)                 // Characters
        #expect(string.utf16.count == 20)          // UTF-16 units
        #expect(text.count == 12)                  // code points: 2 + 2 + 2 + 5 + 1
        #expect(text.count == string.unicodeScalars.count)
    }

    @Test("the documented example")
    func documentedExample() {
        let text = CodePointText("cafe\u{301} 👍🏽!")
        #expect(text.count == 9)
        #expect(text[3..<5] == "e\u{301}")
        #expect(text[6..<8] == "👍🏽")
    }

    @Test("slicing by code-point offsets")
    func slicing() {
        let text = CodePointText("cafe\u{301} 👍🏽 ok")
        #expect(text[0..<4] == "cafe")
        #expect(text[3..<5] == "e\u{301}")
        #expect(text[4..<5].unicodeScalars.map(\.value) == [0x301])   // a lone combining mark
        #expect(text[6..<8] == "👍🏽")
        #expect(text[6..<7] == "👍")
        #expect(text[7..<8].unicodeScalars.first?.value == 0x1F3FD)
        #expect(text[9..<11] == "ok")
        #expect(text[5..<5] == "")
        #expect(text[0..<text.count] == "cafe\u{301} 👍🏽 ok")
    }

    @Test("round trip through the scalar array")
    func roundTrip() {
        let samples = ["", "a", "Ελληνικά\n日本語", "🇫🇷👨‍👩‍👧", "tab\tnew\nline"]
        for sample in samples {
            let text = CodePointText(sample)
            #expect(text.string == sample)
            #expect(text.scalars == sample.unicodeScalars.map(\.value))
        }
    }

    @Test("decoding gives the scalars of every UTF-8 length and boundary")
    func decodingEveryLength() {
        let edges: [UInt32] = [
            0, 0x41, 0x7F, 0x80, 0xE9, 0x7FF, 0x800, 0x30A2, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x1F44D, 0x10FFFF,
        ]
        var every = String.UnicodeScalarView()
        for value in edges { every.append(Unicode.Scalar(value)!) }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let value = [UInt32.random(in: 0..<0x80, using: &random), .random(in: 0x80..<0x800, using: &random),
                         .random(in: 0x800..<0xD800, using: &random), .random(in: 0x10000...0x10FFFF, using: &random)]
                .randomElement(using: &random)!
            every.append(Unicode.Scalar(value)!)
        }
        let text = String(every)
        #expect(CodePointText(text).scalars == text.unicodeScalars.map(\.value))
        for cut in [1, 2, 3, 5, 8, 13] {
            let piece = String(text.unicodeScalars.prefix(cut))
            #expect(CodePointText(piece).scalars == piece.unicodeScalars.map(\.value))
            let slice = String(text.dropFirst(cut))
            #expect(CodePointText(slice).scalars == slice.unicodeScalars.map(\.value))
        }
    }

    @Test("UTF-8 bytes decode as String decodes them, and what String would repair is refused")
    func decodingBytes() {
        func decoded(_ bytes: [UInt8]) -> [UInt32]? {
            bytes.withUnsafeBufferPointer { CodePointText(utf8: $0)?.scalars }
        }
        /// What the standard library says of the same bytes: nil when it repairs them.
        func expected(_ bytes: [UInt8]) -> [UInt32]? {
            String(validating: bytes, as: UTF8.self).map { $0.unicodeScalars.map(\.value) }
        }
        let malformed: [[UInt8]] = [
            [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80],
            [0xED, 0xBF, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],
            [0xE2, 0x82], [0xF0, 0x9F, 0x91], [0x61, 0xC3, 0x28], [0xE2, 0x28, 0xA1],
        ]
        for bytes in malformed {
            #expect(decoded(bytes) == nil, "\(bytes)")
            #expect(expected(bytes) == nil, "\(bytes)")
        }
        #expect(decoded([]) == [])
        #expect(decoded([0x00, 0x41]) == [0, 0x41])
        var random = SystemRandomNumberGenerator()
        let text = Array(String((0..<3000).map { _ in
            Character(Unicode.Scalar([UInt32.random(in: 0..<0x80, using: &random), .random(in: 0x80..<0x800, using: &random),
                                      .random(in: 0xE000..<0x10000, using: &random), .random(in: 0x10000...0x10FFFF, using: &random)]
                .randomElement(using: &random)!)!)
        }).utf8)
        #expect(decoded(text) == expected(text))
        // Cut anywhere, changed anywhere: the two always agree.
        for _ in 0..<3000 {
            var bytes = Array(text[0..<Int.random(in: 0..<60, using: &random)])
            if !bytes.isEmpty, Bool.random(using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = .random(in: 0...255, using: &random)
            }
            #expect(decoded(bytes) == expected(bytes), "\(bytes)")
        }
    }

    @Test("equal texts are equal values")
    func equality() {
        #expect(CodePointText("abc") == CodePointText("abc"))
        #expect(CodePointText("abc") != CodePointText("abd"))
    }
}
