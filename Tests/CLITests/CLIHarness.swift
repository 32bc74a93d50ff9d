import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Drives the built `marginalia` binary the way a user would, in a fresh
/// temporary folder that holds the library, `HOME`, `XDG_DATA_HOME` and
/// `TMPDIR`, so that nothing touches the real home. The folder goes away when
/// the `CLI` does.
final class CLI: Sendable {
    /// What one run of the binary did.
    struct Result: CustomStringConvertible, Sendable {
        let arguments: [String]
        let status: Int32
        /// False when the process died of a signal (a crash) or was killed after a timeout.
        let exitedNormally: Bool
        let stdout: String
        let stderr: String

        var succeeded: Bool { exitedNormally && status == 0 }
        var stdoutLines: [String] { Self.lines(stdout) }
        var stderrLines: [String] { Self.lines(stderr) }
        /// stdout without its final newline.
        var output: String { stdout.hasSuffix("\n") ? String(stdout.dropLast()) : stdout }

        static func lines(_ text: String) -> [String] {
            var lines = text.components(separatedBy: "\n")
            if lines.last == "" { lines.removeLast() }
            return lines
        }

        var description: String {
            "marginalia \(arguments.joined(separator: " ")) -> exit \(status)\(exitedNormally ? "" : " (abnormal)")\n"
                + "--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)"
        }
    }

    struct HarnessError: Error, CustomStringConvertible {
        let description: String
    }

    /// The temporary folder of this test.
    let root: URL
    /// The default library, also exported as `MARGINALIA_LIBRARY`.
    let library: String
    let home: URL
    let dataHome: URL
    let binary: URL

