import Crypto
import Foundation
import FuzzSupport
@testable import Marginalia

// Bundle files as `bundle import` and a sync folder read them, sealed
// (encrypted) or not. Each input is tried three ways:
// 1. as a whole bundle file, also from a slice that does not start at index 0;
// 2. as an encrypted sync file, opened with a fixed channel key;
// 3. as the signed part of a bundle, sealed here with a fixed reader's key
//    ("@READER@" and "@KEY@" stand for its id and public key), so that the
//    parsing behind the digest and signature checks is reached too.

enum Fixed {
    static let identity: ReaderIdentity = {
        let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 7, count: 32))
        return ReaderIdentity(name: "Fuzz", publicKey: key.publicKey.rawRepresentation, secretKey: key.rawRepresentation)
    }()
    /// The key `Corpus/fuzz-bundle/sealed-fixed-key.bundle` is sealed with.
    nonisolated(unsafe) static let channelKey = ChannelKey.personal(secretKey: Data(repeating: 9, count: 32), channelID: String(repeating: "a", count: 32))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    _ = try? Marginalia.Bundle.decode(data)
    _ = try? Marginalia.Bundle.decode((Data([0x0A]) + data).dropFirst())
    if let plaintext = Fixed.channelKey.open(data) { _ = try? Marginalia.Bundle.decode(plaintext) }

    var body = String(decoding: data, as: UTF8.self)
        .replacingOccurrences(of: "@READER@", with: Fixed.identity.readerID)
        .replacingOccurrences(of: "@KEY@", with: Fixed.identity.publicKey.base64EncodedString())
    if !body.hasSuffix("\n") { body += "\n" }
    let digest = Data(SHA256.hash(data: Data(body.utf8)))
    let seal: JSONValue = [
        "sha256": .string(Identifier.hex(digest)), "signature": .string(try! Fixed.identity.sign(digest).base64EncodedString()),
    ]
    if let bundle = try? Marginalia.Bundle.decode(Data((body + seal.canonicalJSON + "\n").utf8)) {
        for operation in bundle.operations { _ = LogOperation(json: operation.jsonValue) }
    }
    return 0
}

@_cdecl("fuzz_bundle_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    // Made before fuzzing, so that the leak check does not count them.
    _ = (Fixed.identity, Fixed.channelKey)
    return runFuzzer(argc, argv, fuzz)
}
