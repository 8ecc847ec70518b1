import Foundation
import GraphModel
import ODataCore
import ODataModel
import Storage
import StatusGraphTestSupport
import Testing

/// Generated `$filter` and `$orderby` expressions over statuses with nulls, awkward text, extreme
/// numbers and dates, on every backend, each answer checked against `QueryOracle`; ordered answers also
/// paged through by key in pages of random sizes. The seed and count come from `STATUSGRAPH_ORACLE_SEED`
/// and `STATUSGRAPH_ORACLE_COUNT`; a failure names the seed, the expression and both answers.
@Suite struct QueryOracleTests {
    static let seed = OracleSettings.seed
    static let count = OracleSettings.count

    let model = GraphModel.service.versions["beta"]!
    let layout = try! StorageLayout(service: GraphModel.service)
    var table: StorageTable { layout.table(path: ["mobileApps", "deviceStatuses"])! }
    var type: StructuredType { model.entityTypes["mobileAppInstallStatus"]! }
    let scope = Scope(tenant: "t", parents: ["app"])

    @Test(arguments: TestBackend.available)
    func filtersAnswerAsTheOracle(_ backend: TestBackend) async throws {
        try await backend.withStore { store in
            var generator = ExpressionGenerator(model: model, seed: Self.seed)
            let rows = try await load(generator.rows(80), into: store)
            let oracle = QueryOracle(model: model)
            var wrong: [String] = []
            for i in 0..<Self.count {
                let text = generator.filter()
                let filter = try bind(filter: text)
                let expected = rows.filter { oracle.holds(filter, $0.values) }.map(\.id).sorted()
                var q = ListQuery(model: model, types: nil, limit: 1000)
                q.filter = filter
                do {
                    let found = try await store.list(table, in: scope, q).map(\.id)
                    if found != expected { wrong.append("#\(i) \(text)\n  expected \(expected)\n  found    \(found)") }
                } catch {
                    wrong.append("#\(i) \(text)\n  failed: \(String(reflecting: error))")
                }
            }
            #expect(wrong.isEmpty, "\(backend), seed \(Self.seed): \(wrong.count) of \(Self.count) differ\n\(wrong.prefix(8).joined(separator: "\n"))")
        }
    }

    @Test(arguments: TestBackend.available)
    func ordersAndPagesAnswerAsTheOracle(_ backend: TestBackend) async throws {
        try await backend.withStore { store in
            var generator = ExpressionGenerator(model: model, seed: Self.seed &+ 1)
            let rows = try await load(generator.rows(60), into: store)
            let oracle = QueryOracle(model: model)
            var wrong: [String] = []
            for i in 0..<max(1, Self.count / 4) {
                let orderText = generator.orderBy()
                let filterText = generator.chance(0.4) ? generator.filter() : nil
                var q = ListQuery(model: model, types: nil, limit: 1000)
                q.order = try bind(orderBy: orderText)
                q.filter = try filterText.map(bind(filter:))
                let kept = q.filter.map { f in rows.filter { oracle.holds(f, $0.values) } } ?? rows
                let expected = oracle.sorted(kept.map { ($0.id, $0.values) }, by: q.order)
                let query = "$orderby=\(orderText)" + (filterText.map { "&$filter=\($0)" } ?? "")
                let pageSize = generator.int(1...9)
                do {
                    let whole = try await store.list(table, in: scope, q).map(\.id)
                    if whole != expected { wrong.append("#\(i) \(query)\n  expected \(expected)\n  found    \(whole)") }
                    // The same, a page at a time, each starting after the last row of the one before.
                    q.limit = pageSize
                    var paged: [String] = []
                    while paged.count <= rows.count {
                        let page = try await store.list(table, in: scope, q)
                        paged += page.map(\.id)
                        guard page.count == q.limit, let last = page.last else { break }
                        q.after = last.sortKeys
                    }
                    if paged != expected { wrong.append("#\(i) \(query), pages of \(pageSize)\n  expected \(expected)\n  found    \(paged)") }
                } catch {
                    wrong.append("#\(i) \(query)\n  failed: \(String(reflecting: error))")
                }
            }
            #expect(wrong.isEmpty, "\(backend), seed \(Self.seed): \(wrong.count) differ\n\(wrong.prefix(8).joined(separator: "\n"))")
        }
    }

    /// Stores `rows` under one app; the same rows back, with their ids.
    private func load(_ rows: [[String: ODataValue]], into store: any EntityStore) async throws -> [(id: String, values: [String: ODataValue])] {
        let apps = layout.table(path: ["mobileApps"])!
        try await store.insert(apps, in: Scope(tenant: "t", parents: []), StoredEntity(id: "app", type: "iosLobApp", values: Array(repeating: .null, count: apps.columns.count)))
        var loaded: [(id: String, values: [String: ODataValue])] = []
        var entities: [StoredEntity] = []
        for (i, values) in rows.enumerated() {
            let id = "s\(1000 + i)"
            var columns = [SQLValue](repeating: .null, count: table.columns.count)
            for (name, value) in values {
                let index = table.columnIndex(name)!
                columns[index] = table.columns[index].kind.encode(value, type: .primitive(.string), model: model)
            }
            entities.append(StoredEntity(id: id, type: "mobileAppInstallStatus", values: columns))
            loaded.append((id, values))
        }
        try await store.insert(table, in: scope, entities)
        return loaded
    }

    private func bind(filter text: String) throws -> BoundExpression {
        do {
            return try ExpressionBinder(model: model, type: type).bindFilter(ExpressionParser.parseFilter(text))
        } catch {
            throw OracleFailure("the generator wrote a filter the binder refuses: \(text): \(error.message)")
        }
    }

    private func bind(orderBy text: String) throws -> [OrderKey] {
        let binder = ExpressionBinder(model: model, type: type, option: "$orderby")
        do {
            return try ExpressionParser.parseOrderBy(text).map { OrderKey(expression: try binder.bindOrderKey($0.expression), descending: $0.descending) }
        } catch {
            throw OracleFailure("the generator wrote an order the binder refuses: \(text): \(error)")
        }
    }
}

