/// The kept summary counts: read alone, read with their entity in one statement, and when they last moved.
extension SQLEntityStore {
    public func counts(tenant: String, parentKeys: [String], sources: [String]) async throws -> [SummaryCount] {
        guard !parentKeys.isEmpty, !sources.isEmpty else { return [] }
        let width = layout.countColumnCount
        var b = SQLBuilder(d)
        b.append("SELECT "); b.identifier("parent"); b.append(", "); countValues(&b)
        b.append(" FROM "); b.identifier(StorageLayout.countsTable)
        b.append(" WHERE "); b.identifier("_tenant"); b.append(" = "); b.bind(.text(tenant))
        b.append(" AND "); b.identifier("parent")
        if parentKeys.count == 1 {
            b.append(" = "); b.bind(.text(parentKeys[0]))
        } else {
            b.append(" IN ("); b.list(parentKeys) { b, k in b.bind(.text(k)) }; b.append(")")
        }
        b.append(" AND "); b.identifier("source"); b.append(" IN (")
        b.list(sources) { b, s in b.bind(.text(s)) }
        b.append(")")
        shardsAddedUp(&b, by: ["parent", "source"])
        var counts: [SummaryCount] = []
        try await database.query(b.statement) { row in
            guard row.count == width + 3, case .text(let parent) = row[0], case .text(let source) = row[1],
                let table = layout.table(named: String(decoding: source, as: UTF8.self))
            else { throw StorageError(.internalError, "malformed summary count row") }
            try appendCounts(
                row, from: 2, buckets: table.buckets, parent: String(decoding: parent, as: UTF8.self), source: table.name, to: &counts)
        }
        return counts
    }

    public func countsRead(_ table: StorageTable, types: Set<String>?, columns: [String], sources: [String]) -> CountsRead {
        let types = types?.sorted()
        let columns = columns.compactMap(table.columnIndex)
        let width = layout.countColumnCount
        // SELECT id, _type, <columns>, NULL × (width + 2) FROM T WHERE <scope> AND id = ? …
        // UNION ALL SELECT NULL × n, source, n0, …, updated FROM counts WHERE _tenant = ? AND source = ? AND parent = ?,
        // once per source (not a join: that would repeat the entity's columns on every count's row; not
        // `source IN (…)`: SQLite builds an ephemeral index of a bound IN list on every run). The
        // bindings, in order, are the ones `getWithCounts` makes.
        var b = SQLBuilder(d)
        b.append("SELECT ")
        b.list(["id", "_type"] + columns.map { table.columns[$0].name }) { b, name in b.identifier(name) }
        b.append(", "); b.list(0..<(width + 2)) { b, _ in b.append("NULL") }
        b.append(" FROM "); b.identifier(table.name); b.append(" WHERE ")
        Self.scopeCondition(&b, table, Scope(tenant: "", parents: table.parentKeyColumns.map { _ in "" }))
        b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.null)
        if let types {
            b.append(" AND "); b.identifier("_type"); b.append(" IN ("); b.list(types) { b, _ in b.bind(.null) }; b.append(")")
        }
        for _ in sources {
            b.append(" UNION ALL SELECT "); b.list(0..<(2 + columns.count)) { b, _ in b.append("NULL") }
            b.append(", "); countValues(&b)
            b.append(" FROM "); b.identifier(StorageLayout.countsTable)
            b.append(" WHERE "); b.identifier("_tenant"); b.append(" = "); b.bind(.null)
            b.append(" AND "); b.identifier("source"); b.append(" = "); b.bind(.null)
            b.append(" AND "); b.identifier("parent"); b.append(" = "); b.bind(.null)
            shardsAddedUp(&b, by: ["source"])
        }
        return CountsRead(
            table: table, types: types, columns: columns, sources: sources,
            buckets: sources.map { layout.table(named: $0)?.buckets ?? [] }, text: b.statement.sql)
    }

    public func getWithCounts(_ read: CountsRead, in scope: Scope, id: String) async throws -> CountedEntity? {
        let parent = Scope(tenant: scope.tenant, parents: scope.parents + [id]).parentKey
        var bindings: [SQLValue] = []
        bindings.reserveCapacity(2 + scope.parents.count + (read.types?.count ?? 0) + 3 * read.sources.count)
        bindings.append(.text(scope.tenant))
        for key in scope.parents.prefix(read.table.parentKeyColumns.count) { bindings.append(.text(key)) }
        bindings.append(.text(id))
        for type in read.types ?? [] { bindings.append(.text(type)) }
        for source in read.sources {
            bindings.append(.text(scope.tenant))
            bindings.append(.text(source))
            bindings.append(.text(parent))
        }
        let end = 2 + read.columns.count
        var entity: (type: String, values: [SQLValue])?
        var counts: [SummaryCount] = []
        counts.reserveCapacity(16)
        // Read in place; the type and source names are the strings already at hand, not new copies.
        try await database.query(SQLStatement(read.text, bindings)) { row in
            guard row.count == end + layout.countColumnCount + 2 else { throw StorageError(.internalError, "malformed summary row") }
            if case .text = row[0], case .text(let type) = row[1] {
                var values: [SQLValue] = []
                values.reserveCapacity(read.columns.count)
                for offset in 0..<read.columns.count { values.append(row[2 + offset].value) }
                entity = (read.typeNames.name(type), values)
                return
            }
            guard case .text(let source) = row[end], let s = read.sourceNames.index(source) else {
                throw StorageError(.internalError, "malformed summary count row")
            }
            try appendCounts(row, from: end + 1, buckets: read.buckets[s], parent: parent, source: read.sources[s], to: &counts)
        }
        return entity.map { CountedEntity(id: id, type: $0.type, values: $0.values, counts: counts) }
    }

    public func setCountsUpdated(_ value: CountsUpdated) async throws {
        var u = SQLBuilder(d)
        u.append("UPDATE "); u.identifier(StorageLayout.countsTable); u.append(" SET "); u.identifier("updated")
        u.append(" = "); u.bind(.integer(value.ticks))
        u.append(" WHERE "); u.identifier("_tenant"); u.append(" = "); u.bind(.text(value.tenant))
        u.append(" AND "); u.identifier("source"); u.append(" = "); u.bind(.text(value.source))
        u.append(" AND "); u.identifier("parent"); u.append(" = "); u.bind(.text(value.parent))
        guard try await database.write(u.statement).changes == 0 else { return }
        // Its rows are all gone (their counts are zero): a row of zeros keeps when that happened.
        var i = SQLBuilder(d)
        i.append("INSERT INTO "); i.identifier(StorageLayout.countsTable); i.append(" (")
        i.list(["_tenant", "source", "parent", "shard", "updated"]) { b, name in b.identifier(name) }
        i.append(") VALUES (")
        i.list([.text(value.tenant), .text(value.source), .text(value.parent), .integer(0), .integer(value.ticks)]) { b, v in b.bind(v) }
        i.append(") ON CONFLICT ("); i.list(["_tenant", "source", "parent", "shard"]) { b, name in b.identifier(name) }
        i.append(") DO NOTHING")
        _ = try await database.write(i.statement)
    }
}


