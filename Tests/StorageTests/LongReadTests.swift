import Foundation
import Storage
@testable import StorageSQLite
import Testing

/// SQLite reads that take long leave Swift's cooperative threads (which every request needs) for the
/// store's own: stopped after their slice on the calling thread and run again there, with the same
/// answer; a read that has handed out rows starts over after its caller forgets them, or, if the caller
/// cannot, runs on where it is. Counted in
/// `statusgraph_sqlite_long_reads_total`. (The slow statements below count to millions: far longer
/// than the 10 ms slice on any machine, far shorter than the time limit.)
@Suite struct LongReadTests {
    static let counting = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000000)"

    func withDatabase(_ body: (SQLiteDatabase) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try SQLiteDatabase.open(dataDirectory: directory, readTimeLimit: .seconds(60))
        try await body(database)
        try await database.close()
    }

    func longReads(_ database: SQLiteDatabase) -> Double {
        database.statistics().first { $0.name == "statusgraph_sqlite_long_reads_total" }?.value ?? -1
    }

    @Test func aLongReadMovesAndAnswersAsItWould() async throws {
        try await withDatabase { database in
            #expect(longReads(database) == 0)
            let count = SQLStatement(Self.counting + " SELECT count(*), max(x) FROM n WHERE x > ?", [.integer(0)])
            #expect(try await database.query(count) == [[.integer(3_000_000), .integer(3_000_000)]])
            #expect(longReads(database) == 1)
            // Rows read in place, none found before the slice ended: moved too.
            var rows: [[SQLValue]] = []
            try await database.query(SQLStatement(Self.counting + " SELECT x FROM n WHERE x >= 2999999")) { rows.append($0.values) }
            #expect(rows == [[.integer(2_999_999)], [.integer(3_000_000)]])
            #expect(longReads(database) == 2)
        }
    }

    /// Once rows have been handed out the read cannot start over elsewhere: it runs on, and every row
    /// comes once (started again, the first would come twice).
    @Test func aReadThatHandedOutRowsRunsOn() async throws {
        try await withDatabase { database in
            var rows: [[SQLValue]] = []
            try await database.query(SQLStatement(Self.counting + " SELECT x FROM n WHERE x = 1 OR x = 3000000")) { rows.append($0.values) }
            #expect(rows == [[.integer(1)], [.integer(3_000_000)]])
        }
    }

    /// A read whose caller can forget the rows it was handed starts over all the same, after `restart`:
    /// no request's thread is held past the slice, and the rows come from one read.
    @Test func aReadThatHandedOutRowsStartsOverWhenItsCallerCanForgetThem() async throws {
        try await withDatabase { database in
            var rows: [[SQLValue]] = []
            var restarts = 0
            let statement = SQLStatement(Self.counting + " SELECT x FROM n WHERE x = 1 OR x = 3000000")
            try await database.query(statement, restart: { restarts += 1; rows.removeAll() }) { rows.append($0.values) }
            #expect(rows == [[.integer(1)], [.integer(3_000_000)]])
            #expect(restarts == 1)
            #expect(longReads(database) == 1)
        }
    }

    /// A moved read counts as running long while it runs (what `LogLimit` asks before it waits for
    /// the reads), and no longer once it has ended. Its rows come twice: from its start on the request's
    /// thread, then from its run on the store's.
    @Test func aMovedReadCountsAsLongWhileItRuns() async throws {
        try await withDatabase { database in
            var running: [Int] = []
            let statement = SQLStatement(Self.counting + " SELECT x FROM n WHERE x = 1 OR x = 3000000")
            try await database.query(statement, restart: { running.append(-1) }) { _ in running.append(database.readers.longReadsRunning) }
            #expect(running == [0, -1, 1, 1])
            #expect(database.readers.longReadsRunning == 0)
        }
    }

    /// A snapshot (an export's) counts as a long read for as long as it is open.
    @Test func aSnapshotCountsAsLongWhileItIsOpen() async throws {
        try await withDatabase { database in
            let running = try await database.withSnapshot { query in
                _ = try await query(SQLStatement("SELECT 1"))
                return database.readers.longReadsRunning
            }
            #expect(running == 1)
            #expect(database.readers.longReadsRunning == 0)
        }
    }

    /// A long read moved stops at the time limit all the same, and says so.
    @Test func aMovedReadKeepsItsTimeLimit() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try SQLiteDatabase.open(dataDirectory: directory, readTimeLimit: .milliseconds(200))
        let endless = SQLStatement("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n")
        await #expect {
            try await database.query(endless)
        } throws: { error in
            (error as? StorageError)?.code == .timedOut
        }
        #expect(longReads(database) == 1)
        #expect(try await database.query(SQLStatement("SELECT 1")) == [[.integer(1)]])
        try await database.close()
    }
}
