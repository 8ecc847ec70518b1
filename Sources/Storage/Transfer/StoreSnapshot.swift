/// A store as it was at one moment, read in key order a page at a time: what an export copies.
public protocol StoreSnapshot: Sendable {
    /// Rows of `table`, every tenant's, in key order (tenant, containers' keys, id): at most `limit`
    /// after `cursor`, from the start when it is nil.
    func dump(_ table: StorageTable, after cursor: DumpedRow?, limit: Int) async throws -> [DumpedRow]

    /// When each container's counted rows last changed (what a summary's `lastUpdateDateTime` says), every
    /// tenant's, in key order: at most `limit` after `cursor`. Rows copied into a store are counted at
    /// once, but changed when their first store says.
    func dumpCountsUpdated(after cursor: CountsUpdated?, limit: Int) async throws -> [CountsUpdated]

    /// The deletion marks the store held (`BackgroundPurgeStore`), oldest first.
    func purgeMarks() async throws -> [EntityKey]
}

/// `StoreSnapshot` over a SQL database's snapshot reads (`SQLDatabase.withSnapshot`).
struct SQLStoreSnapshot: StoreSnapshot {
    let layout: StorageLayout
    let dialect: any SQLDialect
    /// Each table's `"id", "_type", "col1", …`, as `SQLEntityStore` reads rows.
    let selectLists: [String: String]
    let query: @Sendable (SQLStatement) async throws -> [[SQLValue]]

    func dump(_ table: StorageTable, after cursor: DumpedRow?, limit: Int) async throws -> [DumpedRow] {
        // The primary key's columns, so the index is read in order; a singleton's key is its tenant.
        let keys = ["_tenant"] + table.parentKeyColumns + (table.isSingleton ? [] : ["id"])
        var b = SQLBuilder(dialect)
        b.append("SELECT ")
        b.list(["_tenant"] + table.parentKeyColumns) { b, name in b.identifier(name) }
        b.append(", \(selectLists[table.name]!) FROM "); b.identifier(table.name)
        after(&b, keys, cursor.map { [$0.scope.tenant] + $0.scope.parents + (table.isSingleton ? [] : [$0.entity.id]) })
        page(&b, keys, limit: limit)
        let depth = table.parentKeyColumns.count
        return try await query(b.statement).map { row in
            let texts = row.prefix(3 + depth).compactMap { value -> String? in
                guard case .text(let text) = value else { return nil }
                return text
            }
            // The tenant, the containers' keys, the id and the type, then the columns.
            guard texts.count == 3 + depth, row.count == 3 + depth + table.columns.count else {
                throw StorageError(.internalError, "a row of \(table.name) has no key or type")
            }
            return DumpedRow(
                scope: Scope(tenant: texts[0], parents: Array(texts[1..<(1 + depth)])),
                entity: StoredEntity(id: texts[1 + depth], type: texts[2 + depth], values: Array(row[(3 + depth)...])))
        }
    }

    func dumpCountsUpdated(after cursor: CountsUpdated?, limit: Int) async throws -> [CountsUpdated] {
        let keys = ["_tenant", "source", "parent"]
        var b = SQLBuilder(dialect)
        b.append("SELECT "); b.list(keys) { b, name in b.identifier(name) }
        b.append(", MAX("); b.identifier("updated"); b.append(") FROM "); b.identifier(StorageLayout.countsTable)
        after(&b, keys, cursor.map { [$0.tenant, $0.source, $0.parent] })
        b.append(" GROUP BY "); b.list(keys) { b, name in b.identifier(name) }
        page(&b, keys, limit: limit)
        return try await query(b.statement).map { row in
            guard row.count == 4, case .text(let tenant) = row[0], case .text(let source) = row[1], case .text(let parent) = row[2],
                case .integer(let ticks) = row[3]
            else { throw StorageError(.internalError, "malformed summary count row") }
            return CountsUpdated(tenant: tenant, source: source, parent: parent, ticks: ticks)
        }
    }

    func purgeMarks() async throws -> [EntityKey] {
        try DeletionMarkRows.keys(try await query(DeletionMarkRows.select(dialect)), layout)
    }

    /// ` WHERE (k1, k2, …) > (?, ?, …)`: the rows after `cursor`'s key, if there is one.
    private func after(_ b: inout SQLBuilder, _ keys: [String], _ cursor: [String]?) {
        guard let cursor else { return }
        b.append(" WHERE ("); b.list(keys) { b, name in b.identifier(name) }
        b.append(") > ("); b.list(cursor) { b, value in b.bind(.text(value)) }; b.append(")")
    }

    /// ` ORDER BY k1, k2, … LIMIT ?`: a page in key order.
    private func page(_ b: inout SQLBuilder, _ keys: [String], limit: Int) {
        b.append(" ORDER BY "); b.list(keys) { b, name in b.identifier(name) }
        b.append(" LIMIT "); b.bind(.integer(Int64(limit)))
    }
}
