import Crypto
import ODataCore
import ODataModel
import Storage

/// Members read for one `$expand` item of a set of entities, and their own expansions.
struct Expansion {
    let item: ExpandItem
    /// Parent id → members (collection navigations).
    var members: [String: [StoredEntity]] = [:]
    /// Parents that have more members than were expanded.
    var more: Set<String> = []
    /// Parent id → how many members the item's `$filter` selects, when it asks for `$count=true`
    /// (parents without any are left out).
    var counts: [String: Int]?
    /// Expansions of the members.
    var nested: [Expansion] = []
    /// Parent id → summary JSON (single-valued navigations).
    var summaries: [String: JSONWriter] = [:]
    let table: StorageTable?
}

extension ODataService {
    func bindQuery(_ call: Call, collection: Bool) throws -> ODataQuery {
        let q = try call.version.queryBinder.bind(call.options, type: call.path.cast ?? call.path.type, collection: collection)
        if !q.expand.isEmpty { try authorize(call, query: q.expand) }
        return q
    }

    /// Identifies a query for its paging tokens: tenant, version, path, cast, filter and order.
    /// The first 12 bytes of SHA-256 over the parts (separated by U+001F), each byte in hexadecimal
    /// without a leading zero (the form tokens already issued carry). Written as bytes: a deep page
    /// computes this twice (to check its token and to sign the next one), every other page once.
    static func fingerprint(tenant: String, version: String, path: String, filter: String?, orderBy: String?) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(tenant.utf8.count + version.utf8.count + path.utf8.count + (filter?.utf8.count ?? 0) + (orderBy?.utf8.count ?? 0) + 4)
        for (i, part) in [tenant, version, path, filter ?? "", orderBy ?? ""].enumerated() {
            if i > 0 { text.append(0x1F) }
            text.append(contentsOf: part.utf8)
        }
        var hex: [UInt8] = []
        hex.reserveCapacity(24)
        for byte in SHA256.hash(data: text).prefix(12) {
            if byte >= 16 { hex.append(UTF8Bytes.hexDigit(byte >> 4)) }
            hex.append(UTF8Bytes.hexDigit(byte))
        }
        return String(decoding: hex, as: UTF8.self)
    }

    func tokenCodec() async throws -> SkipTokenCodec {
        if let codec = codecCache.withLock({ $0 }) { return codec }
        let key = SymmetricKey(data: try await store.secret(named: "paging"))
        // The key's two padded blocks are hashed once, here; each token copies that state and hashes only
        // its payload (the hashers copy their contexts on write).
        let keyed = HMAC<SHA256>(key: key)
        let codec = SkipTokenCodec { payload in
            var mac = keyed
            mac.update(data: payload)
            return mac.finalize().withUnsafeBytes { Array($0) }  // (`Array(_:)` of the code walks an iterator)
        }
        codecCache.withLock { $0 = codec }
        return codec
    }

    func listQuery(_ call: Call, _ table: StorageTable, _ q: ODataQuery, type: StructuredType?) -> ListQuery {
        var lq = ListQuery(model: call.model, types: call.version.types(table, cast: type), limit: limits.pageSize)
        lq.filter = q.filter
        lq.order = q.orderBy
        return lq
    }

    /// The `@odata.context` URL, with `(a,b,nav())` when the query selects or expands.
    func contextURL(_ call: Call, _ q: ODataQuery, entity: Bool) -> String {
        guard q.select != nil || !q.expand.isEmpty else { return call.context }
        var fragment = call.path.contextFragment
        var items = q.select ?? []
        items += q.expand.map { "\($0.navigation.name)()" }
        let list = "(" + items.joined(separator: ",") + ")"
        if entity, fragment.hasSuffix("/$entity") {
            fragment = String(fragment.dropLast(8)) + list + "/$entity"
        } else {
            fragment += list
        }
        return call.context { $0 += fragment }
    }

    /// Reads the `$expand` items for `rows` of `table`, which all sit under the containers `prefix`.
    func expand(
        _ call: Call, _ items: [ExpandItem], table: StorageTable, groups: [(prefix: [String], rows: [StoredEntity])]
    ) async throws -> [Expansion] {
        var out: [Expansion] = []
        let tenant = call.request.tenant
        for item in items {
            if !item.navigation.isCollection {
                var expansion = Expansion(item: item, table: nil)
                guard let summary = service.summary(for: item.navigation.name, on: call.path.cast ?? call.path.type)
                    ?? service.summaries.first(where: { $0.navigation == item.navigation.name })
                else { continue }
                let plan = call.version.summaryPlan(summary, type: item.type, parentTable: table, store: store)
                let selected = plan.selection(item.query.select)
                for group in groups {
                    // One query for the counts of every row of the group.
                    let key = { (row: StoredEntity) in Scope(tenant: tenant, parents: group.prefix + [row.id]).parentKey }
                    let counts = Dictionary(
                        grouping: try await store.counts(tenant: tenant, parentKeys: group.rows.map(key), sources: plan.sources),
                        by: \.parent)
                    for row in group.rows {
                        expansion.summaries[row.id] = plan.write(
                            tenant: tenant, parentID: row.id, counts: counts[key(row)] ?? [], context: nil, selected: selected
                        ) { row.values[$0] }
                    }
                }
                out.append(expansion)
                continue
            }
            guard let child = store.layout.table(path: table.path + [item.navigation.name]) else { continue }
            var expansion = Expansion(item: item, table: child)
            var lq = ListQuery(model: call.model, types: call.version.types(child, cast: nil), limit: 0)
            lq.filter = item.query.filter
            lq.order = item.query.orderBy
            lq.offset = item.query.skip ?? 0
            let shown = min(item.query.top ?? limits.pageSize, limits.pageSize)
            lq.limit = shown + 1
            var nestedGroups: [(prefix: [String], rows: [StoredEntity])] = []
            // The singleton's collections are the top-level ones: one per tenant, none contained by a row.
            let ofSingleton = table.path.isEmpty
            for group in groups where !group.rows.isEmpty {
                let found: [String: [StoredEntity]]
                if ofSingleton {
                    found = [group.rows[0].id: try await store.list(child, in: Scope(tenant: tenant, parents: []), lq)]
                } else {
                    found = try await store.list(child, tenant: tenant, parents: group.prefix, containers: group.rows.map(\.id), lq)
                }
                if item.query.count {
                    let counted =
                        ofSingleton
                        ? [group.rows[0].id: try await store.count(child, in: Scope(tenant: tenant, parents: []), lq)]
                        : try await store.count(child, tenant: tenant, parents: group.prefix, containers: group.rows.map(\.id), lq)
                    expansion.counts = (expansion.counts ?? [:]).merging(counted) { $1 }
                }
                for (parent, members) in found {
                    var members = members
                    if members.count > shown {
                        members.removeLast(members.count - shown)
                        if item.query.top.map({ $0 > shown }) ?? true { expansion.more.insert(parent) }
                    }
                    expansion.members[parent] = members
                    nestedGroups.append((ofSingleton ? [] : group.prefix + [parent], members))
                }
            }
            if !item.query.expand.isEmpty {
                expansion.nested = try await expand(call, item.query.expand, table: child, groups: nestedGroups)
            }
            out.append(expansion)
        }
        return out
    }

    /// Writes the expanded navigations of the entity `id` (whose canonical path is `path`).
    func writeExpansions(_ call: Call, _ expansions: [Expansion], id: String, path: String, to w: inout JSONWriter) {
        for e in expansions {
            let name = e.item.navigation.name
            if !e.item.navigation.isCollection {
                if let json = e.summaries[id] {
                    w.key(name)
                    w.raw(json)
                }
                continue
            }
            guard let table = e.table else { continue }
            let members = e.members[id] ?? []
            if e.item.query.count {
                w.key("\(name)@odata.count")
                w.int(Int64(e.counts?[id] ?? 0))
            }
            w.key(name)
            w.beginArray()
            var projection: EntityProjection?
            var selected: [Bool]?
            for member in members {
                if projection?.typeName != member.type {
                    projection = call.version.projection(table, type: member.type)
                    selected = projection?.selection(e.item.query.select)
                }
                let memberPath = "\(path)/\(name)('\(ResourcePath.quoted(member.id))')"
                projection?.write(member, context: nil, selected: selected, to: &w) { w in
                    writeExpansions(call, e.nested, id: member.id, path: memberPath, to: &w)
                }
            }
            w.endArray()
            if e.more.contains(id), let last = members.last {
                let collectionPath = "\(path)/\(name)"
                let options = e.item.options
                let fp = Self.fingerprint(
                    tenant: call.request.tenant, version: call.request.version, path: collectionPath,
                    filter: options.first { $0.name == "$filter" }?.value, orderBy: options.first { $0.name == "$orderby" }?.value)
                if let codec = codecCache.withLock({ $0 }) {
                    let token = codec.encode(PagingToken(keys: last.sortKeys, returned: members.count, fingerprint: fp).payload())
                    var query = options.map { "\($0.name)=\(PercentEncoding.encodeQueryComponent($0.value))" }
                    query.append("$skiptoken=\(token)")
                    w.key("\(name)@odata.nextLink")
                    w.string("\(call.serviceRoot)/\(collectionPath)?\(query.joined(separator: "&"))")
                }
            }
        }
    }
}
