import Foundation
import Testing

/// A text where code points, UTF-16 units and UTF-8 bytes all count
/// differently before the passages the tests annotate: accents (2 bytes, 1
/// unit) and an emoji (4 bytes, 2 units), all in NFC.
let accentedText =
    "Marginalia keep the reader's side of the talk. Caf\u{E9} \u{1F600} na\u{EF}ve r\u{E9}sum\u{E9} \u{2014} "
    + "the quick brown fox jumps over the lazy dog, and then the fox sleeps under a tree until the evening comes.\n"

/// Where the `occurrence`-th (0-based) `needle` sits in `text`, in code points.
func codePointRange(of needle: String, in text: String, occurrence: Int = 0) -> (start: Int, end: Int)? {
    let haystack = Array(text.unicodeScalars)
    let pattern = Array(needle.unicodeScalars)
    guard !pattern.isEmpty, pattern.count <= haystack.count else { return nil }
    var seen = 0
    for start in 0...(haystack.count - pattern.count) where Array(haystack[start..<start + pattern.count]) == pattern {
        if seen == occurrence { return (start, start + pattern.count) }
        seen += 1
    }
    return nil
}

/// Up to `limit` code points of `text` before `start` and after `end`.
func context(in text: String, start: Int, end: Int, limit: Int = 32) -> (prefix: String, suffix: String) {
    let scalars = Array(text.unicodeScalars)
    var prefix = String.UnicodeScalarView()
    prefix.append(contentsOf: scalars[max(0, start - limit)..<start])
    var suffix = String.UnicodeScalarView()
    suffix.append(contentsOf: scalars[end..<min(scalars.count, end + limit)])
    return (String(prefix), String(suffix))
}

@Suite("annotate")
struct AnnotateCommandTests {
    /// A library with the accented text as document `essay`.
    func essayLibrary() throws -> CLI {
        let cli = try CLI()
        try cli.initLibrary()
        let file = try cli.write("essay.txt", accentedText)
        #expect(try cli.create(["doc", "add", file, "--id", "essay"]) == "essay")
        return cli
    }

    @Test("annotate --quote prints only the id; show --json carries quote, context and code-point position")
    func quoteAnchor() throws {
        let cli = try essayLibrary()
        let quote = "quick brown fox"
        let result = cli.run(["annotate", "essay", "--quote", quote])
        #expect(result.succeeded, "\(result)")
        #expect(result.stdoutLines.count == 1, "stdout holds only the id:\n\(result)")
        let id = result.output
        #expect(id.isLowercaseHex(count: 32), "an annotation id is 32 hex digits, got '\(id)'")

        let expected = try #require(codePointRange(of: quote, in: accentedText))
        // The fixture must tell code points, UTF-16 and bytes apart.
        let before = String(String.UnicodeScalarView(Array(accentedText.unicodeScalars)[..<expected.start]))
        #expect(before.utf16.count != expected.start)
        #expect(before.utf8.count != expected.start)

        let shown = try cli.jsonObject(["show", id, "--json"])
        #expect(string(shown, "id") == id)
        #expect(string(shown, "type") == "annotation")
        #expect(string(shown, "target", "document") == "essay")
        #expect(string(shown, "target", "quote", "exact") == quote)
        #expect(int(shown, "target", "position", "start") == expected.start, "start counts code points")
        #expect(int(shown, "target", "position", "end") == expected.end, "end counts code points")
        let (prefix, suffix) = context(in: accentedText, start: expected.start, end: expected.end)
        #expect(prefix.codePoints == 32 && suffix.codePoints == 32)
        #expect(prefix.contains("\u{1F600}"), "the fixture's emoji should sit inside the prefix")
        #expect(string(shown, "target", "quote", "prefix") == prefix, "prefix: the 32 code points before the quote")
        #expect(string(shown, "target", "quote", "suffix") == suffix, "suffix: the 32 code points after the quote")
        #expect(string(shown, "visibility") == "shared", "annotations are shared by default")
        #expect(value(shown, "note") == nil)
        let text = try #require(string(shown, "target", "text"))
        #expect(string(try cli.jsonObject(["doc", "show", "essay", "--json"]), "text") == text)
    }

    @Test("context is cut at the text's edges")
    func contextAtEdges() throws {
        let cli = try essayLibrary()
        let first = try cli.create(["annotate", "essay", "--quote", "Marginalia"])
        let shown = try cli.jsonObject(["show", first, "--json"])
        #expect((string(shown, "target", "quote", "prefix") ?? "") == "")
        #expect(int(shown, "target", "position", "start") == 0)
        let last = try cli.create(["annotate", "essay", "--quote", "evening comes."])
        let lastJSON = try cli.jsonObject(["show", last, "--json"])
        #expect(string(lastJSON, "target", "quote", "suffix") == "\n")
        #expect(int(lastJSON, "target", "position", "end") == accentedText.codePoints - 1)
    }

    @Test("--prefix and --suffix pick one of two occurrences")
    func prefixSuffixDisambiguate() throws {
        let cli = try essayLibrary()
        let first = try #require(codePointRange(of: "fox", in: accentedText, occurrence: 0))
        let second = try #require(codePointRange(of: "fox", in: accentedText, occurrence: 1))

        let bySuffix = try cli.create(["annotate", "essay", "--quote", "fox", "--suffix", " jumps"])
        let bySuffixJSON = try cli.jsonObject(["show", bySuffix, "--json"])
        #expect(int(bySuffixJSON, "target", "position", "start") == first.start)
        #expect(int(bySuffixJSON, "target", "position", "end") == first.end)

        let byPrefix = try cli.create(["annotate", "essay", "--quote", "fox", "--prefix", "then the "])
        let byPrefixJSON = try cli.jsonObject(["show", byPrefix, "--json"])
        #expect(int(byPrefixJSON, "target", "position", "start") == second.start)
        #expect(int(byPrefixJSON, "target", "position", "end") == second.end)
        #expect(string(byPrefixJSON, "target", "quote", "exact") == "fox")
        #expect(string(byPrefixJSON, "target", "quote", "suffix") == context(in: accentedText, start: second.start, end: second.end).suffix)
    }

