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
                use too, naming the reader after $USER.

                Example: marginalia init --name "Ada Lovelace"
                """)

        @OptionGroup var options: LibraryOptions

        @Option(help: "Your display name, as other readers will see it (default: $USER).")
        var name: String?

        func run() throws {
            let name = name ?? ProcessInfo.processInfo.environment["USER"] ?? "reader"
            let library = try Library.create(at: options.path, readerName: name)
            let reader = try library.localReader()
            Terminal.info("created a library at \(options.path) for \(reader.name) (replica \(reader.replicaID.prefix(8)))")
            Terminal.print(reader.readerID)
        }
    }
}
