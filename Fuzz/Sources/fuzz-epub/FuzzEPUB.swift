import Foundation
import FuzzSupport
@testable import Marginalia

// EPUB files as `doc add` reads them: a zip archive, its container and
// package documents (XML), then each chapter in spine order (XHTML).

enum Scratch {
    static let file = NSTemporaryDirectory() + "/marginalia-fuzz-epub-\(getpid()).epub"
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = FileManager.default.createFile(atPath: Scratch.file, contents: Data(bytes: bytes, count: count))
    _ = try? EPUB.read(Scratch.file)
    return 0
}

@_cdecl("fuzz_epub_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    defer { try? FileManager.default.removeItem(atPath: Scratch.file) }
    return runFuzzer(argc, argv, fuzz)
}
