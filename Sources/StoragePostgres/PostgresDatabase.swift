import Foundation
import Logging
import NIOCore
import PostgresNIO
import Storage
import Synchronization

/// The scale-out backend: PostgreSQL through a PostgresNIO connection pool. Instances hold no state of
/// their own, so any number of them can share one database. Every call is bounded by `timeout`; a
/// database that cannot be reached answers `StorageError.unavailable` (503 with `Retry-After`), and the
/// pool reconnects by itself when it returns.
public final class PostgresDatabase: SQLDatabase {
    public let dialect: any SQLDialect = PostgresDialect()
    /// The pool; run it as a service (`PostgresClient.run()`) for as long as the database is used.
    public let client: PostgresClient
    /// The URL with its password hidden, for messages.
    public let displayURL: String
    let timeout: Duration
    let migrationTimeout: Duration
    let deleteTimeout: Duration
    private let maximumConnections: Int
    let logger: Logger
    /// The statements prepared on the pool's connections.
    let prepared: PreparedStatements
    /// What cancels the calls that run past their time limits.
    private let deadlines = CallDeadlines()
    /// Writes run again after PostgreSQL aborted them for concurrent ones (a deadlock, a serialization failure).
    private let rerunWrites = Atomic<Int>(0)
    /// Connections lent now, lent so far, and the time their borrowers waited for them (for `/metrics`).
    private let lentNow = Atomic<Int>(0)
    private let lends = Atomic<Int>(0)
    private let waitedNanoseconds = Atomic<Int>(0)
    /// PostgreSQL's `statement_timeout` for this role and database in milliseconds, as read at the start
    /// (0: none; -1: not read).
    let statementTimeoutMilliseconds = Atomic<Int>(-1)

    public struct Settings: Sendable {
        public var url: String
        public var maximumConnections = 20
        public var connectTimeout: Duration = .seconds(5)
        /// The longest any one statement may wait (for a connection and for its answer).
        public var timeout: Duration = .seconds(10)
        /// A read is prepared on a connection from its `prepareAfter`th run on (0: never; see `PreparedStatements`).
        public var prepareAfter = 3
        /// The longest a migration may take once PostgreSQL answered (waiting for another instance's
        /// included): recounting or re-indexing a large store takes longer than any request may.
        public var migrationTimeout: Duration = .seconds(3600)
        /// The longest a delete of an entity with everything it contains may take (an app of a million
        /// statuses took 17–27 s here), and a reset of a tenant's statements.
        public var deleteTimeout: Duration = .seconds(600)
        public init(url: String) { self.url = url }
    }

