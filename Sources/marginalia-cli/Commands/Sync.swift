import ArgumentParser
import Foundation
import Marginalia

extension MarginaliaCommand {
    struct RemoteCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remote",
            abstract: "Join, list and leave sync channels: folders a carrier moves, or git remotes.",
            discussion: """
                A personal channel carries all your notes, private ones included, between your \
                own machines. A group channel carries only shared items, between the readers of \
                a group. Any folder that something else moves works: Syncthing, Dropbox, a network \
                drive, a USB stick; or a git remote.

                Examples:
                  marginalia remote add laptop ~/Sync/marginalia --personal
                  marginalia remote add club /mnt/share/book-club --group
                  marginalia remote add club git:git@example.org:club/notes.git
                  marginalia remote list
                """,
            subcommands: [Add.self, List.self, Remove.self])
    }

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Exchange new operations with every remote, or with one.",
            discussion: """
                Reads the bundles other replicas wrote since the last sync, verifies each one \
                whole and applies it in one transaction, then writes this library's new \
                operations. A file that is incomplete, damaged, badly signed or oddly named is \
                skipped with a warning and tried again next time. Exits with status 1 when \
                something could not be written.

                Examples:
                  marginalia sync
                  marginalia sync club --json
                  marginalia sync /media/usb/marginalia
                """)

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "A remote's name, or a channel folder (default: every remote).")
        var remote: String?

        @OptionGroup var secret: PassphraseOptions

        func run() throws {
            let library = try options.open()
            var targets: [(name: String, run: (Marginalia.Progress) throws -> SyncReport)] = []
            if let remote {
                if let known = try library.remote(remote) {
                    targets.append((known.name, { try library.sync(known, progress: $0) }))
                } else if FileManager.default.fileExists(atPath: remote) {
                    let passphrase = try secret.passphrase()
                    targets.append((remote, { try library.sync(folder: remote, passphrase: passphrase, progress: $0) }))
                } else if remote.contains("/") {
                    throw MarginaliaError.syncFolderMissing(path: remote)
                } else {
                    throw MarginaliaError.remoteNotFound(name: remote)
                }
            } else {
                let remotes = try library.remotes()
                if remotes.isEmpty {
                    throw MarginaliaError.invalidInput("no remotes yet; add one with `marginalia remote add NAME FOLDER --personal|--group`")
                }
                targets = remotes.map { remote in (remote.name, { try library.sync(remote, progress: $0) }) }
            }
            var reports: [SyncReport] = []
            var failures: [String] = []
            for target in targets {
                do {
                    let progress = Terminal.progress("syncing \(target.name)")
                    defer { progress.done() }
                    reports.append(try target.run(progress.update))
                } catch let error as MarginaliaError {
                    // One unreachable remote does not stop the others.
                    failures.append(Render.naming(target.name, error))
                }
            }
            if output.json {
                Terminal.print(SyncReport.totals(reports, errors: failures).prettyJSON)
            } else {
                for report in reports { print(report) }
            }
            for failure in failures { Terminal.info("marginalia: error: \(failure)") }
            for report in reports { if let reason = report.notPushed { Terminal.info("marginalia: error: \(report.remote): \(reason)") } }
            if !failures.isEmpty || reports.contains(where: { $0.notPushed != nil }) { throw ExitCode(1) }
        }

        private func print(_ report: SyncReport) {
            Terminal.print(Render.syncLine(report))
            for skipped in report.skipped {
                Terminal.info("marginalia: warning: skipped \(skipped.file): \(skipped.reason)")
            }
        }
    }

    struct Identity: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "identity",
            abstract: "Take your reader identity to another machine.",
            discussion: """
                Example, to write as the same reader on a second machine:
                  marginalia identity export ada.identity        # on the first machine
                  marginalia init --identity ada.identity        # on the second; then delete the file
                """,
            subcommands: [Export.self])

        struct Export: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "export",
                abstract: "Write your reader identity, secret key included, to a file (mode 0600).",
                discussion: """
                    Whoever holds the file can write as you. Move it to your other machine by a \
                    way you trust, run `marginalia init --identity FILE` there, and delete it.

                    Example: marginalia identity export /media/usb/ada.identity
                    """)

            @OptionGroup var options: LibraryOptions

            @Argument(help: "The file to write.", completion: .file())
            var file: String

            func run() throws {
                if FileManager.default.fileExists(atPath: file) {
                    throw MarginaliaError.invalidInput("\(file) exists already; choose a new file name")
                }
                let identity = try options.open().exportIdentity()
                try AtomicFile.write(identity.exportedFile, to: file, mode: 0o600)
                Terminal.info(
                    "marginalia: warning: \(file) holds your secret key: anyone with it can write as \(identity.name). "
                        + "Copy it to your other machine, run `marginalia init --identity \(file)` there, then delete it.")
            }
        }
    }

    struct Replica: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replica",
            abstract: "Manage this library's replica id.",
            discussion: """
                Example (after copying a library file to a second machine): marginalia replica reset
                """,
            subcommands: [Reset.self])

        struct Reset: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "reset",
                abstract: "Take a new replica id, after a sync found a copy of this library writing elsewhere.",
                discussion: """
                    A library file copied to a second machine writes as the same replica in two \
                    places; `sync` notices and stops writing. This gives the copy its own id: what \
                    it wrote since its last sync is kept under the new id, and sync resumes. To use \
                    a second machine from the start, prefer `marginalia identity export` and \
                    `marginalia init --identity` over copying the library.

                    Example: marginalia replica reset && marginalia sync
                    """)

            @OptionGroup var options: LibraryOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                let result = try options.open().resetReplica()
                if output.json {
                    Terminal.print(result.jsonValue.prettyJSON)
                } else {
                    Terminal.info(
                        "this library now writes as replica \(result.newReplica.prefix(8)) (was \(result.oldReplica.prefix(8))); "
                            + "\(Render.counted(result.renumbered, "unsynced operation")) moved to it")
                    Terminal.print(result.newReplica)
                }
            }
        }
    }
}

