import Foundation
import Testing

/// Every refusal: a non-zero exit, one clear line on stderr, no stack trace,
/// and no change to the library (its state hash is the same before and after).
@Suite("bad input")
struct BadInputTests {
    /// A library, its state hash, and the refused commands run on it.
    final class Subject {
        let cli: CLI
        let hash: String
        var refused: [String] = []

        init(cli: CLI, hash: String) {
            self.cli = cli
            self.hash = hash
        }
    }

    /// A library holding the accented essay (as `essay`, with "fox" twice) and a
    /// paper book `middlemarch`, created (by the first write) for $USER.
    func library() throws -> Subject {
        let cli = try CLI()
        let file = try cli.write("essay.txt", accentedText)
        try cli.create(["doc", "add", file, "--id", "essay"])
        try cli.create(["doc", "add", "--no-text", "--title", "Middlemarch", "--id", "middlemarch"])
        return Subject(cli: cli, hash: try cli.stateHash())
    }

    /// The state hash after the refusals equals the one before them. (Every
    /// write appends operations, so a refusal that wrote something cannot be
    /// hidden by a later one.)
    func expectUnchanged(_ subject: Subject, sourceLocation: SourceLocation = #_sourceLocation) {
        let after = try? subject.cli.stateHash(sourceLocation: sourceLocation)
        #expect(
            after == subject.hash,
            "the library changed after these refused commands:\n  \(subject.refused.joined(separator: "\n  "))",
            sourceLocation: sourceLocation)
    }

    /// Runs `args` and expects a clean refusal. (The test's `defer` then checks
    /// that the state hash did not move.)
    @discardableResult
    func expectRefused(
        _ subject: Subject, _ args: [String], stdin: String? = nil, usage: Bool = false, mentioning: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CLI.Result {
        let cli = subject.cli
        let result = cli.run(args, stdin: stdin)
        subject.refused.append("marginalia " + args.joined(separator: " "))
        if usage {
            cli.expectUsageError(result, mentioning: mentioning, sourceLocation: sourceLocation)
        } else {
            cli.expectCleanError(result, mentioning: mentioning, sourceLocation: sourceLocation)
        }
        return result
    }

    @Test("unknown document")
    func unknownDocument() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        try expectRefused(subject, ["annotate", "no-such-doc", "--quote", "fox"], mentioning: ["no-such-doc"])
        try expectRefused(subject, ["doc", "show", "no-such-doc"], mentioning: ["no-such-doc"])
        try expectRefused(subject, ["list", "--doc", "no-such-doc"], mentioning: ["no-such-doc", "marginalia doc list"])
        try expectRefused(subject, ["list", "--author", "nobody"], mentioning: ["nobody", "marginalia readers"])
        try expectRefused(subject, ["set", "show", "no-such-set"], mentioning: ["no-such-set", "marginalia set list"])
    }

    @Test("unknown id, for every command that takes one")
    func unknownID() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        let missing = "ffffffffffffffff"
        for args in [
            ["show", missing], ["history", missing], ["edit", missing, "--note", "x"], ["tag", missing, "+x"],
            ["rm", missing], ["restore", missing],
        ] {
            try expectRefused(subject, args, mentioning: [missing])
        }
    }

    @Test("a document id where an annotation is wanted, and the reverse")
    func wrongKind() throws {
        let cli = try library().cli
        let annotation = try cli.create(["annotate", "essay", "--quote", "lazy dog"])
        let subject = Subject(cli: cli, hash: try cli.stateHash())
        defer { expectUnchanged(subject) }
        try expectRefused(subject, ["annotate", annotation, "--quote", "fox"], mentioning: ["is an annotation, not a document"])
        try expectRefused(subject, ["annotate", "essay", "--quote", "quick", "--reply-to", "middlemarch"])
    }

    @Test("a quote that is not in the text names the closest passage when there is one")
    func quoteNotInText() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        let typo = try expectRefused(subject, ["annotate", "essay", "--quote", "quikc brown fox"])
        #expect(typo.stderr.contains("quick brown fox"), "the message should name the closest passage:\n\(typo)")
        try expectRefused(subject, ["annotate", "essay", "--quote", "xylophone zebra quartet"], mentioning: ["xylophone zebra quartet"])
    }

    @Test("a quote that occurs twice without context asks for --prefix")
    func ambiguousQuote() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        try expectRefused(subject, ["annotate", "essay", "--quote", "fox"], mentioning: ["--prefix"])
        // Context that fits neither occurrence.
        try expectRefused(subject, ["annotate", "essay", "--quote", "fox", "--prefix", "purple "])
    }

    @Test("--at outside the text, reversed or empty")
    func atOutsideText() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        let length = accentedText.codePoints
        try expectRefused(subject, ["annotate", "essay", "--at", "0:\(length + 1)"])
        try expectRefused(subject, ["annotate", "essay", "--at", "\(length + 5):\(length + 9)"])
        try expectRefused(subject, ["annotate", "essay", "--at", "9:4"])
        try expectRefused(subject, ["annotate", "essay", "--at", "4:4"])
        try expectRefused(subject, ["annotate", "essay", "--at=-1:4"])
        // --at on a paper book has no text to point into.
        try expectRefused(subject, ["annotate", "middlemarch", "--at", "0:4"])
    }

    @Test("--at with a bad format is a usage error")
    func atBadFormat() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        for range in ["abc", "5-9", "5:", ":9", "1:2:3", "x:y"] {
            try expectRefused(subject, ["annotate", "essay", "--at=\(range)"], usage: true, mentioning: ["--at"])
        }
    }

    @Test("--quote with --at, and --prefix without --quote, are usage errors")
    func conflictingAnchors() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        try expectRefused(subject, ["annotate", "essay", "--quote", "fox", "--at", "1:4"], usage: true)
        try expectRefused(subject, ["annotate", "essay", "--prefix", "the "], usage: true)
        try expectRefused(subject, ["annotate", "essay"], usage: true)
        try expectRefused(subject, ["annotate", "essay", "--quote", "lazy", "--private", "--shared"], usage: true)
    }

    @Test("an empty or blank quote")
    func emptyQuote() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        try expectRefused(subject, ["annotate", "essay", "--quote", ""])
        try expectRefused(subject, ["annotate", "essay", "--quote", "-"], stdin: "")
    }

    @Test("--page junk")
    func pageJunk() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        for junk in ["junk", "foo bar baz", "", "p.", "page twelve"] {
            try expectRefused(subject, ["annotate", "middlemarch", "--page", junk], usage: true, mentioning: ["page locator"])
        }
    }

    /// Runs `doc add FILE` on a file with `contents`, expecting a clean refusal.
    func refusedFile(
        _ subject: Subject, _ name: String, _ contents: Data, mentioning: [String] = [], namesFile: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let file = try subject.cli.write(name, contents)
        let result = try expectRefused(subject, ["doc", "add", file], mentioning: mentioning, sourceLocation: sourceLocation)
        if namesFile {
            #expect(result.stderr.contains(name), "the message should name the file:\n\(result)", sourceLocation: sourceLocation)
        }
    }

    @Test("a file that is not valid UTF-8")
    func invalidUTF8() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        try refusedFile(subject, "latin1.txt", Data([0x43, 0x61, 0x66, 0xE9, 0x20, 0x6E, 0x6F, 0x69, 0x72, 0x0A]), mentioning: ["UTF-8"])
        try refusedFile(subject, "truncated.txt", Data("abc ".utf8) + Data([0xF0, 0x9F, 0x98]), mentioning: ["UTF-8"])
        try refusedFile(subject, "surrogate.md", Data([0x61, 0xED, 0xA0, 0x80, 0x62, 0x0A]), mentioning: ["UTF-8"])
    }

    @Test("a binary file with NUL bytes")
    func binaryFile() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        try refusedFile(subject, "image.txt", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48]))
        try refusedFile(subject, "nul.md", Data("text with a\u{0}NUL in the middle\n".utf8))
    }

    @Test("an empty file, or one holding only whitespace")
    func emptyFile() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        try refusedFile(subject, "empty.txt", Data())
        try refusedFile(subject, "blank.md", Data(" \n\r\n\t\n".utf8))
    }

    @Test("an unsupported extension")
    func unsupportedExtension() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        try refusedFile(subject, "paper.pdf", Data("%PDF-1.7\nnot really a pdf\n".utf8), mentioning: [".pdf"], namesFile: false)
        try refusedFile(subject, "book.epub", Data("PK not really an epub\n".utf8), mentioning: [".epub"], namesFile: false)
    }

    @Test("a file that does not exist, or a folder")
    func missingFile() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        let cli = subject.cli
        try expectRefused(subject, ["doc", "add", cli.path("nowhere.txt")], mentioning: ["nowhere.txt"])
        try FileManager.default.createDirectory(atPath: cli.path("folder.txt"), withIntermediateDirectories: true)
        try expectRefused(subject, ["doc", "add", cli.path("folder.txt")])
    }

    @Test("a failed write on a missing library creates no library and prints one line")
    func failedWriteCreatesNothing() throws {
        let cli = try CLI()
        let failures: [[String]] = [
            ["doc", "add", cli.path("nowhere.txt")],
            ["annotate", "no-such-doc", "--quote", "x"],
            ["note", "add", "x", "--doc", "no-such-doc"],
        ]
        for args in failures {
            let result = cli.run(args)
            cli.expectCleanError(result)
            #expect(!cli.fileExists(cli.library), "`\(args.joined(separator: " "))` failed but left a library behind:\n\(result)")
            try? FileManager.default.removeItem(atPath: cli.library)
        }
    }

    @Test("a library path under a regular file")
    func unwritableLibraryPath() throws {
        let cli = try CLI()
        let afile = try cli.write("afile", "just a file\n")
        let library = cli.path("afile/lib.sqlite")
        let essay = try cli.write("essay.txt", "Some text.\n")
        for args in [
            ["init", "--library", library], ["note", "add", "x", "--library", library],
            ["doc", "add", essay, "--library", library], ["status", "--library", library],
        ] {
            let result = cli.run(args)
            cli.expectCleanError(result, mentioning: ["afile"])
        }
        #expect(try String(contentsOfFile: afile, encoding: .utf8) == "just a file\n")
        #expect(cli.listing().filter { $0.hasPrefix("afile") } == ["afile"])
    }

    @Test("a folder given as the library, and a sync folder or bundle that is not there")
    func foldersAndMissingPaths() throws {
        let cli = try CLI()
        let folder = cli.path("a-folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        cli.expectCleanError(cli.run(["status", "--library", folder]), mentioning: ["is a folder", "library.sqlite"])
        cli.expectCleanError(cli.run(["note", "add", "x", "--library", folder]), mentioning: ["is a folder"])
        #expect(cli.listing(folder).isEmpty, "nothing is written into the folder")
        try cli.initLibrary()
        cli.expectCleanError(cli.run(["sync", cli.path("no/such/folder")]), mentioning: ["is not there"])
        cli.expectCleanError(cli.run(["sync", folder]), mentioning: ["not a Marginalia sync folder", "remote add"])
        // A path the error already names is not named twice.
        let missing = cli.run(["bundle", "import", cli.path("missing.bundle")])
        cli.expectCleanError(missing)
        #expect(missing.stderr.components(separatedBy: "missing.bundle").count == 2, "\(missing)")
    }

    @Test("a corrupt library file: a clear error, and its bytes untouched")
    func corruptLibrary() throws {
        let cli = try CLI()
        var generator = SystemRandomNumberGenerator()
        let garbage = Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let withHeader = Data("SQLite format 3\u{0}".utf8) + garbage
        let essay = try cli.write("essay.txt", "Some text.\n")
        let everything: [[String]] = [
            ["status"], ["list"], ["doc", "list", "--json"], ["show", "abcd"], ["check"], ["check", "--rebuild"],
            ["note", "add", "x"], ["doc", "add", essay], ["init", "--name", "Ada"],
        ]
        let some: [[String]] = [["status"], ["check", "--rebuild"], ["note", "add", "x"], ["init", "--name", "Ada"]]
        for (name, bytes, commands) in [("random.sqlite", garbage, everything), ("header.sqlite", withHeader, some)] {
            let path = try cli.write(name, bytes)
            for args in commands {
                let result = cli.run(args + ["--library", path])
                cli.expectCleanError(result, mentioning: [name])
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes, "`\(args.joined(separator: " "))` changed \(name)")
            }
            #expect(!cli.fileExists(path + "-wal") && !cli.fileExists(path + "-shm") && !cli.fileExists(path + "-journal"),
                    "sidecar files appeared next to \(name): \(cli.listing())")
        }
    }

    @Test("unknown options and subcommands are usage errors")
    func unknownOptions() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        try expectRefused(subject, ["annotate", "essay", "--quote", "lazy", "--colour-me-bad"], usage: true)
        try expectRefused(subject, ["frobnicate"], usage: true)
        try expectRefused(subject, ["list", "--type", "document"], usage: true)
        try expectRefused(subject, ["list", "--limit", "0"], usage: true)
    }

    @Test("an empty search query")
    func emptySearch() throws {
        let subject = try library()
        defer { expectUnchanged(subject) }
        try expectRefused(subject, ["search", ""])
        try expectRefused(subject, ["search", "a\"(", "--raw"])
    }
}
