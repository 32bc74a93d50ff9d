import Foundation
import Testing

@testable import Marginalia

/// The canonical JSON is what digests, signatures and the log hold: its bytes
/// must never change, or libraries would disagree on their state hashes.
@Suite("Canonical JSON")
struct CanonicalJSONTests {
    @Test("keys sorted as strings, no whitespace, only the required escapes, UTF-8 as is")
    func pinnedBytes() {
        let value: JSONValue = [
            "zeta": [1, -2, true, .null],
            "Alpha": "tab\tquote\"backslash\\newline\nreturn\rbell\u{7}",
            "é": "café ☕︎ 𝄞 \u{2028}",
            "": [:],
            "list": [],
        ]
        let expected =
            #"{"":{},"Alpha":"tab\tquote\"backslash\\newline\nreturn\rbell\u0007","list":[],"#
            + #""zeta":[1,-2,true,null],"é":"café ☕︎ 𝄞 \#u{2028}"}"#
        #expect(value.canonicalJSON == expected)
        #expect(value.canonicalBytes == Array(expected.utf8))
        #expect(JSONValue(parsing: Data(expected.utf8)) == value, "it reads back as the same value")
    }
}
