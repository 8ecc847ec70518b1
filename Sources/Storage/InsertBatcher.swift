import Synchronization

/// Concurrent inserts into one table combined into multi-row statements, for a database whose cost is
/// per statement and per commit rather than per row (PostgreSQL: a round trip, a parse and plan, a
/// commit and its WAL flush for each, against a trigger and index entries per row).
///
/// At most `lanes` statements into one table run at once. An insert that finds a lane free takes it; one
/// that finds them all busy waits in the table's queue, and a lane that finishes takes what waits there
/// (whole inserts, up to `maximumRows` rows) into its next statement. Each insert is acknowledged only
/// once the statement that holds it has committed. A statement of several inserts that fails on a row
/// (a container deleted meanwhile, a duplicate key) or is aborted for concurrent writes every time it is
/// tried is not the others' failure: each of its inserts runs again alone and gets its own answer. A failure of the database fails them all, as it would each; when
/// it is unavailable (unreachable, timed out), so are the inserts still waiting for the table, at once
/// rather than after a timeout each.
///
/// A statement's inserts run in the order of their `order` keys (their containers): the rows' triggers
/// lock their containers' count rows in that order, so two statements never wait for each other's.
final class InsertBatcher: Sendable {
    /// Runs one insert statement of `rows` rows whose values are `bindings`, row after row.
    typealias Execute = @Sendable (_ bindings: [SQLValue], _ rows: Int) async throws -> Void

    private struct Pending {
        let order: String
        let bindings: [SQLValue]
        let rows: Int
        let execute: Execute
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Lane {
        var queue: [Pending] = []
        var running = 0
    }

    let lanes: Int
    let maximumRows: Int
    private let tables = Mutex<[String: Lane]>([:])

    init(lanes: Int, maximumRows: Int) {
        precondition(lanes > 0 && maximumRows > 0)
        self.lanes = lanes
        self.maximumRows = maximumRows
    }

    /// Inserts `rows` rows (`bindings`, row after row) into `table`, alone or with other inserts into it;
    /// returns once they are committed. `order` places them in a shared statement; `execute` runs a
    /// statement for them (and for those it joins).
    func insert(
        into table: String, order: String, bindings: [SQLValue], rows: Int, execute: @escaping Execute
    ) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let pending = Pending(order: order, bindings: bindings, rows: rows, execute: execute, continuation: continuation)
            let start = tables.withLock { tables -> Bool in
                tables[table, default: Lane()].queue.append(pending)
                guard tables[table]!.running < lanes else { return false }
                tables[table]!.running += 1
                return true
            }
            if start { Task { await self.drain(table) } }
        }
    }

    /// How many inserts wait for a lane of `table` (for tests).
    func queued(in table: String) -> Int { tables.withLock { $0[table]?.queue.count ?? 0 } }

    /// A lane: runs what waits for `table` until nothing does.
    private func drain(_ table: String) async {
        while true {
            let group = tables.withLock { tables -> [Pending] in
                var lane = tables[table]!
                var rows = 0
                var taken = 0
                for pending in lane.queue {
                    if taken > 0, rows + pending.rows > maximumRows { break }
                    rows += pending.rows
                    taken += 1
                }
                let group = Array(lane.queue.prefix(taken))
                lane.queue.removeFirst(taken)
                if group.isEmpty { lane.running -= 1 }
                tables[table] = lane.running == 0 && lane.queue.isEmpty ? nil : lane
                return group
            }
            if group.isEmpty { return }
            await run(group.sorted { $0.order < $1.order }, table: table)
        }
    }

    private func run(_ group: [Pending], table: String) async {
        do {
            if group.count == 1 {
                try await group[0].execute(group[0].bindings, group[0].rows)
            } else {
                try await group[0].execute(group.flatMap(\.bindings), group.reduce(0) { $0 + $1.rows })
            }
            for pending in group { pending.continuation.resume() }
        } catch let error as StorageError where error.code == .unavailable {
            let waiting = tables.withLock { tables -> [Pending] in
                guard let queue = tables[table]?.queue else { return [] }
                tables[table]!.queue = []
                return queue
            }
            for pending in group + waiting { pending.continuation.resume(throwing: error) }
        } catch let error as StorageError where group.count > 1 && [.parentNotFound, .conflict, .contended].contains(error.code) {
            // Nothing of the statement remains; each insert's own outcome is what it answers.
            for pending in group {
                do {
                    try await pending.execute(pending.bindings, pending.rows)
                    pending.continuation.resume()
                } catch {
                    pending.continuation.resume(throwing: error)
                }
            }
        } catch {
            for pending in group { pending.continuation.resume(throwing: error) }
        }
    }
}
