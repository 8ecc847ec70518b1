/// `EntityStore` over any `SQLDatabase`: the statements are built here once per shape, with bound
/// parameters only, through the database's dialect.
public struct SQLEntityStore<Database: SQLDatabase>: EntityStore {
    public let layout: StorageLayout
    public let database: Database
    private var d: any SQLDialect { database.dialect }

    public init(layout: StorageLayout, database: Database) {
        self.layout = layout
        self.database = database
    }

    public func prepare() async throws {
        try await database.migrate(layout.schemaPlan(database.dialect))
    }

    public func close() async throws { try await database.close() }

    // MARK: statements

    /// `"id", "_type", "col1", …` — the order `entity(from:)` reads.
    private func selectList(_ table: StorageTable) -> String {
        ([d.quote("id"), d.quote("_type")] + table.columns.map { d.quote($0.name) }).joined(separator: ", ")
    }

    /// `"_tenant" = ? AND "_p1" = ? …`
    private func scopeCondition(_ b: inout SQLBuilder, _ table: StorageTable, _ scope: Scope) {
        b.identifier("_tenant"); b.append(" = "); b.bind(.text(scope.tenant))
        for (column, key) in zip(table.parentKeyColumns, scope.parents) {
            b.append(" AND "); b.identifier(column); b.append(" = "); b.bind(.text(key))
        }
    }

    private func typeCondition(_ b: inout SQLBuilder, _ types: Set<String>?) {
        guard let types else { return }
        b.append(" AND "); b.identifier("_type"); b.append(" IN (")
        b.list(types.sorted()) { b, t in b.bind(.text(t)) }
        b.append(")")
    }

    private func entity(from row: [SQLValue]) throws -> StoredEntity {
        guard row.count >= 2, case .text(let id) = row[0], case .text(let type) = row[1] else {
            throw StorageError(.internalError, "a stored row has no id or type")
        }
        return StoredEntity(id: id, type: type, values: Array(row[2...]))
    }

    // MARK: EntityStore

    public func list(_ table: StorageTable, in scope: Scope, types: Set<String>?, after: String?, limit: Int) async throws
        -> [StoredEntity]
    {
        var b = SQLBuilder(d)
        b.append("SELECT \(selectList(table)) FROM "); b.identifier(table.name); b.append(" WHERE ")
        scopeCondition(&b, table, scope)
        typeCondition(&b, types)
        if let after { b.append(" AND "); b.identifier("id"); b.append(" > "); b.bind(.text(after)) }
        b.append(" ORDER BY "); b.identifier("id"); b.append(" LIMIT "); b.bind(.integer(Int64(limit)))
        return try await database.query(b.statement).map(entity(from:))
    }

