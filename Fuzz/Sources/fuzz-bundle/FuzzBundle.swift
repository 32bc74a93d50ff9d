import Crypto
import Foundation
@testable import Marginalia

// Bundle files as `bundle import` and a sync folder read them, sealed
// (encrypted) or not. Each input is tried three ways:
// 1. as a whole bundle file, also from a slice that does not start at index 0;
// 2. as an encrypted sync file, opened with a fixed channel key;
// 3. as the signed part of a bundle, sealed here with a fixed reader's key
//    ("@READER@" and "@KEY@" stand for its id and public key), so that the
//    parsing behind the digest and signature checks is reached too.

let identity = ReaderIdentity(name: "Fuzz", publicKey: signingKey.publicKey.rawRepresentation, secretKey: signingKey.rawRepresentation)
let signingKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 7, count: 32))
let channelKey = ChannelKey.personal(secretKey: Data(repeating: 9, count: 32), channelID: String(repeating: "a", count: 32))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    _ = try? Marginalia.Bundle.decode(data)
    _ = try? Marginalia.Bundle.decode((Data([0x0A]) + data).dropFirst())
    if let plaintext = channelKey.open(data) { _ = try? Marginalia.Bundle.decode(plaintext) }

    var body = String(decoding: data, as: UTF8.self)
        .replacingOccurrences(of: "@READER@", with: identity.readerID)
        .replacingOccurrences(of: "@KEY@", with: identity.publicKey.base64EncodedString())
    if !body.hasSuffix("\n") { body += "\n" }
    let digest = Data(SHA256.hash(data: Data(body.utf8)))
    let seal: JSONValue = [
        "sha256": .string(Identifier.hex(digest)), "signature": .string(try! identity.sign(digest).base64EncodedString()),
    ]
    if let bundle = try? Marginalia.Bundle.decode(Data((body + seal.canonicalJSON + "\n").utf8)) {
        for operation in bundle.operations { _ = LogOperation(json: operation.jsonValue) }
    }
    return 0
}
