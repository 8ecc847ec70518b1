import GRDB
import GRDBSQLite
import Storage
import Synchronization

/// The connections reads run on, outside GRDB's pool: a read is one statement, stepped on the calling
/// thread on an idle connection with its prepared statements kept. GRDB's reader pool costs more than
/// the read itself here (a semaphore, a dispatch queue, a `PRAGMA schema_version` on every access);
/// prepared statements re-prepare themselves when a migration changes the schema.
///
/// A connection is taken for one statement and put back; a new one is opened when all are busy (reads
/// never wait: there are never more at once than threads running them), and at most `keptIdle` are kept.
final class SQLiteReaders: Sendable {
    private let path: String
    private let keptIdle: Int
    private let idle = Mutex<(connections: [ReaderConnection], closed: Bool)>(([], false))

    init(path: String, keptIdle: Int) {
        self.path = path
        self.keptIdle = keptIdle
    }

    func read<T>(_ body: (ReaderConnection) throws -> T) throws -> T {
        let taken = try idle.withLock { state -> ReaderConnection? in
            if state.closed { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the database is closed") }
            return state.connections.popLast()
        }
        let connection = try taken ?? ReaderConnection(path: path)
        defer {
            idle.withLock { state in
                if !state.closed, state.connections.count < keptIdle { state.connections.append(connection) }
            }
        }
        return try body(connection)
    }

    /// A connection of its own, outside the kept ones, for a long read (a snapshot that spans statements).
    func dedicated() throws -> ReaderConnection {
        if idle.withLock({ $0.closed }) { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the database is closed") }
        return try ReaderConnection(path: path)
    }

    func close() {
        idle.withLock { state in
            state.closed = true
            state.connections.removeAll()
        }
    }
}

/// One read-only connection (`query_only`) and its prepared statements. Used by one thread at a time.
final class ReaderConnection: @unchecked Sendable {
    let handle: OpaquePointer
    let bindings = BindingBuffer()
    private var statements: [String: OpaquePointer] = [:]

    init(path: String) throws {
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) }
            sqlite3_close_v2(db)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
        guard sqlite3_exec(db, "PRAGMA query_only = 1", nil, nil, nil) == SQLITE_OK else {
            let message = String(cString: sqlite3_errmsg(db))
            sqlite3_close_v2(db)
            throw DatabaseError(resultCode: .SQLITE_ERROR, message: message)
        }
    }

    /// Runs SQL without results (`BEGIN`, `COMMIT`).
    func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: sqlite3_errcode(handle)), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
    }

    /// The prepared statement for `sql`, prepared on first use.
    func statement(_ sql: String) throws -> OpaquePointer {
        if let prepared = statements[sql] { return prepared }
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard code == SQLITE_OK, let prepared else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
        statements[sql] = prepared
        return prepared
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }
}
