import Foundation
import Marginalia

/// Text forms of the library's items, shared by the commands and the demo.
struct Render {
    let readers: [String: String]
    let documentTitles: [String: String]

    init(library: Library) throws {
        readers = try library.readerNames()
        documentTitles = Dictionary(
            try library.documents(includeDeleted: true).map { ($0.id, $0.title) }, uniquingKeysWith: { a, _ in a })
    }

    static func shortID(_ id: String) -> String { String(id.prefix(8)) }

    /// An error about one of several files or remotes, named once: errors
    /// that give a path already name it.
    static func naming(_ subject: String, _ error: MarginaliaError) -> String {
        let message = error.description
        return message.contains(subject) ? message : "\(subject): \(message)"
    }

    /// One search hit: short id, kind, and the snippet of the field that matched.
    static func searchHitLine(_ hit: SearchHit) -> String {
        "\(Terminal.style(shortID(hit.id), .accent))  \(column(hit.kind.rawValue, width: 10))  "
            + "\(hit.field): \(oneLine(hit.snippet, limit: 200))"
    }

    /// What one sync did, on one line: "club: pushed 3, pulled 1, applied 1, 1 conflict open".
    static func syncLine(_ report: SyncReport, name: String? = nil) -> String {
        var parts = ["pushed \(report.pushed)", "pulled \(report.pulled)", "applied \(report.applied)"]
        if !report.skipped.isEmpty { parts.append("skipped \(counted(report.skipped.count, "file"))") }
        if report.conflicts > 0 { parts.append("\(counted(report.conflicts, "conflict")) open") }
        return "\(name ?? report.remote): " + parts.joined(separator: ", ")
    }

