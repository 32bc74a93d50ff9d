import Foundation
import Testing

@testable import Marginalia

@Suite("XML reader")
struct XMLElementsTests {
    func elements(_ xml: String) -> XMLElements { XMLElements(Data(xml.utf8)) }

    @Test("a container.xml gives its root file's path")
    func container() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
              <rootfiles>
                <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
              </rootfiles>
            </container>
            """
        let read = elements(xml)
        #expect(read.map(\.name) == ["container", "rootfiles", "rootfile"])
        #expect(read[0].attributes == ["version": "1.0"])
        #expect(read[2].attributes == ["full-path": "OEBPS/content.opf", "media-type": "application/oebps-package+xml"])
        #expect(read[1].text == "\n    \n  ")
    }

    @Test("namespace prefixes are dropped from element and attribute names; declarations are not attributes")
    func namespaces() {
        let read = elements(
            #"<opf:package xmlns:opf="http://www.idpf.org/2007/opf" xmlns:dc="http://purl.org/dc/elements/1.1/">"#
                + #"<dc:creator opf:role="aut" opf:file-as="Woolf, Virginia">Virginia Woolf</dc:creator></opf:package>"#)
        #expect(read.map(\.name) == ["package", "creator"])
        #expect(read[0].attributes.isEmpty)
        #expect(read[1] == .init(name: "creator", attributes: ["role": "aut", "file-as": "Woolf, Virginia"], text: "Virginia Woolf"))
    }

    @Test("two attributes with one local name: the first counts")
    func sameLocalName() {
        #expect(elements(#"<a x:id="1" id="2" y:id="3"/>"#).first?.attributes == ["id": "1"])
    }

    @Test("an element's text is its own, not its children's, in document order")
    func text() {
        let read = elements("<a>one <b>two</b> three<c/>four</a>")
        #expect(read.map(\.text) == ["one  threefour", "two", ""])
    }

    @Test("the declaration, comments and processing instructions are skipped wherever XML allows them")
    func skipped() {
        let xml = """
            <?xml version="1.0"?><!-- before --><?xml-stylesheet href="a.css"?>
            <a><!-- inside <b> & --><?pi with > inside?>text<!----></a>
            <!-- after --><?after?>
            """
        #expect(Array(elements(xml)) == [.init(name: "a", attributes: [:], text: "text")])
    }

    @Test("a DOCTYPE is skipped, with an internal subset holding ] and > in literals and comments")
    func doctype() {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE package PUBLIC "-//W3C//DTD XHTML 1.1//EN" 'http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd' [
              <!ENTITY odd "a ] and a > in a literal">
              <!-- a comment with ] and > and ' -->
              <?pi it's ] > ?>
              <!ATTLIST package version CDATA '3.0'>
            ]>
            <package version="3.0"/>
            """
        #expect(Array(elements(xml)) == [.init(name: "package", attributes: ["version": "3.0"])])
        #expect(elements("<!DOCTYPE a><a/>").map(\.name) == ["a"])
    }

    @Test("CDATA sections are text, markup in them included")
    func cdata() {
        #expect(elements("<a>x <![CDATA[<b>&amp; ]] >]]> y</a>").first?.text == "x <b>&amp; ]] > y")
    }

    @Test("attribute values in single or double quotes, each holding the other quote")
    func quotes() {
        #expect(elements(#"<a one='say "hi"' two="it's" three = "spaced" ></a>"#).first?.attributes
            == ["one": "say \"hi\"", "two": "it's", "three": "spaced"])
    }

    @Test("self-closing tags, with and without a space before />")
    func selfClosing() {
        let read = elements(#"<a><b/><c x="1" /><d></d></a>"#)
        #expect(read.map(\.name) == ["a", "b", "c", "d"])
        #expect(read[2].attributes == ["x": "1"])
    }

    @Test("the five predefined entities and numeric references in text and attribute values")
    func references() {
        let read = elements(#"<a t="&lt;&gt;&amp;&quot;&apos; &#233;&#xE9;&#x1F600;">&lt;&gt;&amp;&quot;&apos; &#8217;&#x2014;&#x10FFFF;</a>"#)
        #expect(read.first?.attributes["t"] == "<>&\"' éé😀")
        #expect(read.first?.text == "<>&\"' \u{2019}\u{2014}\u{10FFFF}")
    }

    @Test("line ends become \\n in text; tabs and line ends become spaces in attribute values, references kept")
    func lineEnds() {
        let read = elements("<a v=\"1\r\n2\r3\n4\t5&#10;6\">one\r\ntwo\rthree\nfour\r</a>")
        #expect(read.first?.attributes["v"] == "1 2 3 4 5\n6")
        #expect(read.first?.text == "one\ntwo\nthree\nfour\n")
    }

    @Test("a UTF-8 byte-order mark is skipped, and non-ASCII names and text are read")
    func byteOrderMark() {
        let read = XMLElements(Data([0xEF, 0xBB, 0xBF]) + Data(#"<?xml version="1.0"?><livre auteur="Zoé"><titre>Été</titre></livre>"#.utf8))
        #expect(Array(read) == [.init(name: "livre", attributes: ["auteur": "Zoé"]), .init(name: "titre", attributes: [:], text: "Été")])
        #expect(elements("<ñ:été/>").map(\.name) == ["été"])
    }

    @Test(
        "a document that is not well-formed gives no elements",
        arguments: [
            "", "   ", "<!-- only a comment -->", "text", "<a>", "<a", "<a x=\"1\"", "<a></b>", "<a><b></a></b>", "</a>",
            "<a/><b/>", "<a/>text", "text<a/>", "<a/>&amp;", "<a>&nbsp;</a>", "<a>&amp</a>", "<a>& b</a>", "<a>&;</a>",
            "<a>&#;</a>", "<a>&#x;</a>", "<a>&#0;</a>", "<a>&#xD800;</a>", "<a>&#xFFFE;</a>", "<a>&#x110000;</a>",
            "<a>&#99999999999999999999;</a>", "<a>&#12a;</a>", "<a>&#xG;</a>", "<a>&#XE9;</a>", "<a>&#1;</a>", "<a><</a>", "<a>< b/></a>",
            "<a x=1/>", "<a x=\"1/>", "<a x=\"<\"/>", "<a x=\"&nbsp;\"/>", "<a x=\"1\"y=\"2\"/>", "<a x=\"1\" x=\"2\"/>",
            "<a x/>", "<a =\"1\"/>", "<a><!-- unclosed </a>", "<a><!-- a -- b --></a>", "<a><![CDATA[ open</a>",
            "<![CDATA[x]]><a/>", "<a/><!DOCTYPE a>", "<!DOCTYPE a><!DOCTYPE a><a/>", "<!DOCTYPE a [ <a/>",
            "<!DOCTYPE a \"open ><a/>", "<a/><?xml version=\"1.0\"?>", " <?xml version=\"1.0\"?><a/>", "<a><?XmL x?></a>",
            "<a><? x?></a>", "<a><?pi</a>", "<a:b:c/>", "<:a/>", "<a:/>", "<a b:=\"1\"/>", "<1a/>", "<-a/>", "<a></a >x",
            "<!ELEMENT a><a/>", "<a>\u{1}</a>", "<a x=\"\u{0}\"/>", "<a></a\n", "</>",
        ])
    func malformed(xml: String) {
        #expect(elements(xml).isEmpty)
    }

    @Test("a document that is not UTF-8 gives no elements")
    func notUTF8() {
        var bytes = Data("<conta".utf8)
        bytes += [0xFE, 0xFF, 0xFF, 0xFF]
        bytes += Data("></conta\u{FE}>".utf8)
        #expect(XMLElements(bytes).isEmpty)
        #expect(XMLElements(Data("<a>caf\u{E9}</a>".utf16BigEndianBytes)).isEmpty)
    }

    @Test("every truncation of a package document gives nothing, never part of it")
    func truncations() {
        let xml = """
            <?xml version="1.0"?><!DOCTYPE package><package xmlns="http://www.idpf.org/2007/opf" version="3.0">
            <metadata><dc:title>Tides &amp; <![CDATA[Shores]]></dc:title><!-- n --></metadata>
            <manifest><item id='c1' href="one.xhtml"/></manifest><spine><itemref idref="c1"/></spine></package>
            """
        let bytes = Array(xml.utf8)
        #expect(XMLElements(Data(bytes)).count == 7)
        #expect(XMLElements(Data(bytes)).first { $0.name == "title" }?.text == "Tides & Shores")
        let partial = (0..<bytes.count).filter { !XMLElements(Data(bytes[..<$0])).isEmpty }
        #expect(partial.isEmpty)
    }

    /// Each case is a start and a piece repeated 100,000 times after it (not
    /// the whole text as the argument, which the test log would print).
    @Test(
        "hostile input is refused in linear time: unclosed tags, references, comments, sections", .timeLimit(.minutes(1)),
        arguments: [
            ("", "<"), ("<a>", "<b"), ("<a>", "&"), ("<a>", "&#"), ("<a>", "<!--"), ("<a>", "<![CDATA["),
            ("<!DOCTYPE a [", "<!--"), ("<a x=\"", "&"), ("<a ", "x=\"1\" "), ("", "<?pi "),
        ])
    func hostile(start: String, repeated piece: String) {
        #expect(elements(start + String(repeating: piece, count: 100_000)).isEmpty)
    }

    @Test("deep nesting is read without recursion", .timeLimit(.minutes(1)))
    func deepNesting() {
        let depth = 100_000
        let read = elements(String(repeating: "<a>", count: depth) + "x" + String(repeating: "</a>", count: depth))
        #expect(read.count == depth)
        #expect(read.last?.text == "x")
    }
}

extension String {
    fileprivate var utf16BigEndianBytes: [UInt8] { utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
}
