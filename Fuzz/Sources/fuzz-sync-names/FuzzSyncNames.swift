import Foundation
import FuzzSupport
@testable import Marginalia

// What a sync folder holds besides bundles: the channel description
// (`marginalia-sync.json`, with its encryption parameters) and file names,
// which carriers (Dropbox, Syncthing) make up as they please.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    _ = try? ChannelDescription(file: data, path: "marginalia-sync.json")
    let name = String(decoding: data, as: UTF8.self)
    _ = ChannelFolder.classify(name)
    _ = ChannelFolder.isIdentifier(name)
    _ = oneLine(name)
    return 0
}

@_cdecl("fuzz_sync_names_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzz)
}
