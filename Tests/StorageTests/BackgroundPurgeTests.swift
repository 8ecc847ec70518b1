import Foundation
import GraphModel
import ODataModel
import Storage
import StatusGraphTestSupport
import Testing

/// Big deletes that answer at once and purge in steps (`BackgroundPurgeStore`), over every backend's store.
@Suite struct BackgroundPurgeTests: AppTables {
    let layout = try! StorageLayout(service: GraphModel.service)
    let model = GraphModel.service.versions["beta"]!
    let root = Scope(tenant: "t", parents: [])
    var all: ListQuery { ListQuery(model: model, types: nil, limit: 100) }

    func row(_ table: StorageTable, id: String, type: String, _ values: [String: SQLValue] = [:]) -> StoredEntity {
        var row = [SQLValue](repeating: .null, count: table.columns.count)
        for (name, value) in values { row[table.columnIndex(name)!] = value }
        return StoredEntity(id: id, type: type, values: row)
    }

    /// Apps "big" and "small" of tenant "t" and "big" of tenant "other", each with 7 device statuses and 4
    /// user statuses of 2 device statuses each: 19 rows inside each app.
    func fill(_ store: any EntityStore) async throws {
        for app in ["big", "small"] { try await store.insert(apps, in: root, row(apps, id: app, type: "iosLobApp")) }
        try await store.insert(apps, in: Scope(tenant: "other", parents: []), row(apps, id: "big", type: "iosLobApp"))
        for (tenant, app) in [("t", "big"), ("t", "small"), ("other", "big")] {
            let inApp = Scope(tenant: tenant, parents: [app])
            for i in 0..<7 {
                try await store.insert(
                    appDeviceStatuses, in: inApp,
                    row(appDeviceStatuses, id: "d\(i)", type: "mobileAppInstallStatus", ["installState": .text(i % 2 == 0 ? "installed" : "failed")]))
            }
            for u in 0..<4 {
                try await store.insert(userStatuses, in: inApp, row(userStatuses, id: "u\(u)", type: "userAppInstallStatus"))
                for i in 0..<2 {
                    try await store.insert(
                        deviceStatuses, in: Scope(tenant: tenant, parents: [app, "u\(u)"]), row(deviceStatuses, id: "x\(i)", type: "mobileAppInstallStatus"))
                }
            }
        }
    }

    /// How many rows app `app` holds, as `store` reads them: its device statuses, user statuses, and
    /// each user's device statuses.
    func held(_ store: any EntityStore, _ tenant: String, _ app: String) async throws -> [Int] {
        let inApp = Scope(tenant: tenant, parents: [app])
        var rows = [try await store.count(appDeviceStatuses, in: inApp, all), try await store.count(userStatuses, in: inApp, all)]
        for u in 0..<4 { rows.append(try await store.count(deviceStatuses, in: Scope(tenant: tenant, parents: [app, "u\(u)"]), all)) }
        return rows
    }

    /// `body` on a backend's store, filled (`fill`), and on a `BackgroundPurgeStore` before it that
    /// purges in the background what holds more than 3 rows, 4 rows a step.
    func withPurging<T>(_ backend: TestBackend, _ body: (any PurgeableStore, BackgroundPurgeStore) async throws -> T) async throws -> T {
        try await backend.withStore { store in
            let inner = try #require(store as? any PurgeableStore)
            try await fill(inner)
            let purging = BackgroundPurgeStore(inner, threshold: 3, step: 4)
            try await purging.prepare()
            return try await body(inner, purging)
        }
    }

