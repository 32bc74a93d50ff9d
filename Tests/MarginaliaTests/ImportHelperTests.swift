import Foundation
import Testing

@testable import Marginalia

/// The small readers imports use on every record, against what they stand for.
@Suite("Import helpers")
struct ImportHelperTests {
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
