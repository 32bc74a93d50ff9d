import Foundation
import FuzzSupport
import Marginalia

// `marginalia import` of W3C Web Annotation JSON-LD (an annotation, a page, a collection):
// the parse, which either returns every record or says which one failed,
// and the guess of a file's format from its content.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    _ = try? ImportFormat.jsonld.parse(data)
    _ = ImportFormat.guess(data)
    return 0
}

@_cdecl("fuzz_import_jsonld_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
