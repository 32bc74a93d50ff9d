import Foundation
@testable import Marginalia

// EPUB files as `doc add` reads them: a zip archive, its container and
// package documents (XML), then each chapter in spine order (XHTML).

let file = NSTemporaryDirectory() + "/marginalia-fuzz-epub-\(getpid()).epub"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    FileManager.default.createFile(atPath: file, contents: Data(bytes: bytes, count: count))
    _ = try? EPUB.read(file)
    return 0
}
