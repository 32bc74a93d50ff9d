import Foundation
import FuzzSupport
import Marginalia

// `marginalia import`: each input through every format's parser (W3C Web
// Annotation JSON-LD, a Kindle's My Clippings.txt, Hypothesis API JSON),
// which either returns every record or says which one failed, and through
// the guess of a file's format from its content.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    for format in ImportFormat.allCases { _ = try? format.parse(data) }
    _ = ImportFormat.guess(data)
    return 0
}

@_cdecl("fuzz_import_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
