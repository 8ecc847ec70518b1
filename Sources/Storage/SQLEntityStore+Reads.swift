/// Reads of one entity, counts of members, and whether a container exists.
extension SQLEntityStore {
    public func get(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?) async throws -> StoredEntity? {
        try await database.query(getStatement(table, in: scope, id: id, types: types)).first.map(entity(from:))
    }

    public func get(
        _ table: StorageTable, in scope: Scope, id: String, types: Set<String>?, each body: (EntityRow) throws -> Void
    ) async throws -> Bool {
        let columnCount = table.columns.count
        var found = false
        try await database.query(getStatement(table, in: scope, id: id, types: types)) { row in
            found = true
            try body(EntityRow(row: row, columnCount: columnCount, keyCount: 0))
        }
        return found
    }

    private func getStatement(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?) -> SQLStatement {
        if types == nil, scope.parents.count == table.parentKeyColumns.count, let text = getTexts[table.name] {
            var bindings: [SQLValue] = []
            bindings.reserveCapacity(2 + scope.parents.count)
            bindings.append(.text(scope.tenant))
            for key in scope.parents { bindings.append(.text(key)) }
            bindings.append(.text(id))
            return SQLStatement(text, bindings)
        }
        var b = SQLBuilder(d)
        Self.get(&b, table, select: selectList(table), in: scope, id: id)
        typeCondition(&b, types)
        return b.statement
    }

    /// `SELECT <select> FROM table WHERE <scope> AND id = ?`, bound in that order.
    static func get(_ b: inout SQLBuilder, _ table: StorageTable, select: String, in scope: Scope, id: String) {
        b.append("SELECT "); b.append(select); b.append(" FROM "); b.identifier(table.name); b.append(" WHERE ")
        Self.scopeCondition(&b, table, scope)
        b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.text(id))
    }

    public func count(_ table: StorageTable, in scope: Scope, _ query: ListQuery) async throws -> Int {
        var b = SQLBuilder(d)
        b.append("SELECT COUNT(*) FROM "); b.identifier(table.name); b.append(" WHERE ")
        Self.scopeCondition(&b, table, scope)
        typeCondition(&b, query.types)
        excludedCondition(&b, query)
        if let filter = try filterCondition(table, query) { b.append(" AND "); b.append(filter) }
        guard case .integer(let n)? = try await database.query(b.statement).first?.first else {
            throw StorageError(.internalError, "COUNT returned no number")
        }
        return Int(n)
    }

    public func count(_ table: StorageTable, tenant: String, parents: [String], containers: [String], _ query: ListQuery)
        async throws -> [String: Int]
    {
        guard !containers.isEmpty, table.depth == parents.count + 1 else { return [:] }
        let group = "\(d.quote(table.name)).\(d.quote(table.parentKeyColumns.last!))"
        var b = SQLBuilder(d)
        b.append("SELECT \(group), COUNT(*) FROM "); b.identifier(table.name); b.append(" WHERE ")
        Self.scopeCondition(&b, table, Scope(tenant: tenant, parents: parents))
        b.append(" AND \(group) IN (")
        b.list(containers) { b, c in b.bind(.text(c)) }
        b.append(")")
        typeCondition(&b, query.types)
        excludedCondition(&b, query)
        if let filter = try filterCondition(table, query) { b.append(" AND "); b.append(filter) }
        b.append(" GROUP BY \(group)")
        return try await groupedCounts(b.statement)
    }

    /// Container → count, from rows of two columns.
    private func groupedCounts(_ statement: SQLStatement) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try await database.query(statement) {
            guard row.count == 2, case .text(let container) = row[0], case .integer(let n) = row[1] else {
                throw StorageError(.internalError, "malformed grouped count")
            }
            out[container] = Int(n)
        }
        return out
    }

    /// `EXISTS (SELECT 1 FROM parent WHERE …)` for the container of `scope`.
    private func containerCondition(_ b: inout SQLBuilder, _ table: StorageTable, _ scope: Scope) -> Bool {
        guard let parentName = table.parent, let parent = layout.table(named: parentName), !scope.parents.isEmpty else {
            return false
        }
        b.append("EXISTS (SELECT 1 FROM "); b.identifier(parent.name); b.append(" WHERE ")
        Self.scopeCondition(&b, parent, Scope(tenant: scope.tenant, parents: Array(scope.parents.dropLast())))
        b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.text(scope.parents.last!))
        b.append(")")
        return true
    }

    public func containerExists(_ table: StorageTable, in scope: Scope) async throws -> Bool {
        var b = SQLBuilder(d)
        b.append("SELECT ")
        guard containerCondition(&b, table, scope) else { return true }
        switch try await database.query(b.statement).first?.first {
        case .integer(let n)?: return n != 0
        case .boolean(let b)?: return b
        default: return false
        }
    }
}
