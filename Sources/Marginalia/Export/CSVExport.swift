import Foundation

/// The `csv` export (every field of every annotation) and the `readwise`
/// export (the columns of Readwise's CSV import). Both are RFC 4180: CRLF
/// line ends, a header row, and a field quoted when it holds a comma, a
/// double quote or a line end (a quote inside doubled).
enum CSVExport {
    static let columns = [
        "id", "document_id", "document_title", "document_authors", "document_url", "quote", "quote_prefix",
        "quote_suffix", "text_hash", "position_start", "position_end", "anchor_status", "anchor_start", "anchor_end",
        "page", "note", "tags", "motivation", "color", "visibility", "reply_to", "author_id", "author_name", "created",
        "modified", "conflict",
    ]

    static func render(_ contents: ExportContents) -> String {
        var out = row(columns)
        for (document, annotations) in contents.documents {
            for a in annotations {
                out += row([
                    a.id, document.id, document.title, document.authors.joined(separator: "; "), document.url ?? "",
                    a.quoteExact ?? "", a.quotePrefix ?? "", a.quoteSuffix ?? "", a.textHash ?? "",
                    a.positionStart.map(String.init) ?? "", a.positionEnd.map(String.init) ?? "",
                    a.anchor?.status.rawValue ?? "", a.anchor?.position.map { String($0.start) } ?? "",
                    a.anchor?.position.map { String($0.end) } ?? "", a.page ?? "", a.body ?? "",
                    a.tags.sorted().joined(separator: ", "), a.motivation.rawValue, a.color ?? "", a.visibility.rawValue,
                    a.replyTo ?? "", a.createdBy, contents.readerName(a.createdBy), a.createdHlc.description,
                    a.updatedHlc.description, a.inConflict ? "true" : "false",
                ])
            }
        }
        return out
    }

    /// Readwise's columns: Highlight (required), Title, Author, URL, Note,
    /// Location, Location Type, Date; tags go into the note as `.tag`, the
    /// way Readwise reads inline tags. An annotation with neither a quote
    /// nor a note (a bookmark) has no highlight and is left out.
    static let readwiseColumns = ["Highlight", "Title", "Author", "URL", "Note", "Location", "Location Type", "Date"]

    static func renderReadwise(_ contents: ExportContents) -> String {
        var out = row(readwiseColumns)
        for (document, annotations) in contents.documents {
            for (index, a) in annotations.enumerated() {
                let note = a.body.flatMap { $0.isEmpty ? nil : $0 }
                guard let highlight = a.quoteExact ?? note else { continue }
                let tags = a.tags.sorted().map { "." + $0.replacingEvery(" ", with: "_") }.joined(separator: " ")
                let noteColumn = [a.quoteExact == nil ? nil : note, tags.isEmpty ? nil : tags].compactMap { $0 }
                    .joined(separator: "\n")
                let page = a.page.flatMap(PageLocator.init(parsing:))
                let location: (String, String) =
                    switch page?.kind {
                    case .arabic?: (String(page!.start), "page")
                    case .location?: (String(page!.start), "location")
                    default: (String(index + 1), "order")
                    }
                out += row([
                    highlight, document.title, document.authors.joined(separator: ", "), document.url ?? "", noteColumn,
                    location.0, location.1, a.createdHlc.isoSeconds,
                ])
            }
        }
        return out
    }

    static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    static func field(_ value: String) -> String {
        // Bytes, not characters: a CR LF pair holds a CR, and no grapheme breaking is needed.
        guard value.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) else {
            return value
        }
        return "\"" + value.replacingEvery("\"", with: "\"\"") + "\""
    }
}