    @Test(arguments: TestBackend.available)
    func aBigDeleteIsGoneAtOnceAndPurgedInSteps(_ backend: TestBackend) async throws {
        try await withPurging(backend) { inner, store in
            let full = [7, 4, 2, 2, 2, 2], none = [0, 0, 0, 0, 0, 0]
            let big = EntityKey(tenant: "t", table: apps.name, parents: [], id: "big")
            // Of another type: nothing is deleted, nor marked.
            #expect(try await !store.delete(apps, in: root, id: "big", types: ["webApp"]))
            #expect(store.pendingPurges.isEmpty)

            #expect(try await store.delete(apps, in: root, id: "big", types: ["iosLobApp"]))
            #expect(store.pendingPurges == [big])
            #expect(try await inner.purgeMarks() == [big])
            // Still stored, but gone for every read and write through the store.
            #expect(try await held(inner, "t", "big") == full)
            #expect(try await held(store, "t", "big") == none)
            #expect(try await store.get(apps, in: root, id: "big", types: nil) == nil)
            #expect(try await !store.get(apps, in: root, id: "big", types: nil) { _ in })
            #expect(try await store.list(apps, in: root, all).map(\.id) == ["small"])
            #expect(try await store.count(apps, in: root, all) == 1)
            let inBig = Scope(tenant: "t", parents: ["big"])
            #expect(try await !store.containerExists(appDeviceStatuses, in: inBig))
            #expect(try await !store.containerExists(deviceStatuses, in: Scope(tenant: "t", parents: ["big", "u0"])))
            #expect(try await store.list(appDeviceStatuses, in: inBig, all).isEmpty)
            #expect(try await store.get(appDeviceStatuses, in: inBig, id: "d0", types: nil) == nil)
            #expect(try await store.get(userStatuses, in: inBig, id: "u0", types: nil) == nil)
            #expect(try await store.update(appDeviceStatuses, in: inBig, id: "d0", types: nil, set: []) == nil)
            #expect(try await !store.delete(appDeviceStatuses, in: inBig, id: "d0", types: nil))
            #expect(try await !store.delete(apps, in: root, id: "big", types: nil))
            let refused = await #expect(throws: StorageError.self) {
                try await store.insert(appDeviceStatuses, in: inBig, row(appDeviceStatuses, id: "new", type: "mobileAppInstallStatus"))
            }
            #expect(refused?.code == .parentNotFound)
            // Many containers at once (`$expand`): the marked one has nothing.
            let listed = try await store.list(appDeviceStatuses, tenant: "t", parents: [], containers: ["big", "small"], all)
            #expect(listed.keys.sorted() == ["small"] && listed["small"]?.count == 7)
            let counted = try await store.count(appDeviceStatuses, tenant: "t", parents: [], containers: ["big", "small"], all)
            #expect(counted == ["small": 7])
            let counts = try await store.counts(tenant: "t", parentKeys: ["big", "small"], sources: [appDeviceStatuses.name])
            #expect(Set(counts.map(\.parent)) == ["small"])
            // Another tenant's app of the same id is not touched.
            #expect(try await held(store, "other", "big") == full)
            #expect(try await store.get(apps, in: Scope(tenant: "other", parents: []), id: "big", types: nil) != nil)

            // Steps of 4 rows (19 in all), the most deeply contained first; the app and its mark go with the last.
            var steps = 0
            while try await store.purgeStep() {
                steps += 1
                if steps == 1 { #expect(try await held(inner, "t", "big") == [7, 4, 0, 0, 2, 2]) }
            }
            #expect(steps == 5)
            #expect(try await held(inner, "t", "big") == none)
            #expect(try await inner.get(apps, in: root, id: "big", types: nil) == nil)
            #expect(try await inner.purgeMarks().isEmpty)
            #expect(store.pendingPurges.isEmpty)
            #expect(try await held(store, "t", "small") == full)
            #expect(try await held(store, "other", "big") == full)
            let left = try await inner.counts(tenant: "t", parentKeys: ["big", "small"], sources: [appDeviceStatuses.name])
            #expect(Set(left.filter { $0.count != 0 }.map(\.parent)) == ["small"])

            // An entity holding no more than the threshold goes at once, as one statement; so does one
            // inside another whatever it holds (its container's summary counts it until it is deleted).
            #expect(try await store.delete(userStatuses, in: Scope(tenant: "t", parents: ["small"]), id: "u0", types: nil))
            #expect(store.pendingPurges.isEmpty)
            #expect(try await held(inner, "t", "small") == [7, 3, 0, 2, 2, 2])
            let eager = BackgroundPurgeStore(inner, threshold: 1, step: 1)
            #expect(try await eager.delete(userStatuses, in: Scope(tenant: "t", parents: ["small"]), id: "u1", types: nil))
            #expect(eager.pendingPurges.isEmpty)
            #expect(try await held(inner, "t", "small") == [7, 2, 0, 0, 2, 2])
        }
    }

    /// The marks are kept in the store: a purge cut short goes on after a restart, hidden meanwhile.
    @Test(arguments: TestBackend.available)
    func aPurgeCutShortGoesOnAtTheNextStart(_ backend: TestBackend) async throws {
        try await withPurging(backend) { inner, first in
            #expect(try await first.delete(apps, in: root, id: "big", types: nil))
            #expect(try await first.purgeStep())

            let second = BackgroundPurgeStore(inner, threshold: 3, step: 4)
            try await second.prepare()
            #expect(second.pendingPurges == [EntityKey(tenant: "t", table: apps.name, parents: [], id: "big")])
            #expect(try await second.get(apps, in: root, id: "big", types: nil) == nil)
            #expect(try await held(second, "t", "big") == [0, 0, 0, 0, 0, 0])
            try await second.purgeAll()
            #expect(try await inner.get(apps, in: root, id: "big", types: nil) == nil)
            #expect(try await inner.purgeMarks().isEmpty)
        }
    }

