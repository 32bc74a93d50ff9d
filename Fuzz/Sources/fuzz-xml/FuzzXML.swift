import Foundation
import FuzzSupport
@testable import Marginalia

// The XML reader behind an EPUB's container and package documents, on bytes
// directly (fuzz-epub reaches it only through a zip archive). Besides not
// crashing or hanging, what it reads must not depend on a byte-order mark
// or trailing whitespace, and a stray `<` after the root spoils the document.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    let elements = XMLElements(data)
    guard !data.starts(with: [0xEF, 0xBB, 0xBF]) else { return 0 }
    precondition(Array(XMLElements(Data([0xEF, 0xBB, 0xBF]) + data)) == Array(elements), "a byte-order mark changed the elements")
    precondition(Array(XMLElements(data + Data(" \n".utf8))) == Array(elements), "trailing whitespace changed the elements")
    precondition(XMLElements(data + Data("<".utf8)).isEmpty, "a stray < after the root was accepted")
    return 0
}

@_cdecl("fuzz_xml_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
