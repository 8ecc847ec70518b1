import Foundation
import GRDB
import GRDBSQLite
import Synchronization
import Storage
@testable import StorageSQLite
import Testing

/// The write-ahead log stays bounded while reads hold on to its older pages (`LogLimit`). Under steady
/// traffic, reads that overlap every commit keep SQLite's own checkpoints from ever copying the whole
/// log, and it grew without end; here one read, held open across the commits on a connection of its
/// own, stands for them. The log's limit is 1 MB (256 pages); each insert adds four pages or so.
@Suite struct LogLimitTests {
    static let limit = 1 << 20

    /// A directory of its own for a test's files, which the test removes.
    static func directory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    func figure(_ database: SQLiteDatabase, _ name: String) -> Double {
        database.statistics().first { $0.name == name }?.value ?? -1
    }

    @Test func aLogHeldByAReadIsEmptiedOnceTheReadEnds() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = SQLiteDatabase.path(dataDirectory: directory)
        let database = try SQLiteDatabase(path: path, logLimit: Self.limit)
        _ = try await database.write(SQLStatement("CREATE TABLE t (x BLOB NOT NULL)"))
        func insert(_ count: Int) async throws {
            for _ in 0..<count { _ = try await database.write(SQLStatement("INSERT INTO t VALUES (randomblob(16000))")) }
        }
        func logBytes() throws -> Int { try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? -1 }

        var reader: OpaquePointer?
        #expect(sqlite3_open_v2(path, &reader, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK)
        #expect(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM t", nil, nil, nil) == SQLITE_OK)
        // The read holds every page the commits add: the writer tries, waits its moment, and goes on.
        try await insert(150)
        #expect(figure(database, "statusgraph_sqlite_log_truncations_total") == 0)
        let deferred = figure(database, "statusgraph_sqlite_log_truncations_deferred_total")
        #expect((1...3).contains(deferred))  // at 256 pages, after 256 more, then 512 more: not once per commit
        #expect(try logBytes() > 2 * Self.limit)
        #expect(figure(database, "statusgraph_sqlite_log_pages") > 512)

        // Once the read ends, the next attempt empties the log, and it stays near its limit.
        #expect(sqlite3_exec(reader, "COMMIT", nil, nil, nil) == SQLITE_OK)
        #expect(sqlite3_close_v2(reader) == SQLITE_OK)
        try await insert(150)
        #expect(figure(database, "statusgraph_sqlite_log_truncations_total") >= 1)
        #expect(figure(database, "statusgraph_sqlite_log_truncations_deferred_total") == deferred)
        #expect(try logBytes() < 2 * Self.limit)
        #expect(figure(database, "statusgraph_sqlite_log_pages") < 2 * 256)
        // Nothing written was lost on the way.
        #expect(try await database.query(SQLStatement("SELECT count(*) FROM t")) == [[.integer(300)]])
        #expect(try await database.query(SQLStatement("PRAGMA quick_check")) == [[.text("ok")]])
        try await database.close()
    }

    /// While a long read runs, the writer puts the emptying off rather than wait for it, up to four
    /// times the limit; past that it waits as for any read; with no long read running, the next
    /// attempt empties the log. The long reads are the test's to say here (`SQLiteReaders` counts
    /// them in the server: `LongReadTests`), and a read held open on a connection of its own keeps the
    /// log from being emptied while they last.
    @Test func aLongReadPutsTheEmptyingOffUntilFourTimesTheLimit() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/log.sqlite"
        let longReads = Atomic<Int>(1)
        let log = LogLimit(limit: Self.limit, busyMilliseconds: 10_000) { longReads.load(ordering: .relaxed) }
        let pool = try DatabasePool(path: path)
        try pool.writeWithoutTransaction { db in
            try log.install(on: try db.openConnection)
            try db.execute(sql: "CREATE TABLE t (x BLOB NOT NULL)")
        }
        func figure(_ name: String) -> Double { log.statistics.first { $0.name == name }?.value ?? -1 }
        var inserted = 0
        func insert(_ count: Int) throws {
            for _ in 0..<count {
                try pool.write { db in try db.execute(sql: "INSERT INTO t VALUES (randomblob(16000))") }
                log.afterCommit(pool)
                inserted += 1
            }
        }
        var reader: OpaquePointer?
        #expect(sqlite3_open_v2(path, &reader, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK)
        #expect(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM t", nil, nil, nil) == SQLITE_OK)

        try insert(150)  // ~600 pages: past the limit (256), short of four times it
        #expect(figure("statusgraph_sqlite_log_pages") > 512)
        #expect(figure("statusgraph_sqlite_log_truncations_postponed_total") >= 50)  // once per commit past the limit
        #expect(figure("statusgraph_sqlite_log_truncations_deferred_total") == 0)
        #expect(figure("statusgraph_sqlite_log_truncations_total") == 0)
        // Past four times the limit the writer waits for the reads as for any other (the held one
        // outlasts its wait).
        try insert(120)
        #expect(figure("statusgraph_sqlite_log_pages") > 1024)
        let deferred = figure("statusgraph_sqlite_log_truncations_deferred_total")
        #expect((1...2).contains(deferred))  // at 1,024 pages, and after 256 more
        #expect(figure("statusgraph_sqlite_log_truncations_total") == 0)

        // The held read ends: SQLite's own checkpoint copies the whole log, and the next write starts it
        // over (it needs no emptying then).
        #expect(sqlite3_exec(reader, "COMMIT", nil, nil, nil) == SQLITE_OK)
        #expect(sqlite3_close_v2(reader) == SQLITE_OK)
        try insert(2)
        #expect(figure("statusgraph_sqlite_log_pages") < 256)
        // Past the limit again, a long read puts the emptying off even with nothing else holding the log,
        // and the first commit after it ends empties it.
        let postponed = figure("statusgraph_sqlite_log_truncations_postponed_total")
        try insert(80)  // ~320 pages (fewer than the 1,000 at which SQLite checkpoints)
        #expect(figure("statusgraph_sqlite_log_pages") > 256)
        #expect(figure("statusgraph_sqlite_log_truncations_postponed_total") > postponed)
        #expect(figure("statusgraph_sqlite_log_truncations_total") == 0)
        longReads.store(0, ordering: .relaxed)
        try insert(1)
        #expect(figure("statusgraph_sqlite_log_truncations_total") == 1)
        #expect(figure("statusgraph_sqlite_log_pages") == 0)
        #expect(figure("statusgraph_sqlite_log_truncations_deferred_total") == deferred)
        #expect(try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == inserted)
        #expect(try pool.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") } == "ok")
    }
}
