import Foundation
import GRDBSQLite
import Storage
@testable import StorageSQLite
import Testing

/// SQLite's prepared statements are kept per connection up to a count and a budget of memory, the least
/// recently used finalized past them, never one that is stepping; readers and the writer keep theirs so.
@Suite struct StatementCacheTests {
    /// The SQL of every statement `connection` holds, finalized or not by a cache.
    static func statements(on connection: OpaquePointer) -> [String] {
        var texts: [String] = []
        var next = sqlite3_next_stmt(connection, nil)
        while let statement = next {
            texts.append(String(cString: sqlite3_sql(statement)))
            next = sqlite3_next_stmt(connection, statement)
        }
        return texts.sorted()
    }

    /// Runs `body` on an in-memory connection, then closes it with `sqlite3_close`, which refuses
    /// while a statement is left: the cache must have finalized each one it made.
    static func withConnection(_ body: (OpaquePointer) throws -> Void) throws {
        _ = SQLiteSettings.applied  // before SQLite's first use in the process, as the store makes it
        var opened: OpaquePointer?
        try #require(sqlite3_open_v2(":memory:", &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK)
        let connection = try #require(opened)
        try body(connection)
        #expect(statements(on: connection) == [])
        #expect(sqlite3_close(connection) == SQLITE_OK)
    }

    /// The first column of `statement`'s first row, then reset.
    static func answer(_ statement: OpaquePointer) -> Int64? {
        defer { sqlite3_reset(statement) }
        return sqlite3_step(statement) == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : nil
    }

    @Test func keepsAtMostItsCapacityAndEachStatementStillAnswers() throws {
        try Self.withConnection { connection in
            let cache = StatementCache(capacity: 8)
            for n in 0..<100 {
                try #expect(Self.answer(cache.statement("SELECT \(n)", on: connection)) == Int64(n))
                #expect(cache.count == min(n + 1, 8))
                #expect(Self.statements(on: connection).count == cache.count)
            }
            // One finalized long ago is prepared again, and answers.
            try #expect(Self.answer(cache.statement("SELECT 3", on: connection)) == 3)
            cache.finalizeAll()
            #expect(cache.count == 0)
        }
    }

    /// The budget bounds what statements of any size may hold; one larger than all of it is kept alone.
    @Test func keepsWithinItsBudget() throws {
        try Self.withConnection { connection in
            let probe = StatementCache()
            _ = try probe.statement("SELECT 0", on: connection)
            let one = probe.bytes
            probe.finalizeAll()
            #expect(one > 0)
            let cache = StatementCache(capacity: 100, budget: one * 7 / 2)
            for n in 0..<50 {
                try #expect(Self.answer(cache.statement("SELECT \(n)", on: connection)) == Int64(n))
                #expect(cache.bytes <= cache.budget)
                #expect(cache.count <= 3)
                #expect(Self.statements(on: connection).count == cache.count)
            }
            let sum = "SELECT " + (1...200).map(String.init).joined(separator: " + ")
            try #expect(Self.answer(cache.statement(sum, on: connection)) == 20_100)
            #expect(cache.bytes > cache.budget)
            #expect(Self.statements(on: connection) == [sum])
            cache.finalizeAll()
            #expect(cache.bytes == 0)
        }
    }

    @Test func finalizesTheLeastRecentlyUsed() throws {
        try Self.withConnection { connection in
            let cache = StatementCache(capacity: 3)
            let a = try cache.statement("SELECT 'a'", on: connection)
            _ = try cache.statement("SELECT 'b'", on: connection)
            _ = try cache.statement("SELECT 'c'", on: connection)
            try #expect(cache.statement("SELECT 'a'", on: connection) == a)  // used again: 'b' is now the oldest
            _ = try cache.statement("SELECT 'd'", on: connection)
            #expect(Self.statements(on: connection) == ["SELECT 'a'", "SELECT 'c'", "SELECT 'd'"])
            try #expect(cache.statement("SELECT 'a'", on: connection) == a)
            _ = try cache.statement("SELECT 'b'", on: connection)  // again: 'c' goes
            #expect(Self.statements(on: connection) == ["SELECT 'a'", "SELECT 'b'", "SELECT 'd'"])
            cache.finalizeAll()
        }
    }

    /// A statement that is stepping (a read still handing out rows) stays, even past the capacity;
    /// the cache is back within it once the statement is reset.
    @Test func neverFinalizesAStatementThatIsStepping() throws {
        try Self.withConnection { connection in
            let cache = StatementCache(capacity: 1)
            let rows = try cache.statement("SELECT 1 UNION ALL SELECT 2", on: connection)
            #expect(sqlite3_step(rows) == SQLITE_ROW)
            try #expect(Self.answer(cache.statement("SELECT 7", on: connection)) == 7)
            #expect(cache.count == 2)
            #expect(sqlite3_step(rows) == SQLITE_ROW && sqlite3_column_int64(rows, 0) == 2)
            sqlite3_reset(rows)
            try #expect(Self.answer(cache.statement("SELECT 8", on: connection)) == 8)
            #expect(Self.statements(on: connection) == ["SELECT 8"])
            cache.finalizeAll()
        }
    }

    @Test func aStatementSQLiteRefusesIsAnErrorAndNothingIsKept() throws {
        try Self.withConnection { connection in
            let cache = StatementCache(capacity: 2)
            #expect(throws: (any Error).self) { try cache.statement("SELECT FROM nowhere", on: connection) }
            #expect(cache.count == 0)
        }
    }

    /// The store's own connections: a reader keeps at most the default capacity however many
    /// statements it is given, and the writer's are finalized when the database closes (GRDB closes it
    /// with `sqlite3_close`, which would fail were one left).
    @Test func theStoreConnectionsKeepTheBound() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try SQLiteDatabase.open(dataDirectory: directory)
        let distinct = StatementCache.defaultCapacity + 50
        for n in 0..<distinct {
            #expect(try await database.write(SQLStatement("SELECT \(n) AS written")).rows == [[.integer(Int64(n))]])
            #expect(try await database.query(SQLStatement("SELECT \(n) AS read")) == [[.integer(Int64(n))]])
        }
        let reader = try ReaderConnection(path: SQLiteDatabase.path(dataDirectory: directory))
        for n in 0..<distinct { #expect(try Self.answer(reader.statement("SELECT \(n)")) == Int64(n)) }
        #expect(Self.statements(on: reader.handle).count == StatementCache.defaultCapacity)
        try await database.close()
    }
}
