import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// `marginalia remote add NAME git:URL` and `sync` through a real bare git
// repository (DESIGN section 5, issue 4): two libraries clone it, push at the
// same time, and converge; git never sees a conflict.

/// Whether `git` is on the PATH; the suite is skipped without it.
private let gitPath: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { $0 + "/git" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

@Suite("git remotes", .enabled(if: gitPath != nil, "git is not installed"))
struct GitRemoteTests {
    @Test("two libraries sync a group through a bare repository, in turn and in concurrent pairs, and converge; the history has no merge")
    func concurrentSyncsConverge() throws {
        let scratch = ScratchFolder()
        let bare = try makeBareRepository(scratch)
        let ada = try CLI.reader("Ada")
        let bo = try CLI.reader("Bo")
        try ada.ok(["remote", "add", "club", "git:" + bare, "--group"])
        try bo.ok(["remote", "add", "club", "git:" + bare])
        #expect(string(try bo.jsonArray(["remote", "list", "--json"]).first, "kind") == "group")
        #expect(FileManager.default.fileExists(atPath: bo.library + ".remotes/club/marginalia-sync.json"))

        // In turn: Ada syncs, Bo writes and syncs, Ada reads it.
        try ada.create(["note", "add", "Ada, in turn", "--shared"])
        try ada.create(["note", "add", "Ada's secret"])
        try ada.syncJSON()
        try bo.create(["note", "add", "Bo, in turn", "--shared"])
        #expect(int(try bo.syncJSON(), "applied") == 1)
        #expect(int(try ada.syncJSON(), "applied") == 1)

        // Both at once, twice. When one push loses the race, its clone is
        // left dirty and every later sync of that library fails (see below).
        do {
            for round in 0..<2 {
                try ada.create(["note", "add", "Ada, round \(round)", "--shared"])
                try bo.create(["note", "add", "Bo, round \(round)", "--shared"])
                let results = runConcurrently([ada, bo].map { library in { library.run(["sync", "--json"], timeout: 60) } })
                for result in results {
                    #expect(result.succeeded, "round \(round):\n\(result)")
                }
                for library in [ada, bo] {
                    let settle = library.run(["sync", "--json"], timeout: 60)
                    #expect(settle.succeeded, "round \(round), settling:\n\(settle)")
                }
                #expect(try sharedStateHash(ada) == sharedStateHash(bo), "round \(round)")
            }
            #expect(try listedItems(bo).count == 2 + 4)
        }
        try expectLinearHistory(bare, mentioning: [ada, bo])
        #expect(!scratch.allBytes(under: bare).contains("Ada's secret"))
    }

    @Test("a push that loses a race pulls, reads what won and pushes again; the next sync works and leaves a clean clone")
    func aLostPushRaceIsRetried() throws {
        let scratch = ScratchFolder()
        let bare = try makeBareRepository(scratch)
        let ada = try CLI.reader("Ada")
        let bo = try CLI.reader("Bo")
        try ada.ok(["remote", "add", "club", "git:" + bare, "--group"])
        try bo.ok(["remote", "add", "club", "git:" + bare])
        try ada.create(["note", "add", "Ada's first", "--shared"])
        try ada.syncJSON()
        try bo.syncJSON()

        // Bo has pulled; while he pushes, Ada pushes first (a pre-push hook
        // in Bo's clone runs Ada's sync once), so Bo's push is refused.
        try ada.create(["note", "add", "Ada wins the race", "--shared"])
        try bo.create(["note", "add", "Bo loses the race", "--shared"])
        let clone = bo.library + ".remotes/club"
        let hook = clone + "/.git/hooks/pre-push"
        try FileManager.default.createDirectory(atPath: clone + "/.git/hooks", withIntermediateDirectories: true)
        try Data("""
            #!/bin/sh
            rm -f "$0"
            unset $(git rev-parse --local-env-vars)
            '\(ada.binary.path)' sync --library '\(ada.library)' > '\(ada.path("hook.out"))' 2>&1
            exit 0

            """.utf8).write(to: URL(fileURLWithPath: hook))
        chmod(hook, 0o755)
        let raced = try bo.syncJSON()
        #expect(!FileManager.default.fileExists(atPath: hook), "the hook ran")
        let hookOutput = (try? String(contentsOfFile: ada.path("hook.out"), encoding: .utf8)) ?? ""
        #expect(hookOutput.hasPrefix("club: pushed 1"), "Ada's sync in the hook: \(hookOutput)")
        #expect(int(raced, "pushed") == 1 && int(raced, "applied") == 1, "Bo reads Ada's bundle after the retry: \(raced)")
        try ada.syncJSON()
        #expect(try ada.stateHash() == bo.stateHash())

        do {
            #expect(try git(["status", "--porcelain"], in: clone).isEmpty, "Bo's clone is left dirty")
            try ada.create(["note", "add", "after the race", "--shared"])
            try ada.syncJSON()
            let next = bo.run(["sync", "--json"])
            #expect(next.succeeded, "\(next)")
            #expect(int(try JSONSerialization.jsonObject(with: Data(next.stdout.utf8)), "applied") == 1, "\(next)")
        }
        try expectLinearHistory(bare, mentioning: [ada, bo])
    }
}

// MARK: - Helpers

/// The digest of shared items: Ada also holds a private note Bo never sees.
private func sharedStateHash(_ library: CLI) throws -> String {
    let status = try JSONSerialization.jsonObject(with: Data(library.run(["status", "--json"]).stdout.utf8)) as? [String: Any]
    return try #require(status?["sharedStateHash"] as? String)
}

private func makeBareRepository(_ scratch: ScratchFolder) throws -> String {
    let bare = scratch.path("club.git")
    try git(["init", "--quiet", "--bare", bare], in: scratch.url.path)
    return bare
}

/// The bare repository's history is one line of commits (no merge), and
/// every library's replica wrote some of them; no file holds a conflict marker.
private func expectLinearHistory(_ bare: String, mentioning libraries: [CLI], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let subjects = try git(["log", "--format=%s", "main"], in: bare).split(separator: "\n").map(String.init)
    #expect(try git(["log", "--merges", "--oneline", "main"], in: bare).isEmpty, "merge commits", sourceLocation: sourceLocation)
    for library in libraries {
        let replica = try #require(string(try library.jsonObject(["status", "--json"]), "replica"))
        #expect(subjects.contains("marginalia: replica \(replica.prefix(8))"), "\(replica): \(subjects)", sourceLocation: sourceLocation)
    }
    let files = try git(["ls-tree", "-r", "--name-only", "main"], in: bare).split(separator: "\n")
    #expect(files.contains("marginalia-sync.json"), sourceLocation: sourceLocation)
    for file in files {
        let content = try git(["show", "main:\(file)"], in: bare)
        #expect(!content.contains("<<<<<<<") && !content.contains(">>>>>>>"), "\(file)", sourceLocation: sourceLocation)
    }
}

/// Runs git with a neutral configuration and returns its standard output.
@discardableResult
private func git(_ arguments: [String], in folder: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: gitPath ?? "/usr/bin/git")
    process.arguments = ["-c", "init.defaultBranch=main", "-C", folder] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CLI.HarnessError(description: "git \(arguments.joined(separator: " ")) failed (\(process.terminationStatus))")
    }
    return String(decoding: data, as: UTF8.self)
}

/// Runs each job on a thread of its own, all at once, and returns their results in order.
private func runConcurrently(_ jobs: [@Sendable () -> CLI.Result]) -> [CLI.Result] {
    final class Results: @unchecked Sendable {
        var values: [CLI.Result?]
        let lock = NSLock()
        init(_ count: Int) { values = Array(repeating: nil, count: count) }
    }
    let results = Results(jobs.count)
    let done = DispatchGroup()
    for (index, job) in jobs.enumerated() {
        done.enter()
        Thread.detachNewThread {
            let value = job()
            results.lock.withLock { results.values[index] = value }
            done.leave()
        }
    }
    done.wait()
    return results.values.map { $0! }
}
