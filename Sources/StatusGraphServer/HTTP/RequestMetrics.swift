import Foundation
import Storage
import Synchronization

/// What an instance has answered, for Prometheus (`--metrics`, `GET /metrics`, text format 0.0.4):
/// requests by method and status, their durations by method (a histogram), the requests in flight, and
/// the process's CPU, memory and open files. Every request counts once, a `$batch` as one; the label
/// sets are fixed (the methods and statuses this server answers, anything else as `other`), so the
/// number of series is bounded.
final class RequestMetrics: Sendable {
    static let methods = ["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "other"]
    static let statuses = [
        200, 201, 204, 400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 424, 429, 500, 501, 502, 503, 504,
    ]
    /// The histogram's upper bounds, in seconds.
    static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct State {
        /// [method][status index, the last `other`]
        var requests = [[Int]](repeating: [Int](repeating: 0, count: RequestMetrics.statuses.count + 1), count: RequestMetrics.methods.count)
        /// [method][bucket index, the last +Inf]: requests at most that long (not cumulative here).
        var buckets = [[Int]](repeating: [Int](repeating: 0, count: RequestMetrics.bounds.count + 1), count: RequestMetrics.methods.count)
        var seconds = [Double](repeating: 0, count: RequestMetrics.methods.count)
    }

    private let state = Mutex(State())
    private let inFlight = Atomic<Int>(0)
    private let started = Date()

    static func methodIndex(_ method: String) -> Int {
        methods.firstIndex(of: method) ?? methods.count - 1
    }

    static func statusIndex(_ status: Int) -> Int {
        statuses.firstIndex(of: status) ?? statuses.count
    }

    func begin() { inFlight.add(1, ordering: .relaxed) }

    /// A request answered with `status` after `duration`.
    func end(method: String, status: Int, duration: Duration) {
        inFlight.subtract(1, ordering: .relaxed)
        let m = Self.methodIndex(method), s = Self.statusIndex(status)
        let (whole, fraction) = duration.components
        let seconds = Double(whole) + Double(fraction) / 1e18
        let bucket = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
        state.withLock { state in
            state.requests[m][s] += 1
            state.buckets[m][bucket] += 1
            state.seconds[m] += seconds
        }
    }

    /// The exposition: every series, the store's (`EntityStore.statistics`), then the process's.
    func text(storage: [StorageStatistic] = []) -> String {
        let state = self.state.withLock { $0 }
        var out = """
            # HELP statusgraph_requests_total Requests answered, by method and status.
            # TYPE statusgraph_requests_total counter

            """
        for (m, method) in Self.methods.enumerated() {
            for (s, count) in state.requests[m].enumerated() where count > 0 {
                let status = s < Self.statuses.count ? String(Self.statuses[s]) : "other"
                out += "statusgraph_requests_total{method=\"\(method)\",status=\"\(status)\"} \(count)\n"
            }
        }
        out += """
            # HELP statusgraph_request_duration_seconds Time from a request's arrival to its answer, by method.
            # TYPE statusgraph_request_duration_seconds histogram

            """
        for (m, method) in Self.methods.enumerated() {
            let total = state.buckets[m].reduce(0, +)
            guard total > 0 else { continue }
            var cumulative = 0
            for (b, count) in state.buckets[m].enumerated() {
                cumulative += count
                let bound = b < Self.bounds.count ? Self.number(Self.bounds[b]) : "+Inf"
                out += "statusgraph_request_duration_seconds_bucket{method=\"\(method)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "statusgraph_request_duration_seconds_sum{method=\"\(method)\"} \(Self.number(state.seconds[m]))\n"
            out += "statusgraph_request_duration_seconds_count{method=\"\(method)\"} \(total)\n"
        }
        out += """
            # HELP statusgraph_requests_in_flight Requests received and not yet answered.
            # TYPE statusgraph_requests_in_flight gauge
            statusgraph_requests_in_flight \(inFlight.load(ordering: .relaxed))

            """
        for s in storage {
            out += "# HELP \(s.name) \(s.help)\n# TYPE \(s.name) \(s.kind.rawValue)\n\(s.name) \(Self.number(s.value))\n"
        }
        out += Self.process(started: started)
        return out
    }

    /// The standard process metrics, from `/proc` (Linux; left out where it cannot be read).
    private static func process(started: Date) -> String {
        var out = """
            # HELP process_start_time_seconds Start time of the process since the Unix epoch, in seconds.
            # TYPE process_start_time_seconds gauge
            process_start_time_seconds \(number(started.timeIntervalSince1970.rounded()))

            """
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        if ticks > 0, let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            // After the command's closing parenthesis: state is field 3; utime and stime are 14 and 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) {
                out += """
                    # HELP process_cpu_seconds_total User and system CPU time spent, in seconds.
                    # TYPE process_cpu_seconds_total counter
                    process_cpu_seconds_total \(number((user + system) / ticks))

                    """
            }
        }
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let resident = Int(fields[1]), let virtual = Int(fields[0]) {
                let page = sysconf(Int32(_SC_PAGESIZE))
                out += """
                    # HELP process_resident_memory_bytes Resident memory size in bytes.
                    # TYPE process_resident_memory_bytes gauge
                    process_resident_memory_bytes \(resident * page)
                    # HELP process_virtual_memory_bytes Virtual memory size in bytes.
                    # TYPE process_virtual_memory_bytes gauge
                    process_virtual_memory_bytes \(virtual * page)

                    """
            }
        }
        if let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            out += """
                # HELP process_open_fds Number of open file descriptors.
                # TYPE process_open_fds gauge
                process_open_fds \(fds.count)

                """
        }
        return out
    }

    /// A number as Prometheus reads it (no exponent for the usual sizes).
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
