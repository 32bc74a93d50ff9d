import ArgumentParser
import FloorInsert

/// `annotate` reduced to what its packages cost: swift-argument-parser parses
/// a subcommand with options like `annotate`'s, and GRDB opens the library
/// and inserts the row that Tools/bench-annotate's `sqlite3` baseline inserts.
@main
struct StackFloor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stack-floor",
        abstract: "What a command on Marginalia's stack costs before it does any work.",
        subcommands: [Insert.self, ParseOnly.self])

    /// Parses and returns: the process and the argument parser alone.
    struct ParseOnly: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "parse-only")
        func run() {}
    }

    struct Insert: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "insert")
        @Option var library: String
        @Argument var document: String
        @Option var at: String?
        @Option var note: String?
        @Option(name: .customLong("tag")) var tags: [String] = []
        @Flag var shared = false

        func run() throws {
            try insertAnnotationRow(library: library, document: document)
        }
    }
}
