import Testing

@testable import StoragePostgres

/// The time limits of PostgreSQL's calls (`CallDeadlines`, behind `PostgresDatabase.bounded`). That a
/// timed-out call answers 503 and abandons its connection is checked end to end (e2e
/// `test_postgres.py`, a database that stops answering).
@Suite(.timeLimit(.minutes(1))) struct CallDeadlinesTests {
    struct Refused: Error {}

    @Test func aCallThatAnswersInTimeReturnsItsValueAndIsNoLongerWatched() async throws {
        let deadlines = CallDeadlines(resolution: .milliseconds(5))
        #expect(try await deadlines.run(within: .seconds(3600)) { "answer" } == "answer")
        #expect(deadlines.watched.calls == 0)
    }

    @Test func aCallThatFailsInTimeThrowsItsOwnError() async throws {
        let deadlines = CallDeadlines(resolution: .milliseconds(5))
        await #expect(throws: Refused.self) { try await deadlines.run(within: .seconds(3600)) { () throws -> Int in throw Refused() } }
    }

    /// A call of an hour with a limit of 50 ms: cancelled at its deadline, it throws `Expired` (or the
    /// suite's time limit stops it).
    @Test func aCallPastItsDeadlineIsCancelledAndThrowsExpired() async throws {
        let deadlines = CallDeadlines(resolution: .milliseconds(5))
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: CallDeadlines.Expired.self) {
            try await deadlines.run(within: .milliseconds(50)) { try await Task.sleep(for: .seconds(3600)) }
        }
        #expect(clock.now - start >= .milliseconds(50))
        #expect(deadlines.watched.calls == 0)
    }

    /// The caller goes on after its call timed out: it is not cancelled itself (a connection's task
    /// serves its next requests).
    @Test func theCallerOfACallThatTimedOutIsNotCancelled() async throws {
        let deadlines = CallDeadlines(resolution: .milliseconds(5))
        _ = try? await deadlines.run(within: .milliseconds(20)) { try await Task.sleep(for: .seconds(3600)) }
        #expect(!Task.isCancelled)
        #expect(try await deadlines.run(within: .seconds(10)) { 7 } == 7)
    }

    /// A call that answers once cancelled (it does not stop for it) has answered: its value is returned.
    @Test func aCallThatAnswersAfterItsDeadlineReturnsItsValue() async throws {
        let deadlines = CallDeadlines(resolution: .milliseconds(5))
        let answer = try await deadlines.run(within: .milliseconds(20)) { () async -> String in
            while !Task.isCancelled { await Task.yield() }
            return "late"
        }
        #expect(answer == "late")
    }

    /// Many calls at once, every other past its deadline: each ends as its own does, and once none is
    /// watched the sweeps stop (an idle server schedules none).
    @Test func concurrentCallsEndEachAsItsOwnAndTheSweepsStop() async throws {
        let deadlines = CallDeadlines(resolution: .milliseconds(5))
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for i in 0..<200 {
                group.addTask {
                    do {
                        _ = try await deadlines.run(within: i % 2 == 0 ? .milliseconds(30) : .seconds(3600)) {
                            try await Task.sleep(for: i % 2 == 0 ? .seconds(3600) : .milliseconds(10))
                        }
                        return (i, true)
                    } catch {
                        return (i, false)
                    }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 200)
        #expect(outcomes.allSatisfy { $0.value == ($0.key % 2 == 1) })
        #expect(deadlines.watched.calls == 0)
        try await Task.sleep(for: .milliseconds(50))
        #expect(!deadlines.watched.sweeping)
    }
}
