import ArgumentParser
import Foundation
import Marginalia

/// `--private` / `--shared`.
struct VisibilityOptions: ParsableArguments {
    @Flag(name: .customLong("private"), help: "Keep it on your own machines.")
    var isPrivate = false

    @Flag(name: .customLong("shared"), help: "Share it with your groups.")
    var isShared = false

    func validate() throws {
        if isPrivate && isShared { throw ValidationError("give --private or --shared, not both") }
    }

    func visibility(default value: Visibility) -> Visibility {
        isPrivate ? .private : isShared ? .shared : value
    }
}

extension MarginaliaCommand {
    struct Annotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "annotate",
            abstract: "Highlight a passage or mark a page of a document, with an optional note.",
            discussion: """
                Name the passage by its text (--quote, with --prefix/--suffix when it occurs more \
                than once), by code-point offsets (--at START:END), or by printed page (--page). \
                Annotations are shared unless --private. Prints the new id.

                With --move ID instead of a document, places an existing annotation (an orphan \
                after `doc update`, say) on a passage of its document's current text, keeping \
                its note and tags.

                Examples:
                  marginalia annotate essay --quote "a room of one's own" --note "the thesis" --tag thesis
                  marginalia annotate essay --at 120:164
                  marginalia annotate middlemarch --page "p. 202-03" --note "Dorothea's choice"
                  echo "a longer note" | marginalia annotate essay --quote "money" --note -
                  marginalia annotate --move 3f2a --quote "the passage as it now reads"
                """)

        @OptionGroup var options: LibraryOptions

        @Argument(help: "The document: id, unique id prefix, slug or exact title.")
        var document: String?

        @Option(name: .customLong("move"), help: ArgumentHelp("Re-place this annotation instead of making one.", valueName: "id"))
        var move: String?

        @Option(help: "The exact text of the passage.")
        var quote: String?

        @Option(help: "Text just before the passage, to tell repeated quotes apart.")
        var prefix: String?

        @Option(help: "Text just after the passage, to tell repeated quotes apart.")
        var suffix: String?

        @Option(help: ArgumentHelp("Code-point offsets of the passage, end exclusive.", valueName: "start:end"))
        var at: String?

        @Option(help: "A printed page or location: 202, 202-203, p. 12, xii, \"Location 1234-1240\".")
        var page: String?

        @Option(help: "The note; - reads it from standard input.")
        var note: String?

        @Option(name: .customLong("tag"), help: "A tag; repeat for several.")
        var tags: [String] = []

        @OptionGroup var visibility: VisibilityOptions

        @Option(name: .customLong("reply-to"), help: "The annotation this one answers.")
        var replyTo: String?

        @Option(help: "A highlight colour: yellow, green, blue, pink, purple, orange, red, grey, or #rrggbb.")
        var color: String?

        func validate() throws {
            if move != nil {
                if document != nil { throw ValidationError("--move ID takes no document: the annotation keeps its own") }
                if quote == nil && at == nil { throw ValidationError("--move needs the new passage: --quote TEXT or --at START:END") }
                if page != nil || note != nil || !tags.isEmpty || replyTo != nil || color != nil || visibility.isPrivate || visibility.isShared {
                    throw ValidationError("--move only re-places the passage; change the note with `marginalia edit`, tags with `marginalia tag`")
                }
            } else if document == nil {
                throw ValidationError("say which document to annotate, or --move ID")
            }
            if quote != nil && at != nil { throw ValidationError("give --quote or --at, not both") }
            if quote == nil && (prefix != nil || suffix != nil) { throw ValidationError("--prefix and --suffix go with --quote") }
            if let at, Self.parseRange(at) == nil {
                throw ValidationError("--at takes START:END code-point offsets, such as 120:164")
            }
            try validatePageLocator(page)
            if quote == nil && at == nil && page == nil && note == nil {
                throw ValidationError("say what to annotate: --quote TEXT, --at START:END or --page LOC")
            }
        }

        static func parseRange(_ text: String) -> (Int, Int)? {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let start = Int(parts[0]), let end = Int(parts[1]) else { return nil }
            return (start, end)
        }

        func run() throws {
            let anchor: AnchorRequest
            if let quote {
                anchor = .quote(exact: try readArgument(quote), prefix: prefix ?? "", suffix: suffix ?? "")
            } else if let at, let (start, end) = Self.parseRange(at) {
                anchor = .position(start: start, end: end)
            } else {
                anchor = .none
            }
            if let move {
                let moved = try options.open().move(move, to: anchor)
                Terminal.info("moved to \(moved.positionStart ?? 0):\(moved.positionEnd ?? 0)")
                Terminal.print(moved.id)
                return
            }
            let draft = AnnotationDraft(
                document: document!, anchor: anchor, page: page, note: try note.map(readArgument), tags: tags,
                visibility: visibility.visibility(default: .shared), replyTo: replyTo, color: color)
            let annotation = try options.writing { try $0.annotate(draft) }
            Terminal.print(annotation.id)
        }
    }

    struct NoteCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "note", abstract: "Write free-standing personal notes.",
            discussion: """
                Example: marginalia note add "Compare the two endings" --doc middlemarch --tag compare
                """,
            subcommands: [Add.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add",
                abstract: "Write a personal note, optionally about a document.",
                discussion: """
                    Notes are private unless --shared. With no TEXT, the note is read from standard \
                    input, or written in $EDITOR when standard input is a terminal. Prints the new id.

                    Examples:
                      marginalia note add "Compare with chapter 3 of Middlemarch" --doc essay --tag compare
                      marginalia note add --title "Reading plan" < plan.txt
                    """)

            @OptionGroup var options: LibraryOptions

            @Argument(help: "The note; - or nothing reads it from standard input.")
            var text: String?

            @Option(help: "A title.")
            var title: String?

            @Option(name: .customLong("doc"), help: "The document the note is about.")
            var document: String?

            @Option(name: .customLong("tag"), help: "A tag; repeat for several.")
            var tags: [String] = []

            @Flag(help: "Share the note with your groups.")
            var shared = false

            func run() throws {
                let body: String
                if let text, text != "-" {
                    body = text
                } else if text == nil && Terminal.stdinIsTerminal {
                    body = try Editor.edit("")
                } else {
                    body = try readArgument("-")
                }
                let draft = NoteDraft(
                    body: body, title: title, document: document, tags: tags, visibility: shared ? .shared : .private)
                let note = try options.writing { try $0.addNote(draft) }
                Terminal.print(note.id)
            }
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edit",
            abstract: "Change the note of an annotation or a personal note, or who may see it.",
            discussion: """
                Without --note, --title, --shared or --private, opens the current text in $EDITOR \
                (then $VISUAL, then vi). Every version stays in `marginalia history`. --shared \
                publishes the item, with its history, to your groups at the next sync.

                Examples:
                  marginalia edit 3f2a --note "a better thought"
                  marginalia edit 3f2a
                  marginalia edit 3f2a --shared
                """)

        @OptionGroup var options: LibraryOptions

        @Argument(help: "The annotation or note: id or unique id prefix.")
        var id: String

        @Option(help: "The new text; - reads it from standard input.")
        var note: String?

        @Option(help: "A new title (notes only).")
        var title: String?

        @OptionGroup var visibility: VisibilityOptions

        func run() throws {
            let library = try options.open()
            var text = try note.map(readArgument)
            let newVisibility: Visibility? = visibility.isPrivate ? .private : visibility.isShared ? .shared : nil
            if text == nil && title == nil && newVisibility == nil {
                text = try Editor.edit(try library.noteTextToEdit(of: id))
            }
            if try library.edit(id, note: text, title: title, visibility: newVisibility) {
                Terminal.info("saved")
            } else {
                Terminal.info("no change")
            }
        }
    }

    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tag",
            abstract: "Add and remove tags: +TAG adds, -TAG removes.",
            discussion: """
                Example: marginalia tag 3f2a +important -todo
                """)

        @OptionGroup var options: LibraryOptions

        @Argument(help: "The annotation or note: id or unique id prefix.")
        var id: String

        @Argument(parsing: .allUnrecognized, help: ArgumentHelp("+TAG to add, -TAG to remove.", valueName: "change"))
        var changes: [String] = []

        func validate() throws {
            if changes.isEmpty { throw ValidationError("give +TAG to add or -TAG to remove") }
            for change in changes where change.count < 2 || !(change.hasPrefix("+") || change.hasPrefix("-")) {
                throw ValidationError("'\(change)' is not a tag change; write +TAG to add or -TAG to remove")
            }
        }

        func run() throws {
            let adding = changes.filter { $0.hasPrefix("+") }.map { String($0.dropFirst()) }
            let removing = changes.filter { $0.hasPrefix("-") }.map { String($0.dropFirst()) }
            let library = try options.open()
            let tags = try library.retag(id, adding: adding, removing: removing)
            Terminal.info(tags.isEmpty ? "no tags" : "tags: " + tags.joined(separator: ", "))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Delete annotations, notes, documents or sets (restore brings them back).",
            discussion: "Example: marginalia rm 3f2a 9c01")

        @OptionGroup var options: LibraryOptions

        @Argument(help: "Ids or unique id prefixes.")
        var ids: [String]

        func run() throws {
            let library = try options.open()
            for id in ids {
                Terminal.info(try library.delete(id) ? "deleted \(id)" : "\(id) was already deleted")
            }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Bring back deleted items.",
            discussion: "Example: marginalia restore 3f2a")

        @OptionGroup var options: LibraryOptions

        @Argument(help: "Ids or unique id prefixes.")
        var ids: [String]

        func run() throws {
            let library = try options.open()
            for id in ids {
                Terminal.info(try library.restore(id) ? "restored \(id)" : "\(id) was not deleted")
            }
        }
    }
}

/// Lets the reader write text in their editor.
enum Editor {
    static func edit(_ initial: String) throws -> String {
        let editor = Environment.value("EDITOR") ?? Environment.value("VISUAL") ?? "vi"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("marginalia-\(UUID().uuidString).md")
        try Data(initial.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The editor may carry arguments ("code --wait"): let the shell split it.
        process.arguments = ["-c", "\(editor) \"$1\"", "sh", file.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MarginaliaError.invalidInput("the editor (\(editor)) exited with status \(process.terminationStatus); nothing was saved")
        }
        let text = try String(contentsOf: file, encoding: .utf8)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }
}
