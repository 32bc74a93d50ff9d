import ArgumentParser
import Foundation
import Marginalia

extension MarginaliaCommand {
    struct Doc: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "doc",
            abstract: "Add, list, show and update documents.",
            discussion: """
                Examples:
                  marginalia doc add essay.md --author "A. Reader" --id essay
                  marginalia doc add --no-text --title "Middlemarch" --author "George Eliot"
                  marginalia doc show essay
                """,
            subcommands: [Add.self, List.self, Show.self, Update.self])
    }
}

extension MarginaliaCommand.Doc {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a document from a text, Markdown, HTML, EPUB or PDF file, or a paper book with --no-text.",
            discussion: """
                Reads .txt, .md, .html/.xhtml (paragraphs kept, scripts and styles dropped), .epub \
                (chapters in reading order) and .pdf (through pdftotext, from Debian's poppler-utils). \
                The text is normalized (UTF-8, NFC, \\n line ends) and identified by its SHA-256, \
                so the same file gives the same text in every reader's library. Prints the new id.

                Examples:
                  marginalia doc add essay.md --author "Virginia Woolf" --url https://example.org/essay
                  marginalia doc add novel.epub --id novel
                  marginalia doc add --no-text --title "Middlemarch" --author "George Eliot" --isbn 9780141439549 --id middlemarch
                """)

        @OptionGroup var options: LibraryOptions

        @Argument(help: "A .txt, .md, .html, .xhtml, .epub or .pdf file.", completion: .file(extensions: DocumentFormat.extensions))
        var file: String?

        @Flag(help: "Add a work whose text you do not have (a paper book); annotate it by page.")
        var noText = false

        @Option(help: "The title (default: the page's or book's title, a Markdown file's first heading, or the file name).")
        var title: String?

        @Option(name: .customLong("author"), help: "An author; repeat for several.")
        var authors: [String] = []

        @Option(help: "The document's web address.")
        var url: String?

        @Option(help: "The book's ISBN.")
        var isbn: String?

        @Option(help: "The DOI.")
        var doi: String?

        @Option(name: .customLong("id"), help: "An id the group agrees on (a-z, 0-9, '.', '_', '-') instead of a random one.")
        var slug: String?

        @Flag(help: "Keep the document out of group folders.")
        var `private` = false

        func validate() throws {
            if noText && file != nil { throw ValidationError("give a FILE or --no-text, not both") }
            if !noText && file == nil { throw ValidationError("give a FILE to add, or --no-text --title T for a paper book") }
            if noText && (title ?? "").isEmpty { throw ValidationError("--no-text needs --title") }
        }

        func run() throws {
            let draft = DocumentDraft(
                title: title, authors: authors, url: url, isbn: isbn, doi: doi, slug: slug,
                visibility: self.private ? .private : .shared)
            let document = try options.writing { library in
                if let file { try library.addDocument(fileAt: file, draft) } else { try library.addDocument(withoutText: draft) }
            }
            Terminal.info("added \"\(document.title)\"")
            Terminal.print(document.id)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the documents in the library.",
            discussion: "Example: marginalia doc list --json")

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @Flag(help: "Include deleted documents.")
        var deleted = false

        func run() throws {
            let library = try options.open()
            let documents = try library.documents(includeDeleted: deleted)
            let counts = try library.annotationCounts()
            if output.json {
                let readers = try library.readerNames()
                Terminal.print(
                    JSONValue.array(documents.map { $0.jsonValue(readers: readers, annotationCount: counts[$0.id] ?? 0) })
                        .prettyJSON)
                return
            }
            if documents.isEmpty { Terminal.info("no documents yet; add one with `marginalia doc add FILE`") }
            let render = try Render(library: library)
            for document in documents { Terminal.print(render.documentLine(document, annotations: counts[document.id] ?? 0)) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a document: its details, and its text with the annotations marked.",
            discussion: """
                Highlights are coloured on a terminal and [bracketed] otherwise; each is numbered, \
                and its note follows the paragraph it marks. Annotations that could not be placed \
                in the current edition (orphans) are listed at the end.

                Example: marginalia doc show middlemarch
                """)

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The document: id, unique id prefix, slug or exact title.")
        var document: String

        func run() throws {
            let library = try options.open()
            let document = try library.document(self.document)
            let annotations = try library.items(ItemFilter(document: document.id, kind: .annotation)).compactMap(\.annotation)
            let text = try document.currentText.flatMap { try library.text(hash: $0) }
            let readers = try library.readerNames()
            if output.json {
                Terminal.print(document.jsonValue(readers: readers, content: text, annotations: annotations).prettyJSON)
                return
            }
            Terminal.print(Terminal.style(document.title, .bold))
            if !document.authors.isEmpty { Terminal.print(document.authors.joined(separator: ", ")) }
            for identifier in document.identifiers { Terminal.print(identifier) }
            Terminal.print(Terminal.style("id \(document.id)", .dim))
            Terminal.print()
            if let text {
                Render.markedText(text, annotations: annotations).forEach { Terminal.print($0) }
            } else {
                let render = try Render(library: library)
                Terminal.print("(a paper book: \(Render.counted(annotations.count, "annotation")))")
                for annotation in annotations { Terminal.print(render.line(.annotation(annotation))) }
            }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Add a new edition of a document's text and re-anchor its annotations into it.",
            discussion: """
                Every annotation is looked for in the new text by its quote: exactly (repeated \
                passages told apart by the text around them and their place), then approximately, \
                where line breaks, quotation marks and dashes do not count as changes. One that \
                cannot be placed with confidence becomes an orphan: kept with its quote and note, \
                shown by `marginalia list --orphans`, and placed by hand with `annotate --move`. \
                The results are recorded, so every replica shows the same anchors.

                Examples:
                  marginalia doc update essay essay-2nd-edition.md
                  marginalia doc update novel novel-revised.epub --dry-run --json
                """)

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The document: id, unique id prefix, slug or exact title.")
        var document: String

        @Argument(help: "The new edition: a .txt, .md, .html, .xhtml, .epub or .pdf file.", completion: .file(extensions: DocumentFormat.extensions))
        var file: String

        @Flag(help: "Report where the annotations would land, and change nothing.")
        var dryRun = false

        func run() throws {
            let library = try options.open()
            let report = try library.updateDocument(document, fileAt: file, dryRun: dryRun)
            if output.json {
                Terminal.print(report.jsonValue(readers: try library.readerNames()).prettyJSON)
                return
            }
            let verb = report.dryRun ? "would land" : "landed"
            Terminal.print(
                "\(Render.counted(report.results.count, "annotation")) \(verb): "
                    + "\(report.count(.exact)) exactly, \(report.count(.fuzzy)) approximately, \(report.count(.orphan)) not at all (orphans)")
            for result in report.results where result.anchor.status != .exact {
                let quote = Render.oneLine(result.annotation.quoteExact ?? "", limit: 60)
                Terminal.print("  \(Terminal.style(Render.shortID(result.annotation.id), .accent))  \(Render.column(result.anchor.status.rawValue, width: 6))  \"\(quote)\"")
            }
            if report.dryRun {
                Terminal.info("dry run: nothing was changed")
            } else if report.count(.orphan) > 0 {
                Terminal.info("`marginalia list --orphans --doc \(Render.shortID(report.document.id))` lists the orphans; `marginalia annotate --move ID --quote TEXT` places one")
            }
        }
    }
}
