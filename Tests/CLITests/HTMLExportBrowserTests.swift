import Foundation
import Testing

// The HTML export as a reader sees it (issue 7): the page is opened in
// headless Chromium, its scripts run, and the rendered DOM is checked for the
// highlights, the notes, the filters and what the filter script did.

/// Chromium on the PATH, if any. Without it the suite is skipped, except in
/// CI (`CI=true`), where `.ci/run` installs it and a missing browser fails.
private let chromiumPath: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    let folders = path.split(separator: ":")
    for name in ["chromium", "chromium-browser"] {
        if let found = folders.map({ $0 + "/" + name }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            return found
        }
    }
    return nil
}()

private let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

@Suite(
    "the HTML export in a browser",
    .enabled(if: chromiumPath != nil || inCI, "chromium is not installed (apt-get install chromium) — skipped"))
struct HTMLExportBrowserTests {
    /// Ada's library, holding her annotations and, through bundles, Bo's.
    struct Fixture {
        let ada: CLI
        let adaPassage: String
        let adaNote: String
        let boPassage: String
        let boNote: String
        let ids: (ada: String, adaTagged: String, bo: String)
    }

    func fixture() throws -> Fixture {
        let ada = try CLI.reader("Ada")
        let text = """
            # The Mill

            The river ran past the mill, and the miller counted every sack twice.

            In the evening the lanterns were lit along the harbour wall.

            Nobody in the village could say who had planted the orchard.

            """
        let file = try ada.write("mill.md", text)
        try ada.create(["doc", "add", file, "--id", "mill", "--author", "A. Writer"])
        let adaFirst = try ada.create(["annotate", "mill", "--quote", "counted every sack twice", "--note", "Suspicious <miller> & co"])
        let adaTagged = try ada.create(["annotate", "mill", "--quote", "lanterns were lit", "--note", "Light motif", "--tag", "light"])

        // Bo reads the same document in his own library and sends his annotation back.
        let bo = try CLI.reader("Bo")
        try bo.ok(["bundle", "import", try ada.exportBundle()])
        let boID = try bo.create(
            ["annotate", "mill", "--quote", "who had planted the orchard", "--note", "Bo wonders about the orchard", "--tag", "mystery"])
        try ada.ok(["bundle", "import", try bo.exportBundle()])
        return Fixture(
            ada: ada, adaPassage: "counted every sack twice", adaNote: "Suspicious &lt;miller&gt; &amp; co",
            boPassage: "who had planted the orchard", boNote: "Bo wonders about the orchard",
            ids: (adaFirst, adaTagged, boID))
    }

    /// The DOM of `file` after its scripts ran, as headless Chromium serializes it.
    func renderedDOM(_ cli: CLI, _ file: String, fragment: String = "") throws -> String {
        let chromium = try #require(chromiumPath, "CI=true but chromium is not installed: .ci/run installs it")
        let result = CLI.execute(
            executable: URL(fileURLWithPath: chromium),
            arguments: chromiumArguments(cli) + ["--dump-dom", URL(fileURLWithPath: file).absoluteString + fragment],
            stdin: nil, environment: chromiumEnvironment(cli), ioFolder: cli.root.appendingPathComponent(".io"),
            currentDirectory: cli.root, timeout: 90)
        try #require(result.succeeded && result.stdout.contains("</html>"), "chromium did not render the page:\n\(result)")
        return result.stdout
    }

    /// The test's environment, but with a short TMPDIR: Chromium's singleton
    /// socket goes there, and a socket's path must stay under 108 bytes.
    func chromiumEnvironment(_ cli: CLI) -> [String: String] {
        var environment = cli.baseEnvironment
        environment["TMPDIR"] = "/tmp"
        return environment
    }

    func chromiumArguments(_ cli: CLI) -> [String] {
        [
            "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions",
            "--user-data-dir=" + cli.path("chromium-profile"),
        ]
    }

    /// The elements whose opening tag matches `pattern` (a regular expression
    /// over the tag's attributes), each as its whole opening tag and its text.
    func elements(_ tag: String, in dom: String, attributes pattern: String = "") -> [(tag: String, text: String)] {
        let expression = try! NSRegularExpression(
            pattern: "<\(tag)\\b([^>]*\(pattern)[^>]*)>(.*?)</\(tag)>", options: [.dotMatchesLineSeparators])
        let range = NSRange(dom.startIndex..., in: dom)
        return expression.matches(in: dom, range: range).map { match in
            (String(dom[Range(match.range(at: 1), in: dom)!]), String(dom[Range(match.range(at: 2), in: dom)!]))
        }
    }

