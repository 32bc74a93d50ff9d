import ArgumentParser
import Foundation
import Marginalia

extension ExportFormat: ExpressibleByArgument {}

extension MarginaliaCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Export annotations as W3C JSON-LD, Markdown, CSV, Readwise CSV or one HTML page.",
            discussion: """
                Exports the annotations of a set (--set) or of the whole library, narrowed by the \
                filters given. Private annotations only with --include-private; deleted ones never. \
                The same library state always gives a byte-identical file, so exports diff well; \
                --since gives an incremental export (what was created or changed since then).

                Formats: jsonld (a W3C Web Annotation AnnotationCollection), markdown (grouped by \
                document, YAML front matter), csv (every field), readwise (Readwise's CSV import), \
                html (one self-contained page: the texts with each reader's highlights and notes, \
                a filter by reader and tag, orphans at the end).

                Examples:
                  marginalia export --format markdown -o notes.md
                  marginalia export --set thesis --format html -o thesis.html
                  marginalia export --doc middlemarch --format jsonld > middlemarch.jsonld
                  marginalia export --format readwise --since 2026-11-01 -o readwise.csv
                """)

        @OptionGroup var options: LibraryOptions

        @Option(help: ArgumentHelp("jsonld, markdown, csv, readwise or html.", valueName: "format"))
        var format: ExportFormat

        @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write to this file (default: standard output).", valueName: "file"))
        var output: String?

        @Option(name: .customLong("set"), help: "Only this set's annotations (name or id).")
        var set: String?

        @OptionGroup var filter: FilterOptions

        @Flag(help: "Include your private annotations.")
        var includePrivate = false

        func run() throws {
            let library = try options.open()
            let request = ExportRequest(
                format: format, set: set, document: filter.document, tag: filter.tag, author: filter.author,
                since: filter.sinceDate, includePrivate: includePrivate)
            if let output {
                try AtomicFile.write(to: output) { file in try library.export(request, to: file) }
                Terminal.info("wrote \(output)")
            } else {
                try library.export(request, to: Terminal.writeOutput)
            }
        }
    }
}
