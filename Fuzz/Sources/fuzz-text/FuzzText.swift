import Foundation
import FuzzSupport
@testable import Marginalia

// Text normalization (UTF-8 checks, line ends, NFC), the folding anchoring
// compares texts by, page locators as people type them, and the decoding of
// stored texts into code points, against the standard library's. Normalizing is
// idempotent: a normalized text must come back unchanged. (Not from bytes:
// only the first byte-order mark of a file is taken off, so a text that
// starts with a second one loses it when read again as a file.)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    if let text = try? TextNormalizer.normalize(data: data) {
        precondition(TextNormalizer.normalize(text) == text, "normalize(data:) gave a text that normalizes differently")
    }
    let decoded = CodePointText(utf8: UnsafeBufferPointer(start: bytes, count: count))
    let expected = String(validating: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    precondition(decoded?.scalars == expected?.unicodeScalars.map(\.value), "CodePointText(utf8:) and String disagree")
    let string = String(decoding: data, as: UTF8.self)
    let normalized = TextNormalizer.normalize(string)
    precondition(TextNormalizer.normalize(normalized) == normalized, "normalize is not idempotent")
    _ = FoldedText(CodePointText(normalized))
    _ = PageLocator(parsing: string)
    return 0
}

@_cdecl("fuzz_text_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
