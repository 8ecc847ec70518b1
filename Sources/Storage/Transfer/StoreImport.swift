import ODataCore

/// `DumpFormat` lines read into a store, a line at a time. Rows of one container go in together, up to
/// `rowsPerStatement` per statement and `inFlight` statements at once (SQLite's group commit puts
/// those in one commit; PostgreSQL runs them on connections of their own); a table's rows are all
/// stored before the next table's, so every container exists before what it holds. Summary counts
/// follow from the rows, as for any write; then the `counted` lines set when each container's rows
/// last changed. A row that holds null where the model gives a default (written by an older release,
/// see `StorageTable.defaultRow`) takes the default, as the store's own rows did when that release's
/// successor first started on them. A row whose key is taken is left as the store has it and counted as skipped
/// (`EntityStore.insertNew`): an import cut short (or repeated) can be run again. A row whose
/// container is missing stops the import.
public final class StoreImport {
    public struct Outcome: Sendable, Equatable {
        /// Rows the file held.
        public var rows = 0
        public var inserted = 0
        /// Rows whose key the store already held.
        public var skipped = 0
        /// Containers whose counted rows' last change was set to the file's.
        public var counted = 0
        /// The file's secrets the store did not take, keeping its own (it had made them before).
        public var secretsKept: [String] = []
    }

    /// Rows of one container per insert statement, at most: fewer statements, fewer commits (measured
    /// on SQLite, 200,000 statuses: 17.0 s in statements of 64 rows, 14.4 s of 500).
    public static let chunkRows = 500
    /// Values bound per statement, at most (SQLite's default limit is 32,766, PostgreSQL's 65,535): an app has 126
    /// columns, so its rows go 250 at a time.
    public static let maxBindings = 32_000

    /// How many rows of `table` one statement takes.
    static func rowsPerStatement(_ table: StorageTable) -> Int {
        max(1, min(chunkRows, maxBindings / (3 + table.depth + table.columns.count)))
    }
    /// Insert statements running at once.
    public static let inFlight = 4

    private let store: any EntityStore
    private var outcome = Outcome()
    private var line = 0
    private var started = false
    /// What the last line counts: rows and counted containers.
    private var ended: (rows: Int, counted: Int)?
    /// Whether the `counted` lines began (every row is then stored).
    private var rowsDone = false
    /// The table being read, and the rows of one container waiting for their statement.
    private var currentTable: StorageTable?
    private var pendingScope: Scope?
    private var pending: [StoredEntity] = []
    private var running: [Task<Stored, any Error>] = []
    private var tablesDone: Set<String> = []
    /// Table and type → the row a new entity starts from, for the defaults a row may lack.
    private var defaultRows: [String: [SQLValue]] = [:]

    public init(store: any EntityStore) {
        self.store = store
    }

    /// Takes the file's next line (without its newline; blank lines are skipped).
    public func add(line bytes: [UInt8]) async throws {
        line += 1
        guard bytes.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { return }
        do {
            let value: JSONValue
            do {
                value = try JSONParser.parse(bytes, maxDepth: 8)
            } catch {
                throw TransferError("not JSON: \(error.message) at byte \(error.offset + 1)")
            }
            guard started else {
                guard case .object(let o) = value, o["statusgraph"] == .string("export") else {
                    throw TransferError("this is not a StatusGraph export (its first line is not {\"statusgraph\":\"export\",…})")
                }
                guard o["format"] == .number(String(DumpFormat.version)) else {
                    throw TransferError("format \(o["format"].map(DumpFormat.text) ?? "none") is not one this version reads (\(DumpFormat.version))")
                }
                for (name, value) in try DumpFormat.readSecrets(o) {
                    if try await !store.adoptSecret(named: name, value) { outcome.secretsKept.append(name) }
                }
                started = true
                return
            }
            guard ended == nil else { throw TransferError("there is more after the export's last line") }
            if case .object(let o) = value, o["statusgraph"] == .string("end") {
                guard case .number(let n)? = o["rows"], let rows = Int(n), case .number(let c)? = o["counted"], let counted = Int(c) else {
                    throw TransferError("the last line does not count the rows and the counted containers")
                }
                ended = (rows, counted)
                return
            }
            if case .object(let o) = value, o["counted"] != nil {
                let counted = try DumpFormat.readCounted(o, layout: store.layout)
                if !rowsDone {
                    // Every row is stored (and counted) before the times of the counts are set.
                    try await flush()
                    try await drain()
                    rowsDone = true
                }
                try await store.setCountsUpdated(counted)
                outcome.counted += 1
                return
            }
            guard !rowsDone else { throw TransferError("a row comes after the \"counted\" lines (an export writes them last)") }
            let (table, row) = try DumpFormat.read(value, layout: store.layout)
            try await take(table, row)
        } catch let error as TransferError {
            throw TransferError("line \(line): \(error.description)")
        }
    }

