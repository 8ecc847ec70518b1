import Foundation
import GraphModel
import Storage
import StatusGraphTestSupport
import StorageSQLite
import Testing

/// Triggers and counts are derived from the model: when the rules change (here: the stored fingerprint
/// no longer matches), a start replaces the triggers and recomputes every count from the rows.
@Suite struct SchemaMigrationTests {
    @Test func countsAreRebuiltWhenTheDerivedSchemaChanges() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("statusgraph-migrate-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let layout = try StorageLayout(service: GraphModel.service)
        let configs = layout.table(path: ["mobileAppConfigurations"])!
        let statuses = layout.table(path: ["mobileAppConfigurations", "userStatuses"])!
        func open() throws -> SQLEntityStore<SQLiteDatabase> {
            SQLEntityStore(layout: layout, database: try SQLiteDatabase.open(dataDirectory: dir))
        }
        func counts(_ store: SQLEntityStore<SQLiteDatabase>) async throws -> [String: Int64] {
            Dictionary(
                try await store.counts(tenant: "t", parentKeys: ["c"], sources: [statuses.name]).map { ($0.bucket, $0.count) },
                uniquingKeysWith: +)
        }
        let first = try open()
        try await first.prepare()
        try await first.insert(configs, in: Scope(tenant: "t", parents: []), StoredEntity(id: "c", type: "iosMobileAppConfiguration", values: Array(repeating: .null, count: configs.columns.count)))
        for (i, status) in ["compliant", "error", "error"].enumerated() {
            var values = [SQLValue](repeating: .null, count: statuses.columns.count)
            values[statuses.columnIndex("status")!] = .text(status)
            try await first.insert(statuses, in: Scope(tenant: "t", parents: ["c"]), StoredEntity(id: "s\(i)", type: "managedDeviceMobileAppConfigurationUserStatus", values: values))
        }
        #expect(try await counts(first) == ["successCount": 1, "errorCount": 2])
        // Simulate a database written under other rules: wrong counts, another fingerprint.
        _ = try await first.database.write(SQLStatement(#"UPDATE "_summary_counts" SET "n" = 99"#))
        _ = try await first.database.write(SQLStatement(#"UPDATE "_schema" SET "value" = 'older rules'"#))
        try await first.close()

        let second = try open()
        try await second.prepare()
        #expect(try await counts(second) == ["successCount": 1, "errorCount": 2])
        // An unchanged schema is left alone on the next start.
        _ = try await second.database.write(SQLStatement(#"UPDATE "_summary_counts" SET "n" = 7 WHERE "bucket" = 'successCount'"#))
        try await second.close()
        let third = try open()
        try await third.prepare()
        #expect(try await counts(third)["successCount"] == 7)
        try await third.close()
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

/// Raw statements for tests that shape a database by hand.
protocol SchemaTestAccess: Sendable { func execute(_ sql: String) async throws }

extension SQLEntityStore: SchemaTestAccess {
    func execute(_ sql: String) async throws { _ = try await database.write(SQLStatement(sql)) }
}
