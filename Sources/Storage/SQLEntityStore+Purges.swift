/// Deletion marks, and the purge in steps of what a marked entity contains (`BackgroundPurgeStore`).
extension SQLEntityStore {
    /// The tables whose rows an entity of `table` contains, at any depth, the most deeply contained first
    /// (so that no step's delete cascades into rows it did not count).
    func containedTables(_ table: StorageTable) -> [StorageTable] {
        layout.tables.filter { $0.path.count > table.path.count && $0.path.starts(with: table.path) }
            .sorted { $0.path.count > $1.path.count }
    }

    /// `"_tenant" = ? AND "_p1" = ? …`: the rows of `contained` inside the entity `key`.
    private func insideCondition(_ b: inout SQLBuilder, _ contained: StorageTable, _ key: EntityKey) {
        b.identifier("_tenant"); b.append(" = "); b.bind(.text(key.tenant))
        for (column, value) in zip(contained.parentKeyColumns, key.path) {
            b.append(" AND "); b.identifier(column); b.append(" = "); b.bind(.text(value))
        }
    }

    public func purgeMarks() async throws -> [EntityKey] {
        try DeletionMarkRows.keys(try await database.query(DeletionMarkRows.select(d)), layout)
    }

    public func containedRows(_ key: EntityKey, upTo limit: Int) async throws -> Int {
        guard let table = layout.table(named: key.table) else { return 0 }
        var total = 0
        for contained in containedTables(table) where total < limit {
            var b = SQLBuilder(d)
            b.append("SELECT COUNT(*) FROM (SELECT 1 FROM "); b.identifier(contained.name); b.append(" WHERE ")
            insideCondition(&b, contained, key)
            b.append(" LIMIT "); b.bind(.integer(Int64(limit - total))); b.append(") AS "); b.identifier("_rows")
            guard case .integer(let n)? = try await database.query(b.statement).first?.first else {
                throw StorageError(.internalError, "COUNT returned no number")
            }
            total += Int(n)
        }
        return total
    }

    public func markDeleted(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?) async throws -> Bool {
        let key = EntityKey(tenant: scope.tenant, table: table.name, parents: scope.parents, id: id)
        var b = SQLBuilder(d)
        b.append("INSERT INTO "); b.identifier(StorageLayout.purgesTable); b.append(" (")
        b.list(["_tenant", "table", "key", "deleted"]) { b, name in b.identifier(name) }
        b.append(") SELECT "); b.bind(.text(key.tenant)); b.append(", "); b.bind(.text(key.table)); b.append(", ")
        b.bind(.text(key.joinedPath)); b.append(", \(d.nowTicks) WHERE EXISTS (SELECT 1 FROM "); b.identifier(table.name)
        b.append(" WHERE ")
        Self.scopeCondition(&b, table, scope)
        b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.text(id))
        typeCondition(&b, types)
        b.append(") ON CONFLICT DO NOTHING")
        return try await database.write(b.statement).changes > 0
    }

    public func purgeContents(_ key: EntityKey, rows limit: Int) async throws -> Int {
        guard let table = layout.table(named: key.table) else { return 0 }
        var total = 0
        for contained in containedTables(table) where total < limit {
            // The key columns below the entity's: the rows a step deletes, found through the primary key.
            let below = Array(contained.parentKeyColumns.dropFirst(key.path.count)) + ["id"]
            var b = SQLBuilder(d)
            b.append("DELETE FROM "); b.identifier(contained.name); b.append(" WHERE ")
            insideCondition(&b, contained, key)
            b.append(" AND ("); b.list(below) { b, name in b.identifier(name) }; b.append(") IN (SELECT ")
            b.list(below) { b, name in b.identifier(name) }
            b.append(" FROM "); b.identifier(contained.name); b.append(" WHERE ")
            insideCondition(&b, contained, key)
            b.append(" LIMIT "); b.bind(.integer(Int64(limit - total))); b.append(")")
            total += try await database.write(b.statement).changes
        }
        return total
    }

    public func finishPurge(_ key: EntityKey) async throws {
        if let table = layout.table(named: key.table) {
            var b = SQLBuilder(d)
            b.append("DELETE FROM "); b.identifier(table.name); b.append(" WHERE ")
            Self.scopeCondition(&b, table, Scope(tenant: key.tenant, parents: key.parents))
            b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.text(key.id))
            _ = try await database.write(b.statement)
        }
        var m = SQLBuilder(d)
        m.append("DELETE FROM "); m.identifier(StorageLayout.purgesTable); m.append(" WHERE ")
        m.identifier("_tenant"); m.append(" = "); m.bind(.text(key.tenant))
        m.append(" AND "); m.identifier("table"); m.append(" = "); m.bind(.text(key.table))
        m.append(" AND "); m.identifier("key"); m.append(" = "); m.bind(.text(key.joinedPath))
        _ = try await database.write(m.statement)
    }
}

/// How the deletion marks are read, by a store and by its snapshots alike.
enum DeletionMarkRows {
    /// Every mark, oldest first.
    static func select(_ d: any SQLDialect) -> SQLStatement {
        var b = SQLBuilder(d)
        b.append("SELECT "); b.list(["_tenant", "table", "key"]) { b, name in b.identifier(name) }
        b.append(" FROM "); b.identifier(StorageLayout.purgesTable)
        b.append(" ORDER BY "); b.list(["deleted", "_tenant", "table", "key"]) { b, name in b.identifier(name) }
        return b.statement
    }

    /// The marks' keys; a mark naming a table this model does not have (a later release's, kept in the
    /// store) is left where it is, unread.
    static func keys(_ rows: [[SQLValue]], _ layout: StorageLayout) throws -> [EntityKey] {
        try rows.compactMap { row in
            guard row.count == 3, case .text(let tenant) = row[0], case .text(let name) = row[1], case .text(let path) = row[2] else {
                throw StorageError(.internalError, "a malformed deletion mark")
            }
            return layout.table(named: name).flatMap { EntityKey(tenant: tenant, table: $0, joinedPath: path) }
        }
    }
}
