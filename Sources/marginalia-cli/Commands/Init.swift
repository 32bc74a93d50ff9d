import ArgumentParser
import Foundation
import Marginalia

extension MarginaliaCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create a library, with a new reader identity and replica id.",
            discussion: """
                Prints the new reader id. Other write commands create the library on first \
                use too, naming the reader after $USER. With --identity, the library writes as \
                the reader of another machine (from `marginalia identity export`), as a new replica.

                Examples:
                  marginalia init --name "Ada Lovelace"
                  marginalia init --identity ada.identity
                """)

        @OptionGroup var options: LibraryOptions

        @Option(help: "Your display name, as other readers will see it (default: $USER).")
        var name: String?

        @Option(help: ArgumentHelp("Write as the reader in this file, from `marginalia identity export`.", valueName: "file"))
        var identity: String?

        func validate() throws {
            if name != nil && identity != nil { throw ValidationError("the name comes with the identity; give --name or --identity") }
        }

        func run() throws {
            let library: Library
            if let identity {
                let reader: ReaderIdentity
                do {
                    reader = try ReaderIdentity(exportedFile: readInput(identity))
                } catch MarginaliaError.invalidInput(let problem) {
                    throw MarginaliaError.invalidInput("\(identity): \(problem)")
                }
                library = try Library.create(at: options.path, identity: reader)
            } else {
                let name = name ?? LibraryOptions.defaultReaderName
                library = try Library.create(at: options.path, readerName: name)
            }
            let reader = try library.localReader()
            Terminal.info("created a library at \(options.path) for \(reader.name) (replica \(reader.replicaID.prefix(8)))")
            Terminal.print(reader.readerID)
        }
    }
}
