import Foundation
import Testing

@testable import Marginalia

/// A temporary folder removed when the last reference goes.
final class TemporaryFolder: @unchecked Sendable {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("marginalia-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ contents: String) -> String {
        write(name, Data(contents.utf8))
    }

    @discardableResult
    func write(_ name: String, _ data: Data) -> String {
        let path = path(name)
        try! data.write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// A wall clock that tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var milliseconds: Int64

    init(_ start: Int64 = 1_780_000_000_000) { milliseconds = start }

    var now: Int64 { lock.withLock { milliseconds } }
    func set(_ value: Int64) { lock.withLock { milliseconds = value } }
    func advance(_ delta: Int64 = 1) { lock.withLock { milliseconds += delta } }
    var function: @Sendable () -> Int64 { { [self] in now } }
}

/// A fresh library in its own temporary folder.
struct TestLibrary {
    let folder = TemporaryFolder()
    let library: Library

    init(name: String = "Tester", clock: ManualClock? = nil) throws {
        let path = folder.path("library.sqlite")
        if let clock {
            library = try Library.create(at: path, readerName: name, wallClock: clock.function)
        } else {
            library = try Library.create(at: path, readerName: name)
        }
    }

    var path: String { library.path }

    func stateHash() throws -> String { try library.status().stateHash }

    /// Adds a document holding `text` and returns its id.
    func addText(_ text: String, title: String = "Sample", slug: String? = nil) throws -> String {
        try library.addDocument(text: text, DocumentDraft(title: title, slug: slug)).id
    }
}

/// A short text with accents and an emoji, so code points, UTF-16 units
/// and bytes all count differently.
let sampleText = """
    Café 🍵 society met on Thursdays. The river was high that spring, and the mill \
    wheel turned all night. Maggie read by the window; the river was high again in May.
    Tom said nothing.
    """

/// SplitMix64: a small seeded generator so failures replay.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
