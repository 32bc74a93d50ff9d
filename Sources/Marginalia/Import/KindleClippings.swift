import Foundation

/// Reads a Kindle's `My Clippings.txt`.
///
/// The file is UTF-8 (often with byte order marks), CRLF, records ending in
/// a `==========` line. A record is a header `Title (Author)`, a meta line
/// such as `- Your Highlight on page 12 | Location 180-181 | Added on Sunday,
/// 3 March 2024 14:05:11` (or `at location 180-181`, `on Location ...`, US
/// dates), a blank line, and the clipping.
///
/// * Highlights become annotations quoting the clipping, with the printed
///   page as their locator when the Kindle gives one, else the location.
/// * A highlight extended later appears once per version; only the longest
///   is kept (versions overlap in location and one contains the other).
/// * A note joins the highlight of the same book whose location range holds
///   the note's location (the one ending there first); a note with no such
///   highlight becomes a note on its page.
/// * Bookmarks, empty clippings and clipping-limit placeholders are skipped
///   (counted in the summary).
/// * `Added on` becomes the creation time (read as UTC: the file names no zone).
public enum KindleClippings {
    /// Reads a clippings file (a pure function, for fuzzing).
    public static func parse(_ data: Data) throws -> ParsedImport {
        guard let text = String(validating: data, as: UTF8.self) else {
            throw MarginaliaError.badImport(
                format: "kindle", location: "line 1", problem: "the file is not UTF-8 text")
        }
        return try parse(text)
    }

    /// Reads the text of a clippings file.
    public static func parse(_ text: String) throws -> ParsedImport {
        var clippings: [Clipping] = []
        var skipped: [ImportSkip] = []
        let dates = DateReader()
        for record in records(text) {
            switch try clipping(record, dates: dates) {
            case .clipping(let clipping): clippings.append(clipping)
            case .skipped(let skip): skipped.append(skip)
            }
        }
        var highlights: [Clipping] = []
        var notes: [Clipping] = []
        for clipping in clippings { if clipping.kind == .highlight { highlights.append(clipping) } else { notes.append(clipping) } }
        let (kept, superseded) = collapse(highlights)
        skipped += superseded
        var attached: [Int: [Clipping]] = [:]
        var pageNotes: [Clipping] = []
        for note in notes {
            if let index = highlight(for: note, in: kept) { attached[index, default: []].append(note) } else { pageNotes.append(note) }
        }
        var annotations: [(line: Int, annotation: ImportedAnnotation)] = []
        for (index, highlight) in kept.enumerated() {
            let notes = attached[index] ?? []
            let checks = ImportChecks(format: .kindle, location: "line \(highlight.line)")
            annotations.append(
                (
                    highlight.line,
                    ImportedAnnotation(
                        location: checks.location, sourceKey: highlight.key, document: highlight.document,
                        quote: try checks.quote(highlight.content), page: highlight.locator,
                        note: checks.note(notes.map(\.content).joined(separator: "\n\n")),
                        created: highlight.added)
                ))
        }
        for note in pageNotes {
            let checks = ImportChecks(format: .kindle, location: "line \(note.line)")
            annotations.append(
                (
                    note.line,
                    ImportedAnnotation(
                        location: checks.location, sourceKey: note.key, document: note.document, page: note.locator,
                        note: checks.note(note.content), created: note.added)
                ))
        }
        return ParsedImport(
            format: .kindle, annotations: annotations.sorted { $0.line < $1.line }.map(\.annotation), skipped: skipped)
    }

    enum Kind { case highlight, note }

    struct Clipping {
        var line: Int
        var kind: Kind
        var header: String
        var document: ImportedDocument
        var content: String
        var page: PageLocator?
        var location: PageLocator?
        var added: Date?

        /// The page when the Kindle gives one, else the location.
        var locator: PageLocator? { page ?? location }
        /// What identifies the clipping in the file (not its date: the same
        /// passage highlighted again is the same highlight).
        var key: String {
            ["kindle", header, kind == .note ? "note" : "highlight", locator?.description ?? "", content]
                .joined(separator: "\u{1F}")
        }
    }

    /// What a record holds: a clipping, or a reason to skip it.
    enum Reading {
        case clipping(Clipping)
        case skipped(ImportSkip)
    }

