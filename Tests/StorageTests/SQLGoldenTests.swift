import GraphModel
import Synchronization
import Storage
import Testing

/// A database that answers nothing and records the statements it is given.
final class RecordingDatabase: SQLDatabase {
    let dialect: any SQLDialect
    private let recorded = Mutex<[SQLStatement]>([])

    init(dialect: any SQLDialect) { self.dialect = dialect }

    var statements: [SQLStatement] { recorded.withLock { $0 } }
    func query(_ statement: SQLStatement) async throws -> [[SQLValue]] {
        recorded.withLock { $0.append(statement) }
        return []
    }
    func write(_ statement: SQLStatement) async throws -> (rows: [[SQLValue]], changes: Int) {
        recorded.withLock { $0.append(statement) }
        return ([], 1)
    }
    func migrate(_ plan: SchemaPlan) async throws {}
    func close() async throws {}
}

/// The exact SQL and bindings each store operation sends, per dialect.
@Suite struct SQLGoldenTests {
    let layout = try! StorageLayout(service: GraphModel.service)

    func record(_ body: (SQLEntityStore<RecordingDatabase>) async throws -> Void) async throws -> [SQLStatement] {
        let db = RecordingDatabase(dialect: SQLiteDialect())
        try await body(SQLEntityStore(layout: layout, database: db))
        return db.statements
    }

    @Test func sqliteStatements() async throws {
        let table = layout.table(path: ["mobileAppConfigurations", "userStatuses"])!
        let scope = Scope(tenant: "t", parents: ["cfg"])
        let cols = #""id", "_type", "devicesCount", "lastReportedDateTime", "status", "userDisplayName", "userPrincipalName""#
        #expect(table.columns.map(\.name) == ["devicesCount", "lastReportedDateTime", "status", "userDisplayName", "userPrincipalName"])

        let list = try await record { _ = try await $0.list(table, in: scope, types: nil, after: "k", limit: 51) }
        #expect(list == [SQLStatement(
            #"SELECT \#(cols) FROM "mobileAppConfigurations_userStatuses" WHERE "_tenant" = ? AND "_p1" = ? AND "id" > ? ORDER BY "id" LIMIT ?"#,
            [.text("t"), .text("cfg"), .text("k"), .integer(51)])])

        let get = try await record { _ = try await $0.get(table, in: scope, id: "u", types: ["x", "a"]) }
        #expect(get == [SQLStatement(
            #"SELECT \#(cols) FROM "mobileAppConfigurations_userStatuses" WHERE "_tenant" = ? AND "_p1" = ? AND "id" = ? AND "_type" IN (?, ?)"#,
            [.text("t"), .text("cfg"), .text("u"), .text("a"), .text("x")])])

        let values: [SQLValue] = [.integer(2), .integer(10), .text("compliant"), .null, .text("a@b")]
        let insert = try await record {
            try await $0.insert(table, in: scope, StoredEntity(id: "u", type: "managedDeviceMobileAppConfigurationUserStatus", values: values))
        }
        #expect(insert == [SQLStatement(
            #"INSERT INTO "mobileAppConfigurations_userStatuses" ("_tenant", "_p1", "id", "_type", "devicesCount", "lastReportedDateTime", "status", "userDisplayName", "userPrincipalName") SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM "mobileAppConfigurations" WHERE "_tenant" = ? AND "id" = ?)"#,
            [.text("t"), .text("cfg"), .text("u"), .text("managedDeviceMobileAppConfigurationUserStatus")] + values + [.text("t"), .text("cfg")])])

        let update = try await record { _ = try await $0.update(table, in: scope, id: "u", types: nil, set: [(2, .text("error"))]) }
        #expect(update == [SQLStatement(
            #"UPDATE "mobileAppConfigurations_userStatuses" SET "status" = ? WHERE "_tenant" = ? AND "_p1" = ? AND "id" = ? RETURNING \#(cols)"#,
            [.text("error"), .text("t"), .text("cfg"), .text("u")])])

        let delete = try await record { _ = try await $0.delete(table, in: scope, id: "u", types: nil) }
        #expect(delete == [SQLStatement(
            #"DELETE FROM "mobileAppConfigurations_userStatuses" WHERE "_tenant" = ? AND "_p1" = ? AND "id" = ?"#,
            [.text("t"), .text("cfg"), .text("u")])])

        let counts = try await record { _ = try await $0.counts(tenant: "t", parentKey: "cfg", sources: ["a", "b"]) }
        #expect(counts == [SQLStatement(
            #"SELECT "source", "bucket", "n", "updated" FROM "_summary_counts" WHERE "_tenant" = ? AND "parent" = ? AND "source" IN (?, ?)"#,
            [.text("t"), .text("cfg"), .text("a"), .text("b")])])
    }

    @Test func sqliteSchemaOfAStatusTable() {
        let schema = layout.schema(SQLiteDialect())
        #expect(schema.contains(
            #"CREATE TABLE IF NOT EXISTS "mobileAppConfigurations_userStatuses" ("_tenant" TEXT NOT NULL, "_p1" TEXT NOT NULL, "id" TEXT NOT NULL, "_type" TEXT NOT NULL, "devicesCount" INTEGER, "lastReportedDateTime" INTEGER, "status" TEXT, "userDisplayName" TEXT, "userPrincipalName" TEXT, PRIMARY KEY ("_tenant", "_p1", "id"), FOREIGN KEY ("_tenant", "_p1") REFERENCES "mobileAppConfigurations" ("_tenant", "id") ON DELETE CASCADE)"#))
        let insertTrigger = schema.first { $0.contains(#""mobileAppConfigurations_userStatuses_count0_insert""#) }
        #expect(insertTrigger?.contains(
            #"CASE WHEN NEW."status" IN ('compliant', 'remediated') THEN 'successCount' WHEN NEW."status" IN ('nonCompliant') THEN 'failedCount'"#) == true)
    }
}
