import Foundation

/// Everything that can go wrong in a library call, with a message that says
/// what happened and what to do next.
///
/// A call that throws one of these has changed nothing in the library.
public enum MarginaliaError: Error, Equatable, CustomStringConvertible {
    case libraryMissing(path: String)
    case libraryUnwritable(path: String, reason: String)
    case notALibrary(path: String, reason: String)
    case newerSchema(path: String, unknown: [String])
    case migrationFailed(path: String, migration: String, backup: String?, reason: String)
    case notFound(kind: String, reference: String)
    case ambiguous(reference: String, candidates: [String])
    case wrongKind(reference: String, expected: String, actual: String)
    case invalidInput(String)
    case unreadableFile(path: String, reason: String)
    case unwritableFile(path: String, reason: String)
    case badText(source: String, problem: TextInputError)
    case badDocument(path: String, problem: DocumentProblem)
    case quoteNotFound(quote: String, closest: String?)
    case quoteAmbiguous(quote: String, positions: [TextPositionSelector])
    case rangeOutOfText(start: Int, end: Int, length: Int)
    case noText(document: String)
    case duplicateDocument(id: String)
    case deleted(id: String)
    case corrupt(String)
    case badBundle(BundleError)
    /// A file given to `import` that cannot be read as its format: where
    /// (`line 42`, `record 3 (line 17), field target`) and what.
    case badImport(format: String, location: String, problem: String)
    case replicaCopied(replica: String)
    case remoteNotFound(name: String)
    case syncFolderMissing(path: String)
    case gitFailed(command: String, reason: String)
    case passphraseNeeded(location: String)
    case wrongPassphrase(location: String)
    case storage(path: String, reason: String)

    /// The command that lists the items of a kind, for messages that point to it.
    private static func listing(_ kind: String) -> String {
        switch kind {
        case "document": "`marginalia doc list`"
        case "set": "`marginalia set list`"
        case "reader": "`marginalia readers`"
        case "annotation", "note", "annotation or note": "`marginalia list`"
        default: "`marginalia list` (or `doc list`, `set list`)"
        }
    }

    public var description: String {
        switch self {
        case .libraryMissing(let path):
            return "no library at \(path); run `marginalia init` to create one, or pass --library PATH"
        case .libraryUnwritable(let path, let reason):
            return "cannot write the library at \(path): \(reason); choose another place with --library PATH"
        case .notALibrary(let path, let reason):
            return "\(path) is not a Marginalia library (\(reason)); point --library at a library file, or move this file away"
        case .newerSchema(let path, let unknown):
            return "\(path) was written by a newer Marginalia (schema \(unknown.joined(separator: ", "))); "
                + "upgrade marginalia to open it (the library was left untouched)"
        case .migrationFailed(let path, let migration, let backup, let reason):
            return "upgrading \(path) failed at migration \(migration): \(reason); the library was left as it was"
                + (backup.map { " and a copy is at \($0)" } ?? "")
        case .notFound(let kind, let reference):
            return "no \(kind) matches '\(reference)'; \(Self.listing(kind)) shows "
                + (kind == "reader" ? "their names and ids" : "the ids")
        case .ambiguous(let reference, let candidates):
            return "'\(reference)' matches several items (\(candidates.prefix(5).joined(separator: ", "))"
                + (candidates.count > 5 ? ", ..." : "") + "); type more of the id"
        case .wrongKind(let reference, let expected, let actual):
            func withArticle(_ noun: String) -> String { (noun.first.map { "aeiou".contains($0) } == true ? "an " : "a ") + noun }
            return "'\(reference)' is \(withArticle(actual)), not \(withArticle(expected)); \(Self.listing(expected)) shows the ids"
        case .invalidInput(let message):
            return message
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .unwritableFile(let path, let reason):
            return "cannot write \(path): \(reason); nothing was changed"
        case .badText(let source, let problem):
            return "\(source): \(problem)"
        case .badDocument(let path, let problem):
            return "\(path): \(problem)"
        case .quoteNotFound(let quote, let closest):
            return "the quote \"\(Self.clip(quote))\" is not in the text"
                + (closest.map { "; the closest passage is \"\(Self.clip($0))\"" } ?? "; check it against `marginalia doc show`")
        case .quoteAmbiguous(let quote, let positions):
            return "the quote \"\(Self.clip(quote))\" occurs \(positions.count) times (at "
                + positions.prefix(5).map { "\($0.start):\($0.end)" }.joined(separator: ", ")
                + (positions.count > 5 ? ", ..." : "") + "); add --prefix/--suffix to tell them apart, or give --at START:END"
        case .rangeOutOfText(let start, let end, let length):
            return "the range \(start):\(end) is outside the text (\(length) code points); give 0 <= START < END <= \(length)"
        case .noText(let document):
            return "document \(document) has no text (a paper book); annotate it with --page LOC, or --quote with --page"
        case .duplicateDocument(let id):
            return "a document with id '\(id)' already exists; choose another --id"
        case .deleted(let id):
            return "\(id) is deleted; `marginalia restore \(id)` brings it back"
        case .corrupt(let message):
            return "the library is damaged: \(message); run `marginalia check` for details"
        case .badBundle(let problem):
            return "the bundle was not imported: \(problem)"
        case .badImport(let format, let location, let problem):
            return "the \(format) file is malformed at \(location): \(problem); nothing was imported"
        case .replicaCopied(let replica):
            return "this bundle holds operations of this very replica (\(replica.prefix(8))) that this library never wrote: "
                + "the library was copied and both copies write; keep writing in only one of them"
        case .remoteNotFound(let name):
            return "no remote named '\(name)'; `marginalia remote list` shows them"
        case .syncFolderMissing(let path):
            return "the sync folder \(path) is not there (a drive not mounted, a folder moved?); nothing was read or written"
        case .gitFailed(let command, let reason):
            return "\(command) failed: \(reason); nothing was pushed, and the next sync tries again"
        case .passphraseNeeded(let location):
            return "\(location) is an encrypted group channel; give its passphrase with --passphrase-file FILE "
                + "or $MARGINALIA_PASSPHRASE (nothing was read or written)"
        case .wrongPassphrase(let location):
            return "the passphrase does not open \(location); check it with the group (nothing was read or written)"
        case .storage(let path, let reason):
            return "the library at \(path) could not be used: \(reason); nothing was changed"
        }
    }

    /// A quote cut down to fit on one line of an error message.
    static func clip(_ text: String, limit: Int = 60) -> String {
        let flat = text.replacingEvery("\n", with: " ")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }
}

extension MarginaliaError: LocalizedError {
    public var errorDescription: String? { description }
}
