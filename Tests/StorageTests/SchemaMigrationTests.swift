import Foundation
import GraphModel
import ODataCore
import Storage
import StatusGraphTestSupport
import Testing

/// Triggers and counts are derived from the model: when they change (here: the stored fingerprint no
/// longer matches, and the counts table has the shape of an earlier version, a row per count), a start
/// replaces the triggers and the counts table and recomputes every count from the rows, on every backend.
@Suite struct SchemaMigrationTests {
    @Test(arguments: TestBackend.available)
    func countsAreRebuiltWhenTheDerivedSchemaChanges(_ backend: TestBackend) async throws {
        let key = UUID().uuidString
        defer { Task { await backend.drop(key: key) } }
        let layout = try StorageLayout(service: GraphModel.service)
        let configs = layout.table(path: ["mobileAppConfigurations"])!
        let statuses = layout.table(path: ["mobileAppConfigurations", "userStatuses"])!
        func counts(_ store: any EntityStore) async throws -> [String: Int64] {
            Dictionary(
                try await store.counts(tenant: "t", parentKeys: ["c"], sources: [statuses.name]).map { ($0.bucket, $0.count) },
                uniquingKeysWith: +
            ).filter { $0.value != 0 }
        }
        let first = try await backend.open(key: key)
        try await first.store.prepare()
        try await first.store.insert(configs, in: Scope(tenant: "t", parents: []), StoredEntity(id: "c", type: "iosMobileAppConfiguration", values: Array(repeating: .null, count: configs.columns.count)))
        for (i, status) in ["compliant", "error", "error"].enumerated() {
            var values = [SQLValue](repeating: .null, count: statuses.columns.count)
            values[statuses.columnIndex("status")!] = .text(status)
            try await first.store.insert(statuses, in: Scope(tenant: "t", parents: ["c"]), StoredEntity(id: "s\(i)", type: "managedDeviceMobileAppConfigurationUserStatus", values: values))
        }
        #expect(try await counts(first.store) == ["successCount": 1, "errorCount": 2])
        // Simulate a database of an earlier version: its counts table, wrong counts, another fingerprint.
        let sql = try #require(first.store as? any SchemaTestAccess)
        try await sql.execute(#"DROP TABLE "_summary_counts""#)
        try await sql.execute(
            #"CREATE TABLE "_summary_counts" ("_tenant" TEXT NOT NULL, "source" TEXT NOT NULL, "parent" TEXT NOT NULL, "bucket" TEXT NOT NULL, "n" BIGINT NOT NULL, "updated" BIGINT NOT NULL, PRIMARY KEY ("_tenant", "source", "parent", "bucket"))"#)
        try await sql.execute(#"INSERT INTO "_summary_counts" VALUES ('t', '\#(statuses.name)', 'c', 'successCount', 99, 0)"#)
        try await sql.execute(#"UPDATE "_schema" SET "value" = 'older rules' WHERE "key" = 'derived'"#)
        try await first.close()

        let second = try await backend.open(key: key)
        try await second.store.prepare()
        #expect(try await counts(second.store) == ["successCount": 1, "errorCount": 2])
        // Writes count again, in the new table.
        var values = [SQLValue](repeating: .null, count: statuses.columns.count)
        values[statuses.columnIndex("status")!] = .text("compliant")
        try await second.store.insert(statuses, in: Scope(tenant: "t", parents: ["c"]), StoredEntity(id: "s9", type: "managedDeviceMobileAppConfigurationUserStatus", values: values))
        #expect(try await counts(second.store) == ["successCount": 2, "errorCount": 2])
        // An unchanged schema is left alone on the next start (`n0`: a userStatus's first count, successCount).
        #expect(statuses.buckets.first == "successCount")
        try await (second.store as? any SchemaTestAccess)?.execute(#"UPDATE "_summary_counts" SET "n0" = 7"#)
        let tampered = try await counts(second.store)
        #expect(tampered["successCount"] != 2)
        try await second.close()
        let third = try await backend.open(key: key)
        try await third.store.prepare()
        #expect(try await counts(third.store) == tampered)
        try await third.close()
    }
}

/// A trigger of an earlier schema (here: one the current schema does not have) is dropped when the
/// derived schema changes, and on PostgreSQL its function with it: making them again succeeds.
@Suite struct StaleTriggerTests {
    @Test(arguments: TestBackend.available)
    func staleTriggersAndTheirFunctionsAreDropped(_ backend: TestBackend) async throws {
        let key = UUID().uuidString
        defer { Task { await backend.drop(key: key) } }
        let postgres = backend == .postgres
        let function = #"CREATE FUNCTION "stale_counts"() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RETURN NULL; END $f$"#
        let trigger = postgres
            ? #"CREATE TRIGGER "stale_counts" AFTER INSERT ON "mobileApps" FOR EACH ROW EXECUTE FUNCTION "stale_counts"()"#
            : #"CREATE TRIGGER "stale_counts" AFTER INSERT ON "mobileApps" FOR EACH ROW BEGIN SELECT 1; END"#
        let first = try await backend.open(key: key)
        try await first.store.prepare()
        let sql = try #require(first.store as? any SchemaTestAccess)
        if postgres { try await sql.execute(function) }
        try await sql.execute(trigger)
        try await sql.execute(#"UPDATE "_schema" SET "value" = 'older rules' WHERE "key" = 'derived'"#)
        try await first.close()

        let second = try await backend.open(key: key)
        try await second.store.prepare()
        let again = try #require(second.store as? any SchemaTestAccess)
        if postgres { try await again.execute(function) }  // fails if the function were still there
        try await again.execute(trigger)  // fails if the trigger were still there
        try await second.close()
    }
}

/// A database made by an older model (a column missing) gains the column at the next start, on every backend.
@Suite struct ColumnMigrationTests {
    @Test(arguments: TestBackend.available)
    func missingColumnsAreAdded(_ backend: TestBackend) async throws {
        let key = UUID().uuidString
        let layout = try StorageLayout(service: GraphModel.service)
        let table = layout.table(path: ["mobileApps", "deviceStatuses"])!
        let first = try await backend.open(key: key)
        try await first.store.prepare()
        guard let sql = first.store as? any SchemaTestAccess else { Issue.record("no SQL access"); return }
        try await sql.execute(#"ALTER TABLE "mobileApps_deviceStatuses" DROP COLUMN "osVersion""#)
        try await first.close()
        let second = try await backend.open(key: key)
        try await second.store.prepare()
        let apps = layout.table(path: ["mobileApps"])!
        try await second.store.insert(apps, in: Scope(tenant: "t", parents: []), StoredEntity(id: "a", type: "webApp", values: Array(repeating: .null, count: apps.columns.count)))
        var values = [SQLValue](repeating: .null, count: table.columns.count)
        values[table.columnIndex("osVersion")!] = .text("17.2")
        try await second.store.insert(table, in: Scope(tenant: "t", parents: ["a"]), StoredEntity(id: "d", type: "mobileAppInstallStatus", values: values))
        let read = try await second.store.get(table, in: Scope(tenant: "t", parents: ["a"]), id: "d", types: nil)
        #expect(read?.values[table.columnIndex("osVersion")!] == .text("17.2"))
        try await second.close()
        await backend.drop(key: key)
    }
}

/// A PostgreSQL store made before its text columns were given the "C" collation has them in the
/// database's own (here a linguistic one, where ICU is there: `a` before `B`); a start gives them "C",
/// with the rows and the indexes kept, and text is ordered by code point from then on.
@Suite struct TextCollationTests {
    @Test func postgresTextColumnsTakeTheCCollation() async throws {
        guard TestBackend.available.contains(.postgres) else { return }
        let backend = TestBackend.postgres
        let key = UUID().uuidString
        defer { Task { await backend.drop(key: key) } }
        let (first, apps, statuses) = try await preparedStore(backend, key: key)
        try await first.store.insert(apps, in: Scope(tenant: "t", parents: []), StoredEntity(id: "app", type: "webApp", values: Array(repeating: .null, count: apps.columns.count)))
        for name in ["b", "B", "a", "A"] {
            var values = [SQLValue](repeating: .null, count: statuses.columns.count)
            values[statuses.columnIndex("deviceName")!] = .text(name)
            try await first.store.insert(statuses, in: Scope(tenant: "t", parents: ["app"]), StoredEntity(id: "d-" + name, type: "mobileAppInstallStatus", values: values))
        }
        let sql = try #require(first.store as? any SchemaTestAccess)
        let linguistic = try await sql.query(#"SELECT collname FROM pg_collation WHERE collname IN ('en-US-x-icu', 'und-x-icu') ORDER BY collname LIMIT 1"#).first ?? "default"
        for (table, column) in [("mobileApps", "id"), ("mobileApps_deviceStatuses", "_p1"), ("mobileApps_deviceStatuses", "deviceName")] {
            try await sql.execute(#"ALTER TABLE "\#(table)" ALTER COLUMN "\#(column)" TYPE TEXT COLLATE "\#(linguistic)""#)
        }
        let ordered = #"SELECT "deviceName" FROM "mobileApps_deviceStatuses" ORDER BY "deviceName""#
        if linguistic != "default" { #expect(try await sql.query(ordered) == ["a", "A", "b", "B"]) }
        try await first.close()

        let second = try await backend.open(key: key)
        try await second.store.prepare()
        let again = try #require(second.store as? any SchemaTestAccess)
        let collations = try await again.query(
            #"SELECT DISTINCT co.collname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_collation co ON co.oid = a.attcollation WHERE c.relname IN ('mobileApps', 'mobileApps_deviceStatuses') AND a.attname IN ('_tenant', '_p1', 'id', '_type', 'displayName', 'deviceName', 'installState')"#)
        #expect(collations == ["C"])
        #expect(try await again.query(ordered) == ["A", "B", "a", "b"])
        #expect(try await second.store.get(statuses, in: Scope(tenant: "t", parents: ["app"]), id: "d-a", types: nil) != nil)
        try await second.close()
    }
}

/// A migration may take longer than a request may wait (a recount, or indexes rebuilt, on a large
/// store; here another instance migrating): once PostgreSQL answered, a start waits for it up to
/// `migrationTimeout`, not `--db-timeout` (it failed, and failed again at every start), nor the
/// role's or the database's `statement_timeout` (here 0.5 s for the connections made after the other
/// instance took the lock).
@Suite struct MigrationTimeoutTests {
    @Test func aMigrationMayTakeLongerThanARequestMayWait() async throws {
        guard TestBackend.available.contains(.postgres) else { return }
        let key = UUID().uuidString
        defer { Task { await TestBackend.postgres.drop(key: key) } }
        let first = try await TestBackend.postgres.open(key: key)
        try await first.store.prepare()
        let sql = try #require(first.store as? any SchemaTestAccess)
        // Another instance migrating: the migrations' lock held for three seconds.
        let holder = Task {
            try await sql.query("SELECT pg_advisory_unlock(7347001)::text FROM (SELECT pg_advisory_lock(7347001), pg_sleep(3)) AS held")
        }
        while try await sql.query("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND objid = 7347001") == ["0"] {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await TestBackend.postgresDatabase(key: key, settings: ["statement_timeout": "500ms"])
        let second = try await TestBackend.postgres.open(key: key) { $0.timeout = .seconds(1) }
        try await second.store.prepare()  // waits for the lock, longer than its requests may
        #expect(try await holder.value == ["true"])
        try await second.close()
        try await first.close()
    }
}

/// Rows left null in a column the model gives a default (an app made through v1.0 before each version's
/// defaults applied: beta's `isAssigned`, `dependentAppCount`), or imported so, take the default when
/// the derived schema changes; set values stay, on every backend.
@Suite struct DefaultBackfillTests {
    @Test(arguments: TestBackend.available)
    func nullsWhereTheModelGivesADefaultAreFilled(_ backend: TestBackend) async throws {
        let key = UUID().uuidString
        defer { Task { await backend.drop(key: key) } }
        let (first, apps, statuses) = try await preparedStore(backend, key: key)
        let empty = Array(repeating: SQLValue.null, count: apps.columns.count)
        var assigned = empty
        assigned[apps.columnIndex("isAssigned")!] = .boolean(true)
        try await first.store.insert(apps, in: Scope(tenant: "t", parents: []), StoredEntity(id: "old", type: "webApp", values: empty))
        try await first.store.insert(apps, in: Scope(tenant: "t", parents: []), StoredEntity(id: "set", type: "webApp", values: assigned))
        try await first.store.insert(
            statuses, in: Scope(tenant: "t", parents: ["old"]),
            StoredEntity(id: "d", type: "mobileAppInstallStatus", values: Array(repeating: .null, count: statuses.columns.count)))
        let sql = try #require(first.store as? any SchemaTestAccess)
        try await sql.execute(#"UPDATE "_schema" SET "value" = 'older rules' WHERE "key" = 'derived'"#)
        try await first.close()

        let second = try await backend.open(key: key)
        try await second.store.prepare()
        let old = try #require(try await second.store.get(apps, in: Scope(tenant: "t", parents: []), id: "old", types: nil))
        let set = try #require(try await second.store.get(apps, in: Scope(tenant: "t", parents: []), id: "set", types: nil))
        func value(_ row: StoredEntity, _ table: StorageTable, _ name: String) -> ODataValue {
            table.columns[table.columnIndex(name)!].kind.decode(row.values[table.columnIndex(name)!])
        }
        #expect(value(old, apps, "isAssigned") == .boolean(false))
        #expect(value(old, apps, "dependentAppCount") == .integer(0))
        #expect(value(old, apps, "roleScopeTagIds") == .rawJSON(Array("[]".utf8)))
        #expect(value(old, apps, "displayName") == .null)  // nullable: left as it is
        #expect(value(set, apps, "isAssigned") == .boolean(true))
        let status = try #require(try await second.store.get(statuses, in: Scope(tenant: "t", parents: ["old"]), id: "d", types: nil))
        #expect(value(status, statuses, "installState") == .enumMember("unknown"))
        try await second.close()
    }
}

/// A new store on `backend` named `key`, its schema ready, and the two tables these tests write: apps and their device statuses.
private func preparedStore(_ backend: TestBackend, key: String) async throws -> (OpenedStore, apps: StorageTable, statuses: StorageTable) {
    let layout = try StorageLayout(service: GraphModel.service)
    let opened = try await backend.open(key: key)
    try await opened.store.prepare()
    return (opened, layout.table(path: ["mobileApps"])!, layout.table(path: ["mobileApps", "deviceStatuses"])!)
}

/// Raw statements for tests that shape a database by hand.
protocol SchemaTestAccess: Sendable {
    func execute(_ sql: String) async throws
    /// The first column of each row, as text.
    func query(_ sql: String) async throws -> [String]
}

extension SQLEntityStore: SchemaTestAccess {
    func execute(_ sql: String) async throws { _ = try await database.write(SQLStatement(sql)) }

    func query(_ sql: String) async throws -> [String] {
        try await database.query(SQLStatement(sql)).map { row in
            if case .text(let text)? = row.first { return text }
            return "\(row.first ?? .null)"
        }
    }
}
