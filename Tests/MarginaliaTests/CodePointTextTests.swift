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

    @Test("equal texts are equal values")
    func equality() {
        #expect(CodePointText("abc") == CodePointText("abc"))
        #expect(CodePointText("abc") != CodePointText("abd"))
    }
}
