import Foundation
import Testing

@testable import Marginalia

@Suite("Bundles")
struct BundleTests {
    /// Ada's library with a document, an annotation and a note, and Bo's, empty.
    func pair() throws -> (ada: TestLibrary, bo: TestLibrary) {
        let ada = try TestLibrary(name: "Ada")
        let doc = try ada.addText(sampleText, slug: "sample")
        _ = try ada.library.annotate(AnnotationDraft(document: doc, anchor: .quote(exact: "Tom"), note: "quiet", tags: ["t"]))
        _ = try ada.library.addNote(NoteDraft(body: "a thought"))
        return (ada, try TestLibrary(name: "Bo"))
    }

    @Test func aBundleCarriesOperationsTextsAndItsAuthor() throws {
        let (ada, bo) = try pair()
        let (data, count) = try ada.library.exportBundle()
        #expect(count == 3)
        let result = try bo.library.importBundle(data)
        #expect(result.applied == 3)
        #expect(result.texts == 1)
        #expect(result.reader.name == "Ada")
        #expect(try bo.stateHash() == ada.stateHash())
        #expect(try bo.library.text(hash: bo.library.document("sample").currentText!) == sampleText)
        #expect(try bo.library.readerNames()[ada.library.localReader().readerID] == "Ada")
        #expect(try bo.library.importBundle(data).applied == 0, "importing twice applies nothing")
        #expect(try bo.stateHash() == ada.stateHash())
    }

    @Test func acknowledgementsLimitWhatIsSent() throws {
        let (ada, bo) = try pair()
        try bo.library.importBundle(try ada.library.exportBundle().data)
        #expect(try ada.library.exportBundle(acknowledged: bo.library.acknowledgements()).operations == 0)
        _ = try ada.library.addNote(NoteDraft(body: "later"))
        let update = try ada.library.exportBundle(acknowledged: bo.library.acknowledgements())
        #expect(update.operations == 1)
        #expect(try ada.library.exportBundle(since: 3).operations == 1)
    }

    @Test func damagedOrForgedBundlesAreRefusedWhole() throws {
        let (ada, bo) = try pair()
        let cy = try TestLibrary(name: "Cy")
        _ = try cy.library.addNote(NoteDraft(body: "Cy's"))
        let data = try ada.library.exportBundle().data
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Data($0) }
        func joined(_ lines: [Data]) -> Data { Data(lines.map { $0 }.joined(separator: [UInt8(ascii: "\n")])) }

        var flipped = data
        let target = flipped.firstRange(of: Data("quiet".utf8))!.lowerBound
        flipped[target] = UInt8(ascii: "Q")

        // Ada's operations under Ada's name, digested right but signed with Cy's key.
        let adaLocal = try ada.library.read { db in try Library.local(db) }
        let cyLocal = try cy.library.read { db in try Library.local(db) }
        let otherKey = try Bundle(
            replica: adaLocal.replicaId,
            reader: Reader(readerId: adaLocal.readerId, name: "Ada", publicKey: adaLocal.publicKey),
            operations: try ada.library.operations().filter { $0.id.replica == adaLocal.replicaId }, texts: [:],
            created: "now"
        ).encoded(signedBy: ReaderIdentity(name: "Cy", publicKey: cyLocal.publicKey, secretKey: cyLocal.secretKey)).data

        var newer = lines
        newer[0] = Data(String(decoding: lines[0], as: UTF8.self).replacingOccurrences(of: "\"format\":1", with: "\"format\":2").utf8)

        let cases: [(String, Data, (BundleError) -> Bool)] = [
            ("truncated", data.prefix(data.count / 2), { $0 == .incomplete || $0 == .damaged("its SHA-256 digest does not match its content") }),
            ("no seal", joined(Array(lines.dropLast(2))) + Data("\n".utf8), { _ in true }),
            ("flipped byte", flipped, { if case .damaged = $0 { true } else { false } }),
            ("another key", otherKey, { if case .forged = $0 { true } else { false } }),
            ("newer format", joined(newer), { $0 == .newerFormat(2) }),
            ("not a bundle", Data("hello\n".utf8), { $0 == .notABundle }),
        ]
        let hash = try bo.stateHash()
        for (name, bytes, expected) in cases {
            #expect(name.isEmpty == false)
            #expect {
                _ = try bo.library.importBundle(bytes)
            } throws: { error in
                guard case MarginaliaError.badBundle(let problem) = error else { return false }
                return expected(problem)
            }
        }
        #expect(try bo.stateHash() == hash)
        #expect(try bo.library.operations().isEmpty)
    }

    @Test func operationsClaimingAnotherAuthorAreRefused() throws {
        let (ada, bo) = try pair()
        let identity = try ada.library.read { db in try Library.local(db) }
        let stranger = "0123456789abcdef0123456789abcdef"
        var forged = try ada.library.operations()
        forged[0].reader = stranger
        let bundle = Bundle(
            replica: identity.replicaId,
            reader: Reader(readerId: identity.readerId, name: "Ada", publicKey: identity.publicKey),
            operations: forged, texts: [:], created: "now")
        let data = try bundle.encoded(
            signedBy: ReaderIdentity(name: "Ada", publicKey: identity.publicKey, secretKey: identity.secretKey)).data
        #expect {
            _ = try bo.library.importBundle(data)
        } throws: { error in
            guard case MarginaliaError.badBundle(.forged) = error else { return false }
            return true
        }
        #expect(try bo.library.operations().isEmpty)
    }

    @Test func aCopyOfThisLibraryWritingElsewhereIsNoticed() throws {
        let (ada, _) = try pair()
        let copyPath = ada.folder.path("copy.sqlite")
        try ada.library.database.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copyPath]) }
        let copy = try Library.open(at: copyPath)
        _ = try copy.addNote(NoteDraft(body: "written in the copy"))
        #expect(throws: MarginaliaError.replicaCopied(replica: try ada.library.localReader().replicaID)) {
            _ = try ada.library.importBundle(try copy.exportBundle().data)
        }
    }
}
