import GraphModel
import ODataCore
import Storage
import Testing

/// The exact SQL the PostgreSQL dialect produces: numbered placeholders, typed ones where the context
/// does not type them, jsonb paths and elements, PL/pgSQL triggers.
@Suite struct PostgresSQLGoldenTests {
    let layout = try! StorageLayout(service: GraphModel.service)

    func record(_ body: (SQLEntityStore<RecordingDatabase>) async throws -> Void) async throws -> [SQLStatement] {
        try await RecordingDatabase.record(PostgresDialect(), body)
    }

    @Test func statements() async throws {
        let table = layout.table(path: ["mobileAppConfigurations", "userStatuses"])!
        let scope = Scope(tenant: "t", parents: ["cfg"])
        let insert = try await record {
            try await $0.insert(table, in: scope, StoredEntity(id: "u", type: "x", values: [.integer(2), .null, .text("compliant"), .null, .null]))
        }
        #expect(insert.first?.sql == #"INSERT INTO "mobileAppConfigurations_userStatuses" ("_tenant", "_p1", "id", "_type", "devicesCount", "lastReportedDateTime", "status", "userDisplayName", "userPrincipalName") VALUES ($1::TEXT, $2::TEXT, $3::TEXT, $4::TEXT, $5::BIGINT, $6::BIGINT, $7::TEXT, $8::TEXT, $9::TEXT)"#)
        let update = try await record { _ = try await $0.update(table, in: scope, id: "u", types: ["a"], set: [(2, .text("error"))]) }
        #expect(update.first?.sql == #"UPDATE "mobileAppConfigurations_userStatuses" SET "status" = $1 WHERE "_tenant" = $2 AND "_p1" = $3 AND "id" = $4 AND "_type" IN ($5) RETURNING "id", "_type", "devicesCount", "lastReportedDateTime", "status", "userDisplayName", "userPrincipalName""#)
        let exists = try await record { _ = try await $0.containerExists(table, in: scope) }
        #expect(exists.first?.sql == #"SELECT EXISTS (SELECT 1 FROM "mobileAppConfigurations" WHERE "_tenant" = $1 AND "id" = $2)"#)
        // The kept counts, their shards added up.
        let counts = try await record { _ = try await $0.counts(tenant: "t", parentKeys: ["cfg"], sources: ["a", "b"]) }
        #expect(counts.first?.sql == #"SELECT "parent", "source", "bucket", CAST(SUM("n") AS BIGINT), MAX("updated") FROM "_summary_counts" WHERE "_tenant" = $1 AND "parent" = $2 AND "source" IN ($3, $4) GROUP BY "parent", "source", "bucket""#)
    }

    @Test func countsReadAddsUpShards() async throws {
        let store = SQLEntityStore(layout: layout, database: RecordingDatabase(dialect: PostgresDialect()))
        let read = store.countsRead(layout.table(path: ["mobileApps"])!, types: nil, columns: [], sources: ["a", "b"])
        #expect(read.text == #"SELECT "id", "_type", NULL, NULL, NULL, NULL FROM "mobileApps" WHERE "_tenant" = $1 AND "id" = $2 UNION ALL SELECT NULL, NULL, "source", "bucket", CAST(SUM("n") AS BIGINT), MAX("updated") FROM "_summary_counts" WHERE "_tenant" = $3 AND "parent" = $4 AND "source" IN ($5, $6) GROUP BY "source", "bucket""#)
    }

