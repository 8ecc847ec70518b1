import ODataCore
import ODataModel
import Storage

/// Members read for one `$expand` item of a set of entities, and their own expansions.
struct Expansion {
    let item: ExpandItem
    /// The collection's table; nil for a summary (a single-valued navigation).
    let table: StorageTable?
    /// Members shown per parent: the item's `$top` or the page size, less where the answer's budget
    /// needs it (the rest through the parent's `nav@odata.nextLink`).
    var shown = 0
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

    /// The most entities one parent brings into an answer: itself, each summary, each collection's
    /// members shown with what they bring in turn.
    static func weight(_ expansions: [Expansion]) -> Int {
        1 + expansions.reduce(0) { sum, e in sum + (e.table == nil ? 1 : e.shown * weight(e.nested)) }
    }

    /// Halves the largest number of members shown per parent (the deepest of equals: a level further
    /// down multiplies less); false when every collection already shows one.
    static func halveLargest(_ expansions: inout [Expansion]) -> Bool {
        func largest(_ es: [Expansion], depth: Int) -> (shown: Int, depth: Int, path: [Int])? {
            var best: (shown: Int, depth: Int, path: [Int])?
            func consider(_ c: (shown: Int, depth: Int, path: [Int])) {
                if best.map({ c.shown > $0.shown || (c.shown == $0.shown && c.depth > $0.depth) }) ?? true { best = c }
            }
            for (i, e) in es.enumerated() where e.table != nil {
                consider((e.shown, depth, [i]))
                if let inner = largest(e.nested, depth: depth + 1) { consider((inner.shown, inner.depth, [i] + inner.path)) }
            }
            return best
        }
        func halve(_ es: inout [Expansion], at path: ArraySlice<Int>) {
            guard let i = path.first else { return }
            if path.count == 1 { es[i].shown = max(1, es[i].shown / 2) } else { halve(&es[i].nested, at: path.dropFirst()) }
        }
        guard let target = largest(expansions, depth: 0), target.shown > 1 else { return false }
        halve(&expansions, at: target.path[...])
        return true
    }
}

extension ODataService {
    /// Reads the `$expand` items of `rows` (entities of `table` under the containers `prefix`), in the
    /// rows' order, while the answer stays within `limits.maxAnswerEntities`: each collection shows at
    /// most so many members per parent that one row with everything it brings fits, and the rows are
    /// covered a few at a time, as many as what the rows before them actually brought leaves room for
    /// at their most. Returns the expansions and how many rows they cover (at least one): a page ends
    /// after them.
    func expand(
        _ call: Call, _ items: [ExpandItem], table: StorageTable, prefix: [String], rows: [StoredEntity]
    ) async throws -> (expansions: [Expansion], covered: Int) {
        let budget = limits.maxAnswerEntities
        var expansions = plan(call, items, table: table)
        while Expansion.weight(expansions) > budget, Expansion.halveLargest(&expansions) {}
        let most = Expansion.weight(expansions)
        var used = 0
        var covered = 0
        while covered < rows.count {
            let room = budget - used
            if covered > 0, room < most { break }
            let chunk = Array(rows[covered..<min(rows.count, covered + max(1, room / most))])
            used += chunk.count + (try await readMembers(call, &expansions, table: table, groups: [(prefix, chunk)]))
            covered += chunk.count
        }
        try await readCountsAndSummaries(call, &expansions, table: table, groups: [(prefix, Array(rows.prefix(covered)))])
        return (expansions, covered)
    }

    /// Empty expansions for `items` of `table`, each collection showing its `$top` or a page.
    private func plan(_ call: Call, _ items: [ExpandItem], table: StorageTable) -> [Expansion] {
        items.compactMap { item in
            guard item.navigation.isCollection else {
                return summary(call, item) == nil ? nil : Expansion(item: item, table: nil)
            }
            guard let child = store.layout.table(path: table.path + [item.navigation.name]) else { return nil }
            var expansion = Expansion(item: item, table: child)
            expansion.shown = min(item.query.top ?? limits.pageSize, limits.pageSize)
            expansion.nested = plan(call, item.query.expand, table: child)
            return expansion
        }
    }

    private func summary(_ call: Call, _ item: ExpandItem) -> Summary? {
        service.summary(for: item.navigation.name, on: call.path.cast ?? call.path.type)
            ?? service.summaries.first(where: { $0.navigation == item.navigation.name })
    }

    /// What an expanded collection's members are: its `$filter`, `$orderby` and `$skip`.
    private func memberQuery(_ call: Call, _ e: Expansion, _ table: StorageTable) -> ListQuery {
        var lq = ListQuery(model: call.model, types: call.version.types(table, cast: nil), limit: e.shown + 1)
        lq.filter = e.item.query.filter
        lq.order = e.item.query.orderBy
        lq.offset = e.item.query.skip ?? 0
        return lq
    }