    public init(settings: Settings, logger: Logger) throws {
        guard let components = URLComponents(string: settings.url), components.scheme == "postgres" || components.scheme == "postgresql",
            let host = components.host, !host.isEmpty, let user = components.user
        else {
            throw StorageError(.unavailable, "--database must be a URL like postgres://user:password@host:5432/database")
        }
        var hidden = components
        if hidden.password != nil { hidden.password = "***" }
        displayURL = hidden.string ?? "postgres://\(host)"
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable": tls = .disable
        case "require", "verify-full", "verify-ca": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: tls)
        // No keep-alive pings (as HikariCP recommends): PostgresNIO's pool schedules a keep-alive timer,
        // as a task, every time a connection goes back to the pool — once per statement. A connection
        // that died while idle is found when next used, and replaced (see `withConnection`).
        // No minimum either, though the pool then also times each idle connection out: with one,
        // PostgresNIO 1.33's pool stops the process (a precondition in `PoolStateMachine.ConnectionGroup
        // .createNewDemandConnectionIfPossible`, `minimum <= active`) when a connection is asked for while
        // the database is lost and fewer than the minimum are open — as happened under load when the
        // database restarted (e2e `test_database_lost_under_load_loses_no_acknowledged_write`).
        // Idle connections are kept for 10 s. The pool times each one out with a task that sleeps, and
        // starts one every time a connection goes back with no request waiting for it (about every
        // other statement under load); a `Task.sleep` that is cancelled leaves its wake-up job queued
        // until its deadline (about 330 bytes; see `CallDeadlines`). With ten minutes, a server answering
        // 7,500 reads/s grew by 6 MB every 5 s, towards 800 MB; with 10 s, it holds 15 MB at most at
        // that rate. A connection idle for 10 s is closed, and made again when needed (8–10 ms here).
        configuration.options.maximumConnections = settings.maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectionIdleTimeout = .seconds(10)
        configuration.options.keepAliveBehavior = nil
        configuration.options.connectTimeout = settings.connectTimeout
        var poolLogger = logger
        poolLogger.logLevel = ProcessInfo.processInfo.environment["STATUSGRAPH_POOL_LOG"] == nil ? max(logger.logLevel, .error) : .trace  // PostgresNIO logs every failed connection attempt at info
        self.client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        self.timeout = settings.timeout
        self.migrationTimeout = settings.migrationTimeout
        self.deleteTimeout = settings.deleteTimeout
        self.maximumConnections = settings.maximumConnections
        self.logger = logger
        self.prepared = PreparedStatements(promotion: settings.prepareAfter)
    }

    public func query(_ statement: SQLStatement) async throws -> [[SQLValue]] {
        try await withConnection(isRead: true) { connection in
            try await self.read(statement, on: connection).map(Self.values)
        }
    }

    /// Never started over: a read waits on PostgreSQL, not on a thread of this process.
    public func query(_ statement: SQLStatement, restart: (() -> Void)?, each body: (SQLRow) throws -> Void) async throws {
        let rows = try await withConnection(isRead: true) { connection in try await self.read(statement, on: connection) }
        try Self.walk(rows, body)
    }

    /// Concurrent inserts into one table share statements and commits, four at a time per instance (see
    /// `InsertBatcher`): PostgreSQL's cost of a create was mostly per statement (its round trips, parse,
    /// plan, executor start-up and commit), and creates into one container queue on its count rows anyway.
    /// Measured here, 64 clients creating into one app: 3,300 creates/s with each alone, 8,600 with four
    /// lanes (two 8,500, eight 7,200); one client's latency the same.
    public var insertLanes: Int? { 4 }

    public func statistics() -> [StorageStatistic] {
        [
            StorageStatistic(
                "statusgraph_postgres_pool_connections_max", .gauge, maximumConnections,
                help: "Connections this instance opens to PostgreSQL at most (--db-pool-size)."),
            StorageStatistic(
                "statusgraph_postgres_pool_connections_in_use", .gauge, lentNow.load(ordering: .relaxed),
                help: "Connections lent from the pool now, to a statement or a transaction."),
            StorageStatistic(
                "statusgraph_postgres_pool_lends_total", .counter, lends.load(ordering: .relaxed),
                help: "Connections lent from the pool: one per statement or transaction (and per retry on another connection)."),
            StorageStatistic(
                "statusgraph_postgres_pool_wait_seconds_total", .counter, Double(waitedNanoseconds.load(ordering: .relaxed)) / 1e9,
                help: "Time statements waited for a connection from the pool, summed over statusgraph_postgres_pool_lends_total (a pool too small for the load shows here first)."),
            StorageStatistic(
                "statusgraph_postgres_rerun_writes_total", .counter, rerunWrites.load(ordering: .relaxed),
                help: "Writes run again after PostgreSQL aborted them for concurrent ones (a deadlock, a serialization failure)."),
        ]
    }

    /// One statement in its own transaction, confirmed committed (see `unnamed`).
    public func write(_ statement: SQLStatement) async throws -> (rows: [[SQLValue]], changes: Int) {
        try await withConnection { connection in
            try await self.rerunningTransient {
                let result = try await self.unnamed(statement, on: connection, confirmingTheCommit: true)
                return (try result.rows.map(Self.values), result.metadata.rows ?? 0)
            }
        }
    }

    /// In a transaction of its own whose `statement_timeout` is `deleteTimeout`: the role's, which
    /// should be a little under `--db-timeout` (see README), would stop it.
    public func longWrite(_ statement: SQLStatement) async throws -> (rows: [[SQLValue]], changes: Int) {
        let limit = deleteTimeout
        let timeout = PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(limit.nanoseconds / 1_000_000)")
        let timedOut = "PostgreSQL at \(displayURL) did not finish a delete within \(limit.inWords) (--db-delete-timeout)"
        return try await withConnection(timedOut: timedOut, within: limit) { connection in
            do {
                return try await self.rerunningTransient {
                    try await self.transaction(on: connection) { run in
                        _ = try await run(timeout)
                        let result = try await self.unnamed(statement, on: connection)
                        return (try result.rows.map(Self.values), result.metadata.rows ?? 0)
                    }
                }
            } catch where Self.sqlState(error) == "57014" {
                throw StorageError(.unavailable, timedOut, underlying: error)  // stopped by the statement_timeout set above
            }
        }
    }

    /// Runs `body`, a write, again when PostgreSQL aborted it for a conflict with a concurrent one (a
    /// deadlock, a serialization failure): nothing of it remains then. Writes into one container queue
    /// on its counts row (one per shard: a statement moves one row of counts per container), so this
    /// is the exception.
    private func rerunningTransient<T>(_ body: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch where attempt < Self.writeAttempts && Self.isTransient(error) {
                rerunWrites.add(1, ordering: .relaxed)
                attempt += 1
            }
        }
    }


    /// Runs a read on `connection`: as a statement prepared there when it runs often (see `PreparedStatements`).
    private func read(_ statement: SQLStatement, on connection: PostgresConnection) async throws -> [PostgresRow] {
        let (plan, isNewConnection) = prepared.plan(statement, connection: connection.id)
        if isNewConnection {
            let prepared = self.prepared
            let id = connection.id
            connection.closeFuture.whenComplete { _ in prepared.forget(connection: id) }
        }
        let query: PreparedQuery
        switch plan {
        case .unnamed:
            return try await unnamed(statement, on: connection).rows
        case .prepare(let sql):
            do {
                query = try await send(on: connection) { connection.prepare(query: sql) }
            } catch where Self.sqlState(error) != nil && !Self.isConnectionLoss(error) {
                // PostgreSQL answered, and will not prepare it: it runs as it always could.
                prepared.refuse(statement)
                return try await unnamed(statement, on: connection).rows
            }
            prepared.store(query, for: statement, connection: connection.id)
        case .execute(let known):
            query = known
        }
        do {
            let binds = statement.bindings.map(Self.data)
            return try await send(on: connection) { query.execute(binds) }
        } catch where Self.sqlState(error) == "26000" {
            prepared.refuse(statement)
            return try await unnamed(statement, on: connection).rows
        }
    }

    /// Runs `statement` as an unnamed statement: parsed and planned for this one run.
    ///
    /// A write (`confirmingTheCommit`) is answered only once PostgreSQL has committed it. Outside a
    /// transaction block PostgreSQL answers a statement (CommandComplete) before it commits it, at the
    /// Sync that follows, and PostgresNIO completes a query on that answer, without waiting for the
    /// ReadyForQuery that follows the commit. A commit can fail after the answer (a deferred
    /// constraint), and a PostgreSQL that stops or crashes in between flushes the answer before it
    /// exits: the write is gone, and must not be acknowledged. A connection runs its next statement only
    /// after the previous one's ReadyForQuery, so an empty statement (nothing to parse or plan) queued
    /// right behind the write confirms the commit, and fails with the connection if it was lost. (A
    /// `BEGIN` … `COMMIT` around each write would confirm it too, with one more round trip.)
    func unnamed(
        _ statement: SQLStatement, on connection: PostgresConnection, confirmingTheCommit: Bool = false
    ) async throws -> PostgresQueryResult {
        let query = try Self.query(statement)
        return try await send(on: connection) {
            let answer = connection.query(query, logger: self.logger)
            guard confirmingTheCommit else { return answer }
            let committed = connection.query(Self.commitConfirmation, logger: self.logger)
            return answer.and(committed).map { answer, _ in answer }
        }
    }

    /// The empty statement queued behind a write (see `unnamed`).
    private static let commitConfirmation = PostgresQuery(unsafeSQL: "")

    /// Sends a statement on `connection` (`start` sends it and returns its answer), unless the connection
    /// has closed: then it throws `ClosedBeforeSending`, and nothing was sent. PostgresNIO never answers a
    /// statement sent on a connection whose channel has closed (the channel has no handler left to fail
    /// it; vapor/postgres-nio#487, reverted in #501), and a connection can close between the pool lending
    /// it and the statement: a database that stops or restarts closes them all at once. On the
    /// connection's event loop the close cannot come between the check and the sending (the channel is
    /// inactive before its handlers go).
    func send<T: Sendable>(
        on connection: PostgresConnection, _ start: @escaping @Sendable () -> EventLoopFuture<T>
    ) async throws -> T {
        try await connection.eventLoop.flatSubmit {
            connection.isClosed ? connection.eventLoop.makeFailedFuture(ClosedBeforeSending()) : start()
        }.get()
    }

    /// A connection of the pool had closed before a statement was sent on it.
    private struct ClosedBeforeSending: Error {}

    /// How many connections a call tries when the ones it is lent have closed: one more than the pool
    /// holds, as all of them may have closed at once (PostgreSQL restarted).
    private var connectionAttempts: Int { maximumConnections + 1 }

    /// Runs `body` on a connection of the pool, within the timeout. When a statement of `body` finds the
    /// connection closed, `body` runs again on another: what it sent before on the closed connection was
    /// a read, or part of a transaction the close rolled back (a write outside a transaction is sent
    /// with its confirmation, in one `send`). A read (`isRead`) also runs again when its connection is
    /// lost under it (PostgreSQL restarted, or an administrator or a proxy closed idle connections, and
    /// the pool had not noticed yet). A statement PostgreSQL does not answer in time (a database that
    /// hangs, a network that drops packets) is abandoned by closing its connection: PostgresNIO's answers
    /// cannot be cancelled, and the timeout would otherwise wait for them.
    func withConnection<T: Sendable>(
        isRead: Bool = false, timedOut: String? = nil, within limit: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await bounded(timedOut: timedOut, within: limit, isRead: isRead) {
            var attempt = 1
            while true {
                do {
                    return try await self.lend(body)
                } catch where attempt < self.connectionAttempts && (error is ClosedBeforeSending || isRead && Self.isConnectionLoss(error)) {
                    attempt += 1
                } catch is ClosedBeforeSending {
                    throw StorageError(.unavailable, "PostgreSQL at \(self.displayURL) closed the connections (\(attempt) tried)")
                }
            }
        }
    }

    private func lend<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let asked = ContinuousClock.now
        return try await client.withConnection { connection in
            let waited = ContinuousClock.now - asked
            self.waitedNanoseconds.add(Int(waited.nanoseconds), ordering: .relaxed)
            self.lends.add(1, ordering: .relaxed)
            self.lentNow.add(1, ordering: .relaxed)
            defer { self.lentNow.subtract(1, ordering: .relaxed) }
            return try await withTaskCancellationHandler {
                do {
                    return try await body(connection)
                } catch where error is ClosedBeforeSending || Self.isConnectionLoss(error) {
                    // Given back only once the pool knows it closed (it is told when the channel is
                    // gone, a moment after it stopped), or the pool may lend it again at once.
                    try? await connection.closeFuture.get()
                    throw error
                }
            } onCancel: {
                let _: EventLoopFuture<Void> = connection.close()
            }
        }
    }

    /// A binding as the prepared statement's parameter takes it (see `PreparedStatements.typed`).
    private static func data(_ value: SQLValue) -> PostgresData {
        switch value {
        case .null: return .null
        case .integer(let n): return PostgresData(int64: n)
        case .real(let d): return PostgresData(double: d)
        case .text(let s): return PostgresData(string: s)
        case .blob(let b): return PostgresData(bytes: b)
        case .boolean(let b): return PostgresData(bool: b)
        }
    }

    public func close() async throws {}

    /// Reads of one `REPEATABLE READ READ ONLY` transaction on one connection, held for the whole of
    /// `body`: they see the database as of its first statement, whatever other instances write meanwhile
    /// (an export of a store that is served). Each statement has the usual timeout; on any failure the
    /// connection is closed, not given back with a statement or the transaction still open.
    public func withSnapshot<T>(
        _ body: (_ query: @escaping @Sendable (SQLStatement) async throws -> [[SQLValue]]) async throws -> T
    ) async throws -> T {
        do {
            return try await client.withConnection { connection in
                let query: @Sendable (SQLStatement) async throws -> [[SQLValue]] = { statement in
                    try await self.bounded(timedOut: nil, isRead: true) { try await self.unnamed(statement, on: connection).rows.map(Self.values) }
                }
                do {
                    _ = try await query(SQLStatement("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", []))
                    let result = try await body(query)
                    _ = try await query(SQLStatement("COMMIT", []))
                    return result
                } catch {
                    try? await connection.close().get()
                    throw error
                }
            }
        } catch where Self.isDatabaseError(error) {
            throw translate(error, context: displayURL)
        }
    }

    /// Runs `body` within the timeout (`limit`, by default `timeout`; see `CallDeadlines`), translating
    /// PostgreSQL's errors (those of a read, `isRead`, or of a write). `timedOut` is the message when it
    /// does not answer in time (by default written then, not for every call).
    func bounded<T: Sendable>(
        timedOut: String?, within limit: Duration? = nil, isRead: Bool = false, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        do {
            return try await deadlines.run(within: limit ?? timeout, body)
        } catch is CallDeadlines.Expired {
            throw StorageError(.unavailable, timedOut ?? "PostgreSQL at \(displayURL) did not answer within \(timeout)")
        } catch where Self.isDatabaseError(error) {
            throw translate(error, context: displayURL, isRead: isRead)
        }
    }

    static func query(_ statement: SQLStatement) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: statement.bindings.count)
        for value in statement.bindings {
            switch value {
            case .null: binds.appendNull()
            case .integer(let n): binds.append(n)
            case .real(let d): binds.append(d)
            case .text(let s): binds.append(s)
            case .blob(let b): binds.append(ByteBuffer(bytes: b))
            case .boolean(let b): binds.append(b)
            }
        }
        return PostgresQuery(unsafeSQL: statement.sql, binds: binds)
    }
}