    @Test("--at START:END anchors by code points and records the quote")
    func atAnchor() throws {
        let cli = try essayLibrary()
        let range = try #require(codePointRange(of: "lazy dog", in: accentedText))
        let id = try cli.create(["annotate", "essay", "--at", "\(range.start):\(range.end)"])
        let shown = try cli.jsonObject(["show", id, "--json"])
        #expect(string(shown, "target", "quote", "exact") == "lazy dog")
        #expect(int(shown, "target", "position", "start") == range.start)
        #expect(int(shown, "target", "position", "end") == range.end)

        // One code point that is two UTF-16 units and four bytes.
        let emoji = try #require(codePointRange(of: "\u{1F600}", in: accentedText))
        #expect(emoji.end == emoji.start + 1)
        let emojiID = try cli.create(["annotate", "essay", "--at", "\(emoji.start):\(emoji.end)"])
        #expect(string(try cli.jsonObject(["show", emojiID, "--json"]), "target", "quote", "exact") == "\u{1F600}")
    }

    @Test("--page on a paper book records a normalized page locator")
    func pageOnPaperBook() throws {
        let cli = try CLI()
        try cli.initLibrary()
        try cli.create(["doc", "add", "--no-text", "--title", "Middlemarch", "--id", "middlemarch"])
        let result = cli.run(["annotate", "middlemarch", "--page", "p. 202-03", "--note", "Dorothea's choice"])
        #expect(result.succeeded, "\(result)")
        #expect(result.stdoutLines.count == 1, "\(result)")
        let shown = try cli.jsonObject(["show", result.output, "--json"])
        #expect(string(shown, "target", "page") == "pp. 202-203")
        #expect(string(shown, "target", "document") == "middlemarch")
        #expect(value(shown, "target", "quote") == nil)
        #expect(value(shown, "target", "position") == nil)
        #expect(string(shown, "note") == "Dorothea's choice")

        let roman = try cli.create(["annotate", "middlemarch", "--page", "xii"])
        #expect(string(try cli.jsonObject(["show", roman, "--json"]), "target", "page") == "p. xii")
    }

    @Test("a paper book annotation may carry a typed quote besides its page")
    func quoteOnPaperBook() throws {
        let cli = try CLI()
        try cli.initLibrary()
        try cli.create(["doc", "add", "--no-text", "--title", "Middlemarch", "--id", "middlemarch"])
        let id = try cli.create(["annotate", "middlemarch", "--quote", "a passage typed from the book", "--page", "12"])
        let shown = try cli.jsonObject(["show", id, "--json"])
        #expect(string(shown, "target", "quote", "exact") == "a passage typed from the book")
        #expect(string(shown, "target", "page") == "p. 12")
        #expect(value(shown, "target", "position") == nil, "there is no text to hold a position in")
    }

    @Test("--note - reads the note from standard input")
    func noteFromStdin() throws {
        let cli = try essayLibrary()
        let id = try cli.create(
            ["annotate", "essay", "--quote", "lazy dog", "--note", "-"], stdin: "a note from stdin\nwith a second line\n")
        let shown = try cli.jsonObject(["show", id, "--json"])
        #expect(string(shown, "note") == "a note from stdin\nwith a second line")
    }

    @Test("--tag repeats, --private keeps it private, --reply-to takes an abbreviated id")
    func tagsPrivateReply() throws {
        let cli = try essayLibrary()
        let first = try cli.create(["annotate", "essay", "--quote", "lazy dog", "--tag", "animals", "--tag", "idle", "--private"])
        let firstJSON = try cli.jsonObject(["show", first, "--json"])
        #expect(Set(strings(firstJSON, "tags") ?? []) == ["animals", "idle"])
        #expect(string(firstJSON, "visibility") == "private")

        let reply = try cli.create(["annotate", "essay", "--quote", "quick", "--reply-to", String(first.prefix(8)), "--note", "I disagree"])
        let replyJSON = try cli.jsonObject(["show", reply, "--json"])
        #expect(string(replyJSON, "replyTo") == first, "--reply-to stores the full id of the annotation answered")
        #expect(string(replyJSON, "visibility") == "shared")
        #expect(string(replyJSON, "note") == "I disagree")
    }

    @Test("--reply-to an unknown id is refused and changes nothing")
    func replyToUnknown() throws {
        let cli = try essayLibrary()
        let hash = try cli.stateHash()
        cli.expectCleanError(cli.run(["annotate", "essay", "--quote", "quick", "--reply-to", "ffffffffffff"]))
        #expect(try cli.stateHash() == hash)
    }

    @Test("the document may be named by a unique prefix of its id or by its exact title")
    func documentReferences() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let file = try cli.write("essay.md", "# A Room of One's Own\n\nA woman must have money and a room of her own.\n")
        let doc = try cli.create(["doc", "add", file])
        let byPrefix = try cli.create(["annotate", String(doc.prefix(8)), "--quote", "money"])
        let byTitle = try cli.create(["annotate", "A Room of One's Own", "--quote", "a room of her own"])
        #expect(string(try cli.jsonObject(["show", byPrefix, "--json"]), "target", "document") == doc)
        #expect(string(try cli.jsonObject(["show", byTitle, "--json"]), "target", "document") == doc)
    }
}
