import Dispatch
import GRDB
import GRDBSQLite
import Storage
import Synchronization

/// Group commit: concurrent writes share one transaction and one `fsync`, and each is acknowledged only
/// after that commit is durable.
///
/// A write joins a queue. One drain at a time (on its own thread: it blocks on the disk) takes every
/// write queued so far, runs each in its own savepoint of one `BEGIN IMMEDIATE` transaction — so a write
/// that fails (a missing parent, a duplicate key) is rolled back alone and gets its own error — then
/// commits, and only then resumes the writers. Writes that arrive during a commit form the next group.
/// A single write waits for no one: an idle queue drains at once. If the commit itself fails, every
/// write of the group gets that error and none is acknowledged.
final class GroupCommit: Sendable {
    typealias Outcome = Result<(rows: [[SQLValue]], changes: Int), any Error>
    typealias Execute = @Sendable (Database, SQLStatement) throws -> (rows: [[SQLValue]], changes: Int)

    private struct Pending {
        let statement: SQLStatement
        let continuation: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        var queue: [Pending] = []
        var draining = false
    }

    /// The most writes one transaction takes; more wait for the next (bounds a commit's latency).
    static let maximumGroup = 512

    private let pool: DatabasePool
    private let execute: Execute
    private let state = Mutex(State())
    private let thread = DispatchQueue(label: "statusgraph.sqlite.group-commit")

    init(pool: DatabasePool, execute: @escaping Execute) {
        self.pool = pool
        self.execute = execute
    }

    /// Runs `statement` in the next group; returns once its group is durable (or failed).
    func write(_ statement: SQLStatement) async -> Outcome {
        await withCheckedContinuation { continuation in
            let start = state.withLock { s -> Bool in
                s.queue.append(Pending(statement: statement, continuation: continuation))
                guard !s.draining else { return false }
                s.draining = true
                return true
            }
            if start { thread.async { self.drain() } }
        }
    }

    private func drain() {
        while true {
            let group = state.withLock { s -> [Pending] in
                let group = Array(s.queue.prefix(Self.maximumGroup))
                s.queue.removeFirst(group.count)
                if group.isEmpty { s.draining = false }
                return group
            }
            if group.isEmpty { return }
            for (pending, outcome) in zip(group, commit(group.map(\.statement))) {
                pending.continuation.resume(returning: outcome)
            }
        }
    }

    /// Runs a statement without results, prepared once (`db.execute(sql:)` parses its SQL every time;
    /// a group runs two of these plus two or three per write).
    private static func step(_ db: Database, _ sql: String) throws {
        let statement = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(statement)
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }, sql: sql)
        }
    }

    /// One transaction for the group: a savepoint per write, one commit.
    private func commit(_ statements: [SQLStatement]) -> [Outcome] {
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(statements.count)
        do {
            try pool.writeWithoutTransaction { db in
                try Self.step(db, "BEGIN IMMEDIATE")
                do {
                    for statement in statements {
                        if statements.count == 1 {
                            outcomes.append(Result { try execute(db, statement) })
                            continue
                        }
                        try Self.step(db, "SAVEPOINT w")
                        do {
                            outcomes.append(.success(try execute(db, statement)))
                            try Self.step(db, "RELEASE w")
                        } catch {
                            outcomes.append(.failure(error))
                            try Self.step(db, "ROLLBACK TO w")
                            try Self.step(db, "RELEASE w")
                        }
                    }
                    try Self.step(db, "COMMIT")
                } catch {
                    if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
                    throw error
                }
            }
            return outcomes
        } catch {
            return statements.map { _ in .failure(error) }
        }
    }
}