/// `--passphrase-file`, else `$MARGINALIA_PASSPHRASE`: a group channel's passphrase.
struct PassphraseOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A file whose first line is the group's passphrase (default: $MARGINALIA_PASSPHRASE).", valueName: "file"),
        completion: .file())
    var passphraseFile: String?

    func passphrase() throws -> String? {
        if let passphraseFile {
            guard let text = String(data: try readInput(passphraseFile), encoding: .utf8),
                let line = text.split(separator: "\n", omittingEmptySubsequences: false).first, !line.isEmpty
            else {
                throw MarginaliaError.invalidInput("\(passphraseFile) holds no passphrase on its first line")
            }
            return String(line)
        }
        return Environment.value("MARGINALIA_PASSPHRASE")
    }
}

extension MarginaliaCommand.RemoteCommand {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Join the channel in a folder, or start one in an empty folder.",
            discussion: """
                LOCATION is a folder, or git: followed by anything `git clone` takes (a clone is \
                kept beside the library). Starting a channel needs --personal or --group; joining \
                one takes its kind from the folder.

                A personal channel is always encrypted with a key only your machines hold. A \
                group channel started with a passphrase (--passphrase-file, or \
                $MARGINALIA_PASSPHRASE) is encrypted, and joining it takes the same passphrase; \
                the library keeps the derived key, so `sync` does not ask again.

                Examples:
                  marginalia remote add laptop ~/Sync/marginalia --personal
                  marginalia remote add club git:/srv/git/club.git --group --passphrase-file club.pass
                """)

        @OptionGroup var options: LibraryOptions

        @Argument(help: "A name for the remote.")
        var name: String

        @Argument(help: ArgumentHelp("A folder, or git:URL.", valueName: "location"))
        var location: String

        @Flag(help: "Your own machines: every note, private ones too.")
        var personal = false

        @Flag(help: "A reading group: shared items only.")
        var group = false

        @OptionGroup var secret: PassphraseOptions

        func validate() throws {
            if personal && group { throw ValidationError("a channel is --personal or --group, not both") }
            if location.isEmpty || location == Remote.gitScheme { throw ValidationError("give a folder or git:URL") }
        }

        func run() throws {
            let kind: ChannelKind? = personal ? .personal : group ? .group : nil
            let passphrase = try secret.passphrase()
            let remote = try options.writing {
                try $0.addRemote(name: name, location: location, kind: kind, passphrase: passphrase)
            }
            Terminal.info(
                "joined the \(remote.isEncrypted ? "encrypted " : "")\(remote.kind.rawValue) channel \(remote.channelID.prefix(8)) "
                    + "at \(remote.location) as '\(remote.name)'")
            Terminal.print(remote.name)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the remotes.", discussion: "Example: marginalia remote list --json")

        @OptionGroup var options: LibraryOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let remotes = try options.open().remotes()
            if output.json {
                Terminal.print(JSONValue.array(remotes.map(\.jsonValue)).prettyJSON)
                return
            }
            if remotes.isEmpty { Terminal.info("no remotes; `marginalia remote add NAME FOLDER --personal|--group` adds one") }
            for remote in remotes {
                Terminal.print("\(remote.name)\t\(remote.kind.rawValue)\(remote.isEncrypted ? ", encrypted" : "")\t\(remote.location)")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm",
            abstract: "Leave a channel. The folder and everything already exchanged stay.",
            discussion: "Example: marginalia remote rm club")

        @OptionGroup var options: LibraryOptions

        @Argument(help: "The remote's name.")
        var name: String

        func run() throws {
            try options.open().removeRemote(named: name)
            Terminal.info("removed remote '\(name)'")
        }
    }
}

