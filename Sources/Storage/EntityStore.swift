/// The one storage protocol the server uses. Every call is scoped to a tenant; an entity of another
/// tenant is indistinguishable from one that does not exist. Backends differ only in the
/// `SQLDatabase` below `SQLEntityStore`, or implement this protocol whole.
public protocol EntityStore: Sendable {
    var layout: StorageLayout { get }

    /// Creates or upgrades the schema.
    func prepare() async throws

    /// Members of a collection that the query selects, in its order (always ending with the key).
    func list(_ table: StorageTable, in scope: Scope, _ query: ListQuery) async throws -> [StoredEntity]

    /// The same members, each handed to `body` as its row is read (valid only during the call): for
    /// writing a page straight from the database's buffers. If the read starts over (see
    /// `SQLDatabase.query(_:restart:each:)`), `restart` is called first: forget the members handed out.
    func list(
        _ table: StorageTable, in scope: Scope, _ query: ListQuery, restart: () -> Void, each body: (EntityRow) throws -> Void
    ) async throws

    /// Members of the same collection in several containers (for `$expand`): the last parent key
    /// varies over `containers`, and each container's members are those `list(_:in:_:)` reads (its
    /// offset and limit), read through the same index, however many the container holds; containers
    /// with none are left out.
    func list(_ table: StorageTable, tenant: String, parents: [String], containers: [String], _ query: ListQuery) async throws
        -> [String: [StoredEntity]]

    func get(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?) async throws -> StoredEntity?

    /// The same entity, handed to `body` as its row is read (valid only during the call); false when
    /// there is none. For writing an entity straight from the database's buffers.
    func get(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?, each body: (EntityRow) throws -> Void)
        async throws -> Bool

    /// How many members the query selects (order, offset and limit aside).
    func count(_ table: StorageTable, in scope: Scope, _ query: ListQuery) async throws -> Int

    /// The same in several containers at once (for `$count` inside `$expand`): container → count, in
    /// one statement; containers with no member selected are left out.
    func count(_ table: StorageTable, tenant: String, parents: [String], containers: [String], _ query: ListQuery) async throws
        -> [String: Int]

    /// Whether the entity that `scope` names as container exists (true for top-level collections).
    func containerExists(_ table: StorageTable, in scope: Scope) async throws -> Bool

    /// Adds entities to one container in one statement, all or none; `StorageError.parentNotFound` when
    /// the container does not exist, `conflict` when an id is taken.
    func insert(_ table: StorageTable, in scope: Scope, _ entities: [StoredEntity]) async throws
    /// Adds the entities whose key is not taken, in one statement, and leaves the others as stored;
    /// how many were added (and counted). `StorageError.parentNotFound` when their container does not
    /// exist. For copying a store (`StoreImport`): an import cut short can run again.
    func insertNew(_ table: StorageTable, in scope: Scope, _ entities: [StoredEntity]) async throws -> Int

    /// Sets the given columns; the entity after the change, or nil when there is none.
    func update(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?, set: [(column: Int, value: SQLValue)])
        async throws -> StoredEntity?

    /// Removes an entity and everything it contains; false when there was none.
    func delete(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?) async throws -> Bool

    /// The summary counts kept for the collections `sources` contained in the entities `parentKeys`.
    func counts(tenant: String, parentKeys: [String], sources: [String]) async throws -> [SummaryCount]

    /// How a summary of entities of `table` reads one of them (of `types`; its `columns`) and the counts
    /// kept for the collections `sources` it contains. Made once per summary and used for every read.
    func countsRead(_ table: StorageTable, types: Set<String>?, columns: [String], sources: [String]) -> CountsRead

    /// An entity and its kept counts, as `read` says, in one statement (a summary needs both: its parent
    /// must exist, and it copies a few of its properties); nil when there is no such entity.
    func getWithCounts(_ read: CountsRead, in scope: Scope, id: String) async throws -> CountedEntity?

    /// The singleton's row for a tenant, created with `initial` on first use.
    func singleton(_ table: StorageTable, tenant: String, initial: StoredEntity) async throws -> StoredEntity

