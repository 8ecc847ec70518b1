import Foundation
import GRDBSQLite
import Storage
import StorageSQLite
import Testing

/// The write-ahead log stays bounded while reads hold on to its older pages (`LogLimit`). Under steady
/// traffic, reads that overlap every commit keep SQLite's own checkpoints from ever copying the whole
/// log, and it grew without end; here one read, held open across the commits on a connection of its
/// own, stands for them. The log's limit is 1 MB (256 pages); each insert adds four pages or so.
@Suite struct LogLimitTests {
    static let limit = 1 << 20

    func figure(_ database: SQLiteDatabase, _ name: String) -> Double {
        database.statistics().first { $0.name == name }?.value ?? -1
    }

    @Test func aLogHeldByAReadIsEmptiedOnceTheReadEnds() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
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

    /// A long read (one moved off the request's thread) puts the emptying off: the writer does not wait
    /// for it until the log has grown to four times its limit, and empties it once it can. Each insert
    /// here adds sixteen pages or so.
    @Test func aLongReadPutsTheEmptyingOffUntilFourTimesTheLimit() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = SQLiteDatabase.path(dataDirectory: directory)
        let database = try SQLiteDatabase(path: path, readTimeLimit: .seconds(8), logLimit: Self.limit)
        _ = try await database.write(SQLStatement("CREATE TABLE t (x BLOB NOT NULL)"))
        var inserted = 0
        func insert(_ count: Int) async throws {
            for _ in 0..<count { _ = try await database.write(SQLStatement("INSERT INTO t VALUES (randomblob(64000))")) }
            inserted += count
        }

        // A read with no end but its time limit, which outruns its slice and goes on on the store's threads.
        let read = Task {
            try? await database.query(
                SQLStatement("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c WHERE (SELECT count(*) FROM t) >= 0"))
        }
        while figure(database, "statusgraph_sqlite_long_reads_total") < 1 { try await Task.sleep(for: .milliseconds(5)) }
        try await insert(40)  // ~640 pages: past the limit (256), short of four times it
        #expect(figure(database, "statusgraph_sqlite_log_pages") > 512)
        #expect(figure(database, "statusgraph_sqlite_log_truncations_postponed_total") >= 1)
        #expect(figure(database, "statusgraph_sqlite_log_truncations_deferred_total") == 0)
        #expect(figure(database, "statusgraph_sqlite_log_truncations_total") == 0)
        // Past four times the limit the writer waits for the read as for any other (and gives up here).
        try await insert(30)
        #expect(figure(database, "statusgraph_sqlite_log_truncations_deferred_total") >= 1)
        #expect(figure(database, "statusgraph_sqlite_log_truncations_total") == 0)

        _ = await read.value  // stopped at its time limit
        // The next attempt (after another limit's worth of log) empties it.
        while figure(database, "statusgraph_sqlite_log_truncations_total") < 1, inserted < 200 { try await insert(1) }
        #expect(figure(database, "statusgraph_sqlite_log_truncations_total") == 1)
        #expect(figure(database, "statusgraph_sqlite_log_pages") < 256)
        #expect(try await database.query(SQLStatement("SELECT count(*) FROM t")) == [[.integer(Int64(inserted))]])
        try await database.close()
    }
}