    init() throws {
        binary = try Self.locateBinary()
        let base = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
        root = base.appendingPathComponent("marginalia-clitest-\(UUID().uuidString)", isDirectory: true)
        home = root.appendingPathComponent("home", isDirectory: true)
        dataHome = root.appendingPathComponent("xdg-data", isDirectory: true)
        for folder in [root, home, dataHome, root.appendingPathComponent("tmp"), root.appendingPathComponent(".io")] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        library = root.appendingPathComponent("library.sqlite").path
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    // MARK: Files

    /// A path inside the test's folder.
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// Writes `contents` to a file in the test's folder and returns its path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        try write(name, Data(contents.utf8))
    }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let url = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url.path
    }

    /// Writes an executable shell script.
    @discardableResult
    func writeScript(_ name: String, _ body: String) throws -> String {
        let path = try write(name, "#!/bin/sh\n" + body + "\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Names of the files in a folder (the test folder by default), sorted.
    func listing(_ folder: String? = nil) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder ?? root.path)) ?? []).sorted()
    }

    // MARK: Running

    /// The environment every run gets: a controlled home, user and library.
    var baseEnvironment: [String: String] {
        var environment: [String: String] = [:]
        let inherited = ProcessInfo.processInfo.environment
        for key in ["PATH", "LANG", "LC_ALL", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_FRAMEWORK_PATH"] {
            if let value = inherited[key] { environment[key] = value }
        }
        if environment["PATH"] == nil { environment["PATH"] = "/usr/bin:/bin" }
        environment["USER"] = "tester"
        environment["LOGNAME"] = "tester"
        environment["NO_COLOR"] = "1"
        environment["HOME"] = home.path
        environment["XDG_DATA_HOME"] = dataHome.path
        environment["TMPDIR"] = root.appendingPathComponent("tmp").path
        environment["MARGINALIA_LIBRARY"] = library
        return environment
    }

    /// Runs `marginalia ARGS`. `env` overrides the base environment; a value
    /// of "" removes the variable. Without `stdin`, standard input is /dev/null.
    func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:], timeout: TimeInterval = 30) -> Result {
        var environment = baseEnvironment
        for (key, value) in env {
            environment[key] = value.isEmpty ? nil : value
        }
        return Self.execute(
            executable: binary, arguments: args, stdin: stdin.map { Data($0.utf8) }, environment: environment,
            ioFolder: root.appendingPathComponent(".io"), currentDirectory: root, timeout: timeout)
    }

    /// Runs a command that must succeed, and returns what it printed.
    @discardableResult
    func ok(_ args: [String], stdin: String? = nil, env: [String: String] = [:],
            sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let result = run(args, stdin: stdin, env: env)
        guard result.succeeded else {
            Issue.record("expected success:\n\(result)", sourceLocation: sourceLocation)
            throw HarnessError(description: "command failed: \(result)")
        }
        return result
    }

    /// Runs a command that creates something and returns the id it printed
    /// as its only line on stdout.
    @discardableResult
    func create(_ args: [String], stdin: String? = nil, env: [String: String] = [:],
                sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try ok(args, stdin: stdin, env: env, sourceLocation: sourceLocation)
        let lines = result.stdoutLines
        guard lines.count == 1, let id = lines.first, !id.isEmpty, !id.contains(" ") else {
            Issue.record("expected one id on stdout:\n\(result)", sourceLocation: sourceLocation)
            throw HarnessError(description: "no id printed: \(result)")
        }
        return id
    }

    /// Runs a command and parses its stdout as one JSON document.
    func json(_ args: [String], stdin: String? = nil, env: [String: String] = [:],
              sourceLocation: SourceLocation = #_sourceLocation) throws -> Any {
        let result = try ok(args, stdin: stdin, env: env, sourceLocation: sourceLocation)
        do {
            return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed])
        } catch {
            Issue.record("stdout is not JSON (\(error)):\n\(result)", sourceLocation: sourceLocation)
            throw error
        }
    }

    func jsonObject(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let value = try json(args, sourceLocation: sourceLocation)
        return try #require(value as? [String: Any], "expected a JSON object from \(args)", sourceLocation: sourceLocation)
    }

    func jsonArray(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let value = try json(args, sourceLocation: sourceLocation)
        return try #require(value as? [[String: Any]], "expected a JSON array of objects from \(args)", sourceLocation: sourceLocation)
    }

    /// The library's state hash, from `status --json`.
    func stateHash(library: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        var args = ["status", "--json"]
        if let library { args += ["--library", library] }
        let status = try jsonObject(args, sourceLocation: sourceLocation)
        return try #require(status["stateHash"] as? String, "status --json has no stateHash", sourceLocation: sourceLocation)
    }

    /// Creates the default library for reader "tester".
    @discardableResult
    func initLibrary(name: String = "tester") throws -> String {
        try create(["init", "--name", name])
    }

    // MARK: Assertions

    /// A failure the way the design wants it: a non-zero exit, nothing on
    /// stdout, exactly one non-empty line on stderr starting with
    /// "marginalia: error:", no crash and no stack trace.
    func expectCleanError(_ result: Result, mentioning fragments: [String] = [],
                          sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.exitedNormally, "crashed or timed out:\n\(result)", sourceLocation: sourceLocation)
        #expect(result.status != 0, "expected a non-zero exit:\n\(result)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "expected nothing on stdout:\n\(result)", sourceLocation: sourceLocation)
        let lines = result.stderrLines
        #expect(lines.count == 1, "expected exactly one line on stderr:\n\(result)", sourceLocation: sourceLocation)
        let first = lines.first ?? ""
        #expect(first.hasPrefix("marginalia: error: "), "expected 'marginalia: error:':\n\(result)", sourceLocation: sourceLocation)
        #expect(first.count > "marginalia: error: ".count + 5, "the message is empty:\n\(result)", sourceLocation: sourceLocation)
        expectNoStackTrace(result, sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(first.localizedCaseInsensitiveContains(fragment), "the message should mention '\(fragment)':\n\(result)",
                    sourceLocation: sourceLocation)
        }
    }

    /// A usage error caught by swift-argument-parser: exit 64 (EX_USAGE),
    /// nothing on stdout, one "marginalia: error: ..." line that points to
    /// the command's --help, and no stack trace.
    func expectUsageError(_ result: Result, mentioning fragments: [String] = [],
                          sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.exitedNormally, "crashed or timed out:\n\(result)", sourceLocation: sourceLocation)
        #expect(result.status == 64, "expected exit 64 for a usage error:\n\(result)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "expected nothing on stdout:\n\(result)", sourceLocation: sourceLocation)
        let lines = result.stderrLines
        #expect(lines.count == 1, "expected exactly one line on stderr:\n\(result)", sourceLocation: sourceLocation)
        let first = lines.first ?? ""
        #expect(first.hasPrefix("marginalia: error: "), "expected 'marginalia: error:':\n\(result)", sourceLocation: sourceLocation)
        #expect(first.contains("--help"), "a usage error points to --help:\n\(result)", sourceLocation: sourceLocation)
        expectNoStackTrace(result, sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(first.localizedCaseInsensitiveContains(fragment), "the message should mention '\(fragment)':\n\(result)",
                    sourceLocation: sourceLocation)
        }
    }

    func expectNoStackTrace(_ result: Result, sourceLocation: SourceLocation = #_sourceLocation) {
        for marker in ["Fatal error", "Stack dump", "Current stack trace", "Backtrace", "💣", "Thread 0", "#0 0x", "SQLite error"] {
            #expect(!result.stderr.contains(marker), "stderr holds '\(marker)':\n\(result)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Locating the binary

    private static let located: Swift.Result<URL, HarnessError> = {
        let fileManager = FileManager.default
        var folders: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["MARGINALIA_BINARY"], !explicit.isEmpty {
            let url = URL(fileURLWithPath: explicit)
            if fileManager.isExecutableFile(atPath: url.path) { return .success(url) }
        }
        // Linux: the test runner (.build/debug/MarginaliaPackageTests.xctest) sits next to
        // the built products. macOS: the .xctest bundle does, or xctest's own bundle does.
        let argument0 = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        folders.append(argument0.deletingLastPathComponent())
        folders.append(Bundle.main.bundleURL)
        folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
        if let executable = Bundle.main.executableURL { folders.append(executable.deletingLastPathComponent()) }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            folders.append(bundle.bundleURL.deletingLastPathComponent())
        }
        // From this source file: <package>/Tests/CLITests/CLIHarness.swift.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        folders.append(package.appendingPathComponent(".build/debug"))
        var tried: [String] = []
        for folder in folders {
            // Walk up a few levels: the binary may sit beside a bundle's Contents/MacOS.
            var candidate = folder
            for _ in 0..<4 {
                let binary = candidate.appendingPathComponent("marginalia")
                tried.append(binary.path)
                var isDirectory: ObjCBool = false
                if fileManager.fileExists(atPath: binary.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    fileManager.isExecutableFile(atPath: binary.path)
                {
                    return .success(binary)
                }
                candidate = candidate.deletingLastPathComponent()
            }
        }
        return .failure(
            HarnessError(
                description: "cannot find the built `marginalia` binary (set MARGINALIA_BINARY to override); tried:\n  "
                    + tried.joined(separator: "\n  ")))
    }()

    static func locateBinary() throws -> URL { try located.get() }

    // MARK: Process

    static func execute(
        executable: URL, arguments: [String], stdin: Data?, environment: [String: String], ioFolder: URL,
        currentDirectory: URL, timeout: TimeInterval
    ) -> Result {
        let token = UUID().uuidString
        let outURL = ioFolder.appendingPathComponent("\(token).out")
        let errURL = ioFolder.appendingPathComponent("\(token).err")
        let inURL = ioFolder.appendingPathComponent("\(token).in")
        defer {
            for url in [outURL, errURL, inURL] { try? FileManager.default.removeItem(at: url) }
        }
        // Output goes to files, so a chatty child can never block on a full pipe.
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let failure = { (message: String) in
            Result(arguments: arguments, status: -1, exitedNormally: false, stdout: "", stderr: "harness: \(message)")
        }
        guard let outHandle = try? FileHandle(forWritingTo: outURL), let errHandle = try? FileHandle(forWritingTo: errURL)
        else { return failure("cannot open output files") }
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }
        let inHandle: FileHandle
        if let stdin {
            guard (try? stdin.write(to: inURL)) != nil, let handle = try? FileHandle(forReadingFrom: inURL) else {
                return failure("cannot write standard input")
            }
            inHandle = handle
        } else {
            inHandle = FileHandle.nullDevice
        }
        defer { if stdin != nil { try? inHandle.close() } }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = currentDirectory
        process.standardInput = inHandle
        process.standardOutput = outHandle
        process.standardError = errHandle
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do {
            try process.run()
        } catch {
            return failure("cannot start \(executable.path): \(error)")
        }
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            if done.wait(timeout: .now() + 5) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                _ = done.wait(timeout: .now() + 5)
            }
        }
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? "<stdout is not UTF-8>"
        var stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? "<stderr is not UTF-8>"
        if timedOut { stderr += "\nharness: timed out after \(timeout) s" }
        return Result(
            arguments: arguments, status: process.terminationStatus,
            exitedNormally: !timedOut && process.terminationReason == .exit, stdout: stdout, stderr: stderr)
    }
}

