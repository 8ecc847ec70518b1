import Dispatch
import GRDB
import GRDBSQLite
import Storage
import Synchronization

/// Group commit: concurrent writes share one transaction and one `fsync`, and each is acknowledged only
/// after that commit is durable.
///
/// A write joins a queue. One drain at a time (on its own thread: it blocks on the disk) takes every
/// write queued so far, runs them one after another in one `BEGIN IMMEDIATE` transaction, commits, and
/// only then resumes the writers. Writes that arrive during a commit form the next group. A single
/// write waits for no one: an idle queue drains at once.
///
/// Each write is one statement, and SQLite undoes a statement that fails on a constraint (a missing
/// parent, a duplicate key), triggers included, while the transaction goes on: that write alone gets
/// its error. An error that ends the transaction instead (a full disk, an I/O error) fails the whole
/// group, as a failed commit does: no write of the group is acknowledged.
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
    /// Empties the write-ahead log after a commit that leaves it past its limit.
    private let log: LogLimit
    private let state = Mutex(State())
    /// Transactions committed, and the writes they held (their ratio: writes per commit).
    private let commits = Atomic<Int>(0)
    private let committedWrites = Atomic<Int>(0)
    private let thread = DispatchQueue(label: "statusgraph.sqlite.group-commit")

    init(pool: DatabasePool, log: LogLimit, execute: @escaping Execute) {
        self.pool = pool
        self.log = log
        self.execute = execute
    }

    var statistics: [StorageStatistic] {
        [
            StorageStatistic(
                "statusgraph_sqlite_commits_total", .counter, commits.load(ordering: .relaxed),
                help: "Transactions committed (each one fsync), each holding the writes that came meanwhile."),
            StorageStatistic(
                "statusgraph_sqlite_committed_writes_total", .counter, committedWrites.load(ordering: .relaxed),
                help: "Writes in committed transactions (per commit: this over statusgraph_sqlite_commits_total)."),
            StorageStatistic(
                "statusgraph_sqlite_waiting_writes", .gauge, state.withLock { $0.queue.count },
                help: "Writes waiting for the next commit."),
        ] + log.statistics
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
            // After the group is answered: the writes that came meanwhile wait for it, not these.
            log.afterCommit(pool)
        }
    }

    /// Runs a statement without results, prepared once (`db.execute(sql:)` parses its SQL every time).
    private static func step(_ db: Database, _ sql: String) throws {
        let statement = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(statement)
        let code = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }, sql: sql)
        }
    }

    /// One transaction for the group, one commit; no savepoint per write (SQLite's statement rollback
    /// does what one would).
    private func commit(_ statements: [SQLStatement]) -> [Outcome] {
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(statements.count)
        do {
            try pool.writeWithoutTransaction { db in
                try Self.step(db, "BEGIN IMMEDIATE")
                do {
                    for statement in statements {
                        do {
                            outcomes.append(.success(try execute(db, statement)))
                        } catch {
                            // The statement was undone alone, unless its error ended the transaction.
                            guard db.isInsideTransaction else { throw error }
                            outcomes.append(.failure(error))
                        }
                    }
                    try Self.step(db, "COMMIT")
                    commits.add(1, ordering: .relaxed)
                    committedWrites.add(statements.count, ordering: .relaxed)
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
