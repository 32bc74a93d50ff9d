import Foundation
import Testing
@testable import Marginalia

@Suite("PageLocator")
struct PageLocatorTests {
    @Test("parsing what people write",
          arguments: [
            ("202", PageLocator.Kind.arabic, 202, 202, "p. 202"),
            ("  202 ", .arabic, 202, 202, "p. 202"),
            ("202-203", .arabic, 202, 203, "pp. 202-203"),
            ("202–203", .arabic, 202, 203, "pp. 202-203"),
            ("202 — 203", .arabic, 202, 203, "pp. 202-203"),
            ("p. 202", .arabic, 202, 202, "p. 202"),
            ("p.202", .arabic, 202, 202, "p. 202"),
            ("P 7", .arabic, 7, 7, "p. 7"),
            ("page 7", .arabic, 7, 7, "p. 7"),
            ("pages 7-9", .arabic, 7, 9, "pp. 7-9"),
            ("pp. 202-03", .arabic, 202, 203, "pp. 202-203"),
            ("pp. 202-3", .arabic, 202, 203, "pp. 202-203"),
            ("1998-9", .arabic, 1998, 1999, "pp. 1998-1999"),
            ("pp. 99-101", .arabic, 99, 101, "pp. 99-101"),
            ("pp. 202-202", .arabic, 202, 202, "p. 202"),
            ("xii", .roman, 12, 12, "p. xii"),
            ("XII", .roman, 12, 12, "p. xii"),
            ("p. xii", .roman, 12, 12, "p. xii"),
            ("xii-xiv", .roman, 12, 14, "pp. xii-xiv"),
            ("pp. ix–xl", .roman, 9, 40, "pp. ix-xl"),
            ("mmmcmxcix", .roman, 3999, 3999, "p. mmmcmxcix"),
            ("Location 1234-1240", .location, 1234, 1240, "loc. 1234-1240"),
            ("Loc. 1234", .location, 1234, 1234, "loc. 1234"),
            ("location 1234", .location, 1234, 1234, "loc. 1234"),
            ("Locations 1234–40", .location, 1234, 1240, "loc. 1234-1240"),
            ("Kindle Location 1234-1240", .location, 1234, 1240, "loc. 1234-1240"),
          ] as [(String, PageLocator.Kind, Int, Int, String)])
    func parses(input: String, kind: PageLocator.Kind, start: Int, end: Int, canonical: String) throws {
        let locator = try #require(PageLocator(parsing: input))
        #expect(locator.kind == kind)
        #expect(locator.start == start)
        #expect(locator.end == end)
        #expect(locator.description == canonical)
        // The canonical spelling parses back to the same value.
        #expect(PageLocator(parsing: locator.description) == locator)
    }

    @Test("junk is refused",
          arguments: ["", "  ", "p.", "pp", "0", "p. 0", "0-3", "203-202", "209-3", "xiv-xii", "abc", "12a",
                      "iiii", "ic", "vx", "iiv", "mmmm", "xm", "12-xii", "xii-12", "loc. xii", "location",
                      "202-", "-202", "1-2-3", "-5", "p. -5", "1234567890", "2.5", "p. 20 21"])
    func refuses(input: String) {
        #expect(PageLocator(parsing: input) == nil)
    }

    @Test("every canonical roman numeral round-trips, nothing else parses")
    func romanNumerals() {
        var canonical = Set<String>()
        for value in 1...3999 {
            let numeral = PageLocator.romanNumeral(value)
            canonical.insert(numeral)
            #expect(PageLocator.romanValue(Substring(numeral)) == value)
        }
        // Every string of up to 4 roman letters parses iff it is canonical.
        let letters = Array("ivxlcdm")
        var strings = [""]
        for _ in 0..<4 {
            strings = strings.flatMap { prefix in letters.map { prefix + String($0) } }
            for string in strings {
                #expect((PageLocator.romanValue(Substring(string)) != nil) == canonical.contains(string), "\(string)")
            }
        }
    }

    @Test("overlap: a shared page of the same scheme")
    func overlaps() {
        let spread = PageLocator(parsing: "pp. 202-03")!
        #expect(spread.overlaps(PageLocator(parsing: "203")!))
        #expect(spread.overlaps(PageLocator(parsing: "200-202")!))
        #expect(!spread.overlaps(PageLocator(parsing: "204")!))
        #expect(!spread.overlaps(PageLocator(parsing: "loc. 202")!))
        #expect(!PageLocator(parsing: "ccii")!.overlaps(PageLocator(parsing: "202")!))
    }

    @Test("front matter, then pages, then locations")
    func sortOrder() throws {
        let inputs = ["loc. 5", "202", "3", "xii", "xii-xiv", "ii", "202-203", "loc. 1"]
        let sorted = try inputs.map { try #require(PageLocator(parsing: $0)) }.sorted()
        #expect(sorted.map(\.description) == ["p. ii", "p. xii", "pp. xii-xiv", "p. 3", "p. 202", "pp. 202-203",
                                              "loc. 1", "loc. 5"])
        let xii = try #require(PageLocator(parsing: "xii"))
        let three = try #require(PageLocator(parsing: "3"))
        let page202 = try #require(PageLocator(parsing: "202"))
        let loc5 = try #require(PageLocator(parsing: "loc. 5"))
        #expect(xii < three && three < page202 && page202 < loc5)
    }

    @Test("memberwise construction checks its invariants")
    func memberwise() {
        #expect(PageLocator(kind: .arabic, start: 1, end: 1) != nil)
        #expect(PageLocator(kind: .arabic, start: 0, end: 1) == nil)
        #expect(PageLocator(kind: .arabic, start: 5, end: 4) == nil)
        #expect(PageLocator(kind: .roman, start: 1, end: 4000) == nil)
    }

    @Test("JSON round trip; corrupt values are refused")
    func codable() throws {
        let locator = try #require(PageLocator(parsing: "pp. xii-xiv"))
        let data = try JSONEncoder().encode(locator)
        #expect(try JSONDecoder().decode(PageLocator.self, from: data) == locator)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"roman\""))
        let corrupt = Data(#"{"kind":"arabic","start":9,"end":3}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PageLocator.self, from: corrupt) }
    }
}
