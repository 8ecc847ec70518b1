import Foundation
import GraphModel
import ODataCore
import ODataModel
import StatusGraphTestSupport
import StorageSQLite
import Testing

@testable import Storage

/// A store copied whole (`statusgraph export` / `import`): a dump's order and paging on each backend,
/// the file's round trip between every pair of backends, and the files an import refuses.
@Suite struct StoreTransferTests: AppTables {
    let layout = try! StorageLayout(service: GraphModel.service)
    var singleton: StorageTable { layout.table(path: [])! }
    var provisioning: StorageTable { layout.table(path: ["iosLobAppProvisioningConfigurations"])! }

    /// A row as the service makes one: its type's defaults, then `values`.
    func row(_ table: StorageTable, id: String, type: String, _ values: [String: SQLValue] = [:]) -> StoredEntity {
        var row = table.defaultRow(type: type, service: GraphModel.service)
        for (name, value) in values { row[table.columnIndex(name)!] = value }
        return StoredEntity(id: id, type: type, values: row)
    }

    func withStore<T>(_ backend: TestBackend, _ body: (any EntityStore) async throws -> T) async throws -> T {
        try await backend.withStore(body)
    }

    /// Two tenants with apps (one of each value kind the tables hold), statuses at two depths, a
    /// provisioning configuration's binary payload, and one tenant's singleton.
    func fill(_ store: any EntityStore) async throws {
        for tenant in ["t1", "t2"] {
            try await store.insert(singleton, in: Scope(tenant: tenant, parents: []), row(singleton, id: "dam", type: singleton.baseType))
            try await store.insert(
                apps, in: Scope(tenant: tenant, parents: []),
                [
                    row(apps, id: "app1", type: "win32LobApp", [
                        "displayName": .text("7-Zip \"quoted\" ✓\n"), "isFeatured": .boolean(true), "size": .integer(1 << 40),
                        "createdDateTime": .integer(-5), "applicableArchitectures": .integer(3), "publishingState": .text("published"),
                        "largeIcon": .text(#"{"type":"image/png","value":"AAEC"}"#),
                    ]),
                    row(apps, id: "app2", type: "webApp", ["displayName": .text("Web"), "isFeatured": .boolean(false)]),
                    row(apps, id: "app3", type: "webApp"),
                ])
            // app3's only status is gone: its counts are zero, and when that happened is kept.
            try await store.insert(appDeviceStatuses, in: Scope(tenant: tenant, parents: ["app3"]), row(appDeviceStatuses, id: "x", type: "mobileAppInstallStatus", ["installState": .text("failed")]))
            _ = try await store.delete(appDeviceStatuses, in: Scope(tenant: tenant, parents: ["app3"]), id: "x", types: nil)
            try await store.insert(
                userStatuses, in: Scope(tenant: tenant, parents: ["app1"]),
                (0..<70).map { row(userStatuses, id: String(format: "u%03d", $0), type: "userAppInstallStatus", ["installedDeviceCount": .integer(1)]) })
            try await store.insert(
                deviceStatuses, in: Scope(tenant: tenant, parents: ["app1", "u001"]),
                [row(deviceStatuses, id: "d1", type: "mobileAppInstallStatus", ["installState": .text("failed")])])
            try await store.insert(
                appDeviceStatuses, in: Scope(tenant: tenant, parents: ["app2"]),
                ["installed", "failed", "installed"].enumerated().map {
                    row(appDeviceStatuses, id: "d\($0.offset)", type: "mobileAppInstallStatus", ["installState": .text($0.element)])
                })
            try await store.insert(
                provisioning, in: Scope(tenant: tenant, parents: []),
                row(provisioning, id: "p1", type: "iosLobAppProvisioningConfiguration", ["payload": .blob([0, 1, 2, 255]), "version": .integer(7)]))
        }
    }

    func export(_ store: any EntityStore) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        try await StoreExport.run(store) { bytes += $0 }
        return bytes
    }

