import Crypto
import Foundation

/// One schema migration: a SQL file of the top-level `Migrations/` folder,
/// compiled into the binary by the `EmbedMigrations` build plugin.
public struct EmbeddedMigration: Sendable, Hashable {
    /// The file name without `.sql`, e.g. `0001_initial`.
    public var name: String
    public var sql: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }

    /// SHA-256 of the SQL text: a released migration must keep it forever.
    public var checksum: String {
        Identifier.hex(SHA256.hash(data: Data(sql.utf8)))
    }
}

/// The migrations this build knows, in order.
public enum EmbeddedMigrations {}
