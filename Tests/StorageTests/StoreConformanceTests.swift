import Foundation
import GraphModel
import ODataCore
import Storage
import StatusGraphTestSupport
@testable import StorageSQLite
import ODataModel
import Testing

/// The storage conformance suite: the same behaviour, checked the same way, on every backend.
@Suite struct StoreConformanceTests: AppTables {
    let layout = try! StorageLayout(service: GraphModel.service)

    func withStore<T>(_ backend: TestBackend, _ body: (any EntityStore) async throws -> T) async throws -> T {
        try await backend.withStore(body)
    }

    let model = GraphModel.service.versions["beta"]!

    func query(types: Set<String>? = nil, after: String? = nil, limit: Int = 100) -> ListQuery {
        var q = ListQuery(model: model, types: types, limit: limit)
        q.after = after.map { [.text($0)] }
        return q
    }

    func row(_ table: StorageTable, id: String, type: String, _ values: [String: SQLValue] = [:]) -> StoredEntity {
        var row = [SQLValue](repeating: .null, count: table.columns.count)
        for (name, value) in values { row[table.columnIndex(name)!] = value }
        return StoredEntity(id: id, type: type, values: row)
    }

    /// A status of an app's `deviceStatuses` in `state`, its device named after its id.
    func deviceStatus(_ id: String, _ state: String) -> StoredEntity {
        row(appDeviceStatuses, id: id, type: "mobileAppInstallStatus", ["installState": .text(state), "deviceName": .text("D-" + id)])
    }

    /// An app's device status counts that are not zero, by bucket, its shards added up.
    func deviceCounts(_ store: any EntityStore, tenant: String = "t", app: String = "app") async throws -> [String: Int64] {
        var kept: [String: Int64] = [:]
        for c in try await store.counts(tenant: tenant, parentKeys: [app], sources: [appDeviceStatuses.name]) where c.count != 0 {
            kept[c.bucket, default: 0] += c.count
        }
        return kept
    }

