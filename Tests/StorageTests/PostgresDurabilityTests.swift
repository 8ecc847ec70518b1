import Foundation
import Storage
import StatusGraphTestSupport
import StoragePostgres
import Testing

/// What a call's answer promises on PostgreSQL when its connection fails: a write is done only once
/// committed, and a read is not failed for a connection the pool had lost.
@Suite struct PostgresDurabilityTests {
    /// PostgreSQL answers a statement outside a transaction block (CommandComplete) before it commits
    /// it, at the Sync that follows; a commit can still fail after that answer. Here it fails for a
    /// deferred unique constraint (checked at commit): the write must fail, not report the row it
    /// returned. (The same window is what an immediate shutdown or a crash of PostgreSQL hits, with the
    /// answer flushed before the backend exits: `test_database_lost_under_load_loses_no_acknowledged_write`.)
    @Test(.enabled(if: TestBackend.postgresURL != nil))
    func aWriteWhoseCommitFailsIsNotReportedDone() async throws {
        try await TestBackend.withPostgresStore { opened in
            let database = try #require(opened.postgres)
            _ = try await database.write(SQLStatement(#"CREATE TABLE "deferred" ("n" bigint UNIQUE DEFERRABLE INITIALLY DEFERRED)"#, []))
            let insert = SQLStatement(#"INSERT INTO "deferred" ("n") VALUES ($1) RETURNING "n""#, [.integer(1)])
            #expect(try await database.write(insert).rows == [[.integer(1)]])
            // Whether the check comes before or after PostgresNIO closed the connection, it fails as unavailable.
            let error = await #expect(throws: StorageError.self) { _ = try await database.write(insert) }
            #expect(error?.code == .unavailable)
            // The pool goes on with another connection, and only the first row is there.
            #expect(try await database.query(SQLStatement(#"SELECT count(*) FROM "deferred""#, [])) == [[.integer(1)]])
        }
    }

    /// Connections that PostgreSQL closed while they were idle in the pool (here terminated by an
    /// administrator; a restart or a proxy's idle timeout does the same) cost reads nothing: a read
    /// lent one runs again on another, whether the pool already knew it closed or learnt it from the
    /// read's failure.
    @Test(.enabled(if: TestBackend.postgresURL != nil))
    func readsGoOnWhenIdleConnectionsAreTerminated() async throws {
        try await TestBackend.withPostgresStore { opened in
            let database = try #require(opened.postgres)
            let read = SQLStatement("SELECT $1::bigint + 1", [.integer(41)])
            var terminated = 0
            for _ in 0..<3 {
                // Reads at once open several connections, which then wait idle in the pool (for ten minutes).
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 { group.addTask { _ = try await database.query(SQLStatement("SELECT pg_sleep(0.05)", [])) } }
                    try await group.waitForAll()
                }
                // Every connection of the pool but the one that asks.
                let answer = try await database.query(SQLStatement(
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t",
                    []))
                if case .integer(let n)? = answer.first?.first { terminated += Int(n) }
                for _ in 0..<8 {
                    #expect(try await database.query(read) == [[.integer(42)]])
                }
            }
            #expect(terminated >= 3)
        }
    }
}
