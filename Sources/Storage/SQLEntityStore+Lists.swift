/// Pages of a container, and of many containers at once: the filter, the order and the position of
/// a list translated into one statement.
extension SQLEntityStore {
    /// The WHERE conditions a query adds: its filter (and nothing else; scope and types come first).
    func filterCondition(_ table: StorageTable, _ query: ListQuery) throws -> SQLFragment? {
        guard let filter = query.filter else { return nil }
        var translator = ExpressionTranslator(table: table, dialect: d, model: query.model, varyingEnums: layout.service.enumsThatVary)
        return try translator.predicate(filter)
    }

    /// The order keys' SQL, then `id` (never null: it orders as the primary key does, so the index serves it).
    private func orderKeys(_ table: StorageTable, _ query: ListQuery) throws -> [(sql: SQLFragment, descending: Bool, nullable: Bool)] {
        var translator = ExpressionTranslator(table: table, dialect: d, model: query.model, varyingEnums: layout.service.enumsThatVary)
        var keys: [(SQLFragment, Bool, Bool)] = []
        for key in query.order { keys.append((try translator.orderValue(key.expression), key.descending, true)) }
        keys.append((SQLFragment("\(d.quote(table.name)).\(d.quote("id"))"), false, false))
        return keys
    }

    /// `ORDER BY k1 ASC NULLS FIRST, …, id ASC` (null sorts first ascending, as OData says).
    private func orderClause(_ keys: [(sql: SQLFragment, descending: Bool, nullable: Bool)]) -> SQLFragment {
        SQLFragment.join(
            keys.map { key in
                guard key.nullable else { return key.sql + (key.descending ? " DESC" : " ASC") }
                return key.sql + (key.descending ? " DESC NULLS LAST" : " ASC NULLS FIRST")
            }, ", ")
    }

    /// Rows strictly after `values` in the order of `keys` (null being the smallest value): for each key,
    /// the rows equal on the keys before it and after it on this one. Built in one fragment (every deep
    /// page builds one; `+` of temporaries cost an allocation each).
    private func keysetCondition(_ keys: [(sql: SQLFragment, descending: Bool, nullable: Bool)], after values: [SQLValue]) throws -> SQLFragment {
        guard values.count == keys.count else {
            throw StorageError(.internalError, "a position has \(values.count) values for \(keys.count) keys")
        }
        var c = SQLFragment("")
        c.sql.reserveCapacity(64 * keys.count * keys.count + 64)
        c.bindings.reserveCapacity(keys.count * (keys.count + 1) / 2 + 1)
        // The same bound on the first key alone, which an index can seek to (the OR below it cannot).
        let seek = keys.count > 1 && !keys[0].descending && values[0] != .null
        if seek {
            c.append("("); c.append(keys[0].sql); c.append(" >= "); c.bind(values[0]); c.append(" AND ")
        }
        c.append("(")
        var alternatives = 0
        for i in keys.indices {
            let (key, descending, _) = keys[i]
            let v = values[i]
            if descending, v == .null { continue }  // nothing sorts after null descending
            if alternatives > 0 { c.append(" OR ") }
            alternatives += 1
            c.append("(")
            for j in 0..<i {
                c.append(keys[j].sql)
                if values[j] == .null { c.append(" IS NULL") } else { c.append(" = "); c.bind(values[j]) }
                c.append(" AND ")
            }
            if descending {
                c.append("("); c.append(key); c.append(" < "); c.bind(v); c.append(" OR "); c.append(key); c.append(" IS NULL)")
            } else {
                c.append(key)
                if v == .null { c.append(" IS NOT NULL") } else { c.append(" > "); c.bind(v) }
            }
            c.append(")")
        }
        guard alternatives > 0 else { return SQLFragment("1 = 0") }
        c.append(")")
        if seek { c.append(")") }
        return c
    }

    public func list(_ table: StorageTable, in scope: Scope, _ query: ListQuery) async throws -> [StoredEntity] {
        var out: [StoredEntity] = []
        try await list(table, in: scope, query, restart: { out.removeAll() }) { out.append($0.entity) }
        return out
    }

