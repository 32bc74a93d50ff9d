import Foundation
import Marginalia

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's environment variables.
///
/// Read one at a time with `getenv`: `ProcessInfo.processInfo.environment`
/// copies the whole environment into a dictionary, and its first use costs
/// a one-shot command about a millisecond.
enum Environment {
    /// The variable's value, or nil when it is unset or empty.
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }
}

/// Where text goes, and whether it may be coloured.
enum Terminal {
    /// Colour only on a terminal, never with NO_COLOR or TERM=dumb.
    static let colors: Bool = {
        if Environment.value("NO_COLOR") != nil || Environment.value("TERM") == "dumb" { return false }
        return isatty(STDOUT_FILENO) != 0
    }()

    static let stdinIsTerminal = isatty(STDIN_FILENO) != 0
    static let stderrIsTerminal = isatty(STDERR_FILENO) != 0

    static func print(_ line: String = "") {
        Swift.print(line)
    }

    /// Bytes of data on stdout, as they come (an export streams its chunks).
    static func writeOutput(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let count = Foundation.write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            guard count > 0 else {
                throw MarginaliaError.unwritableFile(path: "standard output", reason: String(cString: strerror(errno)))
            }
            offset += count
        }
    }

    /// A remark on stderr: stdout stays clean for ids and data.
    static func info(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// A progress line on stderr, redrawn at most ten times a second and
    /// only on a terminal; `done` clears it.
    static func progress(_ label: String) -> (update: (Int, Int) -> Void, done: () -> Void) {
        guard stderrIsTerminal else { return ({ _, _ in }, {}) }
        var last = Date.distantPast
        var shown = false
        let update: (Int, Int) -> Void = { done, total in
            guard Date().timeIntervalSince(last) > 0.1 || done == total else { return }
            last = Date()
            shown = true
            FileHandle.standardError.write(Data("\r\(label): \(done)/\(total)".utf8))
        }
        return (update, { if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } })
    }

    static func fail(_ message: String, status: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data("marginalia: error: \(message)\n".utf8))
        exit(status)
    }

    enum Style: String {
        case bold = "1"
        case dim = "2"
        case highlight = "30;43"
        case accent = "36"
        case warning = "33"
    }

    static func style(_ text: String, _ style: Style) -> String {
        colors ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}