    /// An item in conflict: each concurrent version, numbered as `resolve --keep` takes them,
    /// and the edits made while it was deleted.
    static func conflictLines(_ conflict: Conflict) -> [String] {
        var lines = [Terminal.style("\(conflict.kind.rawValue) \(conflict.id)", .bold)]
        for (index, head) in conflict.heads.enumerated() {
            lines.append("  [\(index + 1)] \(head.revision)  \(head.authorName)  \(date(head.time))")
            lines += head.value.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }
        }
        if !conflict.editsConcurrentWithDelete.isEmpty {
            lines.append("  deleted, while these edits were made elsewhere:")
            lines += conflict.editsConcurrentWithDelete.map { "    " + historyLine($0) }
        }
        return lines
    }

    /// A count with its noun, plural unless the count is one: "1 note", "3 notes".
    static func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

    /// `text` padded with spaces, or cut, to `width` characters: one column
    /// of aligned output.
    static func column(_ text: String, width: Int) -> String {
        let count = text.count
        return count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - count)
    }

    static func oneLine(_ text: String, limit: Int = 60) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }

    static func date(_ hlc: HLCTimestamp) -> String {
        String(hlc.description.prefix(16).map { $0 == "T" ? " " : $0 })
    }

    func author(_ id: String) -> String { readers[id] ?? Self.shortID(id) }

    /// One line of `list`.
    func line(_ item: Item) -> String {
        var parts = [Terminal.style(Self.shortID(item.id), .accent)]
        switch item {
        case .annotation(let a):
            parts.append("annotation")
            parts.append(Terminal.style(Self.oneLine(documentTitles[a.documentId] ?? a.documentId, limit: 24), .dim))
            if let page = a.page { parts.append(page) }
            if let quote = a.quoteExact { parts.append("\"" + Self.oneLine(quote, limit: 50) + "\"") }
            if let status = a.anchor?.status, status != .exact { parts.append(Terminal.style("(\(status.rawValue))", .warning)) }
            if let body = a.body { parts.append("— " + Self.oneLine(body, limit: 50)) }
            parts += a.tags.map { "#" + $0 }
            if a.visibility == .private { parts.append("(private)") }
            if a.deleted { parts.append(Terminal.style("(deleted)", .warning)) }
        case .note(let n):
            parts.append("note      ")
            if let title = n.title { parts.append(Terminal.style(title, .bold)) }
            parts.append(Self.oneLine(n.body, limit: 60))
            parts += n.tags.map { "#" + $0 }
            if n.visibility == .shared { parts.append("(shared)") }
            if n.deleted { parts.append(Terminal.style("(deleted)", .warning)) }
        }
        if item.isInConflict { parts.append(Terminal.style("(conflict)", .warning)) }
        return parts.joined(separator: "  ")
    }

    /// The full text form of `show`.
    func details(_ item: Item) -> [String] {
        var lines: [String] = []
        func field(_ name: String, _ value: String?) {
            if let value, !value.isEmpty { lines.append(Terminal.style(Self.column(name, width: 11), .dim) + value) }
        }
        switch item {
        case .annotation(let a):
            field("annotation", a.id)
            field("document", "\(documentTitles[a.documentId] ?? "?") (\(Self.shortID(a.documentId)))")
            if let anchor = a.anchor {
                let place = anchor.position.map { "\($0.start):\($0.end) in the current text, " } ?? ""
                field("anchor", "\(place)\(anchor.status.rawValue) (score \(anchor.score)/1000)")
            }
            if let start = a.positionStart, let end = a.positionEnd { field("made at", "\(start):\(end) of text \((a.textHash ?? "").prefix(12))") }
            field("page", a.page)
            if let quote = a.quoteExact {
                let context = (a.quotePrefix ?? "") + Terminal.style(quote, .highlight) + (a.quoteSuffix ?? "")
                field("quote", "\"" + quote + "\"")
                field("in context", "…" + Self.oneLine(context, limit: 400) + "…")
            }
            field("note", a.body)
            field("tags", a.tags.joined(separator: ", "))
            field("motivation", a.motivation.rawValue)
            field("colour", a.color)
            field("visibility", a.visibility.rawValue)
            field("reply to", a.replyTo)
            field("author", author(a.createdBy))
            field("created", a.createdHlc.description)
            field("updated", a.updatedHlc.description)
            if a.deleted { field("deleted", "yes (`marginalia restore \(Self.shortID(a.id))` brings it back)") }
            if a.inConflict { field("conflict", Self.conflictSummary(heads: a.bodyHeads, id: a.id)) }
        case .note(let n):
            field("note", n.id)
            field("title", n.title)
            if let doc = n.documentId { field("document", "\(documentTitles[doc] ?? "?") (\(Self.shortID(doc)))") }
            field("tags", n.tags.joined(separator: ", "))
            field("visibility", n.visibility.rawValue)
            field("author", author(n.createdBy))
            field("created", n.createdHlc.description)
            field("updated", n.updatedHlc.description)
            if n.deleted { field("deleted", "yes (`marginalia restore \(Self.shortID(n.id))` brings it back)") }
            if n.inConflict { field("conflict", Self.conflictSummary(heads: n.bodyHeads, id: n.id)) }
            lines.append("")
            lines.append(n.body)
        }
        return lines
    }

    static func conflictSummary(heads: Int, id: String) -> String {
        (heads > 1 ? "\(heads) concurrent versions of the note" : "edited elsewhere while it was deleted here")
            + "; `marginalia conflicts` shows them, `marginalia resolve \(shortID(id))` settles it"
    }

    /// One line of `history`.
    /// Every line of `history`: text revisions are labelled r1, r2, ... with
    /// the revisions they replace, so concurrent edits show as branches
    /// (two revisions replacing the same one) and open heads are marked.
    static func historyLines(_ entries: [HistoryEntry]) -> [String] {
        var labels: [OperationID: String] = [:]
        for entry in entries {
            switch entry.operation.change {
            case .create(_, let texts, _) where !texts.isEmpty: labels[entry.operation.id] = "r\(labels.count + 1)"
            case .write: labels[entry.operation.id] = "r\(labels.count + 1)"
            default: break
            }
        }
        let heads = entries.filter(\.isHead).map(\.operation.id)
        return entries.map { entry in
            var line = historyLine(entry)
            guard let label = labels[entry.operation.id] else { return line }
            var graph = label
            if case .write(_, _, let replaces) = entry.operation.change, !replaces.isEmpty {
                graph += " ← " + replaces.map { labels[$0] ?? $0.description }.joined(separator: "+")
            }
            if heads.count > 1, let index = heads.firstIndex(of: entry.operation.id) {
                line += Terminal.style("  ⑂ head \(index + 1) of \(heads.count)", .warning)
            }
            return graph + String(repeating: " ", count: max(2, 12 - graph.count)) + line
        }
    }

    static func historyLine(_ entry: HistoryEntry) -> String {
        let summary: String
        switch entry.operation.change {
        case .create(let registers, let texts, let sets):
            var parts = ["created"]
            if let title = registers["title"]?.stringValue { parts.append("\"\(oneLine(title, limit: 40))\"") }
            if let body = texts["body"] { parts.append("with note \"\(oneLine(body, limit: 50))\"") }
            if let tags = sets["tags"], !tags.isEmpty {
                parts.append("tags " + tags.compactMap(\.stringValue).joined(separator: ", "))
            }
            summary = parts.joined(separator: " ")
        case .set(let field, let value):
            switch (field, value) {
            case ("deleted", .bool(true)): summary = "deleted"
            case ("deleted", .bool(false)): summary = "restored"
            case (_, _) where field.hasPrefix("anchor:"):
                let place = value["start"]?.intValue.map { start in " at \(start):\(value["end"]?.intValue ?? start)" } ?? ""
                summary = "re-anchored in text \(field.dropFirst("anchor:".count).prefix(8)): \(value["status"]?.stringValue ?? "?")\(place)"
            default: summary = "set \(field) to \(oneLine(value.stringValue ?? value.canonicalJSON, limit: 50))"
            }
        case .write(let field, let value, _):
            summary = "edited \(field == "body" ? "note" : field): \"\(oneLine(value, limit: 60))\""
        case .add(let field, let elements):
            summary = "added \(field == "tags" ? "tag" : field) " + elements.map { $0.stringValue ?? $0.canonicalJSON }.joined(separator: ", ")
        case .remove(let field, let elements, _):
            summary = "removed \(field == "tags" ? "tag" : field) " + elements.map { $0.stringValue ?? $0.canonicalJSON }.joined(separator: ", ")
        case .delete:
            summary = "deleted"
        }
        let head = entry.isHead ? Terminal.style(" (current)", .dim) : ""
        return "\(date(entry.operation.hlc))  \(entry.readerName)  \(summary)\(head)"
    }

    func documentLine(_ document: Document, annotations: Int) -> String {
        var parts = [Terminal.style(Self.shortID(document.id), .accent), Terminal.style(document.title, .bold)]
        if !document.authors.isEmpty { parts.append(document.authors.joined(separator: ", ")) }
        parts.append(document.currentText == nil ? "(no text)" : "")
        parts.append("\(Self.counted(annotations, "annotation"))")
        if document.deleted { parts.append("(deleted)") }
        return parts.filter { !$0.isEmpty }.joined(separator: "  ")
    }

    /// The text with every live annotation placed in it marked and numbered;
    /// after each paragraph, the notes of the passages that end in it; at the
    /// end, the orphans (annotations not found in this edition).
    static func markedText(_ text: String, annotations: [Annotation]) -> [String] {
        let live = annotations.filter { !$0.deleted }
        let anchored = live.filter { $0.anchor?.position != nil }
            .sorted { ($0.anchor!.position!.start, $0.anchor!.position!.end) < ($1.anchor!.position!.start, $1.anchor!.position!.end) }
        var opens: [Int: [Int]] = [:]
        var closes: [Int: [Int]] = [:]
        for (index, annotation) in anchored.enumerated() {
            opens[annotation.anchor!.position!.start, default: []].append(index + 1)
            closes[annotation.anchor!.position!.end, default: []].append(index + 1)
        }
        var lines: [String] = []
        var paragraph = ""
        var notes: [Int] = []
        var depth = 0
        func mark(_ s: String) -> String { Terminal.colors ? "" : s }
        func endParagraph() {
            lines += paragraph.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(Substring($0)) }
            for number in notes { lines.append("    " + noteLine(number, anchored[number - 1])) }
            paragraph = ""
            notes = []
        }
        // The text goes into the paragraph a run at a time, between the places
        // where a mark opens or closes and the blank lines that end a paragraph:
        // a book of megabytes has only as many of those as it has annotations.
        let scalars = text.unicodeScalars
        let events = Set(opens.keys).union(closes.keys).sorted()
        var nextEvent = 0
        var index = scalars.startIndex
        var runStart = index
        var offset = 0
        while true {
            if nextEvent < events.count, events[nextEvent] == offset {
                nextEvent += 1
                paragraph += Substring(scalars[runStart..<index])
                runStart = index
                if let ending = closes[offset] {
                    for number in ending {
                        depth -= 1
                        paragraph += mark("]") + Terminal.style(superscript(number), .accent)
                        notes.append(number)
                    }
                    if Terminal.colors && depth == 0 { paragraph += "\u{1B}[0m" }
                }
                if let starting = opens[offset] {
                    for _ in starting {
                        depth += 1
                        paragraph += mark("[")
                    }
                    if Terminal.colors { paragraph += "\u{1B}[\(Terminal.Style.highlight.rawValue)m" }
                }
            }
            guard index < scalars.endIndex else { break }
            let next = scalars.index(after: index)
            // A blank line ends a paragraph (unless a highlight runs across it).
            if scalars[index] == "\n", depth == 0, !notes.isEmpty, next < scalars.endIndex, scalars[next] == "\n" {
                // The notes take the place of this line end; the next one leaves a blank line.
                paragraph += Substring(scalars[runStart..<index])
                endParagraph()
                runStart = next
            }
            index = next
            offset += 1
        }
        paragraph += Substring(scalars[runStart..<index])
        endParagraph()
        let orphans = live.filter { $0.anchor?.status == .orphan }
        if !orphans.isEmpty {
            lines.append("")
            lines.append(Terminal.style("Not found in this edition (orphans; `marginalia annotate --move ID --quote TEXT` places one):", .warning))
            for annotation in orphans {
                var line = "  \(shortID(annotation.id))  \"\(oneLine(annotation.quoteExact ?? "", limit: 70))\""
                if let body = annotation.body { line += "  — " + oneLine(body, limit: 60) }
                lines.append(line)
            }
        }
        return lines
    }

    private static func noteLine(_ number: Int, _ annotation: Annotation) -> String {
        var line = "\(superscript(number)) \(shortID(annotation.id))"
        if annotation.anchor?.status == .fuzzy { line += "  (approximate)" }
        if let page = annotation.page { line += "  \(page)" }
        if let body = annotation.body { line += "  " + body }
        if !annotation.tags.isEmpty { line += "  " + annotation.tags.map { "#" + $0 }.joined(separator: " ") }
        return line
    }

    static func superscript(_ number: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        return String(String(number).compactMap { $0.wholeNumberValue.map { digits[$0] } })
    }
}
