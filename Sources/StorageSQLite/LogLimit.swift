import GRDB
import GRDBSQLite
import Storage
import Synchronization

/// Keeps the write-ahead log from growing for as long as reads and writes go on together.
///
/// After a commit that leaves 1,000 pages or more in the log, SQLite checkpoints it (`PASSIVE`: it
/// copies into the database file the pages no read still needs), and the next write starts the log
/// over from its beginning only if every page in it had been copied. Under steady traffic some read
/// that began before the last commit is always still running when that checkpoint runs, so the last
/// commit's pages are never all copied, the log is never started over, and it grows as long as the
/// traffic lasts: to 7.8 GB in 12 minutes of mixed reads and writes on the project's machine
/// (2026-12-07), while the database held 0.9 GB, and the process's memory grew with it (61 to 151 MB).
///
/// So the writer's connection reports the pages in its log after each commit (SQLite's log hook, which
/// also runs SQLite's own checkpoint as before), and once they pass `limit` the writer runs a
/// `TRUNCATE` checkpoint after the group is answered: it copies what is left, waits for the reads
/// still on older pages to end (reads that begin meanwhile read the database file), and empties the
/// log. Writes wait meanwhile, as long as the longest read then running (a read takes microseconds
/// to milliseconds alone, hundreds of milliseconds among many, seconds for a scan of a large app),
/// at most 1 s at first. When a read outlasts the wait, the writer goes on and tries again once the
/// log has grown by `limit` more, then twice that, four times, …, each time waiting twice as long, up
/// to 8 s (a read is stopped after `--db-timeout`, 10 s by default, so steady long reads are waited
/// out); after an emptying, the wait is twice what it took, at least 1 s. A read held for minutes (an
/// export's snapshot) costs the writes a few waits, not one per `limit` of log. The log's file
/// is also cut back to `limit` whenever SQLite starts it over (`journal_size_limit`), so a log that
/// once grew does not keep its size on disk.
///
/// The writes wait as long as the longest read then running has left. So while a long read runs (one
/// that outran its slice on a request's thread, an export's snapshot, a backup:
/// `SQLiteReaders.longReadsRunning`) the writer puts the emptying off to a later group, one with no
/// long read running, up to `postponeFactor` times the limit; past that it waits for them as above.
/// Measured on the project's machine (2026-12-08, four minutes of `scripts/bench --soak`, whose
/// `$count`s over a growing app are long reads, always some running): one client's creates, 31 of
/// 11,458 over 500 ms (the slowest 1,050 ms) when the writer waited at every 64 MB, 12 of 13,354 with
/// the emptying put off; none over 119 ms without a limit, but the log then grew to 5.1 GB.
final class LogLimit: Sendable {
    /// The longest the writer waits for the reads on older pages to end, at first and at most: twice as
    /// long after each attempt they outlasted, and back to twice what the last emptying took.
    static let firstWaitMilliseconds = 1000
    static let maximumWaitMilliseconds = 8000
    /// SQLite's own checkpoint threshold (`SQLITE_DEFAULT_WAL_AUTOCHECKPOINT`), kept by the hook that
    /// replaces its default one.
    static let checkpointPages: Int32 = 1000
    /// How far past the limit the log may grow while the writer waits for a moment with no long read.
    static let postponeFactor = 4

    let limit: Int
    /// The writer's usual busy timeout, which the checkpoint shortens to `waitMilliseconds` for itself.
    private let busyMilliseconds: Int32
    /// `limit` in pages, and the log's size past which a long read no longer puts the emptying off.
    private let limitPages: Int
    private let postponePages: Int
    /// Long reads running now.
    private let longReads: @Sendable () -> Int
    /// Pages in the log after the last commit (the hook's count), and when the writer next tries.
    private let pages = Atomic<Int>(0)
    private let nextAttempt: Atomic<Int>
    private let truncations = Atomic<Int>(0)
    private let deferrals = Atomic<Int>(0)
    private let postponements = Atomic<Int>(0)
    /// Attempts in a row that found reads still running (the next one comes after more log), and how
    /// long the next one waits.
    private let deferredInARow = Atomic<Int>(0)
    private let waitMilliseconds = Atomic<Int>(firstWaitMilliseconds)

