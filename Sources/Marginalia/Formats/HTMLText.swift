import Foundation

/// The readable text of an HTML or XHTML page.
///
/// Paragraphs and other blocks (headings, list items, table rows, quotations)
/// become paragraphs separated by a blank line, `<br>` a line end; runs of
/// whitespace collapse to one space (except inside `<pre>`); `<script>`,
/// `<style>`, `<head>` and comments are dropped; character references
/// (`&amp;`, `&#8217;`, `&#x2014;`, `&eacute;` ...) are decoded. The result
/// depends on the markup alone, so two readers converting the same page get
/// the same text, and the same text hash.
///
/// ```swift
/// HTMLText.text(of: "<p>Caf&eacute; <b>noir</b></p><p>Two</p>")   // "Café noir\n\nTwo"
/// HTMLText.title(of: "<title>On Reading</title>")                 // "On Reading"
/// ```
public enum HTMLText {
    /// The text of a page, paragraphs separated by blank lines.
    public static func text(of html: String) -> String {
        var converter = Converter()
        converter.run(Array(html.unicodeScalars))
        return converter.finish()
    }

    /// The content of the page's `<title>` element, decoded and trimmed, or nil.
    public static func title(of html: String) -> String? {
        guard let open = html.range(of: "<title", options: .caseInsensitive),
            let tagEnd = html.range(of: ">", range: open.upperBound..<html.endIndex),
            let close = html.range(of: "</title>", options: .caseInsensitive, range: tagEnd.upperBound..<html.endIndex)
        else { return nil }
        let title = text(of: String(html[tagEnd.upperBound..<close.lowerBound]))
        return title.isEmpty ? nil : title
    }

    /// Elements whose content is not text to read.
    static let skipped: Set<String> = ["script", "style", "head", "template", "noscript", "svg", "math"]
    /// Elements that start and end a paragraph.
    static let blocks: Set<String> = [
        "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote", "pre",
        "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "caption",
        "figure", "figcaption", "hr", "body", "html", "address", "details", "summary", "center",
    ]

    private struct Converter {
        var paragraphs: [String] = []
        var current = String.UnicodeScalarView()
        var pendingSpace = false
        var preDepth = 0
        /// For each position, the quoting states (bits 1, 2, 4: outside
        /// quotes, in '…', in "…") from which a search for a tag's `>` has
        /// already run to the end in vain: a later search that gets there
        /// in the same state fails too, so a page of `<` without `>` costs
        /// linear time, not quadratic.
        var noTagEnd: [UInt8] = []

        mutating func run(_ s: [Unicode.Scalar]) {
            var i = 0
            while i < s.count {
                let c = s[i]
                if c == "<" {
                    if Self.starts(s, at: i, with: "<!--") {
                        i = Self.find(s, "-->", from: i + 4).map { $0 + 3 } ?? s.count
                        continue
                    }
                    if Self.starts(s, at: i, with: "<![CDATA[") {
                        let end = Self.find(s, "]]>", from: i + 9) ?? s.count
                        for scalar in s[(i + 9)..<end] { append(scalar) }
                        i = min(s.count, end + 3)
                        continue
                    }
                    guard let close = tagEnd(s, from: i + 1) else {
                        append(c)
                        i += 1
                        continue
                    }
                    let (name, isEnd) = Self.tagName(s[(i + 1)..<close])
                    i = close + 1
                    guard !name.isEmpty else { continue }
                    let selfClosing = close > 0 && s[close - 1] == "/"
                    if !isEnd && !selfClosing && Self.isSkipped(name) {
                        // Everything up to the matching end tag goes.
                        i = Self.find(s, "</" + name, from: i, ignoringCase: true)
                            .flatMap { tagEnd(s, from: $0 + 1) }.map { $0 + 1 } ?? s.count
                        continue
                    }
                    if name == "br" {
                        current.append("\n")
                        pendingSpace = false
                    } else if HTMLText.blocks.contains(name) {
                        endParagraph()
                        if name == "pre" { preDepth = max(0, preDepth + (isEnd ? -1 : 1)) }
                    }
                    continue
                }
                if c == "&", let (decoded, next) = Self.entity(s, at: i) {
                    for scalar in decoded.unicodeScalars { append(scalar) }
                    i = next
                    continue
                }
                append(c)
                i += 1
            }
        }

        mutating func append(_ scalar: Unicode.Scalar) {
            if preDepth == 0 && scalar.properties.isWhitespace && scalar != "\u{A0}" {
                pendingSpace = !current.isEmpty && current.last != "\n"
                return
            }
            if pendingSpace {
                current.append(" ")
                pendingSpace = false
            }
            current.append(scalar)
        }

        mutating func endParagraph() {
            let text = String(current).trimmingWhitespace()
            if !text.isEmpty { paragraphs.append(text) }
            current = String.UnicodeScalarView()
            pendingSpace = false
        }

        mutating func finish() -> String {
            endParagraph()
            return paragraphs.joined(separator: "\n\n")
        }

        static func isSkipped(_ name: String) -> Bool { HTMLText.skipped.contains(name) || name == "title" }

        static func starts(_ s: [Unicode.Scalar], at i: Int, with prefix: String) -> Bool {
            let p = Array(prefix.unicodeScalars)
            guard i + p.count <= s.count else { return false }
            return s[i..<(i + p.count)].elementsEqual(p)
        }

