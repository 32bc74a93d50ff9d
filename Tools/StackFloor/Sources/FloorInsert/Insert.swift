import GRDB

/// Opens the library as Marginalia does (WAL, a busy timeout) and inserts one
/// annotation row in a transaction, as Tools/bench-annotate's baseline does.
public func insertAnnotationRow(library: String, document: String) throws {
    var configuration = Configuration()
    configuration.journalMode = .wal
    configuration.busyMode = .timeout(5)
    let queue = try DatabaseQueue(path: library, configuration: configuration)
    try queue.write { db in
        let reader = try String.fetchOne(db, sql: "SELECT reader_id FROM local_replica")!
        let clock = try Int64.fetchOne(db, sql: "SELECT clock + 1 FROM local_replica")!
        try db.execute(
            sql: """
                INSERT INTO annotations (id, document_id, text_hash, quote_exact, quote_prefix, quote_suffix,
                    position_start, position_end, body, body_heads, motivation, visibility, created_by,
                    created_hlc, updated_hlc, deleted)
                SELECT lower(hex(randomblob(16))), id, current_text,
                    'a quote of sixty code points, more or less, as annotate keeps',
                    'thirty-two code points of prefix', 'thirty-two code points of suffix', 100, 160,
                    'bench', 1, 'commenting', 'shared', ?, ?, ?, 0
                FROM documents WHERE id = ?
                """,
            arguments: [reader, clock, clock, document])
    }
}
