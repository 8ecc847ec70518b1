import Foundation
import GraphModel
import ODataCore
import ODataModel
import StatusGraphTestSupport
import Testing

/// `$filter` finds what the answer shows: apps and configurations of several kinds, and statuses, with
/// random complex values, collections and flags, created and changed through either version, are read back through each; generated filters over their
/// members (casts on the entity and inside complex values, lambdas, `has`, enums, dates, null) are sent
/// to the server and their answers checked against `QueryOracle` run on the answers' own JSON. On the
/// backend the app suites run on. `STATUSGRAPH_ORACLE_SEED` and `STATUSGRAPH_ORACLE_COUNT` as in
/// `QueryOracleTests`.
@Suite struct FilterOracleTests {
    static let seed = OracleSettings.seed
    static let count = OracleSettings.count

    /// A collection the suites fill: its path under a version, the type it is declared of, the kinds made in it.
    struct Target: Sendable, CustomTestStringConvertible {
        let name: String
        let base: String
        let kinds: [String]
        var testDescription: String { name }

        static let all = [
            Target(name: "mobileApps", base: "mobileApp", kinds: ["win32LobApp", "iosLobApp", "webApp", "windowsUniversalAppX", "iosVppApp"]),
            Target(
                name: "mobileAppConfigurations", base: "managedDeviceMobileAppConfiguration",
                kinds: ["iosMobileAppConfiguration", "androidManagedStoreAppConfiguration"]),
            Target(name: "userStatuses", base: "managedDeviceMobileAppConfigurationUserStatus", kinds: ["managedDeviceMobileAppConfigurationUserStatus"]),
            Target(name: "deviceStatuses", base: "managedDeviceMobileAppConfigurationDeviceStatus", kinds: ["managedDeviceMobileAppConfigurationDeviceStatus"]),
        ]

        /// The collection's path under a version (statuses under a configuration made for them).
        func path(_ client: Client) async throws -> String {
            guard base.hasPrefix("managedDeviceMobileAppConfiguration"), base != "managedDeviceMobileAppConfiguration" else {
                return "deviceAppManagement/\(name)"
            }
            let cfg = try await client.create("/beta/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
            return "deviceAppManagement/mobileAppConfigurations/\(cfg)/\(name)"
        }
    }