/// How the kept counts are read (a summary's read and `counts`).
extension SQLEntityStore {
    /// `source, n0, …, updated` of the kept counts, each count the sum of its shards where the dialect
    /// has them (see `SQLDialect.countShard`; and the statement ends with `shardsAddedUp`).
    fileprivate func countValues(_ b: inout SQLBuilder) {
        b.identifier("source")
        let columns = (0..<layout.countColumnCount).map(StorageLayout.countColumn)
        if d.countShard == nil {
            for column in columns { b.append(", "); b.identifier(column) }
            b.append(", "); b.identifier("updated")
        } else {
            for column in columns { b.append(", CAST(SUM("); b.identifier(column); b.append(") AS BIGINT)") }
            b.append(", MAX("); b.identifier("updated"); b.append(")")
        }
    }

    /// The counts of a row of kept counts whose `n0` is at `first` (its `updated` after the last count
    /// column): one for each of its source's `buckets`.
    fileprivate func appendCounts(
        _ row: SQLRow, from first: Int, buckets: [String], parent: String, source: String, to counts: inout [SummaryCount]
    ) throws {
        let width = layout.countColumnCount
        guard row.count == first + width + 1, buckets.count <= width, case .integer(let updated) = row[first + width] else {
            throw StorageError(.internalError, "malformed summary count row")
        }
        for (j, bucket) in buckets.enumerated() {
            guard case .integer(let n) = row[first + j] else { throw StorageError(.internalError, "malformed summary count row") }
            counts.append(SummaryCount(parent: parent, source: source, bucket: bucket, count: n, updatedTicks: updated))
        }
    }

    /// `GROUP BY` the counts' keys, where the dialect spreads them over shards.
    fileprivate func shardsAddedUp(_ b: inout SQLBuilder, by keys: [String]) {
        guard d.countShard != nil else { return }
        b.append(" GROUP BY "); b.list(keys) { b, key in b.identifier(key) }
    }
}