    /// A random secret shared by every instance on this store, created on first use (e.g. to sign paging tokens).
    func secret(named name: String) async throws -> [UInt8]

    /// Makes `value` the secret `name` unless the store has made its own already (a store moved keeps
    /// its paging links valid); whether the store's secret is now `value`.
    func adoptSecret(named name: String, _ value: [UInt8]) async throws -> Bool

    /// Runs `body` on the store as it was when the call began, whatever is written meanwhile: for
    /// copying it whole (`StoreExport`) while it is served.
    func withSnapshot<T>(_ body: (any StoreSnapshot) async throws -> T) async throws -> T

    /// Runs `body`, a load of many rows (`StoreImport`), the fastest way the backend can take them while
    /// staying correct (see `SQLDatabase.withBulkLoad`).
    func withBulkLoad<T>(_ body: () async throws -> T) async throws -> T

    /// Sets when a container's counted rows last changed (kept at zero counts if it holds none).
    func setCountsUpdated(_ value: CountsUpdated) async throws

    /// Removes everything a tenant has (its entities, their counts and deletion marks); how many entities went.
    func deleteTenant(_ tenant: String) async throws -> Int

    /// Whether the store answers: one trivial read, through the same connections the requests use.
    func ping() async throws

    /// What the backend reports about itself (`GET /metrics`).
    func statistics() -> [StorageStatistic]

    /// The whole store, as of one moment, written to a new file at `path` (see `SQLDatabase.backup`).
    func backup(into path: String) async throws

    func close() async throws
}

/// A store that keeps deletion marks and purges what a marked entity contains in steps (what
/// `BackgroundPurgeStore` is made of).
public protocol PurgeableStore: EntityStore {
    /// The deletion marks kept (`BackgroundPurgeStore`), oldest first.
    func purgeMarks() async throws -> [EntityKey]

    /// How many rows the entity `key` contains, at any depth, counted up to `limit`.
    func containedRows(_ key: EntityKey, upTo limit: Int) async throws -> Int

    /// Keeps a deletion mark for the entity (of `types`), which stays stored meanwhile; false when there
    /// is no such entity or it is marked already.
    func markDeleted(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?) async throws -> Bool

    /// Deletes at most `rows` of the rows the entity `key` contains, the most deeply contained first, in
    /// a statement per table; how many went.
    func purgeContents(_ key: EntityKey, rows: Int) async throws -> Int

    /// Deletes the entity `key` (and whatever it still contains), then its mark.
    func finishPurge(_ key: EntityKey) async throws
}

extension EntityStore {
    /// Adds an entity; `StorageError.parentNotFound` when its container does not exist.
    public func insert(_ table: StorageTable, in scope: Scope, _ entity: StoredEntity) async throws {
        try await insert(table, in: scope, [entity])
    }
}

/// One kept count: how many rows of `source` fall under `bucket`, and when that last changed.
public struct SummaryCount: Sendable, Equatable {
    /// The key of the entity whose collection was counted (`Scope.parentKey` of the counted rows).
    public let parent: String
    public let source: String
    public let bucket: String
    public let count: Int64
    public let updatedTicks: Int64

    public init(parent: String, source: String, bucket: String, count: Int64, updatedTicks: Int64) {
        self.parent = parent
        self.source = source
        self.bucket = bucket
        self.count = count
        self.updatedTicks = updatedTicks
    }
}

/// A stored row with its whole key, as a dump reads it.
public struct DumpedRow: Sendable, Equatable {
    public let scope: Scope
    public let entity: StoredEntity

    public init(scope: Scope, entity: StoredEntity) {
        self.scope = scope
        self.entity = entity
    }
}

/// When the rows of one collection (`source`, a table's name) in one container last changed.
public struct CountsUpdated: Sendable, Equatable {
    public let tenant: String
    public let source: String
    /// The container's key (`Scope.parentKey`).
    public let parent: String
    /// 100 ns ticks since 1970.
    public let ticks: Int64

    public init(tenant: String, source: String, parent: String, ticks: Int64) {
        self.tenant = tenant
        self.source = source
        self.parent = parent
        self.ticks = ticks
    }
}
