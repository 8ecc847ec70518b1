import Foundation
import ODataCore
import Testing

@testable import StatusGraphServer

/// `/_statusgraph/faults` (with `--allow-faults`): the rules a test sets, read strictly; the requests they
/// match; what a request meets, alone and inside a `$batch`; and who may set them.
@Suite struct FaultTests {
    static let faults = "/_statusgraph/faults"
    static let apps = "/beta/deviceAppManagement/mobileApps"
    static let status = #"{"deviceName":"PC","installState":"failed"}"#

    func rule(_ json: String) throws(ODataError) -> FaultRule {
        try FaultRule(json: try! JSONParser.parse(Array(json.utf8)), target: "rule")
    }

    @Test(arguments: [
        (#"[]"#, "rule", "must be a JSON object, not an array"),
        (#"{}"#, "rule", "needs a 'status' to answer or a 'latencyMs' to wait"),
        (#"{"status":404}"#, "rule.status", "must be one of 429, 500, 502, 503, 504"),
        (#"{"status":"503"}"#, "rule.status", "must be an integer from 0 to 999"),
        (#"{"status":503,"probability":0}"#, "rule.probability", "greater than 0 and at most 1"),
        (#"{"status":503,"probability":1.5}"#, "rule.probability", "greater than 0 and at most 1"),
        (#"{"status":503,"count":0}"#, "rule.count", "from 1 to 1000000"),
        (#"{"latencyMs":60001}"#, "rule.latencyMs", "from 0 to 60000"),
        (#"{"latencyMs":0}"#, "rule", "needs a 'status'"),
        (#"{"status":503,"method":"HEAD"}"#, "rule.method", "one of GET, POST, PATCH, PUT, DELETE"),
        (#"{"status":503,"path":"deviceAppManagement"}"#, "rule.path", "starting with '/'"),
        (#"{"status":503,"code":""}"#, "rule.code", "a string of 1 to 1000 bytes"),
        (#"{"latencyMs":5,"retryAfter":1}"#, "rule", "go with a 'status'"),
        (#"{"status":503,"retryAfter":3601}"#, "rule.retryAfter", "from 0 to 3600"),
        (#"{"status":503,"stauts":500}"#, "rule.stauts", "'stauts' is not a member of a fault rule"),
    ])
    func rulesAreReadStrictly(_ json: String, target: String, message: String) {
        do {
            _ = try rule(json)
            Issue.record("\(json) was taken")
        } catch {
            #expect(error.target == target, "\(json)")
            #expect(error.message.contains(message), "\(json): \(error.message)")
        }
    }

    @Test(arguments: [
        ("/deviceAppManagement/mobileApps", "/deviceAppManagement/mobileApps", true),
        ("/deviceAppManagement/mobileApps", "/deviceAppManagement/MOBILEAPPS/", true),
        ("/deviceAppManagement/mobileApps", "/deviceAppManagement/mobileApps/a1", false),
        ("/deviceAppManagement/mobileApps/*/deviceStatuses", "/deviceAppManagement/mobileApps/a1/deviceStatuses", true),
        ("/deviceAppManagement/mobileApps/*/deviceStatuses", "/deviceAppManagement/mobileApps('a1')/deviceStatuses", false),
        ("/deviceAppManagement/mobileApps*/deviceStatuses", "/deviceAppManagement/mobileApps('a1')/deviceStatuses", true),
        ("/deviceAppManagement/mobileApps/*/deviceStatuses", "/deviceAppManagement/mobileApps/a1/userStatuses", false),
        ("/**/deviceStatuses", "/deviceAppManagement/mobileApps/a1/userStatuses/u1/deviceStatuses", true),
        ("/**/deviceStatuses", "/deviceAppManagement/mobileApps/a1/deviceStatuses/d1", false),
        ("/**", "/$batch", true),
        ("/deviceAppManagement/**/d*", "/deviceAppManagement/mobileApps/a1/deviceStatuses", true),
        // Many stars against a long path that does not match: answered at once (no exponential search).
        ("/" + String(repeating: "*a", count: 400) + "b", "/" + String(repeating: "a", count: 2000), false),
        ("/" + String(repeating: "**/", count: 200) + "x", "/" + String(repeating: "a/", count: 200) + "y", false),
    ])
    func pathsMatchTheirPattern(_ pattern: String, _ path: String, _ matches: Bool) {
        #expect(PathPattern(pattern)!.matches(Substring(path)) == matches, "\(pattern) ~ \(path)")
    }

    /// The first rule that matches and comes up is met; a counted rule goes after its last time.
    @Test func rulesAreMetInOrderAndCounted() throws {
        let faults = Faults()
        try faults.set(
            [
                try rule(#"{"method":"POST","status":503,"count":2}"#),
                try rule(#"{"status":500,"probability":0.5}"#),
                try rule(#"{"path":"/slow","latencyMs":250}"#),
            ], of: "t")
        let post = { (roll: Double) in faults.meet(tenant: "t", method: .post, path: "/a") { roll }?.response?.status }
        #expect(post(0.9) == 503)
        #expect(post(0.9) == 503)
        #expect(post(0.9) == nil, "the first rule is spent, the second did not come up")
        #expect(post(0.1) == 500)
        #expect(faults.rules(of: "t").count == 2)
        let slow = faults.meet(tenant: "t", method: .get, path: "/slow") { 0.9 }
        #expect(slow?.latency == .milliseconds(250) && slow?.response == nil)
        #expect(faults.meet(tenant: "other", method: .post, path: "/a") { 0 } == nil)
        try faults.set([], of: "t")
        #expect(faults.rules(of: "t").isEmpty)
        #expect(throws: ODataError.self) { try faults.set(Array(repeating: try rule(#"{"status":503}"#), count: 101), of: "t") }
    }

    @Test func aRequestMeetsItsFaultAsGraphWouldAnswerIt() async throws {
        try await withApp(configure: { $0.allowFaults = true }) { client in
            let app = try await client.create(Self.apps, Bodies.iosLobApp)
            let set = try await client.send(.put, Self.faults, json: #"""
                [{"method":"POST","path":"/deviceAppManagement/mobileApps/*/deviceStatuses","status":503,"retryAfter":2,"count":1},
                 {"method":"GET","path":"/deviceAppManagement/mobileApps/*/installSummary","status":504},
                 {"method":"PATCH","status":429}]
                """#)
            #expect(set.status == 200, "\(set.text)")
            #expect((set.json["value"] as? [[String: Any]])?.count == 3)
            let refused = try await client.send(.post, "\(Self.apps)/\(app)/deviceStatuses", json: Self.status)
            #expect(refused.status == 503 && refused.header("Retry-After") == "2", "\(refused.text)")
            #expect(refused.error["code"] as? String == "ServiceUnavailable" && refused.errorMessage.contains("/_statusgraph/faults"))
            _ = try await client.create("\(Self.apps)/\(app)/deviceStatuses", Self.status)
            let summary = try await client.send(.get, "/v1.0/deviceAppManagement/mobileApps/\(app)/installSummary")
            #expect(summary.status == 504 && summary.error["code"] as? String == "GatewayTimeout", "\(summary.text)")
            let patch = try await client.send(.patch, "\(Self.apps)/\(app)", json: #"{"displayName":"x"}"#)
            #expect(patch.status == 429 && patch.header("Retry-After") == "1" && patch.error["code"] as? String == "TooManyRequests")
            let left = try await client.send(.get, Self.faults)
            #expect((left.json["value"] as? [[String: Any]])?.map { $0["status"] as? Int } == [504, 429], "\(left.text)")
            // Another tenant meets none of them.
            let other = Client(inner: client.inner, token: try await testIssuer.token(tenant: "bbbbbbbb-0000-0000-0000-000000000000", scopes: ["DeviceManagementApps.ReadWrite.All"]))
            let theirs = try await other.create(Self.apps, Bodies.iosLobApp)
            #expect(try await other.send(.get, "\(Self.apps)/\(theirs)/installSummary").status == 200)
            #expect(try await client.send(.delete, Self.faults).status == 204)
            #expect(try await client.send(.get, "\(Self.apps)/\(app)/installSummary").status == 200)
        }
    }

    /// Inside a `$batch` each request meets its own fault, and the batch answers 200; a wave waits as
    /// long as the longest latency its requests met.
    @Test func eachRequestOfABatchMeetsItsOwnFault() async throws {
        try await withApp(configure: { $0.allowFaults = true }) { client in
            let app = try await client.create(Self.apps, Bodies.iosLobApp)
            let set = try await client.send(.post, Self.faults, json: #"{"path":"/deviceAppManagement/mobileApps/*/userStatuses","status":502}"#)
            #expect(set.status == 200, "\(set.text)")
            _ = try await client.send(.post, Self.faults, json: #"{"method":"GET","latencyMs":300}"#)
            let started = ContinuousClock.now
            let batch = try await client.send(.post, "/beta/$batch", json: """
                {"requests":[
                  {"id":"1","method":"POST","url":"/deviceAppManagement/mobileApps/\(app)/deviceStatuses","headers":{"Content-Type":"application/json"},"body":\(Self.status)},
                  {"id":"2","method":"POST","url":"/deviceAppManagement/mobileApps/\(app)/userStatuses","headers":{"Content-Type":"application/json"},"body":{"userName":"u"}},
                  {"id":"3","method":"GET","url":"/deviceAppManagement/mobileApps/\(app)"}]}
                """)
            let elapsed = ContinuousClock.now - started
            #expect(batch.status == 200, "\(batch.text)")
            let answers = Dictionary(uniqueKeysWithValues: (batch.json["responses"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", $0) })
            #expect(answers["1"]?["status"] as? Int == 201)
            #expect(answers["2"]?["status"] as? Int == 502)
            #expect(((answers["2"]?["body"] as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "BadGateway")
            #expect(answers["3"]?["status"] as? Int == 200)
            #expect(elapsed >= .milliseconds(300), "the GET's latency was waited")
            // The batch itself is a request: a rule on its path fails it whole.
            _ = try await client.send(.delete, Self.faults)
            _ = try await client.send(.put, Self.faults, json: #"{"path":"/$batch","status":503,"count":1}"#)
            let whole = try await client.send(.post, "/beta/$batch", json: #"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement/mobileApps"}]}"#)
            #expect(whole.status == 503 && whole.error["code"] as? String == "ServiceUnavailable", "\(whole.text)")
            #expect(try await client.send(.post, "/beta/$batch", json: #"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement/mobileApps"}]}"#).status == 200)
        }
    }

    @Test func rulesNeedTheirPermissionsAndTheFlag() async throws {
        try await withApp(configure: { $0.allowFaults = true; $0.allowReset = true }) { client in
            let reader = "Bearer " + (try await testIssuer.token(scopes: ["DeviceManagementApps.Read.All"]))
            #expect(try await client.send(.get, Self.faults, authorization: .header(reader)).status == 200)
            let forbidden = try await client.send(.put, Self.faults, json: #"[{"status":503}]"#, authorization: .header(reader))
            #expect(forbidden.status == 403 && forbidden.errorMessage.contains("needs one of these permissions"), "\(forbidden.text)")
            #expect(try await client.send(.get, Self.faults, authorization: .none).status == 401)
            let patch = try await client.send(.patch, Self.faults, json: "[]")
            #expect(patch.status == 405 && patch.header("Allow") == "GET, HEAD, PUT, POST, DELETE")
            let bad = try await client.send(.put, Self.faults, json: #"[{"status":503},{"status":503,"latencyMs":-1}]"#)
            #expect(bad.status == 400 && bad.error["target"] as? String == "rules[1].latencyMs", "\(bad.text)")
            #expect(try await client.send(.put, Self.faults, json: #"{"status":503"#).status == 400)
            // A reset clears the tenant's rules with the rest.
            #expect(try await client.send(.put, Self.faults, json: #"[{"method":"GET","status":503}]"#).status == 200)
            #expect(try await client.send(.get, Self.apps).status == 503)
            #expect(try await client.send(.post, "/_statusgraph/reset").status == 204)
            #expect(try await client.send(.get, Self.apps).status == 200)
        }
        try await withApp { client in
            let refused = try await client.send(.put, Self.faults, json: #"[{"status":503}]"#)
            #expect(refused.status == 400 && refused.errorMessage.contains("Invalid version"), "\(refused.text)")
        }
    }
}
