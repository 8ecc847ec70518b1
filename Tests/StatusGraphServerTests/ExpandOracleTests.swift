import Foundation
import GraphModel
import ODataCore
import ODataModel
import StatusGraphTestSupport
import Testing

/// `$expand` with nested options answers for each parent what the same options answer on its own
/// collection: users' device statuses (nulls, awkward text, extreme numbers and dates) expanded with
/// generated `$filter`, `$orderby`, `$skip`, `$top` and `$count`, the expanded links followed, each
/// parent's members checked against `QueryOracle`, and each answer in full metadata checked to be the
/// same answer annotated. On the backend the app suites run on;
/// `STATUSGRAPH_ORACLE_SEED` and `STATUSGRAPH_ORACLE_COUNT` as elsewhere.
@Suite struct ExpandOracleTests {
    static let seed = OracleSettings.seed
    static let count = OracleSettings.count

    @Test func expandedMembersAnswerAsTheOracle() async throws {
        try await withApp(configure: { $0.limits.pageSize = 6 }) { client in
            let model = GraphModel.service.versions["beta"]!
            var generator = ExpressionGenerator(model: model, seed: Self.seed &+ 3)
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let users = "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses"
            var members: [String: [(id: String, values: [String: ODataValue])]] = [:]
            let statusType = model.entityTypes["mobileAppInstallStatus"]!
            for u in 0..<7 {
                let user = try await client.create(users, #"{"userName":"u\#(u)"}"#)
                for row in generator.rows(generator.int(0...9)) {
                    _ = try await client.create("\(users)/\(user)/deviceStatuses", Self.body(row))
                }
                // What the collection itself shows, read back as values.
                members[user] = try await client.shownEntities("\(users)/\(user)/deviceStatuses", base: "mobileAppInstallStatus", model: model)
            }
            let oracle = QueryOracle(model: model)
            let binder = ExpressionBinder(model: model, type: statusType)
            let orderBinder = ExpressionBinder(model: model, type: statusType, option: "$orderby")
            var wrong: [String] = []
            for i in 0..<max(1, Self.count / 4) {
                var options: [String] = []
                var filter: BoundExpression?
                var order: [OrderKey] = []
                if generator.chance(0.7) {
                    let text = generator.filter()
                    filter = try binder.bindFilter(ExpressionParser.parseFilter(text))
                    options.append("$filter=\(text)")
                }
                if generator.chance(0.7) {
                    let text = generator.orderBy()
                    order = try ExpressionParser.parseOrderBy(text).map { OrderKey(expression: try orderBinder.bindOrderKey($0.expression), descending: $0.descending) }
                    options.append("$orderby=\(text)")
                }
                let skip = generator.chance(0.3) ? generator.int(0...3) : 0
                if skip > 0 { options.append("$skip=\(skip)") }
                let top = generator.chance(0.5) ? generator.int(0...5) : nil
                if let top { options.append("$top=\(top)") }
                options.append("$count=true")
                let expand = "deviceStatuses(\(options.joined(separator: ";")))"
                var url: String? = "\(users)?$orderby=id&$select=id&$expand=\(FilterOracleTests.encoded(expand))"
                var parents = 0
                while let next = url {
                    let reply = try await client.send(.get, next)
                    guard reply.status == 200 else {
                        wrong.append("#\(i) \(expand)\n  \(reply.status): \(reply.text)")
                        break
                    }
                    // In full metadata the same answer, annotated (its next links alike: tokens are deterministic).
                    let full = try JSONParser.parse(Array(try await client.send(.get, next, headers: FullMetadataTests.full).text.utf8))
                    FullMetadataTests.checkAnnotationsPrecede(full, "#\(i) \(expand)")
                    if FullMetadataTests.withoutFullMetadata(full) != (try JSONParser.parse(Array(reply.text.utf8))) {
                        wrong.append("#\(i) \(expand): in full metadata another answer than in minimal")
                    }
                    for parent in reply.json["value"] as? [[String: Any]] ?? [] {
                        parents += 1
                        let user = parent["id"] as? String ?? ""
                        let kept = (members[user] ?? []).filter { row in filter.map { oracle.holds($0, row.values) } ?? true }
                        let sorted = oracle.sorted(kept, by: order)
                        let expected = Array(sorted.dropFirst(skip).prefix(top ?? Int.max))
                        var found = (parent["deviceStatuses"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                        var link = parent["deviceStatuses@odata.nextLink"] as? String
                        while let more = link, found.count <= expected.count {
                            let rest = try await client.send(.get, more.replacingOccurrences(of: "https://graph.test", with: ""))
                            found += (rest.json["value"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                            link = rest.json["@odata.nextLink"] as? String
                        }
                        if found != expected { wrong.append("#\(i) \(expand), user \(user)\n  expected \(expected)\n  found    \(found)") }
                        if parent["deviceStatuses@odata.count"] as? Int != kept.count {
                            wrong.append("#\(i) \(expand), user \(user): count \(parent["deviceStatuses@odata.count"] ?? "nil"), expected \(kept.count)")
                        }
                    }
                    url = (reply.json["@odata.nextLink"] as? String)?.replacingOccurrences(of: "https://graph.test", with: "")
                }
                if parents != members.count { wrong.append("#\(i) \(expand): \(parents) parents, expected \(members.count)") }
            }
            #expect(wrong.isEmpty, "seed \(Self.seed): \(wrong.count) differ\n\(wrong.prefix(8).joined(separator: "\n"))")
        }
    }

    /// A device status's values as a request body.
    static func body(_ row: [String: ODataValue]) -> String {
        var object: [String: Any] = [:]
        for (name, value) in row {
            switch value {
            case .null: object[name] = NSNull()
            case .string(let s), .enumMember(let s): object[name] = s
            case .integer(let n): object[name] = n
            case .dateTimeOffset(let d): object[name] = d.description
            default: Issue.record("a value the body cannot hold: \(value)")
            }
        }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
