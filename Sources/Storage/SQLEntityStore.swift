import Synchronization

/// `EntityStore` over any `SQLDatabase`: the statements are built here once per shape, with bound
/// parameters only, through the database's dialect.
public final class SQLEntityStore<Database: SQLDatabase>: PurgeableStore {
    public let layout: StorageLayout
    public let database: Database
    let d: any SQLDialect
    /// Each table's select list and insert head, quoted once (they are in every read and create).
    let selectLists: [String: String]
    let insertHeads: [String: String]
    /// Each table's read of one entity by its full key and any type (the most frequent read), written once.
    let getTexts: [String: String]
    /// Insert texts by table and row count, written on first use: a create and each size of a `$batch`'s
    /// creates bind their values into a text written once (writing a batch's 360 placeholders took 3%
    /// of its CPU). Kept up to `keptInsertRows` rows.
    let insertTexts = Mutex<[InsertShape: String]>([:])
    static var keptInsertRows: Int { 64 }

    struct InsertShape: Hashable {
        let table: String
        let rows: Int
        /// `ON CONFLICT DO NOTHING`: rows whose key is taken are left out (`insertNew`).
        let keepingExisting: Bool
    }

    /// Combines concurrent inserts into one table where the database wants it (`SQLDatabase.insertLanes`).
    let batcher: InsertBatcher?

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

    /// `"id", "_type", "col1", …` — the order `entity(from:)` reads.
    func selectList(_ table: StorageTable) -> String { selectLists[table.name] ?? Self.selectList(table, d) }

    static func selectList(_ table: StorageTable, _ d: any SQLDialect) -> String {
        ([d.quote("id"), d.quote("_type")] + table.columns.map { d.quote($0.name) }).joined(separator: ", ")
    }

    /// `"_tenant" = ? AND "_p1" = ? …`
    static func scopeCondition(_ b: inout SQLBuilder, _ table: StorageTable, _ scope: Scope) {
        b.identifier("_tenant"); b.append(" = "); b.bind(.text(scope.tenant))
        for (column, key) in zip(table.parentKeyColumns, scope.parents) {
            b.append(" AND "); b.identifier(column); b.append(" = "); b.bind(.text(key))
        }
    }

    func typeCondition(_ b: inout SQLBuilder, _ types: Set<String>?) {
        guard let types else { return }
        b.append(" AND "); b.identifier("_type"); b.append(" IN (")
        b.list(types.sorted()) { b, t in b.bind(.text(t)) }
        b.append(")")
    }

    /// ` AND "id" NOT IN (…)`: the rows a query leaves out, if any.
    func excludedCondition(_ b: inout SQLBuilder, _ query: ListQuery) {
        guard !query.excludedIds.isEmpty else { return }
        b.append(" AND "); b.identifier("id"); b.append(" NOT IN (")
        b.list(query.excludedIds) { b, id in b.bind(.text(id)) }
        b.append(")")
    }

    func entity(from row: [SQLValue]) throws -> StoredEntity {
        try entity(from: row, columns: row.count - 2)
    }

    /// A row read as `id, _type`, then `columns` column values, then any sort keys.
    func entity(from row: [SQLValue], columns: Int) throws -> StoredEntity {
        guard row.count >= 2 + columns, case .text(let id) = row[0], case .text(let type) = row[1] else {
            throw StorageError(.internalError, "a stored row has no id or type")
        }
        return StoredEntity(id: id, type: type, values: Array(row[2..<(2 + columns)]))
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
}
