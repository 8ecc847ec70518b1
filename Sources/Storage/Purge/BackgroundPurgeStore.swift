import Synchronization

/// A store whose big deletes answer at once and purge in the background, as Graph's do: deleting a
/// top-level entity that contains more than `threshold` rows keeps a deletion mark for it (one short write), and
/// `runPurges` then deletes what it contains in steps of `step` rows, each its own short transaction,
/// the entity itself last. Meanwhile the entity and everything in it answer as if gone: reads, lists
/// and counts leave them out, writes into them find no container, an export skips them. Other writes
/// wait for one step at most, not for the whole delete (a million rows held SQLite's single writer for
/// half a minute). The marks are kept in the store, so a purge cut short by a stop goes on at the next
/// start. Smaller deletes run as one statement, as before.
///
/// The marks are held in this process's memory, which every read consults: the store must be served
/// by this process alone (a SQLite file). Instances sharing a PostgreSQL database would not see each
/// other's marks; there deletes stay whole (and do not hold other writers).
public final class BackgroundPurgeStore: EntityStore {
    public let inner: any PurgeableStore
    public let threshold: Int
    public let step: Int
    private let marks = Mutex(DeletionMarks())
    /// How many marks there are: every request reads it, and skips the marks while there are none.
    private let pending = Atomic<Int>(0)
    private let wakes: AsyncStream<Void>
    private let waker: AsyncStream<Void>.Continuation