    public func list(
        _ table: StorageTable, in scope: Scope, _ query: ListQuery, restart: () -> Void, each body: (EntityRow) throws -> Void
    ) async throws {
        let keys = try orderKeys(table, query)
        var b = SQLBuilder(d)
        try page(&b, table, query, keys: keys) { Self.scopeCondition(&$0, table, scope) }
        let columnCount = table.columns.count, keyCount = keys.count - 1
        try await withoutActuallyEscaping(restart) { restart in
            try await database.query(b.statement, restart: restart) { row in
                try body(EntityRow(row: row, columnCount: columnCount, keyCount: keyCount))
            }
        }
    }

    /// A page of one container, as every list reads it: `SELECT <columns>, <sort keys> FROM table WHERE
    /// <scope> AND <types> AND <filter> [AND <after the position>] ORDER BY … LIMIT ? [OFFSET ?]`, the
    /// container written by `scope`.
    private func page(
        _ b: inout SQLBuilder, _ table: StorageTable, _ query: ListQuery, keys: [(sql: SQLFragment, descending: Bool, nullable: Bool)],
        scope: (inout SQLBuilder) -> Void
    ) throws {
        b.append("SELECT \(selectList(table))")
        for key in keys.dropLast() { b.append(", "); b.append(key.sql) }
        b.append(" FROM "); b.identifier(table.name); b.append(" WHERE ")
        scope(&b)
        typeCondition(&b, query.types)
        excludedCondition(&b, query)
        if let filter = try filterCondition(table, query) { b.append(" AND "); b.append(filter) }
        if let after = query.after { b.append(" AND "); b.append(try keysetCondition(keys, after: after)) }
        b.append(" ORDER BY "); b.append(orderClause(keys))
        b.append(" LIMIT "); b.bind(.integer(Int64(query.limit)))
        if query.offset > 0 { b.append(" OFFSET "); b.bind(.integer(Int64(query.offset))) }
    }

    /// One statement where the database joins laterally (each container's page a subquery of its own,
    /// `ORDER BY … LIMIT` on the index); elsewhere a statement per container. A window function over
    /// all the containers' rows (`ROW_NUMBER() OVER (PARTITION BY …)`), which both could run, reads every
    /// member of every container to keep a page of each.
    public func list(_ table: StorageTable, tenant: String, parents: [String], containers: [String], _ query: ListQuery)
        async throws -> [String: [StoredEntity]]
    {
        guard !containers.isEmpty, table.depth == parents.count + 1 else { return [:] }
        var out: [String: [StoredEntity]] = [:]
        guard d.joinsLaterally else {
            for container in containers {
                let members = try await list(table, in: Scope(tenant: tenant, parents: parents + [container]), query)
                if !members.isEmpty { out[container] = members }
            }
            return out
        }
        let keys = try orderKeys(table, query)
        let (members, group) = (d.quote("_m"), d.quote("_c") + "." + d.quote("_group"))
        var b = SQLBuilder(d)
        b.append("SELECT \(members).*, \(group) FROM (VALUES ")
        b.list(containers) { b, c in b.append("("); b.bind(.text(c)); b.append(")") }
        b.append(") AS \(d.quote("_c"))(\(d.quote("_group"))) CROSS JOIN LATERAL (")
        // Each container's page, its container the joined one.
        try page(&b, table, query, keys: keys) { b in
            Self.scopeCondition(&b, table, Scope(tenant: tenant, parents: parents))
            b.append(" AND \(d.quote(table.name)).\(d.quote(table.parentKeyColumns.last!)) = \(group)")
        }
        b.append(") AS \(members)")
        let width = 2 + table.columns.count + keys.count - 1
        try await database.query(b.statement, restart: { out.removeAll() }) { row in
            guard row.count == width + 1, case .text(let container) = row[width] else {
                throw StorageError(.internalError, "malformed grouped row")
            }
            let entity = try EntityRow(row: row, columnCount: table.columns.count, keyCount: keys.count - 1).entity
            out[String(decoding: container, as: UTF8.self), default: []].append(entity)
        }
        return out
    }
}
