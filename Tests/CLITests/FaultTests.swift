import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The world failing under a library: a read-only file or folder, a full
/// disk, a read-only sync folder, a file that is not SQLite. Each gives one
/// clear line and leaves the library as it was, passing `marginalia check`.
///
/// Root ignores file modes, so as root a read-only place is a read-only
/// mount, and a full disk is a small tmpfs; those tests are skipped (with the
/// reason printed) where mounting is not allowed.
@Suite("faults")
struct FaultTests {
    // MARK: Read-only places

    @Test("a read-only library file: writes refuse with one line, reads work, nothing changes")
    func readOnlyLibraryFile() throws {
        let cli = try CLI()
        let annotation = try Self.smallLibrary(cli)
        let hash = try cli.stateHash()
        guard let readOnly = ReadOnly(file: cli.library) else { return }
        defer { readOnly.undo() }

        for args in Self.writes(annotation) {
            cli.expectCleanError(cli.run(args), mentioning: ["read"])
        }
        #expect(try cli.stateHash() == hash)
        #expect(ids(try cli.jsonArray(["list", "--json"])).contains(annotation))
        try Self.expectChecked(cli)
        readOnly.undo()
        try cli.create(["note", "add", "writable again"])
        try Self.expectChecked(cli)
    }

    @Test("a library in a read-only folder: writes refuse with one line, reads work, nothing changes")
    func readOnlyLibraryFolder() throws {
        let cli = try CLI()
        guard let mount = TestMount(in: cli, megabytes: 8) else { return }
        let library = mount.path + "/library.sqlite"
        let annotation = try Self.smallLibrary(cli, library: library)
        let hash = try cli.stateHash(library: library)
        guard mount.setReadOnly(true) else { return }

        for args in Self.writes(annotation) {
            cli.expectCleanError(cli.run(args + ["--library", library]), mentioning: ["read"])
        }
        #expect(try cli.stateHash(library: library) == hash)
        #expect(ids(try cli.jsonArray(["list", "--json", "--library", library])).contains(annotation))
        try Self.expectChecked(cli, library: library)
        #expect(mount.setReadOnly(false))
        try cli.create(["note", "add", "writable again", "--library", library])
        try Self.expectChecked(cli, library: library)
    }

    // MARK: A full disk

    @Test("a full disk: annotate, doc add, bundle import and sync fail with one line; the library stays whole")
    func fullDisk() throws {
        let cli = try CLI()
        guard let mount = TestMount(in: cli, megabytes: 2) else { return }
        let library = mount.path + "/library.sqlite"
        let folder = mount.path + "/sync"
        _ = try Self.smallLibrary(cli, library: library)
        try cli.ok(["remote", "add", "mine", folder, "--personal", "--library", library])
        try cli.ok(["sync", "--library", library])
        // Work for the full disk to refuse: a long text, another reader's bundle, something to push.
        let longText = try cli.write("long.md", String(repeating: "A sentence that takes room on the disk. ", count: 1_000))
        let other = try CLI.reader("Other")
        try other.create(["doc", "add", longText, "--id", "long"])
        for page in 1...3 { try other.create(["annotate", "long", "--at", "\(page * 10):\(page * 10 + 5)", "--note", "n\(page)"]) }
        let bundle = try other.exportBundle()
        try cli.create(["annotate", "book", "--page", "12", "--note", "to be pushed", "--library", library])
        let hash = try cli.stateHash(library: library)

        let filler = mount.fill()
        defer { try? FileManager.default.removeItem(atPath: filler) }
        let attempts: [[String]] = [
            ["annotate", "book", "--page", "13", "--note", String(repeating: "a long note ", count: 2000)],
            ["doc", "add", longText, "--id", "long-here"],
            ["bundle", "import", bundle],
        ]
        for args in attempts {
            cli.expectCleanError(cli.run(args + ["--library", library]), mentioning: ["the disk is full"])
            #expect(try cli.stateHash(library: library) == hash, "after \(args[0])")
            try Self.expectChecked(cli, library: library)
        }
        // sync reports its counts on stdout, as always, and the failure as one line.
        let sync = cli.run(["sync", "--library", library])
        #expect(sync.exitedNormally && sync.status == 1, "\(sync)")
        #expect(sync.stderrLines.count == 1 && sync.stderr.contains("No space left on device"), "\(sync)")
        cli.expectNoStackTrace(sync)
        #expect(try cli.stateHash(library: library) == hash, "after sync")
        try Self.expectChecked(cli, library: library)
        // With room again, everything goes through.
        try FileManager.default.removeItem(atPath: filler)
        try cli.ok(["bundle", "import", bundle, "--library", library])
        try cli.ok(["sync", "--library", library])
        try Self.expectChecked(cli, library: library)
    }

    // MARK: Sync folders

    @Test("a read-only sync folder: the sync says why nothing was pushed; the library is unchanged; later it pushes")
    func readOnlySyncFolder() throws {
        let cli = try CLI()
        guard let mount = TestMount(in: cli, megabytes: 4) else { return }
        let folder = mount.path + "/club"
        _ = try Self.smallLibrary(cli)
        try cli.ok(["remote", "add", "club", folder, "--group"])
        try cli.ok(["sync"])
        let note = try cli.create(["note", "add", "held back", "--shared"])
        guard mount.setReadOnly(true) else { return }
        let hash = try cli.stateHash()

        let result = cli.run(["sync"])
        #expect(result.exitedNormally && result.status != 0, "\(result)")
        #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("marginalia: error: "), "\(result)")
        #expect(result.stderr.contains(folder), "\(result)")
        #expect(try cli.stateHash() == hash)
        try Self.expectChecked(cli)

        #expect(mount.setReadOnly(false))
        let synced = try cli.syncJSON()
        #expect(int(synced, "pushed") == 1, "\(synced)")
        let bo = try CLI.reader("Bo")
        try bo.ok(["remote", "add", "club", folder])
        try bo.ok(["sync"])
        #expect(ids(try bo.jsonArray(["list", "--json"])).contains(note))
    }

