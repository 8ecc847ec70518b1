import Testing

@testable import StatusGraphServer

/// `POST /_statusgraph/reset`: a test suite's clean slate, for the caller's tenant alone, when allowed.
@Suite struct ResetTests {
    static let apps = "/beta/deviceAppManagement/mobileApps"
    static let status = #"{"deviceName":"PC","installState":"failed"}"#

    @Test func aResetRemovesTheCallersTenantAlone() async throws {
        try await withApp(configure: { $0.allowReset = true }) { client in
            let other = Client(inner: client.inner, token: try await testIssuer.token(tenant: "bbbbbbbb-0000-0000-0000-000000000000", scopes: ["DeviceManagementApps.ReadWrite.All"]))
            var kept = ""
            for c in [client, other] {
                let app = try await c.create(Self.apps, Bodies.iosLobApp)
                _ = try await c.create("\(Self.apps)/\(app)/deviceStatuses", Self.status)
                kept = app
            }
            let reset = try await client.send(.post, "/_statusgraph/reset")
            #expect(reset.status == 204, "\(reset.text)")
            #expect((try await client.send(.get, Self.apps).json["value"] as? [Any])?.isEmpty == true)
            // The other tenant's app, its status and its counts are as they were.
            #expect((try await other.send(.get, Self.apps).json["value"] as? [Any])?.count == 1)
            #expect(try await other.send(.get, "\(Self.apps)/\(kept)/installSummary").json["failedDeviceCount"] as? Int == 1)
            // A new app of the reset tenant starts from zero.
            let fresh = try await client.create(Self.apps, Bodies.iosLobApp)
            #expect(try await client.send(.get, "\(Self.apps)/\(fresh)/installSummary").json["failedDeviceCount"] as? Int == 0)
        }
    }

    @Test func aResetNeedsItsPermissionsAndPost() async throws {
        try await withApp(configure: { $0.allowReset = true }) { client in
            let reader = "Bearer " + (try await testIssuer.token(scopes: ["DeviceManagementApps.Read.All"]))
            let forbidden = try await client.send(.post, "/_statusgraph/reset", authorization: .header(reader))
            #expect(forbidden.status == 403 && forbidden.errorMessage.contains("needs one of these permissions"), "\(forbidden.text)")
            #expect(try await client.send(.post, "/_statusgraph/reset", authorization: .none).status == 401)
            let get = try await client.send(.get, "/_statusgraph/reset")
            #expect(get.status == 405 && get.header("Allow") == "POST")
        }
    }

    @Test func withoutTheFlagThereIsNoReset() async throws {
        try await withApp { client in
            _ = try await client.create(Self.apps, Bodies.iosLobApp)
            let refused = try await client.send(.post, "/_statusgraph/reset")
            #expect(refused.status == 400 && refused.errorMessage.contains("Invalid version"), "\(refused.text)")
            #expect((try await client.send(.get, Self.apps).json["value"] as? [Any])?.count == 1)
        }
    }

    @Test func aResetForgetsWhatThrottlingCounted() async throws {
        try await withApp(configure: {
            $0.allowReset = true
            $0.limits.throttle = try! ThrottlePolicy(parsing: "tenant-writes=2/60s")
        }) { client in
            _ = try await client.create(Self.apps, Bodies.iosLobApp)
            _ = try await client.create(Self.apps, Bodies.iosLobApp)
            #expect(try await client.send(.post, Self.apps, json: Bodies.iosLobApp).status == 429)
            #expect(try await client.send(.post, "/_statusgraph/reset").status == 204)
            _ = try await client.create(Self.apps, Bodies.iosLobApp)
        }
    }
}
