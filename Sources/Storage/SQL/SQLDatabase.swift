/// A SQL database a backend provides: statements in, rows out. Every entity operation is one
/// statement (counts are kept by triggers), so no transaction spans Swift code.
public protocol SQLDatabase: Sendable {
    var dialect: any SQLDialect { get }
    /// Runs a query on a reader; rows as values in select-list order.
    func query(_ statement: SQLStatement) async throws -> [[SQLValue]]
    /// Runs a query on a reader, handing each row to `body` as it is read (its cells valid only during
    /// the call): a page written from rows in place allocates nothing per value. A backend may start a
    /// read over (SQLite moves one that runs long off the request's thread): it then calls `restart`
    /// before it hands out the rows again from the first, and the caller forgets those it was handed.
    /// Without `restart` (nil), a read that has handed out a row runs on to its end where it is.
    func query(_ statement: SQLStatement, restart: (() -> Void)?, each body: (SQLRow) throws -> Void) async throws
    /// Runs a write, durable when it returns; the rows it returns (RETURNING) and how many rows it changed.
    func write(_ statement: SQLStatement) async throws -> (rows: [[SQLValue]], changes: Int)
    /// Runs a write that may take as long as the rows it reaches (a delete of an entity and everything
    /// it contains): as `write`, within the database's limit for those where it bounds writes.
    func longWrite(_ statement: SQLStatement) async throws -> (rows: [[SQLValue]], changes: Int)
    /// How many inserts into one table run at once before further ones wait and are combined into
    /// multi-row statements (see `InsertBatcher`); nil runs each as it comes.
    var insertLanes: Int? { get }
    /// Applies a schema plan in one transaction (see `SchemaPlan`); safe to run on every start.
    func migrate(_ plan: SchemaPlan) async throws
    /// Runs `body` with a query function whose reads all see the database as it was when the snapshot
    /// began, whatever is written meanwhile: for a dump of a store that is being served.
    func withSnapshot<T>(_ body: (_ query: @escaping @Sendable (SQLStatement) async throws -> [[SQLValue]]) async throws -> T) async throws -> T
    /// Runs `body`, which writes many rows (an import), the fastest way this database loads them while
    /// staying correct; nothing a load may skip is left undone when it returns or throws.
    func withBulkLoad<T>(_ body: () async throws -> T) async throws -> T
    /// What the database reports about itself (`GET /metrics`); none by default.
    func statistics() -> [StorageStatistic]
    /// Writes the whole database, as of one moment, to a new file at `path` (which must not exist): a
    /// copy an operator can open with the database's own tools or put in place of the store. Only a
    /// database that is a file of this process's has one (SQLite); others throw `unavailable`.
    func backup(into path: String) async throws
    func close() async throws
}

extension SQLDatabase {
    public var insertLanes: Int? { nil }

    public func statistics() -> [StorageStatistic] { [] }

    public func longWrite(_ statement: SQLStatement) async throws -> (rows: [[SQLValue]], changes: Int) {
        try await write(statement)
    }

    public func backup(into path: String) async throws {
        throw StorageError(.unavailable, "a backup file is made of a SQLite store; back PostgreSQL up with its own tools (pg_dump)")
    }

    /// As any writes: a database served by other processes meanwhile (PostgreSQL) must stay fit to serve.
    public func withBulkLoad<T>(_ body: () async throws -> T) async throws -> T {
        try await body()
    }

    /// For a driver that hands out rows as values: each row viewed as cells (never started over).
    public func query(_ statement: SQLStatement, restart: (() -> Void)?, each body: (SQLRow) throws -> Void) async throws {
        for values in try await query(statement) { try SQLRow.withRow(values, body) }
    }

    /// A read whose rows, once handed out, are not handed out again (see `query(_:restart:each:)`).
    public func query(_ statement: SQLStatement, each body: (SQLRow) throws -> Void) async throws {
        try await query(statement, restart: nil, each: body)
    }
}
