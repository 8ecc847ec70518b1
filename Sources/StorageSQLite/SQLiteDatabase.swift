import Foundation
import GRDB
import GRDBSQLite
import Storage

/// The embedded default backend: one SQLite file in WAL mode, a writer plus a pool of readers (GRDB),
/// `synchronous=FULL` so that an acknowledged write survives a crash or power loss, and prepared
/// statements cached per connection.
public final class SQLiteDatabase: SQLDatabase {
    public let dialect: any SQLDialect = SQLiteDialect()
    private let pool: DatabasePool

    /// Opens (creating if needed) the database file at `path`.
    public init(path: String, readers: Int = max(4, ProcessInfo.processInfo.activeProcessorCount * 2)) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.maximumReaderCount = readers
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StorageError(.unavailable, "cannot open the SQLite database at \(path)", underlying: error)
        }
    }

    /// Opens `statusgraph.sqlite` in a data directory, creating the directory if needed.
    public static func open(dataDirectory: String) throws -> SQLiteDatabase {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw StorageError(.unavailable, "cannot create the data directory \(dataDirectory)", underlying: error)
        }
        return try SQLiteDatabase(path: (dataDirectory as NSString).appendingPathComponent("statusgraph.sqlite"))
    }

    /// Reads run on the calling thread: a read is a few microseconds of CPU in SQLite's page cache,
    /// less than hopping to a reader's dispatch queue and back. There are more readers than threads
    /// in Swift's cooperative pool, so a read never waits for one.
    public func query(_ statement: SQLStatement) async throws -> [[SQLValue]] {
        try await run { try pool.read { db in try Self.fetch(db, statement) } }
    }

    public func write(_ statement: SQLStatement) async throws -> (rows: [[SQLValue]], changes: Int) {
        try await run {
            try await pool.write { db in
                let rows = try Self.fetch(db, statement)
                return (rows, db.changesCount)
            }
        }
    }

    public func migrate(_ plan: SchemaPlan) async throws {
        try await run {
            try await pool.write { db in
                for sql in plan.tables { try db.execute(sql: sql) }
                var existing: [String: Set<String>] = [:]
                for column in plan.columns {
                    if existing[column.table] == nil {
                        existing[column.table] = Set(
                            try Row.fetchAll(db, sql: "PRAGMA table_info(\(dialect.quote(column.table)))").map { $0["name"] as String })
                    }
                    if !existing[column.table]!.contains(column.name) { try db.execute(sql: column.add) }
                }
                let schema = dialect.quote(StorageLayout.schemaTable)
                let stored = try String.fetchOne(db, sql: "SELECT \"value\" FROM \(schema) WHERE \"key\" = 'derived'")
                guard stored != plan.fingerprint else { return }
                let triggers = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'")
                for name in triggers { try db.execute(sql: "DROP TRIGGER \(dialect.quote(name))") }
                for sql in plan.triggers + plan.recount { try db.execute(sql: sql) }
                try db.execute(
                    sql: "INSERT INTO \(schema) (\"key\", \"value\") VALUES ('derived', ?) ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\"",
                    arguments: [plan.fingerprint])
            }
        }
    }

    public func close() async throws {
        try pool.close()
    }

    private static func fetch(_ db: Database, _ statement: SQLStatement) throws -> [[SQLValue]] {
        let prepared = try db.cachedStatement(sql: statement.sql)
        try prepared.setArguments(StatementArguments(statement.bindings.map(Self.databaseValue)))
        var out: [[SQLValue]] = []
        let cursor = try Row.fetchCursor(prepared)
        // Values are read straight from SQLite's statement while GRDB steps it: no per-value boxing.
        let sqlite = prepared.sqliteStatement
        let count = Int32(sqlite3_column_count(sqlite))
        while try cursor.next() != nil {
            var values: [SQLValue] = []
            values.reserveCapacity(Int(count))
            for i in 0..<count {
                switch sqlite3_column_type(sqlite, i) {
                case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(sqlite, i)))
                case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(sqlite, i)))
                case SQLITE_TEXT:
                    let length = Int(sqlite3_column_bytes(sqlite, i))
                    let text = sqlite3_column_text(sqlite, i).map {
                        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                    }
                    values.append(.text(text ?? ""))
                case SQLITE_BLOB:
                    let length = Int(sqlite3_column_bytes(sqlite, i))
                    let bytes = sqlite3_column_blob(sqlite, i).map {
                        Array(UnsafeRawBufferPointer(start: $0, count: length))
                    }
                    values.append(.blob(bytes ?? []))
                default: values.append(.null)
                }
            }
            out.append(values)
        }
        return out
    }

    private static func databaseValue(_ v: SQLValue) -> DatabaseValue {
        switch v {
        case .null: return .null
        case .integer(let n): return n.databaseValue
        case .real(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        case .blob(let b): return Data(b).databaseValue
        case .boolean(let b): return (b ? 1 : 0 as Int64).databaseValue
        }
    }

    /// Translates SQLite's errors into `StorageError`.
    private func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_CONSTRAINT:
                if error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
                    throw StorageError(.parentNotFound, "the containing entity does not exist", underlying: error)
                }
                throw StorageError(.conflict, "an entity with this key exists already", underlying: error)
            case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN:
                throw StorageError(.unavailable, "the SQLite database is unavailable", underlying: error)
            default:
                throw StorageError(.internalError, "SQLite failed", underlying: error)
            }
        }
    }
}
