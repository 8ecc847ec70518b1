import Dispatch
import GRDB
import GRDBSQLite
import Storage
import Synchronization

/// The connections reads run on, outside GRDB's pool: a read is one statement, stepped on an idle
/// connection with its prepared statements kept, on the calling thread or another (`ReadThreads`).
/// GRDB's reader pool costs more than the read itself here (a semaphore, a dispatch queue, a
/// `PRAGMA schema_version` on every access); prepared statements re-prepare themselves when a
/// migration changes the schema.
///
/// A connection is taken for one statement and put back; a new one is opened when all are busy (reads
/// never wait: there are never more at once than threads running them), and at most `keptIdle` are kept.
///
/// A read may run for `timeLimit` at most: past it SQLite stops the statement (`SQLITE_INTERRUPT`), so
/// that one that scans a million rows does not hold a thread, its connection and a core for as long as
/// it takes.
final class SQLiteReaders: Sendable {
    private let path: String
    private let keptIdle: Int
    /// The longest one read may run; nil for no limit.
    let timeLimit: Duration?
    private let timeLimitNanoseconds: UInt64?
    private let idle = Mutex<(connections: [ReaderConnection], closed: Bool)>(([], false))
    private let movedReads = Atomic<Int>(0)
    private let longReads = Atomic<Int>(0)

    init(path: String, keptIdle: Int, timeLimit: Duration?) {
        self.path = path
        self.keptIdle = keptIdle
        self.timeLimit = timeLimit
        timeLimitNanoseconds = timeLimit.map { UInt64($0.nanoseconds) }
    }

    /// How long a read runs on its caller's thread before it is stopped and run again on `ReadThreads`.
    static let inlineSlice: UInt64 = 10_000_000  // ns

    /// Runs `body` on an idle connection: on the calling thread, and when it is still running after
    /// `inlineSlice` (unless it has handed out rows meanwhile: `ReaderConnection.staysInline`), again
    /// from the start on `ReadThreads`.
    func read<T>(_ body: (ReaderConnection) throws -> T) async throws -> T {
        do {
            return try readHere(body, inline: true)
        } catch is LeavesInline {
            movedReads.add(1, ordering: .relaxed)
            return try await counted { try await ReadThreads.shared.run { try readHere(body, inline: false) } }
        }
    }

    /// Reads that outran their slice on a request's thread and are still running on `ReadThreads`, and
    /// snapshots and backups under way (`counted`): what would hold the writer longest were it to wait
    /// for the reads then running (`LogLimit`).
    var longReadsRunning: Int { longReads.load(ordering: .relaxed) }

    /// Runs `body`, a read known to be long (one moved, a snapshot that spans statements, a backup),
    /// counted in `longReadsRunning` meanwhile.
    func counted<T>(_ body: () async throws -> T) async rethrows -> T {
        longReads.add(1, ordering: .relaxed)
        defer { longReads.subtract(1, ordering: .relaxed) }
        return try await body()
    }

    var statistics: [StorageStatistic] {
        [
            StorageStatistic(
                "statusgraph_sqlite_long_reads_total", .counter, movedReads.load(ordering: .relaxed),
                help: "Reads still running after 10 ms on a request's thread, stopped and run again on the store's own threads."),
        ]
    }

    /// A read stopped at the end of its slice on the calling thread, to run again elsewhere.
    private struct LeavesInline: Error {}

    private func readHere<T>(_ body: (ReaderConnection) throws -> T, inline: Bool) throws -> T {
        let taken = try idle.withLock { state -> ReaderConnection? in
            if state.closed { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the database is closed") }
            return state.connections.popLast()
        }
        let connection = try taken ?? ReaderConnection(path: path)
        let start = ReaderConnection.now()
        connection.deadlines.pointee = ReaderConnection.Deadlines(
            stop: timeLimitNanoseconds.map { start + $0 } ?? 0, leave: inline ? start + Self.inlineSlice : 0)
        defer {
            connection.deadlines.pointee = ReaderConnection.Deadlines(stop: 0, leave: 0)
            idle.withLock { state in
                if !state.closed, state.connections.count < keptIdle { state.connections.append(connection) }
            }
        }
        do {
            return try body(connection)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_INTERRUPT {
            let deadlines = connection.deadlines.pointee
            if deadlines.leave != 0, deadlines.stop == 0 || ReaderConnection.now() <= deadlines.stop { throw LeavesInline() }
            throw error
        }
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
    private let statements = StatementCache()
    /// When the statement running now must stop (`now()`'s clock, in nanoseconds; 0 for never): `stop`
    /// at the read's time limit, `leave` at the end of its slice on the calling thread. SQLite asks
    /// `stopsPastDeadline` every `progressInterval` steps of its virtual machine (tens of microseconds
    /// of work), which reads the clock only when there is a deadline.
    struct Deadlines {
        var stop: UInt64
        var leave: UInt64
    }
    let deadlines: UnsafeMutablePointer<Deadlines>
    static let progressInterval: Int32 = 1_000

    /// The monotonic clock, in nanoseconds.
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    private static let stopsPastDeadline: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { context in
        guard let deadlines = context?.load(as: Deadlines.self), deadlines.stop != 0 || deadlines.leave != 0 else { return 0 }
        let now = ReaderConnection.now()
        return (deadlines.stop != 0 && now > deadlines.stop) || (deadlines.leave != 0 && now > deadlines.leave) ? 1 : 0
    }

    /// The read has handed out rows: it cannot start again elsewhere, and runs on where it is.
    func staysInline() { deadlines.pointee.leave = 0 }

    init(path: String) throws {
        var db: OpaquePointer?
        var code = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        if code == SQLITE_OK, let db {
            sqlite3_extended_result_codes(db, 1)
            sqlite3_busy_timeout(db, 10_000)
            code = sqlite3_exec(db, "PRAGMA query_only = 1", nil, nil, nil)
        }
        // Nothing of the object exists yet when this fails (its deinit does not run): the handle is closed here.
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) }
            sqlite3_close_v2(db)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        let deadlines = UnsafeMutablePointer<Deadlines>.allocate(capacity: 1)
        deadlines.initialize(to: Deadlines(stop: 0, leave: 0))
        sqlite3_progress_handler(db, Self.progressInterval, Self.stopsPastDeadline, UnsafeMutableRawPointer(deadlines))
        self.deadlines = deadlines
        handle = db
    }

    /// Runs SQL without results (`BEGIN`, `COMMIT`).
    func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: sqlite3_errcode(handle)), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
    }

    /// The prepared statement for `sql` (see `StatementCache`).
    func statement(_ sql: String) throws -> OpaquePointer {
        try statements.statement(sql, on: handle)
    }

    deinit {
        statements.finalizeAll()
        sqlite3_close_v2(handle)
        deadlines.deallocate()
    }
}
