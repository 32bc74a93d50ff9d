/// A printed page, page range or e-reader location, for books read on paper.
///
/// Front matter numbered in roman numerals sorts before the arabic pages;
/// Kindle-style locations are a separate scheme and sort after all pages,
/// by number.
///
/// ```swift
/// let loc = PageLocator(parsing: "pp. 202-03")   // p. 202 to 203
/// loc?.description                               // "pp. 202-203"
/// PageLocator(parsing: "xii")! < PageLocator(parsing: "3")!   // true
/// ```
public struct PageLocator: Codable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The numbering scheme; the declaration order is the sort order.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Front-matter pages in roman numerals (i, ii, ... xii).
        case roman
        /// Ordinary page numbers.
        case arabic
        /// E-reader locations, such as Kindle's.
        case location

        fileprivate var rank: Int {
            switch self {
            case .roman: return 0
            case .arabic: return 1
            case .location: return 2
            }
        }
    }

    /// The largest value a canonical roman numeral can write (mmmcmxcix).
    public static let largestRoman = 3999

    /// The numbering scheme.
    public var kind: Kind
    /// The first page or location; roman pages hold their numeric value.
    public var start: Int
    /// The last page or location (inclusive); equal to `start` for one page.
    public var end: Int

    /// Makes a locator from its parts, or nil if they make no sense
    /// (a number below 1, an end before the start, a roman value over 3999).
    public init?(kind: Kind, start: Int, end: Int) {
        guard start >= 1, end >= start else { return nil }
        if kind == .roman && end > Self.largestRoman { return nil }
        self.kind = kind
        self.start = start
        self.end = end
    }

    /// The forms ``init(parsing:)`` reads, for messages that refuse a locator.
    public static let syntaxHint = "202, 202-203, p. 12, xii or Location 1234-1240"

    /// Parses a page locator as people write them.
    ///
    /// Accepted: `202`, `202-203`, `202–203` (en or em dash), `p. 202`,
    /// `pp. 202-03` (an abbreviated end takes its missing leading digits from
    /// the start: `202-03` is 202–203, `1998-9` is 1998–1999), `page 7`,
    /// `xii`, `xii-xiv` (canonical roman numerals, any case, up to 3999),
    /// `Location 1234-1240`, `Loc. 1234`, `location 1234`, `Kindle Location 1234`.
    ///
    /// Returns nil for anything else, for page 0, and for a range that ends
    /// before it starts.
    public init?(parsing input: String) {
        var rest = Substring(input.lowercased()).trimmingWhitespace()
        // Kindle exports say "Kindle Location 1234" or "Kindle loc. 1234".
        if rest.hasPrefix("kindle ") { rest = rest.dropFirst("kindle ".count).trimmingWhitespace() }
        var kind: Kind? = nil
        // Longest words first, so "pp" is not read as "p" followed by "p".
        let locationWords = ["locations", "location", "loc"]
        let pageWords = ["pages", "page", "pp", "pg", "p"]
        var sawWord = false
        if let word = locationWords.first(where: { rest.hasPrefix($0) }) {
            kind = .location
            rest = rest.dropFirst(word.count)
            sawWord = true
        } else if let word = pageWords.first(where: { rest.hasPrefix($0) }) {
            rest = rest.dropFirst(word.count)
            sawWord = true
        }
        if sawWord, rest.first == "." { rest = rest.dropFirst() }
        rest = rest.trimmingWhitespace()

        let parts = rest.split(maxSplits: 1, omittingEmptySubsequences: false) { Self.isRangeDash($0) }
        let first = parts[0].trimmingWhitespace()
        let second = parts.count > 1 ? parts[1].trimmingWhitespace() : nil
        guard !first.isEmpty, second.map({ !$0.isEmpty }) ?? true else { return nil }

        let start: Int
        let end: Int
        if first.allSatisfy(\.isASCIIDigit) {
            guard let value = Self.number(first) else { return nil }
            start = value
            if let second {
                guard second.allSatisfy(\.isASCIIDigit) else { return nil }
                guard let value = Self.expandedEnd(start: first, end: second) else { return nil }
                end = value
            } else {
                end = start
            }
            kind = kind ?? .arabic
        } else {
            // Roman numerals are for pages only; "loc. xii" is not a thing.
            guard kind == nil, let value = Self.romanValue(first) else { return nil }
            start = value
            if let second {
                guard let value = Self.romanValue(second) else { return nil }
                end = value
            } else {
                end = start
            }
            kind = .roman
        }
        self.init(kind: kind!, start: start, end: end)
    }

    /// Checks the invariants that ``init(kind:start:end:)`` enforces, so a
    /// corrupt stored value is refused instead of silently sorted.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(Kind.self, forKey: .kind)
        let start = try container.decode(Int.self, forKey: .start)
        let end = try container.decode(Int.self, forKey: .end)
        guard let value = PageLocator(kind: kind, start: start, end: end) else {
            throw DecodingError.dataCorruptedError(
                forKey: .end, in: container,
                debugDescription: "page locator \(kind.rawValue) \(start)-\(end) is not a valid page or range")
        }
        self = value
    }

    /// The canonical spelling: `p. 202`, `pp. 202-203`, `p. xii`,
    /// `pp. xii-xiv`, `loc. 1234`, `loc. 1234-1240`.
    public var description: String {
        func write(_ value: Int) -> String {
            kind == .roman ? Self.romanNumeral(value) : String(value)
        }
        let number = start == end ? write(start) : "\(write(start))-\(write(end))"
        switch kind {
        case .location: return "loc. \(number)"
        case .roman, .arabic: return start == end ? "p. \(number)" : "pp. \(number)"
        }
    }

    /// Whether the two share a page (or location) of the same scheme:
    /// `pp. 202-203` overlaps `p. 203`, but not `p. 204` or `loc. 202`.
    public func overlaps(_ other: PageLocator) -> Bool {
        kind == other.kind && start <= other.end && other.start <= end
    }

    /// Roman pages, then arabic pages, then locations; within a scheme by
    /// start, then by end.
    public static func < (lhs: PageLocator, rhs: PageLocator) -> Bool {
        (lhs.kind.rank, lhs.start, lhs.end) < (rhs.kind.rank, rhs.start, rhs.end)
    }

    // MARK: - Parsing helpers

    private static func isRangeDash(_ character: Character) -> Bool {
        // hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em dash
        ["-", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}"].contains(character)
    }

    /// A positive decimal number of at most 9 digits (no page count comes near).
    private static func number(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.count <= 9, let value = Int(digits), value >= 1 else { return nil }
        return value
    }

    /// Reads an end that may be abbreviated, as in "202-03" or "1998-9": a
    /// shorter end replaces the last digits of the start.
    private static func expandedEnd(start: Substring, end: Substring) -> Int? {
        guard !end.isEmpty else { return nil }
        if end.count < start.count {
            let kept = start.dropLast(end.count)
            return number(kept + end)
        }
        return number(end)
    }

    private static let romanDigits: [(value: Int, numeral: String)] = [
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ]

    /// The canonical lowercase numeral for 1...3999.
    static func romanNumeral(_ value: Int) -> String {
        var remaining = value
        var result = ""
        for (digitValue, numeral) in romanDigits {
            while remaining >= digitValue {
                result += numeral
                remaining -= digitValue
            }
        }
        return result
    }

    /// The value of a canonical roman numeral (lowercase), or nil.
    ///
    /// Rather than encode the subtractive rules as a grammar, it reads the
    /// letters greedily and accepts the result only if writing the value back
    /// gives the same letters: "iiii", "ic" and "vx" all fail that test.
    static func romanValue(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 15 else { return nil }
        var rest = text
        var value = 0
        while !rest.isEmpty {
            guard let digit = romanDigits.first(where: { rest.hasPrefix($0.numeral) }) else { return nil }
            value += digit.value
            rest = rest.dropFirst(digit.numeral.count)
        }
        guard value >= 1, value <= largestRoman, romanNumeral(value) == text else { return nil }
        return value
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var result = self
        while let first = result.first, first.isWhitespace { result = result.dropFirst() }
        while let last = result.last, last.isWhitespace { result = result.dropLast() }
        return result
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
