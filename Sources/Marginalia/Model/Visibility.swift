/// Who may see an item: only its reader's own machines, or the groups they sync with.
public enum Visibility: String, Codable, Sendable, CaseIterable {
    case `private`
    case shared
}

/// Why an annotation was made, in the W3C Web Annotation vocabulary.
public enum Motivation: String, Codable, Sendable, CaseIterable {
    case highlighting, commenting, bookmarking, describing, questioning, replying, tagging, linking
}
