import ArgumentParser
import Foundation
import Marginalia

extension ImportFormat: ExpressibleByArgument {}

extension MarginaliaCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import annotations from W3C JSON-LD, a Kindle's My Clippings.txt or Hypothesis JSON.",
            discussion: """
                All of the file, or nothing: the file is read and checked first, then written in \
                one transaction, and a malformed record stops the import with its line or record \
                named. Importing the same file again adds nothing (ids derive from the source).

                Documents: --doc puts every annotation on that document. Otherwise a source's \
                document is found by its IRI (a Marginalia id, or a URL, ISBN or DOI the library \
                knows) or, for Kindle, its title and author; else a document without text is \
                created for it (a paper book). Kindle bookmarks, clipping-limit placeholders and \
                earlier versions of an extended highlight are skipped and counted.

                Without --format, the format is guessed from the content when that is clear.

                Examples:
                  marginalia import "My Clippings.txt" --format kindle
                  marginalia export --format jsonld | marginalia import - --format jsonld --library other.sqlite
                  marginalia import hypothesis.json --format hypothesis --doc essay --json
                """)

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: ArgumentHelp("The file to import, or - for standard input.", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp("jsonld, kindle or hypothesis (guessed from the content when absent).", valueName: "format"))
        var format: ImportFormat?

        @Option(name: .customLong("doc"), help: "Put every annotation on this document (id, slug or title).")
        var document: String?

        @Flag(help: "Import the annotations (and documents created) as private.")
        var `private` = false

        func run() throws {
            let data = try readInput(file)
            guard let format = format ?? ImportFormat.guess(data, fileName: file) else {
                throw ValidationError("cannot tell the format of \(file); give --format jsonld, kindle or hypothesis")
            }
            let parsed = try format.parse(data)
            // Shown only on a terminal, and only for large files (the first report comes at 1,000).
            let progress = Terminal.progress("importing")
            defer { progress.done() }
            let summary = try options.writing { library in
                try library.importAnnotations(
                    parsed, into: document, visibility: `private` ? .private : nil, progress: progress.update)
            }
            if output.json {
                Terminal.print(summary.jsonValue.prettyJSON)
                return
            }
            Terminal.print(
                "\(summary.added.count) added, \(summary.unchanged) unchanged, \(summary.skipped.count) skipped"
                    + (summary.documentsCreated.isEmpty ? "" : ", \(Render.counted(summary.documentsCreated.count, "document")) created"))
            for document in summary.documentsCreated { Terminal.print("  created \(document.id.prefix(8))  \(document.title)") }
            for skip in summary.skipped { Terminal.print("  skipped \(skip.location): \(skip.reason)") }
        }
    }
}
