import GRDBSQLite
import Storage

/// Reads of the database as of one moment while it is served: an export's snapshot, a backup's copy.
extension SQLiteDatabase {
    /// One read transaction on a connection of its own: every statement of `body` sees the database as it
    /// was at the first, while the server goes on writing (the log keeps what the snapshot reads; a
    /// checkpoint does not pass it meanwhile). For an export of a store that is being served.
    public func withSnapshot<T>(
        _ body: (_ query: @escaping @Sendable (SQLStatement) async throws -> [[SQLValue]]) async throws -> T
    ) async throws -> T {
        try await readers.counted { try await snapshot(body) }
    }

    private func snapshot<T>(
        _ body: (_ query: @escaping @Sendable (SQLStatement) async throws -> [[SQLValue]]) async throws -> T
    ) async throws -> T {
        let connection = try await run { try readers.dedicated() }
        try await run { try connection.execute("BEGIN") }
        let query: @Sendable (SQLStatement) async throws -> [[SQLValue]] = { statement in
            // The statements of one snapshot come one after another (`body` awaits each), so the
            // connection is used by one thread at a time.
            try await self.run {
                try await ReadThreads.shared.run {
                    try Self.fetch(try connection.statement(statement.sql), connection.handle, connection.bindings, statement)
                }
            }
        }
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body(query)) } catch { outcome = .failure(error) }
        try? connection.execute("COMMIT")  // a read: nothing to keep or lose; the connection closes with it
        return try outcome.get()
    }

    /// `VACUUM INTO` the new file at `path` on a connection of its own: one read transaction, so the copy
    /// holds the database as it was when it began while writes go on (the log keeps what they change
    /// meanwhile), compacted, with its indexes and the summary counts. It runs on `ReadThreads`: a copy
    /// of a large store takes seconds, which would hold one of Swift's few cooperative threads.
    public func backup(into path: String) async throws {
        let connection = try await run { try readers.dedicated() }
        // A reader refuses to write (`query_only`); this one writes only the new file.
        try await run { try connection.execute("PRAGMA query_only = 0") }
        let statement = SQLStatement("VACUUM INTO ?", [.text(path)])
        try await readers.counted {
            try await run {
                _ = try await ReadThreads.shared.run {
                    try Self.fetch(try connection.statement(statement.sql), connection.handle, connection.bindings, statement)
                }
            }
        }
    }

    /// Checks that the file at `path` is a whole StatusGraph store (a backup before it is put to use):
    /// SQLite's `quick_check` finds it sound and it has the store's schema table. Opened read-only.
    public static func checkBackup(at path: String) throws {
        var db: OpaquePointer?
        defer { sqlite3_close_v2(db) }
        func fail(_ why: String) -> StorageError { StorageError(.internalError, "\(path) is not a whole StatusGraph store: \(why)") }
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            throw fail(db.map { String(cString: sqlite3_errmsg($0)) } ?? "it cannot be opened")
        }
        func first(_ sql: String) throws -> String? {
            var statement: OpaquePointer?
            defer { sqlite3_finalize(statement) }
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { throw fail(String(cString: sqlite3_errmsg(db))) }
            switch sqlite3_step(statement) {
            case SQLITE_ROW: return sqlite3_column_text(statement, 0).map { String(cString: $0) }
            case SQLITE_DONE: return nil
            default: throw fail(String(cString: sqlite3_errmsg(db)))
            }
        }
        let check = try first("PRAGMA quick_check")
        guard check == "ok" else { throw fail("SQLite's check says \(check ?? "nothing")") }
        guard try first("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_schema'") != nil else {
            throw fail("it has no _schema table")
        }
    }
}
