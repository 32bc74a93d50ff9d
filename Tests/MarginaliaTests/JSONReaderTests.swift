import Foundation
import Testing

@testable import Marginalia

/// The library's JSON reader: what it accepts, and what it refuses.
@Suite("JSON reader")
struct JSONReaderTests {
    func parse(_ text: String) -> JSONValue? { JSONValue(parsing: text) }

    @Test("nested arrays and objects, empty ones, white space between tokens")
    func nesting() {
        let text = " [ [1, [2, {\"a\": [3, {}], \"b\": []}]], {\"c\": {\"d\": [ ]}}, \"\", -0 ]\n"
        let expected: JSONValue = [[1, [2, ["a": [3, [:]], "b": []]]], ["c": ["d": []]], "", 0]
        #expect(parse(text) == expected)
        #expect(parse("{}") == [:] && parse("[]") == [])
    }

    @Test("a repeated key keeps its last value")
    func repeatedKeys() {
        #expect(parse(#"{"a": 1, "b": 2, "a": 3}"#) == ["a": 3, "b": 2])
        #expect(parse(#"{"x": {"a": 1, "a": [2]}, "x": {"b": 3}}"#) == ["x": ["b": 3]])
    }

    @Test("strings: ASCII, other UTF-8 as it is, escapes")
    func strings() {
        #expect(parse(#""plain ASCII""#) == "plain ASCII")
        #expect(parse(#""café ☕︎ 𝄞 \#u{2028}""#) == "café ☕︎ 𝄞 \u{2028}")
        #expect(parse(#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00 after""#) == "a\"b\\c/d\u{8}\u{C}\n\r\té😀 after")
        #expect(parse(#"{"clé": "välue", "key": "value"}"#) == ["clé": "välue", "key": "value"])
    }

    @Test(
        "invalid UTF-8 or escapes in a string are refused",
        arguments: [
            [0xFF], [0xC3], [0xC0, 0xAF], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80],
            Array(#"\ud800"#.utf8), Array(#"\ud800\u0041"#.utf8), Array(#"\udc00"#.utf8), Array(#"\x"#.utf8), [0x0A],
        ] as [[UInt8]])
    func invalidStrings(inside: [UInt8]) {
        #expect(JSONValue(parsing: [0x22] + inside + [0x22]) == nil)
        #expect(JSONValue(parsing: Array(#"{"k": ""#.utf8) + inside + Array(#""}"#.utf8)) == nil)
        #expect(JSONValue(parsing: [0x22] + inside + Array("a\"".utf8)) == nil, "after the fast path's first byte")
    }

    @Test(
        "numbers are integers that fit",
        arguments: [
            ("0", 0), ("-12", -12), ("9223372036854775807", Int.max), ("-9223372036854775808", Int.min),
        ] as [(String, Int)])
    func integers(text: String, value: Int) {
        #expect(parse(text) == .int(value))
        #expect(parse("[\(text)]") == [.int(value)])
    }

    @Test("not JSON this reader accepts", arguments: [
        "", "[", "[1,]", "{\"a\"}", "{\"a\":1,}", "{a:1}", "01", "1.5", "1e3", "-", "9223372036854775808",
        "-9223372036854775809", "tru", "nul", "[1] 2", "{} x", "null null", "\"a\"\"b\"", "\"open", "{\"a\":1 \"b\":2}",
    ])
    func refused(text: String) {
        #expect(parse(text) == nil)
    }

    @Test("text after the value is refused, and its place named")
    func trailingText() {
        #expect(JSONValue.syntaxErrorOffset(in: Array("[1]  x".utf8)) == 5)
        #expect(JSONValue.syntaxErrorOffset(in: Array("[1]  \n".utf8)) == nil)
    }

    @Test("the word-at-a-time scan stops where a byte-by-byte scan stops, for every byte at every place")
    func stringScan() {
        for length in [1, 7, 8, 9, 17, 24] {
            for place in 0..<length {
                for byte in UInt8.min...UInt8.max {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[place] = byte
                    let expectedEnd = bytes.firstIndex { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } ?? length
                    let expected = (expectedEnd, bytes[..<expectedEnd].allSatisfy { $0 < 0x80 })
                    let scanned = bytes.withUnsafeBufferPointer { JSONStringBytes.scan($0, from: 0) }
                    if scanned != expected {
                        Issue.record("byte \(byte) at \(place) of \(length): \(scanned), expected \(expected)")
                    }
                }
            }
        }
        // From a later start, with the special byte after non-ASCII ones.
        let bytes = Array("é€😀 abcdefghij\"tail".utf8)
        let scanned = bytes.withUnsafeBufferPointer { JSONStringBytes.scan($0, from: 2) }
        #expect(scanned == (bytes.firstIndex(of: 0x22)!, false))
        #expect(bytes.withUnsafeBufferPointer { JSONStringBytes.scan($0, from: 9) } == (bytes.firstIndex(of: 0x22)!, true))
    }

    @Test("nesting deeper than 512 is refused")
    func depth() {
        #expect(parse(String(repeating: "[", count: 512) + String(repeating: "]", count: 512)) != nil)
        #expect(parse(String(repeating: "[", count: 513) + String(repeating: "]", count: 513)) == nil)
        #expect(parse(String(repeating: "{\"a\":", count: 513) + "1" + String(repeating: "}", count: 513)) == nil)
    }
}
