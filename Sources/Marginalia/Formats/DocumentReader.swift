import Foundation

/// The file formats `doc add` and `doc update` read, by file extension.
public enum DocumentFormat: String, CaseIterable, Sendable {
    case text = "txt"
    case markdown = "md"
    case html = "html"
    case epub = "epub"
    case pdf = "pdf"

    init?(path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "txt", "text": self = .text
        case "md", "markdown": self = .markdown
        case "html", "htm", "xhtml": self = .html
        case "epub": self = .epub
        case "pdf": self = .pdf
        default: return nil
        }
    }

    /// The extensions understood, for messages and shell completion.
    public static let extensions = ["txt", "md", "markdown", "html", "htm", "xhtml", "epub", "pdf"]
}

/// Why a document file could not be read, beyond its text not being text.
public enum DocumentProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file's extension names no format Marginalia reads.
    case unsupportedFormat(extension: String)
    /// The EPUB is not a readable zip archive.
    case brokenArchive
    /// An entry of the EPUB is encrypted or compressed by a method other than deflate.
    case unsupportedEntry(String)
    /// An entry of the EPUB declares more than Marginalia reads from one entry.
    case oversizedEntry(String, limit: Int)
    /// The EPUB has no package document, or its spine lists no chapter.
    case noSpine
    /// The spine names a chapter the archive does not hold.
    case missingChapter(String)
    /// A chapter is not UTF-8 text.
    case badChapter(String, TextInputError)
    /// An outside program the format needs is not installed.
    case toolMissing(tool: String, package: String)
    /// The outside program failed on this file.
    case toolFailed(tool: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let ext):
            return "cannot read \(ext.isEmpty ? "a file without extension" : ".\(ext) files"); Marginalia reads "
                + ".txt, .md, .html, .xhtml, .epub and .pdf (or add a paper book with --no-text)"
        case .brokenArchive:
            return "the EPUB is not a readable zip archive (truncated or damaged); download or export it again"
        case .unsupportedEntry(let name):
            return "the EPUB entry \(name) is encrypted or compressed by a method other than deflate, which Marginalia "
                + "does not read; save the book again with a standard EPUB tool (without DRM)"
        case .oversizedEntry(let name, let limit):
            return "the EPUB entry \(name) declares more than \(limit >> 20) MB, more than a chapter holds; "
                + "the archive is damaged or not a book"
        case .noSpine:
            return "the EPUB has no reading order (no package document, or an empty spine); it cannot be read as a book"
        case .missingChapter(let href):
            return "the EPUB's reading order names \(href), which the archive does not hold; the file is incomplete"
        case .badChapter(let href, let problem):
            return "the EPUB chapter \(href): \(problem)"
        case .toolMissing(let tool, let package):
            return "reading PDF files needs `\(tool)`, which is not installed; install it (Debian and Ubuntu: "
                + "`apt-get install \(package)`) or convert the PDF to text yourself"
        case .toolFailed(let tool, let reason):
            return "\(tool) could not read the file (\(reason)); check that it is a whole, unprotected PDF, or convert it to text yourself"
        }
    }
}

/// Reads a document file into normalized text (see ``TextNormalizer``).
///
/// ```swift
/// let (text, format, title) = try DocumentReader.read("novel.epub")
/// ```
public enum DocumentReader {
    /// The text of a file, its format, and a title found inside it (an HTML
    /// `<title>`, an EPUB's `dc:title`), if any.
    ///
    /// - Parameter searchPath: where to look for `pdftotext` (a `PATH`-style list).
    /// - Throws: ``MarginaliaError``: `badDocument`, `badText` or `unreadableFile`.
    public static func read(
        _ path: String, searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    ) throws -> (text: String, format: DocumentFormat, title: String?) {
        guard let format = DocumentFormat(path: path) else {
            throw MarginaliaError.badDocument(
                path: path, problem: .unsupportedFormat(extension: (path as NSString).pathExtension))
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MarginaliaError.unreadableFile(path: path, reason: "no such file, or it is not readable")
        }
        var title: String?
        let text: String
        switch format {
        case .text, .markdown:
            text = try decode(try contents(of: path), source: path)
        case .html:
            let html = try decode(try contents(of: path), source: path)
            text = TextNormalizer.normalize(HTMLText.text(of: html))
            title = HTMLText.title(of: html)
        case .epub:
            (text, title) = try EPUB.read(path)
        case .pdf:
            text = try pdfText(path, searchPath: searchPath)
        }
        // Markup, a book or a PDF can hold nothing to read.
        guard !text.allSatisfy(\.isWhitespace) else { throw MarginaliaError.badText(source: path, problem: .empty) }
        return (text, format, title)
    }

