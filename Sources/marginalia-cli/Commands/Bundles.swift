import ArgumentParser
import Foundation
import Marginalia

extension MarginaliaCommand {
    struct BundleCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bundle",
            abstract: "Move operations between libraries as single signed files (mail, a USB stick).",
            discussion: """
                Example, from one machine to another:
                  marginalia bundle acks -o theirs.json          # on the receiving library
                  marginalia bundle export --acks theirs.json -o mine.bundle
                  marginalia bundle import mine.bundle           # on the receiving library
                """,
            subcommands: [Export.self, Import.self, Acks.self])
    }
}

extension MarginaliaCommand.BundleCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write this library's own operations, signed, to a bundle file.",
            discussion: """
                Without --since or --acks, every operation this library wrote goes in, private \
                items included: that is for your own machines. For anyone else, add --group: only \
                shared items go in, as a group channel carries them. Texts of the documents added \
                go with them.

                Examples:
                  marginalia bundle export -o ada.bundle
                  marginalia bundle export --group -o for-the-club.bundle
                  marginalia bundle export --acks theirs.json -o update.bundle
                """)

        @OptionGroup var options: LibraryOptions

        @Option(name: .short, help: ArgumentHelp("The bundle file (default: standard output).", valueName: "file"))
        var output: String?

        @Option(help: "Only operations after this sequence number of this library.")
        var since: Int?

        @Option(help: ArgumentHelp("Only what the library that wrote this file (`bundle acks`) lacks.", valueName: "file"))
        var acks: String?

        @Flag(help: "Only shared items, for another reader or a group (private items stay out).")
        var group = false

        func validate() throws {
            if since != nil && acks != nil { throw ValidationError("give --since or --acks, not both") }
            if let since, since < 0 { throw ValidationError("--since takes a sequence number, 0 or more") }
        }

        func run() throws {
            let library = try options.open()
            let acknowledged = try acks.map { try Library.acknowledgements(fromFile: readInput($0), source: $0) }
            let (data, count) = try library.exportBundle(since: since, acknowledged: acknowledged, sharedOnly: group)
            if let output {
                try AtomicFile.write(data, to: output)
                Terminal.info("wrote \(Render.counted(count, "operation")) to \(output)")
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Verify bundle files and apply their operations.",
            discussion: """
                Each bundle is checked whole (format, digest, signature, authorship) and applied \
                in one transaction; a bundle that fails a check changes nothing. Importing a \
                bundle twice applies nothing the second time.

                Example: marginalia bundle import ada.bundle bo.bundle
                """)

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "Bundle files; - reads one from standard input.", completion: .file(extensions: ["bundle"]))
        var files: [String]

        func run() throws {
            var results: [JSONValue] = []
            var failures: [String] = []
            for file in files {
                let result: BundleImport
                do {
                    let data = try readInput(file)
                    let progress = Terminal.progress("applying \(file)")
                    defer { progress.done() }
                    result = try options.writing { try $0.importBundle(data, progress: progress.update) }
                } catch MarginaliaError.badBundle(let problem) {
                    // One bad file does not stop the others.
                    failures.append("\(file) was not imported: \(problem)")
                    continue
                } catch let error as MarginaliaError {
                    failures.append(Render.naming(file, error))
                    continue
                }
                results.append(result.jsonValue)
                if !output.json {
                    Terminal.print(
                        "\(file): \(result.applied) new of \(result.operations) operations from \(result.reader.name)"
                            + (result.conflicts > 0 ? ", \(Render.counted(result.conflicts, "conflict")) open" : ""))
                }
            }
            if output.json { Terminal.print(JSONValue.array(results).prettyJSON) }
            if let last = failures.popLast() {
                for failure in failures { Terminal.info("marginalia: error: \(failure)") }
                throw MarginaliaError.invalidInput(last)
            }
        }
    }

    struct Acks: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "acks",
            abstract: "Write what this library holds, so another can export only what is new to it.",
            discussion: "Example: marginalia bundle acks -o theirs.json")

        @OptionGroup var options: LibraryOptions

        @Option(name: .short, help: ArgumentHelp("The file (default: standard output).", valueName: "file"))
        var output: String?

        func run() throws {
            let file = try options.open().acknowledgementsFile()
            if let output {
                try AtomicFile.write(file, to: output)
            } else {
                FileHandle.standardOutput.write(file)
            }
        }
    }
}

extension MarginaliaCommand {
    struct Conflicts: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "conflicts",
            abstract: "List the items in conflict, with every concurrent version.",
            discussion: """
                Concurrent edits of one note that touch the same lines are kept side by side \
                until someone resolves them; edits made while another replica deleted the item \
                are listed too. `marginalia resolve` settles them.

                Example: marginalia conflicts --json
                """)

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let conflicts = try options.open().conflicts()
            if output.json {
                Terminal.print(JSONValue.array(conflicts.map(\.jsonValue)).prettyJSON)
                return
            }
            if conflicts.isEmpty { Terminal.info("no conflicts") }
            conflicts.flatMap(Render.conflictLines).forEach { Terminal.print($0) }
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resolve",
            abstract: "Settle a conflict: keep one version, write a new one, or decide on a delete.",
            discussion: """
                Examples:
                  marginalia resolve 3f2a --keep 2             # the second version listed by `conflicts`
                  marginalia resolve 3f2a --note "both, joined by hand"
                  marginalia resolve 3f2a --restore            # undelete, keeping the concurrent edits
                  marginalia resolve 3f2a --keep-deleted
                """)

        @OptionGroup var options: LibraryOptions

        @Argument(help: "The item in conflict: id or unique id prefix.")
        var id: String

        @Option(help: ArgumentHelp("Keep this version: its number or revision from `marginalia conflicts`.", valueName: "head"))
        var keep: String?

        @Option(help: "Replace the versions by this text; - reads it from standard input.")
        var note: String?

        @Flag(help: "Undelete an item that was edited while it was deleted elsewhere.")
        var restore = false

        @Flag(help: "Keep it deleted, having seen the edits.")
        var keepDeleted = false

        func validate() throws {
            let chosen = [keep != nil, note != nil, restore, keepDeleted].filter { $0 }.count
            if chosen != 1 { throw ValidationError("give exactly one of --keep HEAD, --note TEXT, --restore, --keep-deleted") }
        }

        func run() throws {
            let resolution: Resolution =
                if let keep { .keep(keep) } else if let note { .note(try readArgument(note)) } else if restore { .restore } else { .keepDeleted }
            try options.open().resolve(id, resolution)
            Terminal.info("resolved")
        }
    }
}