    @Test("the rendered page shows each reader's highlights and notes, the filters, and no external asset")
    func highlightsAndNotesRender() throws {
        let f = try fixture()
        let page = f.ada.path("mill.html")
        try f.ada.ok(["export", "--format", "html", "-o", page])
        let dom = try renderedDOM(f.ada, page)

        // Each passage is a highlight, in its reader's colour, naming its annotation.
        let marks = elements("mark", in: dom)
        let adaMark = try #require(marks.first { $0.text == f.adaPassage }, "no highlight of Ada's passage in:\n\(dom)")
        let boMark = try #require(marks.first { $0.text == f.boPassage }, "no highlight of Bo's passage in:\n\(dom)")
        #expect(adaMark.tag.contains("class=\"r0\"") && adaMark.tag.contains(f.ids.ada), "\(adaMark.tag)")
        #expect(boMark.tag.contains("class=\"r1\"") && boMark.tag.contains(f.ids.bo), "\(boMark.tag)")
        #expect(marks.contains { $0.text == "lanterns were lit" })

        // Each note is on a card of its reader, with the reader's name.
        let notes = elements("div", in: dom, attributes: "class=\"note\"").map(\.text)
        #expect(Set(notes) == [f.adaNote, "Light motif", f.boNote], "\(notes)")
        let cards = elements("div", in: dom, attributes: "class=\"card ")
        #expect(cards.count == 3, "\(cards.map(\.tag))")
        let boCard = try #require(elements("div", in: dom, attributes: "id=\"a-\(f.ids.bo)\"").first)
        #expect(boCard.tag.contains("card r1"))

        // The filters: one option per reader and per tag, besides "all".
        let readerSelect = try #require(elements("select", in: dom, attributes: "id=\"reader\"").first).text
        #expect(elements("option", in: readerSelect).map(\.text) == ["all readers", "Ada", "Bo"])
        let tagSelect = try #require(elements("select", in: dom, attributes: "id=\"tag\"").first).text
        #expect(elements("option", in: tagSelect).map(\.text) == ["all tags", "light", "mystery"])
        #expect(dom.contains("3 annotations on 1 document"), "\(dom)")

        // Self-contained: nothing is fetched from elsewhere.
        #expect(dom.range(of: #"(src|href)\s*=\s*["']?\s*(https?:)?//"#, options: .regularExpression) == nil)
        #expect(!dom.contains("<link") && !dom.contains("@import") && !dom.contains("url("))
    }

    @Test("a filter in the address (#reader=Bo, #tag=light) is applied by the page's script")
    func filtersFromTheAddress() throws {
        let f = try fixture()
        let page = f.ada.path("mill.html")
        try f.ada.ok(["export", "--format", "html", "-o", page])

        let onlyBo = try renderedDOM(f.ada, page, fragment: "#reader=Bo")
        // Ada's cards are hidden and her highlights turned off; Bo's stay.
        let hidden = elements("div", in: onlyBo, attributes: "class=\"card r0 off\"")
        #expect(hidden.count == 2, "\(elements("div", in: onlyBo, attributes: "class=\"card ").map(\.tag))")
        #expect(elements("div", in: onlyBo, attributes: "class=\"card r1\"").count == 1)
        let marks = elements("mark", in: onlyBo)
        #expect(marks.first { $0.text == f.adaPassage }?.tag.contains("class=\"off\"") == true, "\(marks)")
        #expect(marks.first { $0.text == f.boPassage }?.tag.contains("class=\"r1\"") == true, "\(marks)")
        #expect(onlyBo.contains("1 of 3 annotations shown"), "\(onlyBo)")

        let onlyLight = try renderedDOM(f.ada, page, fragment: "#tag=light")
        let shown = elements("div", in: onlyLight, attributes: "class=\"card r[0-9]+\"")
        #expect(shown.count == 1 && shown[0].tag.contains(f.ids.adaTagged), "\(shown.map(\.tag))")
        #expect(onlyLight.contains("1 of 3 annotations shown"))
        #expect(elements("mark", in: onlyLight).filter { !$0.tag.contains("class=\"off\"") }.map(\.text) == ["lanterns were lit"])

        let nobody = try renderedDOM(f.ada, page, fragment: "#reader=Bo&tag=light")
        #expect(nobody.contains("0 of 3 annotations shown"))
        #expect(elements("mark", in: nobody).allSatisfy { $0.tag.contains("class=\"off\"") })
    }
}
