import Foundation
import Storage
import StatusGraphTestSupport
import StoragePostgres
import StorageSQLite
import Testing

/// Reads stop at their time limit on each backend, each its own way (SQLite's progress handler on the
/// readers, PostgreSQL's statement_timeout), and fail alike: `timedOut`, naming the limit.
@Suite struct ReadTimeLimitTests {
    /// A SQLite read that runs past its time limit is stopped, not left holding one of Swift's few
    /// cooperative threads for as long as it takes, and fails as `timedOut`, naming the limit; the
    /// connection then serves the next read. (The query below never ends by itself: without the limit
    /// this test would not end either.)
    @Test func sqliteReadsStopAtTheirTimeLimit() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try SQLiteDatabase.open(dataDirectory: directory, readTimeLimit: .milliseconds(50))
        let endless = SQLStatement("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n")
        for _ in 0..<2 {
            await #expect {
                try await database.query(endless)
            } throws: { error in
                (error as? StorageError).map { $0.code == .timedOut && $0.message == "it ran longer than 0.05 s, the longest a read may run here" }
                    ?? false
            }
            await #expect(throws: StorageError.self) { try await database.query(endless) { _ in } }
            #expect(try await database.query(SQLStatement("SELECT 1")) == [[.integer(1)]])
        }
        try await database.close()
    }

    /// PostgreSQL stops a read past the role's (here the database's) statement_timeout; it fails as
    /// SQLite's past its time limit (504), as unprepared and as prepared statement, and the connection
    /// serves the next. A write it stops was not made, and fails as unavailable (503, retry it).
    @Test func postgresReadsStopAtTheirStatementTimeout() async throws {
        guard TestBackend.available.contains(.postgres) else { return }
        let key = UUID().uuidString
        try await TestBackend.postgresDatabase(key: key, settings: ["statement_timeout": "50ms"])
        let opened = try await TestBackend.postgres.open(key: key)
        defer { Task { try? await opened.close(); await TestBackend.postgres.drop(key: key) } }
        try await opened.store.prepare()  // reads the statement_timeout, for the message
        let database = try #require(opened.postgres)
        let slow = SQLStatement("SELECT pg_sleep(1)")
        for _ in 0..<2 {  // the second time prepared (the tests prepare every read from its first run)
            await #expect {
                try await database.query(slow)
            } throws: { error in
                (error as? StorageError).map {
                    $0.code == .timedOut && $0.message == "it ran longer than 0.05 s, PostgreSQL's statement_timeout here"
                } ?? false
            }
            await #expect { try await database.query(slow) { _ in } } throws: { ($0 as? StorageError)?.code == .timedOut }
            #expect(try await database.query(SQLStatement("SELECT 1")) == [[.integer(1)]])
        }
        await #expect { try await database.write(slow) } throws: { ($0 as? StorageError)?.code == .unavailable }
    }

    /// How a time limit is written in messages.
    @Test(arguments: [
        (Duration.seconds(10), "10 s"), (.milliseconds(250), "0.25 s"), (.milliseconds(50), "0.05 s"), (.milliseconds(1500), "1.5 s"),
        (.seconds(3600), "3600 s"), (.nanoseconds(1), "1 ns"), (.microseconds(500), "500000 ns"),
    ])
    func timeLimitsInWords(_ duration: Duration, words: String) {
        #expect(duration.inWords == words)
    }
}
