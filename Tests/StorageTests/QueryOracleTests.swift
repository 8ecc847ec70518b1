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
    static let environment = ProcessInfo.processInfo.environment
    static let seed = environment["STATUSGRAPH_ORACLE_SEED"].flatMap(UInt64.init) ?? 20_261_206
    static let count = environment["STATUSGRAPH_ORACLE_COUNT"].flatMap(Int.init) ?? 400

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
            throw OracleError("the generator wrote a filter the binder refuses: \(text): \(error.message)")
        }
    }

    private func bind(orderBy text: String) throws -> [OrderKey] {
        let binder = ExpressionBinder(model: model, type: type, option: "$orderby")
        do {
            return try ExpressionParser.parseOrderBy(text).map { OrderKey(expression: try binder.bindOrderKey($0.expression), descending: $0.descending) }
        } catch {
            throw OracleError("the generator wrote an order the binder refuses: \(text): \(error)")
        }
    }
}

struct OracleError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Writes random well-typed expressions over `mobileAppInstallStatus`, and statuses to run them on.
struct ExpressionGenerator {
    let model: EdmModel
    var random: SplitMix64

    init(model: EdmModel, seed: UInt64) {
        self.model = model
        self.random = SplitMix64(seed: seed)
    }

    static let texts = [
        "", "a", "A", "ab", "a b", " pad ", "PC-01", "pc-01", "%", "_x", "O'Brien", "ä", "Ä", "Ünïcode", "ünïcode", "日本",
        "😀x", "ABC", "abc", "Z", "zz", "a%b", "x_y",
    ]
    static let pieces = texts + ["b", "PC", "-0", "'", "ï", "c", "😀", " "]
    static let textProperties = ["deviceName", "userName", "osVersion", "deviceId"]
    static let errorCodes: [Int64] = [0, 1, -1, 3, 7, -7, 100, -2_016_345_060, 2_147_483_647, -2_147_483_648]
    static let integers: [Int64] = [0, 1, -1, 2, 3, 7, -7, 10, 100, 2024]
    static let times = [
        "2024-11-01T10:00:00Z", "2024-11-01T23:59:59.9999999Z", "2024-02-29T12:30:45.5Z", "1969-12-31T23:59:59.5Z",
        "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999Z", "2026-12-06T13:00:00.123Z",
        "2000-03-01T00:00:00Z",
    ]
    static let dates = ["2024-11-01", "1969-12-31", "2024-02-29", "0001-01-01", "9999-12-31", "2000-03-01"]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

    func members(_ e: String) -> [String] { model.enumTypes[e]!.members.map(\.name) }

    /// `count` statuses: every text property null or one of `texts`, the rest from small sets.
    mutating func rows(_ count: Int) -> [[String: ODataValue]] {
        (0..<count).map { _ in
            var row: [String: ODataValue] = [
                "errorCode": .integer(pick(Self.errorCodes)),
                "installState": .enumMember(pick(members("resultantAppState"))),
                "mobileAppInstallStatusValue": .enumMember(pick(members("resultantAppState"))),
                "installStateDetail": .enumMember(pick(Array(members("resultantAppStateDetail").prefix(6)))),
                "lastSyncDateTime": .dateTimeOffset(DateTimeOffset(parsing: pick(Self.times))!),
            ]
            for name in Self.textProperties { row[name] = chance(0.25) ? .null : .string(pick(Self.texts)) }
            return row
        }
    }

    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    mutating func text(_ depth: Int) -> String {
        guard depth > 0, chance(0.5) else { return pick(Self.textProperties) }
        switch int(0...5) {
        case 0: return "tolower(\(text(depth - 1)))"
        case 1: return "toupper(\(text(depth - 1)))"
        case 2: return "trim(\(text(depth - 1)))"
        case 3: return "substring(\(text(depth - 1)),\(int(-1...4))" + (chance(0.5) ? ",\(int(-1...3)))" : ")")
        case 4: return chance(0.5) ? "concat(\(text(depth - 1)),\(Self.quoted(pick(Self.pieces))))" : "concat(\(Self.quoted(pick(Self.pieces))),\(text(depth - 1)))"
        default: return "concat(\(text(depth - 1)),\(text(depth - 1)))"
        }
    }

