import Foundation
import Testing
import ZIPFoundation

@testable import Marginalia

/// Builds small EPUB and PDF files for the import tests.
enum SampleFiles {
    static let chapterOne = """
        <?xml version="1.0" encoding="utf-8"?>
        <html xmlns="http://www.w3.org/1999/xhtml"><head><title>One</title><style>p { color: red }</style></head>
        <body><h1>Chapter One</h1><p>The tide came in &amp; went out.</p><p>It was &#8220;late&#8221;.</p></body></html>
        """
    static let chapterTwo = """
        <html xmlns="http://www.w3.org/1999/xhtml"><body><h1>Chapter Two</h1><p>Morning&nbsp;again.</p>
        <script>alert("not text")</script></body></html>
        """

    /// An EPUB whose spine lists chapter two before chapter one (the reading
    /// order is the spine's, not the manifest's or the archive's).
    /// `editing` may change the text of each entry (its name, its text) before it is written.
    static func epub(
        at path: String, spine: [String] = ["c2", "c1"], withChapterTwo: Bool = true,
        editing: (String, String) -> String = { $1 }
    ) throws {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        func add(_ name: String, _ text: String) throws {
            let data = Data(editing(name, text).utf8)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) {
                position, size in data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try add("mimetype", "application/epub+zip")
        try add(
            "META-INF/container.xml",
            """
            <?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
            <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>
            """)
        let itemrefs = spine.map { "<itemref idref=\"\($0)\"/>" }.joined()
        try add(
            "OEBPS/content.opf",
            """
            <?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">
            <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Tides</dc:title></metadata>
            <manifest><item id="c1" href="text/one.xhtml" media-type="application/xhtml+xml"/>
            <item id="c2" href="text/two%20b.xhtml" media-type="application/xhtml+xml"/></manifest>
            <spine>\(itemrefs)</spine></package>
            """)
        try add("OEBPS/text/one.xhtml", chapterOne)
        if withChapterTwo { try add("OEBPS/text/two b.xhtml", chapterTwo) }
    }

    /// A one-page PDF showing `line` in Helvetica, with a correct cross-reference table.
    static func pdf(_ line: String) -> Data {
        let stream = "BT /F1 12 Tf 72 720 Td (\(line)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { out += String(format: "%010d 00000 n \n", offset) }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(out.utf8)
    }

    static var hasPDFToText: Bool {
        DocumentReader.executable("pdftotext", in: ProcessInfo.processInfo.environment["PATH"] ?? "") != nil
    }
}

@Suite("Document formats")
struct DocumentFormatTests {
    @Test("a .txt and a .md file are read as they are, normalized")
    func plainAndMarkdown() throws {
        let folder = TemporaryFolder()
        let txt = folder.write("a.txt", "Cafe\u{301}\r\nline two\r\n")
        #expect(try DocumentReader.read(txt).text == "Caf\u{E9}\nline two\n")
        let md = folder.write("b.md", "# Heading\n\nBody *text*.\n")
        let read = try DocumentReader.read(md)
        #expect(read.text == "# Heading\n\nBody *text*.\n")
        #expect(read.format == .markdown)
    }

    @Test("HTML keeps paragraphs, drops scripts, styles and comments, decodes entities", arguments: ["page.html", "page.xhtml", "page.htm"])
    func html(name: String) throws {
        let folder = TemporaryFolder()
        let path = folder.write(
            name,
            """
            <!DOCTYPE html><html><head><title>On &quot;Tides&quot;</title><style>body{}</style>
            <script>var x = "<p>no</p>";</script></head>
            <body><!-- a comment <p>hidden</p> -->
            <h1>The   Tide</h1>
            <p>It came in
               &amp; went <em>out</em>&#8212;twice&hellip;</p>
            <p>Line one<br/>line two &#x263A; &unknown; 3 &lt; 4</p>
            <pre>  kept
              as is</pre>
            </body></html>
            """)
        let read = try DocumentReader.read(path)
        #expect(read.format == .html)
        #expect(read.title == "On \"Tides\"")
        #expect(
            read.text
                == "The Tide\n\nIt came in & went out\u{2014}twice\u{2026}\n\nLine one\nline two \u{263A} &unknown; 3 < 4\n\nkept\n  as is")
    }

    @Test("EPUB chapters come in spine order, with the book's title")
    func epub() throws {
        let folder = TemporaryFolder()
        let path = folder.path("tides.epub")
        try SampleFiles.epub(at: path)
        let read = try DocumentReader.read(path)
        #expect(read.title == "Tides")
        #expect(read.text == "Chapter Two\n\nMorning\u{A0}again.\n\nChapter One\n\nThe tide came in & went out.\n\nIt was \u{201C}late\u{201D}.")
    }

