import ArgumentParser
import Foundation
import Marginalia

extension MarginaliaCommand {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo",
            abstract: "Run a short tour in a temporary library: add, highlight, note, edit, search, history, exchange.",
            discussion: """
                Touches nothing of yours: the tour's library lives in a temporary folder, removed \
                afterwards unless --keep.

                Example: marginalia demo --keep
                """)

        @Flag(help: "Keep the tour's library and print where it is.")
        var keep = false

        func run() throws {
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("marginalia-demo-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { if !keep { try? FileManager.default.removeItem(at: folder) } }
            let path = folder.appendingPathComponent("library.sqlite").path
            try DemoTour(libraryPath: path, folder: folder).run()
            if keep {
                Terminal.print()
                Terminal.print("The tour's library is at \(path); try `marginalia list --library \(path)`.")
            }
        }
    }
}

/// The tour itself, narrated as the commands a reader would type.
struct DemoTour {
    let libraryPath: String
    let folder: URL

    func step(_ command: String) {
        Terminal.print()
        Terminal.print(Terminal.style("$ marginalia \(command)", .bold))
    }

    func run() throws {
        let library = try Library.create(at: libraryPath, readerName: "Ada")
        Terminal.print("A tour of Marginalia in a fresh library (\(libraryPath)).")

        let essayFile = folder.appendingPathComponent("on-marginalia.md")
        try Data(DemoTour.essay.utf8).write(to: essayFile)
        step("doc add on-marginalia.md --author \"A. Reader\" --id margins")
        let essay = try library.addDocument(fileAt: essayFile.path, DocumentDraft(authors: ["A. Reader"], slug: "margins"))
        Terminal.print(essay.id)

        step("doc add --no-text --title \"The Mill on the Floss\" --author \"George Eliot\" --id floss")
        let book = try library.addDocument(
            withoutText: DocumentDraft(title: "The Mill on the Floss", authors: ["George Eliot"], slug: "floss"))
        Terminal.print(book.id)

        step("annotate margins --quote \"conversation with the dead\" --note \"the whole essay in five words\" --tag thesis")
        let first = try library.annotate(
            AnnotationDraft(
                document: "margins", anchor: .quote(exact: "conversation with the dead"),
                note: "the whole essay in five words", tags: ["thesis"]))
        Terminal.print(first.id)

        step("annotate margins --quote \"pencil\" --suffix \" is a promise\" --tag tools")
        let second = try library.annotate(
            AnnotationDraft(document: "margins", anchor: .quote(exact: "pencil", suffix: " is a promise"), tags: ["tools"]))
        Terminal.print(second.id)

        step("annotate floss --page \"p. 202-03\" --note \"Maggie chooses duty; compare the margins essay\"")
        let pageNote = try library.annotate(
            AnnotationDraft(document: "floss", page: "p. 202-03", note: "Maggie chooses duty; compare the margins essay"))
        Terminal.print(pageNote.id)

        step("note add \"Reread both with a pencil in hand.\" --title \"Plan\" --tag todo")
        let plan = try library.addNote(NoteDraft(body: "Reread both with a pencil in hand.", title: "Plan", tags: ["todo"]))
        Terminal.print(plan.id)

        step("edit \(Render.shortID(first.id)) --note \"the whole essay in five words: reading is a dialogue\"")
        try library.edit(first.id, note: "the whole essay in five words: reading is a dialogue")

        step("tag \(Render.shortID(second.id)) +promise -tools")
        Terminal.print("tags: " + (try library.retag(second.id, adding: ["promise"], removing: ["tools"])).joined(separator: ", "))

        let render = try Render(library: library)
        step("list")
        for item in try library.items() { Terminal.print(render.line(item)) }

        step("doc show margins")
        let annotations = try library.items(ItemFilter(document: "margins", kind: .annotation)).compactMap(\.annotation)
        let text = try library.text(hash: essay.currentText!) ?? ""
        Render.markedText(text, annotations: annotations).forEach { Terminal.print($0) }

        step("search dialogue")
        try library.search("dialogue").map(Render.searchHitLine).forEach { Terminal.print($0) }

        step("history \(Render.shortID(first.id))")
        Render.historyLines(try library.history(first.id)).forEach { Terminal.print($0) }

        step("status")
        let status = try library.status()
        Terminal.print(
            "holds \(Render.counted(status.documents, "document")), \(Render.counted(status.annotations, "annotation")), "
                + "\(Render.counted(status.notes, "note")) (\(Render.counted(status.operations, "operation")))")
        Terminal.print("state hash \(status.stateHash)")

        step("check --rebuild")
        let report = try library.check(rebuild: true)
        Terminal.print("\(report.ok ? "ok" : "damaged"): rebuilt from the log, state hash \(report.stateHash)")
        guard report.ok, report.stateHash == status.stateHash else {
            throw MarginaliaError.corrupt("the demo library did not rebuild to the same state")
        }
        try exchange(with: library, annotation: first.id)
        try exports(from: library)
        try imports(into: library)
    }

