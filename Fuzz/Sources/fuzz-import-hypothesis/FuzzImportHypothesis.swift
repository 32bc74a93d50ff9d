import Foundation
import FuzzSupport
import Marginalia

// `marginalia import` of Hypothesis API JSON (a search response, an array, one annotation):
// the parse, which either returns every record or says which one failed,
// and the guess of a file's format from its content.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    _ = try? ImportFormat.hypothesis.parse(data)
    _ = ImportFormat.guess(data)
    return 0
}

@_cdecl("fuzz_import_hypothesis_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