    /// Stores what is still pending and checks the file was whole.
    public func finish() async throws -> Outcome {
        try await flush()
        try await drain()
        guard started else { throw TransferError("the file is empty") }
        guard let rows = ended else {
            throw TransferError("the file ends before the export's last line: it was cut short (\(outcome.rows) rows read and stored)")
        }
        guard rows == (outcome.rows, outcome.counted) else {
            throw TransferError(
                "the export counts \(rows.rows) rows and \(rows.counted) counted containers, the file holds \(outcome.rows) and \(outcome.counted)")
        }
        return outcome
    }

    private func take(_ table: StorageTable, _ row: DumpedRow) async throws {
        outcome.rows += 1
        if table !== currentTable {
            // A new table: the one before is stored whole first (it may hold this one's containers).
            guard !tablesDone.contains(table.name) else {
                throw TransferError("rows of \"\(DumpFormat.path(table))\" come again after other tables' (an export lists each table once)")
            }
            try await flush()
            try await drain()
            if let done = currentTable { tablesDone.insert(done.name) }
            currentTable = table
        } else if row.scope != pendingScope || pending.count == Self.rowsPerStatement(table) {
            try await flush()
        }
        if pending.isEmpty { pendingScope = row.scope }
        pending.append(withDefaults(row.entity, table))
    }

    private func withDefaults(_ entity: StoredEntity, _ table: StorageTable) -> StoredEntity {
        let key = table.name + "\u{1F}" + entity.type
        let defaults = defaultRows[key] ?? table.defaultRow(type: entity.type, service: store.layout.service)
        defaultRows[key] = defaults
        guard zip(entity.values, defaults).contains(where: { $0 == .null && $1 != .null }) else { return entity }
        var filled = entity
        for i in filled.values.indices where filled.values[i] == .null { filled.values[i] = defaults[i] }
        return filled
    }

    private func flush() async throws {
        guard let table = currentTable, let scope = pendingScope, !pending.isEmpty else { return }
        let entities = pending
        pending = []
        if running.count == Self.inFlight { try await collect(running.removeFirst()) }
        let store = self.store
        let task = Task { [entities, table, scope, store] () async throws -> Stored in
            try await StoreImport.insert(entities, into: table, in: scope, store: store)
        }
        running.append(task)
    }

    private func drain() async throws {
        while !running.isEmpty { try await collect(running.removeFirst()) }
    }

    private func collect(_ task: Task<Stored, any Error>) async throws {
        do {
            let stored = try await task.value
            outcome.inserted += stored.inserted
            outcome.skipped += stored.skipped
        } catch {
            for other in running { other.cancel() }
            for other in running { _ = try? await other.value }
            running = []
            throw error
        }
    }

    /// What one statement's rows came to.
    private struct Stored: Sendable {
        var inserted = 0
        var skipped = 0
    }

    private static func insert(_ entities: [StoredEntity], into table: StorageTable, in scope: Scope, store: any EntityStore) async throws
        -> Stored
    {
        do {
            do {
                try await store.insert(table, in: scope, entities)
                return Stored(inserted: entities.count)
            } catch let error as StorageError where error.code == .conflict {
                // Some are there already (an import run again). Tried first without: PostgreSQL's
                // `ON CONFLICT` checks each row before it inserts it (a fresh import took 47 s, not 39).
                let inserted = try await store.insertNew(table, in: scope, entities)
                return Stored(inserted: inserted, skipped: entities.count - inserted)
            }
        } catch let error as StorageError where error.code == .parentNotFound {
            let container = ([scope.tenant] + scope.parents).joined(separator: "/")
            throw TransferError(
                "rows of \"\(DumpFormat.path(table))\" (\(entities[0].id)…) belong in \(container), which is not stored: "
                    + "was the export made while the store was written to?")
        }
    }
}
