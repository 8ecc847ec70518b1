import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Storage
import StatusGraphServer
import StoragePostgres
import StorageSQLite
import GraphModel

/// Where entities are kept: the embedded SQLite file by default, or PostgreSQL. The only place that names a backend.
struct StorageOptions: ParsableArguments {
    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "A PostgreSQL URL, postgres://user:password@host:5432/database[?sslmode=disable|require] (default: SQLite in --data-dir).",
            discussion: "Or in the environment variable \(Self.databaseVariable), which other users cannot read as they can a process's arguments."))
    var databaseOption: String?

    /// Where the URL may be given instead of `--database`, keeping its password out of the process's arguments.
    static let databaseVariable = "STATUSGRAPH_DATABASE"

    /// The PostgreSQL URL, from `--database` or else the environment; nil for SQLite.
    var database: String? {
        databaseOption ?? ProcessInfo.processInfo.environment[Self.databaseVariable].flatMap { $0.isEmpty ? nil : $0 }
    }

    @Option(name: .customLong("db-pool-size"), help: "PostgreSQL connections per instance.")
    var poolSize = 20

    @Option(
        name: .customLong("db-timeout"),
        help: "Seconds a request may wait for PostgreSQL before it gets 503; on SQLite, the longest one read may run before its request gets 504.")
    var timeout = 10.0

    @Option(name: .customLong("db-connect-timeout"), help: "Seconds to wait for a new PostgreSQL connection.")
    var connectTimeout = 5.0

    @Option(
        name: .customLong("db-migration-timeout"),
        help: "Seconds a start may spend migrating PostgreSQL once it answers (a recount or indexes rebuilt on a large store).")
    var migrationTimeout = 3600.0

    @Option(
        name: .customLong("db-delete-timeout"),
        help: "Seconds a PostgreSQL delete of an entity with everything it contains may take (an app of a million statuses: 17–27 s here).")
    var deleteTimeout = 600.0

    @Option(
        name: .customLong("db-prepare-after"),
        help: "Prepare a read on a PostgreSQL connection from its nth run on; 0 never (for a pooler that shares server sessions, such as PgBouncer in transaction mode).")
    var prepareAfter = 3

    /// The longest any of the timeouts may be (115 days): a time limit in nanoseconds must fit 64 bits.
    static let longestTimeout = 10_000_000.0

    func validate() throws {
        guard prepareAfter >= 0 else { throw ValidationError("--db-prepare-after must be 0 or more") }
        // PostgresNIO's pool counts its connections in 16 bits (more than 65,535 trap in it).
        guard (1...10_000).contains(poolSize) else { throw ValidationError("--db-pool-size must be between 1 and 10000") }
        let timeouts = [timeout, connectTimeout, migrationTimeout, deleteTimeout]
        let names = "--db-timeout, --db-connect-timeout, --db-migration-timeout and --db-delete-timeout"
        guard timeouts.allSatisfy({ $0 > 0 }) else { throw ValidationError("\(names) must be positive") }
        guard timeouts.allSatisfy({ $0 <= Self.longestTimeout }) else {
            throw ValidationError("\(names) must be at most \(Int(Self.longestTimeout)) seconds")
        }
    }

    struct Opened {
        let store: any EntityStore
        /// What runs beside the server (the PostgreSQL pool, SQLite's background purges).
        let services: [any Service]
        let description: String
    }

    func open(dataDirectory: String, logger: Logger) throws -> Opened {
        let layout = try StorageLayout(service: GraphModel.service)
        guard let database else {
            do {
                let sqlite = try SQLiteDatabase.open(dataDirectory: dataDirectory, readTimeLimit: .seconds(timeout))
                // The file is this process's alone, so a big delete may answer at once and purge after.
                let store = BackgroundPurgeStore(SQLEntityStore(layout: layout, database: sqlite))
                return Opened(store: store, services: [PurgeService(store: store, logger: logger)], description: "SQLite in \(dataDirectory)")
            } catch let error as StorageError {
                throw StartupError(error.message)
            }
        }
        var settings = PostgresDatabase.Settings(url: database)
        settings.maximumConnections = poolSize
        settings.timeout = .seconds(timeout)
        settings.connectTimeout = .seconds(connectTimeout)
        settings.prepareAfter = prepareAfter
        settings.migrationTimeout = .seconds(migrationTimeout)
        settings.deleteTimeout = .seconds(deleteTimeout)
        do {
            let postgres = try PostgresDatabase(settings: settings, logger: logger)
            return Opened(
                store: SQLEntityStore(layout: layout, database: postgres), services: [postgres.client],
                description: "PostgreSQL at \(postgres.displayURL)")
        } catch let error as StorageError {
            throw StartupError(error.message)
        }
    }

    /// Runs `body` on the store, its schema ready, with what runs beside it (the PostgreSQL pool); closes
    /// it after. For the commands that work on a store without serving it.
    func withStore<T>(dataDirectory: String, _ body: (any EntityStore, _ description: String) async throws -> T) async throws -> T {
        var logger = Logger(label: "statusgraph") { ConsoleLogHandler(label: $0) }
        logger.logLevel = .warning
        let opened = try open(dataDirectory: dataDirectory, logger: logger)
        let result = try await withThrowingTaskGroup(of: Void.self) { group in
            for service in opened.services { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            do {
                try await opened.store.prepare()
            } catch let error as StorageError {
                throw StartupError(error.message)
            }
            return try await body(opened.store, opened.description)
        }
        try await opened.store.close()
        return result
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the schema and exit (serve does this too on start; on PostgreSQL safe while other instances start).")

    @Option(name: .customLong("data-dir"), help: "The data directory (for SQLite).")
    var dataDirectory = "./.statusgraph"

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await storage.withStore(dataDirectory: dataDirectory) { _, description in
            print("schema ready (\(description))")
        }
    }
}

/// A reason the server cannot start (an unreachable database, an unreadable file), printed as it is.
struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
