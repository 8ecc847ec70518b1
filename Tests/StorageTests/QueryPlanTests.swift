import Foundation
import GraphModel
import ODataCore
import Storage
import StorageSQLite
import Testing

/// The common queries use the indexes derived from the model (SQLite's EXPLAIN QUERY PLAN).
@Suite struct QueryPlanTests {
    @Test func commonQueriesUseIndexes() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("statusgraph-plan-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let layout = try StorageLayout(service: GraphModel.service)
        let database = try SQLiteDatabase.open(dataDirectory: dir)
        let store = SQLEntityStore(layout: layout, database: database)
        try await store.prepare()
        let model = GraphModel.service.versions["beta"]!
        let table = layout.table(path: ["mobileApps", "deviceStatuses"])!
        let type = model.entityTypes["mobileAppInstallStatus"]!

        /// Records the statement a list would run, then asks SQLite how it would run it.
        func plan(filter: String?, orderBy: String?, after: Bool) async throws -> String {
            let recorder = RecordingDatabase(dialect: SQLiteDialect())
            var q = ListQuery(model: model, types: nil, limit: 50)
            if let filter {
                q.filter = try ExpressionBinder(model: model, type: type).bindFilter(try ExpressionParser.parseFilter(filter))
            }
            if let orderBy {
                let binder = ExpressionBinder(model: model, type: type, option: "$orderby")
                q.order = try ExpressionParser.parseOrderBy(orderBy).map { OrderKey(expression: try binder.bindOrderKey($0.expression), descending: $0.descending) }
            }
            if after { q.after = Array(repeating: .text("x"), count: q.order.count) + [.text("k")] }
            _ = try await SQLEntityStore(layout: layout, database: recorder).list(table, in: Scope(tenant: "t", parents: ["app"]), q)
            let statement = try #require(recorder.statements.first)
            let rows = try await database.query(SQLStatement("EXPLAIN QUERY PLAN " + statement.sql, statement.bindings))
            return rows.compactMap { row in row.last.flatMap { if case .text(let s) = $0 { return s } else { return nil } } }
                .joined(separator: " | ")
        }

        let byParent = try await plan(filter: nil, orderBy: nil, after: true)
        #expect(byParent.contains("USING INDEX sqlite_autoindex_mobileApps_deviceStatuses_1"), "\(byParent)")
        #expect(!byParent.contains("TEMP B-TREE"), "\(byParent)")

        let byState = try await plan(filter: "installState eq 'failed'", orderBy: nil, after: true)
        #expect(byState.contains("USING INDEX mobileApps_deviceStatuses_by_installState"), "\(byState)")
        #expect(!byState.contains("TEMP B-TREE"), "\(byState)")

        let ordered = try await plan(filter: nil, orderBy: "deviceName", after: true)
        #expect(ordered.contains("deviceName>?"), "a deep page seeks to its position: \(ordered)")
        #expect(ordered.contains("USING INDEX mobileApps_deviceStatuses_by_deviceName"), "\(ordered)")
        #expect(!ordered.contains("TEMP B-TREE"), "\(ordered)")
        // A state and an order: the (state, name) index holds exactly the page, in order, first or deep.
        for after in [false, true] {
            let filteredOrdered = try await plan(filter: "installState eq 'failed'", orderBy: "deviceName", after: after)
            #expect(filteredOrdered.contains("USING INDEX mobileApps_deviceStatuses_by_installState_deviceName (_tenant=? AND _p1=? AND installState=?"), "\(filteredOrdered)")
            #expect(!filteredOrdered.contains("TEMP B-TREE"), "\(filteredOrdered)")
        }
        // Descending, the index is read backwards; only ties on the name are sorted by key ("right part").
        let filteredDescending = try await plan(filter: "installState eq 'failed'", orderBy: "deviceName desc", after: false)
        #expect(filteredDescending.contains("USING INDEX mobileApps_deviceStatuses_by_installState_deviceName"), "\(filteredDescending)")
        #expect(!filteredDescending.contains("TEMP B-TREE FOR ORDER BY"), "\(filteredDescending)")

        let count = try await database.query(SQLStatement(
            #"EXPLAIN QUERY PLAN SELECT COUNT(*) FROM "mobileApps_deviceStatuses" WHERE "_tenant" = ? AND "_p1" = ? AND ("mobileApps_deviceStatuses"."installState" = ?)"#,
            [.text("t"), .text("a"), .text("failed")]))
        #expect("\(count)".contains("COVERING INDEX mobileApps_deviceStatuses_by_installState"), "\(count)")

        // A summary reads its parent by key and the kept counts by theirs: no scan of either.
        let recorder = RecordingDatabase(dialect: SQLiteDialect())
        let recording = SQLEntityStore(layout: layout, database: recorder)
        _ = try await recording.getWithCounts(
            recording.countsRead(
                layout.table(path: ["mobileApps"])!, types: nil, columns: ["displayName"],
                sources: [table.name, layout.table(path: ["mobileApps", "userStatuses"])!.name]),
            in: Scope(tenant: "t", parents: []), id: "app")
        let summary = try #require(recorder.statements.first)
        let summaryPlan = "\(try await database.query(SQLStatement("EXPLAIN QUERY PLAN " + summary.sql, summary.bindings)))"
        #expect(summaryPlan.contains("SEARCH mobileApps USING INDEX sqlite_autoindex_mobileApps_1"), "\(summaryPlan)")
        #expect(summaryPlan.contains("SEARCH _summary_counts USING INDEX sqlite_autoindex__summary_counts_1"), "\(summaryPlan)")
        #expect(!summaryPlan.contains("SCAN"), "\(summaryPlan)")
        try await store.close()
    }
}
