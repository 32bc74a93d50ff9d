import Foundation
import GRDB

/// The sums the view keeps so that `status` reads them instead of scanning a
/// million rows: the state digest (the XOR of every entity's digest), the
/// shared-state digest (of the shared entities only), and how many documents,
/// annotations and notes `status` counts (not deleted; shared, or this
/// reader's own).
///
/// Every refresh of an entity adds its change; a transaction stores the sum once:
///
/// ```swift
/// var change = ViewTotals()
/// try Materializer.refresh(kind: .annotation, id: id, reader: reader, in: db, totals: &change)
/// try change.addToStored(in: db)
/// ```
struct ViewTotals: Equatable {
    var stateDigest = Data(count: 32)
    var sharedDigest = Data(count: 32)
    var documents = 0
    var annotations = 0
    var notes = 0

    /// One entity as the view holds it (its `entities` row).
    struct Entry: Equatable {
        var digest: Data
        var shared: Bool
        var shown: Bool
    }

    /// Replaces an entity's old entry (nil when it was not in the view) by
    /// its new one (nil when it leaves the view).
    mutating func replace(_ old: Entry?, with new: Entry?, kind: EntityKind) {
        if let old { toggle(old, kind: kind, count: -1) }
        if let new { toggle(new, kind: kind, count: 1) }
    }

    /// XOR is its own inverse: adding and taking away an entry differ only in the count.
    private mutating func toggle(_ entry: Entry, kind: EntityKind, count: Int) {
        Materializer.formXor(&stateDigest, entry.digest)
        if entry.shared { Materializer.formXor(&sharedDigest, entry.digest) }
        guard entry.shown else { return }
        switch kind {
        case .document: documents += count
        case .annotation: annotations += count
        case .note: notes += count
        case .set: break
        }
    }

    /// The totals stored in the library.
    static func stored(in db: Database) throws -> ViewTotals {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT state_digest.digest, shared_digest, documents, annotations, notes FROM state_digest, view_totals"))
        guard let row else { return ViewTotals() }
        return ViewTotals(
            stateDigest: row[0], sharedDigest: row[1], documents: row[2], annotations: row[3], notes: row[4])
    }

    /// Stores these totals, replacing what the library held.
    func store(in db: Database) throws {
        try db.cachedStatement(sql: "UPDATE state_digest SET digest = ?").execute(arguments: [stateDigest])
        try db.cachedStatement(
            sql: "UPDATE view_totals SET shared_digest = ?, documents = ?, annotations = ?, notes = ?"
        ).execute(arguments: [sharedDigest, documents, annotations, notes])
    }

    /// Adds this change (of one transaction's refreshes) to the stored totals.
    func addToStored(in db: Database) throws {
        guard self != ViewTotals() else { return }
        var totals = try Self.stored(in: db)
        Materializer.formXor(&totals.stateDigest, stateDigest)
        Materializer.formXor(&totals.sharedDigest, sharedDigest)
        totals.documents += documents
        totals.annotations += annotations
        totals.notes += notes
        try totals.store(in: db)
    }
}