    /// For a log emptied past `limit` bytes (SQLite's own checkpoints keep it near 4 MB while nothing
    /// holds them back), of `pageBytes` pages, on a writer whose busy timeout is `busyMilliseconds`,
    /// whose reads report how many long ones are running (`longReads`).
    init(limit: Int, busyMilliseconds: Int32, pageBytes: Int = 4096, longReads: @escaping @Sendable () -> Int) {
        self.limit = limit
        self.busyMilliseconds = busyMilliseconds
        self.longReads = longReads
        limitPages = max(1, limit / pageBytes)
        postponePages = Self.postponeFactor * limitPages
        nextAttempt = Atomic(limitPages)
    }

    var statistics: [StorageStatistic] {
        [
            StorageStatistic(
                "statusgraph_sqlite_log_pages", .gauge, pages.load(ordering: .relaxed),
                help: "Pages in the write-ahead log after the last commit."),
            StorageStatistic(
                "statusgraph_sqlite_log_truncations_total", .counter, truncations.load(ordering: .relaxed),
                help: "Times the writer emptied a write-ahead log that had outgrown its limit."),
            StorageStatistic(
                "statusgraph_sqlite_log_truncations_deferred_total", .counter, deferrals.load(ordering: .relaxed),
                help: "Times the writer could not empty the write-ahead log (reads held it past its wait, or the disk refused), and tried again later."),
            StorageStatistic(
                "statusgraph_sqlite_log_truncations_postponed_total", .counter, postponements.load(ordering: .relaxed),
                help: "Groups after which the writer put off emptying the write-ahead log because a long read was running."),
        ]
    }

    /// Installs the log hook on the writer's connection, and the file's size limit. `self` must outlive
    /// the connection's commits (the database keeps it until it closes).
    func install(on connection: OpaquePointer) throws {
        let code = sqlite3_exec(connection, "PRAGMA journal_size_limit = \(limit)", nil, nil, nil)
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "journal_size_limit") }
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(
            connection,
            { context, connection, name, pages in
                let limit = Unmanaged<LogLimit>.fromOpaque(context!).takeUnretainedValue()
                limit.committed(pages: Int(pages))
                // What SQLite's default hook does, which this one replaces.
                if pages >= LogLimit.checkpointPages { _ = sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil) }
                return SQLITE_OK
            }, context)
    }

    private func committed(pages count: Int) {
        // Fewer pages than before: SQLite started the log over; a later excess is tried afresh.
        if count < pages.load(ordering: .relaxed) {
            deferredInARow.store(0, ordering: .relaxed)
            nextAttempt.store(limitPages, ordering: .relaxed)
        }
        pages.store(count, ordering: .relaxed)
    }

    /// After a group is answered, on the writer's thread: empties the log if it has outgrown the limit.
    func afterCommit(_ pool: DatabasePool) {
        let count = pages.load(ordering: .relaxed)
        guard count >= nextAttempt.load(ordering: .relaxed) else { return }
        if count < postponePages, longReads() > 0 {
            postponements.add(1, ordering: .relaxed)
            return
        }
        let wait = waitMilliseconds.load(ordering: .relaxed)
        let start = ContinuousClock.now
        let emptied =
            (try? pool.writeWithoutTransaction { db -> Bool in
                let connection = try db.openConnection
                sqlite3_busy_timeout(connection, Int32(wait))
                defer { sqlite3_busy_timeout(connection, busyMilliseconds) }
                return sqlite3_wal_checkpoint_v2(connection, "main", SQLITE_CHECKPOINT_TRUNCATE, nil, nil) == SQLITE_OK
            }) ?? false
        if emptied {
            let took = (ContinuousClock.now - start).components
            let tookMilliseconds = Int(took.seconds) * 1000 + Int(took.attoseconds / 1_000_000_000_000_000)
            waitMilliseconds.store(max(Self.firstWaitMilliseconds, min(wait, 2 * tookMilliseconds)), ordering: .relaxed)
            truncations.add(1, ordering: .relaxed)
            deferredInARow.store(0, ordering: .relaxed)
            pages.store(0, ordering: .relaxed)
            nextAttempt.store(limitPages, ordering: .relaxed)
        } else {
            deferrals.add(1, ordering: .relaxed)
            waitMilliseconds.store(min(Self.maximumWaitMilliseconds, 2 * wait), ordering: .relaxed)
            let inARow = deferredInARow.add(1, ordering: .relaxed).newValue
            nextAttempt.store(count + limitPages << min(inARow - 1, 16), ordering: .relaxed)
        }
    }
}
