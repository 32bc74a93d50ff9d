import ArgumentParser
import Foundation
import Marginalia

extension MarginaliaCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List annotations and notes.",
            discussion: """
                Newest first; with --doc, in the order of the document's current text, then by \
                page. --orphans lists the annotations that `doc update` could not place in the \
                current edition; --page keeps those whose page locator overlaps the one given.

                Examples:
                  marginalia list --doc middlemarch --tag dorothea
                  marginalia list --doc middlemarch --page "pp. 200-210"
                  marginalia list --orphans
                  marginalia list --since 2026-11-01 --type note --json
                """)

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @OptionGroup var filter: FilterOptions

        @Option(help: "annotation or note.")
        var type: ListedKind?

        @Option(help: ArgumentHelp("Only annotations on these pages: 202, 200-210, xii, \"Location 1234-1240\".", valueName: "loc"))
        var page: String?

        @Flag(help: "Only annotations not found in their document's current edition.")
        var orphans = false

        @Flag(help: "Include deleted items.")
        var deleted = false

        @Option(help: "At most this many items.")
        var limit: Int?

        func validate() throws {
            try validatePageLocator(page)
            if (page != nil || orphans) && type == .note { throw ValidationError("notes have no pages or anchors; drop --type note") }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let library = try options.open()
            let items = try library.items(
                ItemFilter(
                    document: filter.document, tag: filter.tag, author: filter.author, since: filter.sinceDate, kind: type?.entityKind, page: page.flatMap(PageLocator.init(parsing:)), orphans: orphans, includeDeleted: deleted,
                    limit: limit))
            if output.json {
                let readers = try library.readerNames()
                Terminal.print(JSONValue.array(items.map { $0.jsonValue(readers: readers) }).prettyJSON)
                return
            }
            let render = try Render(library: library)
            for item in items { Terminal.print(render.line(item)) }
            if items.isEmpty { Terminal.info("nothing matches") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show one annotation, note or document in full.",
            discussion: "Example: marginalia show 3f2a --json")

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "Id or unique id prefix.")
        var id: String

        func run() throws {
            let library = try options.open()
            if try library.resolve(id).kind == .set {
                var show = SetCommand.Show()
                show.options = options
                show.output = output
                show.name = try library.resolve(id).id
                return try show.run()
            }
            if try library.resolve(id).kind == .document {
                var show = Doc.Show()
                show.options = options
                show.output = output
                show.document = id
                return try show.run()
            }
            let item = try library.item(id)
            if output.json {
                Terminal.print(item.jsonValue(readers: try library.readerNames()).prettyJSON)
                return
            }
            try Render(library: library).details(item).forEach { Terminal.print($0) }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "Show every change to an item, oldest first.",
            discussion: "Example: marginalia history 3f2a")

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "Id or unique id prefix.")
        var id: String

        func run() throws {
            let library = try options.open()
            let entries = try library.history(id)
            if output.json {
                Terminal.print(JSONValue.array(entries.map(\.jsonValue)).prettyJSON)
                return
            }
            Render.historyLines(entries).forEach { Terminal.print($0) }
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search",
            abstract: "Search titles, quotes, notes and tags.",
            discussion: """
                Every word must match; end a word with * to match its beginning. Matches are \
                highlighted on a terminal and [bracketed] otherwise.

                Examples:
                  marginalia search marriage money
                  marginalia search "dorothe*" --json
                  marginalia search --raw 'quote:money OR body:money'
                """)

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "Words to find.")
        var words: [String]

        @Flag(help: "Pass the query to SQLite FTS5 as written.")
        var raw = false

        @Option(help: "At most this many results.")
        var limit = 50

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() throws {
            let library = try options.open()
            let highlight = Terminal.colors && !output.json ? ("\u{1B}[1;33m", "\u{1B}[0m") : ("[", "]")
            let hits = try library.search(words.joined(separator: " "), raw: raw, limit: limit, highlight: highlight)
            if output.json {
                Terminal.print(JSONValue.array(hits.map(\.jsonValue)).prettyJSON)
                return
            }
            hits.map(Render.searchHitLine).forEach { Terminal.print($0) }
            if hits.isEmpty { Terminal.info("no matches") }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show who you are here, what the library holds, and its state hash.",
            discussion: """
                Two libraries that hold the same operations print the same state hash. The \
                shared state hash covers shared items only: the readers of a group compare it.

                Example: marginalia status --json
                """)

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let status = try options.open().status()
            if output.json {
                Terminal.print(status.jsonValue.prettyJSON)
                return
            }
            Terminal.print("library     \(status.path)")
            Terminal.print("reader      \(status.reader.name) (\(status.reader.readerID))")
            Terminal.print("replica     \(status.reader.replicaID)")
            Terminal.print(
                "holds       \(status.documents) documents, \(status.annotations) annotations, \(status.notes) notes (\(status.operations) operations)"
            )
            if status.conflicts > 0 { Terminal.print(Terminal.style("conflicts   \(status.conflicts)", .warning)) }
            Terminal.print("remotes     \(status.remotes)")
            if let copied = status.copiedReplica {
                Terminal.print(Terminal.style("copied      another library writes as this replica (\(copied)); run `marginalia replica reset`", .warning))
            }
            Terminal.print("state hash  \(status.stateHash)")
            Terminal.print("shared      \(status.sharedStateHash)  (shared items only: equal across a reading group)")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Verify the library, and optionally rebuild its tables from the operation log.",
            discussion: """
                Checks SQLite's integrity, that every operation can be read, and that the tables \
                equal a fresh fold of the log. Exits 1 when something is wrong.

                Example: marginalia check --rebuild
                """)

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @Flag(help: "Throw the tables away and rebuild them from the log first.")
        var rebuild = false

        func run() throws {
            let library = try options.open()
            let before = try library.status().stateHash
            let progress = Terminal.progress("rebuilding")
            let report = try library.check(rebuild: rebuild, progress: progress.update)
            progress.done()
            if output.json {
                Terminal.print(report.jsonValue.prettyJSON)
            } else {
                for problem in report.problems { Terminal.print("problem: \(problem)") }
                Terminal.print(
                    "\(report.ok ? "ok" : "damaged"): \(report.entities) items from \(report.operations) operations\(rebuild ? ", rebuilt" : "")"
                )
                Terminal.print("state hash  \(report.stateHash)")
                if rebuild && before != report.stateHash {
                    Terminal.print("the state hash changed in the rebuild (was \(before))")
                }
            }
            if !report.ok { throw ExitCode.failure }
        }
    }
}

/// What `list --type` takes: documents and sets have lists of their own.
enum ListedKind: String, ExpressibleByArgument, CaseIterable {
    case annotation, note

    var entityKind: EntityKind { self == .note ? .note : .annotation }
}
