import ArgumentParser
import Foundation
import Marginalia

@main
struct MarginaliaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marginalia",
        abstract: "Keep highlights, page notes and personal notes on what you read.",
        discussion: """
            Your library is one SQLite file: $MARGINALIA_LIBRARY, else \
            $XDG_DATA_HOME/marginalia/library.sqlite (~/.local/share/... without XDG_DATA_HOME). \
            Every command takes --library PATH. Ids may be shortened to any unique prefix.

            Start with `marginalia demo` for a tour, or:
              marginalia doc add essay.md
              marginalia annotate essay --quote "a room of one's own" --note "the thesis" --tag feminism
              marginalia list --doc essay
            """,
        version: "0.1.0",
        subcommands: [
            Init.self, Doc.self, Annotate.self, NoteCommand.self, Edit.self, Tag.self, Remove.self, Restore.self,
            List.self, Show.self, History.self, Search.self, Status.self, Check.self, Demo.self,
        ]
    )

    /// Prints library errors as one line, with no usage text after them.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as MarginaliaError {
            Terminal.fail(error.description)
        } catch let error as TextInputError {
            Terminal.fail(error.description)
        } catch {
            exit(withError: error)
        }
    }
}

/// `--library PATH`, shared by every command that opens the library.
struct LibraryOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The library file.", discussion: "Default: $MARGINALIA_LIBRARY, else $XDG_DATA_HOME/marginalia/library.sqlite.",
            valueName: "path"))
    var library: String?

    var path: String {
        if let library { return library }
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["MARGINALIA_LIBRARY"], !path.isEmpty { return path }
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/share")
        return (dataHome as NSString).appendingPathComponent("marginalia/library.sqlite")
    }

    /// Opens the library for reading: it must exist.
    func open() throws -> Library {
        try Library.open(at: path, mode: .existing)
    }

    /// Opens the library for a write, creating it (for the reader named in
    /// $USER) when it does not exist yet.
    func openForWriting() throws -> Library {
        let user = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "reader"
        let existed = FileManager.default.fileExists(atPath: path)
        let library = try Library.open(at: path, mode: .createIfMissing(readerName: user))
        if !existed { Terminal.info("created a library at \(path) for \(user)") }
        return library
    }
}

/// `--json`, shared by every reading command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false
}

/// Reads a value given as `-` from standard input.
func readArgument(_ value: String) throws -> String {
    guard value == "-" else { return value }
    let data = FileHandle.standardInput.readDataToEndOfFile()
    guard let text = String(data: data, encoding: .utf8) else {
        throw MarginaliaError.invalidInput("standard input is not valid UTF-8")
    }
    return text.hasSuffix("\n") ? String(text.dropLast()) : text
}