    mutating func integer(_ depth: Int) -> String {
        let operand: String
        switch int(0...4) {
        case 0, 1: operand = "errorCode"
        case 2: operand = "length(\(text(depth - 1)))"
        case 3: operand = "indexof(\(text(depth - 1)),\(Self.quoted(pick(Self.pieces))))"
        default: operand = "\(pick(["year", "month", "day", "hour", "minute", "second"]))(lastSyncDateTime)"
        }
        guard depth > 0, chance(0.4) else { return operand }
        let op = pick(["add", "sub", "mul", "div", "mod"])
        return "(\(operand) \(op) \(pick(Self.integers)))"
    }

    mutating func comparison(_ depth: Int) -> String {
        let op = pick(["eq", "ne", "gt", "ge", "lt", "le"])
        switch int(0...9) {
        case 0, 1:
            let right = chance(0.7) ? Self.quoted(pick(Self.pieces)) : text(depth - 1)
            return "\(text(depth)) \(op) \(right)"
        case 2, 3:
            let right = chance(0.8) ? String(pick(Self.errorCodes + Self.integers)) : integer(depth - 1)
            return "\(integer(depth)) \(op) \(right)"
        case 4:
            let property = pick(["installState", "mobileAppInstallStatusValue"])
            return chance(0.8)
                ? "\(property) \(op) \(Self.quoted(pick(members("resultantAppState"))))"
                : "installState \(op) mobileAppInstallStatusValue"
        case 5: return "lastSyncDateTime \(op) \(pick(Self.times))"
        case 6: return "date(lastSyncDateTime) \(op) \(pick(Self.dates))"
        case 7: return "fractionalseconds(lastSyncDateTime) \(op) \(pick(["0", "0.5", "0.9999999", "0.123"]))"
        case 8: return "\(pick(Self.textProperties)) \(pick(["eq", "ne"])) null"
        default: return "(errorCode \(pick(["add", "div", "mul", "mod"])) \(pick(["0.5", "2.5", "-1.5", "0.0"]))) \(op) \(pick(["1", "0", "-3.5", "2.5"]))"
        }
    }

    mutating func predicate(_ depth: Int) -> String {
        guard depth > 0 else { return comparison(1) }
        switch int(0...9) {
        case 0: return "(\(predicate(depth - 1)) and \(predicate(depth - 1)))"
        case 1: return "(\(predicate(depth - 1)) or \(predicate(depth - 1)))"
        case 2: return "not (\(predicate(depth - 1)))"
        case 3:
            let f = pick(["contains", "startswith", "endswith"])
            return "\(f)(\(text(2)),\(chance(0.8) ? Self.quoted(pick(Self.pieces)) : text(1)))"
        case 4:
            let items = (0..<int(1...3)).map { _ in Self.quoted(pick(Self.texts)) }
            return "\(text(1)) in (\(items.joined(separator: ",")))"
        case 5:
            let items = (0..<int(1...3)).map { _ in Self.quoted(pick(members("resultantAppState"))) }
            return "installState in (\(items.joined(separator: ",")))"
        default: return comparison(2)
        }
    }

    mutating func filter() -> String { predicate(int(1...3)) }

    /// One to three keys, each a property or an expression, ascending or descending.
    mutating func orderBy() -> String {
        (0..<int(1...3)).map { _ in
            let key: String
            switch int(0...6) {
            case 0: key = pick(Self.textProperties)
            case 1: key = pick(["installState", "errorCode", "lastSyncDateTime", "mobileAppInstallStatusValue"])
            case 2: key = text(2)
            case 3: key = integer(2)
            case 4: key = pick(["date(lastSyncDateTime)", "fractionalseconds(lastSyncDateTime)", "year(lastSyncDateTime)"])
            case 5: key = "(errorCode div 2.5)"
            default: key = pick(Self.textProperties)
            }
            return key + pick(["", " asc", " desc"])
        }.joined(separator: ",")
    }
}
