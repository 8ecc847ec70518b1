/// What a backend applies at start, in one transaction: the functions its queries call (made again),
/// the tables (created where missing) and their columns (added where missing: a newer model may have
/// more properties); then, when `fingerprint` differs from the one stored, every trigger dropped, the
/// rows left null where the model now gives a default filled by `backfill`, the triggers made again by
/// `triggers` and the summary counts rebuilt by `recount`.
public struct SchemaPlan: Sendable {
    /// The dialect's functions (`SQLDialect.functions`), then the tables, their indexes and the
    /// service's own tables.
    public let tables: [String]
    /// Every column, for adding to tables made by an older model (tables only grow; a key column is made
    /// with its table), and for the type it should have (a text column made before its collation was given).
    public let columns: [Column]
    public let triggers: [String]
    public let recount: [String]
    public let backfill: [SQLStatement]
    /// Identifies the derived part (triggers and recount); stored under `_schema.key = 'derived'`.
    public let fingerprint: String

    /// A column a table must have, its type as the dialect writes it, and the statement that adds it.
    public struct Column: Sendable {
        public let table: String
        public let name: String
        public let type: String
        public let add: String
    }

    public init(tables: [String], columns: [Column] = [], triggers: [String], recount: [String], backfill: [SQLStatement] = []) {
        self.tables = tables
        self.columns = columns
        self.triggers = triggers
        self.recount = recount
        self.backfill = backfill
        // FNV-1a: a stable fingerprint, not a security measure.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for statement in triggers + recount + backfill.map(\.description) {
            for byte in statement.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            hash ^= 0x0A
            hash = hash &* 0x100_0000_01b3
        }
        self.fingerprint = String(hash, radix: 16)
    }
}