    @Test("a PDF is read through pdftotext", .enabled(if: SampleFiles.hasPDFToText, "pdftotext is not installed"))
    func pdf() throws {
        let folder = TemporaryFolder()
        let path = folder.write("page.pdf", SampleFiles.pdf("The quick brown fox"))
        let read = try DocumentReader.read(path)
        #expect(read.text.trimmingCharacters(in: .whitespacesAndNewlines) == "The quick brown fox")
    }

    @Test("a file that is not a PDF is refused with pdftotext's reason", .enabled(if: SampleFiles.hasPDFToText, "pdftotext is not installed"))
    func damagedPDF() throws {
        let folder = TemporaryFolder()
        let path = folder.write("page.pdf", "not a PDF at all")
        do {
            _ = try DocumentReader.read(path)
            Issue.record("a file that is not a PDF was read")
        } catch let error as MarginaliaError {
            guard case .badDocument(_, .toolFailed(let tool, let reason)) = error else { throw error }
            #expect(tool == "pdftotext")
            #expect(!reason.isEmpty && !reason.hasPrefix("exit status"), "pdftotext's own complaint: \(reason)")
            #expect(error.description.contains("convert it to text yourself"))
        }
    }

    @Test("without pdftotext, a PDF is refused with the package to install")
    func pdfWithoutTool() throws {
        let folder = TemporaryFolder()
        let path = folder.write("page.pdf", SampleFiles.pdf("anything"))
        #expect(throws: MarginaliaError.badDocument(path: path, problem: .toolMissing(tool: "pdftotext", package: "poppler-utils"))) {
            _ = try DocumentReader.read(path, searchPath: folder.path("no-tools-here"))
        }
        let message = MarginaliaError.badDocument(path: path, problem: .toolMissing(tool: "pdftotext", package: "poppler-utils")).description
        #expect(message.contains("apt-get install poppler-utils"))
    }

    @Test("the same file added by two readers gives the same text hash", arguments: ["tides.epub", "page.html"])
    func sameHashInTwoLibraries(name: String) throws {
        let folder = TemporaryFolder()
        let path = folder.path(name)
        if name.hasSuffix(".epub") {
            try SampleFiles.epub(at: path)
        } else {
            folder.write(name, "<p>One &amp; two</p><p>Three</p>")
        }
        let ada = try TestLibrary(name: "Ada")
        let bo = try TestLibrary(name: "Bo")
        let first = try ada.library.addDocument(fileAt: path)
        let second = try bo.library.addDocument(fileAt: path)
        #expect(first.currentText != nil)
        #expect(first.currentText == second.currentText)
        #expect(first.title == (name.hasSuffix(".epub") ? "Tides" : "page"))
    }

    // MARK: Bad input: a typed error, and nothing stored

    /// Expects `addDocument(fileAt:)` to throw exactly `error` and leave the library untouched.
    func refuses(_ path: String, with error: MarginaliaError, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let test = try TestLibrary()
        let before = try test.library.status()
        #expect(throws: error, sourceLocation: sourceLocation) { _ = try test.library.addDocument(fileAt: path) }
        let after = try test.library.status()
        #expect(after.operations == before.operations && after.documents == 0, sourceLocation: sourceLocation)
    }

    @Test("a binary file is refused")
    func binary() throws {
        let folder = TemporaryFolder()
        let path = folder.write("image.txt", Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01, 0x02, 0x03]))
        try refuses(path, with: .badText(source: path, problem: .binary))
    }

    @Test("invalid UTF-8 is refused with the offset of the first bad byte", arguments: ["latin1.txt", "latin1.html"])
    func invalidUTF8(name: String) throws {
        let folder = TemporaryFolder()
        let path = folder.write(name, Data("caf".utf8) + Data([0xE9]) + Data(" au lait".utf8))
        try refuses(path, with: .badText(source: path, problem: .invalidUTF8(byteOffset: 3)))
    }

    @Test("a file with no text is refused", arguments: ["empty.txt", "blank.md", "scripts.html"])
    func emptyText(name: String) throws {
        let folder = TemporaryFolder()
        let contents = name == "scripts.html" ? "<html><head><title>T</title></head><body><script>x()</script> </body></html>" : (name == "blank.md" ? " \n\t\n" : "")
        let path = folder.write(name, contents)
        try refuses(path, with: .badText(source: path, problem: .empty))
    }

    @Test("an EPUB with no spine is refused")
    func epubWithoutSpine() throws {
        let folder = TemporaryFolder()
        let path = folder.path("empty.epub")
        try SampleFiles.epub(at: path, spine: [])
        try refuses(path, with: .badDocument(path: path, problem: .noSpine))
    }

    @Test(
        "an EPUB whose container or package document is not well-formed XML is refused for its reading order",
        arguments: [
            ("META-INF/container.xml", "</container>", "</containr>"), ("META-INF/container.xml", "full-path=", "full-path"),
            ("OEBPS/content.opf", "<spine>", "<spine"), ("OEBPS/content.opf", "Tides", "Tides&nbsp;"),
            ("OEBPS/content.opf", "</package>", ""),
        ])
    func epubWithMalformedXML(entry: String, original: String, replacement: String) throws {
        let folder = TemporaryFolder()
        let path = folder.path("malformed.epub")
        try SampleFiles.epub(at: path) { name, text in
            name == entry ? text.replacingOccurrences(of: original, with: replacement) : text
        }
        try refuses(path, with: .badDocument(path: path, problem: .noSpine))
    }

    @Test("an EPUB's package document may hold a DOCTYPE, comments, CDATA, references and prefixes")
    func epubPackageConstructs() throws {
        let folder = TemporaryFolder()
        let path = folder.path("rich.epub")
        try SampleFiles.epub(at: path) { name, text in
            guard name == "OEBPS/content.opf" else { return text }
            return text.replacingOccurrences(of: "<package", with: "<!DOCTYPE package [ <!-- ] > --> ]>\n<!-- c --><opf:package xmlns:opf=\"http://www.idpf.org/2007/opf\"")
                .replacingOccurrences(of: "</package>", with: "</opf:package>")
                .replacingOccurrences(of: "<dc:title>Tides</dc:title>", with: "<dc:title> Tides &amp; <![CDATA[<Shores>]]>&#x2014;1 </dc:title>")
                .replacingOccurrences(of: #"id="c1""#, with: "id='c1'")
        }
        let (text, _, title) = try DocumentReader.read(path)
        #expect(title == "Tides & <Shores>\u{2014}1")
        #expect(text.hasPrefix("Chapter Two"))
    }

    @Test("an EPUB whose spine names a missing chapter is refused")
    func epubMissingChapter() throws {
        let folder = TemporaryFolder()
        let path = folder.path("partial.epub")
        try SampleFiles.epub(at: path, withChapterTwo: false)
        try refuses(path, with: .badDocument(path: path, problem: .missingChapter("text/two%20b.xhtml")))
    }

    @Test("a broken zip is refused", arguments: ["garbage", "truncated"])
    func brokenZip(kind: String) throws {
        let folder = TemporaryFolder()
        let path = folder.path("broken.epub")
        if kind == "garbage" {
            folder.write("broken.epub", "this is not a zip archive at all")
        } else {
            try SampleFiles.epub(at: folder.path("whole.epub"))
            let whole = try Data(contentsOf: URL(fileURLWithPath: folder.path("whole.epub")))
            folder.write("broken.epub", whole.prefix(whole.count / 2))
        }
        try refuses(path, with: .badDocument(path: path, problem: .brokenArchive))
    }

    @Test("an unknown extension is refused, naming the formats read")
    func unknownFormat() throws {
        let folder = TemporaryFolder()
        let path = folder.write("notes.docx", "x")
        try refuses(path, with: .badDocument(path: path, problem: .unsupportedFormat(extension: "docx")))
        #expect(DocumentProblem.unsupportedFormat(extension: "docx").description.contains(".epub and .pdf"))
    }

    @Test("an empty or over-long quote is refused, and nothing is stored")
    func badQuotes() throws {
        let test = try TestLibrary()
        let text = String(repeating: "All the words of a long book. ", count: 400)
        let document = try test.library.addDocument(text: text, DocumentDraft(title: "Long"))
        let before = try test.library.status().operations
        #expect(throws: MarginaliaError.invalidInput("the quote is empty; give the passage's words with --quote, or its place with --at START:END or --page")) {
            _ = try test.library.annotate(AnnotationDraft(document: document.id, anchor: .quote(exact: " \n ")))
        }
        let long = String(text.prefix(Library.maximumQuoteLength + 1))
        #expect(throws: Library.quoteTooLong(Library.maximumQuoteLength + 1)) {
            _ = try test.library.annotate(AnnotationDraft(document: document.id, anchor: .quote(exact: long)))
        }
        #expect(try test.library.status().operations == before)
    }
}
