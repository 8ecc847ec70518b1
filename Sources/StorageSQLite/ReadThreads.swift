import Foundation

/// Threads of the process's own for SQLite reads that take long (see `SQLiteReaders`), so that they
/// do not hold one of Swift's cooperative threads, as many as the cores, which every request needs: a
/// fixed set, started on first use, that take reads in the order they come. More of them than cores,
/// so that the operating system shares the cores between long reads and the short ones after them,
/// rather than the short ones waiting for the long ones to end.
final class ReadThreads: @unchecked Sendable {
    static let shared = ReadThreads(count: max(8, 4 * ProcessInfo.processInfo.activeProcessorCount))

    private let condition = NSCondition()
    /// Jobs not yet taken, the oldest first (as many as long reads waiting for a thread: few).
    private var jobs: [@Sendable () -> Void] = []

    private init(count: Int) {
        for n in 0..<count {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "statusgraph.sqlite.read.\(n)"
            thread.start()
        }
    }

    /// Runs `body` on one of the threads, and returns what it returns. `body` and its result cross to
    /// that thread and back while the caller waits (suspended, so it touches neither meanwhile).
    func run<T>(_ body: () throws -> T) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            let job = Job(body)
            let outcome: Unchecked<Result<T, any Error>> = await withCheckedContinuation { continuation in
                submit { continuation.resume(returning: Unchecked(job.run())) }
            }
            return try outcome.value.get()
        }
    }

    /// A body to run on a thread of ours. It lets go of the body before the caller resumes: the caller
    /// lent it only until then (`withoutActuallyEscaping` checks that nothing holds it after).
    private final class Job<T>: @unchecked Sendable {
        private var body: (() throws -> T)?
        init(_ body: @escaping () throws -> T) { self.body = body }
        func run() -> Result<T, any Error> {
            let outcome = Result { try body!() }
            body = nil
            return outcome
        }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

/// A value handed between threads while its owner waits for it (see `ReadThreads.run`).
private struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
