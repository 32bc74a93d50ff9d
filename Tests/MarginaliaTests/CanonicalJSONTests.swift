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

    @Test("keys in String order, which compares canonically equivalent forms alike, written as given")
    func keysOutsideASCII() {
        // NFC takes e + U+0301 to U+00E9 and the Kelvin sign to K: String order
        // sorts them there, though their bytes stay as they are.
        let value: JSONValue = ["f": 1, "e\u{301}x": 2, "\u{212A}": 3, "L": 4, "a": 5, "😀": 6, "\u{FFFD}": 7]
        let expected = #"{"\#u{212A}":3,"L":4,"a":5,"f":1,"e\#u{301}x":2,"\#u{FFFD}":7,"😀":6}"#
        #expect(value.canonicalJSON == expected)
    }

    @Test("every control character escaped, nothing else: DEL, U+2028, U+2029, scalars beyond the BMP")
    func escapes() {
        let controls = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
        let expected = #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\t\n\u000b\u000c\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#
        #expect(JSONValue.string(controls).canonicalJSON == expected)
        let plain = "\u{7F}\u{2028}\u{2029}\u{D7FF}\u{E000}\u{FFFF}\u{10000}\u{10FFFF}👩‍👩‍👧 e\u{301}"
        #expect(JSONValue.string(plain).canonicalBytes == [0x22] + Array(plain.utf8) + [0x22])
        // Escapes at the ends and side by side.
        #expect(JSONValue.string("\"\\\n\"").canonicalJSON == #""\"\\\n\"""#)
        // A string escaped in the input is written with its scalars.
        #expect(JSONValue(parsing: #""\ud834\udd1e\u00e9\u2028""#)?.canonicalJSON == "\"𝄞é\u{2028}\"")
    }

    @Test("integers at the limits", arguments: [0, 7, -1, 10, -10, 1_234_567_890, Int.max, Int.min])
    func integers(value: Int) {
        #expect(JSONValue.int(value).canonicalJSON == String(value))
    }

    @Test("random values: the bytes a plain rendering gives, and they read back as the same value")
    func randomValues() {
        var random = SeededGenerator(seed: 20261130)
        for _ in 0..<300 {
            let value = Self.randomValue(depth: 0, using: &random)
            #expect(value.canonicalJSON == Self.plainRendering(value))
            #expect(JSONValue(parsing: value.canonicalBytes) == value)
        }
    }

    /// Strings that sort or escape in unusual ways.
    static let trickyStrings = [
        "", "a", "B", "key", "é", "e\u{301}", "\u{212A}", "Å", "ä", "\u{0}", "\u{1F}", "\u{7F}", "\"", "\\", "tab\t",
        "\r\n", "\u{2028}", "\u{FEFF}", "𝄞", "😀", "\u{10FFFF}", "a long key past fifteen bytes", "Ωmega", "\u{2126}",
    ]

    static func randomValue(depth: Int, using random: inout SeededGenerator) -> JSONValue {
        switch Int.random(in: 0..<(depth < 3 ? 7 : 4), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .int(Int.random(in: Int.min...Int.max, using: &random) >> Int.random(in: 0..<64, using: &random))
        case 3: return .string(trickyStrings.randomElement(using: &random)! + trickyStrings.randomElement(using: &random)!)
        case 4: return .array((0..<Int.random(in: 0..<4, using: &random)).map { _ in randomValue(depth: depth + 1, using: &random) })
        default:
            var fields: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<7, using: &random) {
                fields[trickyStrings.randomElement(using: &random)!] = randomValue(depth: depth + 1, using: &random)
            }
            return .object(fields)
        }
    }

    /// The canonical form written the plain way: fields sorted as Strings,
    /// each scalar as it is but for the escapes JSON requires.
    static func plainRendering(_ value: JSONValue) -> String {
        func quoted(_ string: String) -> String {
            var out = "\""
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case ..<" ":
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .string(let s): return quoted(s)
        case .array(let items): return "[" + items.map(plainRendering).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.sorted { $0.key < $1.key }.map { quoted($0.key) + ":" + plainRendering($0.value) }
                .joined(separator: ",") + "}"
        }
    }
}