    public init(_ inner: any PurgeableStore, threshold: Int = 1_000, step: Int = 250) {
        self.inner = inner
        self.threshold = threshold
        self.step = step
        (wakes, waker) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public var layout: StorageLayout { inner.layout }

    /// Prepares the store and reads the marks a previous run left (their purges go on in `runPurges`).
    public func prepare() async throws {
        try await inner.prepare()
        let kept = try await inner.purgeMarks()
        update { marks in
            for key in kept { marks.add(key, tablePath: layout.table(named: key.table)!.path) }
        }
        if !kept.isEmpty { waker.yield() }
    }

    // MARK: The purge

    /// Purges the marked entities, oldest first, one step at a time, until the task is cancelled. A
    /// step that fails is reported to `failed` and tried again after `retry`.
    public func runPurges(retry: Duration = .seconds(1), failed: @Sendable (any Error) -> Void) async {
        var next = wakes.makeAsyncIterator()
        while !Task.isCancelled {
            do {
                while true {
                    // As long idle as the step wrote: a write that comes meanwhile goes at once.
                    let started = ContinuousClock.now
                    guard try await purgeStep() else { break }
                    try await Task.sleep(for: ContinuousClock.now - started)
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                failed(error)
                try? await Task.sleep(for: retry)
                continue
            }
            guard await next.next() != nil else { return }
        }
    }

    /// One step of the oldest mark's purge; false when there is nothing to purge.
    public func purgeStep() async throws -> Bool {
        guard let key = marks.withLock({ $0.oldest }) else { return false }
        if try await inner.purgeContents(key, rows: step) < step {
            try await inner.finishPurge(key)
            update { $0.remove(key) }
        }
        return true
    }

    /// Purges every marked entity now.
    public func purgeAll() async throws {
        while try await purgeStep() {}
    }

    /// The entities deleted whose purge is under way, oldest first.
    public var pendingPurges: [EntityKey] { marks.withLock { $0.marks.map(\.key) } }

    private func update(_ body: (inout DeletionMarks) -> Void) {
        let count = marks.withLock { marks in
            body(&marks)
            return marks.count
        }
        pending.store(count, ordering: .releasing)
    }

    /// Whether the rows of `table` keyed by `keys` are under a mark.
    private func hides(_ table: StorageTable, _ tenant: String, _ keys: [String]) -> Bool {
        guard pending.load(ordering: .acquiring) > 0 else { return false }
        return marks.withLock { $0.hides(table, tenant: tenant, keys: keys) }
    }

    /// `query` leaving out the container's marked rows.
    private func visible(_ table: StorageTable, _ scope: Scope, _ query: ListQuery) -> ListQuery {
        guard pending.load(ordering: .acquiring) > 0 else { return query }
        let marked = marks.withLock { $0.markedIds(table, in: scope) }
        guard !marked.isEmpty else { return query }
        var q = query
        q.excludedIds += marked
        return q
    }

    // MARK: Deletes

    public func delete(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?) async throws -> Bool {
        if hides(table, scope.tenant, scope.parents + [id]) { return false }
        let key = EntityKey(tenant: scope.tenant, table: table.name, parents: scope.parents, id: id)
        // A key holding `/` would not be found again from its mark (`EntityKey.joinedPath`).
        // Only a collection's top-level entities (apps, configurations): a summary counts the statuses
        // of its entity, which a mark on one of them would not take out of the counts until its purge ends.
        guard table.parentKeyColumns.isEmpty, !key.path.contains(where: { $0.contains("/") }),
            try await inner.containedRows(key, upTo: threshold + 1) > threshold
        else {
            return try await inner.delete(table, in: scope, id: id, types: types)
        }
        // Not marked: there is no such entity (of these types), or a concurrent delete marked it first.
        guard try await inner.markDeleted(table, in: scope, id: id, types: types) else { return false }
        update { $0.add(key, tablePath: table.path) }
        waker.yield()
        return true
    }

    public func deleteTenant(_ tenant: String) async throws -> Int {
        let removed = try await inner.deleteTenant(tenant)
        update { $0.removeTenant(tenant) }
        return removed
    }

    // MARK: Reads and writes, as if the marked entities were gone

    public func list(_ table: StorageTable, in scope: Scope, _ query: ListQuery) async throws -> [StoredEntity] {
        if hides(table, scope.tenant, scope.parents) { return [] }
        return try await inner.list(table, in: scope, visible(table, scope, query))
    }

    public func list(
        _ table: StorageTable, in scope: Scope, _ query: ListQuery, restart: () -> Void, each body: (EntityRow) throws -> Void
    ) async throws {
        if hides(table, scope.tenant, scope.parents) { return }
        try await inner.list(table, in: scope, visible(table, scope, query), restart: restart, each: body)
    }

    public func list(_ table: StorageTable, tenant: String, parents: [String], containers: [String], _ query: ListQuery) async throws
        -> [String: [StoredEntity]]
    {
        if hides(table, tenant, parents) { return [:] }
        return try await inner.list(table, tenant: tenant, parents: parents, containers: shown(table, tenant, parents, containers), query)
    }

    /// The containers that are not marked. (Only top-level entities are marked, never the members of a
    /// contained collection: those need no leaving out.)
    private func shown(_ table: StorageTable, _ tenant: String, _ parents: [String], _ containers: [String]) -> [String] {
        guard pending.load(ordering: .acquiring) > 0 else { return containers }
        return marks.withLock { marks in containers.filter { !marks.hides(table, tenant: tenant, keys: parents + [$0]) } }
    }

    public func get(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?) async throws -> StoredEntity? {
        if hides(table, scope.tenant, scope.parents + [id]) { return nil }
        return try await inner.get(table, in: scope, id: id, types: types)
    }

    public func get(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?, each body: (EntityRow) throws -> Void)
        async throws -> Bool
    {
        if hides(table, scope.tenant, scope.parents + [id]) { return false }
        return try await inner.get(table, in: scope, id: id, types: types, each: body)
    }

    public func count(_ table: StorageTable, in scope: Scope, _ query: ListQuery) async throws -> Int {
        if hides(table, scope.tenant, scope.parents) { return 0 }
        return try await inner.count(table, in: scope, visible(table, scope, query))
    }

    public func count(_ table: StorageTable, tenant: String, parents: [String], containers: [String], _ query: ListQuery) async throws
        -> [String: Int]
    {
        if hides(table, tenant, parents) { return [:] }
        return try await inner.count(table, tenant: tenant, parents: parents, containers: shown(table, tenant, parents, containers), query)
    }

    public func containerExists(_ table: StorageTable, in scope: Scope) async throws -> Bool {
        if hides(table, scope.tenant, scope.parents) { return false }
        return try await inner.containerExists(table, in: scope)
    }

    public func insert(_ table: StorageTable, in scope: Scope, _ entities: [StoredEntity]) async throws {
        if hides(table, scope.tenant, scope.parents) { throw StorageError(.parentNotFound, "the container was deleted") }
        try await inner.insert(table, in: scope, entities)
    }

    public func insertNew(_ table: StorageTable, in scope: Scope, _ entities: [StoredEntity]) async throws -> Int {
        if hides(table, scope.tenant, scope.parents) { throw StorageError(.parentNotFound, "the container was deleted") }
        return try await inner.insertNew(table, in: scope, entities)
    }

    public func update(_ table: StorageTable, in scope: Scope, id: String, types: Set<String>?, set: [(column: Int, value: SQLValue)])
        async throws -> StoredEntity?
    {
        if hides(table, scope.tenant, scope.parents + [id]) { return nil }
        return try await inner.update(table, in: scope, id: id, types: types, set: set)
    }

    public func counts(tenant: String, parentKeys: [String], sources: [String]) async throws -> [SummaryCount] {
        let counts = try await inner.counts(tenant: tenant, parentKeys: parentKeys, sources: sources)
        guard pending.load(ordering: .acquiring) > 0 else { return counts }
        return marks.withLock { marks in
            counts.filter { count in
                guard let source = layout.table(named: count.source) else { return true }
                return !marks.hides(source, tenant: tenant, parentKey: count.parent)
            }
        }
    }

    public func countsRead(_ table: StorageTable, types: Set<String>?, columns: [String], sources: [String]) -> CountsRead {
        inner.countsRead(table, types: types, columns: columns, sources: sources)
    }

    public func getWithCounts(_ read: CountsRead, in scope: Scope, id: String) async throws -> CountedEntity? {
        if hides(read.table, scope.tenant, scope.parents + [id]) { return nil }
        return try await inner.getWithCounts(read, in: scope, id: id)
    }

    /// The snapshot without the entities marked in it (the marks it holds, not this process's: a mark
    /// made after it began names an entity it holds whole).
    public func withSnapshot<T>(_ body: (any StoreSnapshot) async throws -> T) async throws -> T {
        try await inner.withSnapshot { snapshot in
            var marks = DeletionMarks()
            for key in try await snapshot.purgeMarks() { marks.add(key, tablePath: layout.table(named: key.table)!.path) }
            return try await body(marks.isEmpty ? snapshot : UnmarkedSnapshot(snapshot: snapshot, marks: marks, layout: layout))
        }
    }

    /// Purges first: an import may bring back an entity whose deletion is being purged.
    public func withBulkLoad<T>(_ body: () async throws -> T) async throws -> T {
        try await purgeAll()
        return try await inner.withBulkLoad(body)
    }

    // MARK: As the store does

    public func singleton(_ table: StorageTable, tenant: String, initial: StoredEntity) async throws -> StoredEntity {
        try await inner.singleton(table, tenant: tenant, initial: initial)
    }

    public func secret(named name: String) async throws -> [UInt8] { try await inner.secret(named: name) }

    public func adoptSecret(named name: String, _ value: [UInt8]) async throws -> Bool { try await inner.adoptSecret(named: name, value) }

    public func setCountsUpdated(_ value: CountsUpdated) async throws { try await inner.setCountsUpdated(value) }

    public func ping() async throws { try await inner.ping() }

    public func statistics() -> [StorageStatistic] {
        inner.statistics() + [
            StorageStatistic(
                "statusgraph_store_purges_pending", .gauge, pending.load(ordering: .relaxed),
                help: "Entities deleted whose contents are still being purged in the background.")
        ]
    }

    public func backup(into path: String) async throws { try await inner.backup(into: path) }

    public func close() async throws {
        waker.finish()
        try await inner.close()
    }
}
