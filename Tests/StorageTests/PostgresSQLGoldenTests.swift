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
        // Each size of insert has its own text, numbered on (written once per size and reused).
        let sizes = try await record { store in
            for ids in [["a", "b"], ["c"], ["d", "e"]] {
                try await store.insert(table, in: scope, ids.map { StoredEntity(id: $0, type: "x", values: [.integer(1), .null, .null, .null, .null]) })
            }
        }
        let one = insert.first?.sql
        let two = #"INSERT INTO "mobileAppConfigurations_userStatuses" ("_tenant", "_p1", "id", "_type", "devicesCount", "lastReportedDateTime", "status", "userDisplayName", "userPrincipalName") VALUES ($1::TEXT, $2::TEXT, $3::TEXT, $4::TEXT, $5::BIGINT, $6::BIGINT, $7::TEXT, $8::TEXT, $9::TEXT), ($10::TEXT, $11::TEXT, $12::TEXT, $13::TEXT, $14::BIGINT, $15::BIGINT, $16::TEXT, $17::TEXT, $18::TEXT)"#
        #expect(sizes.map(\.sql) == [two, one, two])
        #expect(sizes.map(\.bindings.count) == [18, 9, 18])
        #expect(sizes[2].bindings[..<4] == [.text("t"), .text("cfg"), .text("d"), .text("x")])
        #expect(sizes[2].bindings[9..<13] == [.text("t"), .text("cfg"), .text("e"), .text("x")])
        let update = try await record { _ = try await $0.update(table, in: scope, id: "u", types: ["a"], set: [(2, .text("error"))]) }
        #expect(update.first?.sql == #"UPDATE "mobileAppConfigurations_userStatuses" SET "status" = $1 WHERE "_tenant" = $2 AND "_p1" = $3 AND "id" = $4 AND "_type" IN ($5) RETURNING "id", "_type", "devicesCount", "lastReportedDateTime", "status", "userDisplayName", "userPrincipalName""#)
        let exists = try await record { _ = try await $0.containerExists(table, in: scope) }
        #expect(exists.first?.sql == #"SELECT EXISTS (SELECT 1 FROM "mobileAppConfigurations" WHERE "_tenant" = $1 AND "id" = $2)"#)
        // The kept counts, their shards added up.
        let counts = try await record { _ = try await $0.counts(tenant: "t", parentKeys: ["cfg"], sources: ["a", "b"]) }
        #expect(counts.first?.sql == #"SELECT "parent", "source", CAST(SUM("n0") AS BIGINT), CAST(SUM("n1") AS BIGINT), CAST(SUM("n2") AS BIGINT), CAST(SUM("n3") AS BIGINT), CAST(SUM("n4") AS BIGINT), CAST(SUM("n5") AS BIGINT), MAX("updated") FROM "_summary_counts" WHERE "_tenant" = $1 AND "parent" = $2 AND "source" IN ($3, $4) GROUP BY "parent", "source""#)
    }

    /// `$expand`'s members of several containers: one statement, each container's page a lateral
    /// subquery that reads it through the index (its offset and limit its own).
    @Test func membersOfSeveralContainers() async throws {
        let table = layout.table(path: ["mobileApps", "userStatuses", "deviceStatuses"])!
        let model = GraphModel.service.versions["beta"]!
        var q = ListQuery(model: model, types: nil, limit: 3)
        q.offset = 1
        q.filter = try ExpressionBinder(model: model, type: model.entityTypes["mobileAppInstallStatus"]!)
            .bindFilter(try ExpressionParser.parseFilter("installState eq 'failed'"))
        let statements = try await record { _ = try await $0.list(table, tenant: "t", parents: ["app"], containers: ["u1", "u2"], q) }
        let t = #""mobileApps_userStatuses_deviceStatuses""#
        #expect(statements.map(\.sql) == [
            #"SELECT "_m".*, "_c"."_group" FROM (VALUES ($1), ($2)) AS "_c"("_group") CROSS JOIN LATERAL (SELECT "id", "_type", "deviceId", "deviceName", "displayVersion", "errorCode", "installState", "installStateDetail", "lastSyncDateTime", "mobileAppInstallStatusValue", "osDescription", "osVersion", "userName", "userPrincipalName" FROM \#(t) WHERE "_tenant" = $3 AND "_p1" = $4 AND \#(t)."_p2" = "_c"."_group" AND (\#(t)."installState" = $5) ORDER BY \#(t)."id" ASC LIMIT $6 OFFSET $7) AS "_m""#
        ])
        #expect(statements.first?.bindings == [.text("u1"), .text("u2"), .text("t"), .text("app"), .text("failed"), .integer(3), .integer(1)])
    }

    @Test func countsReadAddsUpShards() async throws {
        let store = SQLEntityStore(layout: layout, database: RecordingDatabase(dialect: PostgresDialect()))
        let read = store.countsRead(layout.table(path: ["mobileApps"])!, types: nil, columns: [], sources: ["a", "b"])
        #expect(read.text == #"SELECT "id", "_type", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM "mobileApps" WHERE "_tenant" = $1 AND "id" = $2 UNION ALL SELECT NULL, NULL, "source", CAST(SUM("n0") AS BIGINT), CAST(SUM("n1") AS BIGINT), CAST(SUM("n2") AS BIGINT), CAST(SUM("n3") AS BIGINT), CAST(SUM("n4") AS BIGINT), CAST(SUM("n5") AS BIGINT), MAX("updated") FROM "_summary_counts" WHERE "_tenant" = $3 AND "source" = $4 AND "parent" = $5 GROUP BY "source" UNION ALL SELECT NULL, NULL, "source", CAST(SUM("n0") AS BIGINT), CAST(SUM("n1") AS BIGINT), CAST(SUM("n2") AS BIGINT), CAST(SUM("n3") AS BIGINT), CAST(SUM("n4") AS BIGINT), CAST(SUM("n5") AS BIGINT), MAX("updated") FROM "_summary_counts" WHERE "_tenant" = $6 AND "source" = $7 AND "parent" = $8 GROUP BY "source""#)
    }

    @Test func expressions() throws {
        let model = GraphModel.service.versions["beta"]!
        let table = layout.table(path: ["mobileApps"])!
        func sql(_ f: String, on type: String = "mobileApp") throws -> String {
            var t = ExpressionTranslator(table: table, dialect: PostgresDialect(), model: model, row: #""T""#)
            return try t.predicate(try ExpressionBinder(model: model, type: model.entityTypes[type]!).bindFilter(try ExpressionParser.parseFilter(f))).sql
        }
        #expect(try sql("roleScopeTagIds/any(t: t eq '0')")
            == #"EXISTS (SELECT 1 FROM jsonb_array_elements(("T"."roleScopeTagIds")::jsonb) AS "_e1"("value") WHERE ((("_e1"."value" #>> '{}') COLLATE "C") = ?))"#)
        // Text inside JSON is compared as the columns are, by code point.
        #expect(try sql("largeIcon/type eq 'image/png'") == #"(((("T"."largeIcon")::jsonb #>> '{type}') COLLATE "C") = ?)"#)
        #expect(try sql("roleScopeTagIds/$count gt 1") == #"(COALESCE(jsonb_array_length(("T"."roleScopeTagIds")::jsonb), 0) > ?)"#)
        #expect(try sql("minimumSupportedOperatingSystem/v10_1607 eq false", on: "windowsUniversalAppX")
            == #"(CASE WHEN jsonb_typeof(("T"."minimumSupportedOperatingSystem")::jsonb #> '{}') = 'object' THEN COALESCE(((("T"."minimumSupportedOperatingSystem")::jsonb #>> '{v10_1607}'))::boolean, ?) END = ?)"#)
        #expect(try sql("contains(displayName, 'x') and not (isFeatured eq true)")
            == #"(strpos("T"."displayName", ?) > 0 AND NOT COALESCE(("T"."isFeatured" = ?), FALSE))"#)
        // Case mapped in a collation the server chose at start (all of Unicode, whatever the database's locale), compared in "C".
        #expect(try sql("tolower(displayName) eq 'x'") == #"((statusgraph_lower("T"."displayName") COLLATE "C") = ?)"#)
        #expect(try sql("displayName eq publisher") == #"("T"."displayName" IS NOT DISTINCT FROM "T"."publisher")"#)
        // In UTF-16 units, by the functions `PostgresDialect.textFunctions` makes.
        #expect(try sql("substring(displayName, 1, 2) eq 'AB'") == #"(statusgraph_substring("T"."displayName", ?, ?) = ?)"#)
        let secs = #"(("T"."createdDateTime" - ((("T"."createdDateTime" % 10000000) + 10000000) % 10000000)) / 10000000)"#
        #expect(try sql("month(createdDateTime) eq 2")
            == #"(CAST(EXTRACT(MONTH FROM to_timestamp(\#(secs)) AT TIME ZONE 'UTC') AS integer) = ?)"#)
        // Dividing by zero gives null, as on SQLite (PostgreSQL would fail the statement).
        #expect(try sql("dependentAppCount mod 2.5 eq 1")
            == #"(CAST(mod(CAST("T"."dependentAppCount" AS numeric), CAST(NULLIF(?, 0) AS numeric)) AS double precision) = ?)"#)
        #expect(try sql("dependentAppCount div 0 eq 1") == #"(("T"."dependentAppCount" / NULLIF(?, 0)) = ?)"#)
        // A date inside JSON is its text: read as ticks, as columns keep it (a cast of the text to bigint failed).
        let start = #"((("_e1"."value")::jsonb #>> '{startDateTime}') COLLATE "C")"#
        let ticks = "(CAST(EXTRACT(EPOCH FROM CAST(substr(\(start), 1, 19) AS timestamp)) AS bigint) * 10000000 + "
            + "CAST(substr(rtrim(substr(\(start), 21), 'Z') || '0000000', 1, 7) AS BIGINT))"
        #expect(try sql("revokeLicenseActionResults/any(r: r/startDateTime gt 2020-01-01T00:00:00Z)", on: "iosVppApp")
            == #"EXISTS (SELECT 1 FROM jsonb_array_elements(("T"."revokeLicenseActionResults")::jsonb) AS "_e1"("value") WHERE (\#(ticks) > ?))"#)
        // Flags inside JSON are kept as names (a cast to bigint failed): compared as the mask of this version's members.
        let op = #"((("_e1"."value")::jsonb #>> '{operator}') COLLATE "C")"#
        let terms = [("equal", 1), ("notEqual", 2), ("greaterThan", 4), ("greaterThanOrEqual", 5), ("lessThan", 8), ("lessThanOrEqual", 9)]
            .map { "(CASE WHEN strpos((',' || replace(\(op), ' ', '') || ','), ',\($0.0),') > 0 THEN \($0.1) ELSE 0 END)" }
        #expect(try sql("detectionRules/any(d: d/operator has 'equal')", on: "win32LobApp")
            == #"EXISTS (SELECT 1 FROM jsonb_array_elements(("T"."detectionRules")::jsonb) AS "_e1"("value") WHERE ((CASE WHEN jsonb_typeof(("_e1"."value")::jsonb #> '{}') = 'object' THEN COALESCE("#
                + "(CASE WHEN \(op) IS NULL THEN NULL ELSE \(terms.joined(separator: " + ")) END), ?) END & ?) = ?))")
        // A cast on the entity: null on entities of other types.
        #expect(try sql("microsoft.graph.win32LobApp/fileName eq 'a'") == #"((CASE WHEN "T"."_type" IN (?, ?) THEN "T"."fileName" END) = ?)"#)
        #expect(try sql("date(createdDateTime) eq 2024-02-29") == #"(to_char(to_timestamp(\#(secs)) AT TIME ZONE 'UTC', 'YYYY-MM-DD') = ?)"#)
    }

    @Test func schema() {
        let schema = layout.schema(PostgresDialect())
        #expect(schema.contains(
            #"CREATE TABLE IF NOT EXISTS "mobileApps_deviceStatuses" ("_tenant" TEXT COLLATE "C" NOT NULL, "_p1" TEXT COLLATE "C" NOT NULL, "id" TEXT COLLATE "C" NOT NULL, "_type" TEXT COLLATE "C" NOT NULL, "deviceId" TEXT COLLATE "C", "deviceName" TEXT COLLATE "C", "displayVersion" TEXT COLLATE "C", "errorCode" BIGINT, "installState" TEXT COLLATE "C", "installStateDetail" TEXT COLLATE "C", "lastSyncDateTime" BIGINT, "mobileAppInstallStatusValue" TEXT COLLATE "C", "osDescription" TEXT COLLATE "C", "osVersion" TEXT COLLATE "C", "userName" TEXT COLLATE "C", "userPrincipalName" TEXT COLLATE "C", PRIMARY KEY ("_tenant", "_p1", "id"), FOREIGN KEY ("_tenant", "_p1") REFERENCES "mobileApps" ("_tenant", "id") ON DELETE CASCADE)"#))
        let function = schema.first { $0.hasPrefix(#"CREATE OR REPLACE FUNCTION "mobileApps_deviceStatuses_counts_insert"()"#) }
        #expect(schema.contains(
            #"CREATE OR REPLACE TRIGGER "mobileApps_deviceStatuses_counts_insert" AFTER INSERT ON "mobileApps_deviceStatuses" REFERENCING NEW TABLE AS "inserted" FOR EACH STATEMENT EXECUTE FUNCTION "mobileApps_deviceStatuses_counts_insert"()"#))
        // Counts: an insert statement moves each container's row of counts in its shard once, one
        // column per count (here installed, failed, notInstalled, pendingInstall, notApplicable), the
        // containers in the order of their keys.
        #expect(function == #"CREATE OR REPLACE FUNCTION "mobileApps_deviceStatuses_counts_insert"() RETURNS trigger LANGUAGE plpgsql AS $statusgraph$ BEGIN INSERT INTO "_summary_counts" ("_tenant", "source", "parent", "shard", "n0", "n1", "n2", "n3", "n4", "updated") SELECT "row_buckets"."_tenant", 'mobileApps_deviceStatuses', "row_buckets"."_p1", (pg_backend_pid() % 4), SUM(CASE WHEN "b0" = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN "b0" = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN "b0" = 2 THEN 1 ELSE 0 END), SUM(CASE WHEN "b0" = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN "b0" = 4 THEN 1 ELSE 0 END), (EXTRACT(EPOCH FROM clock_timestamp()) * 10000000)::bigint FROM (SELECT "inserted"."_tenant", "inserted"."_p1", (CASE WHEN "inserted"."installState" IN ('installed') THEN 0 WHEN "inserted"."installState" IN ('failed', 'uninstallFailed') THEN 1 WHEN "inserted"."installState" IN ('notInstalled') THEN 2 WHEN "inserted"."installState" IN ('pendingInstall') THEN 3 WHEN "inserted"."installState" IN ('notApplicable') THEN 4 END) AS "b0" FROM "inserted") AS "row_buckets" WHERE ("b0" IS NOT NULL) GROUP BY "row_buckets"."_tenant", "row_buckets"."_p1" ORDER BY "row_buckets"."_tenant", "row_buckets"."_p1" ON CONFLICT ("_tenant", "source", "parent", "shard") DO UPDATE SET "n0" = "_summary_counts"."n0" + excluded."n0", "n1" = "_summary_counts"."n1" + excluded."n1", "n2" = "_summary_counts"."n2" + excluded."n2", "n3" = "_summary_counts"."n3" + excluded."n3", "n4" = "_summary_counts"."n4" + excluded."n4", "updated" = excluded."updated"; RETURN NULL; END $statusgraph$"#)
        // An update moves the old bucket's column down and the new one's up, in one upsert.
        let update = schema.first { $0.hasPrefix(#"CREATE OR REPLACE FUNCTION "mobileApps_deviceStatuses_counts_update"()"#) }
        #expect(update?.contains(#"CASE WHEN "b0" = 1 THEN 1 ELSE 0 END - CASE WHEN "o0" = 1 THEN 1 ELSE 0 END"#) == true)
        #expect(update?.contains(#"WHERE ("b0" IS NOT NULL OR "o0" IS NOT NULL) ON CONFLICT"#) == true)
        // A delete statement moves each container's counts down once for all its rows, and only while
        // the container is stored (a cascade from it finds it gone).
        #expect(schema.contains(
            #"CREATE OR REPLACE TRIGGER "mobileApps_deviceStatuses_counts_delete" AFTER DELETE ON "mobileApps_deviceStatuses" REFERENCING OLD TABLE AS "deleted" FOR EACH STATEMENT EXECUTE FUNCTION "mobileApps_deviceStatuses_counts_delete"()"#))
        let delete = schema.first { $0.hasPrefix(#"CREATE OR REPLACE FUNCTION "mobileApps_deviceStatuses_counts_delete"()"#) }
        #expect(delete == #"CREATE OR REPLACE FUNCTION "mobileApps_deviceStatuses_counts_delete"() RETURNS trigger LANGUAGE plpgsql AS $statusgraph$ BEGIN INSERT INTO "_summary_counts" ("_tenant", "source", "parent", "shard", "n0", "n1", "n2", "n3", "n4", "updated") SELECT "row_buckets"."_tenant", 'mobileApps_deviceStatuses', "row_buckets"."_p1", (pg_backend_pid() % 4), -SUM(CASE WHEN "b0" = 0 THEN 1 ELSE 0 END), -SUM(CASE WHEN "b0" = 1 THEN 1 ELSE 0 END), -SUM(CASE WHEN "b0" = 2 THEN 1 ELSE 0 END), -SUM(CASE WHEN "b0" = 3 THEN 1 ELSE 0 END), -SUM(CASE WHEN "b0" = 4 THEN 1 ELSE 0 END), (EXTRACT(EPOCH FROM clock_timestamp()) * 10000000)::bigint FROM (SELECT "deleted"."_tenant", "deleted"."_p1", (CASE WHEN "deleted"."installState" IN ('installed') THEN 0 WHEN "deleted"."installState" IN ('failed', 'uninstallFailed') THEN 1 WHEN "deleted"."installState" IN ('notInstalled') THEN 2 WHEN "deleted"."installState" IN ('pendingInstall') THEN 3 WHEN "deleted"."installState" IN ('notApplicable') THEN 4 END) AS "b0" FROM "deleted") AS "row_buckets" WHERE ("b0" IS NOT NULL) GROUP BY "row_buckets"."_tenant", "row_buckets"."_p1" HAVING EXISTS (SELECT 1 FROM "mobileApps" WHERE "mobileApps"."_tenant" = "row_buckets"."_tenant" AND "mobileApps"."id" = "row_buckets"."_p1") ORDER BY "row_buckets"."_tenant", "row_buckets"."_p1" ON CONFLICT ("_tenant", "source", "parent", "shard") DO UPDATE SET "n0" = "_summary_counts"."n0" + excluded."n0", "n1" = "_summary_counts"."n1" + excluded."n1", "n2" = "_summary_counts"."n2" + excluded."n2", "n3" = "_summary_counts"."n3" + excluded."n3", "n4" = "_summary_counts"."n4" + excluded."n4", "updated" = excluded."updated"; RETURN NULL; END $statusgraph$"#)
        #expect(schema.contains(#"CREATE TABLE IF NOT EXISTS "_summary_counts" ("_tenant" TEXT NOT NULL, "source" TEXT NOT NULL, "parent" TEXT NOT NULL, "shard" BIGINT NOT NULL, "n0" BIGINT NOT NULL DEFAULT 0, "n1" BIGINT NOT NULL DEFAULT 0, "n2" BIGINT NOT NULL DEFAULT 0, "n3" BIGINT NOT NULL DEFAULT 0, "n4" BIGINT NOT NULL DEFAULT 0, "n5" BIGINT NOT NULL DEFAULT 0, "updated" BIGINT NOT NULL, PRIMARY KEY ("_tenant", "source", "parent", "shard"))"#))
        #expect(schema.contains(#"CREATE INDEX IF NOT EXISTS "mobileApps_deviceStatuses_by_installState" ON "mobileApps_deviceStatuses" ("_tenant", "_p1", "installState", "id")"#))
        #expect(schema.contains(#"CREATE INDEX IF NOT EXISTS "mobileApps_deviceStatuses_by_installState_deviceName" ON "mobileApps_deviceStatuses" ("_tenant", "_p1", "installState", "deviceName" ASC NULLS FIRST, "id")"#))
    }
}