    @Test(arguments: Target.all)
    func filtersFindWhatAnswersShow(_ target: Target) async throws {
        try await withApp { client in
            let path = try await target.path(client)
            var generator = ModelGenerator(service: GraphModel.service, target: target, seed: Self.seed)
            var made: [(id: String, type: String)] = []
            for _ in 0..<40 {
                let version = generator.pick(generator.versions)
                let (type, body) = generator.entity(in: version)
                let reply = try await client.send(.post, "/\(version)/\(path)", json: body)
                #expect(reply.status == 201, "a \(type) through \(version): \(body)\n\(reply.text)")
                made.append((reply.json["id"] as? String ?? "", type))
            }
            // Some changed afterwards, through either version: each keeps what the other wrote.
            for _ in 0..<20 {
                let (id, type) = generator.pick(made)
                let version = generator.pick(generator.versions.filter { GraphModel.service.versions[$0]!.entityTypes[type] != nil })
                let body = generator.change(type, in: version)
                let reply = try await client.send(.patch, "/\(version)/\(path)/\(id)", json: body)
                #expect(reply.status == 200, "a change to a \(type) through \(version): \(body)\n\(reply.text)")
            }
            for version in generator.versions {
                let model = GraphModel.service.versions[version]!
                let shown = try await client.shownEntities("/\(version)/\(path)", base: target.base, model: model)
                #expect(shown.count == made.filter { model.entityTypes[$0.type] != nil }.count)  // what the version declares
                let oracle = QueryOracle(model: model)
                let binder = ExpressionBinder(model: model, type: model.entityTypes[target.base]!)
                var wrong: [String] = []
                for i in 0..<Self.count / 2 {
                    let text = generator.filter(in: version)
                    let filter: BoundExpression
                    do { filter = try binder.bindFilter(ExpressionParser.parseFilter(text)) } catch {
                        wrong.append("#\(i) \(text)\n  not bound: \(error)")
                        continue
                    }
                    let expected = shown.filter { oracle.holds(filter, $0.values) }.map(\.id).sorted()
                    let reply = try await client.send(.get, "/\(version)/\(path)?$select=id&$count=true&$filter=\(Self.encoded(text))")
                    guard reply.status == 200 else {
                        wrong.append("#\(i) \(text)\n  \(reply.status): \(reply.text)")
                        continue
                    }
                    let found = (reply.json["value"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }.sorted()
                    if found != expected { wrong.append("#\(i) \(text)\n  expected \(expected)\n  found    \(found)") }
                    if reply.json["@odata.count"] as? Int != expected.count {
                        wrong.append("#\(i) \(text): @odata.count \(reply.json["@odata.count"] ?? "nil"), expected \(expected.count)")
                    }
                    if i % 4 == 0 {  // and the collection's `/$count`, a statement of its own
                        let counted = try await client.send(.get, "/\(version)/\(path)/$count?$filter=\(Self.encoded(text))")
                        if counted.text != String(expected.count) { wrong.append("#\(i) \(text): /$count \(counted.text), expected \(expected.count)") }
                    }
                }
                #expect(wrong.isEmpty, "\(version), seed \(Self.seed): \(wrong.count) differ\n\(wrong.prefix(8).joined(separator: "\n"))")
            }
        }
    }

    /// `$orderby` on members of every kind (inside complex values and through casts too), paged through
    /// `@odata.nextLink` in small pages, in the order the oracle sorts what the answers show.
    @Test(arguments: Target.all)
    func ordersPageAsAnswersShow(_ target: Target) async throws {
        try await withApp { client in
            let path = try await target.path(client)
            var generator = ModelGenerator(service: GraphModel.service, target: target, seed: Self.seed &+ 2)
            for _ in 0..<30 {
                let version = generator.pick(generator.versions)
                let (type, body) = generator.entity(in: version)
                let reply = try await client.send(.post, "/\(version)/\(path)", json: body)
                #expect(reply.status == 201, "a \(type) through \(version): \(body)\n\(reply.text)")
            }
            for version in generator.versions {
                let model = GraphModel.service.versions[version]!
                let shown = try await client.shownEntities("/\(version)/\(path)", base: target.base, model: model)
                let oracle = QueryOracle(model: model)
                let binder = ExpressionBinder(model: model, type: model.entityTypes[target.base]!, option: "$orderby")
                var wrong: [String] = []
                for i in 0..<max(1, Self.count / 8) {
                    let order = generator.orderBy(in: version)
                    let keys: [OrderKey]
                    do {
                        keys = try ExpressionParser.parseOrderBy(order).map { OrderKey(expression: try binder.bindOrderKey($0.expression), descending: $0.descending) }
                    } catch {
                        wrong.append("#\(i) \(order)\n  not bound: \(error)")
                        continue
                    }
                    let expected = oracle.sorted(shown, by: keys)
                    let pageSize = generator.int(2...7)
                    var found: [String] = []
                    var next: String? = "/\(version)/\(path)?$select=id&$orderby=\(Self.encoded(order))"
                    while let url = next, found.count <= shown.count {
                        let reply = try await client.send(.get, url, headers: ["Prefer": "odata.maxpagesize=\(pageSize)"])
                        guard reply.status == 200 else {
                            wrong.append("#\(i) \(order)\n  \(reply.status): \(reply.text)")
                            break
                        }
                        found += (reply.json["value"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                        next = (reply.json["@odata.nextLink"] as? String)?.replacingOccurrences(of: "https://graph.test", with: "")
                    }
                    if found != expected { wrong.append("#\(i) \(order), pages of \(pageSize)\n  expected \(expected)\n  found    \(found)") }
                }
                #expect(wrong.isEmpty, "\(version), seed \(Self.seed): \(wrong.count) differ\n\(wrong.prefix(8).joined(separator: "\n"))")
            }
        }
    }

    /// A query option's value in a URL: what is not unreserved (or a sub-delimiter other than `&`, `+`
    /// and `=`, or `:@/?`) percent-encoded.
    static func encoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~!$'()*,;:@/?")
        return text.addingPercentEncoding(withAllowedCharacters: allowed)!
    }
}


/// Writes bodies and `$filter` expressions from the model itself: every kind of property a version
/// declares on a few kinds of app, complex values of their derived types, collections, flags.
struct ModelGenerator {
    let service: ServiceModel
    let target: FilterOracleTests.Target
    var random: SplitMix64
    private var variables = 0

    init(service: ServiceModel, target: FilterOracleTests.Target, seed: UInt64) {
        self.service = service
        self.target = target
        self.random = SplitMix64(seed: seed)
    }

    /// The versions that declare the collection's type.
    var versions: [String] { ["beta", "v1.0"].filter { service.versions[$0]!.entityTypes[target.base] != nil } }
    static let texts = ["", "a", "A", "setup.exe", "Contoso", "contoso", "ä", "x y", "%", "O'Brien", "1.0", "2.10"]
    static let integers: [Int64] = [0, 1, -1, 5, 100, 2_147_483_647]
    static let times = ["2024-11-01T10:00:00Z", "2024-02-29T12:30:45.5Z", "1969-12-31T23:59:59Z", "2026-12-06T13:00:00.123Z"]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

    /// The kinds of entity `model` declares that may be made.
    func kinds(in model: EdmModel) -> [StructuredType] {
        target.kinds.compactMap { model.entityTypes[$0] }.filter { !$0.isAbstract }
    }

    /// Whether a body may set the property and a filter may read it.
    func usable(_ p: Property, in model: EdmModel) -> Bool {
        guard p.name != "id", service.serverManaged[p.name] == nil else { return false }
        switch p.type.element {
        case .primitive(.binary), .entity: return false
        case .complex(let name): return model.complexTypes[name].map { !$0.properties.isEmpty } ?? false
        default: return true
        }
    }

    // MARK: Bodies

    /// A new entity of a random kind `version` declares, as a JSON body.
    mutating func entity(in version: String) -> (type: String, body: String) {
        let model = service.versions[version]!
        let type = pick(kinds(in: model))
        var object: [String: Any] = ["@odata.type": "#microsoft.graph.\(type.name)"]
        for p in type.properties where usable(p, in: model) && chance(0.6) {
            object[p.name] = value(p.type, nullable: p.nullable, in: model)
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return (type.name, String(decoding: data, as: UTF8.self))
    }

    /// A change to one to three properties of an app of kind `type`, as a JSON body.
    mutating func change(_ type: String, in version: String) -> String {
        let model = service.versions[version]!
        let properties = model.entityTypes[type]!.properties.filter { usable($0, in: model) }
        var object: [String: Any] = ["@odata.type": "#microsoft.graph.\(type)"]
        for _ in 0..<int(1...3) {
            let p = pick(properties)
            object[p.name] = value(p.type, nullable: p.nullable, in: model)
        }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private mutating func value(_ type: TypeReference, nullable: Bool, in model: EdmModel) -> Any {
        if nullable, !type.isCollection, chance(0.15) { return NSNull() }
        switch type {
        case .collection(let element):
            return (0..<int(0...3)).map { _ in value(element, nullable: false, in: model) }
        case .complex(let name):
            let declared = model.complexTypes[name]!
            let concrete = ([declared.name] + declared.derivedTypes).compactMap { model.complexTypes[$0] }.filter { !$0.isAbstract }
            let chosen = pick(concrete)
            var object: [String: Any] = [:]
            if !declared.derivedTypes.isEmpty || chosen.name != declared.name { object["@odata.type"] = "#microsoft.graph.\(chosen.name)" }
            for p in chosen.properties where usable(p, in: model) && chance(0.7) {
                object[p.name] = value(p.type, nullable: p.nullable, in: model)
            }
            return object
        case .enumeration(let name):
            let e = model.enumTypes[name]!
            if e.isFlags {
                let named = e.members.filter { ($0.value ?? 0) != 0 }.map(\.name)
                return (0..<int(1...2)).map { _ in pick(named) }.joined(separator: ",")
            }
            return pick(e.members.map(\.name))
        case .primitive(let kind):
            switch kind {
            case .string: return pick(Self.texts)
            case .boolean: return chance(0.5)
            case .int32, .int64: return pick(Self.integers)
            case .double: return pick([0, 1.5, -2.25])
            case .dateTimeOffset: return pick(Self.times)
            case .date: return pick(["2024-02-29", "1999-12-31"])
            case .timeOfDay: return "10:00:00"
            case .duration: return "PT1H"
            case .guid: return pick(["00000000-0000-0000-0000-000000000001", "b6a0c1de-0000-4000-8000-000000000002"])
            case .binary: return "AA=="
            }
        case .entity: return NSNull()
        }
    }

    // MARK: Filters

    mutating func filter(in version: String) -> String { predicate(int(1...2), in: service.versions[version]!) }

    private mutating func predicate(_ depth: Int, in model: EdmModel) -> String {
        if depth > 0 {
            switch int(0...5) {
            case 0: return "(\(predicate(depth - 1, in: model)) and \(predicate(depth - 1, in: model)))"
            case 1: return "(\(predicate(depth - 1, in: model)) or \(predicate(depth - 1, in: model)))"
            case 2: return "not (\(predicate(depth - 1, in: model)))"
            default: break
            }
        }
        let kinds = kinds(in: model)
        if chance(0.08) { return "isof('microsoft.graph.\(pick(kinds).name)')" }
        // A member of the base type, or of a kind through a cast (to the base type itself, at times).
        let base = model.entityTypes[target.base]!
        let type = chance(0.3) ? base : pick(kinds)
        let prefix = type.name == base.name ? (chance(0.2) ? "microsoft.graph.\(base.name)/" : "") : "microsoft.graph.\(type.name)/"
        let properties = type.properties.filter { usable($0, in: model) || $0.name == "createdDateTime" }
        // Structured members half the time: their paths are where the backends' SQL differs most.
        let structured = properties.filter {
            switch $0.type.element {
            case .complex, .enumeration: return true
            default: return $0.type.isCollection
            }
        }
        let p = pick(!structured.isEmpty && chance(0.5) ? structured : properties)
        return leaf(prefix + p.name, p.type, in: model)
    }

    /// One to three keys, each a single value (a member of a complex value or reached through a cast, at
    /// times), ascending or descending.
    mutating func orderBy(in version: String) -> String {
        let model = service.versions[version]!
        var named: Set<String> = []  // a key named twice is a 400
        return (0..<int(1...3)).compactMap { _ in
            // Now and then a collection's size (`roleScopeTagIds/$count`), through a cast at times.
            if chance(0.1) {
                let owner = chance(0.5) ? model.entityTypes[target.base]! : pick(kinds(in: model))
                let collections = owner.properties.filter { $0.type.isCollection && usable($0, in: model) }
                if !collections.isEmpty {
                    let cast = owner.name == target.base ? "" : "microsoft.graph.\(owner.name)/"
                    let key = cast + pick(collections).name + "/$count"
                    guard named.insert(key).inserted else { return nil }
                    return key + pick(["", " asc", " desc"])
                }
            }
            var path = ""
            var type: TypeReference = .primitive(.string)
            for _ in 0..<20 {  // until a single value
                let base = model.entityTypes[target.base]!
                let owner = chance(0.3) ? base : pick(kinds(in: model))
                let properties = owner.properties.filter { !$0.type.isCollection && (usable($0, in: model) || $0.name == "createdDateTime") }
                let p = pick(properties)
                path = (owner.name == base.name ? "" : "microsoft.graph.\(owner.name)/") + p.name
                type = p.type
                while case .complex(let name) = type, let complex = model.complexTypes[name] {
                    var holder = complex
                    let derived = complex.derivedTypes.compactMap { model.complexTypes[$0] }
                    if !derived.isEmpty, chance(0.5) {
                        holder = pick(derived)
                        path += "/microsoft.graph.\(holder.name)"
                    }
                    let members = holder.properties.filter { !$0.type.isCollection && usable($0, in: model) }
                    guard !members.isEmpty else { break }
                    let m = pick(members)
                    path += "/" + m.name
                    type = m.type
                }
                if case .complex = type { continue }
                if case .primitive(let kind) = type, [.guid, .date, .timeOfDay, .duration, .double].contains(kind) { continue }
                break
            }
            if case .primitive(.string) = type, chance(0.2) { path = "tolower(\(path))" }
            guard named.insert(path).inserted else { return nil }
            return path + pick(["", " asc", " desc"])
        }.joined(separator: ",")
    }

    /// A predicate on the value at `path`, of type `type`.
    private mutating func leaf(_ path: String, _ type: TypeReference, in model: EdmModel) -> String {
        switch type {
        case .collection(let element):
            if chance(0.1) { return "\(path)/any()" }
            if chance(0.1) { return "\(path)/$count \(pick(["eq", "ne", "gt", "ge", "lt", "le"])) \(int(0...3))" }
            variables += 1
            let v = "v\(variables)"
            return "\(path)/\(pick(["any", "all"]))(\(v): \(leaf(v, element, in: model)))"
        case .complex(let name):
            var owner = model.complexTypes[name]!
            var at = path
            let derived = owner.derivedTypes.compactMap { model.complexTypes[$0] }
            if !derived.isEmpty, chance(0.5) {
                owner = pick(derived)
                at += "/microsoft.graph.\(owner.name)"
            }
            if chance(0.1) { return "\(at) \(pick(["eq", "ne"])) null" }
            let members = owner.properties.filter { usable($0, in: model) }
            guard !members.isEmpty else { return "\(path) ne null" }
            let m = pick(members)
            return leaf(at + "/" + m.name, m.type, in: model)
        case .enumeration(let name):
            let e = model.enumTypes[name]!
            let member = pick(e.members.map(\.name))
            if e.isFlags {
                return chance(0.6) ? "\(path) has '\(member)'" : "\(path) eq '\(member)'"
            }
            switch int(0...3) {
            case 0: return "\(path) in ('\(member)','\(pick(e.members.map(\.name)))')"
            case 1: return "\(path) \(pick(["gt", "lt", "ge", "le"])) '\(member)'"
            default: return "\(path) \(pick(["eq", "ne"])) '\(member)'"
            }
        case .primitive(let kind):
            let op = pick(["eq", "ne", "gt", "ge", "lt", "le"])
            switch kind {
            case .string:
                switch int(0...4) {
                case 0: return "\(pick(["contains", "startswith", "endswith"]))(\(path),'\(pick(Self.texts).replacingOccurrences(of: "'", with: "''"))')"
                case 1: return "\(path) \(pick(["eq", "ne"])) null"
                case 2: return "tolower(\(path)) eq '\(pick(Self.texts).lowercased().replacingOccurrences(of: "'", with: "''"))'"
                default: return "\(path) \(op) '\(pick(Self.texts).replacingOccurrences(of: "'", with: "''"))'"
                }
            case .boolean:
                return chance(0.5) ? path : "\(path) \(pick(["eq", "ne"])) \(pick(["true", "false", "null"]))"
            case .int32, .int64:
                return chance(0.2) ? "\(path) eq null" : "\(path) \(op) \(pick(Self.integers))"
            case .double: return "\(path) \(op) \(pick(["0", "1.5", "-3"]))"
            case .dateTimeOffset:
                return chance(0.3) ? "year(\(path)) \(op) 2024" : "\(path) \(op) \(pick(Self.times))"
            case .date, .timeOfDay, .duration, .guid, .binary:
                return "\(path) \(pick(["eq", "ne"])) null"
            }
        case .entity:
            return "true"
        }
    }
}

extension Client {
    /// Every entity of the collection at `url` (page by page) as its version shows it, read back into
    /// values through that version's model (`base`: the collection's declared type), for `QueryOracle`.
    func shownEntities(_ url: String, base: String, model: EdmModel) async throws -> [(id: String, values: [String: ODataValue])] {
        let reader = PayloadReader(model: model, ignored: [])
        var shown: [(id: String, values: [String: ODataValue])] = []
        var page: String? = url
        while let next = page {
            let reply = try await send(.get, next)
            guard reply.status == 200, case .object(let answer) = try JSONParser.parse(Array(reply.text.utf8)), case .array(let items)? = answer["value"]
            else { throw OracleFailure("\(next): \(reply.status) \(reply.text)") }
            for item in items {
                guard case .object(let object) = item, case .string(let id)? = object["id"] else { throw OracleFailure("\(next) shows an entity without an id") }
                let payload: EntityPayload
                do { payload = try reader.readEntity(item, declared: model.entityTypes[base]!, mode: .create) } catch {
                    throw OracleFailure("\(next) shows an entity its own model does not read (\(error)): \(item)")
                }
                var values = [QueryOracle.typeKey: ODataValue.string(payload.typeName)]
                for v in payload.values { values[v.name] = v.value }
                shown.append((id, values))
            }
            if case .string(let link)? = answer["@odata.nextLink"] { page = link.replacingOccurrences(of: "https://graph.test", with: "") } else { page = nil }
        }
        return shown
    }
}