    @Test func expressions() throws {
        let model = GraphModel.service.versions["beta"]!
        let table = layout.table(path: ["mobileApps"])!
        func sql(_ f: String) throws -> String {
            var t = ExpressionTranslator(table: table, dialect: PostgresDialect(), model: model, row: #""T""#)
            return try t.predicate(try ExpressionBinder(model: model, type: model.entityTypes["mobileApp"]!).bindFilter(try ExpressionParser.parseFilter(f))).sql
        }
        #expect(try sql("roleScopeTagIds/any(t: t eq '0')")
            == #"EXISTS (SELECT 1 FROM jsonb_array_elements(("T"."roleScopeTagIds")::jsonb) AS "_e1"("value") WHERE (("_e1"."value" #>> '{}') = ?))"#)
        #expect(try sql("largeIcon/type eq 'image/png'") == #"((("T"."largeIcon")::jsonb #>> '{type}') = ?)"#)
        #expect(try sql("contains(displayName, 'x') and not (isFeatured eq true)")
            == #"(strpos("T"."displayName", ?) > 0 AND NOT COALESCE(("T"."isFeatured" = ?), FALSE))"#)
        #expect(try sql("displayName eq publisher") == #"("T"."displayName" IS NOT DISTINCT FROM "T"."publisher")"#)
    }

    @Test func schema() {
        let schema = layout.schema(PostgresDialect())
        #expect(schema.contains(
            #"CREATE TABLE IF NOT EXISTS "mobileApps_deviceStatuses" ("_tenant" TEXT NOT NULL, "_p1" TEXT NOT NULL, "id" TEXT NOT NULL, "_type" TEXT NOT NULL, "deviceId" TEXT, "deviceName" TEXT, "displayVersion" TEXT, "errorCode" BIGINT, "installState" TEXT, "installStateDetail" TEXT, "lastSyncDateTime" BIGINT, "mobileAppInstallStatusValue" TEXT, "osDescription" TEXT, "osVersion" TEXT, "userName" TEXT, "userPrincipalName" TEXT, PRIMARY KEY ("_tenant", "_p1", "id"), FOREIGN KEY ("_tenant", "_p1") REFERENCES "mobileApps" ("_tenant", "id") ON DELETE CASCADE)"#))
        let function = schema.first { $0.hasPrefix(#"CREATE OR REPLACE FUNCTION "mobileApps_deviceStatuses_count0_insert"()"#) }
        #expect(function?.hasSuffix("RETURN NULL; END $statusgraph$") == true)
        #expect(function?.contains(#"DO UPDATE SET "n" = "_summary_counts"."n" + 1, "updated" = excluded."updated""#) == true)
        #expect(schema.contains(
            #"CREATE OR REPLACE TRIGGER "mobileApps_deviceStatuses_count0_insert" AFTER INSERT ON "mobileApps_deviceStatuses" FOR EACH ROW EXECUTE FUNCTION "mobileApps_deviceStatuses_count0_insert"()"#))
        // Counts: a container's writes queue on its lock in their shard, and count in that shard; a
        // decrement only while the container is stored.
        #expect(function == #"CREATE OR REPLACE FUNCTION "mobileApps_deviceStatuses_count0_insert"() RETURNS trigger LANGUAGE plpgsql AS $statusgraph$ BEGIN PERFORM pg_advisory_xact_lock(7347002, hashtext(NEW."_tenant" || '/' || 'mobileApps_deviceStatuses' || '/' || NEW."_p1" || '/' || (pg_backend_pid() % 4))); INSERT INTO "_summary_counts" ("_tenant", "source", "parent", "bucket", "shard", "n", "updated") SELECT NEW."_tenant", 'mobileApps_deviceStatuses', NEW."_p1", CASE WHEN NEW."installState" IN ('installed') THEN 'installedDeviceCount' WHEN NEW."installState" IN ('failed', 'uninstallFailed') THEN 'failedDeviceCount' WHEN NEW."installState" IN ('notInstalled') THEN 'notInstalledDeviceCount' WHEN NEW."installState" IN ('pendingInstall') THEN 'pendingInstallDeviceCount' WHEN NEW."installState" IN ('notApplicable') THEN 'notApplicableDeviceCount' END, (pg_backend_pid() % 4), 1, (EXTRACT(EPOCH FROM clock_timestamp()) * 10000000)::bigint WHERE (CASE WHEN NEW."installState" IN ('installed') THEN 'installedDeviceCount' WHEN NEW."installState" IN ('failed', 'uninstallFailed') THEN 'failedDeviceCount' WHEN NEW."installState" IN ('notInstalled') THEN 'notInstalledDeviceCount' WHEN NEW."installState" IN ('pendingInstall') THEN 'pendingInstallDeviceCount' WHEN NEW."installState" IN ('notApplicable') THEN 'notApplicableDeviceCount' END) IS NOT NULL ON CONFLICT ("_tenant", "source", "parent", "bucket", "shard") DO UPDATE SET "n" = "_summary_counts"."n" + 1, "updated" = excluded."updated"; RETURN NULL; END $statusgraph$"#)
        let delete = schema.first { $0.hasPrefix(#"CREATE OR REPLACE FUNCTION "mobileApps_deviceStatuses_count0_delete"()"#) }
        #expect(delete?.contains(#"IS NOT NULL AND EXISTS (SELECT 1 FROM "mobileApps" WHERE "mobileApps"."_tenant" = OLD."_tenant" AND "mobileApps"."id" = OLD."_p1") ON CONFLICT"#) == true)
        #expect(delete?.contains(#"DO UPDATE SET "n" = "_summary_counts"."n" - 1"#) == true)
        #expect(schema.contains(#"CREATE TABLE IF NOT EXISTS "_summary_counts" ("_tenant" TEXT NOT NULL, "source" TEXT NOT NULL, "parent" TEXT NOT NULL, "bucket" TEXT NOT NULL, "shard" BIGINT NOT NULL, "n" BIGINT NOT NULL, "updated" BIGINT NOT NULL, PRIMARY KEY ("_tenant", "source", "parent", "bucket", "shard"))"#))
        #expect(schema.contains(#"CREATE INDEX IF NOT EXISTS "mobileApps_deviceStatuses_by_installState" ON "mobileApps_deviceStatuses" ("_tenant", "_p1", "installState", "id")"#))
        #expect(schema.contains(#"CREATE INDEX IF NOT EXISTS "mobileApps_deviceStatuses_by_installState_deviceName" ON "mobileApps_deviceStatuses" ("_tenant", "_p1", "installState", "deviceName" ASC NULLS FIRST, "id")"#))
    }
}
