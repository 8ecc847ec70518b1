import GRDB
import GRDBSQLite

/// The prepared statements of one SQLite connection, by SQL text: at most `capacity` of them and
/// `budget` bytes of SQLite's memory (`SQLITE_STMTSTATUS_MEMUSED`), the least recently used finalized
/// when another is needed. Used by one thread at a time, as its connection.
///
/// Statements are made from the model and the request (a `$filter`'s shape, the columns a PATCH
/// names), so their number has no bound of its own: kept without one, each new shape cost a reader
/// about 16 KB for as long as the process ran (20,000 distinct filters took a server from 54 MB to
/// 368 MB). Their size varies as much: a page's read is 15 KB prepared, an UPDATE … RETURNING with the
/// counts triggers 96 KB, a `$filter` at the node limit up to 300 KB; hence the budget besides the
/// count. A statement that is stepping (`sqlite3_stmt_busy`) is never the one finalized.
final class StatementCache: @unchecked Sendable {
    /// Statements kept per connection, as PostgreSQL's prepared ones (`PreparedStatements.perConnection`).
    static let defaultCapacity = 256
    /// SQLite's memory for them per connection: a reader's usual statements fill the count long before.
    static let defaultBudget = 16 << 20

    let capacity: Int
    let budget: Int
    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0
    /// The memory of the statements kept, as SQLite reported each when it was prepared.
    private(set) var bytes = 0

    private struct Entry {
        let statement: OpaquePointer
        let bytes: Int
        var lastUse: UInt64
    }

    init(capacity: Int = StatementCache.defaultCapacity, budget: Int = StatementCache.defaultBudget) {
        precondition(capacity > 0, "a statement cache keeps at least one statement")
        self.capacity = capacity
        self.budget = budget
    }

    /// Statements kept now.
    var count: Int { entries.count }

    /// The statement for `sql` on `connection`, prepared on first use (or again once finalized).
    func statement(_ sql: String, on connection: OpaquePointer) throws -> OpaquePointer {
        clock &+= 1
        if let index = entries.index(forKey: sql) {
            entries.values[index].lastUse = clock
            return entries.values[index].statement
        }
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard code == SQLITE_OK, let prepared else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
        let size = Int(sqlite3_stmt_status(prepared, SQLITE_STMTSTATUS_MEMUSED, 0))
        while entries.count >= capacity || bytes + size > budget, evictLeastRecentlyUsed() {}
        entries[sql] = Entry(statement: prepared, bytes: size, lastUse: clock)
        bytes += size
        return prepared
    }

    /// Finalizes the statement used longest ago that is not stepping (a full scan: only when a new
    /// statement was prepared anyway, which costs far more); false when every one is stepping.
    private func evictLeastRecentlyUsed() -> Bool {
        var oldest: (sql: String, entry: Entry)?
        for (sql, entry) in entries where sqlite3_stmt_busy(entry.statement) == 0 {
            if entry.lastUse < oldest?.entry.lastUse ?? .max { oldest = (sql, entry) }
        }
        guard let oldest else { return false }
        sqlite3_finalize(oldest.entry.statement)
        entries[oldest.sql] = nil
        bytes -= oldest.entry.bytes
        return true
    }

    /// Finalizes every statement (before the connection closes: `sqlite3_close` refuses while any is left).
    func finalizeAll() {
        for entry in entries.values { sqlite3_finalize(entry.statement) }
        entries.removeAll()
        bytes = 0
    }

    deinit { finalizeAll() }
}
