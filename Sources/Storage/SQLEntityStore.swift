import ODataCore
import Synchronization

/// `EntityStore` over any `SQLDatabase`: the statements are built here once per shape, with bound
/// parameters only, through the database's dialect.
public final class SQLEntityStore<Database: SQLDatabase>: EntityStore {
    public let layout: StorageLayout
    public let database: Database
    private let d: any SQLDialect
    /// Each table's select list and insert head, quoted once (they are in every read and create).
    private let selectLists: [String: String]
    private let insertHeads: [String: String]
    /// Each table's read of one entity by its full key and any type (the most frequent read), written once.
    private let getTexts: [String: String]
    /// Insert texts by table and row count, written on first use: a create and each size of a `$batch`'s
    /// creates bind their values into a text written once (writing a batch's 360 placeholders took 3%
    /// of its CPU). Kept up to `keptInsertRows` rows.
    private let insertTexts = Mutex<[InsertShape: String]>([:])
    private static var keptInsertRows: Int { 64 }

    private struct InsertShape: Hashable {
        let table: String
        let rows: Int
        /// `ON CONFLICT DO NOTHING`: rows whose key is taken are left out (`insertNew`).
        let keepingExisting: Bool
    }

    /// Combines concurrent inserts into one table where the database wants it (`SQLDatabase.insertLanes`).
    private let batcher: InsertBatcher?

    public init(layout: StorageLayout, database: Database) {
        self.layout = layout
        self.database = database
        self.batcher = database.insertLanes.map { InsertBatcher(lanes: $0, maximumRows: Self.keptInsertRows) }
        let d = database.dialect
        self.d = d
        let selectLists = Dictionary(uniqueKeysWithValues: layout.tables.map { ($0.name, Self.selectList($0, d)) })
        self.selectLists = selectLists
        self.insertHeads = Dictionary(
            uniqueKeysWithValues: layout.tables.map { table in
                let names = ["_tenant"] + table.parentKeyColumns + ["id", "_type"] + table.columns.map(\.name)
                return (table.name, "INSERT INTO \(d.quote(table.name)) (\(names.map(d.quote).joined(separator: ", "))) VALUES (")
            })
        self.getTexts = Dictionary(
            uniqueKeysWithValues: layout.tables.map { table in
                var b = SQLBuilder(d)
                Self.get(&b, table, select: selectLists[table.name]!, in: Scope(tenant: "", parents: table.parentKeyColumns.map { _ in "" }), id: "")
                return (table.name, b.statement.sql)
            })
    }

    public func prepare() async throws {
        try await database.migrate(layout.schemaPlan(database.dialect))
    }

    public func close() async throws { try await database.close() }

    // MARK: statements

    /// `"id", "_type", "col1", …` — the order `entity(from:)` reads.
    private func selectList(_ table: StorageTable) -> String { selectLists[table.name] ?? Self.selectList(table, d) }

    private static func selectList(_ table: StorageTable, _ d: any SQLDialect) -> String {
        ([d.quote("id"), d.quote("_type")] + table.columns.map { d.quote($0.name) }).joined(separator: ", ")
    }

    /// `"_tenant" = ? AND "_p1" = ? …`
    private static func scopeCondition(_ b: inout SQLBuilder, _ table: StorageTable, _ scope: Scope) {
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
        try entity(from: row, columns: row.count - 2)
    }

    /// A row read as `id, _type`, then `columns` column values, then any sort keys.
    private func entity(from row: [SQLValue], columns: Int) throws -> StoredEntity {
        guard row.count >= 2 + columns, case .text(let id) = row[0], case .text(let type) = row[1] else {
            throw StorageError(.internalError, "a stored row has no id or type")
        }
        return StoredEntity(id: id, type: type, values: Array(row[2..<(2 + columns)]))
    }

    // MARK: EntityStore

    /// The WHERE conditions a query adds: its filter (and nothing else; scope and types come first).
    private func filterCondition(_ table: StorageTable, _ query: ListQuery) throws -> SQLFragment? {
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
        try await list(table, in: scope, query) { out.append($0.entity) }
        return out
    }

