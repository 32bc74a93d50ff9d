import Foundation
import Testing

@Suite("help and conventions")
struct HelpAndConventionsTests {
    static let subcommands: [[String]] = [
        ["init"], ["doc", "add"], ["doc", "list"], ["doc", "show"], ["annotate"], ["note", "add"], ["edit"], ["tag"], ["rm"],
        ["restore"], ["list"], ["show"], ["history"], ["search"], ["status"], ["check"], ["demo"],
        ["remote", "add"], ["remote", "list"], ["remote", "rm"], ["sync"], ["readers", "list"], ["readers", "block"],
        ["readers", "unblock"], ["identity", "export"], ["replica", "reset"], ["bundle", "export"],
        ["set", "create"], ["set", "add"], ["set", "rm"], ["set", "rename"], ["set", "edit"], ["set", "list"], ["set", "show"],
        ["export"], ["import"],
    ]

    @Test("--help of every subcommand exits 0 and shows an example", arguments: subcommands)
    func helpHasExample(_ command: [String]) throws {
        let cli = try CLI()
        let result = cli.run(command + ["--help"])
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout.contains("Example"), "`\(command.joined(separator: " ")) --help` has no example:\n\(result)")
        #expect(result.stdout.contains("USAGE: marginalia \(command.joined(separator: " "))"), "\(result)")
        #expect(!cli.fileExists(cli.library), "--help must not create a library")
        if command == ["annotate"] || command == ["doc", "add"] {
            // `marginalia help SUBCOMMAND` says the same.
            let help = cli.run(["help"] + command)
            #expect(help.succeeded, "\(help)")
            #expect(help.stdout == result.stdout, "\(help)")
        }
    }

    @Test("the top-level help lists every subcommand and a first step")
    func topLevelHelp() throws {
        let cli = try CLI()
        let result = cli.run(["--help"])
        #expect(result.succeeded, "\(result)")
        for name in ["init", "doc", "annotate", "note", "edit", "tag", "rm", "restore", "list", "show", "history", "search",
                     "status", "check", "demo", "bundle", "remote", "sync", "readers", "identity", "replica", "set", "export", "import"]
        {
            #expect(result.stdout.contains("  \(name) "), "the help should list `\(name)`:\n\(result)")
        }
        #expect(result.stdout.contains("marginalia demo"))
        // No arguments at all: help, not a crash.
        let bare = cli.run([])
        #expect(bare.exitedNormally, "\(bare)")
        #expect((bare.stdout + bare.stderr).contains("USAGE"), "\(bare)")
    }

    @Test("--version prints a version")
    func version() throws {
        let cli = try CLI()
        let result = cli.run(["--version"])
        #expect(result.succeeded, "\(result)")
        #expect(result.stdoutLines.count == 1, "\(result)")
        let version = result.output
        let parts = version.split(separator: ".")
        #expect(parts.count >= 2 && parts.allSatisfy { Int($0.prefix { $0.isNumber }) != nil }, "not a version: '\(version)'")
    }

    @Test("--generate-completion-script prints a script", arguments: ["bash", "zsh", "fish"])
    func completionScript(_ shell: String) throws {
        let cli = try CLI()
        let result = cli.run(["--generate-completion-script", shell])
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout.contains("marginalia"), "\(result)")
        #expect(result.stdout.contains("annotate"), "the script should complete subcommands:\n\(result)")
        if shell == "bash" {
            #expect(result.stdout.hasPrefix("#!/bin/bash"), "\(result.stdout.prefix(80))")
            #expect(result.stdout.contains("complete "))
        }
    }

    @Test("demo exits 0, prints a state hash, and touches no library of the user's")
    func demo() throws {
        let cli = try CLI()
        let result = cli.run(["demo"])
        #expect(result.succeeded, "\(result)")
        let hashLine = result.stdoutLines.first { $0.contains("state hash") }
        let line = try #require(hashLine, "demo prints no state hash line:\n\(result)")
        let hash = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ":" }).last.map(String.init) ?? ""
        #expect(hash.isLowercaseHex(count: 64), "no 64-hex state hash in '\(line)'")
        #expect(!result.stdout.contains("\u{1B}["))
        #expect(!cli.fileExists(cli.library), "demo must not create the user's library")
        #expect(cli.listing(cli.dataHome.path).isEmpty, "demo wrote under XDG_DATA_HOME: \(cli.listing(cli.dataHome.path))")
        #expect(cli.listing(cli.path("tmp")).isEmpty, "demo left files in TMPDIR: \(cli.listing(cli.path("tmp")))")
    }

    /// Runs a representative set of commands, all text output, and returns
    /// everything they printed.
    func everydayOutput(_ cli: CLI, env: [String: String] = [:]) throws -> [CLI.Result] {
        try cli.initLibrary()
        let file = try cli.write("essay.md", "# On Margins\n\nThe pencil is a promise to come back.\n")
        let doc = try cli.create(["doc", "add", file], env: env)
        let annotation = try cli.create(["annotate", doc, "--quote", "pencil", "--note", "tools", "--tag", "t"], env: env)
        let note = try cli.create(["note", "add", "a pencil note", "--title", "Title", "--tag", "t"], env: env)
        try cli.ok(["edit", note, "--note", "a better pencil note"], env: env)
        try cli.ok(["rm", annotation], env: env)
        var results: [CLI.Result] = []
        for args in [
            ["list"], ["list", "--deleted"], ["show", annotation], ["show", note], ["doc", "list"], ["doc", "show", doc],
            ["history", note], ["search", "pencil"], ["status"], ["check"], ["restore", annotation], ["doc", "show", doc],
            ["tag", note, "+u"], ["annotate", doc, "--quote", "nowhere to be found"], ["show", "ffff"], ["--help"],
            ["annotate", "--help"],
        ] {
            results.append(cli.run(args, env: env))
        }
        return results
    }

    @Test("NO_COLOR=1: no escape sequences in any output")
    func noColorNoEscapes() throws {
        let cli = try CLI()
        for result in try everydayOutput(cli) {
            #expect(!result.stdout.contains("\u{1B}["), "escape sequence on stdout:\n\(result)")
            #expect(!result.stderr.contains("\u{1B}["), "escape sequence on stderr:\n\(result)")
        }
    }

    static let hasScript = FileManager.default.isExecutableFile(atPath: "/usr/bin/script")
        && ProcessInfo.processInfo.environment["MARGINALIA_SKIP_PTY_TESTS"] == nil

    /// Runs `marginalia ARGS` with stdout on a pseudo-terminal (through util-linux `script`).
    func onTerminal(_ cli: CLI, _ args: [String], env: [String: String]) -> CLI.Result {
        let quoted = ([cli.binary.path] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        var environment = cli.baseEnvironment
        for (key, value) in env { environment[key] = value.isEmpty ? nil : value }
        environment["TERM"] = "xterm-256color"
        return CLI.execute(
            executable: URL(fileURLWithPath: "/usr/bin/script"),
            arguments: ["-qec", quoted.joined(separator: " "), "/dev/null"], stdin: nil, environment: environment,
            ioFolder: cli.root.appendingPathComponent(".io"), currentDirectory: cli.root, timeout: 30)
    }

    @Test("on a terminal, colour appears, unless NO_COLOR is set", .enabled(if: hasScript))
    func noColorOnTerminal() throws {
        let cli = try CLI()
        try cli.initLibrary()
        try cli.create(["note", "add", "a pencil note", "--tag", "t"])
        let coloured = onTerminal(cli, ["list"], env: ["NO_COLOR": ""])
        #expect(coloured.succeeded, "\(coloured)")
        try #require(coloured.stdout.contains("pencil"), "the pty run printed nothing useful:\n\(coloured)")
        #expect(coloured.stdout.contains("\u{1B}["), "expected colour on a terminal (sanity check of this test):\n\(coloured)")

        for args in [["list"], ["search", "pencil"], ["status"], ["--help"]] {
            let plain = onTerminal(cli, args, env: ["NO_COLOR": "1"])
            #expect(plain.succeeded, "\(plain)")
            #expect(!plain.stdout.contains("\u{1B}["), "NO_COLOR=1 but escapes on a terminal:\n\(plain)")
        }
    }

    @Test("a creating command prints its id as the only line on stdout; remarks go to stderr")
    func stdoutIsOnlyTheID() throws {
        let cli = try CLI()
        // The first write also creates the library: its remark must not reach stdout.
        let file = try cli.write("essay.txt", "The pencil is a promise.\n")
        let steps: [[String]] = [
            ["doc", "add", file],
            ["doc", "add", "--no-text", "--title", "Middlemarch", "--id", "middlemarch"],
            ["annotate", "middlemarch", "--page", "12"],
            ["note", "add", "a note"],
        ]
        for args in steps {
            let result = cli.run(args)
            #expect(result.succeeded, "\(result)")
            #expect(result.stdoutLines.count == 1, "\(result)")
            let id = result.output
            #expect(id == "middlemarch" || id.isLowercaseHex(count: 32), "\(result)")
        }
    }

    @Test("every reading command's --json prints one JSON document")
    func jsonEverywhere() throws {
        let cli = try CLI()
        try cli.initLibrary()
        let file = try cli.write("essay.txt", "The pencil is a promise.\n")
        let doc = try cli.create(["doc", "add", file])
        let annotation = try cli.create(["annotate", doc, "--quote", "pencil"])
        for args in [
            ["status"], ["list"], ["doc", "list"], ["doc", "show", doc], ["show", annotation], ["show", doc],
            ["history", annotation], ["search", "pencil"], ["check"],
        ] {
            let result = cli.run(args + ["--json"])
            #expect(result.succeeded, "\(result)")
            #expect(
                (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) != nil,
                "`\(args.joined(separator: " ")) --json` is not one JSON document:\n\(result)")
        }
    }
}
