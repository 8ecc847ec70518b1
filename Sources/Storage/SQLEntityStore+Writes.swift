/// Inserts (shared between concurrent creates where the database wants it), updates and deletes.
extension SQLEntityStore {
    public func insert(_ table: StorageTable, in scope: Scope, _ entities: [StoredEntity]) async throws {
        guard !entities.isEmpty else { return }
        let bindings = try insertBindings(table, in: scope, entities)
        // One statement for all the rows: they are stored together or not at all. The container is
        // checked by the table's foreign key (both backends report its violation as `parentNotFound`):
        // one lookup of the parent per row, under the lock a foreign key takes. (A guard `INSERT … SELECT
        // … WHERE EXISTS` looked the parent up twice, and SQLite runs an INSERT … SELECT into a table with
        // triggers through a temporary table.)
        guard let batcher else { return try await insertRows(table, bindings, rows: entities.count) }
        let container = scope.parents.reduce(scope.tenant) { $0 + "\u{0}" + $1 }
        try await batcher.insert(into: table.name, order: container, bindings: bindings, rows: entities.count) { bindings, rows in
            try await self.insertRows(table, bindings, rows: rows)
        }
    }

    /// One statement of its own, not shared with concurrent creates (`InsertBatcher`): an import's
    /// statements hold hundreds of rows already.
    public func insertNew(_ table: StorageTable, in scope: Scope, _ entities: [StoredEntity]) async throws -> Int {
        guard !entities.isEmpty else { return 0 }
        let bindings = try insertBindings(table, in: scope, entities)
        let text = insertText(table, rows: entities.count, keepingExisting: true)
        return try await database.write(SQLStatement(text, bindings)).changes
    }

    /// An insert's values: each row's keys (tenant, containers, id), type and columns.
    private func insertBindings(_ table: StorageTable, in scope: Scope, _ entities: [StoredEntity]) throws -> [SQLValue] {
        guard scope.parents.count == table.parentKeyColumns.count else {
            throw StorageError(.internalError, "an insert into \(table.name) needs \(table.parentKeyColumns.count) parent keys")
        }
        var bindings: [SQLValue] = []
        bindings.reserveCapacity(entities.count * (3 + scope.parents.count + table.columns.count))
        for entity in entities {
            precondition(entity.values.count == table.columns.count, "row does not match \(table.name)")
            bindings.append(.text(scope.tenant))
            for parent in scope.parents { bindings.append(.text(parent)) }
            bindings.append(.text(entity.id))
            bindings.append(.text(entity.type))
            bindings.append(contentsOf: entity.values)
        }
        return bindings
    }

    private func insertRows(_ table: StorageTable, _ bindings: [SQLValue], rows: Int) async throws {
        _ = try await database.write(SQLStatement(insertText(table, rows: rows, keepingExisting: false), bindings))
    }

    /// `INSERT INTO table (…) VALUES (…), (…)` for `rows` rows, its placeholders typed by column; with
    /// `ON CONFLICT DO NOTHING` when `keepingExisting` (a uniqueness conflict only: a missing container
    /// still fails the statement).
    private func insertText(_ table: StorageTable, rows: Int, keepingExisting: Bool) -> String {
        let shape = InsertShape(table: table.name, rows: rows, keepingExisting: keepingExisting)
        if let text = insertTexts.withLock({ $0[shape] }) { return text }
        let keys = 3 + table.parentKeyColumns.count, head = insertHeads[table.name]!
        var b = SQLBuilder(d)
        b.reserve(bindings: rows * (keys + table.columns.count), text: head.utf8.count + rows * (keys + table.columns.count) * 8)
        b.append(head)
        for n in 0..<rows {
            if n > 0 { b.append("), (") }
            b.list(0..<keys) { b, _ in b.bind(.null, as: .text) }
            for column in table.columns {
                b.append(", ")
                b.bind(.null, as: column.kind)
            }
        }
        b.append(keepingExisting ? ") ON CONFLICT DO NOTHING" : ")")
        let text = b.statement.sql
        if rows <= Self.keptInsertRows { insertTexts.withLock { $0[shape] = text } }
        return text
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
        Self.scopeCondition(&b, table, scope)
        if !table.isSingleton { b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.text(id)) }
        typeCondition(&b, types)
        b.append(" RETURNING \(selectList(table))")
        return try await database.write(b.statement).rows.first.map(entity(from:))
    }

    public func delete(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?) async throws -> Bool {
        var b = SQLBuilder(d)
        b.append("DELETE FROM "); b.identifier(table.name); b.append(" WHERE ")
        Self.scopeCondition(&b, table, scope)
        b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.text(id))
        typeCondition(&b, types)
        // An entity that contains others takes them along, however many: a write as long as they are.
        let write = layout.children(of: table).isEmpty ? database.write : database.longWrite
        return try await write(b.statement).changes > 0
    }

    public func deleteTenant(_ tenant: String) async throws -> Int {
        var removed = 0
        // The most deeply contained first, so no delete cascades into another table's rows (each
        // statement's work is its own table's, and its triggers'), then what is left of the counts and the deletion marks.
        for table in layout.tablesParentsFirst.reversed() {
            var b = SQLBuilder(d)
            b.append("DELETE FROM "); b.identifier(table.name)
            b.append(" WHERE "); b.identifier("_tenant"); b.append(" = "); b.bind(.text(tenant))
            removed += try await database.longWrite(b.statement).changes
        }
        for kept in [StorageLayout.countsTable, StorageLayout.purgesTable] {
            var c = SQLBuilder(d)
            c.append("DELETE FROM "); c.identifier(kept)
            c.append(" WHERE "); c.identifier("_tenant"); c.append(" = "); c.bind(.text(tenant))
            _ = try await database.write(c.statement)
        }
        return removed
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