    /// Reads the members of the expanded collections of `groups` (rows of `table` under their
    /// containers) and, in turn, theirs: a statement per collection and group (see
    /// `EntityStore.list(_:tenant:parents:containers:_:)`), no more rows of each parent than it shows.
    /// Returns how many members it read.
    private func readMembers(
        _ call: Call, _ expansions: inout [Expansion], table: StorageTable, groups: [(prefix: [String], rows: [StoredEntity])]
    ) async throws -> Int {
        let tenant = call.request.tenant
        // The singleton's collections are the top-level ones: one per tenant, none contained by a row.
        let ofSingleton = table.path.isEmpty
        var read = 0
        for i in expansions.indices {
            guard let child = expansions[i].table else { continue }
            let shown = expansions[i].shown
            let lq = memberQuery(call, expansions[i], child)
            var nestedGroups: [(prefix: [String], rows: [StoredEntity])] = []
            for group in Self.admitted(groups, by: expansions[i].item) {
                let found =
                    ofSingleton
                    ? [group.rows[0].id: try await store.list(child, in: Scope(tenant: tenant, parents: []), lq)]
                    : try await store.list(child, tenant: tenant, parents: group.prefix, containers: group.rows.map(\.id), lq)
                for row in group.rows {
                    var members = found[row.id] ?? []
                    if members.count > shown {
                        members.removeLast(members.count - shown)
                        if expansions[i].item.query.top.map({ $0 > shown }) ?? true { expansions[i].more.insert(row.id) }
                    }
                    read += members.count
                    expansions[i].members[row.id] = members
                    nestedGroups.append((ofSingleton ? [] : group.prefix + [row.id], members))
                }
            }
            if !expansions[i].nested.isEmpty {
                read += try await readMembers(call, &expansions[i].nested, table: child, groups: nestedGroups)
            }
        }
        return read
    }

    /// Reads what the expansions of `groups` (rows of `table` under their containers) hold for all of
    /// them at once: their summaries and `$count`s, one statement per item and group.
    private func readCountsAndSummaries(
        _ call: Call, _ expansions: inout [Expansion], table: StorageTable, groups: [(prefix: [String], rows: [StoredEntity])]
    ) async throws {
        let tenant = call.request.tenant
        let ofSingleton = table.path.isEmpty
        for i in expansions.indices {
            let item = expansions[i].item
            guard let child = expansions[i].table else {
                guard let summary = summary(call, item) else { continue }
                let plan = call.version.summaryPlan(summary, type: item.type, parentTable: table, store: store)
                let selected = plan.selection(item.query.select)
                for group in Self.admitted(groups, by: item) {
                    // One query for the counts of every row of the group.
                    let key = { (row: StoredEntity) in Scope(tenant: tenant, parents: group.prefix + [row.id]).parentKey }
                    let counts = Dictionary(
                        grouping: try await store.counts(tenant: tenant, parentKeys: group.rows.map(key), sources: plan.sources),
                        by: \.parent)
                    for row in group.rows {
                        expansions[i].summaries[row.id] = plan.write(
                            tenant: tenant, parentID: row.id, counts: counts[key(row)] ?? [], context: nil, selected: selected,
                            format: call.format
                        ) { row.values[$0] }
                    }
                }
                continue
            }
            if item.query.count {
                let lq = memberQuery(call, expansions[i], child)
                for group in Self.admitted(groups, by: item) {
                    let counted =
                        ofSingleton
                        ? [group.rows[0].id: try await store.count(child, in: Scope(tenant: tenant, parents: []), lq)]
                        : try await store.count(child, tenant: tenant, parents: group.prefix, containers: group.rows.map(\.id), lq)
                    expansions[i].counts = (expansions[i].counts ?? [:]).merging(counted) { $1 }
                }
            }
            if !expansions[i].nested.isEmpty {
                let members = expansions[i].members
                let nestedGroups = groups.flatMap { group in
                    group.rows.map { (ofSingleton ? [] : group.prefix + [$0.id], members[$0.id] ?? []) }
                }
                try await readCountsAndSummaries(call, &expansions[i].nested, table: child, groups: nestedGroups)
            }
        }
    }

    /// The groups' rows that `item` expands on (all, unless it is cast to a type), in groups that have any.
    private static func admitted(_ groups: [(prefix: [String], rows: [StoredEntity])], by item: ExpandItem)
        -> [(prefix: [String], rows: [StoredEntity])]
    {
        guard item.types != nil else { return groups.filter { !$0.rows.isEmpty } }
        return groups.compactMap { group in
            let rows = group.rows.filter { item.expands(on: $0.type) }
            return rows.isEmpty ? nil : (group.prefix, rows)
        }
    }

    /// Writes the expanded navigations of the entity `id` of the type `type` (whose canonical path is `path`).
    func writeExpansions(_ call: Call, _ expansions: [Expansion], id: String, type: String, path: String, to w: inout JSONWriter) {
        for e in expansions where e.item.expands(on: type) {
            let name = e.item.navigation.name
            guard let table = e.table else {
                if let json = e.summaries[id] {
                    w.key(name)
                    w.raw(json)
                }
                continue
            }
            let members = e.members[id] ?? []
            if e.item.query.count {
                w.key("\(name)@odata.count")
                w.count(e.counts?[id] ?? 0, format: call.format)
            }
            w.key(name)
            w.beginArray()
            var projection: EntityProjection?
            var selected: EntityProjection.Selection?
            for member in members {
                if projection?.typeName != member.type {
                    projection = call.version.projection(table, type: member.type)
                    selected = projection?.selection(e.item.query.select)
                }
                let memberPath = "\(path)/\(name)('\(ResourcePath.quoted(member.id))')"
                projection?.write(member, context: nil, selected: selected, format: call.format, to: &w) { w in
                    writeExpansions(call, e.nested, id: member.id, type: member.type, path: memberPath, to: &w)
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
