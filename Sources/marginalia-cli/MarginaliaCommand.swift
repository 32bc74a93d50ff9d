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
            List.self, Show.self, History.self, Search.self, SetCommand.self, Export.self, Import.self, Conflicts.self, Resolve.self, BundleCommand.self,
            RemoteCommand.self, Sync.self, Readers.self, Identity.self, Replica.self, Status.self, Check.self, Demo.self,
        ]
    )

    /// Prints every error as one line on stderr: usage errors exit 64,
    /// everything else 1.
    static func main() {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            // --help, --version and completion scripts arrive as errors too.
            guard exitCode(for: error) != .success else { exit(withError: error) }
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            let help = commandPath(Array(CommandLine.arguments.dropFirst())) + " --help"
            Terminal.fail("\(message.replacingOccurrences(of: "Error: ", with: "")) (see `\(help)`)", status: 64)
        }
        do {
            try command.run()
        } catch let error as MarginaliaError {
            Terminal.fail(error.description)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            // A bare `marginalia` asks for help by throwing.
            guard exitCode(for: error) != .success else { exit(withError: error) }
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            Terminal.fail(message, status: exitCode(for: error).rawValue == 0 ? 1 : exitCode(for: error).rawValue)
        }
    }

    /// `marginalia doc add`, from the words that name a subcommand.
    static func commandPath(_ arguments: [String]) -> String {
        var command: any ParsableCommand.Type = MarginaliaCommand.self
        var path = ["marginalia"]
        for argument in arguments {
            guard let next = command.configuration.subcommands.first(where: { $0.configuration.commandName == argument })
            else { break }
            path.append(argument)
            command = next
        }
        return path.joined(separator: " ")
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
        if let path = Environment.value("MARGINALIA_LIBRARY") { return path }
        // $HOME first: Foundation's home directory comes from the password database.
        let home = Environment.value("HOME") ?? NSHomeDirectory()
        let dataHome = Environment.value("XDG_DATA_HOME") ?? Self.joining(home, ".local/share")
        return Self.joining(dataHome, "marginalia/library.sqlite")
    }

    /// `name` inside `folder`, joined by one slash whatever slashes end
    /// `folder`: what NSString's `appendingPathComponent` gives here, without
    /// bridging to NSString on the way of every command.
    static func joining(_ folder: String, _ name: String) -> String {
        guard let last = folder.lastIndex(where: { $0 != "/" }) else { return folder.isEmpty ? name : "/" + name }
        return String(folder[...last]) + "/" + name
    }

    /// Opens the library for reading: it must exist.
    func open() throws -> Library {
        try Library.open(at: path, mode: .existing)
    }

    /// The name a new library gives its reader when none is given: $USER, else "reader".
    static var defaultReaderName: String {
        Environment.value("USER").flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 } ?? "reader"
    }

    /// Runs a write on the library, creating it first (for the reader named
    /// in $USER) when it does not exist yet. A library created for a write
    /// that then fails is removed again, so a refused command leaves nothing.
    func writing<T>(_ body: (Library) throws -> T) throws -> T {
        let user = Self.defaultReaderName
        let existed = FileManager.default.fileExists(atPath: path)
        do {
            let result = try body(try Library.open(at: path, mode: .createIfMissing(readerName: user)))
            if !existed { Terminal.info("created a library at \(path) for \(user)") }
            return result
        } catch {
            if !existed {
                for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
            }
            throw error
        }
    }
}

/// Refuses a `--page` value that is not a page locator, as a usage error,
/// before the library is opened.
func validatePageLocator(_ page: String?) throws {
    if let page, PageLocator(parsing: page) == nil {
        throw ValidationError("--page '\(page)' is not a page locator; write \(PageLocator.syntaxHint)")
    }
}

/// `--json`, shared by every reading command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false
}

/// The conditions `list`, `export` and `set create|edit` share.
struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("doc"), help: "Only what is on this document (id, slug or title).")
    var document: String?

    @Option(help: "Only what has this tag.")
    var tag: String?

    @Option(help: "Only what this reader wrote (name or id prefix).")
    var author: String?

    @Option(help: ArgumentHelp("Only what was created or changed since then: 2026-11-29 or an ISO 8601 time.", valueName: "date"))
    var since: String?

    func validate() throws {
        if let since, Timestamps.parseUserDate(since) == nil {
            throw ValidationError("--since takes a date such as 2026-11-29 or 2026-11-29T10:00:00Z")
        }
    }

    var sinceDate: Date? { since.flatMap(Timestamps.parseUserDate) }

    var isEmpty: Bool { document == nil && tag == nil && author == nil && since == nil }

    /// The conditions given, as a set keeps them.
    var setFilter: SetFilter { SetFilter(document: document, tag: tag, author: author, since: sinceDate) }
}

/// Reads a value given as `-` from standard input.
func readArgument(_ value: String) throws -> String {
    guard value == "-" else { return value }
    guard let text = String(data: try readInput("-"), encoding: .utf8) else {
        throw MarginaliaError.invalidInput("standard input is not valid UTF-8")
    }
    return text.hasSuffix("\n") ? String(text.dropLast()) : text
}

/// The bytes of a file, or of standard input for `-`.
func readInput(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw MarginaliaError.unreadableFile(path: path, reason: "no such file, or not readable")
    }
    defer { try? handle.close() }
    return handle.readDataToEndOfFile()
}
