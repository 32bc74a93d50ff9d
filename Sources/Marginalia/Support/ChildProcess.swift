import Foundation

/// Runs another program to its end and keeps what it printed.
///
/// ```swift
/// let result = try ChildProcess.run("/usr/bin/env", ["git", "status"])
/// if result.status == 0 { print(result.output) }
/// ```
struct ChildProcess {
    var status: Int32
    var output: Data
    var errors: String

    /// The last line the program wrote to standard error, or its exit status.
    var failure: String {
        errors.split(separator: "\n").last.map(String.init) ?? "exit status \(status)"
    }

    /// - Throws: the error of `Process.run` when the program cannot be started.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ChildProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Both pipes are read while the program runs, so a chatty one never
        // blocks on a full pipe.
        let errorData = ReadInBackground(errors.fileHandleForReading)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ChildProcess(
            status: process.terminationStatus, output: outputData, errors: String(decoding: errorData.wait(), as: UTF8.self))
    }
}

/// Reads a pipe to its end on another thread.
private final class ReadInBackground: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
