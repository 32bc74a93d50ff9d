import Foundation
import Testing
import ZIPFoundation

@testable import Marginalia

/// Inputs that `Tools/fuzz` and `Tools/sync-soak` found to crash, hang or
/// mislead, kept so that they never come back.
@Suite("Fuzz and soak regressions")
struct FuzzRegressionTests {
    /// A page of `<` with no `>` after them made each `<` search to the end
    /// of the text for the tag's end: quadratic, so a 100 KB page took many
    /// minutes. The time limit only stops a hang; the text is what is checked.
    @Test("a page of '<' without '>' is read in linear time", .timeLimit(.minutes(1)))
    func unclosedTags() {
        let html = "<p>text</p>" + String(repeating: "<a", count: 100_000)
        #expect(HTMLText.text(of: html) == "text\n\n" + String(repeating: "<a", count: 100_000))
        let quoted = "<p>text</p>" + String(repeating: "<a \"", count: 50_000)
        #expect(HTMLText.text(of: quoted).hasPrefix("text\n\n<a \""))
    }

    /// An EPUB whose container.xml has bytes that are not UTF-8 in an
    /// element name made FoundationXML's parser trap (a crash of `doc add`);
    /// `XMLElements`, which replaced it, reads nothing from a document that is not UTF-8.
    @Test("an EPUB with a package file that is not UTF-8 is refused, not a crash")
    func epubWithInvalidUTF8() throws {
        var container = Data("<?xml version=\"1.0\"?><conta".utf8)
        container += [0xFE, 0xFF, 0xFF, 0xFF]
        container += Data(" version=\"1.0\"><rootfiles><rootfile full-path=\"content.opf\"/></rootfiles></container>".utf8)
        let folder = TemporaryFolder()
        let path = folder.write("book.epub", Data(try Self.archive(holding: container, named: "META-INF/container.xml")))
        #expect(throws: MarginaliaError.self) { try DocumentReader.read(path) }
    }

