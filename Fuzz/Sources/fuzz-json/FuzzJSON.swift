import Foundation
import FuzzSupport
@testable import Marginalia

// The JSON reader every operation, bundle line and sync file goes through.
// What it accepts must print (canonical and pretty) and read back the same.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    guard let value = JSONValue(parsing: data) else { return 0 }
    precondition(JSONValue(parsing: value.canonicalJSON) == value, "canonical JSON does not read back the same")
    precondition(JSONValue(parsing: value.prettyJSON) == value, "pretty JSON does not read back the same")
    precondition(JSONValue(parsing: Array(data)) == value, "bytes read differently from an array than from Data")
    return 0
}

@_cdecl("fuzz_json_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
