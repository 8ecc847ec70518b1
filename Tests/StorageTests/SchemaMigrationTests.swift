import Foundation
import GraphModel
import Storage
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
