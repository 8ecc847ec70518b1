import Foundation
import StatusGraphTestSupport
import Testing

/// A write PostgreSQL aborts for a concurrent one (here a deadlock made on purpose: two writes take two
/// locks in opposite orders) is run again, so both succeed; nothing of the aborted attempt remained.
@Suite struct PostgresWriteRetryTests {
    @Test(.enabled(if: TestBackend.postgresURL != nil))
    func aWriteAbortedForADeadlockIsRunAgain() async throws {
        let key = UUID().uuidString
        let opened = try await TestBackend.postgres.open(key: key)
        defer { Task { try? await opened.close(); await TestBackend.postgres.drop(key: key) } }
        let sql = try #require(opened.store as? any SchemaTestAccess)
        // PostgreSQL evaluates a select list in order: each write holds its first lock while it sleeps,
        // then waits for the other's; after `deadlock_timeout` (1 s) PostgreSQL aborts one of them.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (first, second) in [(1, 2), (2, 1)] {
                group.addTask {
                    try await sql.execute(
                        "SELECT pg_advisory_xact_lock(7347099, \(first)), pg_sleep(0.3), pg_advisory_xact_lock(7347099, \(second))")
                }
            }
            try await group.waitForAll()
        }
    }
}
