import Foundation

/// The `html` export: one self-contained page (inline CSS and a little
/// inline JavaScript, no external asset, so it works offline and can be
/// mailed as it is).
///
/// Each document's current text is shown with its highlights, each reader
/// in a colour of their own, and every annotation as a card beside the
/// paragraph where its passage starts. Where the passages stand comes from
/// ``Annotation/anchor`` (the same placing `show --json` and `doc show`
/// use). Annotations with only a page, and those on paper books, follow
/// their document; orphans (not found in the current edition) are listed at
/// the end. A filter by reader and by tag hides the others. Every piece of
/// text is escaped.
enum HTMLExport {
    static func render(_ contents: ExportContents) -> String {
        let readerIDs = Array(Set(contents.annotations.map(\.createdBy))).sorted {
            (contents.readerName($0), $0) < (contents.readerName($1), $1)
        }
        let classOf = Dictionary(uniqueKeysWithValues: readerIDs.enumerated().map { ($1, "r\($0)") })
        let tags = Array(Set(contents.annotations.flatMap(\.tags))).sorted()

        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="Marginalia">
            <title>\(escape(contents.title))</title>
            <style>
            \(style)
            """
        for (index, _) in readerIDs.enumerated() {
            let hue = (index * 137 + 50) % 360
            out += ".r\(index) { --c: hsla(\(hue), 90%, 62%, 0.45); --b: hsl(\(hue), 70%, 40%); }\n"
        }
        out += "</style>\n</head>\n<body>\n<header>\n<h1>\(escape(contents.title))</h1>\n"
        out += "<form id=\"filters\" onsubmit=\"return false\">\n<label>Reader <select id=\"reader\"><option value=\"\">all readers</option>"
        for id in readerIDs {
            out += "<option value=\"\(classOf[id]!)\">\(escape(contents.readerName(id)))</option>"
        }
        out += "</select></label>\n<label>Tag <select id=\"tag\"><option value=\"\">all tags</option>"
        for tag in tags { out += "<option value=\"\(escape(tag))\">\(escape(tag))</option>" }
        out += "</select></label>\n</form>\n<ul class=\"legend\">"
        for id in readerIDs {
            out += "<li><span class=\"swatch \(classOf[id]!)\"></span>\(escape(contents.readerName(id)))</li>"
        }
        out += "</ul>\n<p class=\"count\" id=\"shown\">\(contents.annotations.count) annotation\(contents.annotations.count == 1 ? "" : "s") on \(contents.documents.count) document\(contents.documents.count == 1 ? "" : "s")</p>\n</header>\n<main>\n"

        var orphans: [(Document, Annotation)] = []
        for (document, annotations) in contents.documents {
            out += "<section class=\"document\" id=\"doc-\(escape(document.id))\">\n"
            out += "<h2>\(escape(document.title.isEmpty ? document.id : document.title))</h2>\n"
            var byline = document.authors.joined(separator: ", ")
            if let url = document.url { byline += (byline.isEmpty ? "" : " · ") + url }
            if !byline.isEmpty { out += "<p class=\"byline\">\(escape(byline))</p>\n" }
            let placed = annotations.filter { $0.anchor?.position != nil }
            orphans += annotations.filter { $0.anchor?.status == .orphan }.map { (document, $0) }
            let unplaced = annotations.filter { $0.anchor == nil }
            if let hash = document.currentText, let text = contents.texts[hash] {
                out += body(text, placed, classOf: classOf, contents: contents)
            }
            if !unplaced.isEmpty {
                out += "<h3>Pages and whole-document notes</h3>\n<div class=\"cards\">\n"
                for annotation in unplaced { out += card(annotation, classOf: classOf, contents: contents, quote: true) }
                out += "</div>\n"
            }
            out += "</section>\n"
        }
        if !orphans.isEmpty {
            out += "<section id=\"orphans\">\n<h2>Orphans</h2>\n"
            out += "<p>Passages not found in their document's current edition, kept with their quote and note.</p>\n<div class=\"cards\">\n"
            for (document, annotation) in orphans {
                out += card(annotation, classOf: classOf, contents: contents, quote: true, document: document.title)
            }
            out += "</div>\n</section>\n"
        }
        out += "</main>\n<script>\n\(script)</script>\n</body>\n</html>\n"
        return out
    }

    /// The text, one row per line: the line with its highlights, and the
    /// cards of the passages that start in it beside it.
    static func body(_ text: String, _ annotations: [Annotation], classOf: [String: String], contents: ExportContents)
        -> String
    {
        // The text is walked by index, a line at a time, and cut by its
        // scalars (not characters: a highlight may start at a combining mark).
        let scalars = text.unicodeScalars
        let count = scalars.count
        // Sorted by start, so one sweep over the lines finds each line's passages.
        let spans = annotations.compactMap { a in a.anchor?.position.map { (a, min($0.start, count), min($0.end, count)) } }
            .enumerated().sorted { ($0.element.1, $0.offset) < ($1.element.1, $1.offset) }.map(\.element)
        var out = "<div class=\"text\">\n"
        var lineStart = 0
        var lineStartIndex = scalars.startIndex
        var nextSpan = 0
        var nextStarting = 0
        var active: [(Annotation, Int, Int)] = []
        while lineStart <= count {
            var lineEnd = lineStart
            var lineEndIndex = lineStartIndex
            while lineEndIndex < scalars.endIndex && scalars[lineEndIndex] != "\n" {
                scalars.formIndex(after: &lineEndIndex)
                lineEnd += 1
            }
            // A passage belongs to the line holding its first code point (a line's "\n" included).
            var starting: [(Annotation, Int, Int)] = []
            while nextStarting < spans.count && (spans[nextStarting].1 <= lineEnd) {
                starting.append(spans[nextStarting])
                nextStarting += 1
            }
            active.removeAll { $0.2 <= lineStart }
            while nextSpan < spans.count && spans[nextSpan].1 < lineEnd {
                if spans[nextSpan].2 > lineStart { active.append(spans[nextSpan]) }
                nextSpan += 1
            }
            let overlapping = active.filter { $0.1 < lineEnd && $0.2 > lineStart }
            if lineEnd > lineStart || !starting.isEmpty {
                out += "<div class=\"row\"><p class=\"line\">"
                var cuts = Set([lineStart, lineEnd])
                for span in overlapping {
                    cuts.insert(max(span.1, lineStart))
                    cuts.insert(min(span.2, lineEnd))
                }
                let sorted = cuts.sorted()
                var places: [String.UnicodeScalarView.Index] = []
                var place = lineStartIndex
                var offset = lineStart
                for cut in sorted {
                    while offset < cut {
                        scalars.formIndex(after: &place)
                        offset += 1
                    }
                    places.append(place)
                }
                for (k, (a, b)) in zip(sorted, sorted.dropFirst()).enumerated() where b > a {
                    let piece = escape(Substring(scalars[places[k]..<places[k + 1]]))
                    let covering = overlapping.filter { $0.1 < b && $0.2 > a }
                    if covering.isEmpty {
                        out += piece
                    } else {
                        let ids = covering.map(\.0.id)
                        let readers = covering.map { classOf[$0.0.createdBy] ?? "r0" }
                        out += "<mark class=\"\(readers[0])\" data-ids=\"\(escape(ids.joined(separator: " ")))\" "
                            + "data-readers=\"\(readers.joined(separator: " "))\">\(piece)</mark>"
                    }
                }
                out += "</p><aside class=\"cards\">"
                for span in starting { out += card(span.0, classOf: classOf, contents: contents, quote: false) }
                out += "</aside></div>\n"
            }
            lineStart = lineEnd + 1
            lineStartIndex = lineEndIndex < scalars.endIndex ? scalars.index(after: lineEndIndex) : lineEndIndex
        }
        return out + "</div>\n"
    }

    static func card(
        _ annotation: Annotation, classOf: [String: String], contents: ExportContents, quote: Bool, document: String? = nil
    ) -> String {
        let reader = classOf[annotation.createdBy] ?? "r0"
        var out = "<div class=\"card \(reader)\" id=\"a-\(escape(annotation.id))\" data-id=\"\(escape(annotation.id))\" "
            + "data-reader=\"\(reader)\" data-tags=\"\(escape(annotation.tags.sorted().joined(separator: ",")))\">"
        if let document { out += "<div class=\"doc\">\(escape(document))</div>" }
        if quote, let exact = annotation.quoteExact { out += "<blockquote>\(escape(exact))</blockquote>" }
        if let note = annotation.body, !note.isEmpty { out += "<div class=\"note\">\(escape(note))</div>" }
        var meta = [contents.readerName(annotation.createdBy), annotation.createdHlc.day]
        if let page = annotation.page { meta.append(page) }
        if annotation.visibility == .private { meta.append("private") }
        out += "<div class=\"meta\">\(escape(meta.joined(separator: " · ")))"
        for tag in annotation.tags.sorted() { out += " <span class=\"tag\">#\(escape(tag))</span>" }
        return out + "</div></div>"
    }

    /// Escapes text for HTML content and attribute values alike.
    static func escape(_ text: some StringProtocol) -> String {
        // The five are ASCII, so no byte of theirs is inside another scalar's
        // UTF-8: the text between them is copied a run at a time.
        let utf8 = text.utf8
        var out = ""
        out.reserveCapacity(utf8.count)
        var runStart = utf8.startIndex
        var index = runStart
        while index < utf8.endIndex {
            let entity: String
            switch utf8[index] {
            case UInt8(ascii: "&"): entity = "&amp;"
            case UInt8(ascii: "<"): entity = "&lt;"
            case UInt8(ascii: ">"): entity = "&gt;"
            case UInt8(ascii: "\""): entity = "&quot;"
            case UInt8(ascii: "'"): entity = "&#39;"
            default:
                index = utf8.index(after: index)
                continue
            }
            out += String(decoding: utf8[runStart..<index], as: UTF8.self)
            out += entity
            index = utf8.index(after: index)
            runStart = index
        }
        out += String(decoding: utf8[runStart..<index], as: UTF8.self)
        return out
    }

    static let style = """
        body { font: 17px/1.55 Georgia, 'Times New Roman', serif; margin: 0; color: #222; background: #fdfcf8; }
        header, main { max-width: 70rem; margin: 0 auto; padding: 0 1.5rem; }
        header { border-bottom: 1px solid #ddd; padding-bottom: .8rem; }
        h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; } h3 { font-size: 1.05rem; margin-top: 1.5rem; }
        form label { margin-right: 1.2rem; font-family: sans-serif; font-size: .9rem; }
        .legend { list-style: none; padding: 0; font-family: sans-serif; font-size: .85rem; }
        .legend li { display: inline-block; margin-right: 1rem; }
        .swatch { display: inline-block; width: .9rem; height: .9rem; background: var(--c); border: 1px solid var(--b); vertical-align: middle; margin-right: .3rem; }
        .count, .byline { color: #666; font-size: .9rem; font-family: sans-serif; }
        .row { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.5rem; }
        .line { margin: .2rem 0 .6rem; white-space: pre-wrap; }
        mark { background: var(--c); border-bottom: 2px solid var(--b); color: inherit; }
        mark.off { background: none; border-bottom: none; }
        .cards { font-family: sans-serif; font-size: .85rem; }
        .card { border-left: 4px solid var(--b); background: #fff; padding: .35rem .6rem; margin: .3rem 0; }
        .card.off { display: none; }
        .card blockquote { margin: 0 0 .3rem; font-family: Georgia, serif; font-style: italic; }
        .note { white-space: pre-wrap; }
        .meta, .doc { color: #777; font-size: .8rem; }
        .tag { color: #555; }
        @media (max-width: 45rem) { .row { grid-template-columns: 1fr; } }
        @media print { form { display: none; } }

        """

    /// Hides the cards and highlights the filters leave out, says how many
    /// are shown, and keeps the filters in the address (`#reader=Bo&tag=light`,
    /// by name or value), so a filtered view can be bookmarked or sent.
    static let script = """
        (function () {
          var reader = document.getElementById('reader'), tag = document.getElementById('tag');
          var shown = document.getElementById('shown'), summary = shown.textContent;
          function choose(select, wanted) {
            for (var i = 0; i < select.options.length; i++) {
              if (select.options[i].value === wanted || select.options[i].text === wanted) { select.selectedIndex = i; return; }
            }
          }
          function apply() {
            var on = {}, total = 0, count = 0;
            document.querySelectorAll('.card').forEach(function (card) {
              var ok = (!reader.value || card.dataset.reader === reader.value) &&
                (!tag.value || (',' + card.dataset.tags + ',').indexOf(',' + tag.value + ',') >= 0);
              card.classList.toggle('off', !ok);
              total += 1;
              if (ok) { on[card.dataset.id] = true; count += 1; }
            });
            document.querySelectorAll('mark').forEach(function (mark) {
              var ids = mark.dataset.ids.split(' '), readers = mark.dataset.readers.split(' '), colour = 'off';
              for (var i = 0; i < ids.length; i++) { if (on[ids[i]]) { colour = readers[i]; break; } }
              mark.className = colour;
            });
            var filtered = reader.value || tag.value;
            shown.textContent = filtered ? count + ' of ' + total + ' annotation' + (total === 1 ? '' : 's') + ' shown' : summary;
          }
          function remember() {
            var parts = [];
            if (reader.value) parts.push('reader=' + encodeURIComponent(reader.options[reader.selectedIndex].text));
            if (tag.value) parts.push('tag=' + encodeURIComponent(tag.value));
            location.replace('#' + parts.join('&'));
          }
          location.hash.slice(1).split('&').forEach(function (pair) {
            var at = pair.indexOf('='), value = '';
            if (at < 0) return;
            try { value = decodeURIComponent(pair.slice(at + 1)); } catch (malformed) { return; }
            if (pair.slice(0, at) === 'reader') choose(reader, value);
            if (pair.slice(0, at) === 'tag') choose(tag, value);
          });
          reader.addEventListener('change', function () { apply(); remember(); });
          tag.addEventListener('change', function () { apply(); remember(); });
          apply();
        })();

        """
}
