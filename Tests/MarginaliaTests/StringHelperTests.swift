import Foundation
import Testing

@testable import Marginalia

/// The plain-Swift trimming and replacing the library uses instead of
/// Foundation's NSString path, against Foundation as the oracle.
@Suite("String helpers")
struct StringHelperTests {
    @Test("the white space trimmed is Foundation's, scalar for scalar")
    func whitespaceSets() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if scalar.isFoundationWhitespace(newlines: true) != CharacterSet.whitespacesAndNewlines.contains(scalar) {
                Issue.record("U+\(String(value, radix: 16)) differs from .whitespacesAndNewlines")
            }
            if scalar.isFoundationWhitespace(newlines: false) != CharacterSet.whitespaces.contains(scalar) {
                Issue.record("U+\(String(value, radix: 16)) differs from .whitespaces")
            }
        }
    }

    static let untrimmed: [String] = {
        let blanks = (UInt32(0)...0x3000).compactMap(Unicode.Scalar.init).filter {
            CharacterSet.whitespacesAndNewlines.contains($0)
        }
        var strings = [
            "", " ", "x", " x ", "  a b  ", "\t\n x \n\t", "\r\n", "x\r\n", "\r\nx", "\u{3000}x\u{200B}", "\u{85}x\u{2028}",
            // A space before a combining mark goes, the mark stays.
            " \u{301}x", "x \u{301}", " \u{301} ", "😀 ", " 👩‍👩‍👧 ", "\u{A0}é\u{A0}", "\u{FEFF}x\u{FEFF}", "\u{180E}x", "a\u{2029}",
            "\u{1680}\u{2000}\u{200A}\u{202F}\u{205F}", "e\u{301} \u{301}",
        ]
        for blank in blanks { strings += ["\(blank)x\(blank)", "\(blank)", "\(blank)\u{301}x", "x\(blank)\(blank)"] }
        return strings
    }()

    @Test("trimming gives what trimmingCharacters(in:) gives", arguments: untrimmed)
    func trimming(text: String) {
        #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(text.trimmingWhitespace(newlines: false) == text.trimmingCharacters(in: .whitespaces))
        let trimmed = text.trimmingWhitespace()
        #expect(Array(trimmed.unicodeScalars) == Array(text.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars))
        let part = "<\(text)>".dropFirst().dropLast()
        #expect(String(part.trimmingWhitespace()) == trimmed)
        #expect(String(part.trimmingWhitespace(newlines: false)) == text.trimmingCharacters(in: .whitespaces))
    }

    @Test(
        "replacing a scalar gives what replacingOccurrences(of:with:) gives, where no mark joins it",
        arguments: ["", "\"", "say \"hi\"", "no quotes", "\"\"\"", "é\"👩‍👩‍👧\"x", "\r\n\"\n", "\"\n\"\r"])
    func replacing(text: String) {
        #expect(text.replacingEvery("\"", with: "\"\"") == text.replacingOccurrences(of: "\"", with: "\"\""))
        #expect(text.replacingEvery("\n", with: " ") == text.replacingOccurrences(of: "\n", with: " "))
    }

    @Test("a scalar is replaced where a combining mark joins it into one character")
    func replacingJoinedScalars() {
        #expect("\"\u{301}quoted\"".replacingEvery("\"", with: "\"\"") == "\"\"\u{301}quoted\"\"")
        #expect("a\r\nb".replacingEvery("\n", with: " ") == "a\r b")
    }

    @Test(
        "the folder of a library path is NSString's deletingLastPathComponent",
        arguments: [
            "/tmp/library.sqlite", "library.sqlite", "/library.sqlite", "/", "", "a/b/", "a/b//", "/tmp/", "//x",
            "./library.sqlite", "../up/library.sqlite", "dir/sub/library.sqlite", "a//b", "/ü/ß/library.sqlite",
        ])
    func folder(path: String) {
        #expect(LibraryDatabase.folder(of: path) == (path as NSString).deletingLastPathComponent)
    }
}


