import Foundation
import StatusGraphTestSupport
import Testing

@testable import StatusGraphServer

/// `GET /metrics` (with `--metrics`): what the instance answered, in Prometheus's text format.
@Suite struct MetricsTests {
    static let apps = "/beta/deviceAppManagement/mobileApps"

    /// The value of each sample line, by its name and labels.
    func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            out[String(line[..<space])] = value
        }
        return out
    }

    @Test func requestsAreCountedByMethodAndStatusAndTimed() async throws {
        try await withApp(configure: { $0.metrics = true }) { client in
            _ = try await client.create(Self.apps, Bodies.iosLobApp)
            #expect(try await client.send(.get, Self.apps).status == 200)
            #expect(try await client.send(.get, Self.apps).status == 200)
            #expect(try await client.send(.get, "\(Self.apps)/none").status == 404)
            #expect(try await client.send(.post, Self.apps, json: "{").status == 400)
            let reply = try await client.send(.get, "/metrics", authorization: .none)
            #expect(reply.status == 200 && reply.header("Content-Type")?.hasPrefix("text/plain") == true)
            let s = samples(reply.text)
            #expect(s[#"statusgraph_requests_total{method="GET",status="200"}"#] == 2)
            #expect(s[#"statusgraph_requests_total{method="GET",status="404"}"#] == 1)
            #expect(s[#"statusgraph_requests_total{method="POST",status="201"}"#] == 1)
            #expect(s[#"statusgraph_requests_total{method="POST",status="400"}"#] == 1)
            #expect(s[#"statusgraph_request_duration_seconds_count{method="GET"}"#] == 3)
            #expect(s[#"statusgraph_request_duration_seconds_bucket{method="GET",le="+Inf"}"#] == 3)
            #expect((s[#"statusgraph_request_duration_seconds_sum{method="GET"}"#] ?? 0) > 0)
            // Buckets are cumulative.
            let buckets = RequestMetrics.bounds.map { s["statusgraph_request_duration_seconds_bucket{method=\"POST\",le=\"\($0 == $0.rounded() ? String(Int($0)) : String($0))\"}"] ?? -1 }
            #expect(buckets == buckets.sorted() && buckets.allSatisfy { $0 >= 0 && $0 <= 2 }, "\(buckets)")
            #expect(s["statusgraph_requests_in_flight"] == 1, "the scrape itself")
            #expect((s["process_resident_memory_bytes"] ?? 0) > 1_000_000)
            #expect(s["process_cpu_seconds_total"] != nil && s["process_open_fds"] != nil && s["process_start_time_seconds"] != nil)
            // The store's own figures, by backend.
            switch TestBackend.selected {
            case .sqlite:
                #expect((s["statusgraph_sqlite_commits_total"] ?? 0) >= 1)
                #expect((s["statusgraph_sqlite_committed_writes_total"] ?? 0) >= s["statusgraph_sqlite_commits_total"] ?? 1)
                #expect(s["statusgraph_sqlite_waiting_writes"] == 0)
                #expect(s["statusgraph_sqlite_long_reads_total"] != nil)
                // The write-ahead log: a few pages, never emptied at this size.
                #expect((1...1000).contains(s["statusgraph_sqlite_log_pages"] ?? -1))
                #expect(s["statusgraph_sqlite_log_truncations_total"] == 0)
                #expect(s["statusgraph_sqlite_log_truncations_deferred_total"] == 0)
                #expect(s["statusgraph_sqlite_log_truncations_postponed_total"] == 0)
            case .postgres:
                #expect((s["statusgraph_postgres_pool_connections_max"] ?? 0) >= 1)
                #expect(s["statusgraph_postgres_rerun_writes_total"] != nil)
                // The requests above each borrowed a connection and gave it back; the scrape borrows none.
                #expect((s["statusgraph_postgres_pool_lends_total"] ?? 0) >= 4)
                #expect(s["statusgraph_postgres_pool_connections_in_use"] == 0)
                #expect((s["statusgraph_postgres_pool_wait_seconds_total"] ?? -1) >= 0)
            }
            let post = try await client.send(.post, "/metrics", json: "{}")
            #expect(post.status == 405 && post.header("Allow") == "GET, HEAD")
            // The scrape before this one is counted too.
            let again = samples(try await client.send(.get, "/metrics", authorization: .none).text)
            #expect(again[#"statusgraph_requests_total{method="GET",status="200"}"#] == 3)
        }
    }

    @Test func withoutTheFlagThereAreNoMetrics() async throws {
        try await withApp { client in
            let reply = try await client.send(.get, "/metrics")
            #expect(reply.status == 400 && reply.errorMessage.contains("Invalid version"), "\(reply.text)")
        }
    }

    @Test(arguments: [("GET", 0), ("MKCOL", 7), ("other", 7)])
    func methodsOutsideTheKnownOnesAreOther(_ method: String, _ index: Int) {
        #expect(RequestMetrics.methodIndex(method) == index)
    }

    @Test func statusesOutsideTheKnownOnesAreOther() {
        #expect(RequestMetrics.statusIndex(404) == RequestMetrics.statuses.firstIndex(of: 404))
        #expect(RequestMetrics.statusIndex(418) == RequestMetrics.statuses.count)
    }
}
