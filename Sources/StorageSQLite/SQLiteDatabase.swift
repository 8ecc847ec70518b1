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
    let pool: DatabasePool
    let writes: GroupCommit
    let readers: SQLiteReaders
    /// The writer's prepared statements (used on the writer's queue alone).
    let writerStatements: StatementCache

    /// The write-ahead log's size past which the writer empties it (`LogLimit`).
    public static let defaultLogLimit = 64 << 20

    /// The writer's busy timeout: how long it waits for a lock before SQLite answers that it is busy.
    static let busyMilliseconds: Int32 = 10_000

    /// Opens (creating if needed) the database file at `path`. A read that runs past `readTimeLimit` is
    /// stopped and fails with `StorageError.timedOut`. The write-ahead log is emptied once it passes
    /// `logLimit` bytes (`LogLimit`).
    public init(
        path: String, readers: Int = max(4, ProcessInfo.processInfo.activeProcessorCount * 2), readTimeLimit: Duration? = nil,
        logLimit: Int = defaultLogLimit
    ) throws {
        _ = SQLiteSettings.applied
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.maximumReaderCount = readers
        config.busyMode = .timeout(Double(Self.busyMilliseconds) / 1000)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try Self.claim(path)
        let readerConnections = SQLiteReaders(path: path, keptIdle: readers, timeLimit: readTimeLimit)
        let log = LogLimit(limit: logLimit, busyMilliseconds: Self.busyMilliseconds) { readerConnections.longReadsRunning }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try pool.writeWithoutTransaction { db in try log.install(on: try db.openConnection) }
        } catch {
            throw StorageError(.unavailable, "cannot open the SQLite database at \(path)", underlying: error)
        }
        let writerBindings = BindingBuffer()  // used by the group commit's thread alone
        let writerStatements = StatementCache()
        self.writerStatements = writerStatements
        writes = GroupCommit(pool: pool, log: log) { db, statement in
            let connection = try db.openConnection
            let rows = try Self.fetch(try writerStatements.statement(statement.sql, on: connection), connection, writerBindings, statement)
            return (rows, db.changesCount)
        }
        self.readers = readerConnections
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

    public func statistics() -> [StorageStatistic] { writes.statistics + readers.statistics }

    public func close() async throws {
        readers.close()
        // GRDB closes the writer with `sqlite3_close`, which refuses while a statement of ours is left.
        let writerStatements = self.writerStatements
        try await pool.writeWithoutTransaction { _ in writerStatements.finalizeAll() }
        try pool.close()
    }
}
