import Foundation
import Storage
import StatusGraphTestSupport
@testable import StoragePostgres
import Testing

/// Reads prepared on PostgreSQL connections (`PreparedStatements`). The test backends prepare every read
/// from its first run, so every PostgreSQL suite goes through prepared statements; these tests check
/// what is particular to them.
@Suite struct PostgresPreparedStatementTests {
    /// Each placeholder is cast to its binding's type, except a null's; quoted text is left alone.
    @Test(arguments: [
        ("SELECT 1", [], "SELECT 1"),
        (#"SELECT "a" FROM "t" WHERE "b" = $1 AND "c" = $2"#, [ParameterType.text, .bigint],
         #"SELECT "a" FROM "t" WHERE "b" = $1::text AND "c" = $2::bigint"#),
        ("SELECT $1, $2", [.unknown, .doublePrecision], "SELECT $1, $2::double precision"),
        (#"SELECT '$1', "$2", $1 FROM t"#, [.boolean], #"SELECT '$1', "$2", $1::boolean FROM t"#),
        ("SELECT 'it''s $1' || $1", [.bytea], "SELECT 'it''s $1' || $1::bytea"),
        ("INSERT INTO t VALUES ($10, $1)", [.text, .text, .text, .text, .text, .text, .text, .text, .text, .bigint],
         "INSERT INTO t VALUES ($10::bigint, $1::text)"),
        ("SELECT $2::bigint, $3", [.text, .bigint, .text], "SELECT $2::bigint::bigint, $3::text"),
        ("SELECT 'é' || $1", [.text], "SELECT 'é' || $1::text"),
    ] as [(String, [ParameterType], String)])
    func placeholdersAreCastToTheirBindingsTypes(sql: String, types: [ParameterType], typed: String) {
        #expect(PreparedStatements.typed(sql, types) == typed)
    }

    /// A read is prepared on a connection once, and answers as it did unnamed, for every kind of value
    /// and for a null where a value was (another statement).
    @Test(.enabled(if: TestBackend.postgresURL != nil))
    func preparedReadsAnswerAsUnnamedOnes() async throws {
        try await TestBackend.withPostgresStore { opened in
            let database = try #require(opened.postgres)
            let sql = "SELECT $1::text IS NULL, $2::bigint + 1, $3::double precision * 2, NOT $4::boolean, length($5::bytea), $1::text || '$1'"
            let values: [SQLValue] = [.text("it's"), .integer(41), .real(1.25), .boolean(false), .blob([1, 2, 3])]
            let expected: [SQLValue] = [.boolean(false), .integer(42), .real(2.5), .boolean(true), .integer(3), .text("it's$1")]
            for _ in 0..<4 {
                #expect(try await database.query(SQLStatement(sql, values)) == [expected])
            }
            #expect(database.prepared.preparedCount >= 1)
            var withNull = values
            withNull[0] = .null
            #expect(try await database.query(SQLStatement(sql, withNull)) == [[.boolean(true), .integer(42), .real(2.5), .boolean(true), .integer(3), .null]])
            let before = database.prepared.preparedCount
            #expect(try await database.query(SQLStatement(sql, withNull)).count == 1)
            #expect(database.prepared.preparedCount >= before)
        }
    }

    /// With preparing off, nothing is prepared, and reads answer the same.
    @Test func nothingIsPreparedWhenItIsOff() {
        let statements = PreparedStatements(promotion: 0)
        for _ in 0..<5 {
            guard case .unnamed = statements.plan(SQLStatement("SELECT $1", [.integer(1)]), connection: 1).plan else {
                Issue.record("prepared although off")
                return
            }
        }
        #expect(statements.preparedCount == 0)
    }

    /// A read is prepared from its `promotion`th run on, only for the statements PostgreSQL can prepare,
    /// and not after PostgreSQL refused it.
    @Test func readsArePreparedFromTheirNthRun() {
        let statements = PreparedStatements(promotion: 3)
        let read = SQLStatement("SELECT \"a\" FROM \"t\" WHERE \"b\" = $1", [.text("x")])
        func plan(_ s: SQLStatement, _ connection: Int = 1) -> String {
            switch statements.plan(s, connection: connection).plan {
            case .unnamed: return "unnamed"
            case .prepare(let sql): return "prepare " + sql
            case .execute: return "execute"
            }
        }
        #expect(plan(read) == "unnamed")
        #expect(plan(read) == "unnamed")
        #expect(plan(read) == "prepare SELECT \"a\" FROM \"t\" WHERE \"b\" = $1::text")
        // Until it is stored, it is prepared again (each connection runs one statement at a time).
        #expect(plan(read, 2) == "prepare SELECT \"a\" FROM \"t\" WHERE \"b\" = $1::text")
        #expect(plan(SQLStatement("VACUUM", [])) == "unnamed")
        for _ in 0..<5 { _ = plan(SQLStatement("VACUUM", [])) }
        #expect(plan(SQLStatement("VACUUM", [])) == "unnamed")
        statements.refuse(read)
        #expect(plan(read) == "unnamed")
        #expect(plan(read, 3) == "unnamed")
    }

    /// The statements followed are bounded by their number (`tracked`) and by the bytes of their text
    /// (`trackedBytes`): one-off ones are forgotten to make room, and when those in use fill it a new one
    /// runs unnamed without being followed.
    @Test(arguments: [
        (tracked: 4, bytes: 8 << 20, padding: 0, fit: 4),
        (tracked: 100, bytes: 1_000, padding: 290, fit: 3),
    ])
    func theStatementsFollowedAreBounded(tracked: Int, bytes: Int, padding: Int, fit: Int) {
        let statements = PreparedStatements(promotion: 2, tracked: tracked, trackedBytes: bytes)
        func read(_ n: Int) -> SQLStatement { SQLStatement("SELECT \(n) AS x" + String(repeating: "x", count: padding), []) }
        for n in 0..<fit { _ = statements.plan(read(n), connection: 1) }
        #expect(statements.trackedCount == fit)
        #expect(statements.trackedTextBytes == fit * read(0).sql.utf8.count)
        _ = statements.plan(read(fit), connection: 1)
        #expect(statements.trackedCount == 1)
        #expect(statements.trackedTextBytes == read(fit).sql.utf8.count)
        for n in 10..<10 + fit { for _ in 0..<2 { _ = statements.plan(read(n), connection: 1) } }
        #expect(statements.trackedCount == fit)
        for _ in 0..<3 {
            guard case .unnamed = statements.plan(read(20), connection: 1).plan else {
                Issue.record("a statement past the bound was prepared")
                return
            }
        }
        #expect(statements.trackedCount == fit)
        #expect(statements.trackedTextBytes <= bytes)
    }

    /// A read longer than `longestPrepared` runs unnamed however often it runs, and is not followed.
    @Test func longReadsAreNeitherPreparedNorFollowed() {
        let statements = PreparedStatements(promotion: 1)
        let long = SQLStatement("SELECT 1 AS " + String(repeating: "x", count: PreparedStatements.longestPrepared), [])
        for _ in 0..<5 {
            guard case .unnamed = statements.plan(long, connection: 1).plan else {
                Issue.record("a long read was prepared")
                return
            }
        }
        #expect(statements.trackedCount == 0)
        guard case .prepare = statements.plan(SQLStatement("SELECT 1", []), connection: 1).plan else {
            Issue.record("a short read was not prepared")
            return
        }
    }
}