        static func find(_ s: [Unicode.Scalar], _ needle: String, from: Int, ignoringCase: Bool = false) -> Int? {
            let n = Array((ignoringCase ? needle.lowercased() : needle).unicodeScalars)
            guard !n.isEmpty, s.count >= n.count, from <= s.count - n.count else { return nil }
            for i in from...(s.count - n.count) {
                var matched = true
                for j in 0..<n.count {
                    let c = s[i + j]
                    let folded = ignoringCase && c.isASCII ? Unicode.Scalar(UInt8(ascii: c) | (c.properties.isUppercase ? 0x20 : 0)) : c
                    if folded != n[j] { matched = false; break }
                }
                if matched { return i }
            }
            return nil
        }

        /// The index of the `>` that closes a tag opened just before `from`,
        /// skipping quoted attribute values; nil when `<` does not start a tag.
        mutating func tagEnd(_ s: [Unicode.Scalar], from: Int) -> Int? {
            guard from < s.count, s[from].properties.isAlphabetic || s[from] == "/" || s[from] == "!" || s[from] == "?"
            else { return nil }
            if noTagEnd.isEmpty { noTagEnd = Array(repeating: 0, count: s.count) }
            var quote: Unicode.Scalar?
            var visited: [(Int, UInt8)] = []
            var i = from
            while i < s.count {
                let state: UInt8 = quote == nil ? 1 : quote == "'" ? 2 : 4
                if noTagEnd[i] & state != 0 { break }
                visited.append((i, state))
                let c = s[i]
                if let open = quote {
                    if c == open { quote = nil }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c == ">" {
                    return i
                }
                i += 1
            }
            for (position, state) in visited { noTagEnd[position] |= state }
            return nil
        }

        static func tagName(_ inside: ArraySlice<Unicode.Scalar>) -> (String, Bool) {
            var rest = inside[...]
            let isEnd = rest.first == "/"
            if isEnd { rest = rest.dropFirst() }
            var name = String.UnicodeScalarView()
            for c in rest {
                guard c.properties.isAlphabetic || ("0"..."9").contains(c) || c == ":" || c == "-" else { break }
                name.append(c)
            }
            // XHTML may prefix elements with a namespace (xhtml:p).
            let lowered = String(name).lowercased()
            return (lowered.split(separator: ":").last.map(String.init) ?? lowered, isEnd)
        }

        /// Decodes the character reference at `i`, returning it and the index after it.
        static func entity(_ s: [Unicode.Scalar], at i: Int) -> (String, Int)? {
            var j = i + 1
            var name = ""
            while j < s.count, j - i <= 32, s[j] != ";" {
                guard s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) || s[j] == "#" else { return nil }
                name.unicodeScalars.append(s[j])
                j += 1
            }
            guard j < s.count, s[j] == ";", !name.isEmpty else { return nil }
            if name.hasPrefix("#") {
                let digits = name.dropFirst()
                let value = digits.first == "x" || digits.first == "X"
                    ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                guard let value, value != 0, let scalar = Unicode.Scalar(value) else { return nil }
                return (String(scalar), j + 1)
            }
            guard let decoded = HTMLText.namedEntities[name] else { return nil }
            return (decoded, j + 1)
        }
    }

    /// The named character references that books and articles use.
    static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
        "mdash": "\u{2014}", "ndash": "\u{2013}", "hellip": "\u{2026}", "lsquo": "\u{2018}", "rsquo": "\u{2019}",
        "ldquo": "\u{201C}", "rdquo": "\u{201D}", "sbquo": "\u{201A}", "bdquo": "\u{201E}", "laquo": "\u{AB}",
        "raquo": "\u{BB}", "shy": "\u{AD}", "copy": "\u{A9}", "reg": "\u{AE}", "trade": "\u{2122}", "deg": "\u{B0}",
        "para": "\u{B6}", "sect": "\u{A7}", "middot": "\u{B7}", "bull": "\u{2022}", "dagger": "\u{2020}",
        "Dagger": "\u{2021}", "times": "\u{D7}", "divide": "\u{F7}", "frac12": "\u{BD}", "frac14": "\u{BC}",
        "frac34": "\u{BE}", "pound": "\u{A3}", "euro": "\u{20AC}", "cent": "\u{A2}", "yen": "\u{A5}",
        "thinsp": "\u{2009}", "ensp": "\u{2002}", "emsp": "\u{2003}", "zwnj": "\u{200C}", "zwj": "\u{200D}",
        "aacute": "á", "Aacute": "Á", "agrave": "à", "Agrave": "À", "acirc": "â", "Acirc": "Â", "auml": "ä",
        "Auml": "Ä", "atilde": "ã", "aring": "å", "aelig": "æ", "AElig": "Æ", "ccedil": "ç", "Ccedil": "Ç",
        "eacute": "é", "Eacute": "É", "egrave": "è", "Egrave": "È", "ecirc": "ê", "Ecirc": "Ê", "euml": "ë",
        "iacute": "í", "igrave": "ì", "icirc": "î", "iuml": "ï", "ntilde": "ñ", "Ntilde": "Ñ", "oacute": "ó",
        "Oacute": "Ó", "ograve": "ò", "ocirc": "ô", "ouml": "ö", "Ouml": "Ö", "otilde": "õ", "oslash": "ø",
        "Oslash": "Ø", "oelig": "œ", "OElig": "Œ", "szlig": "ß", "uacute": "ú", "ugrave": "ù", "ucirc": "û",
        "uuml": "ü", "Uuml": "Ü", "yacute": "ý", "yuml": "ÿ", "thorn": "þ", "eth": "ð",
    ]
}