    /// An EPUB whose central directory put one chapter at offset 131,073 of
    /// a 1,312-byte file: ZIPFoundation's extraction then read nothing,
    /// forever (`fuzz-epub`, a hang of `doc add`).
    @Test("an EPUB entry placed past the end of the file is refused, not a hang", .timeLimit(.minutes(1)))
    func epubEntryPastTheEnd() throws {
        let folder = TemporaryFolder()
        let path = folder.path("book.epub")
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        let container = "<container><rootfiles><rootfile full-path=\"content.opf\"/></rootfiles></container>"
        for (name, text) in [("mimetype", "application/epub+zip"), ("META-INF/container.xml", container)] {
            let data = Data(text.utf8)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) {
                position, size in data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        #expect(ZIPArchive(try Data(contentsOf: URL(fileURLWithPath: path))) != nil)
        // Move container.xml's local header (central directory field at +42) far past the end.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let second = (0..<bytes.count - 4).filter { bytes[$0..<$0 + 4] == [0x50, 0x4B, 0x01, 0x02] }[1]
        bytes[second + 42..<second + 46] = [0x01, 0x00, 0x02, 0x00]
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(ZIPArchive(Data(bytes)) == nil)
        #expect(throws: MarginaliaError.self) { try DocumentReader.read(path) }
    }

    /// A stored container.xml of 221 bytes that claimed 4 GB was read for
    /// seconds at a time (`fuzz-epub`, a timeout).
    @Test("a stored EPUB entry longer than its data is refused")
    func storedEntryClaimingMore() throws {
        let container = Data("<container><rootfiles><rootfile full-path=\"content.opf\"/></rootfiles></container>".utf8)
        var bytes = try Self.archive(holding: container, named: "META-INF/container.xml")
        #expect(ZIPArchive(Data(bytes)) != nil)
        // The uncompressed size of the central directory entry (at +24): 4,211,081,180 bytes.
        let entry = Self.offsets(of: [0x50, 0x4B, 0x01, 0x02], in: bytes)[0]
        bytes[entry + 24..<entry + 28] = [0xDC, 0x7E, 0x00, 0xFB]
        #expect(ZIPArchive(Data(bytes)) == nil)
        let folder = TemporaryFolder()
        let path = folder.write("book.epub", Data(bytes))
        #expect(throws: MarginaliaError.self) { try DocumentReader.read(path) }
    }

    /// A deflate stream that stops before its end made ZIPFoundation's
    /// inflate loop ask for more input past the entry, forever (`fuzz-epub`,
    /// `Fuzz/Corpus/fuzz-epub/inflate-hang.epub`). Here the entry is a
    /// stored block that promises five bytes and holds two.
    @Test("a deflated EPUB entry that ends too soon is refused, not a hang", .timeLimit(.minutes(1)))
    func deflateStreamEndingTooSoon() throws {
        let unfinished: [UInt8] = [0x00, 0x05, 0x00, 0xFA, 0xFF, 0x61, 0x62]
        var bytes = try Self.archive(holding: Data(unfinished), named: "META-INF/container.xml")
        // Mark the entry deflated, in its local header (+8) and in the central directory (+10).
        let local = Self.offsets(of: [0x50, 0x4B, 0x03, 0x04], in: bytes)[0]
        let central = Self.offsets(of: [0x50, 0x4B, 0x01, 0x02], in: bytes)[0]
        bytes[local + 8] = 8
        bytes[central + 10] = 8
        let archive = try #require(ZIPArchive(Data(bytes)))
        #expect(throws: ZIPArchive.EntryError.damaged) { try archive.contents(of: "META-INF/container.xml") }
        let folder = TemporaryFolder()
        let path = folder.write("book.epub", Data(bytes))
        #expect(throws: MarginaliaError.badDocument(path: path, problem: .brokenArchive)) { try DocumentReader.read(path) }
    }

    /// An entry whose bytes were changed after it was written no longer
    /// matches its CRC-32, and is refused rather than read as a chapter.
    @Test("an EPUB entry that does not match its checksum is refused")
    func entryFailingItsChecksum() throws {
        var bytes = try Self.archive(holding: Data("<container/>".utf8), named: "META-INF/container.xml")
        let local = Self.offsets(of: Array("<container/>".utf8), in: bytes)[0]
        bytes[local + 1] = UInt8(ascii: "k")
        let archive = try #require(ZIPArchive(Data(bytes)))
        #expect(throws: ZIPArchive.EntryError.damaged) { try archive.contents(of: "META-INF/container.xml") }
    }

    /// A method other than stored or deflate (here 12, bzip2) gets its own message.
    @Test("an EPUB entry compressed by another method is refused with a message naming it")
    func entryOfAnotherMethod() throws {
        var bytes = try Self.archive(holding: Data("<container/>".utf8), named: "META-INF/container.xml")
        bytes[Self.offsets(of: [0x50, 0x4B, 0x03, 0x04], in: bytes)[0] + 8] = 12
        bytes[Self.offsets(of: [0x50, 0x4B, 0x01, 0x02], in: bytes)[0] + 10] = 12
        let folder = TemporaryFolder()
        let path = folder.write("book.epub", Data(bytes))
        #expect(throws: MarginaliaError.badDocument(path: path, problem: .unsupportedEntry("META-INF/container.xml"))) {
            try DocumentReader.read(path)
        }
    }

    /// The bytes of a ZIP archive holding one stored entry, written by ZIPFoundation.
    static func archive(holding data: Data, named name: String) throws -> [UInt8] {
        let folder = TemporaryFolder()
        return try withExtendedLifetime(folder) {
            let url = URL(fileURLWithPath: folder.path("archive.zip"))
            let archive = try Archive(url: url, accessMode: .create)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count)) {
                position, size in data.subdata(in: Int(position)..<Int(position) + size)
            }
            return [UInt8](try Data(contentsOf: url))
        }
    }

    /// Where `pattern` starts in `bytes`.
    static func offsets(of pattern: [UInt8], in bytes: [UInt8]) -> [Int] {
        (0...bytes.count - pattern.count).filter { bytes[$0..<$0 + pattern.count].elementsEqual(pattern) }
    }
}