    public func list(_ table: StorageTable, in scope: Scope, _ query: ListQuery, each body: (EntityRow) throws -> Void) async throws {
        let keys = try orderKeys(table, query)
        var b = SQLBuilder(d)
        try page(&b, table, query, keys: keys) { Self.scopeCondition(&$0, table, scope) }
        let columnCount = table.columns.count, keyCount = keys.count - 1
        try await database.query(b.statement) { row in try body(EntityRow(row: row, columnCount: columnCount, keyCount: keyCount)) }
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
        try await database.query(b.statement) { row in
            guard row.count == width + 1, case .text(let container) = row[width] else {
                throw StorageError(.internalError, "malformed grouped row")
            }
            let entity = try EntityRow(row: row, columnCount: table.columns.count, keyCount: keys.count - 1).entity
            out[String(decoding: container, as: UTF8.self), default: []].append(entity)
        }
        return out
    }

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
    private static func get(_ b: inout SQLBuilder, _ table: StorageTable, select: String, in scope: Scope, id: String) {
        b.append("SELECT "); b.append(select); b.append(" FROM "); b.identifier(table.name); b.append(" WHERE ")
        Self.scopeCondition(&b, table, scope)
        b.append(" AND "); b.identifier("id"); b.append(" = "); b.bind(.text(id))
    }

    public func count(_ table: StorageTable, in scope: Scope, _ query: ListQuery) async throws -> Int {
        var b = SQLBuilder(d)
        b.append("SELECT COUNT(*) FROM "); b.identifier(table.name); b.append(" WHERE ")
        Self.scopeCondition(&b, table, scope)
        typeCondition(&b, query.types)
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
        return try await database.write(b.statement).changes > 0
    }

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

    public func secret(named name: String) async throws -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return try await storeSecret(named: name, (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    public func adoptSecret(named name: String, _ value: [UInt8]) async throws -> Bool {
        try await storeSecret(named: name, value) == value
    }

    /// Stores `value` as the secret `name` unless there is one; returns the one stored.
    private func storeSecret(named name: String, _ value: [UInt8]) async throws -> [UInt8] {
        let key = "secret:" + name
        let fresh = UTF8Bytes.hex(value)
        var i = SQLBuilder(d)
        i.append("INSERT INTO "); i.identifier(StorageLayout.schemaTable); i.append(" (")
        i.identifier("key"); i.append(", "); i.identifier("value"); i.append(") VALUES (")
        i.bind(.text(key)); i.append(", "); i.bind(.text(fresh)); i.append(") ON CONFLICT (")
        i.identifier("key"); i.append(") DO NOTHING")
        _ = try await database.write(i.statement)
        var q = SQLBuilder(d)
        q.append("SELECT "); q.identifier("value"); q.append(" FROM "); q.identifier(StorageLayout.schemaTable)
        q.append(" WHERE "); q.identifier("key"); q.append(" = "); q.bind(.text(key))
        guard case .text(let hex)? = try await database.query(q.statement).first?.first, hex.count == 64 else {
            throw StorageError(.internalError, "the secret \(name) could not be stored")
        }
        guard let bytes = UTF8Bytes.bytes(hex: hex) else { throw StorageError(.internalError, "a stored secret is malformed") }
        return bytes
    }

    public func withSnapshot<T>(_ body: (any StoreSnapshot) async throws -> T) async throws -> T {
        let (layout, dialect, selectLists) = (self.layout, d, self.selectLists)
        return try await database.withSnapshot { query in
            try await body(SQLStoreSnapshot(layout: layout, dialect: dialect, selectLists: selectLists, query: query))
        }
    }

    public func statistics() -> [StorageStatistic] { database.statistics() }

    public func backup(into path: String) async throws { try await database.backup(into: path) }

    public func ping() async throws {
        _ = try await database.query(SQLStatement("SELECT 1"))
    }

    public func withBulkLoad<T>(_ body: () async throws -> T) async throws -> T {
        try await database.withBulkLoad(body)
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

    public func deleteTenant(_ tenant: String) async throws -> Int {
        var removed = 0
        // The most deeply contained first, so no delete cascades into another table's rows (each
        // statement's work is its own table's, and its triggers'), then what is left of the counts.
        for table in layout.tablesParentsFirst.reversed() {
            var b = SQLBuilder(d)
            b.append("DELETE FROM "); b.identifier(table.name)
            b.append(" WHERE "); b.identifier("_tenant"); b.append(" = "); b.bind(.text(tenant))
            removed += try await database.write(b.statement).changes
        }
        var c = SQLBuilder(d)
        c.append("DELETE FROM "); c.identifier(StorageLayout.countsTable)
        c.append(" WHERE "); c.identifier("_tenant"); c.append(" = "); c.bind(.text(tenant))
        _ = try await database.write(c.statement)
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
