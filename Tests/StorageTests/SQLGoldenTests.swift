import GraphModel
import ODataCore
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
    func withSnapshot<T>(_ body: (_ query: @escaping @Sendable (SQLStatement) async throws -> [[SQLValue]]) async throws -> T) async throws -> T {
        try await body { statement in try await self.query(statement) }
    }
    func close() async throws {}

    /// The statements `body` sends through a store on a recording database of `dialect`.
    static func record(
        _ dialect: any SQLDialect, _ body: (SQLEntityStore<RecordingDatabase>) async throws -> Void
    ) async throws -> [SQLStatement] {
        let db = RecordingDatabase(dialect: dialect)
        try await body(SQLEntityStore(layout: try StorageLayout(service: GraphModel.service), database: db))
        return db.statements
    }
}

/// The exact SQL and bindings each store operation sends, per dialect.
@Suite struct SQLGoldenTests {
    let layout = try! StorageLayout(service: GraphModel.service)

    func record(_ body: (SQLEntityStore<RecordingDatabase>) async throws -> Void) async throws -> [SQLStatement] {
        try await RecordingDatabase.record(SQLiteDialect(), body)
    }

    @Test func sqliteStatements() async throws {
        let table = layout.table(path: ["mobileAppConfigurations", "userStatuses"])!
        let scope = Scope(tenant: "t", parents: ["cfg"])
        let cols = #""id", "_type", "devicesCount", "lastReportedDateTime", "status", "userDisplayName", "userPrincipalName""#
        #expect(table.columns.map(\.name) == ["devicesCount", "lastReportedDateTime", "status", "userDisplayName", "userPrincipalName"])

        let list = try await record { var q = ListQuery(model: GraphModel.service.versions["v1.0"]!, types: nil, limit: 51)
            q.after = [.text("k")]
            _ = try await $0.list(table, in: scope, q) }
        #expect(list == [SQLStatement(
            #"SELECT \#(cols) FROM "mobileAppConfigurations_userStatuses" WHERE "_tenant" = ? AND "_p1" = ? AND (("mobileAppConfigurations_userStatuses"."id" > ?)) ORDER BY "mobileAppConfigurations_userStatuses"."id" ASC LIMIT ?"#,
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
            #"INSERT INTO "mobileAppConfigurations_userStatuses" ("_tenant", "_p1", "id", "_type", "devicesCount", "lastReportedDateTime", "status", "userDisplayName", "userPrincipalName") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"#,
            [.text("t"), .text("cfg"), .text("u"), .text("managedDeviceMobileAppConfigurationUserStatus")] + values)])

        let update = try await record { _ = try await $0.update(table, in: scope, id: "u", types: nil, set: [(2, .text("error"))]) }
        #expect(update == [SQLStatement(
            #"UPDATE "mobileAppConfigurations_userStatuses" SET "status" = ? WHERE "_tenant" = ? AND "_p1" = ? AND "id" = ? RETURNING \#(cols)"#,
            [.text("error"), .text("t"), .text("cfg"), .text("u")])])

        let delete = try await record { _ = try await $0.delete(table, in: scope, id: "u", types: nil) }
        #expect(delete == [SQLStatement(
            #"DELETE FROM "mobileAppConfigurations_userStatuses" WHERE "_tenant" = ? AND "_p1" = ? AND "id" = ?"#,
            [.text("t"), .text("cfg"), .text("u")])])

        let counts = try await record { _ = try await $0.counts(tenant: "t", parentKeys: ["cfg"], sources: ["a", "b"]) }
        #expect(counts == [SQLStatement(
            #"SELECT "parent", "source", "n0", "n1", "n2", "n3", "n4", "n5", "updated" FROM "_summary_counts" WHERE "_tenant" = ? AND "parent" = ? AND "source" IN (?, ?)"#,
            [.text("t"), .text("cfg"), .text("a"), .text("b")])])

        let parents = layout.table(path: ["mobileAppConfigurations"])!
        let withCounts = try await record {
            _ = try await $0.getWithCounts(
                $0.countsRead(parents, types: ["x"], columns: ["displayName", "version", "noSuchColumn"], sources: ["a", "b"]),
                in: Scope(tenant: "t", parents: []), id: "cfg")
        }
        #expect(parents.columnIndex("displayName") != nil && parents.columnIndex("version") != nil)
        #expect(withCounts == [SQLStatement(
            #"SELECT "id", "_type", "displayName", "version", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM "mobileAppConfigurations" WHERE "_tenant" = ? AND "id" = ? AND "_type" IN (?) UNION ALL SELECT NULL, NULL, NULL, NULL, "source", "n0", "n1", "n2", "n3", "n4", "n5", "updated" FROM "_summary_counts" WHERE "_tenant" = ? AND "source" = ? AND "parent" = ? UNION ALL SELECT NULL, NULL, NULL, NULL, "source", "n0", "n1", "n2", "n3", "n4", "n5", "updated" FROM "_summary_counts" WHERE "_tenant" = ? AND "source" = ? AND "parent" = ?"#,
            [.text("t"), .text("cfg"), .text("x"), .text("t"), .text("a"), .text("cfg"), .text("t"), .text("b"), .text("cfg")])])
    }

    /// `$filter` and `$orderby` trees → SQL and bindings (through the binder, so the literals are typed).
    @Test(arguments: [
        ("installState eq 'failed'", nil as String?,
         #"("T"."installState" = ?)"#, [SQLValue.text("failed")]),
        ("installState ne 'failed'", nil,
         #"("T"."installState" <> ? OR "T"."installState" IS NULL)"#, [.text("failed")]),
        ("deviceName eq null or errorCode gt 3", nil,
         #"(("T"."deviceName" IS NULL) OR ("T"."errorCode" > ?))"#, [.integer(3)]),
        ("not (deviceName eq 'x')", nil,
         #"NOT COALESCE(("T"."deviceName" = ?), 0)"#, [.text("x")]),
        ("lastSyncDateTime ge 2017-01-01T00:00:00.5+01:00", nil,
         #"("T"."lastSyncDateTime" >= ?)"#, [.integer(14_832_252_005_000_000)]),
        ("installState in ('failed', microsoft.graph.resultantAppState'installed')", nil,
         #"("T"."installState" IN (?, ?))"#, [.text("failed"), .text("installed")]),
        ("startswith(tolower(deviceName), 'ab')", nil,
         #"substr(lower("T"."deviceName"), 1, length(?)) = ?"#, [.text("ab"), .text("ab")]),
        // Whitespace as .NET's String.Trim removes it: tabs, line ends, no-break and ideographic spaces too.
        ("trim(deviceName) eq 'a'", nil, #"(trim("T"."deviceName", ?) = ?)"#,
         [.text("\t\n\u{0B}\u{0C}\r \u{85}\u{A0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}"), .text("a")]),
        ("contains(deviceName, 'x') and endswith(osVersion, '1')", nil,
         #"(instr("T"."deviceName", ?) > 0 AND (length("T"."osVersion") >= length(?) AND substr("T"."osVersion", length("T"."osVersion") - length(?) + 1) = ?))"#,
         [.text("x"), .text("1"), .text("1"), .text("1")]),
        ("installState gt 'failed'", nil,
         #"(CASE "T"."installState" WHEN 'notApplicable' THEN 0 WHEN 'installed' THEN 1 WHEN 'failed' THEN 2 WHEN 'notInstalled' THEN 3 WHEN 'uninstallFailed' THEN 4 WHEN 'pendingInstall' THEN 5 WHEN 'unknown' THEN 6 END > ?)"#,
         [.integer(2)]),
        ("deviceName eq userName", nil,
         #"("T"."deviceName" IS "T"."userName")"#, []),
        ("substring(deviceName, 1, 2) eq 'AB' and substring(deviceName, 3) eq ''", nil,
         #"((statusgraph_substring("T"."deviceName", ?, ?) = ?) AND (statusgraph_substring("T"."deviceName", ?) = ?))"#,
         [.integer(1), .integer(2), .text("AB"), .integer(3), .text("")]),
        ("length(deviceName) eq 3 and indexof(deviceName, 'x') eq 2", nil,
         #"((statusgraph_length("T"."deviceName") = ?) AND (statusgraph_indexof("T"."deviceName", ?) = ?))"#,
         [.integer(3), .text("x"), .integer(2)]),
        ("year(lastSyncDateTime) eq 2024", nil,
         #"(CAST(strftime('%Y', (("T"."lastSyncDateTime" - ((("T"."lastSyncDateTime" % 10000000) + 10000000) % 10000000)) / 10000000), 'unixepoch') AS INTEGER) = ?)"#, [.integer(2024)]),
        ("date(lastSyncDateTime) ge 2024-02-29", nil,
         #"(date((("T"."lastSyncDateTime" - ((("T"."lastSyncDateTime" % 10000000) + 10000000) % 10000000)) / 10000000), 'unixepoch') >= ?)"#, [.text("2024-02-29")]),
        ("fractionalseconds(lastSyncDateTime) gt 0.5 and totaloffsetminutes(lastSyncDateTime) eq 0", nil,
         #"(((((("T"."lastSyncDateTime" % 10000000) + 10000000) % 10000000) / ?) > ?) AND ((CASE WHEN "T"."lastSyncDateTime" IS NULL THEN NULL ELSE 0 END) = ?))"#,
         [.real(10_000_000), .real(0.5), .integer(0)]),
        ("lastSyncDateTime ge mindatetime() and lastSyncDateTime le maxdatetime()", nil,
         #"(("T"."lastSyncDateTime" >= ?) AND ("T"."lastSyncDateTime" <= ?))"#, [.integer(-621_355_968_000_000_000), .integer(2_534_023_007_999_999_999)]),
    ] as [(String, String?, String, [SQLValue])])
    func filterTranslation(_ filter: String, _ unused: String?, _ sql: String, _ bindings: [SQLValue]) throws {
        let model = GraphModel.service.versions["beta"]!
        let table = layout.table(path: ["mobileApps", "deviceStatuses"])!
        let bound = try ExpressionBinder(model: model, type: model.entityTypes["mobileAppInstallStatus"]!)
            .bindFilter(try ExpressionParser.parseFilter(filter))
        var translator = ExpressionTranslator(table: table, dialect: SQLiteDialect(), model: model, row: #""T""#)
        let fragment = try translator.predicate(bound)
        #expect(fragment.sql == sql)
        #expect(fragment.bindings == bindings)
    }

    @Test func lambdaAndComplexPaths() throws {
        let model = GraphModel.service.versions["beta"]!
        let table = layout.table(path: ["mobileApps"])!
        // Filters on a derived type's members bind on that type (as `/mobileApps/microsoft.graph.win32LobApp?$filter=…`
        // does): the paths are what these show; a cast on the entity is `entityCastsAreNullOnOtherTypes`'.
        func sql(_ f: String, on type: String = "mobileApp") throws -> SQLFragment {
            var t = ExpressionTranslator(table: table, dialect: SQLiteDialect(), model: model, row: #""T""#)
            return try t.predicate(try ExpressionBinder(model: model, type: model.entityTypes[type]!).bindFilter(try ExpressionParser.parseFilter(f)))
        }
        #expect(try sql("roleScopeTagIds/any(t: t eq '0')") == SQLFragment(
            #"EXISTS (SELECT 1 FROM json_each("T"."roleScopeTagIds") AS "_e1" WHERE ("_e1"."value" = ?))"#, [.text("0")]))
        #expect(try sql("roleScopeTagIds/all(t: t ne '0')") == SQLFragment(
            #"NOT EXISTS (SELECT 1 FROM json_each("T"."roleScopeTagIds") AS "_e1" WHERE NOT COALESCE(("_e1"."value" <> ? OR "_e1"."value" IS NULL), 0))"#,
            [.text("0")]))
        #expect(try sql("largeIcon/type eq 'image/png'") == SQLFragment(
            #"(json_extract("T"."largeIcon", '$.type') = ?)"#, [.text("image/png")]))
        // `/$count`: a null collection has none.
        #expect(try sql("roleScopeTagIds/$count gt 1") == SQLFragment(
            #"(COALESCE(json_array_length("T"."roleScopeTagIds"), 0) > ?)"#, [.integer(1)]))
        // A non-nullable member its object may lack (written through v1.0) reads as its default, as shown.
        #expect(try sql("minimumSupportedOperatingSystem/v10_1607 eq false", on: "windowsUniversalAppX") == SQLFragment(
            #"(CASE WHEN json_type("T"."minimumSupportedOperatingSystem", '$') = 'object' THEN COALESCE(json_extract("T"."minimumSupportedOperatingSystem", '$.v10_1607'), ?) END = ?)"#,
            [.boolean(false), .boolean(false)]))
        // Flags inside JSON are kept as names: compared as the mask of the members this version has.
        let op = #"json_extract("_e1"."value", '$.operator')"#
        let terms = [("equal", 1), ("notEqual", 2), ("greaterThan", 4), ("greaterThanOrEqual", 5), ("lessThan", 8), ("lessThanOrEqual", 9)]
            .map { "(CASE WHEN instr((',' || replace(\(op), ' ', '') || ','), ',\($0.0),') > 0 THEN \($0.1) ELSE 0 END)" }
        #expect(try sql("detectionRules/any(d: d/operator has 'equal')", on: "win32LobApp") == SQLFragment(
            #"EXISTS (SELECT 1 FROM json_each("T"."detectionRules") AS "_e1" WHERE ((CASE WHEN json_type("_e1"."value", '$') = 'object' THEN COALESCE("#
                + "(CASE WHEN \(op) IS NULL THEN NULL ELSE \(terms.joined(separator: " + ")) END), ?) END & ?) = ?))",
            [.integer(0), .integer(1), .integer(1)]))
        // Dividing by zero gives null on every backend; a result out of range fails the statement (a 400), as on PostgreSQL.
        #expect(try sql("dependentAppCount mod 2.5 eq 1") == SQLFragment(
            #"(statusgraph_checked_number(("T"."dependentAppCount" - ? * CAST("T"."dependentAppCount" / NULLIF(?, 0) AS INTEGER)), 0) = ?)"#,
            [.real(2.5), .real(2.5), .real(1)]))
        #expect(try sql("dependentAppCount div 0 eq 1") == SQLFragment(
            #"(statusgraph_checked_number(("T"."dependentAppCount" / NULLIF(?, 0)), 1) = ?)"#, [.integer(0), .integer(1)]))
        // A date inside JSON is its text (`…:00.5Z` would sort before `…:00Z`): read as ticks, as columns keep it.
        let start = #"json_extract("_e1"."value", '$.startDateTime')"#
        let ticks = "(CAST(strftime('%s', substr(\(start), 1, 19)) AS INTEGER) * 10000000 + "
            + "CAST(substr(rtrim(substr(\(start), 21), 'Z') || '0000000', 1, 7) AS BIGINT))"
        #expect(try sql("revokeLicenseActionResults/any(r: r/startDateTime gt 2020-01-01T00:00:00.5Z)", on: "iosVppApp") == SQLFragment(
            #"EXISTS (SELECT 1 FROM json_each("T"."revokeLicenseActionResults") AS "_e1" WHERE (\#(ticks) > ?))"#,
            [.integer(15_778_368_005_000_000)]))
    }

    /// A member reached through a cast of the entity (`microsoft.graph.win32LobApp/fileName`) is null on
    /// entities of other types, so that a filter on it finds only that type and those derived from it,
    /// however the column is shared; a cast to the collection's own type holds for every entity.
    @Test func entityCastsAreNullOnOtherTypes() throws {
        let model = GraphModel.service.versions["beta"]!
        let table = layout.table(path: ["mobileApps"])!
        func sql(_ f: String) throws -> SQLFragment {
            var t = ExpressionTranslator(table: table, dialect: SQLiteDialect(), model: model, row: #""T""#)
            return try t.predicate(try ExpressionBinder(model: model, type: model.entityTypes["mobileApp"]!).bindFilter(try ExpressionParser.parseFilter(f)))
        }
        let win32 = #"CASE WHEN "T"."_type" IN (?, ?) THEN "#
        #expect(try sql("microsoft.graph.win32LobApp/fileName eq 'setup.exe'") == SQLFragment(
            #"((\#(win32)"T"."fileName" END) = ?)"#, [.text("win32CatalogApp"), .text("win32LobApp"), .text("setup.exe")]))
        // Only the cast type's members are read: iOS's v8_0 is not nullable (an Android app's is), so null reads as false.
        #expect(try sql("microsoft.graph.iosLobApp/minimumSupportedOperatingSystem/v8_0") == SQLFragment(
            #"((CASE WHEN "T"."_type" IN (?) THEN CASE WHEN json_type("T"."minimumSupportedOperatingSystem", '$') = 'object' THEN COALESCE(json_extract("T"."minimumSupportedOperatingSystem", '$.v8_0'), ?) END END) = ?)"#,
            [.text("iosLobApp"), .boolean(false), .boolean(true)]))
        #expect(try sql("microsoft.graph.win32LobApp/rules/any(r: r/ruleType eq 'detection')").sql.hasPrefix(
            #"EXISTS (SELECT 1 FROM json_each((\#(win32)"T"."rules" END)) AS "_e1" WHERE "#))
        #expect(try sql("microsoft.graph.mobileApp/displayName eq 'x'") == SQLFragment(#"("T"."displayName" = ?)"#, [.text("x")]))
    }

    /// A member of an enum the versions declare otherwise reads as the version shows it: through v1.0 a
    /// file-system rule's `doesNotExist` (beta's) as `notConfigured`, by the type of the rule holding it
    /// (`operationType` is of another enum on each kind of rule); flags without the bits v1.0 lacks.
    @Test func membersVersionsDeclareOtherwise() throws {
        let model = GraphModel.service.versions["v1.0"]!
        let table = layout.table(path: ["mobileApps"])!
        func sql(_ f: String) throws -> SQLFragment {
            var t = ExpressionTranslator(
                table: table, dialect: SQLiteDialect(), model: model, varyingEnums: GraphModel.service.enumsThatVary, row: #""T""#)
            return try t.predicate(
                try ExpressionBinder(model: model, type: model.entityTypes["win32LobApp"]!).bindFilter(try ExpressionParser.parseFilter(f)))
        }
        let v = #"json_extract("_e1"."value", '$.operationType')"#
        func known(_ members: String) -> String {
            "(CASE WHEN \(v) IS NULL THEN NULL WHEN \(v) IN (\(members)) THEN \(v) ELSE 'notConfigured' END)"
        }
        // Each kind of rule's operationType is of its own enum, none nullable, all worth notConfigured by default.
        #expect(try sql("rules/any(r: r/operationType eq 'notConfigured')") == SQLFragment(
            #"EXISTS (SELECT 1 FROM json_each("T"."rules") AS "_e1" WHERE (CASE WHEN json_type("_e1"."value", '$') = 'object' THEN COALESCE((CASE json_extract("_e1"."value", '$."@odata.type"')"#
                + " WHEN '#microsoft.graph.win32LobAppFileSystemRule' THEN "
                + known("'notConfigured', 'exists', 'modifiedDate', 'createdDate', 'version', 'sizeInMB'")
                + " WHEN '#microsoft.graph.win32LobAppRegistryRule' THEN "
                + known("'notConfigured', 'exists', 'doesNotExist', 'string', 'integer', 'version'")
                + " ELSE \(v) END), ?) END = ?))",
            [.text("notConfigured"), .text("notConfigured")]))
        // A cast to a kind of rule: its members where the rule is of that kind (or derived from it), else null.
        let castSQL = try sql("rules/any(r: r/microsoft.graph.win32LobAppRegistryRule/operationType eq 'exists')")
        #expect(castSQL == SQLFragment(
            #"EXISTS (SELECT 1 FROM json_each("T"."rules") AS "_e1" WHERE ((CASE WHEN json_extract("_e1"."value", '$."@odata.type"') IN ('#microsoft.graph.win32LobAppRegistryRule') THEN "#
                + #"CASE WHEN json_type("_e1"."value", '$') = 'object' THEN COALESCE("#
                + known("'notConfigured', 'exists', 'doesNotExist', 'string', 'integer', 'version'") + ", ?) END END) = ?))",
            [.text("notConfigured"), .text("exists")]))
        // x86 | x64 | arm | neutral: v1.0 has no arm64.
        #expect(try sql("applicableArchitectures eq 'x64'") == SQLFragment(
            #"(("T"."applicableArchitectures" & ?) = ?)"#, [.integer(15), .integer(2)]))
        // Enums the same in every version are read as kept (and a non-nullable member a rule lacks as its default).
        #expect(try sql("rules/any(r: r/ruleType eq 'detection')") == SQLFragment(
            #"EXISTS (SELECT 1 FROM json_each("T"."rules") AS "_e1" WHERE (CASE WHEN json_type("_e1"."value", '$') = 'object' THEN COALESCE(json_extract("_e1"."value", '$.ruleType'), ?) END = ?))"#,
            [.text("detection"), .text("detection")]))
        #expect(GraphModel.service.enumsThatVary.isSuperset(of: ["windowsArchitecture", "win32LobAppFileSystemOperationType"]))
        #expect(!GraphModel.service.enumsThatVary.contains("resultantAppState"))
    }

    @Test func keysetPagingAfterAPosition() async throws {
        let table = layout.table(path: ["mobileApps", "deviceStatuses"])!
        let model = GraphModel.service.versions["beta"]!
        let binder = ExpressionBinder(model: model, type: model.entityTypes["mobileAppInstallStatus"]!, option: "$orderby")
        var q = ListQuery(model: model, types: nil, limit: 50)
        q.order = [
            OrderKey(expression: try binder.bindOrderKey(.member(["installState"])), descending: true),
            OrderKey(expression: try binder.bindOrderKey(.member(["deviceName"])), descending: false),
        ]
        q.after = [.integer(2), .null, .text("last-id")]
        let statements = try await record { _ = try await $0.list(table, in: Scope(tenant: "t", parents: ["app"]), q) }
        let t = #""mobileApps_deviceStatuses""#
        let rank = #"CASE \#(t)."installState" WHEN 'notApplicable' THEN 0 WHEN 'installed' THEN 1 WHEN 'failed' THEN 2 WHEN 'notInstalled' THEN 3 WHEN 'uninstallFailed' THEN 4 WHEN 'pendingInstall' THEN 5 WHEN 'unknown' THEN 6 END"#
        #expect(statements.first?.sql.hasSuffix(
            #"AND (((\#(rank) < ? OR \#(rank) IS NULL)) OR (\#(rank) = ? AND \#(t)."deviceName" IS NOT NULL) OR (\#(rank) = ? AND \#(t)."deviceName" IS NULL AND \#(t)."id" > ?)) ORDER BY \#(rank) DESC NULLS LAST, \#(t)."deviceName" ASC NULLS FIRST, \#(t)."id" ASC LIMIT ?"#) == true,
            "\(statements)")
        #expect(statements.first?.bindings.suffix(5) == [.integer(2), .integer(2), .integer(2), .text("last-id"), .integer(50)])
    }

    /// Ascending on a first key that is not null: the same bound on that key alone comes first, for the
    /// index to seek to.
    @Test func keysetPagingSeeksOnTheFirstKey() async throws {
        let table = layout.table(path: ["mobileApps", "deviceStatuses"])!
        let model = GraphModel.service.versions["beta"]!
        let binder = ExpressionBinder(model: model, type: model.entityTypes["mobileAppInstallStatus"]!, option: "$orderby")
        var q = ListQuery(model: model, types: nil, limit: 50)
        q.order = [OrderKey(expression: try binder.bindOrderKey(.member(["deviceName"])), descending: false)]
        q.after = [.text("DEV-1"), .text("id-9")]
        let statements = try await record { _ = try await $0.list(table, in: Scope(tenant: "t", parents: ["app"]), q) }
        let name = #""mobileApps_deviceStatuses"."deviceName""#, id = #""mobileApps_deviceStatuses"."id""#
        #expect(statements.first?.sql.hasSuffix(
            #"AND (\#(name) >= ? AND ((\#(name) > ?) OR (\#(name) = ? AND \#(id) > ?))) ORDER BY \#(name) ASC NULLS FIRST, \#(id) ASC LIMIT ?"#) == true,
            "\(statements)")
        #expect(statements.first?.bindings.suffix(5) == [.text("DEV-1"), .text("DEV-1"), .text("DEV-1"), .text("id-9"), .integer(50)])
    }

    /// `$count` inside `$expand`: one grouped statement for every parent of a page, by its container key.
    @Test func countsOfSeveralContainers() async throws {
        let table = layout.table(path: ["mobileApps", "userStatuses", "deviceStatuses"])!
        let model = GraphModel.service.versions["beta"]!
        var q = ListQuery(model: model, types: nil, limit: 0)
        q.filter = try ExpressionBinder(model: model, type: model.entityTypes["mobileAppInstallStatus"]!)
            .bindFilter(try ExpressionParser.parseFilter("installState eq 'failed'"))
        let statements = try await record {
            _ = try await $0.count(table, tenant: "t", parents: ["app"], containers: ["u1", "u2"], q)
        }
        let t = #""mobileApps_userStatuses_deviceStatuses""#
        #expect(statements.map(\.sql) == [
            #"SELECT \#(t)."_p2", COUNT(*) FROM \#(t) WHERE "_tenant" = ? AND "_p1" = ? AND \#(t)."_p2" IN (?, ?) AND (\#(t)."installState" = ?) GROUP BY \#(t)."_p2""#
        ])
        #expect(statements.first?.bindings == [.text("t"), .text("app"), .text("u1"), .text("u2"), .text("failed")])
    }

    @Test func sqliteSchemaOfAStatusTable() {
        let schema = layout.schema(SQLiteDialect())
        #expect(schema.contains(
            #"CREATE TABLE IF NOT EXISTS "mobileAppConfigurations_userStatuses" ("_tenant" TEXT NOT NULL, "_p1" TEXT NOT NULL, "id" TEXT NOT NULL, "_type" TEXT NOT NULL, "devicesCount" INTEGER, "lastReportedDateTime" INTEGER, "status" TEXT, "userDisplayName" TEXT, "userPrincipalName" TEXT, PRIMARY KEY ("_tenant", "_p1", "id"), FOREIGN KEY ("_tenant", "_p1") REFERENCES "mobileAppConfigurations" ("_tenant", "id") ON DELETE CASCADE)"#))
        // A status counts in the column of its bucket: successCount n0, failedCount n1, …
        let insertTrigger = schema.first { $0.contains(#""mobileAppConfigurations_userStatuses_counts_insert""#) }
        #expect(insertTrigger?.contains(
            #"(CASE WHEN NEW."status" IN ('compliant', 'remediated') THEN 0 WHEN NEW."status" IN ('nonCompliant') THEN 1"#) == true)
        #expect(insertTrigger?.contains(#"DO UPDATE SET "n0" = "_summary_counts"."n0" + excluded."n0", "n1" = "_summary_counts"."n1" + excluded."n1""#) == true)
        #expect(insertTrigger?.hasSuffix(#""updated" = excluded."updated"; END"#) == true)
    }
}