    private static func contents(of path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw MarginaliaError.unreadableFile(path: path, reason: LibraryDatabase.reason(error))
        }
    }

    private static func decode(_ data: Data, source: String) throws -> String {
        do {
            return try TextNormalizer.normalize(data: data)
        } catch {
            throw MarginaliaError.badText(source: source, problem: error)
        }
    }

    /// Finds an executable by name in a `PATH`-style list.
    static func executable(_ name: String, in searchPath: String) -> String? {
        for folder in searchPath.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The text of a PDF through poppler's `pdftotext`, pages separated by blank lines.
    private static func pdfText(_ path: String, searchPath: String) throws -> String {
        guard let tool = executable("pdftotext", in: searchPath) else {
            throw MarginaliaError.badDocument(path: path, problem: .toolMissing(tool: "pdftotext", package: "poppler-utils"))
        }
        let result: ChildProcess
        do {
            // Not -q: on failure its last complaint is the reason shown.
            result = try ChildProcess.run(tool, ["-enc", "UTF-8", path, "-"])
        } catch {
            throw MarginaliaError.badDocument(path: path, problem: .toolFailed(tool: "pdftotext", reason: LibraryDatabase.reason(error)))
        }
        guard result.status == 0 else {
            throw MarginaliaError.badDocument(path: path, problem: .toolFailed(tool: "pdftotext", reason: result.failure))
        }
        let data = result.output
        let text = try decode(data, source: path)
        return TextNormalizer.normalize(text.replacingEvery("\u{C}", with: "\n\n"))
    }
}

/// Reads the chapters of an EPUB in spine order.
enum EPUB {
    static func read(_ path: String) throws -> (text: String, title: String?) {
        // An empty file is no archive (and Foundation leaks the buffer it
        // reads an empty file into).
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0, let data = try? Data(contentsOf: URL(fileURLWithPath: path)), let archive = ZIPArchive(data) else {
            throw MarginaliaError.badDocument(path: path, problem: .brokenArchive)
        }
        func entry(_ name: String) throws -> Data? {
            do {
                return try archive.contents(of: name)
            } catch .unsupported {
                throw MarginaliaError.badDocument(path: path, problem: .unsupportedEntry(name))
            } catch .tooLarge {
                throw MarginaliaError.badDocument(path: path, problem: .oversizedEntry(name, limit: ZIPArchive.largestEntry))
            } catch .damaged {
                throw MarginaliaError.badDocument(path: path, problem: .brokenArchive)
            }
        }
        guard let container = try entry("META-INF/container.xml"),
            let packagePath = XMLElements(container).first(where: { $0.name == "rootfile" })?.attributes["full-path"],
            let package = try entry(packagePath)
        else { throw MarginaliaError.badDocument(path: path, problem: .noSpine) }
        let elements = XMLElements(package)
        var manifest: [String: String] = [:]
        for item in elements where item.name == "item" {
            if let id = item.attributes["id"], let href = item.attributes["href"] { manifest[id] = href }
        }
        let spine = elements.filter { $0.name == "itemref" }.compactMap { $0.attributes["idref"] }
        guard !spine.isEmpty else { throw MarginaliaError.badDocument(path: path, problem: .noSpine) }
        let base = (packagePath as NSString).deletingLastPathComponent
        var chapters: [String] = []
        for idref in spine {
            guard let href = manifest[idref] else { throw MarginaliaError.badDocument(path: path, problem: .missingChapter(idref)) }
            let name = resolve(href, against: base)
            guard let data = try entry(name) else { throw MarginaliaError.badDocument(path: path, problem: .missingChapter(href)) }
            let html: String
            do {
                html = try TextNormalizer.normalize(data: data)
            } catch .empty {
                continue
            } catch {
                throw MarginaliaError.badDocument(path: path, problem: .badChapter(href, error))
            }
            let text = HTMLText.text(of: html)
            if !text.isEmpty { chapters.append(text) }
        }
        let title = elements.first { $0.name == "title" }?.text.trimmingWhitespace()
        return (TextNormalizer.normalize(chapters.joined(separator: "\n\n")), title?.isEmpty == false ? title : nil)
    }

    /// A manifest href resolved against the package document's folder:
    /// fragment dropped, percent escapes decoded, `.` and `..` folded.
    static func resolve(_ href: String, against base: String) -> String {
        let bare = String(href.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let decoded = bare.removingPercentEncoding ?? bare
        var parts: [Substring] = []
        for part in (base.isEmpty ? decoded : base + "/" + decoded).split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        return parts.joined(separator: "/")
    }
}
