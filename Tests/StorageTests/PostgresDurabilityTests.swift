import Foundation
import GraphModel
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

    /// A delete of an entity with everything it contains takes as long as what it contains (a million
    /// statuses: 17–27 s), past a request's usual limit (`--db-timeout`), up to its own
    /// (`--db-delete-timeout`). Here the app's delete sleeps 4 s in a trigger, against a usual limit of
    /// 2 s (ample for the other statements, on a machine busy with the other suites): it completes
    /// where its own limit is 30 s, and fails saying which limit where that is 2 s too.
    @Test(.enabled(if: TestBackend.postgresURL != nil))
    func aDeleteOfAnEntityThatContainsOthersHasItsOwnTimeLimit() async throws {
        let layout = try StorageLayout(service: GraphModel.service)
        let (apps, statuses) = (layout.table(path: ["mobileApps"])!, layout.table(path: ["mobileApps", "deviceStatuses"])!)
        for deleteTimeout in [Duration.seconds(30), .seconds(2)] {
            let key = UUID().uuidString
            let opened = try await TestBackend.postgres.open(key: key) { settings in
                settings.timeout = .seconds(2)
                settings.deleteTimeout = deleteTimeout
            }
            do {
                try await opened.store.prepare()
                let database = try #require(opened.postgres)
                _ = try await database.write(SQLStatement(
                    #"CREATE FUNCTION "slowly"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(4); RETURN OLD; END $$"#, []))
                _ = try await database.write(SQLStatement(
                    #"CREATE TRIGGER "slowly" BEFORE DELETE ON "\#(apps.name)" FOR EACH ROW EXECUTE FUNCTION "slowly"()"#, []))
                let root = Scope(tenant: "t", parents: [])
                try await opened.store.insert(apps, in: root, StoredEntity(id: "a", type: "iosLobApp", values: Array(repeating: .null, count: apps.columns.count)))
                try await opened.store.insert(
                    statuses, in: Scope(tenant: "t", parents: ["a"]),
                    StoredEntity(id: "s", type: "mobileAppInstallStatus", values: Array(repeating: .null, count: statuses.columns.count)))
                if deleteTimeout > .seconds(4) {
                    #expect(try await opened.store.delete(apps, in: root, id: "a", types: nil))
                    #expect(try await opened.store.get(apps, in: root, id: "a", types: nil) == nil)
                    // Other writes keep the usual limit.
                    let error = await #expect(throws: StorageError.self) { _ = try await database.write(SQLStatement("SELECT pg_sleep(4)", [])) }
                    #expect(error?.code == .unavailable)
                } else {
                    let error = await #expect(throws: StorageError.self) { _ = try await opened.store.delete(apps, in: root, id: "a", types: nil) }
                    #expect(error?.code == .unavailable && error?.message.contains("--db-delete-timeout") == true, "\(String(describing: error))")
                }
            } catch {
                Issue.record(error)
            }
            try await opened.close()
            await TestBackend.postgres.drop(key: key)
        }
    }
}
