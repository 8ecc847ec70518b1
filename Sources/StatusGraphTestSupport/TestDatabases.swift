import Foundation
import GraphModel
import Logging
import PostgresNIO
import Storage
import StoragePostgres
import StorageSQLite

/// The backends the test suites run on: SQLite always, PostgreSQL when `scripts/with-postgres` has
/// started a cluster (`STATUSGRAPH_TEST_POSTGRES_URL`). Each test opens storage under a key: the same
/// key reopens the same data.
public enum TestBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    /// The PostgreSQL server URL (its maintenance database), if one runs.
    public static var postgresURL: String? { ProcessInfo.processInfo.environment["STATUSGRAPH_TEST_POSTGRES_URL"] }

    /// Every backend available here.
    public static var available: [TestBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// The backend the app-level suites use: `STATUSGRAPH_TEST_BACKEND`, SQLite by default.
    public static var selected: TestBackend {
        ProcessInfo.processInfo.environment["STATUSGRAPH_TEST_BACKEND"].flatMap(TestBackend.init(rawValue:)) ?? .sqlite
    }

    /// Opens a store on the storage named `key`; `close` stops what was started. `configure` changes
    /// the PostgreSQL settings the tests use; a PostgreSQL database made for it is made with `databaseOptions`
    /// (`CREATE DATABASE`'s, such as a locale).
    public func open(
        key: String, databaseOptions: String = "", configure: (inout StoragePostgres.PostgresDatabase.Settings) -> Void = { _ in }
    ) async throws -> OpenedStore {
        let layout = try StorageLayout(service: GraphModel.service)
        switch self {
        case .sqlite:
            let database = try SQLiteDatabase.open(dataDirectory: Self.sqliteDirectory(key))
            return OpenedStore(store: SQLEntityStore(layout: layout, database: database), client: nil, task: nil)
        case .postgres:
            guard let admin = Self.postgresURL else { throw TestBackendError("no PostgreSQL: run under scripts/with-postgres") }
            let name = Self.databaseName(key)
            try await Self.createDatabase(name, options: databaseOptions, adminURL: admin)
            var settings = PostgresDatabase.Settings(url: Self.url(admin, database: name))
            // Many tests run at once on two cores: small pools, generous waits (a slow test is not a failed one).
            settings.maximumConnections = 4
            settings.timeout = .seconds(60)
            settings.connectTimeout = .seconds(30)
            // Every read prepared from its first run, so that every suite checks the prepared path.
            settings.prepareAfter = 1
            configure(&settings)
            var logger = Logger(label: "test-postgres")
            logger.logLevel = .critical
            let database = try PostgresDatabase(settings: settings, logger: logger)
            let client = database.client
            let task = Task { await client.run() }
            return OpenedStore(store: SQLEntityStore(layout: layout, database: database), client: client, task: task)
        }
    }

    /// Removes the storage named `key`.
    public func drop(key: String) async {
        switch self {
        case .sqlite: try? FileManager.default.removeItem(atPath: Self.sqliteDirectory(key))
        case .postgres:
            guard let admin = Self.postgresURL else { return }
            let name = Self.databaseName(key)
            try? await Self.admin(admin) { client in
                try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)"))
            }
        }
    }

    /// Makes the PostgreSQL database of the storage named `key` (unless it is there) and gives it
    /// `settings` (`ALTER DATABASE … SET`): each connection made to it from then on starts with them.
    public static func postgresDatabase(key: String, settings: KeyValuePairs<String, String>) async throws {
        guard let admin = postgresURL else { throw TestBackendError("no PostgreSQL: run under scripts/with-postgres") }
        let name = databaseName(key)
        try await createDatabase(name, options: "", adminURL: admin)
        try await Self.admin(admin) { client in
            for (setting, value) in settings {
                try await client.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \"\(name)\" SET \(setting) = '\(value)'"))
            }
        }
    }

    /// The PostgreSQL database of the storage named `key`.
    static func databaseName(_ key: String) -> String {
        "sg_" + key.lowercased().filter { $0.isLetter || $0.isNumber }
    }

    public static func sqliteDirectory(_ key: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("statusgraph-store-\(key)").path
    }

    /// `admin` with its database replaced.
    public static func url(_ admin: String, database: String) -> String {
        var components = URLComponents(string: admin)!
        components.path = "/" + database
        return components.string!
    }

    static func createDatabase(_ name: String, options: String, adminURL: String) async throws {
        try await admin(adminURL) { client in
            let exists = try await client.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM pg_database WHERE datname = '\(name)'")).collect()
            if exists.isEmpty { try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\" \(options)")) }
        }
    }

    static func admin(_ url: String, _ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        var logger = Logger(label: "test-postgres-admin")
        logger.logLevel = .critical
        var settings = PostgresDatabase.Settings(url: url)
        settings.maximumConnections = 2
        settings.timeout = .seconds(60)
        settings.connectTimeout = .seconds(30)
        let database = try PostgresDatabase(settings: settings, logger: logger)
        let client = database.client
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await body(client)
        }
    }
}

extension TestBackend {
    /// Runs `body` on a new store of this backend, its schema ready; closed and dropped afterwards,
    /// whether `body` succeeds or throws. A PostgreSQL database is made with `databaseOptions` (see `open`).
    public func withStore<T>(databaseOptions: String = "", _ body: (any EntityStore) async throws -> T) async throws -> T {
        let key = UUID().uuidString
        let opened = try await open(key: key, databaseOptions: databaseOptions)
        do {
            try await opened.store.prepare()
            let result = try await body(opened.store)
            try await opened.close()
            await drop(key: key)
            return result
        } catch {
            try? await opened.close()
            await drop(key: key)
            throw error
        }
    }

    /// Runs `body` on a store of its own on PostgreSQL (a new database), closed and dropped afterwards.
    public static func withPostgresStore(_ body: (OpenedStore) async throws -> Void) async throws {
        let key = UUID().uuidString
        let opened = try await TestBackend.postgres.open(key: key)
        defer { Task { try? await opened.close(); await TestBackend.postgres.drop(key: key) } }
        try await body(opened)
    }
}

/// A store opened for a test, and what must stop with it.
public struct OpenedStore: Sendable {
    public let store: any EntityStore
    /// The PostgreSQL pool, to run as an app service or in `task`.
    public let client: PostgresClient?
    let task: Task<Void, Never>?

    public init(store: any EntityStore) {
        self.init(store: store, client: nil, task: nil)
    }

    init(store: any EntityStore, client: PostgresClient?, task: Task<Void, Never>?) {
        self.store = store
        self.client = client
        self.task = task
    }

    public func close() async throws {
        try await store.close()
        task?.cancel()
    }

    /// The PostgreSQL database under the store, if it is on PostgreSQL.
    public var postgres: StoragePostgres.PostgresDatabase? { (store as? SQLEntityStore<StoragePostgres.PostgresDatabase>)?.database }
}

public struct TestBackendError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
