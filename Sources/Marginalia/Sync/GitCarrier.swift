import Foundation

/// Carries a sync folder through a git remote: a clone beside the library,
/// pulled before a sync and committed and pushed after it.
///
/// Every replica writes only new files with names no one else uses, so a
/// rebase never meets a conflict; a push that loses a race with another
/// replica's push pulls and tries again.
///
/// ```swift
/// let git = GitCarrier()
/// try git.cloneOrOpen(url: "/srv/notes.git", into: clonePath)
/// try git.pull(in: clonePath)
/// ```
public struct GitCarrier: Sendable {
    /// The branch every replica uses.
    static let branch = "main"
    /// Pushes tried before giving up on a race that does not settle.
    let attempts: Int

    public init(attempts: Int = 8) {
        self.attempts = attempts
    }

    /// Clones `url` into `path` unless the clone is there already.
    func cloneOrOpen(url: String, into path: String) throws(MarginaliaError) {
        if FileManager.default.fileExists(atPath: path + "/.git") { return }
        do {
            try FileManager.default.createDirectory(
                atPath: LibraryDatabase.folder(of: path), withIntermediateDirectories: true)
        } catch {
            throw .unwritableFile(path: path, reason: (error as NSError).localizedDescription)
        }
        try run(["clone", "--quiet", "--no-checkout", url, path], in: nil)
        // An empty remote clones with no branch yet.
        if try remoteHasBranch(in: path) {
            try run(["checkout", "--quiet", "-B", Self.branch, "origin/\(Self.branch)"], in: path)
        } else {
            try run(["checkout", "--quiet", "--orphan", Self.branch], in: path)
        }
    }

    /// Brings in what other replicas pushed.
    func pull(in path: String) throws(MarginaliaError) {
        guard try remoteHasBranch(in: path) else { return }
        try run(["pull", "--quiet", "--rebase", "--autostash", "origin", Self.branch], in: path)
    }

    /// Commits every change in the clone and pushes it.
    ///
    /// - Returns: whether other replicas' commits were pulled on the way,
    ///   so the caller can read them.
    @discardableResult
    func commitAndPush(in path: String, message: String) throws(MarginaliaError) -> Bool {
        try run(["add", "--all", "."], in: path)
        let status = try run(["status", "--porcelain"], in: path)
        if !status.isEmpty { try run(["commit", "--quiet", "-m", message], in: path) }
        let ahead = try remoteHasBranch(in: path)
            ? try run(["rev-list", "--count", "origin/\(Self.branch)..HEAD"], in: path).trimmingWhitespace() != "0"
            : try !run(["rev-parse", "--verify", "--quiet", "HEAD"], in: path, allowFailure: true).isEmpty
        guard ahead else { return false }
        var pulled = false
        for attempt in 1...attempts {
            do {
                try run(["push", "--quiet", "origin", "HEAD:\(Self.branch)"], in: path)
                return pulled
            } catch {
                guard attempt < attempts else { throw error }
                // Someone pushed first: their files and ours never share a name.
                try run(["pull", "--quiet", "--rebase", "--autostash", "origin", Self.branch], in: path)
                pulled = true
            }
        }
        return pulled
    }

    private func remoteHasBranch(in path: String) throws(MarginaliaError) -> Bool {
        try run(["fetch", "--quiet", "origin"], in: path)
        return try !run(["rev-parse", "--verify", "--quiet", "origin/\(Self.branch)"], in: path, allowFailure: true).isEmpty
    }

    /// Runs git and returns its standard output.
    @discardableResult
    private func run(_ arguments: [String], in folder: String?, allowFailure: Bool = false) throws(MarginaliaError) -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        let result: ChildProcess
        do {
            // Commits need an author; sync commits are the tool's, not a person's.
            result = try ChildProcess.run(
                "/usr/bin/env",
                ["git", "-c", "user.name=Marginalia", "-c", "user.email=marginalia@localhost", "-c", "commit.gpgsign=false"]
                    + (folder.map { ["-C", $0] } ?? []) + arguments,
                environment: environment)
        } catch {
            throw .gitFailed(command: "git " + (arguments.first ?? ""), reason: "git is not installed (Debian package `git`)")
        }
        if result.status != 0 && !allowFailure {
            throw .gitFailed(command: "git " + arguments.prefix(2).joined(separator: " "), reason: result.failure)
        }
        return result.status == 0 ? String(decoding: result.output, as: UTF8.self) : ""
    }
}
