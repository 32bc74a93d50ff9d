import Foundation
import FuzzSupport
@testable import Marginalia

// HTML and XHTML as `doc add` reads them: the text, the title, then the
// normalization every text goes through.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let html = String(decoding: Data(bytes: bytes, count: count), as: UTF8.self)
    _ = TextNormalizer.normalize(HTMLText.text(of: html))
    _ = HTMLText.title(of: html)
    return 0
}

@_cdecl("fuzz_html_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