// MARK: Small helpers shared by the tests

extension String {
    /// Whether this is `count` lowercase hex digits.
    func isLowercaseHex(count: Int) -> Bool {
        self.count == count && allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    /// The number of Unicode code points (what Marginalia's offsets count).
    var codePoints: Int { unicodeScalars.count }
}

/// Reads a nested JSON value: `value(json, "target", "quote", "exact")`.
func value(_ json: Any?, _ path: String...) -> Any? {
    var current = json
    for key in path {
        guard let object = current as? [String: Any] else { return nil }
        current = object[key]
    }
    if current is NSNull { return nil }
    return current
}

func string(_ json: Any?, _ path: String...) -> String? {
    var current = json
    for key in path {
        guard let object = current as? [String: Any] else { return nil }
        current = object[key]
    }
    return current as? String
}

func int(_ json: Any?, _ path: String...) -> Int? {
    var current = json
    for key in path {
        guard let object = current as? [String: Any] else { return nil }
        current = object[key]
    }
    return (current as? NSNumber)?.intValue ?? (current as? Int)
}

func strings(_ json: Any?, _ path: String...) -> [String]? {
    var current = json
    for key in path {
        guard let object = current as? [String: Any] else { return nil }
        current = object[key]
    }
    return current as? [String]
}

/// The ids of a JSON array of items.
func ids(_ items: [[String: Any]]) -> [String] { items.compactMap { $0["id"] as? String } }