    /// A record: its lines, and the number of its first line in the file.
    struct Record {
        var line: Int
        var lines: [Substring]
    }

    /// Splits the file into records at `==========` lines, dropping byte
    /// order marks (a Kindle writes one before each title).
    static func records(_ text: String) -> [Record] {
        var records: [Record] = []
        var current = Record(line: 1, lines: [])
        var number = 0
        // CRLF is one Character in Swift, and a newline like LF and CR.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            var line = rawLine
            while line.first == "\u{FEFF}" { line = line.dropFirst() }
            if line.trimmingWhitespace(newlines: false) == "==========" {
                if current.lines.contains(where: { !$0.allSatisfy(\.isWhitespace) }) { records.append(current) }
                current = Record(line: number + 1, lines: [])
            } else {
                if current.lines.isEmpty && line.allSatisfy(\.isWhitespace) {
                    current.line = number + 1
                    continue
                }
                current.lines.append(line)
            }
        }
        if current.lines.contains(where: { !$0.allSatisfy(\.isWhitespace) }) { records.append(current) }
        return records
    }

    /// A record read as a clipping, or why it is skipped.
    static func clipping(_ record: Record, dates: DateReader) throws -> Reading {
        let location = "line \(record.line)"
        func fail(_ problem: String) -> MarginaliaError {
            .badImport(format: "kindle", location: location, problem: problem)
        }
        guard record.lines.count >= 2 else {
            throw fail("a clipping needs a title line and a line like '- Your Highlight on page 12 | Added on ...'")
        }
        let header = String(record.lines[0].trimmingWhitespace(newlines: false))
        let meta = String(record.lines[1].trimmingWhitespace(newlines: false))
        guard !header.isEmpty else { throw fail("the title line is empty") }
        guard meta.hasPrefix("- ") else {
            throw fail("expected a line like '- Your Highlight on page 12 | Added on ...' after the title, found '\(MarginaliaError.clip(meta))'")
        }
        let content = record.lines.dropFirst(2).joined(separator: "\n").trimmingWhitespace()
        let parts = meta.dropFirst(2).components(separatedBy: "|").map { $0.trimmingWhitespace(newlines: false) }
        let what = parts[0].lowercased()
        let kind: Kind
        if what.contains("bookmark") {
            return .skipped(ImportSkip(location: location, reason: "a bookmark"))
        } else if what.contains("highlight") {
            kind = .highlight
        } else if what.contains("note") {
            kind = .note
        } else {
            throw fail("'\(MarginaliaError.clip(parts[0]))' is not a highlight, note or bookmark (only English Kindle files are read)")
        }
        var page: PageLocator?
        var place: PageLocator?
        var added: Date?
        for part in parts {
            let lower = part.lowercased()
            if let range = lower.range(of: "added on ") {
                added = dates.date(String(part[range.upperBound...]))
            } else if let range = lower.range(of: "location ") ?? lower.range(of: "loc. ") {
                place = PageLocator(parsing: "Location " + lower[range.upperBound...])
                guard place != nil else { throw fail("'\(part)' names no location such as 'Location 180-181'") }
            } else if let range = lower.range(of: "page ") {
                let value = lower[range.upperBound...].prefix { !$0.isWhitespace }
                page = PageLocator(parsing: "p. " + value)
                guard page != nil else { throw fail("'\(part)' names no page such as 'page 12'") }
            }
        }
        if content.isEmpty {
            return .skipped(ImportSkip(location: location, reason: "an empty \(kind == .note ? "note" : "highlight")"))
        }
        if content.hasPrefix("<"), content.hasSuffix(">"), content.lowercased().contains("clipping limit") {
            return .skipped(ImportSkip(location: location, reason: "a clipping-limit placeholder"))
        }
        return .clipping(
            Clipping(
                line: record.line, kind: kind, header: header, document: document(header), content: content, page: page,
                location: place, added: added))
    }

    /// `Title (Author)`: the last parenthesized group at the end is the
    /// author (`Last, First`; several joined by `;`).
    static func document(_ header: String) -> ImportedDocument {
        guard header.hasSuffix(")"), let open = header.lastIndex(of: "("), open > header.startIndex else {
            return ImportedDocument(source: nil, title: header)
        }
        let title = String(header[..<open].trimmingWhitespace(newlines: false))
        let authors = header[header.index(after: open)..<header.index(before: header.endIndex)]
            .split(separator: ";").map { String($0.trimmingWhitespace(newlines: false)) }.filter { !$0.isEmpty }
        return title.isEmpty ? ImportedDocument(source: nil, title: header) : ImportedDocument(source: nil, title: title, authors: authors)
    }

    /// Reads `Added on` times: `Sunday, 3 March 2024 14:05:11` or `Sunday,
    /// March 3, 2024 2:05:11 PM`, as UTC. One reader serves a whole file (a
    /// formatter is costly to make).
    struct DateReader {
        private let formatter: DateFormatter
        private static let formats = [
            "EEEE, d MMMM yyyy HH:mm:ss", "EEEE, MMMM d, yyyy h:mm:ss a", "d MMMM yyyy HH:mm:ss", "MMMM d, yyyy h:mm:ss a",
        ]

        init() {
            formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
        }

        func date(_ text: String) -> Date? {
            let trimmed = text.trimmingWhitespace(newlines: false)
            for format in Self.formats {
                formatter.dateFormat = format
                if let date = formatter.date(from: trimmed) { return date }
            }
            return nil
        }
    }

    /// Keeps the longest version of each highlight: two highlights of a
    /// book are versions of one when their places overlap and one's text
    /// holds the other's.
    static func collapse(_ highlights: [Clipping]) -> (kept: [Clipping], superseded: [ImportSkip]) {
        var supersededBy: [Int: Int] = [:]
        let byBook = Dictionary(grouping: highlights.indices, by: { highlights[$0].header })
        for indices in byBook.values {
            for i in indices {
                for j in indices where i != j && supersededBy[j] == nil {
                    let a = highlights[i]
                    let b = highlights[j]
                    guard overlap(a, b) else { continue }
                    // b is a longer version of a (or the same, written later); a
                    // Kindle may end the shorter one with a stop the longer one continues past.
                    let longer = b.content.count > a.content.count || (b.content.count == a.content.count && j > i)
                    let core = a.content.trimmingCharacters(in: .punctuationCharacters.union(.whitespacesAndNewlines))
                    if longer && !core.isEmpty && b.content.contains(core) {
                        supersededBy[i] = j
                        break
                    }
                }
            }
        }
        func final(_ index: Int) -> Int {
            var index = index
            while let next = supersededBy[index] { index = next }
            return index
        }
        var kept: [Clipping] = []
        var superseded: [ImportSkip] = []
        var earliest: [Int: Date] = [:]
        for index in highlights.indices {
            if supersededBy[index] != nil, let added = highlights[index].added {
                let last = final(index)
                earliest[last] = min(earliest[last] ?? added, added)
            }
        }
        for (index, highlight) in highlights.enumerated() {
            if supersededBy[index] != nil {
                superseded.append(
                    ImportSkip(
                        location: "line \(highlight.line)",
                        reason: "an earlier version of the highlight at line \(highlights[final(index)].line)"))
            } else {
                var highlight = highlight
                // The highlight was made when its first version was.
                if let first = earliest[index] { highlight.added = min(highlight.added ?? first, first) }
                kept.append(highlight)
            }
        }
        return (kept, superseded)
    }

    /// Whether two clippings share a place: overlapping locations, else the same page.
    static func overlap(_ a: Clipping, _ b: Clipping) -> Bool {
        if let x = a.location, let y = b.location { return x.overlaps(y) }
        if let x = a.page, let y = b.page { return x.overlaps(y) }
        return false
    }

    /// The highlight a note belongs to: same book, its location inside the
    /// highlight's range; one ending at the note's location first.
    static func highlight(for note: Clipping, in highlights: [Clipping]) -> Int? {
        guard let place = note.location ?? note.page else { return nil }
        let candidates = highlights.indices.filter { index in
            let highlight = highlights[index]
            guard highlight.header == note.header,
                let range = note.location != nil ? highlight.location : highlight.page
            else { return false }
            return range.start <= place.start && place.start <= range.end
        }
        return candidates.first { (note.location != nil ? highlights[$0].location : highlights[$0].page)?.end == place.start }
            ?? candidates.last
    }
}
