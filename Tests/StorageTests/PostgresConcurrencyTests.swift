import Foundation
import Storage
import StatusGraphTestSupport
import Testing

/// What is particular to writes that run at once on PostgreSQL.
@Suite struct PostgresConcurrencyTests {
    /// A write PostgreSQL aborts for a concurrent one (here a deadlock made on purpose: two writes take
    /// two locks in opposite orders) is run again, so both succeed; nothing of the aborted attempt remained.
    @Test(.enabled(if: TestBackend.postgresURL != nil))
    func aWriteAbortedForADeadlockIsRunAgain() async throws {
        try await TestBackend.withPostgresStore { opened in
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

    /// Counts kept in several shards (writes from different connections) are read added up, by the
    /// summary's read and by `counts`; deleting the container removes them all.
    @Test(.enabled(if: TestBackend.postgresURL != nil))
    func countsInSeveralShardsAreAddedUp() async throws {
        try await TestBackend.withPostgresStore { opened in
            try await opened.store.prepare()
            let layout = opened.store.layout
            let apps = layout.table(path: ["mobileApps"])!
            let statuses = layout.table(path: ["mobileApps", "deviceStatuses"])!
            try await opened.store.insert(
                apps, in: Scope(tenant: "t", parents: []), StoredEntity(id: "app", type: "iosLobApp", values: Array(repeating: .null, count: apps.columns.count)))
            let sql = try #require(opened.store as? any SchemaTestAccess)
            #expect(statuses.buckets.first == "installedDeviceCount")
            for (shard, n) in [(0, 5), (1, 7), (3, -2)] {
                try await sql.execute(
                    #"INSERT INTO "_summary_counts" ("_tenant", "source", "parent", "shard", "n0", "n1", "updated") "#
                        + "VALUES ('t', '\(statuses.name)', 'app', \(shard), \(n), \(shard), \(100 + shard))")
            }
            let counts = try await opened.store.counts(tenant: "t", parentKeys: ["app"], sources: [statuses.name])
            #expect(counts == statuses.buckets.enumerated().map { j, bucket in
                SummaryCount(parent: "app", source: statuses.name, bucket: bucket, count: j == 0 ? 10 : j == 1 ? 4 : 0, updatedTicks: 103)
            })
            let read = opened.store.countsRead(apps, types: nil, columns: [], sources: [statuses.name])
            let app = try #require(try await opened.store.getWithCounts(read, in: Scope(tenant: "t", parents: []), id: "app"))
            #expect(app.counts == counts)
            _ = try await opened.store.delete(apps, in: Scope(tenant: "t", parents: []), id: "app", types: nil)
            #expect(try await opened.store.counts(tenant: "t", parentKeys: ["app"], sources: [statuses.name]).isEmpty)
        }
    }
}

