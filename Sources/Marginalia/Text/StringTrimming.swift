/// Trimming and replacing in plain Swift.
///
/// Foundation's `trimmingCharacters(in:)` and `replacingOccurrences(of:with:)`
/// go through NSString: a copy each time, and on first use in a process the
/// runtime's type lookups for the bridge, which a one-shot command pays for.
extension String {
    /// The text without white space at either end: what Foundation's
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` (or, without
    /// `newlines`, `in: .whitespaces`) gives.
    ///
    /// Like Foundation, it trims Unicode scalars, not characters: a space
    /// before a combining mark goes, the mark stays.
    ///
    /// ```swift
    /// " \tDorothea\n".trimmingWhitespace()                 // "Dorothea"
    /// " p. 12\n".trimmingWhitespace(newlines: false)      // "p. 12\n"
    /// ```
    func trimmingWhitespace(newlines: Bool = true) -> String {
        let trimmed = self[...].trimmingWhitespace(newlines: newlines)
        return trimmed.startIndex == startIndex && trimmed.endIndex == endIndex ? self : String(trimmed)
    }

    /// The text with every `scalar` replaced by `replacement`. Scalars, not
    /// characters, are compared: a quote followed by a combining mark is
    /// still a quote, which CSV and FTS5 need doubled (Foundation's
    /// `replacingOccurrences` compares characters and leaves it).
    ///
    /// ```swift
    /// #"say "hi""#.replacingEvery("\"", with: "\"\"")     // say ""hi""
    /// ```
    func replacingEvery(_ scalar: Unicode.Scalar, with replacement: String) -> String {
        guard unicodeScalars.contains(scalar) else { return self }
        var result = String.UnicodeScalarView()
        for next in unicodeScalars {
            if next == scalar { result.append(contentsOf: replacement.unicodeScalars) } else { result.append(next) }
        }
        return String(result)
    }
}

extension Substring {
    /// The part without white space at either end (see ``Swift/String/trimmingWhitespace(newlines:)``).
    func trimmingWhitespace(newlines: Bool = true) -> Substring {
        let scalars = unicodeScalars
        let isTrimmed = { (scalar: Unicode.Scalar) in scalar.isFoundationWhitespace(newlines: newlines) }
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }) else { return self[endIndex...] }
        let end = scalars.index(after: scalars.lastIndex(where: { !isTrimmed($0) })!)
        return Substring(scalars[first..<end])
    }
}

extension Unicode.Scalar {
    /// Whether Foundation's `CharacterSet.whitespacesAndNewlines` (or, without
    /// `newlines`, `.whitespaces`) holds the scalar: the space separators
    /// (general category Zs), tab and U+200B ZERO WIDTH SPACE; with newlines
    /// also U+000A...U+000D, U+0085 NEXT LINE and the line and paragraph
    /// separators U+2028 and U+2029.
    func isFoundationWhitespace(newlines: Bool) -> Bool {
        switch value {
        case 0x20, 0x09, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: true
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: newlines
        default: false
        }
    }
}
