import Foundation

/// The `markdown` export: YAML front matter, then one section per document
/// with each passage as a block quote followed by its page, note, tags,
/// author and date. Readable as it is in a note app (Obsidian, Bear, iA Writer).
enum MarkdownExport {
    static func render(_ contents: ExportContents) -> String {
        var out = "---\n"
        out += "title: \(yaml(contents.title))\n"
        if let set = contents.set { out += "set: \(yaml(set.name))\n" }
        let request = contents.request
        if let document = request.document { out += "document: \(yaml(document))\n" }
        if let tag = request.tag { out += "tag: \(yaml(tag))\n" }
        if let author = request.author { out += "author: \(yaml(author))\n" }
        if let since = request.since { out += "since: \(yaml(Timestamps.iso8601(since)))\n" }
        out += "annotations: \(contents.annotations.count)\n"
        out += "documents:\n"
        for (document, _) in contents.documents { out += "  - \(yaml(document.title))\n" }
        if contents.documents.isEmpty { out.removeLast("documents:\n".count); out += "documents: []\n" }
        out += "generator: Marginalia\n---\n\n"
        out += "# \(inline(contents.title))\n"
        for (document, annotations) in contents.documents {
            out += "\n## \(inline(document.title.isEmpty ? document.id : document.title))\n\n"
            var byline: [String] = []
            if !document.authors.isEmpty { byline.append(inline(document.authors.joined(separator: ", "))) }
            if let url = document.url { byline.append("<\(url)>") }
            byline.append("`\(document.id)`")
            out += byline.joined(separator: " · ") + "\n"
            for annotation in annotations { out += "\n" + passage(annotation, contents: contents) }
        }
        return out
    }

    static func passage(_ annotation: Annotation, contents: ExportContents) -> String {
        var out = ""
        if let quote = annotation.quoteExact {
            out += quote.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? ">" : "> " + $0 }.joined(separator: "\n") + "\n"
        } else if let page = annotation.page {
            out += "> *(\(page))*\n"
        } else {
            out += "> *(the whole document)*\n"
        }
        out += "\n"
        var facts: [String] = []
        if let page = annotation.page { facts.append(page) }
        if annotation.anchor?.status == .orphan { facts.append("not found in the current edition") }
        facts.append(inline(contents.readerName(annotation.createdBy)))
        facts.append(annotation.createdHlc.day)
        if annotation.visibility == .private { facts.append("private") }
        facts.append("`\(annotation.id.prefix(8))`")
        if let note = annotation.body, !note.isEmpty {
            out += note.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).joined(separator: "  \n") + "\n\n"
        }
        if !annotation.tags.isEmpty {
            facts.append(annotation.tags.sorted().map { "#" + $0.replacingEvery(" ", with: "-") }.joined(separator: " "))
        }
        out += "— " + facts.joined(separator: " · ") + "\n"
        return out
    }

    /// A YAML double-quoted scalar.
    static func yaml(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(format: "\\x%02X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// One line of text, with the characters that would start Markdown markup escaped.
    static func inline(_ text: String) -> String {
        var out = ""
        for character in text.replacingEvery("\n", with: " ") {
            if "\\`*_[]<>#|".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
