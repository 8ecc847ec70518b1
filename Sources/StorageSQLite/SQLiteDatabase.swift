import CSQLiteSettings
import Foundation
import GRDB
import GRDBSQLite
import Storage

/// The embedded default backend: one SQLite file in WAL mode, a writer (GRDB) plus reader connections
/// (`SQLiteReaders`), `synchronous=FULL` so that an acknowledged write survives a crash or power loss,
/// concurrent writes sharing commits (`GroupCommit`), and prepared statements kept per connection.
public final class SQLiteDatabase: SQLDatabase {
    public let dialect: any SQLDialect = SQLiteDialect()
    /// Its writer only: reads go to `readers`. GRDB's own readers open the file read-only, and a
    /// read-only connection's locks under `unix-excl` (see `SQLiteSettings`) are plain POSIX locks,
    /// whose release would drop the lock by which this process holds the file.
    private let pool: DatabasePool
    private let writes: GroupCommit
    private let readers: SQLiteReaders
    /// The writer's prepared statements (used on the writer's queue alone).
    private let writerStatements: StatementCache

    /// Opens (creating if needed) the database file at `path`. A read that runs past `readTimeLimit` is
    /// stopped and fails with `StorageError.timedOut`.
    public init(
        path: String, readers: Int = max(4, ProcessInfo.processInfo.activeProcessorCount * 2), readTimeLimit: Duration? = nil
    ) throws {
        _ = SQLiteSettings.applied
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.maximumReaderCount = readers
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try Self.claim(path)
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StorageError(.unavailable, "cannot open the SQLite database at \(path)", underlying: error)
        }
        let writerBindings = BindingBuffer()  // used by the group commit's thread alone
        let writerStatements = StatementCache()
        self.writerStatements = writerStatements
        writes = GroupCommit(pool: pool) { db, statement in
            guard let connection = db.sqliteConnection else {
                throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the database is closed")
            }
            let rows = try Self.fetch(try writerStatements.statement(statement.sql, on: connection), connection, writerBindings, statement)
            return (rows, db.changesCount)
        }
        self.readers = SQLiteReaders(path: path, keptIdle: readers, timeLimit: readTimeLimit)
    }

    /// Takes the database file for this process (see `SQLiteSettings`), or fails at once naming the
    /// reason when another process holds it: GRDB would wait out its busy timeout and then report only
    /// that the database is locked. The first access of a connection takes the file's lock; the lock
    /// stays with the process until its last connection to the file closes.
    private static func claim(_ path: String) throws {
        var db: OpaquePointer?
        defer { sqlite3_close_v2(db) }
        var code = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        if code == SQLITE_OK { code = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nil, nil, nil) }
        switch code & 0xFF {
        case SQLITE_OK:
            return
        case SQLITE_BUSY:
            throw StorageError(
                .unavailable,
                "the SQLite database at \(path) is in use by another process: one StatusGraph process serves a data directory at a time")
        default:
            let message = db.map { String(cString: sqlite3_errmsg($0)) }
            throw StorageError(
                .unavailable, "cannot open the SQLite database at \(path)",
                underlying: DatabaseError(resultCode: ResultCode(rawValue: code), message: message))
        }
    }

    /// The database file of a data directory: `statusgraph.sqlite` in it.
    public static func path(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("statusgraph.sqlite")
    }

    /// Opens `statusgraph.sqlite` in a data directory, creating the directory if needed.
    public static func open(dataDirectory: String, readTimeLimit: Duration? = nil) throws -> SQLiteDatabase {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw StorageError(.unavailable, "cannot create the data directory \(dataDirectory)", underlying: error)
        }
        return try SQLiteDatabase(path: path(dataDirectory: dataDirectory), readTimeLimit: readTimeLimit)
    }

    /// Reads run on the calling thread, and those that take long elsewhere (see `SQLiteReaders.read`): a
    /// read is a few microseconds of CPU in SQLite's page cache, less than hopping to another thread and
    /// back. One statement is its own read transaction (a consistent snapshot in WAL mode), so no
    /// BEGIN/COMMIT is wrapped around it.
    public func query(_ statement: SQLStatement) async throws -> [[SQLValue]] {
        try await run { try await readers.read { c in try Self.fetch(try c.statement(statement.sql), c.handle, c.bindings, statement) } }
    }

    /// A read that runs long starts over on the store's threads (`SQLiteReaders.read`), after `restart`
    /// when it has handed out rows; without `restart` it runs on where it is once it has.
    public func query(_ statement: SQLStatement, restart: (() -> Void)?, each body: (SQLRow) throws -> Void) async throws {
        var handedOut = false
        try await run {
            try await readers.read { c in
                if handedOut {
                    restart?()
                    handedOut = false
                }
                try Self.step(try c.statement(statement.sql), c.handle, c.bindings, statement) { row in
                    if restart == nil { c.staysInline() }
                    handedOut = true
                    try body(row)
                }
            }
        }
    }

    /// Writes share commits with the writes made at the same time (see `GroupCommit`); each returns once
    /// its commit is durable.
    public func write(_ statement: SQLStatement) async throws -> (rows: [[SQLValue]], changes: Int) {
        let outcome = await writes.write(statement)
        return try await run { try outcome.get() }
    }

    public func migrate(_ plan: SchemaPlan) async throws {
        try await run {
            try await pool.write { db in
                for sql in plan.tables { try db.execute(sql: sql) }
                var existing: [String: Set<String>] = [:]
                for column in plan.columns {
                    if existing[column.table] == nil {
                        existing[column.table] = Set(
                            try Row.fetchAll(db, sql: "PRAGMA table_info(\(dialect.quote(column.table)))").map { $0["name"] as String })
                    }
                    if !existing[column.table]!.contains(column.name) { try db.execute(sql: column.add) }
                }
                let schema = dialect.quote(StorageLayout.schemaTable)
                let stored = try String.fetchOne(db, sql: "SELECT \"value\" FROM \(schema) WHERE \"key\" = 'derived'")
                guard stored != plan.fingerprint else { return }
                let triggers = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'")
                for name in triggers { try db.execute(sql: "DROP TRIGGER \(dialect.quote(name))") }
                for statement in plan.backfill {
                    try db.execute(sql: statement.sql, arguments: StatementArguments(statement.bindings.map(Self.databaseValue)))
                }
                for sql in plan.triggers + plan.recount { try db.execute(sql: sql) }
                try db.execute(
                    sql: "INSERT INTO \(schema) (\"key\", \"value\") VALUES ('derived', ?) ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\"",
                    arguments: [plan.fingerprint])
            }
        }
    }

    /// A value as GRDB binds it (for the few statements that go through GRDB's writer connection).
    private static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let n): n.databaseValue
        case .real(let d): d.databaseValue
        case .text(let s): s.databaseValue
        case .blob(let b): Data(b).databaseValue
        case .boolean(let b): b.databaseValue
        }
    }

    public func statistics() -> [StorageStatistic] { writes.statistics + readers.statistics }

    /// One read transaction on a connection of its own: every statement of `body` sees the database as it
    /// was at the first, while the server goes on writing (the log keeps what the snapshot reads; a
    /// checkpoint does not pass it meanwhile). For an export of a store that is being served.
    public func withSnapshot<T>(
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
        try await run {
            _ = try await ReadThreads.shared.run {
                try Self.fetch(try connection.statement(statement.sql), connection.handle, connection.bindings, statement)
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

    /// A load into this process's file (`statusgraph import`): the indexes of the tables that are empty
    /// when it starts are dropped, and built again once it ends (also when it fails), each in one sorted
    /// pass instead of entry by entry. Rows arrive in key order, but their secondary keys (a device's
    /// name, its state) land at random places in a large index, and every commit wrote each page it
    /// touched to the log again: measured on 1.2 million device statuses, row by row with the indexes
    /// ~7.5k rows/s, loaded without them and indexed after ~37k. A table holding rows keeps its
    /// indexes (building them again would cost what its rows cost). A process that dies during the
    /// load leaves them to the next start: `migrate` creates the indexes that are missing.
    public func withBulkLoad<T>(_ body: () async throws -> T) async throws -> T {
        let dialect = self.dialect
        let deferred = try await run {
            try await pool.write { db -> [String] in
                let indexes = try Row.fetchAll(
                    db, sql: "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
                var empty: [String: Bool] = [:]
                var deferred: [String] = []
                for index in indexes {
                    let table: String = index["tbl_name"]
                    if empty[table] == nil {
                        empty[table] = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM \(dialect.quote(table)))") ?? false
                    }
                    guard empty[table] == true else { continue }
                    try db.execute(sql: "DROP INDEX \(dialect.quote(index["name"] as String))")
                    deferred.append(index["sql"])
                }
                return deferred
            }
        }
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        do {
            try await run { try await pool.write { db in for sql in deferred { try db.execute(sql: sql) } } }
        } catch {
            // The load's own failure says more; the indexes are then made at the next start.
            if case .success = outcome { throw error }
        }
        return try outcome.get()
    }

    public func close() async throws {
        readers.close()
        // GRDB closes the writer with `sqlite3_close`, which refuses while a statement of ours is left.
        let writerStatements = self.writerStatements
        try await pool.writeWithoutTransaction { _ in writerStatements.finalizeAll() }
        try pool.close()
    }

    /// Runs a statement with its parameters bound and returns its rows as values.
    private static func fetch(
        _ sqlite: SQLiteStatement, _ connection: SQLiteConnection?, _ buffer: BindingBuffer, _ statement: SQLStatement
    ) throws -> [[SQLValue]] {
        var out: [[SQLValue]] = []
        try step(sqlite, connection, buffer, statement) { out.append($0.values) }
        return out
    }

    /// Runs a statement, prepared once per connection, with its parameters bound, handing each row to
    /// `body` as cells that point into SQLite's own buffers: no per-value boxing on the way in or out.
    private static func step(
        _ sqlite: SQLiteStatement, _ connection: SQLiteConnection?, _ buffer: BindingBuffer, _ statement: SQLStatement,
        _ body: (SQLRow) throws -> Void
    ) throws {
        defer {
            // Ends the statement's read: an open statement would hold its snapshot (and block checkpoints).
            sqlite3_reset(sqlite)
            sqlite3_clear_bindings(sqlite)
        }
        sqlite3_reset(sqlite)
        // Text and blobs are bound from `buffer` (see BindingBuffer): sized for all of them first, so
        // that nothing bound moves.
        var size = 0
        for value in statement.bindings {
            switch value {
            case .text(let text): size += text.utf8.count
            case .blob(let bytes): size += bytes.count
            case .null, .integer, .real, .boolean: break
            }
        }
        var next = buffer.reserve(size)
        for (offset, value) in statement.bindings.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(sqlite, index)
            case .integer(let n): code = sqlite3_bind_int64(sqlite, index, n)
            case .real(let d): code = sqlite3_bind_double(sqlite, index, d)
            case .boolean(let b): code = sqlite3_bind_int64(sqlite, index, b ? 1 : 0)
            case .text(let text):
                var text = text
                let start = next
                let count = text.withUTF8 { utf8 in
                    if let source = utf8.baseAddress { start.copyMemory(from: source, byteCount: utf8.count) }
                    return utf8.count
                }
                next += count
                code = sqlite3_bind_text(sqlite, index, start.assumingMemoryBound(to: CChar.self), Int32(count), nil)
            case .blob(let bytes):
                let start = next
                bytes.withUnsafeBytes { if let source = $0.baseAddress { start.copyMemory(from: source, byteCount: $0.count) } }
                next += bytes.count
                code = sqlite3_bind_blob(sqlite, index, start, Int32(bytes.count), nil)
            }
            guard code == SQLITE_OK else { throw error(connection, code, statement) }
        }
        let count = Int(sqlite3_column_count(sqlite))
        try withUnsafeTemporaryAllocation(of: SQLCell.self, capacity: count) { cells in
            while true {
                let code = sqlite3_step(sqlite)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else { throw error(connection, code, statement) }
                for i in 0..<count {
                    // One `sqlite3_column_*` call per value: each enters and leaves the statement's API
                    // (a mutex call and an error check); the value's own accessors do neither. SQLite calls
                    // the value "unprotected" (no mutex held while reading it): safe here, as a connection
                    // is used by one thread at a time and the value is read before the next step.
                    let value = sqlite3_column_value(sqlite, Int32(i))
                    let cell: SQLCell
                    switch sqlite3_value_type(value) {
                    case SQLITE_INTEGER: cell = .integer(sqlite3_value_int64(value))
                    case SQLITE_FLOAT: cell = .real(sqlite3_value_double(value))
                    case SQLITE_TEXT:
                        let start = sqlite3_value_text(value)
                        cell = .text(UnsafeBufferPointer(start: start, count: start == nil ? 0 : Int(sqlite3_value_bytes(value))))
                    case SQLITE_BLOB:
                        let start = sqlite3_value_blob(value)
                        cell = .blob(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : Int(sqlite3_value_bytes(value))))
                    default: cell = .null
                    }
                    (cells.baseAddress! + i).initialize(to: cell)
                }
                try body(SQLRow(cells: UnsafeBufferPointer(cells)))
            }
        }
    }

    /// SQLite's error for a failed step or bind, as GRDB reports errors (so `run` maps both alike).
    private static func error(_ connection: SQLiteConnection?, _ code: Int32, _ statement: SQLStatement) -> DatabaseError {
        let message = connection.map { String(cString: sqlite3_errmsg($0)) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }

    /// Translates SQLite's errors into `StorageError`.
    private func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_CONSTRAINT:
                if error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
                    throw StorageError(.parentNotFound, "the containing entity does not exist", underlying: error)
                }
                throw StorageError(.conflict, "an entity with this key exists already", underlying: error)
            case .SQLITE_INTERRUPT:
                // Only a reader's time limit interrupts a statement (see `SQLiteReaders`).
                let limit = readers.timeLimit.map { " \($0.inWords)" } ?? ""
                throw StorageError(.timedOut, "it ran longer than\(limit), the longest a read may run here", underlying: error)
            case .SQLITE_ERROR where error.message == STATUSGRAPH_NUMBER_OUT_OF_RANGE:
                // `$filter` or `$orderby` arithmetic beyond 64 bits (`statusgraph_checked_number`), as PostgreSQL's 22003.
                throw StorageError(.unevaluable, "a number out of range", underlying: error)
            case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN:
                throw StorageError(.unavailable, "the SQLite database is unavailable", underlying: error)
            default:
                throw StorageError(.internalError, "SQLite failed", underlying: error)
            }
        }
    }
}
