import Testing

@testable import StoragePostgres

/// The wait behind PostgreSQL's time limits (`TimeLimit.sleep`). What it leaves behind when cancelled
/// (nothing, where `Task.sleep` leaves a task queued until the deadline) shows in the benchmark's
/// memory on PostgreSQL, not here.
@Suite(.timeLimit(.minutes(1))) struct TimeLimitTests {
    @Test func aSleepEndsAfterItsDuration() async throws {
        try await TimeLimit.sleep(for: .milliseconds(5))
    }

    /// A sleep of an hour, cancelled: it ends at once with `CancellationError` (or the suite's time
    /// limit stops it).
    @Test func aCancelledSleepEndsAtOnce() async throws {
        let sleeper = Task { try await TimeLimit.sleep(for: .seconds(3600)) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }

    @Test func aSleepInATaskCancelledBeforeItEndsAtOnce() async throws {
        let sleeper = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await TimeLimit.sleep(for: .seconds(3600))
        }
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }

    /// The way `PostgresDatabase.bounded` races it: the other task answers first, and the group ends
    /// without waiting for the hour.
    @Test func aRaceWonByTheWorkEndsAtOnce() async throws {
        let first = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask { "answer" }
            group.addTask {
                try await TimeLimit.sleep(for: .seconds(3600))
                return "timed out"
            }
            let first = try await group.next()
            group.cancelAll()
            return first
        }
        #expect(first == "answer")
    }
}
