import Testing

@testable import StatusGraphServer

/// The probes: `/health` (alive, touching no storage) and `/health/ready` (its store answers too);
/// neither needs a token. (A store that does not answer: the PostgreSQL end-to-end suite.)
@Suite struct HealthTests {
    @Test(arguments: ["/health", "/health/ready"])
    func probesAnswerOkWithoutAToken(_ path: String) async throws {
        try await withApp { client in
            let reply = try await client.send(.get, path, authorization: .none)
            #expect(reply.status == 200 && reply.text == "ok", "\(path): \(reply.text)")
            let head = try await client.send(.head, path, authorization: .none)
            #expect(head.status == 200 && head.text.isEmpty && head.header("Content-Length") == "2")
        }
    }
}
