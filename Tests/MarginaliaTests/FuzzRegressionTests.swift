import Foundation
import Testing

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
}