    /// Text is ordered and compared by code point on every backend, whatever locale the database was
    /// made with (PostgreSQL's columns are in the "C" collation): `$orderby` and `gt` answer alike.
    @Test(arguments: TestBackend.available)
    func textIsOrderedByCodePoint(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            try await store.insert(apps, in: Scope(tenant: "t", parents: []), row(apps, id: "app", type: "iosLobApp"))
            for (i, name) in ["b", "B", "a", "A", "ä", "Z", "a b", "ab"].enumerated() {
                try await store.insert(
                    appDeviceStatuses, in: Scope(tenant: "t", parents: ["app"]),
                    row(appDeviceStatuses, id: "d\(i)", type: "mobileAppInstallStatus", ["deviceName": .text(name)]))
            }
            let type = try #require(model.entityTypes["mobileAppInstallStatus"])
            let binder = ExpressionBinder(model: model, type: type, option: "$orderby")
            func names(_ filter: String?) async throws -> [String] {
                var q = query()
                q.order = [OrderKey(expression: try binder.bindOrderKey(.member(["deviceName"])), descending: false)]
                if let filter { q.filter = try ExpressionBinder(model: model, type: type).bindFilter(ExpressionParser.parseFilter(filter)) }
                return try await store.list(appDeviceStatuses, in: Scope(tenant: "t", parents: ["app"]), q).map { row in
                    if case .text(let name) = row.values[appDeviceStatuses.columnIndex("deviceName")!] { return name }
                    return "?"
                }
            }
            #expect(try await names(nil) == ["A", "B", "Z", "a", "a b", "ab", "b", "ä"])
            #expect(try await names("deviceName gt 'Z'") == ["a", "a b", "ab", "b", "ä"])
            #expect(try await names("deviceName lt 'a'") == ["A", "B", "Z"])
        }
    }

    /// `tolower` and `toupper` map all of Unicode, as Graph (.NET's invariant culture) does, character by
    /// character (SQLite's own and PostgreSQL's in "C" change ASCII letters only), on every backend.
    @Test(arguments: TestBackend.available)
    func caseMappingCoversUnicode(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in try await expectUnicodeCaseMapping(store, backend) }
    }

    /// The same on a PostgreSQL database made in the "C" locale, whose own case mapping changes ASCII
    /// letters only: the server maps case in a collation of its own choosing, not the database's.
    @Test func caseMappingIgnoresTheDatabaseLocale() async throws {
        guard TestBackend.available.contains(.postgres) else { return }
        try await TestBackend.postgres.withStore(databaseOptions: "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'") { store in
            try await expectUnicodeCaseMapping(store, .postgres)
        }
    }

    /// A PostgreSQL database in another encoding than UTF8 is refused at the start, saying why: it would
    /// keep text as the bytes it was sent, in its own encoding (`length('Ä')` 2 in LATIN1).
    @Test(arguments: ["LATIN1", "SQL_ASCII"])
    func aDatabaseNotInUTF8IsRefused(_ encoding: String) async throws {
        guard TestBackend.available.contains(.postgres) else { return }
        let error = await #expect(throws: StorageError.self) {
            try await TestBackend.postgres.withStore(databaseOptions: "TEMPLATE template0 ENCODING '\(encoding)' LC_COLLATE 'C' LC_CTYPE 'C'") { _ in }
        }
        #expect(error?.message.contains("is encoded in \(encoding): StatusGraph keeps text as Unicode") == true, "\(String(describing: error))")
    }

    /// So is a UTF8 database set to take text in another encoding from its clients: PostgresNIO sends UTF-8.
    @Test func aClientEncodingNotUTF8IsRefused() async throws {
        guard TestBackend.available.contains(.postgres) else { return }
        let key = UUID().uuidString
        try await TestBackend.postgresDatabase(key: key, settings: ["client_encoding": "LATIN1"])
        let opened = try await TestBackend.postgres.open(key: key)
        let error = await #expect(throws: StorageError.self) { try await opened.store.prepare() }
        #expect(error?.message.contains("takes text from its clients in LATIN1 (client_encoding)") == true, "\(String(describing: error))")
        try await opened.close()
        await TestBackend.postgres.drop(key: key)
    }

    /// A start whose migration PostgreSQL refuses says what PostgreSQL said (it said "PostgreSQL failed
    /// (42P13)"): here a function of the server's name made before it, with another return type.
    @Test func aMigrationPostgreSQLRefusesSaysItsWords() async throws {
        guard TestBackend.available.contains(.postgres) else { return }
        try await TestBackend.withPostgresStore { opened in
            try await opened.client!.query("CREATE FUNCTION statusgraph_length(text) RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint'")
            let error = await #expect(throws: StorageError.self) { try await opened.store.prepare() }
            #expect(error?.message.contains("failed: cannot change return type of existing function (SQLSTATE 42P13)") == true, "\(String(describing: error))")
        }
    }

    /// The device names of the statuses of the app "app" (tenant "t") that `filter` selects.
    func deviceNames(_ store: any EntityStore, _ filter: String) async throws -> [String] {
        let type = try #require(model.entityTypes["mobileAppInstallStatus"])
        var q = query()
        q.filter = try ExpressionBinder(model: model, type: type).bindFilter(ExpressionParser.parseFilter(filter))
        return try await store.list(appDeviceStatuses, in: Scope(tenant: "t", parents: ["app"]), q).map { row in
            if case .text(let name) = row.values[appDeviceStatuses.columnIndex("deviceName")!] { return name }
            return "?"
        }
    }

    func expectUnicodeCaseMapping(_ store: any EntityStore, _ backend: TestBackend) async throws {
        try await store.insert(apps, in: Scope(tenant: "t", parents: []), row(apps, id: "app", type: "iosLobApp"))
        for (i, name) in ["Ünïcode", "ünïcode", "ß", "ǅ", "ALPHA", "Straße"].enumerated() {
            try await store.insert(
                appDeviceStatuses, in: Scope(tenant: "t", parents: ["app"]),
                row(appDeviceStatuses, id: "d\(i)", type: "mobileAppInstallStatus", ["deviceName": .text(name)]))
        }
        for (filter, found) in [
            ("tolower(deviceName) eq 'ünïcode'", ["Ünïcode", "ünïcode"]), ("toupper(deviceName) eq 'ÜNÏCODE'", ["Ünïcode", "ünïcode"]),
            ("toupper(deviceName) eq 'ß'", ["ß"]), ("tolower(deviceName) eq 'ǆ'", ["ǅ"]), ("tolower(deviceName) eq 'alpha'", ["ALPHA"]),
            ("toupper(deviceName) eq 'STRAßE'", ["Straße"]),
        ] {
            #expect(Set(try await deviceNames(store, filter)) == Set(found), "\(backend) \(filter)")
        }
    }

    /// `length`, `indexof` and `substring` count UTF-16 code units, as .NET (and so Graph) counts text: a
    /// character beyond U+FFFF counts twice, on every backend; one cut in two leaves U+FFFD for its half.
    @Test(arguments: TestBackend.available)
    func textFunctionsCountUTF16Units(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            try await store.insert(apps, in: Scope(tenant: "t", parents: []), row(apps, id: "app", type: "iosLobApp"))
            let names = ["😀x", "a😀b", "ab", "", "日本", "𝔸𝔹c"]
            for (i, name) in names.enumerated() {
                try await store.insert(
                    appDeviceStatuses, in: Scope(tenant: "t", parents: ["app"]),
                    row(appDeviceStatuses, id: "d\(i)", type: "mobileAppInstallStatus", ["deviceName": .text(name)]))
            }
            for (filter, found) in [
                ("length(deviceName) eq 3", ["😀x"]), ("length(deviceName) eq 4", ["a😀b"]), ("length(deviceName) eq 5", ["𝔸𝔹c"]),
                ("length(deviceName) eq 2", ["ab", "日本"]), ("length(deviceName) eq 0", [""]),
                ("indexof(deviceName, 'x') eq 2", ["😀x"]), ("indexof(deviceName, 'b') eq 3", ["a😀b"]),
                ("indexof(deviceName, 'b') eq 1", ["ab"]), ("indexof(deviceName, 'c') eq 4", ["𝔸𝔹c"]),
                ("indexof(deviceName, '本') eq 1", ["日本"]), ("indexof(deviceName, '') eq 0", names),
                ("indexof(deviceName, 'z') eq -1", names),
                ("substring(deviceName, 1, 2) eq '😀'", ["a😀b"]), ("substring(deviceName, 2) eq 'x'", ["😀x"]),
                ("substring(deviceName, 3) eq 'b'", ["a😀b"]), ("substring(deviceName, 2, 2) eq '𝔹'", ["𝔸𝔹c"]),
                ("substring(deviceName, 4) eq 'c'", ["𝔸𝔹c"]), ("substring(deviceName, 1) eq '本'", ["日本"]),
                // Cut in two: .NET keeps a lone surrogate, which UTF-8 cannot hold.
                ("substring(deviceName, 1) eq '\u{FFFD}x'", ["😀x"]), ("substring(deviceName, 0, 1) eq '\u{FFFD}'", ["😀x", "𝔸𝔹c"]),
                ("substring(deviceName, 2, 1) eq '\u{FFFD}'", ["a😀b", "𝔸𝔹c"]), ("substring(deviceName, 1, 2) eq '\u{FFFD}\u{FFFD}'", ["𝔸𝔹c"]),
                ("substring(deviceName, -3, 1) eq 'a'", ["a😀b", "ab"]), ("substring(deviceName, 9) eq ''", names),
                ("substring(deviceName, 1, -2) eq ''", names), ("substring(deviceName, 0, 9223372036854775807) eq 'a😀b'", ["a😀b"]),
                ("substring(deviceName, 9223372036854775807, 9223372036854775807) eq ''", names),
                // A null bound makes the whole null (PostgreSQL's GREATEST, clamping it, took a null start as 0).
                ("substring(deviceName, length(userName)) eq null", names), ("substring(deviceName, 0, length(userName)) eq null", names),
                ("length(userName) eq null and indexof(userName, 'a') eq null", names),
            ] {
                #expect(Set(try await deviceNames(store, filter)) == Set(found), "\(backend) \(filter)")
            }
        }
    }

    /// Arithmetic beyond 64 bits, or beyond a double's range, fails the read as unevaluable (a 400) on every
    /// backend, in `$filter` and `$orderby` alike; within range it answers.
    @Test(arguments: TestBackend.available)
    func arithmeticOutOfRangeIsUnevaluable(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            try await store.insert(apps, in: Scope(tenant: "t", parents: []), row(apps, id: "app", type: "iosLobApp"))
            try await store.insert(
                appDeviceStatuses, in: Scope(tenant: "t", parents: ["app"]),
                row(appDeviceStatuses, id: "d", type: "mobileAppInstallStatus", ["errorCode": .integer(2_147_483_647)]))
            let type = try #require(model.entityTypes["mobileAppInstallStatus"])
            func list(filter: String? = nil, orderBy: String? = nil) async throws -> [String] {
                var q = query()
                q.filter = try filter.map { try ExpressionBinder(model: model, type: type).bindFilter(ExpressionParser.parseFilter($0)) }
                let binder = ExpressionBinder(model: model, type: type, option: "$orderby")
                q.order = try orderBy.map { [OrderKey(expression: try binder.bindOrderKey(ExpressionParser.parseOrderBy($0)[0].expression), descending: false)] } ?? []
                return try await store.list(appDeviceStatuses, in: Scope(tenant: "t", parents: ["app"]), q).map(\.id)
            }
            for filter in [
                "errorCode mul 4294967298 mul 4294967298 gt 0", "errorCode add 9223372036854775807 gt 0", "-9223372036854775807 sub errorCode lt 0",
                "errorCode mul 1.0e308 mul 10 gt 0", "errorCode div 1.0e-308 gt 0",
            ] {
                await #expect(throws: StorageError.self, "\(backend) \(filter)") { try await list(filter: filter) }
                do { _ = try await list(filter: filter) } catch let error as StorageError { #expect(error.code == .unevaluable, "\(backend) \(filter): \(error)") }
            }
            await #expect(throws: StorageError.self) { try await list(orderBy: "errorCode mul 9223372036854775807") }
            #expect(try await list(filter: "errorCode mul 4294967298 gt 0") == ["d"])
            #expect(try await list(filter: "errorCode mul 1.0e290 gt 0 and errorCode div 2 eq 1073741823") == ["d"])
            #expect(try await list(orderBy: "errorCode mul 2") == ["d"])
        }
    }

    /// A tenant's reset: its rows at every depth and its counts go; another tenant's stay.
    @Test(arguments: TestBackend.available)
    func deletingATenantLeavesTheOthers(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            for tenant in ["gone", "kept"] {
                try await store.insert(apps, in: Scope(tenant: tenant, parents: []), [row(apps, id: "app", type: "webApp"), row(apps, id: "b", type: "webApp")])
                try await store.insert(
                    userStatuses, in: Scope(tenant: tenant, parents: ["app"]),
                    row(userStatuses, id: "u", type: "userAppInstallStatus", ["installedDeviceCount": .integer(1)]))
                try await store.insert(
                    deviceStatuses, in: Scope(tenant: tenant, parents: ["app", "u"]), row(deviceStatuses, id: "d", type: "mobileAppInstallStatus"))
                try await store.insert(
                    appDeviceStatuses, in: Scope(tenant: tenant, parents: ["app"]),
                    row(appDeviceStatuses, id: "d", type: "mobileAppInstallStatus", ["installState": .text("failed")]))
            }
            #expect(try await store.deleteTenant("gone") == 5)
            #expect(try await store.deleteTenant("gone") == 0)
            #expect(try await store.list(apps, in: Scope(tenant: "gone", parents: []), query()).isEmpty)
            #expect(try await store.counts(tenant: "gone", parentKeys: ["app"], sources: [userStatuses.name, appDeviceStatuses.name]).isEmpty)
            #expect(try await store.list(apps, in: Scope(tenant: "kept", parents: []), query()).map(\.id) == ["app", "b"])
            #expect(try await store.get(deviceStatuses, in: Scope(tenant: "kept", parents: ["app", "u"]), id: "d", types: nil) != nil)
            let kept = try await store.counts(tenant: "kept", parentKeys: ["app"], sources: [userStatuses.name, appDeviceStatuses.name])
            #expect(kept.first { $0.bucket == "failedDeviceCount" }?.count == 1)
            #expect(kept.first { $0.bucket == "installedUserCount" }?.count == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func insertGetListUpdateDelete(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let a = Scope(tenant: "t1", parents: [])
            let entity = row(
                apps, id: "b", type: "webApp",
                ["displayName": .text("Web"), "isFeatured": .boolean(true), "size": .integer(1 << 40), "createdDateTime": .integer(-5),
                 "largeIcon": .text(#"{"type":"x"}"#)])
            try await store.insert(apps, in: a, entity)
            try await store.insert(apps, in: a, row(apps, id: "a", type: "iosLobApp"))
            try await store.insert(apps, in: a, row(apps, id: "c", type: "iosLobApp"))
            let read = try #require(try await store.get(apps, in: a, id: "b", types: nil))
            #expect(read.id == "b" && read.type == "webApp")
            #expect(read.values[apps.columnIndex("displayName")!] == .text("Web"))
            #expect([.integer(1), .boolean(true)].contains(read.values[apps.columnIndex("isFeatured")!]))
            #expect(read.values[apps.columnIndex("size")!] == .integer(1 << 40))
            #expect(read.values[apps.columnIndex("createdDateTime")!] == .integer(-5))

            #expect(try await store.list(apps, in: a, query()).map(\.id) == ["a", "b", "c"])
            #expect(try await store.list(apps, in: a, query(after: "a", limit: 1)).map(\.id) == ["b"])
            #expect(try await store.list(apps, in: a, query(types: ["iosLobApp"])).map(\.id) == ["a", "c"])
            #expect(try await store.count(apps, in: a, query()) == 3)
            #expect(try await store.get(apps, in: a, id: "b", types: ["iosLobApp"]) == nil)

            let updated = try await store.update(
                apps, in: a, id: "b", types: nil, set: [(apps.columnIndex("displayName")!, .text("Renamed"))])
            #expect(updated?.values[apps.columnIndex("displayName")!] == .text("Renamed"))
            #expect(updated?.values[apps.columnIndex("size")!] == .integer(1 << 40))
            #expect(try await store.update(apps, in: a, id: "zz", types: nil, set: []) == nil)

            #expect(try await store.delete(apps, in: a, id: "b", types: nil))
            #expect(try await !store.delete(apps, in: a, id: "b", types: nil))
            #expect(try await store.get(apps, in: a, id: "b", types: nil) == nil)
        }
    }

    /// Text of every size — empty, short, non-ASCII, longer than a bound value's first buffer — goes in
    /// through writes that share commits and comes back the same from both forms of get.
    @Test(arguments: TestBackend.available)
    func textOfEverySizeRoundTrips(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let scope = Scope(tenant: "t1", parents: [])
            let texts = ["", "a", #"Wé "quoted" \ 🎉 ' "#, String(repeating: "long ", count: 300), String(repeating: "ü", count: 5000)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, text) in texts.enumerated() {
                    group.addTask {
                        try await store.insert(
                            self.apps, in: scope, self.row(self.apps, id: "app-\(i)", type: "webApp", ["displayName": .text(text), "notes": .text(text + "!")]))
                    }
                }
                try await group.waitForAll()
            }
            let name = apps.columnIndex("displayName")!, notes = apps.columnIndex("notes")!
            for (i, text) in texts.enumerated() {
                let read = try #require(try await store.get(apps, in: scope, id: "app-\(i)", types: ["webApp"]))
                #expect(read.values[name] == .text(text), "text \(i)")
                #expect(read.values[notes] == .text(text + "!"), "text \(i)")
                var inPlace: [SQLValue] = []
                let found = try await store.get(apps, in: scope, id: "app-\(i)", types: nil) { row in
                    inPlace = [row.column(name).value, row.column(notes).value]
                }
                #expect(found && inPlace == [.text(text), .text(text + "!")], "text \(i) in place")
            }
            #expect(try await !store.get(apps, in: scope, id: "missing", types: nil) { _ in })
        }
    }

    @Test(arguments: TestBackend.available)
    func containmentAndCounts(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let t = "t1"
            try await store.insert(
                apps, in: Scope(tenant: t, parents: []),
                row(apps, id: "app", type: "iosLobApp", ["displayName": .text("Counted"), "publisher": .text("Contoso"), "isFeatured": .boolean(true)]))
            let inApp = Scope(tenant: t, parents: ["app"])
            await #expect(throws: StorageError.self) {
                try await store.insert(self.userStatuses, in: Scope(tenant: t, parents: ["none"]), self.row(self.userStatuses, id: "u", type: "userAppInstallStatus"))
            }
            #expect(try await store.containerExists(userStatuses, in: inApp))
            #expect(try await !store.containerExists(userStatuses, in: Scope(tenant: t, parents: ["none"])))
            try await store.insert(
                userStatuses, in: inApp, row(userStatuses, id: "u1", type: "userAppInstallStatus", ["failedDeviceCount": .integer(2)]))
            try await store.insert(
                userStatuses, in: inApp, row(userStatuses, id: "u2", type: "userAppInstallStatus", ["installedDeviceCount": .integer(1)]))
            for (i, state) in ["installed", "installed", "failed"].enumerated() {
                try await store.insert(
                    appDeviceStatuses, in: inApp, row(appDeviceStatuses, id: "d\(i)", type: "mobileAppInstallStatus", ["installState": .text(state)]))
            }
            try await store.insert(
                deviceStatuses, in: Scope(tenant: t, parents: ["app", "u1"]), row(deviceStatuses, id: "x", type: "mobileAppInstallStatus"))

            func counts() async throws -> [String: Int64] {
                let rows = try await store.counts(tenant: t, parentKeys: ["app"], sources: [userStatuses.name, appDeviceStatuses.name])
                return Dictionary(rows.map { ($0.bucket, $0.count) }, uniquingKeysWith: +).filter { $0.value != 0 }
            }
            #expect(try await counts() == ["failedUserCount": 1, "installedUserCount": 1, "installedDeviceCount": 2, "failedDeviceCount": 1])
            // The entity and its counts in one read; nothing for another tenant or an unknown id.
            let sources = [userStatuses.name, appDeviceStatuses.name]
            let read = store.countsRead(apps, types: nil, columns: ["displayName", "publisher", "noSuchColumn"], sources: sources)
            #expect(read.columns == [apps.columnIndex("displayName")!, apps.columnIndex("publisher")!])
            let both = try #require(try await store.getWithCounts(read, in: Scope(tenant: t, parents: []), id: "app"))
            #expect(both.id == "app" && both.type == "iosLobApp")
            #expect(both.values == [.text("Counted"), .text("Contoso")])
            #expect(read.value(apps.columnIndex("displayName")!, of: both) == .text("Counted"))
            #expect(read.value(apps.columnIndex("description")!, of: both) == .null)
            let kept: [String: Int64] = Dictionary(both.counts.map { ($0.bucket, $0.count) }, uniquingKeysWith: +).filter { $0.value != 0 }
            let expected: [String: Int64] = ["failedUserCount": 1, "installedUserCount": 1, "installedDeviceCount": 2, "failedDeviceCount": 1]
            #expect(kept == expected)
            #expect(both.counts.allSatisfy { $0.parent == "app" })
            for (tenant, id, types) in [("other", "app", nil), (t, "none", nil), (t, "app", Set(["webApp"]))] as [(String, String, Set<String>?)] {
                let found = try await store.getWithCounts(
                    store.countsRead(apps, types: types, columns: [], sources: sources), in: Scope(tenant: tenant, parents: []), id: id)
                #expect(found == nil, "\(tenant) \(id) \(String(describing: types))")
            }
            let uncounted = try #require(
                try await store.getWithCounts(store.countsRead(userStatuses, types: nil, columns: [], sources: [deviceStatuses.name]), in: inApp, id: "u2"))
            #expect(uncounted.id == "u2" && uncounted.counts.isEmpty && uncounted.values.isEmpty)
            _ = try await store.update(
                appDeviceStatuses, in: inApp, id: "d2", types: nil, set: [(appDeviceStatuses.columnIndex("installState")!, .text("installed"))])
            _ = try await store.delete(userStatuses, in: inApp, id: "u1", types: nil)
            #expect(try await counts() == ["installedUserCount": 1, "installedDeviceCount": 3])
            #expect(try await store.get(deviceStatuses, in: Scope(tenant: t, parents: ["app", "u1"]), id: "x", types: nil) == nil)

            _ = try await store.delete(apps, in: Scope(tenant: t, parents: []), id: "app", types: nil)
            #expect(try await store.count(appDeviceStatuses, in: inApp, query()) == 0)
            #expect(try await counts() == [:])
        }
    }

    /// `$expand`'s reads: the members of several containers, each container's own offset and limit, and
    /// their counts by container in one statement, filtered; another tenant's and another app's
    /// statuses under the same container ids never among them.
    @Test(arguments: TestBackend.available)
    func membersAndCountsOfSeveralContainers(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            for (tenant, app) in [("t", "app"), ("t", "other"), ("u", "app")] {
                try await store.insert(apps, in: Scope(tenant: tenant, parents: []), row(apps, id: app, type: "iosLobApp"))
                for (user, states) in [("u1", ["failed", "installed", "failed"]), ("u2", ["installed"]), ("u3", [])] {
                    try await store.insert(userStatuses, in: Scope(tenant: tenant, parents: [app]), row(userStatuses, id: user, type: "userAppInstallStatus"))
                    for (i, state) in states.enumerated() {
                        try await store.insert(
                            deviceStatuses, in: Scope(tenant: tenant, parents: [app, user]),
                            row(deviceStatuses, id: "\(user)-d\(i)", type: "mobileAppInstallStatus", ["installState": .text(state)]))
                    }
                }
            }
            // A status of another tenant and another app, under the same container ids, that must not count.
            try await store.insert(
                deviceStatuses, in: Scope(tenant: "u", parents: ["app", "u2"]),
                row(deviceStatuses, id: "u2-failed", type: "mobileAppInstallStatus", ["installState": .text("failed")]))
            try await store.insert(
                deviceStatuses, in: Scope(tenant: "t", parents: ["other", "u2"]),
                row(deviceStatuses, id: "u2-failed", type: "mobileAppInstallStatus", ["installState": .text("failed")]))
            let users = ["u1", "u2", "u3", "none"]
            var all = query()
            #expect(try await store.count(deviceStatuses, tenant: "t", parents: ["app"], containers: users, all) == ["u1": 3, "u2": 1])
            let everyMember = try await store.list(deviceStatuses, tenant: "t", parents: ["app"], containers: users, all)
            #expect(everyMember.mapValues { $0.map(\.id) } == ["u1": ["u1-d0", "u1-d1", "u1-d2"], "u2": ["u2-d0"]])
            all.offset = 1
            all.limit = 1
            let members = try await store.list(deviceStatuses, tenant: "t", parents: ["app"], containers: users, all)
            #expect(members.mapValues { $0.map(\.id) } == ["u1": ["u1-d1"]])

            let type = try #require(model.entityTypes["mobileAppInstallStatus"])
            var failed = query()
            failed.filter = try ExpressionBinder(model: model, type: type).bindFilter(ExpressionParser.parseFilter("installState eq 'failed'"))
            #expect(try await store.count(deviceStatuses, tenant: "t", parents: ["app"], containers: users, failed) == ["u1": 2])
            #expect(try await store.count(deviceStatuses, tenant: "u", parents: ["app"], containers: users, failed) == ["u1": 2, "u2": 1])
            let failedMembers = try await store.list(deviceStatuses, tenant: "t", parents: ["app"], containers: users, failed)
            #expect(failedMembers.mapValues { $0.map(\.id) } == ["u1": ["u1-d0", "u1-d2"]])
            #expect(try await store.count(deviceStatuses, tenant: "t", parents: ["app"], containers: [], failed).isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func tenantsNeverSeeEachOther(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let a = Scope(tenant: "A", parents: [])
            let b = Scope(tenant: "B", parents: [])
            try await store.insert(apps, in: a, row(apps, id: "app", type: "iosLobApp"))
            try await store.insert(userStatuses, in: Scope(tenant: "A", parents: ["app"]), row(userStatuses, id: "u", type: "userAppInstallStatus"))
            #expect(try await store.get(apps, in: b, id: "app", types: nil) == nil)
            #expect(try await store.list(apps, in: b, query()).isEmpty)
            #expect(try await store.count(apps, in: b, query()) == 0)
            #expect(try await store.update(apps, in: b, id: "app", types: nil, set: []) == nil)
            #expect(try await !store.delete(apps, in: b, id: "app", types: nil))
            #expect(try await !store.containerExists(userStatuses, in: Scope(tenant: "B", parents: ["app"])))
            await #expect(throws: StorageError.self) {
                try await store.insert(self.userStatuses, in: Scope(tenant: "B", parents: ["app"]), self.row(self.userStatuses, id: "v", type: "userAppInstallStatus"))
            }
            // The same id in both tenants is two entities.
            try await store.insert(apps, in: b, row(apps, id: "app", type: "webApp"))
            #expect(try await store.get(apps, in: a, id: "app", types: nil)?.type == "iosLobApp")
            #expect(try await store.get(apps, in: b, id: "app", types: nil)?.type == "webApp")
            #expect(try await store.counts(tenant: "B", parentKeys: ["app"], sources: [userStatuses.name]).isEmpty)
        }
    }

    /// Concurrent writes may share a commit (group commit on SQLite) or a statement (inserts on
    /// PostgreSQL): each still gets its own outcome — a duplicate key or a missing parent fails alone, an
    /// insert of several entities stores all or none of them — and the summary counts match what was stored.
    @Test(arguments: TestBackend.available)
    func concurrentWritesKeepTheirOwnOutcomes(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let tenant = Scope(tenant: "t", parents: [])
            try await store.insert(apps, in: tenant, row(apps, id: "app", type: "iosLobApp"))
            let statuses = Scope(tenant: "t", parents: ["app"])
            try await store.insert(
                appDeviceStatuses, in: statuses, row(appDeviceStatuses, id: "taken", type: "mobileAppInstallStatus", ["installState": .text("installed")]))
            enum Kind: Sendable { case fresh, duplicate, orphan, pair, pairWithDuplicate }
            let kinds: [Kind] = (0..<300).map { i in
                switch i % 10 {
                case 3: .duplicate
                case 7: .orphan
                case 5: .pair
                case 9: .pairWithDuplicate
                default: .fresh
                }
            }
            let outcomes = try await withThrowingTaskGroup(of: (Int, StorageError.Code?).self) { group in
                for (i, kind) in kinds.enumerated() {
                    group.addTask {
                        let ids: [String] = switch kind {
                        case .fresh, .orphan: ["s\(i)"]
                        case .duplicate: ["taken"]
                        case .pair: ["s\(i)", "s\(i)b"]
                        case .pairWithDuplicate: ["s\(i)", "taken"]
                        }
                        let scope = kind == .orphan ? Scope(tenant: "t", parents: ["no-such-app"]) : statuses
                        let values: [String: SQLValue] = ["installState": .text(i % 2 == 0 ? "installed" : "failed")]
                        do {
                            try await store.insert(
                                self.appDeviceStatuses, in: scope, ids.map { self.row(self.appDeviceStatuses, id: $0, type: "mobileAppInstallStatus", values) })
                            return (i, nil)
                        } catch let e as StorageError {
                            return (i, e.code)
                        }
                    }
                }
                var all: [Int: StorageError.Code?] = [:]
                for try await (i, kind) in group { all[i] = kind }
                return all
            }
            for (i, kind) in kinds.enumerated() {
                switch kind {
                case .fresh, .pair: #expect(outcomes[i]! == nil, "write \(i)")
                case .duplicate, .pairWithDuplicate: #expect(outcomes[i]! == .conflict, "write \(i)")
                case .orphan: #expect(outcomes[i]! == .parentNotFound, "write \(i)")
                }
            }
            let stored = try await store.list(appDeviceStatuses, in: statuses, query(limit: 1000))
            let expectedIDs = kinds.indices.flatMap { i -> [String] in
                switch kinds[i] {
                case .fresh: ["s\(i)"]
                case .pair: ["s\(i)", "s\(i)b"]
                case .duplicate, .orphan, .pairWithDuplicate: []
                }
            }
            #expect(Set(stored.map(\.id)) == Set(expectedIDs + ["taken"]))
            let counts = try await store.counts(tenant: "t", parentKeys: ["app"], sources: [appDeviceStatuses.name])
            #expect(counts.reduce(0) { $0 + $1.count } == Int64(stored.count))
        }
    }

    /// Concurrent creates into several containers of several tenants (which a backend may combine into
    /// one statement): each container's counts are those of its own entities.
    @Test(arguments: TestBackend.available)
    func concurrentCreatesIntoManyContainersAreCountedEachInItsOwn(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let containers = [("t1", "a"), ("t1", "b"), ("t2", "a"), ("t2", "c")]
            for (tenant, app) in containers {
                try await store.insert(apps, in: Scope(tenant: tenant, parents: []), row(apps, id: app, type: "iosLobApp"))
            }
            let states = ["installed", "failed", "notInstalled", "pendingInstall", "notApplicable", "unknown"]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<240 {
                    group.addTask {
                        let (tenant, app) = containers[i % containers.count]
                        // Some creates hold two entities, in two states.
                        let rows = (0..<(i % 5 == 0 ? 2 : 1)).map { k in
                            self.row(self.appDeviceStatuses, id: "s\(i)-\(k)", type: "mobileAppInstallStatus", ["installState": .text(states[(i / 4 + k) % states.count])])
                        }
                        try await store.insert(self.appDeviceStatuses, in: Scope(tenant: tenant, parents: [app]), rows)
                    }
                }
                try await group.waitForAll()
            }
            let buckets = [
                "installed": "installedDeviceCount", "failed": "failedDeviceCount", "notInstalled": "notInstalledDeviceCount",
                "pendingInstall": "pendingInstallDeviceCount", "notApplicable": "notApplicableDeviceCount",
            ]
            let state = appDeviceStatuses.columnIndex("installState")!
            for (tenant, app) in containers {
                let stored = try await store.list(appDeviceStatuses, in: Scope(tenant: tenant, parents: [app]), query(limit: 1000))
                #expect(stored.count == 72, "\(tenant)/\(app)")
                var expected: [String: Int64] = [:]
                for entity in stored {
                    guard case .text(let s) = entity.values[state], let bucket = buckets[s] else { continue }
                    expected[bucket, default: 0] += 1
                }
                #expect(try await deviceCounts(store, tenant: tenant, app: app) == expected, "\(tenant)/\(app)")
            }
        }
    }

    /// Entities inserted together are stored together or not at all, and counted like any others.
    @Test(arguments: TestBackend.available)
    func entitiesInsertedTogetherAreStoredTogetherOrNotAtAll(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            try await store.insert(apps, in: Scope(tenant: "t", parents: []), row(apps, id: "app", type: "iosLobApp"))
            let statuses = Scope(tenant: "t", parents: ["app"])
            try await store.insert(appDeviceStatuses, in: statuses, (0..<20).map { deviceStatus("s\($0)", $0 % 4 == 0 ? "failed" : "installed") })
            #expect(try await store.count(appDeviceStatuses, in: statuses, query()) == 20)
            #expect(try await store.get(appDeviceStatuses, in: statuses, id: "s7", types: nil)?.values[appDeviceStatuses.columnIndex("deviceName")!] == .text("D-s7"))
            // A taken id among them, or a missing container: none is stored.
            for (scope, ids, code) in [
                (statuses, ["n1", "s3", "n2"], StorageError.Code.conflict),
                (statuses, ["n1", "n1"], .conflict),
                (Scope(tenant: "t", parents: ["none"]), ["n1", "n2"], .parentNotFound),
            ] {
                var failed: StorageError.Code?
                do { try await store.insert(appDeviceStatuses, in: scope, ids.map { deviceStatus($0, "failed") }) } catch let e as StorageError { failed = e.code }
                #expect(failed == code, "\(ids)")
            }
            #expect(try await store.count(appDeviceStatuses, in: statuses, query()) == 20)
            try await store.insert(appDeviceStatuses, in: statuses, [])
            #expect(try await deviceCounts(store) == ["failedDeviceCount": 5, "installedDeviceCount": 15])
        }
    }

    /// SQLite counts its commits and the writes they held: writes that come together share commits.
    @Test func sqliteCountsItsCommitsAndTheirWrites() async throws {
        try await withStore(.sqlite) { store in
            func figure(_ name: String) -> Int { store.statistics().first { $0.name == name }.map { Int($0.value) } ?? -1 }
            try await store.insert(apps, in: Scope(tenant: "t", parents: []), row(apps, id: "app", type: "iosLobApp"))
            let (commits, writes) = (figure("statusgraph_sqlite_commits_total"), figure("statusgraph_sqlite_committed_writes_total"))
            #expect(commits >= 1 && writes >= commits)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    group.addTask { try await store.insert(self.appDeviceStatuses, in: Scope(tenant: "t", parents: ["app"]), self.deviceStatus("d\(i)", "failed")) }
                }
                try await group.waitForAll()
            }
            #expect(figure("statusgraph_sqlite_committed_writes_total") == writes + 40)
            #expect((commits + 1...commits + 40).contains(figure("statusgraph_sqlite_commits_total")))
            #expect(figure("statusgraph_sqlite_waiting_writes") == 0)
        }
    }

    /// `insertNew` adds the rows whose key is free in one statement, leaves the taken ones as they are
    /// stored (and counted once), and fails whole on a missing container.
    @Test(arguments: TestBackend.available)
    func newRowsAreAddedAndTakenKeysKept(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            try await store.insert(apps, in: Scope(tenant: "t", parents: []), row(apps, id: "app", type: "iosLobApp"))
            let statuses = Scope(tenant: "t", parents: ["app"])
            #expect(try await store.insertNew(appDeviceStatuses, in: statuses, [deviceStatus("a", "installed"), deviceStatus("b", "installed")]) == 2)
            #expect(try await store.insertNew(appDeviceStatuses, in: statuses, [deviceStatus("a", "failed"), deviceStatus("c", "failed"), deviceStatus("b", "failed")]) == 1)
            #expect(try await store.insertNew(appDeviceStatuses, in: statuses, [deviceStatus("c", "failed")]) == 0)
            #expect(try await store.insertNew(appDeviceStatuses, in: statuses, []) == 0)
            var failed: StorageError.Code?
            do { _ = try await store.insertNew(appDeviceStatuses, in: Scope(tenant: "t", parents: ["none"]), [deviceStatus("d", "failed")]) } catch let e as StorageError { failed = e.code }
            #expect(failed == .parentNotFound)
            let stored = try await store.list(appDeviceStatuses, in: statuses, query())
            let state = appDeviceStatuses.columnIndex("installState")!
            #expect(stored.map { "\($0.id)=\($0.values[state])" } == ["a=\(SQLValue.text("installed"))", "b=\(SQLValue.text("installed"))", "c=\(SQLValue.text("failed"))"])
            #expect(try await deviceCounts(store) == ["failedDeviceCount": 1, "installedDeviceCount": 2])
        }
    }

    /// Writes into one container that move several of its counts at once, concurrently: inserts of many
    /// entities in mixed states and updates that move entities between states in both directions. On a
    /// backend with row locks, each such write locks several count rows; taken in the order the rows come,
    /// two writes could wait for each other (PostgreSQL reported a deadlock). Every write succeeds, and the
    /// counts are those of the entities stored.
    @Test(arguments: TestBackend.available)
    func concurrentWritesThatMoveSeveralCountsAllSucceed(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            try await store.insert(apps, in: Scope(tenant: "t", parents: []), row(apps, id: "app", type: "iosLobApp"))
            let statuses = Scope(tenant: "t", parents: ["app"])
            let states = ["installed", "failed", "notInstalled", "pendingInstall", "notApplicable", "uninstallFailed"]
            let buckets = [
                "installed": "installedDeviceCount", "failed": "failedDeviceCount", "uninstallFailed": "failedDeviceCount",
                "notInstalled": "notInstalledDeviceCount", "pendingInstall": "pendingInstallDeviceCount",
                "notApplicable": "notApplicableDeviceCount",
            ]
            let state = appDeviceStatuses.columnIndex("installState")!
            // Entities the updates move back and forth: "up" ones forwards through `states`, "down" ones backwards.
            try await store.insert(appDeviceStatuses, in: statuses, (0..<12).map { deviceStatus("m\($0)", states[$0 % states.count]) })
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        for round in 0..<6 {
                            // Each insert holds every state, in an order of its own.
                            let rows = (0..<18).map { i in deviceStatus("w\(writer)-\(round)-\(i)", states[(i * (writer + 1) + round) % states.count]) }
                            try await store.insert(self.appDeviceStatuses, in: statuses, rows)
                        }
                    }
                }
                for mover in 0..<4 {
                    group.addTask {
                        for step in 1...12 {
                            let id = "m\((mover * 3 + step) % 12)"
                            let next = states[(mover % 2 == 0 ? step : states.count * 12 - step) % states.count]
                            _ = try await store.update(self.appDeviceStatuses, in: statuses, id: id, types: nil, set: [(state, .text(next))])
                        }
                    }
                }
                try await group.waitForAll()
            }
            let stored = try await store.list(appDeviceStatuses, in: statuses, query(limit: 2000))
            #expect(stored.count == 12 + 8 * 6 * 18)
            var expected: [String: Int64] = [:]
            for entity in stored {
                guard case .text(let s) = entity.values[state], let bucket = buckets[s] else { continue }
                expected[bucket, default: 0] += 1
            }
            // One count per bucket, however many shards the writes were spread over.
            let counts = try await store.counts(tenant: "t", parentKeys: ["app"], sources: [appDeviceStatuses.name])
            #expect(Set(counts.map(\.bucket)).count == counts.count)
            #expect(try await deviceCounts(store) == expected)
            // And the summary's own read agrees.
            let read = store.countsRead(apps, types: nil, columns: [], sources: [appDeviceStatuses.name])
            let app = try #require(try await store.getWithCounts(read, in: Scope(tenant: "t", parents: []), id: "app"))
            #expect(Set(app.counts.map(\.bucket)).count == app.counts.count)
            #expect(Dictionary(app.counts.map { ($0.bucket, $0.count) }, uniquingKeysWith: +).filter { $0.value != 0 } == expected)
        }
    }

    /// Deleting an entity deletes what it contains at every depth (an app's statuses, its users' devices)
    /// and their counts; nothing of another entity or tenant goes, and nothing at all when the entity is
    /// not there or not of a type the call may delete.
    @Test(arguments: TestBackend.available)
    func deletingAContainerDeletesWhatItContains(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let root = Scope(tenant: "t", parents: [])
            for app in ["big", "small"] { try await store.insert(apps, in: root, row(apps, id: app, type: "iosLobApp")) }
            try await store.insert(apps, in: Scope(tenant: "other", parents: []), row(apps, id: "big", type: "iosLobApp"))
            for (tenant, app) in [("t", "big"), ("t", "small"), ("other", "big")] {
                let inApp = Scope(tenant: tenant, parents: [app])
                for i in 0..<7 { try await store.insert(appDeviceStatuses, in: inApp, deviceStatus("d\(i)", i % 2 == 0 ? "installed" : "failed")) }
                for u in 0..<4 {
                    try await store.insert(userStatuses, in: inApp, row(userStatuses, id: "u\(u)", type: "userAppInstallStatus"))
                    for i in 0..<2 {
                        try await store.insert(
                            deviceStatuses, in: Scope(tenant: tenant, parents: [app, "u\(u)"]),
                            row(deviceStatuses, id: "x\(i)", type: "mobileAppInstallStatus"))
                    }
                }
            }
            func left(_ tenant: String, _ app: String) async throws -> [Int] {
                let inApp = Scope(tenant: tenant, parents: [app])
                var rows = [try await store.count(appDeviceStatuses, in: inApp, query()), try await store.count(userStatuses, in: inApp, query())]
                for u in 0..<4 { rows.append(try await store.count(deviceStatuses, in: Scope(tenant: tenant, parents: [app, "u\(u)"]), query())) }
                return rows
            }
            let full = [7, 4, 2, 2, 2, 2]
            // Not there, or of another type: nothing is deleted.
            #expect(try await !store.delete(apps, in: root, id: "none", types: nil))
            #expect(try await !store.delete(apps, in: root, id: "big", types: ["webApp"]))
            #expect(try await left("t", "big") == full)

            #expect(try await store.delete(apps, in: root, id: "big", types: ["iosLobApp"]))
            #expect(try await store.get(apps, in: root, id: "big", types: nil) == nil)
            #expect(try await left("t", "big") == [0, 0, 0, 0, 0, 0])
            #expect(try await left("t", "small") == full)
            #expect(try await left("other", "big") == full)
            let counts = try await store.counts(tenant: "t", parentKeys: ["big", "small"], sources: [appDeviceStatuses.name])
            var kept: [String: Int64] = [:]
            for c in counts where c.count != 0 { kept[c.parent + " " + c.bucket, default: 0] += c.count }
            #expect(kept == ["small installedDeviceCount": 4, "small failedDeviceCount": 3])
            // A status that contains others (a user's devices) goes the same way.
            let user = Scope(tenant: "t", parents: ["small"])
            #expect(try await store.delete(userStatuses, in: user, id: "u0", types: nil))
            #expect(try await left("t", "small") == [7, 3, 0, 2, 2, 2])
        }
    }

    /// A delete statement of many rows (a purge's step here; a reset's and a cascade's are the same
    /// kind) moves its container's counts by the rows it removed, once: after every step, the counts are
    /// those of a store that was only ever given the rows left. PostgreSQL moves them once per
    /// statement, SQLite once per row.
    @Test(arguments: TestBackend.available)
    func aDeleteOfManyRowsLeavesTheCountsOfTheRowsLeft(_ backend: TestBackend) async throws {
        let states = ["installed", "failed", "notInstalled", "pendingInstall", "notApplicable", "uninstallFailed", "unknown"]
        let tenant = Scope(tenant: "t", parents: [])
        func fill(_ store: any EntityStore) async throws {
            for app in ["a", "b"] {
                try await store.insert(apps, in: tenant, row(apps, id: app, type: "iosLobApp"))
                let inApp = Scope(tenant: "t", parents: [app])
                try await store.insert(appDeviceStatuses, in: inApp, (0..<20).map { deviceStatus("d\($0)", states[$0 % states.count]) })
                for u in 0..<6 {
                    let values: [String: SQLValue] = [
                        "installedDeviceCount": .integer(Int64(u % 2)), "failedDeviceCount": .integer(Int64(u % 3)),
                        "notInstalledDeviceCount": .integer(Int64(u / 4)),
                    ]
                    try await store.insert(userStatuses, in: inApp, row(userStatuses, id: "u\(u)", type: "userAppInstallStatus", values))
                    try await store.insert(
                        deviceStatuses, in: Scope(tenant: "t", parents: [app, "u\(u)"]),
                        [row(deviceStatuses, id: "x", type: "mobileAppInstallStatus", ["installState": .text("failed")])])
                }
            }
        }
        /// Every count of both apps that is not zero, by app, source and bucket, the shards added up.
        func counts(_ store: any EntityStore) async throws -> [String: Int64] {
            var kept: [String: Int64] = [:]
            for c in try await store.counts(tenant: "t", parentKeys: ["a", "b"], sources: [appDeviceStatuses.name, userStatuses.name]) {
                kept["\(c.parent) \(c.source) \(c.bucket)", default: 0] += c.count
            }
            return kept.filter { $0.value != 0 }
        }
        /// `to` given only the rows `from` holds now.
        func copy(from: any EntityStore, to: any EntityStore) async throws {
            _ = try await to.deleteTenant("t")
            for app in try await from.list(apps, in: tenant, query()) {
                try await to.insert(apps, in: tenant, [app])
                let inApp = Scope(tenant: "t", parents: [app.id])
                let devices = try await from.list(appDeviceStatuses, in: inApp, query())
                if !devices.isEmpty { try await to.insert(appDeviceStatuses, in: inApp, devices) }
                for user in try await from.list(userStatuses, in: inApp, query()) {
                    try await to.insert(userStatuses, in: inApp, [user])
                    let inUser = Scope(tenant: "t", parents: [app.id, user.id])
                    let nested = try await from.list(deviceStatuses, in: inUser, query())
                    if !nested.isEmpty { try await to.insert(deviceStatuses, in: inUser, nested) }
                }
            }
        }
        try await withStore(backend) { oracle in
            try await withStore(backend) { store in
                let purged = try #require(store as? any PurgeableStore)
                try await fill(store)
                let full = try await counts(store)
                #expect(full["a \(appDeviceStatuses.name) failedDeviceCount"] == 6)
                #expect(full["a \(userStatuses.name) failedUserCount"] == 4)
                #expect(try await purged.markDeleted(apps, in: tenant, id: "a", types: nil))
                let a = EntityKey(tenant: "t", table: apps.name, parents: [], id: "a")
                var steps = 0
                while try await purged.purgeContents(a, rows: 7) > 0 {
                    steps += 1
                    try await copy(from: store, to: oracle)
                    #expect(try await counts(store) == counts(oracle), "after step \(steps)")
                }
                #expect(steps == 5)  // 6 nested, 20 device statuses and 6 user statuses: 32 rows, 7 at a time
                let left = try await counts(store)
                #expect(left.keys.allSatisfy { $0.hasPrefix("b ") })
                #expect(left == full.filter { $0.key.hasPrefix("b ") })
            }
        }
    }

    /// A write whose rollback journal outgrows memory (deleting an app deletes its statuses, and every
    /// page they fill is journaled; on SQLite past `SQLiteSettings.statementJournalSpill`, when the
    /// journal moves to a file) shares its commit with small writes, one of which fails: each keeps
    /// its own outcome, and the counts follow.
    @Test(arguments: TestBackend.available)
    func aWriteLargerThanItsJournalsMemorySharesACommit(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let tenant = Scope(tenant: "t", parents: [])
            for app in ["big", "small"] { try await store.insert(apps, in: tenant, row(apps, id: app, type: "iosLobApp")) }
            let big = Scope(tenant: "t", parents: ["big"])
            let name = String(repeating: "n", count: 400)
            for i in 0..<1_500 {  // ~1.5 MB of rows and index entries
                try await store.insert(
                    appDeviceStatuses, in: big,
                    row(appDeviceStatuses, id: "s\(i)", type: "mobileAppInstallStatus",
                        ["installState": .text("installed"), "deviceName": .text(name + "\(i)"), "userPrincipalName": .text(name)]))
            }
            let small = Scope(tenant: "t", parents: ["small"])
            async let deleted = store.delete(apps, in: tenant, id: "big", types: nil)
            async let fresh: Void = store.insert(
                appDeviceStatuses, in: small, row(appDeviceStatuses, id: "kept", type: "mobileAppInstallStatus", ["installState": .text("failed")]))
            async let orphan: Void = store.insert(
                appDeviceStatuses, in: Scope(tenant: "t", parents: ["none"]), row(appDeviceStatuses, id: "lost", type: "mobileAppInstallStatus"))
            let wasDeleted = try await deleted
            try await fresh
            var orphaned: StorageError.Code?
            do { try await orphan } catch let e as StorageError { orphaned = e.code }
            #expect(wasDeleted)
            #expect(orphaned == .parentNotFound)
            #expect(try await store.count(appDeviceStatuses, in: big, query()) == 0)
            #expect(try await store.get(appDeviceStatuses, in: small, id: "kept", types: nil) != nil)
            let counts = try await store.counts(tenant: "t", parentKeys: ["big", "small"], sources: [appDeviceStatuses.name])
            var kept: [String: Int64] = [:]
            for c in counts where c.count != 0 { kept[c.parent + " " + c.bucket, default: 0] += c.count }
            #expect(kept == ["small failedDeviceCount": 1])
        }
    }

    /// SQLite's process-wide settings are made before the first connection opens, or not at all.
    @Test func sqliteSettingsTakeEffect() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try SQLiteDatabase.open(dataDirectory: directory)
        try await database.close()
        #expect(SQLiteSettings.applied)
    }

    @Test(arguments: TestBackend.available)
    func singletonIsCreatedOnce(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let table = layout.table(path: [])!
            let first = try await store.singleton(table, tenant: "t", initial: row(table, id: "one", type: "deviceAppManagement"))
            let second = try await store.singleton(table, tenant: "t", initial: row(table, id: "two", type: "deviceAppManagement"))
            #expect(first.id == "one" && second.id == "one")
            let other = try await store.singleton(table, tenant: "u", initial: row(table, id: "three", type: "deviceAppManagement"))
            #expect(other.id == "three")
        }
    }

    @Test(arguments: TestBackend.available)
    func dataSurvivesReopening(_ backend: TestBackend) async throws {
        let key = UUID().uuidString
        let first = try await backend.open(key: key)
        try await first.store.prepare()
        try await first.store.insert(apps, in: Scope(tenant: "t", parents: []), row(apps, id: "kept", type: "webApp"))
        try await first.close()
        let second = try await backend.open(key: key)
        try await second.store.prepare()  // preparing an existing schema changes nothing
        #expect(try await second.store.get(apps, in: Scope(tenant: "t", parents: []), id: "kept", types: nil)?.type == "webApp")
        try await second.close()
        await backend.drop(key: key)
    }

    @Test(arguments: TestBackend.available)
    func rowsReadInPlaceAreTheRowsReadAsValues(_ backend: TestBackend) async throws {
        try await withStore(backend) { store in
            let a = Scope(tenant: "t1", parents: [])
            try await store.insert(
                apps, in: a,
                row(apps, id: "b", type: "webApp", ["displayName": .text(#"Wé "quoted" \ 🎉"#), "size": .integer(Int64.max),
                    "createdDateTime": .integer(-5), "largeIcon": .text(#"{"type":"x"}"#), "description": .text("")]))
            try await store.insert(apps, in: a, row(apps, id: "a", type: "iosLobApp", ["isFeatured": .boolean(true)]))
            try await store.insert(apps, in: a, row(apps, id: "c", type: "iosLobApp"))
            for q in [query(), query(after: "a", limit: 1), query(types: ["iosLobApp"])] {
                let asValues = try await store.list(apps, in: a, q)
                var inPlace: [StoredEntity] = []
                var ids: [String] = []
                try await store.list(apps, in: a, q, restart: { inPlace.removeAll(); ids.removeAll() }) { row in
                    inPlace.append(row.entity)
                    ids.append(String(decoding: row.id, as: UTF8.self))
                }
                #expect(inPlace == asValues)
                #expect(ids == asValues.map(\.id))
                #expect(asValues.allSatisfy { $0.sortKeys == [.text($0.id)] })
            }
            var displayName: [UInt8] = []
            try await store.list(apps, in: a, query(after: "a", limit: 1), restart: { displayName.removeAll() }) { row in
                if case .text(let utf8) = row.column(apps.columnIndex("displayName")!) { displayName = Array(utf8) }
            }
            #expect(displayName == Array(#"Wé "quoted" \ 🎉"#.utf8))
        }
    }
}
