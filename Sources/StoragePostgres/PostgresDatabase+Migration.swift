import Foundation
import PostgresNIO
import Storage

/// The schema applied at the start, one instance at a time, and what the start says of the role's settings.
extension PostgresDatabase {
    /// Applies the schema in one transaction, under an advisory lock so that instances starting
    /// together migrate one after the other.
    public func migrate(_ plan: SchemaPlan) async throws {
        // PostgreSQL answers within the usual timeout, or the start fails saying so; the migration itself
        // may take longer (a recount, or indexes rebuilt, on a large store), up to `migrationTimeout`.
        let settings = try await withConnection(timedOut: "cannot reach PostgreSQL at \(displayURL): no answer within \(timeout)") { connection in
            try await self.unnamed(Self.settings, on: connection).rows.map(Self.values)
        }
        if case .text(let encoding)? = settings.first?[1], encoding != "UTF8" {
            throw StorageError(
                .unavailable,
                """
                the database at \(displayURL) is encoded in \(encoding): StatusGraph keeps text as Unicode, and needs a \
                database encoded in UTF8 (CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0)
                """)
        }
        // PostgresNIO sends UTF-8 without naming it: a role or database set to another client encoding would
        // have PostgreSQL convert it from that one.
        if case .text(let encoding)? = settings.first?[2], encoding != "UTF8" {
            throw StorageError(
                .unavailable,
                """
                PostgreSQL at \(displayURL) takes text from its clients in \(encoding) (client_encoding): StatusGraph \
                sends UTF-8 (ALTER ROLE … SET client_encoding = 'UTF8', or RESET it)
                """)
        }
        if case .integer(let milliseconds)? = settings.first?[0] { noteStatementTimeout(Int(milliseconds)) }
        try await withConnection(
            timedOut: "migrating PostgreSQL at \(displayURL) did not finish within \(migrationTimeout) (--db-migration-timeout)",
            within: migrationTimeout
        ) { connection in
            do {
                try await self.transaction(on: connection) { run in try await self.migrate(plan, run: run) }
            } catch where Self.isDatabaseError(error) {
                let translated = self.translate(error, context: "migrating \(self.displayURL)")
                // Said at the start to whoever runs it, not to a client: PostgreSQL's own words.
                guard translated.code == .internalError, let message = Self.serverMessage(error) else { throw translated }
                throw StorageError(.internalError, "migrating \(self.displayURL) failed: \(message) (SQLSTATE \(Self.sqlState(error) ?? "?"))", underlying: error)
            }
        }
    }

