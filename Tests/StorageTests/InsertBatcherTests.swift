import Synchronization
import Testing

@testable import Storage

/// `InsertBatcher` alone, over a recording statement runner: which inserts share a statement, and what
/// each is answered when a shared statement fails.
@Suite struct InsertBatcherTests {
    /// Statements run, each as the row ids it held; the first waits until `release` is called, so that
    /// the inserts that come meanwhile queue behind it.
    final class Runner: Sendable {
        let statements = Mutex<[[String]]>([])
        private let gate = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))
        /// A statement holding one of these fails with this error.
        let failing: [String: StorageError.Code]

        init(failing: [String: StorageError.Code] = [:]) { self.failing = failing }

        func execute(_ bindings: [SQLValue], _ rows: Int) async throws {
            await withCheckedContinuation { c in
                let go = gate.withLock { g -> Bool in
                    if g.open { return true }
                    g.waiting.append(c)
                    return false
                }
                if go { c.resume() }
            }
            let ids = bindings.map { value -> String in
                guard case .text(let id) = value else { return "?" }
                return id
            }
            #expect(ids.count == rows, "one binding per row here")
            statements.withLock { $0.append(ids) }
            if let code = ids.lazy.compactMap({ self.failing[$0] }).first { throw StorageError(code, "no") }
        }

        func release() {
            let waiting = gate.withLock { g in
                g.open = true
                defer { g.waiting = [] }
                return g.waiting
            }
            for c in waiting { c.resume() }
        }

        var waitingCount: Int { gate.withLock { $0.waiting.count } }
    }

    final class Outcomes: Sendable {
        private let outcomes = Mutex<[Int: StorageError.Code?]>([:])
        func set(_ i: Int, _ code: StorageError.Code?) { outcomes.withLock { $0[i] = .some(code) } }
        var all: [Int: StorageError.Code?] { outcomes.withLock { $0 } }
    }

    /// Inserts `units` (each a list of row ids) at once, the first alone and the others while it runs;
    /// returns each one's outcome, and the statements that ran.
    func run(
        _ units: [[String]], lanes: Int = 1, maximumRows: Int = 64, runner: Runner,
        order: @escaping @Sendable ([String]) -> String = { _ in "" }
    ) async throws
        -> (outcomes: [StorageError.Code?], statements: [[String]])
    {
        let batcher = InsertBatcher(lanes: lanes, maximumRows: maximumRows)
        let outcomes = Outcomes()
        let insert: @Sendable (Int) async -> Void = { i in
            do {
                try await batcher.insert(into: "t", order: order(units[i]), bindings: units[i].map { .text($0) }, rows: units[i].count) { b, n in
                    try await runner.execute(b, n)
                }
                outcomes.set(i, nil)
            } catch {
                outcomes.set(i, (error as? StorageError)?.code ?? .internalError)
            }
        }
        let first = min(lanes, units.count)
        await withTaskGroup(of: Void.self) { group in
            // The first take the lanes and wait in the runner; then the others queue behind them, one
            // after the other, so that the order they queued in is the order of `units` (tasks added
            // to a group together start in any order).
            for i in 0..<first {
                group.addTask { await insert(i) }
                while runner.waitingCount < i + 1 { await Task.yield() }
            }
            for i in first..<units.count {
                group.addTask { await insert(i) }
                while batcher.queued(in: "t") < i - first + 1 { await Task.yield() }
            }
            runner.release()
            await group.waitForAll()
        }
        let all = outcomes.all
        return (units.indices.map { all[$0]! }, runner.statements.withLock { $0 })
    }

    @Test func insertsThatWaitShareTheNextStatement() async throws {
        let (outcomes, statements) = try await run([["a"], ["b"], ["c", "d"], ["e"]], runner: Runner())
        #expect(outcomes == [nil, nil, nil, nil])
        #expect(statements == [["a"], ["b", "c", "d", "e"]])
    }

    @Test func aStatementHoldsAtMostItsRowsAndWholeInserts() async throws {
        let units = [["a"], ["b", "c"], ["d", "e"], ["f"], ["g", "h", "i"], ["j"]]
        let (outcomes, statements) = try await run(units, maximumRows: 3, runner: Runner())
        #expect(outcomes.allSatisfy { $0 == nil })
        #expect(statements == [["a"], ["b", "c"], ["d", "e", "f"], ["g", "h", "i"], ["j"]])
    }

    @Test func eachLaneRunsItsOwnStatement() async throws {
        let (outcomes, statements) = try await run([["a"], ["b"], ["c"], ["d"], ["e"]], lanes: 2, runner: Runner())
        #expect(outcomes.allSatisfy { $0 == nil })
        // a and b each took a lane; the three that waited went into one statement after them.
        #expect(statements.count == 3)
        #expect(Set(statements) == [["a"], ["b"], ["c", "d", "e"]])
    }

    /// A shared statement that fails on one insert's row, or conflicts with concurrent writes every time
    /// it is tried: each insert runs again alone, and only that one fails; an insert of several rows
    /// fails whole. The inserts waiting for the table are not failed with it (they run next).
    @Test(arguments: [StorageError.Code.parentNotFound, .conflict, .contended])
    func aRowsFailureIsItsInsertsAlone(_ code: StorageError.Code) async throws {
        let units = [["a"], ["b"], ["bad", "c"], ["d"]]
        let (outcomes, statements) = try await run(units, runner: Runner(failing: ["bad": code]))
        #expect(outcomes == [nil, nil, code, nil])
        #expect(statements == [["a"], ["b", "bad", "c", "d"], ["b"], ["bad", "c"], ["d"]])
    }

    /// A failure of the database, not of a row, is every insert's of the statement: none runs again.
    @Test func theDatabasesFailureFailsTheStatementsInserts() async throws {
        let (outcomes, statements) = try await run([["a"], ["b"], ["broken"], ["c"]], runner: Runner(failing: ["broken": .internalError]))
        #expect(outcomes == [nil, .internalError, .internalError, .internalError])
        #expect(statements == [["a"], ["b", "broken", "c"]])
    }

    /// A database found unavailable fails the inserts that wait for the table too, without running them:
    /// each would otherwise wait out its own timeout.
    @Test func anUnavailableDatabaseFailsTheWaitingInsertsAtOnce() async throws {
        let units = [["down"], ["a"], ["b"], ["c"]]
        let (outcomes, statements) = try await run(units, runner: Runner(failing: ["down": .unavailable]))
        #expect(outcomes == [.unavailable, .unavailable, .unavailable, .unavailable])
        #expect(statements == [["down"]])
    }

    /// A statement aborted for concurrent writes every time it was tried is its own inserts' failure
    /// only: the database is fine, and the inserts waiting for the table run.
    @Test func aContendedStatementLeavesTheWaitingInsertsToRun() async throws {
        let units = [["contended"], ["a"], ["b"], ["c"]]
        let (outcomes, statements) = try await run(units, runner: Runner(failing: ["contended": .contended]))
        #expect(outcomes == [.contended, nil, nil, nil])
        #expect(statements == [["contended"], ["a", "b", "c"]])
    }

    /// The inserts of a statement go in the order of their containers, whatever order they came in.
    @Test func aStatementsInsertsGoInTheOrderOfTheirContainers() async throws {
        let units = [["first"], ["b1", "b2"], ["c1"], ["a1"], ["b3"]]
        let (_, statements) = try await run(units, runner: Runner()) { String($0[0].prefix(1)) }
        #expect(statements == [["first"], ["a1", "b1", "b2", "b3", "c1"]])
    }
}