    public func get(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?) async throws -> StoredEntity? {
        var b = SQLBuilder(d)
        b.append("SELECT \(selectList(table)) FROM "); b.identifier(table.name); b.append(" WHERE ")
        scopeCondition(&b, table, scope)
        b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.text(id))
        typeCondition(&b, types)
        return try await database.query(b.statement).first.map(entity(from:))
    }

    public func count(_ table: StorageTable, in scope: Scope, types: Set<String>?) async throws -> Int {
        var b = SQLBuilder(d)
        b.append("SELECT COUNT(*) FROM "); b.identifier(table.name); b.append(" WHERE ")
        scopeCondition(&b, table, scope)
        typeCondition(&b, types)
        guard case .integer(let n)? = try await database.query(b.statement).first?.first else {
            throw StorageError(.internalError, "COUNT returned no number")
        }
        return Int(n)
    }

    /// `EXISTS (SELECT 1 FROM parent WHERE …)` for the container of `scope`.
    private func containerCondition(_ b: inout SQLBuilder, _ table: StorageTable, _ scope: Scope) -> Bool {
        guard let parentName = table.parent, let parent = layout.table(named: parentName), !scope.parents.isEmpty else {
            return false
        }
        b.append("EXISTS (SELECT 1 FROM "); b.identifier(parent.name); b.append(" WHERE ")
        scopeCondition(&b, parent, Scope(tenant: scope.tenant, parents: Array(scope.parents.dropLast())))
        b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.text(scope.parents.last!))
        b.append(")")
        return true
    }

    public func containerExists(_ table: StorageTable, in scope: Scope) async throws -> Bool {
        var b = SQLBuilder(d)
        b.append("SELECT ")
        guard containerCondition(&b, table, scope) else { return true }
        guard case .integer(let n)? = try await database.query(b.statement).first?.first else { return false }
        return n != 0
    }

    public func insert(_ table: StorageTable, in scope: Scope, _ entity: StoredEntity) async throws {
        precondition(entity.values.count == table.columns.count, "row does not match \(table.name)")
        var b = SQLBuilder(d)
        b.append("INSERT INTO "); b.identifier(table.name); b.append(" (")
        let names = ["_tenant"] + table.parentKeyColumns + ["id", "_type"] + table.columns.map(\.name)
        b.list(names) { b, n in b.identifier(n) }
        b.append(") SELECT ")
        let values: [SQLValue] = [.text(scope.tenant)] + scope.parents.map { .text($0) } + [.text(entity.id), .text(entity.type)] + entity.values
        b.list(values) { b, v in b.bind(v) }
        var guarded = false
        if table.depth > 0 {
            b.append(" WHERE ")
            guarded = containerCondition(&b, table, scope)
        }
        let result = try await database.write(b.statement)
        if guarded, result.changes == 0 { throw StorageError(.parentNotFound, "the containing entity does not exist") }
    }

    public func update(
        _ table: StorageTable, in scope: Scope, id: String, types: Set<String>?, set: [(column: Int, value: SQLValue)]
    ) async throws -> StoredEntity? {
        var b = SQLBuilder(d)
        b.append("UPDATE "); b.identifier(table.name); b.append(" SET ")
        if set.isEmpty {
            b.identifier("id"); b.append(" = "); b.identifier("id")
        }
        b.list(set) { b, change in
            b.identifier(table.columns[change.column].name); b.append(" = "); b.bind(change.value)
        }
        b.append(" WHERE ")
        scopeCondition(&b, table, scope)
        if !table.isSingleton { b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.text(id)) }
        typeCondition(&b, types)
        b.append(" RETURNING \(selectList(table))")
        return try await database.write(b.statement).rows.first.map(entity(from:))
    }

    public func delete(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?) async throws -> Bool {
        var b = SQLBuilder(d)
        b.append("DELETE FROM "); b.identifier(table.name); b.append(" WHERE ")
        scopeCondition(&b, table, scope)
        b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.text(id))
        typeCondition(&b, types)
        return try await database.write(b.statement).changes > 0
    }

    public func counts(tenant: String, parentKey: String, sources: [String]) async throws -> [SummaryCount] {
        var b = SQLBuilder(d)
        b.append("SELECT "); b.list(["source", "bucket", "n", "updated"]) { b, c in b.identifier(c) }
        b.append(" FROM "); b.identifier(StorageLayout.countsTable)
        b.append(" WHERE "); b.identifier("_tenant"); b.append(" = "); b.bind(.text(tenant))
        b.append(" AND "); b.identifier("parent"); b.append(" = "); b.bind(.text(parentKey))
        b.append(" AND "); b.identifier("source"); b.append(" IN (")
        b.list(sources) { b, s in b.bind(.text(s)) }
        b.append(")")
        return try await database.query(b.statement).map { row in
            guard row.count == 4, case .text(let source) = row[0], case .text(let bucket) = row[1],
                case .integer(let n) = row[2], case .integer(let updated) = row[3]
            else { throw StorageError(.internalError, "malformed summary count row") }
            return SummaryCount(source: source, bucket: bucket, count: n, updatedTicks: updated)
        }
    }

    public func singleton(_ table: StorageTable, tenant: String, initial: StoredEntity) async throws -> StoredEntity {
        var b = SQLBuilder(d)
        b.append("SELECT \(selectList(table)) FROM "); b.identifier(table.name)
        b.append(" WHERE "); b.identifier("_tenant"); b.append(" = "); b.bind(.text(tenant))
        if let row = try await database.query(b.statement).first { return try entity(from: row) }
        var i = SQLBuilder(d)
        i.append("INSERT INTO "); i.identifier(table.name); i.append(" (")
        i.list(["_tenant", "id", "_type"] + table.columns.map(\.name)) { b, n in b.identifier(n) }
        i.append(") VALUES (")
        i.list([.text(tenant), .text(initial.id), .text(initial.type)] + initial.values) { b, v in b.bind(v) }
        i.append(") ON CONFLICT ("); i.identifier("_tenant"); i.append(") DO NOTHING")
        _ = try await database.write(i.statement)
        guard let row = try await database.query(b.statement).first else {
            throw StorageError(.internalError, "the singleton row of \(table.name) could not be created")
        }
        return try entity(from: row)
    }
}
