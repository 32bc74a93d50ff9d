import Foundation
import FuzzSupport
import Marginalia

// `marginalia import` of a Kindle's My Clippings.txt:
// the parse, which either returns every record or says which one failed,
// and the guess of a file's format from its content.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    _ = try? ImportFormat.kindle.parse(data)
    _ = ImportFormat.guess(data)
    return 0
}

@_cdecl("fuzz_import_kindle_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