extension MarginaliaCommand {
    struct Readers: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "readers",
            abstract: "List the readers whose work this library holds; block or unblock one.",
            discussion: """
                A reader's id is the fingerprint of their signing key, so nobody can write under \
                another's id; two readers may still choose the same name, and such names are \
                flagged. Blocking hides a reader's items and edits from then on (they stay \
                stored, and unblocking shows them again).

                Examples:
                  marginalia readers
                  marginalia readers block 7d3e
                  marginalia readers unblock 7d3e
                """,
            subcommands: [List.self, Block.self, Unblock.self],
            defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "list", abstract: "List the readers seen, with fingerprints, names and counts.",
                discussion: "Example: marginalia readers --json")

            @OptionGroup var options: LibraryOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                let readers = try options.open().readerSummaries()
                if output.json {
                    Terminal.print(JSONValue.array(readers.map(\.jsonValue)).prettyJSON)
                    return
                }
                for summary in readers {
                    var flags: [String] = []
                    if summary.isYou { flags.append("you") }
                    if summary.blocked { flags.append(Terminal.style("blocked", .warning)) }
                    if summary.sharesName { flags.append(Terminal.style("same name as another reader", .warning)) }
                    Terminal.print(
                        "\(summary.reader.readerId)  \(summary.reader.name)  \(summary.annotations) annotations, "
                            + "\(summary.notes) notes, \(summary.documents) documents (\(summary.operations) operations)"
                            + (flags.isEmpty ? "" : "  [" + flags.joined(separator: ", ") + "]"))
                }
            }
        }

        struct Block: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "block",
                abstract: "Hide a reader's items and edits, from now on and from the past.",
                discussion: "Example: marginalia readers block 7d3e")

            @OptionGroup var target: ReaderTarget

            func run() throws { try target.change(blocking: true) }
        }

        struct Unblock: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "unblock",
                abstract: "Show a blocked reader's items and edits again.",
                discussion: "Example: marginalia readers unblock 7d3e")

            @OptionGroup var target: ReaderTarget

            func run() throws { try target.change(blocking: false) }
        }

        /// The reader that `block` and `unblock` act on, and what they print.
        struct ReaderTarget: ParsableArguments {
            @OptionGroup var options: LibraryOptions
            @OptionGroup var output: OutputOptions

            @Argument(help: "The reader: id, unique id prefix, or unique name.")
            var reader: String

            func change(blocking: Bool) throws {
                let library = try options.open()
                let change = try blocking ? library.block(reader) : library.unblock(reader)
                if output.json {
                    Terminal.print(change.jsonValue.prettyJSON)
                    return
                }
                let who = "\(change.reader.name) (\(change.reader.readerId.prefix(8)))"
                let what = "\(Render.counted(change.items, "item")) they made and "
                    + "\(Render.counted(change.operations, "operation")) of theirs"
                Terminal.info(
                    blocking
                        ? "blocked \(who): hides \(what); `marginalia readers unblock \(change.reader.readerId.prefix(8))` shows them again"
                        : "unblocked \(who): \(what) shown again")
            }
        }
    }
}
