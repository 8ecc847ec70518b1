import Foundation
import GRDB
import Storage

/// The schema brought to the model (`migrate`), and loads that build their indexes after the rows.
extension SQLiteDatabase {
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
                for statement in plan.backfill {
                    try db.execute(sql: statement.sql, arguments: StatementArguments(statement.bindings.map(Self.databaseValue)))
                }
                for sql in plan.triggers + plan.recount { try db.execute(sql: sql) }
                try db.execute(
                    sql: "INSERT INTO \(schema) (\"key\", \"value\") VALUES ('derived', ?) ON CONFLICT (\"key\") DO UPDATE SET \"value\" = excluded.\"value\"",
                    arguments: [plan.fingerprint])
            }
        }
    }

    /// A value as GRDB binds it (for the few statements that go through GRDB's writer connection).
    static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let n): n.databaseValue
        case .real(let d): d.databaseValue
        case .text(let s): s.databaseValue
        case .blob(let b): Data(b).databaseValue
        case .boolean(let b): b.databaseValue
        }
    }

    /// A load into this process's file (`statusgraph import`): the indexes of the tables that are empty
    /// when it starts are dropped, and built again once it ends (also when it fails), each in one sorted
    /// pass instead of entry by entry. Rows arrive in key order, but their secondary keys (a device's
    /// name, its state) land at random places in a large index, and every commit wrote each page it
    /// touched to the log again: measured on 1.2 million device statuses, row by row with the indexes
    /// ~7.5k rows/s, loaded without them and indexed after ~37k. A table holding rows keeps its
    /// indexes (building them again would cost what its rows cost). A process that dies during the
    /// load leaves them to the next start: `migrate` creates the indexes that are missing.
    public func withBulkLoad<T>(_ body: () async throws -> T) async throws -> T {
        let dialect = self.dialect
        let deferred = try await run {
            try await pool.write { db -> [String] in
                let indexes = try Row.fetchAll(
                    db, sql: "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
                var empty: [String: Bool] = [:]
                var deferred: [String] = []
                for index in indexes {
                    let table: String = index["tbl_name"]
                    if empty[table] == nil {
                        empty[table] = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM \(dialect.quote(table)))") ?? false
                    }
                    guard empty[table] == true else { continue }
                    try db.execute(sql: "DROP INDEX \(dialect.quote(index["name"] as String))")
                    deferred.append(index["sql"])
                }
                return deferred
            }
        }
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        do {
            try await run { try await pool.write { db in for sql in deferred { try db.execute(sql: sql) } } }
        } catch {
            // The load's own failure says more; the indexes are then made at the next start.
            if case .success = outcome { throw error }
        }
        return try outcome.get()
    }
}