    /// Highlights from a Kindle come into the paper book, once however often they are imported.
    func imports(into library: Library) throws {
        Terminal.print()
        Terminal.print("Ada's Kindle highlights of the novel come in from its My Clippings.txt.")
        let clippings = [
            "\u{FEFF}The Mill on the Floss (George Eliot)",
            "- Your Highlight on page 7 | Location 98-99 | Added on Sunday, 3 March 2024 14:05:11", "",
            "the strong current of the river", "==========",
            "The Mill on the Floss (George Eliot)",
            "- Your Bookmark on page 9 | Location 120 | Added on Sunday, 3 March 2024 14:06:00", "", "", "==========", "",
        ].joined(separator: "\r\n")
        for command in ["import \"My Clippings.txt\" --format kindle", "import \"My Clippings.txt\"   (again: nothing new)"] {
            step(command)
            let summary = try library.importAnnotations(Data(clippings.utf8), format: .kindle)
            Terminal.print("\(summary.added.count) added, \(summary.unchanged) unchanged, \(summary.skipped.count) skipped (a bookmark)")
        }
    }

    /// An annotation set, exported as Markdown for a note app and as one HTML page.
    func exports(from library: Library) throws {
        Terminal.print()
        Terminal.print("Ada gathers the essay's annotations in a set, and takes them elsewhere.")
        step("set create essay-notes --doc margins")
        Terminal.print(try library.createSet("essay-notes", filter: SetFilter(document: "margins")).id)
        let markdown = folder.appendingPathComponent("essay-notes.md").path
        let html = folder.appendingPathComponent("essay-notes.html").path
        step("export --set essay-notes --format markdown -o essay-notes.md")
        let text = try library.export(ExportRequest(format: .markdown, set: "essay-notes"))
        try AtomicFile.write(text, to: markdown)
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let start = lines.firstIndex { $0.hasPrefix("## ") } ?? 0
        for line in lines[start..<min(start + 9, lines.count)] { Terminal.print("  " + line) }
        step("export --set essay-notes --format html -o essay-notes.html")
        try AtomicFile.write(try library.export(ExportRequest(format: .html, set: "essay-notes")), to: html)
        Terminal.print("one self-contained page: the essay with each reader's highlights and notes (\(html); `demo --keep` keeps it)")
    }

    /// A second reader joins through a group sync folder, both edit one note
    /// at once, and the conflict is seen and resolved on both sides.
    func exchange(with library: Library, annotation: String) throws {
        Terminal.print()
        Terminal.print(
            "Bo reads along in a library of her own. A folder that Syncthing, Dropbox or a USB stick carries "
                + "holds their reading group's channel; private notes never go there.")
        let boPath = folder.appendingPathComponent("bo.sqlite").path
        let bo = try Library.create(at: boPath, readerName: "Bo")
        let club = folder.appendingPathComponent("club").path
        step("remote add club \(club) --group")
        let adaRemote = try library.addRemote(name: "club", location: club, kind: .group)
        step("remote add club \(club) --library bo.sqlite")
        let boRemote = try bo.addRemote(name: "club", location: club, kind: nil)
        func sync(_ reader: Library, _ remote: Remote, _ name: String) throws {
            Terminal.print(Render.syncLine(try reader.sync(remote), name: name))
        }
        step("sync && marginalia sync --library bo.sqlite")
        try sync(library, adaRemote, "Ada")
        try sync(bo, boRemote, "Bo")

        let short = Render.shortID(annotation)
        step("edit \(short) --note \"reading is a dialogue with the dead\"")
        try library.edit(annotation, note: "reading is a dialogue with the dead")
        step("edit \(short) --note \"reading is answering\" --library bo.sqlite")
        try bo.edit(annotation, note: "reading is answering")
        step("sync   (both libraries, each twice)")
        for _ in 0..<2 {
            try sync(bo, boRemote, "Bo")
            try sync(library, adaRemote, "Ada")
        }

        step("conflicts")
        try library.conflicts().flatMap(Render.conflictLines).forEach { Terminal.print($0) }
        step("resolve \(short) --note \"reading is answering the dead\" --library bo.sqlite && marginalia sync ...")
        try bo.resolve(annotation, .note("reading is answering the dead"))
        try sync(bo, boRemote, "Bo")
        try sync(library, adaRemote, "Ada")

        step("history \(short)")
        Render.historyLines(try library.history(annotation)).forEach { Terminal.print($0) }
        let ada = try library.status()
        let bos = try bo.status()
        step("status   (in both libraries)")
        Terminal.print("Ada's shared state hash \(ada.sharedStateHash)")
        Terminal.print("Bo's shared state hash  \(bos.sharedStateHash)")
        guard ada.sharedStateHash == bos.sharedStateHash, try library.conflicts().isEmpty else {
            throw MarginaliaError.corrupt("the demo libraries did not converge")
        }
        Terminal.print(
            "Same shared operations, same shared state: the libraries agree. Ada's private plan stayed with her "
                + "(\(Render.counted(ada.notes, "note")) in her library, \(bos.notes) in Bo's).")
    }

    /// A short essay written for this tour.
    static let essay = """
        # On Marginalia

        Every second-hand book carries a rumour of its earlier readers. A line is underlined \
        twice; a word in the margin says "no!"; a page corner is folded and then, years later, \
        folded back. These marks are a conversation with the dead, and also with the living \
        reader who comes next.

        To write in a margin is to admit that reading is not a way of receiving but a way of \
        answering. The pencil is a promise to come back. A pencil mark is small, but it holds \
        the moment when a sentence stopped being the author's and became partly ours.

        The trouble is that margins do not travel. The notes stay in one copy on one shelf, \
        and the friend who would have argued with them never sees them. A good annotation \
        tool keeps the margin but lets it move: from desk to train, from one reader to a \
        reading group, and from this year to the next, without losing a word.
        """
}