    @Test("check notices this replica's bundle chain broken in a sync folder")
    func checkSeesABrokenChain() throws {
        let cli = try CLI()
        let scratch = ScratchFolder()
        let folder = scratch.path("mine")
        try cli.initLibrary()
        try cli.ok(["remote", "add", "mine", folder, "--personal"])
        for note in ["one", "two"] {
            try cli.create(["note", "add", note])
            try cli.ok(["sync"])
        }
        try Self.expectChecked(cli)
        let replica = try #require(string(try cli.jsonObject(["status", "--json"]), "replica"))
        let first = try #require(cli.listing(folder + "/replicas/" + replica).first { $0.hasPrefix("000000000001-") })
        try FileManager.default.removeItem(atPath: folder + "/replicas/\(replica)/\(first)")
        let check = cli.run(["check"])
        #expect(check.status == 1 && check.stdout.contains("bundle 1 is missing or damaged"), "\(check)")
    }

    // MARK: Not a library

    @Test("a library file that is not SQLite: every command refuses it with one line and leaves it as it was")
    func notSQLite() throws {
        let cli = try CLI()
        var generator = SystemRandomNumberGenerator()
        let contents: [Data] = [
            Data("my shopping list\neggs\n".utf8),
            Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) }),
            Data("SQLite format 3\0".utf8) + Data(repeating: 0xff, count: 4080),
        ]
        for (index, data) in contents.enumerated() {
            let path = try cli.write("junk-\(index).sqlite", data)
            for args in [["status"], ["list", "--json"], ["annotate", "x", "--page", "1"], ["note", "add", "n"], ["check"]] {
                cli.expectCleanError(cli.run(args + ["--library", path]), mentioning: ["not a Marginalia library"])
            }
            #expect(FileManager.default.contents(atPath: path) == data)
            #expect(!cli.fileExists(path + "-wal") && !cli.fileExists(path + "-shm"))
        }
    }

    // MARK: Helpers

    /// A paper book `book` with one annotation (whose id is returned).
    static func smallLibrary(_ cli: CLI, library: String? = nil) throws -> String {
        let extra = library.map { ["--library", $0] } ?? []
        try cli.create(["init", "--name", "Faulty"] + extra)
        try cli.create(["doc", "add", "--no-text", "--title", "A Book", "--id", "book"] + extra)
        return try cli.create(["annotate", "book", "--page", "12", "--note", "a note", "--tag", "t"] + extra)
    }

    /// One of each kind of write, `annotation` being an annotation's id.
    static func writes(_ annotation: String) -> [[String]] {
        [
            ["annotate", "book", "--page", "13"],
            ["note", "add", "a note"],
            ["doc", "add", "--no-text", "--title", "Another"],
            ["edit", annotation, "--note", "changed"],
            ["rm", annotation],
        ]
    }

    static func expectChecked(_ cli: CLI, library: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let report = try cli.jsonObject(["check", "--json"] + (library.map { ["--library", $0] } ?? []), sourceLocation: sourceLocation)
        #expect(report["ok"] as? Bool == true, "\(report)", sourceLocation: sourceLocation)
    }
}

/// Runs a system tool; its exit status.
@discardableResult
private func system(_ arguments: [String]) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
}

/// A small tmpfs mounted in a test's folder (root only), unmounted when the
/// test ends. `nil`, with the reason recorded, when it cannot be mounted.
final class TestMount {
    let path: String

    init?(in cli: CLI, megabytes: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        path = cli.path("mount-\(UUID().uuidString.prefix(8))")
        guard getuid() == 0 else {
            print("skipped: mounting a tmpfs needs root (\(sourceLocation))")
            return nil
        }
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard system(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]) == 0 else {
            print("skipped: `mount -t tmpfs` is not allowed here (\(sourceLocation))")
            return nil
        }
    }

    deinit {
        system(["umount", "-l", path])
    }

    /// Remounts read-only or writable; false (recorded) when that fails.
    func setReadOnly(_ readOnly: Bool) -> Bool {
        let done = system(["mount", "-o", "remount,\(readOnly ? "ro" : "rw")", path]) == 0
        if !done { Issue.record("could not remount \(path) \(readOnly ? "read-only" : "writable")") }
        return done
    }

    /// Fills the file system to the last block; returns the filler file.
    func fill() -> String {
        let filler = path + "/filler"
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        if let handle = FileHandle(forWritingAtPath: filler) {
            let chunk = Data(count: 64 * 1024)
            while (try? handle.write(contentsOf: chunk)) != nil {}
            let small = Data(count: 512)
            while (try? handle.write(contentsOf: small)) != nil {}
            try? handle.close()
        }
        return filler
    }
}

/// A library file made read-only: a read-only bind mount of the file as
/// root (root ignores file modes), its mode otherwise.
final class ReadOnly {
    let file: String
    private var mounted = false
    private var undone = false

    init?(file: String) {
        self.file = file
        if getuid() == 0 {
            guard system(["mount", "--bind", file, file]) == 0 else {
                print("skipped: a read-only bind mount is not allowed here")
                return nil
            }
            mounted = true
            guard system(["mount", "-o", "remount,ro,bind", file]) == 0 else {
                undo()
                print("skipped: a read-only bind mount is not allowed here")
                return nil
            }
        } else {
            chmod(file, 0o400)
        }
    }

    func undo() {
        guard !undone else { return }
        undone = true
        if mounted { system(["umount", file]) } else { chmod(file, 0o600) }
    }

    deinit { undo() }
}