    /// `runPurges` purges what is marked, and what a delete marks later, until it is cancelled.
    @Test(arguments: TestBackend.available)
    func purgesRunInTheBackground(_ backend: TestBackend) async throws {
        try await withPurging(backend) { inner, store in
            let runner = Task { await store.runPurges { error in Issue.record(error) } }
            #expect(try await store.delete(apps, in: root, id: "big", types: nil))
            #expect(try await store.delete(apps, in: Scope(tenant: "other", parents: []), id: "big", types: nil))
            let deadline = ContinuousClock.now + .seconds(30)
            while !store.pendingPurges.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(store.pendingPurges.isEmpty)
            #expect(try await inner.list(apps, in: root, all).map(\.id) == ["small"])
            #expect(try await held(inner, "other", "big") == [0, 0, 0, 0, 0, 0])
            runner.cancel()
            await runner.value
        }
    }

    /// An export made while a purge is under way copies neither the marked entity nor what it holds,
    /// nor its counts' times, in pages as full as ever (`StoreExport` stops at a short one).
    @Test(arguments: TestBackend.available)
    func anExportLeavesOutWhatIsMarked(_ backend: TestBackend) async throws {
        try await withPurging(backend) { inner, store in
            #expect(try await store.delete(apps, in: root, id: "big", types: nil))
            #expect(try await store.purgeStep())
            let (rows, pages, times) = try await store.withSnapshot { snapshot in
                var rows: [String] = [], pages: [Int] = [], cursor: DumpedRow?
                for table in [apps, appDeviceStatuses, userStatuses, deviceStatuses] {
                    while true {
                        let page = try await snapshot.dump(table, after: cursor, limit: 2)
                        pages.append(page.count)
                        rows += page.map { "\(table.name) \($0.scope.tenant)/\(($0.scope.parents + [$0.entity.id]).joined(separator: "/"))" }
                        guard page.count == 2 else { break }
                        cursor = page.last
                    }
                    cursor = nil
                }
                var times: [String] = []
                var at: CountsUpdated?
                while true {
                    let page = try await snapshot.dumpCountsUpdated(after: at, limit: 1)
                    times += page.map { "\($0.tenant) \($0.source) \($0.parent)" }
                    guard let last = page.last else { break }
                    at = last
                }
                return (rows, pages, times)
            }
            #expect(!rows.contains { $0.contains("t/big") }, "\(rows)")
            #expect(rows.filter { $0.contains("t/small") }.count == 20)
            #expect(rows.filter { $0.contains("other/big") }.count == 20)
            #expect(pages.dropLast().allSatisfy { $0 <= 2 } && pages.filter { $0 < 2 }.count == 4, "\(pages)")
            #expect(!times.contains { $0.hasPrefix("t ") && $0.hasSuffix(" big") } && !times.contains { $0.contains("t mobileApps_userStatuses_deviceStatuses big/") })
            #expect(times.contains { $0.hasPrefix("t ") && $0.hasSuffix(" small") })
        }
    }

    /// Two deletes of one big entity at once: one marks it and answers true, the other finds it gone
    /// (never deleting it whole meanwhile).
    @Test(arguments: TestBackend.available)
    func concurrentDeletesMarkOnce(_ backend: TestBackend) async throws {
        try await withPurging(backend) { inner, store in
            let (root, apps) = (root, apps)
            let answers = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 { group.addTask { try await store.delete(apps, in: root, id: "big", types: nil) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.filter { $0 }.count == 1, "\(answers)")
            #expect(store.pendingPurges == [EntityKey(tenant: "t", table: apps.name, parents: [], id: "big")])
            #expect(try await held(inner, "t", "big") == [7, 4, 2, 2, 2, 2])
        }
    }

    /// Removing a tenant removes its marks too, in the store and in memory.
    @Test(arguments: TestBackend.available)
    func removingATenantRemovesItsMarks(_ backend: TestBackend) async throws {
        try await withPurging(backend) { inner, store throws in
            #expect(try await store.delete(apps, in: root, id: "big", types: nil))
            #expect(try await store.deleteTenant("t") == 40)
            #expect(store.pendingPurges.isEmpty)
            #expect(try await inner.purgeMarks().isEmpty)
            #expect(try await held(store, "other", "big") == [7, 4, 2, 2, 2, 2])
        }
    }
}