    func importing(_ bytes: [UInt8], into store: any EntityStore) async throws -> StoreImport.Outcome {
        let importer = StoreImport(store: store)
        return try await store.withBulkLoad {
            for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) { try await importer.add(line: Array(line)) }
            return try await importer.finish()
        }
    }

    /// A store that made its own paging secret before the import keeps it (the links it issued stay
    /// valid), and the import says so.
    @Test func aStoresOwnSecretIsKept() async throws {
        let file = try await withStore(.sqlite) { source in
            try await fill(source)
            return try await export(source)
        }
        try await withStore(.sqlite) { target in
            let own = try await target.secret(named: "paging")
            let outcome = try await importing(file, into: target)
            #expect(outcome.secretsKept == ["paging"] && outcome.inserted == 158)
            #expect(try await target.secret(named: "paging") == own)
        }
    }

    struct LoadFailed: Error {}

    /// SQLite: a bulk load drops the indexes of the tables that are empty when it starts and builds them
    /// again, as they were, when it ends, also when it fails; a table that holds rows keeps its indexes.
    @Test(arguments: [false, true])
    func aSQLiteLoadBuildsTheIndexesOfItsEmptyTablesAfterIt(_ fails: Bool) async throws {
        try await withStore(.sqlite) { store in
            let database = try #require((store as? SQLEntityStore<SQLiteDatabase>)?.database)
            let indexes = { () async throws -> [String: String] in
                var out: [String: String] = [:]
                for row in try await database.query(SQLStatement("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")) {
                    guard case .text(let name) = row[0], case .text(let sql) = row[1] else { continue }
                    out[name] = sql
                }
                return out
            }
            try await store.insert(apps, in: Scope(tenant: "t", parents: []), row(apps, id: "a", type: "webApp"))
            try await store.insert(
                appDeviceStatuses, in: Scope(tenant: "t", parents: ["a"]),
                row(appDeviceStatuses, id: "d", type: "mobileAppInstallStatus", ["installState": .text("failed")]))
            let before = try await indexes()
            let kept = before.keys.filter { $0.hasPrefix(appDeviceStatuses.name + "_by_") }
            let deferred = before.keys.filter { $0.hasPrefix(userStatuses.name + "_by_") }
            #expect(kept.count == 3 && deferred.count == 1)
            var during: [String: String] = [:]
            do {
                try await store.withBulkLoad {
                    try await store.insert(
                        userStatuses, in: Scope(tenant: "t", parents: ["a"]),
                        (0..<10).map { row(userStatuses, id: "u\($0)", type: "userAppInstallStatus", ["userPrincipalName": .text("u\(9 - $0)")]) })
                    during = try await indexes()
                    if fails { throw LoadFailed() }
                }
                #expect(!fails)
            } catch is LoadFailed {
                #expect(fails)
            }
            #expect(Set(during.keys).isSuperset(of: kept))
            #expect(Set(during.keys).isDisjoint(with: deferred))
            #expect(try await indexes() == before)
            #expect(try await database.query(SQLStatement("PRAGMA integrity_check")) == [[.text("ok")]])
        }
    }

    @Test(arguments: TestBackend.available)
    func aDumpReadsEveryTenantsRowsInKeyOrderAPageAtATime(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            try await fill(store)
            try await store.withSnapshot { snapshot in
                var keys: [[String]] = []
                var cursor: DumpedRow?
                while true {
                    let page = try await snapshot.dump(userStatuses, after: cursor, limit: 16)
                    keys += page.map { [$0.scope.tenant] + $0.scope.parents + [$0.entity.id] }
                    guard page.count == 16 else { break }
                    cursor = page.last
                }
                let expected = ["t1", "t2"].flatMap { t in (0..<70).map { [t, "app1", String(format: "u%03d", $0)] } }
                #expect(keys == expected)
                let singletons = try await snapshot.dump(singleton, after: nil, limit: 10)
                #expect(singletons.map(\.scope.tenant) == ["t1", "t2"])
                let rest = try await snapshot.dump(singleton, after: singletons[0], limit: 10)
                #expect(rest.map(\.scope.tenant) == ["t2"])
            }
        }
    }

    /// A snapshot's pages are the store as it was when the snapshot began, while writes go on: other
    /// instances' on PostgreSQL, the serving process's own on SQLite (an export through its admin socket).
    @Test(arguments: TestBackend.available)
    func aSnapshotDoesNotSeeWhatIsWrittenDuringIt(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            try await fill(store)
            let keys = { (snapshot: any StoreSnapshot) in
                try await snapshot.dump(self.apps, after: nil, limit: 100).map { "\($0.scope.tenant)/\($0.entity.id)" }
            }
            let (before, during, counted) = try await store.withSnapshot { snapshot in
                let before = try await keys(snapshot)
                try await store.insert(apps, in: Scope(tenant: "t1", parents: []), row(apps, id: "app9", type: "webApp"))
                _ = try await store.delete(apps, in: Scope(tenant: "t2", parents: []), id: "app2", types: nil)
                return (before, try await keys(snapshot), try await snapshot.dumpCountsUpdated(after: nil, limit: 100).count)
            }
            #expect(before == ["t1/app1", "t1/app2", "t1/app3", "t2/app1", "t2/app2", "t2/app3"])
            #expect(during == before)
            #expect(counted == 6, "t2's app2's counts, gone with it meanwhile, are in the snapshot")
            let after = try await store.withSnapshot(keys)
            #expect(after == ["t1/app1", "t1/app2", "t1/app3", "t1/app9", "t2/app1", "t2/app3"])
        }
    }

    /// A row an older release left null where the model gives a default (an app made through v1.0,
    /// beta's `isAssigned`) takes the default when imported; set values are kept.
    @Test(arguments: TestBackend.available)
    func importedRowsTakeTheDefaultsTheyLack(_ backend: TestBackend) async throws {
        let file = try await withStore(backend) { source in
            var old = row(apps, id: "old", type: "webApp", ["displayName": .text("Old")])
            old.values[apps.columnIndex("isAssigned")!] = .null
            old.values[apps.columnIndex("roleScopeTagIds")!] = .null
            try await source.insert(apps, in: Scope(tenant: "t", parents: []), old)
            return try await export(source)
        }
        try await withStore(backend) { target in
            _ = try await importing(file, into: target)
            let read = try #require(try await target.get(apps, in: Scope(tenant: "t", parents: []), id: "old", types: nil))
            #expect(read.values[apps.columnIndex("isAssigned")!] == .boolean(false) || read.values[apps.columnIndex("isAssigned")!] == .integer(0))
            #expect(read.values[apps.columnIndex("roleScopeTagIds")!] == .text("[]"))
            #expect(read.values[apps.columnIndex("displayName")!] == .text("Old"))
            #expect(read.values[apps.columnIndex("description")!] == .null)
        }
    }

    /// Every pair of backends (SQLite to SQLite where it is the only one): the copy exports to the same
    /// bytes, keeps its counts, and imported again changes nothing.
    @Test(arguments: TestBackend.available.flatMap { from in TestBackend.available.map { (from, $0) } })
    func aStoreCopiesWhole(_ from: TestBackend, _ to: TestBackend) async throws {
        let file = try await withStore(from) { source in
            try await fill(source)
            return try await export(source)
        }
        let lines = file.split(separator: 0x0A)
        let perTenant = 1 + 3 + 70 + 1 + 3 + 1  // the singleton, apps, statuses at two depths and of app2, provisioning
        #expect(lines.count == 2 + 2 * perTenant + 6)
        #expect(String(decoding: lines.last!, as: UTF8.self) == #"{"statusgraph":"end","rows":158,"counted":6}"#)
        guard case .object(let first) = try JSONParser.parse(Array(lines[0])), case .object(let secrets)? = first["secrets"],
            case .string(let secret)? = secrets["paging"]
        else { Issue.record("no paging secret in \(String(decoding: lines[0], as: UTF8.self))"); return }
        try await withStore(to) { target in
            let outcome = try await importing(file, into: target)
            #expect(outcome == StoreImport.Outcome(rows: 158, inserted: 158, skipped: 0, counted: 6))
            #expect(UTF8Bytes.hex(try await target.secret(named: "paging")) == secret, "paging links stay valid")
            #expect(try await export(target) == file)
            let counts = { try await target.counts(tenant: "t2", parentKeys: ["app2"], sources: [appDeviceStatuses.name]) }
            let before = try await counts()
            #expect(before.first { $0.bucket == "installedDeviceCount" }?.count == 2)
            #expect(before.first { $0.bucket == "failedDeviceCount" }?.count == 1)
            #expect(try await importing(file, into: target) == StoreImport.Outcome(rows: 158, inserted: 0, skipped: 158, counted: 6))
            #expect(try await counts().map(\.count) == before.map(\.count), "rows kept are not counted twice")
        }
    }

    /// 600 apps of one tenant (one container) are more values than one statement may bind (126 columns
    /// each): they go in several, on every backend.
    @Test(arguments: TestBackend.available)
    func wideRowsGoInStatementsWithinTheBindingLimit(_ backend: TestBackend) async throws {
        #expect(StoreImport.rowsPerStatement(apps) * (3 + apps.columns.count) <= StoreImport.maxBindings)
        let file = try await withStore(.sqlite) { source in
            try await source.insert(
                apps, in: Scope(tenant: "t", parents: []),
                (0..<600).map { row(apps, id: String(format: "a%03d", $0), type: "webApp", ["displayName": .text("App \($0)")]) })
            return try await export(source)
        }
        try await withStore(backend) { target in
            let outcome = try await importing(file, into: target)
            #expect(outcome.inserted == 600)
            #expect(try await export(target) == file)
        }
    }

    static let header = #"{"statusgraph":"export","format":1}"#
    static let app = #"{"path":"mobileApps","key":["t","a"],"type":"webApp","values":{"displayName":"x"}}"#

    @Test(arguments: [
        ("", "the file is empty"),
        (#"{"hello":1}"#, "line 1: this is not a StatusGraph export"),
        (#"{"statusgraph":"export","format":2}"#, "line 1: format 2 is not one this version reads (1)"),
        ("\(header)\n\(app)", "the file ends before the export's last line: it was cut short (1 rows read and stored)"),
        ("\(header)\n\(app)\n{\"statusgraph\":\"end\",\"rows\":2,\"counted\":0}", "the export counts 2 rows and 0 counted containers, the file holds 1 and 0"),
        ("\(header)\n\(app)\n{\"statusgraph\":\"end\",\"rows\":1}", "line 3: the last line does not count the rows and the counted containers"),
        ("\(header)\n{\"statusgraph\":\"end\",\"rows\":0,\"counted\":0}\n\(app)", "line 3: there is more after the export's last line"),
        ("\(header)\n{\"counted\":\"mobileApps\",\"tenant\":\"t\",\"parent\":\"a\",\"updated\":1}", #"line 2: "counted" must name the path of a table whose rows are counted"#),
        ("\(header)\n{\"counted\":\"mobileApps/deviceStatuses\",\"tenant\":\"t\",\"parent\":\"a\"}", #"line 2: a "counted" line needs a "tenant", a "parent" and an "updated" time"#),
        ("\(header)\n{\"counted\":\"mobileApps/deviceStatuses\",\"tenant\":\"t\",\"parent\":\"a\",\"updated\":1}\n\(app)", #"line 3: a row comes after the "counted" lines"#),
        ("\(header)\nnot json", "line 2: not JSON: "),
        (#"{"statusgraph":"export","format":1,"secrets":[]}"#, #"line 1: "secrets" is not an object"#),
        (#"{"statusgraph":"export","format":1,"secrets":{"signing":"00"}}"#, #"line 1: "signing" is not a secret this version keeps"#),
        (#"{"statusgraph":"export","format":1,"secrets":{"paging":"0g"}}"#, #"line 1: the secret "paging" is not 64 hexadecimal digits"#),
        ("\(header)\n{\"path\":\"mobileApps\",\"key\":[\"t\",\"a\"]", "line 2: not JSON: unexpected end of data at byte 37"),
        ("\(header)\n{\"path\":\"apps\",\"key\":[\"t\",\"a\"],\"type\":\"webApp\"}", #"line 2: no table has the path "apps""#),
        ("\(header)\n{\"path\":\"mobileApps\",\"key\":[\"t\"],\"type\":\"webApp\"}", #"line 2: a row of "mobileApps" needs a "key" of 2 strings"#),
        ("\(header)\n{\"path\":\"mobileApps\",\"key\":[\"t\",\"\"],\"type\":\"webApp\"}", "line 2: a key holds something other than a non-empty string"),
        ("\(header)\n{\"path\":\"mobileApps\",\"key\":[\"t\",\"a\"],\"type\":\"userAppInstallStatus\"}", #"line 2: a row of "mobileApps" needs a "type" that table keeps"#),
        ("\(header)\n{\"path\":\"mobileApps\",\"key\":[\"t\",\"a\"],\"type\":\"webApp\",\"values\":{\"nope\":1}}", #"line 2: "mobileApps" has no column "nope""#),
        ("\(header)\n{\"path\":\"mobileApps\",\"key\":[\"t\",\"a\"],\"type\":\"webApp\",\"values\":{\"size\":\"big\"}}", #"line 2: the column "size" (integer) cannot hold string"#),
        ("\(header)\n{\"path\":\"mobileApps\",\"key\":[\"t\",\"a\"],\"type\":\"webApp\",\"values\":{\"isFeatured\":1}}", #"line 2: the column "isFeatured" (boolean) cannot hold number"#),
        // Values are checked as a write would have made them: enum members, times within range, JSON of the value's shape
        // (complex values and collections are written into answers as kept).
        ("\(header)\n{\"path\":\"mobileApps/deviceStatuses\",\"key\":[\"t\",\"a\",\"d\"],\"type\":\"mobileAppInstallStatus\",\"values\":{\"installState\":\"broken\"}}",
         #"line 2: the column "installState" (enum) holds "broken", not a member of microsoft.graph.resultantAppState"#),
        ("\(header)\n{\"path\":\"mobileApps\",\"key\":[\"t\",\"a\"],\"type\":\"webApp\",\"values\":{\"createdDateTime\":9223372036854775807}}",
         #"line 2: the column "createdDateTime" (timestamp) holds 9223372036854775807, beyond the years 1 to 9999"#),
        ("\(header)\n{\"path\":\"mobileApps\",\"key\":[\"t\",\"a\"],\"type\":\"webApp\",\"values\":{\"largeIcon\":\"not json\"}}",
         #"line 2: the column "largeIcon" (json) holds text that is not a JSON object: "not json""#),
        ("\(header)\n{\"path\":\"mobileApps\",\"key\":[\"t\",\"a\"],\"type\":\"webApp\",\"values\":{\"roleScopeTagIds\":\"{}\"}}",
         #"line 2: the column "roleScopeTagIds" (json) holds text that is not a JSON array: "{}""#),
        (
            "\(header)\n{\"path\":\"mobileApps/deviceStatuses\",\"key\":[\"t\",\"gone\",\"d\"],\"type\":\"mobileAppInstallStatus\"}\n{\"statusgraph\":\"end\",\"rows\":1,\"counted\":0}",
            #"rows of "mobileApps/deviceStatuses" (d…) belong in t/gone, which is not stored"#
        ),
        ("\(header)\n\(app)\n{\"path\":\"mobileApps/deviceStatuses\",\"key\":[\"t\",\"a\",\"d\"],\"type\":\"mobileAppInstallStatus\"}\n\(app.replacingOccurrences(of: "\"a\"", with: "\"b\""))",
         #"line 4: rows of "mobileApps" come again after other tables'"#),
    ])
    func filesThatCannotBeImported(_ file: String, _ message: String) async throws {
        try await withStore(.sqlite) { store in
            let failure: (any Error)?
            do {
                _ = try await importing(Array(file.utf8), into: store)
                failure = nil
            } catch {
                failure = error
            }
            let said = failure.map { "\($0)" } ?? "no error"
            #expect(said.contains(message), "\(said)")
        }
    }

    /// Each kind of column's values, to the file and back (doubles included, though no table has one yet).
    @Test(arguments: [
        (ColumnKind.text, SQLValue.text("a \"b\" ✓"), #""a \"b\" ✓""#),
        (.enumName, .text("installed"), #""installed""#),
        (.json, .text(#"[{"a":1}]"#), #""[{\"a\":1}]""#),
        (.integer, .integer(-(1 << 62)), "-4611686018427387904"),
        (.timestamp, .integer(17964803314484884), "17964803314484884"),
        (.flags, .integer(5), "5"),
        (.real, .real(2.5), "2.5"),
        (.real, .real(.infinity), #""INF""#),
        (.real, .real(-.infinity), #""-INF""#),
        (.boolean, .boolean(true), "true"),
        (.blob, .blob([0, 255, 7]), #""AP8H""#),
    ])
    func valuesOfEveryKind(_ kind: ColumnKind, _ value: SQLValue, _ json: String) throws {
        var w = JSONWriter()
        try DumpFormat.write(value, kind: kind, column: "c", to: &w)
        #expect(String(decoding: w.bytes, as: UTF8.self) == json)
        // The type matters to JSON (an array here) and enums.
        let type: TypeReference = kind == .json ? .collection(.complex("x")) : kind == .enumName ? .enumeration("resultantAppState") : .primitive(.string)
        let column = StorageTable.Column(name: "c", kind: kind, type: type)
        #expect(try DumpFormat.read(try JSONParser.parse(Array(json.utf8)), column: column, service: GraphModel.service) == value)
    }

    /// An export read through a server is whole when it ends with the line that counts its rows.
    @Test func theLastLineCountsTheRows() {
        #expect(StoreExport.rowsCounted(lastLine: Array(#"{"statusgraph":"end","rows":29,"counted":3}"#.utf8)) == 29)
        for line in [#"{"statusgraph":"export","format":1}"#, #"{"path":"mobileApps","key":["t","a"],"type":"webApp","values":{}}"#,
                     #"{"statusgraph":"end","rows":"29"}"#, #"{"statusgraph":"end","rows":2"#, ""] {
            #expect(StoreExport.rowsCounted(lastLine: Array(line.utf8)) == nil, "\(line)")
        }
    }

    @Test func notANumberRoundTrips() throws {
        let column = StorageTable.Column(name: "c", kind: .real, type: .primitive(.double))
        guard case .real(let d) = try DumpFormat.read(.string("NaN"), column: column, service: GraphModel.service) else { Issue.record("not a real"); return }
        #expect(d.isNaN)
    }
}
