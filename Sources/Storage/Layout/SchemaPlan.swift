/// What a backend applies at start, in one transaction: the tables (created where missing); then,
/// when `fingerprint` differs from the one stored, every trigger replaced by `triggers` and the
/// summary counts rebuilt by `recount`.
public struct SchemaPlan: Sendable {
    public let tables: [String]
    public let triggers: [String]
    public let recount: [String]
    /// Identifies the derived part (triggers and recount); stored under `_schema.key = 'derived'`.
    public let fingerprint: String

    public init(tables: [String], triggers: [String], recount: [String]) {
        self.tables = tables
        self.triggers = triggers
        self.recount = recount
        // FNV-1a: a stable fingerprint, not a security measure.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for statement in triggers + recount {
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
