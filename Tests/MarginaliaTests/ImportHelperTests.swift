import Foundation
import Testing

@testable import Marginalia

/// The small readers imports use on every record, against what they stand for.
@Suite("Import helpers")
struct ImportHelperTests {
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
    }

    @Test(
        "the Marginalia id of an IRI",
        arguments: [
            ("urn:uuid:c3d3c5a5-037e-464e-e6fa-f7dcb4671e8c", "c3d3c5a5037e464ee6faf7dcb4671e8c"),
            ("URN:UUID:C3D3C5A5-037E-464E-E6FA-F7DCB4671E8C", "c3d3c5a5037e464ee6faf7dcb4671e8c"),
            ("Urn:Uuid:c3d3c5a5037e464ee6faf7dcb4671e8c", "c3d3c5a5037e464ee6faf7dcb4671e8c"),
            ("urn:uuid:--c3d3c5a5037e464ee6faf7dcb4671e8c--", "c3d3c5a5037e464ee6faf7dcb4671e8c"),
            ("urn:uuid:c3d3c5a5-037e-464e-e6fa-f7dcb4671e8", nil),
            ("urn:uuid:c3d3c5a5-037e-464e-e6fa-f7dcb4671e8cc", nil),
            ("urn:uuid:g3d3c5a5-037e-464e-e6fa-f7dcb4671e8c", nil),
            ("urn:uuid:c3d3c5a5 037e-464e-e6fa-f7dcb4671e8c", nil),
            ("urn:uuid:c3d3c5a5-037e-464e-e6fa-f7dcb4671e8\r\n", nil),
            ("urn:uuid\u{1A}c3d3c5a5037e464ee6faf7dcb4671e8c", nil),
            ("urn:uuid:", nil), ("urn:uui", nil), ("", nil),
            ("http://example.org/anno1", nil), ("urn:marginalia:document:doc-0", nil),
            // Not ASCII: read by characters, as ever (full-width hex digits count).
            ("urn:uuid:c3d3c5a5-037e-464e-e6fa-f7dcb4671e8é", nil),
            ("urn:uuid:ｃ3d3c5a5-037e-464e-e6fa-f7dcb4671e8Ｃ", "ｃ3d3c5a5037e464ee6faf7dcb4671e8ｃ"),
        ] as [(String, String?)])
    func marginaliaID(iri: String, id: String?) {
        #expect(WebAnnotationImport.marginaliaID(iri) == id)
    }

    @Test("ISO 8601 times with white space around them")
    func times() {
        let expected = Timestamps.parseISO8601("2026-11-30T01:58:55.979Z")
        #expect(abs((expected?.timeIntervalSince1970 ?? 0) - 1_796_003_935.979) < 0.0005)
        #expect(Timestamps.parseISO8601("\u{3000} 2026-11-30T01:58:55.979Z\t") == expected)
        #expect(Timestamps.parseISO8601("2026-11-30T02:58:55+01:00") == Date(timeIntervalSince1970: 1_796_003_935))
        #expect(Timestamps.parseISO8601("\n2026-11-30T01:58:55.979Z") == nil, "a line end is not trimmed")
        #expect(Timestamps.parseISO8601("30 November 2026") == nil)
    }
}