    private func migrate(_ plan: SchemaPlan, run: (PostgresQuery) async throws -> [PostgresRow]) async throws {
        // A recount or an index rebuilt on a large store takes longer than the role's statement_timeout
        // may allow a request's statement: the migration is bounded by `migrationTimeout` alone.
        _ = try await run("SET LOCAL statement_timeout = 0")
        _ = try await run("SELECT pg_advisory_xact_lock(7347001)")
        for sql in plan.tables { _ = try await run(PostgresQuery(unsafeSQL: sql)) }
        // Every column of the schema's tables, and a text column's collation ("" for other types).
        var existing: [String: String] = [:]
        let rows = try await run(
            """
            SELECT c.relname, a.attname, CASE WHEN a.atttypid = 'text'::regtype THEN COALESCE(co.collname, '') ELSE '' END \
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
            LEFT JOIN pg_collation co ON co.oid = a.attcollation \
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
            """)
        for row in rows {
            let (table, column, collation) = try row.decode((String, String, String).self)
            existing[table + "\u{1F}" + column] = collation
        }
        for column in plan.columns where existing[column.table + "\u{1F}" + column.name] == nil {
            _ = try await run(PostgresQuery(unsafeSQL: column.add))  // made with its collation
        }
        let recollate = uncollatedText(plan, collations: existing)
        if !recollate.isEmpty {
            logger.notice("migrating: giving the text columns of \(recollate.count) tables the C collation (their indexes are rebuilt: on a large store, minutes)")
        }
        let stored = try await run(#"SELECT "value" FROM "_schema" WHERE "key" = 'derived'"#).first.flatMap { try? $0.decode(String.self) }
        guard stored != plan.fingerprint || !recollate.isEmpty else { return }
        let triggers = try await run(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = current_schema()")
        for row in triggers {
            let (trigger, table) = try row.decode((String, String).self)
            _ = try await run(PostgresQuery(unsafeSQL: "DROP TRIGGER IF EXISTS \(dialect.quote(trigger)) ON \(dialect.quote(table))"))
            // Its function, named as the trigger (`PostgresDialect.trigger`): a trigger the new
            // schema no longer has would leave it behind.
            _ = try await run(PostgresQuery(unsafeSQL: "DROP FUNCTION IF EXISTS \(dialect.quote(trigger))()"))
        }
        // With the triggers gone (a trigger's columns cannot change type); the indexes on them are rebuilt.
        for statement in recollate { _ = try await run(PostgresQuery(unsafeSQL: statement)) }
        for statement in plan.backfill { _ = try await run(try Self.query(statement)) }
        for sql in plan.triggers + plan.recount { _ = try await run(PostgresQuery(unsafeSQL: sql)) }
        _ = try await run(
            #"INSERT INTO "_schema" ("key", "value") VALUES ('derived', \#(plan.fingerprint)) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value""#)
    }

    /// The statements that give text columns made before their collation was given (in the database's
    /// own, whatever locale it was made with) the one they have now (`PostgresDialect.textType`): one
    /// `ALTER TABLE` per table. The rows stay as they are; the indexes on those columns are rebuilt.
    /// `collations`: each existing column's, by table and column ("" where it is not text).
    private func uncollatedText(_ plan: SchemaPlan, collations: [String: String]) -> [String] {
        var byTable: [(table: String, columns: [String])] = []
        for column in plan.columns where column.type == dialect.textType {
            guard let collation = collations[column.table + "\u{1F}" + column.name], !collation.isEmpty, collation != "C" else { continue }
            let clause = "ALTER COLUMN \(dialect.quote(column.name)) TYPE \(column.type)"
            if let last = byTable.indices.last, byTable[last].table == column.table {
                byTable[last].columns.append(clause)
            } else {
                byTable.append((column.table, [clause]))
            }
        }
        return byTable.map { "ALTER TABLE \(dialect.quote($0.table)) " + $0.columns.joined(separator: ", ") }
    }

    /// Runs `body` in a transaction on `connection`; `body` runs its statements through the function it
    /// is given. Committed when `body` returns (the answer to `COMMIT` comes after the commit), rolled
    /// back when it throws.
    /// Runs `body` in a transaction on `connection`, rolled back when it throws; `body` runs its
    /// statements through the function it is given.
    func transaction<T>(
        on connection: PostgresConnection, _ body: ((PostgresQuery) async throws -> [PostgresRow]) async throws -> T
    ) async throws -> T {
        let run: (PostgresQuery) async throws -> [PostgresRow] = { query in
            try await self.send(on: connection) { connection.query(query, logger: self.logger) }.rows
        }
        _ = try await run("BEGIN")
        let result: T
        do {
            result = try await body(run)
        } catch {
            _ = try? await run("ROLLBACK")
            throw error
        }
        _ = try await run("COMMIT")
        return result
    }

    /// PostgreSQL's `statement_timeout` for the connections' role and database, in milliseconds, the
    /// database's encoding and the one it takes text in from clients. In another than UTF8, text would be kept as the bytes the server was sent, in
    /// its own encoding (`LATIN1`: `length('Ä')` 2, case mapped wrongly) or not at all (a character it
    /// has not).
    private static let settings = SQLStatement(
        "SELECT (SELECT setting::bigint FROM pg_settings WHERE name = 'statement_timeout'), current_setting('server_encoding'), "
            + "current_setting('client_encoding')", [])

    /// Keeps PostgreSQL's `statement_timeout` for messages, and says at the start when there is none: a
    /// read abandoned at `timeout` (its connection closed) then runs on in PostgreSQL until it ends, as
    /// PostgreSQL notices a closed connection only when it sends rows. It is the role's to set (`ALTER
    /// ROLE`), not each connection's: PgBouncer refuses connections that send it as a startup parameter,
    /// and a `SET` per read would cost a round trip.
    private func noteStatementTimeout(_ milliseconds: Int) {
        statementTimeoutMilliseconds.store(milliseconds, ordering: .relaxed)
        guard milliseconds == 0 else { return }
        let user = URLComponents(string: displayURL)?.user ?? "…"
        let shorter = max(1, Int(timeout.nanoseconds / 1_000_000) * 9 / 10)
        logger.notice(
            """
            PostgreSQL has no statement_timeout for this role and database: a read abandoned after --db-timeout \
            (\(timeout.inWords)) runs on in PostgreSQL until it ends. Set one a little shorter \
            (ALTER ROLE "\(user)" SET statement_timeout = '\(shorter)ms'): PostgreSQL then stops such reads, and \
            they answer 504.
            """)
    }
}
