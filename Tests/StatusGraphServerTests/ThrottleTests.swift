import Testing

@testable import StatusGraphServer

/// Graph's throttling: the policies a server can be given, the token buckets behind them, and the 429s
/// clients get (alone and within a `$batch`).
@Suite struct ThrottleTests {
    typealias Limit = ThrottlePolicy.Limit

    @Test(arguments: [
        ("intune", ThrottlePolicy.intune.limits),
        ("app-writes=5/10s", [Limit(scope: .app, writesOnly: true, requests: 5, window: .seconds(10))]),
        (
            "tenant=100/1s, app=50/2m",
            [Limit(scope: .tenant, writesOnly: false, requests: 100, window: .seconds(1)), Limit(scope: .app, writesOnly: false, requests: 50, window: .seconds(120))]
        ),
    ])
    func policies(_ text: String, _ limits: [Limit]) throws {
        let policy = try ThrottlePolicy(parsing: text)
        #expect(policy.limits == limits)
        #expect(try ThrottlePolicy(parsing: policy.description) == policy, "what it prints reads back")
    }

    @Test(arguments: [
        ("", "is not name=requests/window"),
        ("apps=5/10s", "'apps' is not a limit"),
        ("app=5/10s,app=6/10s", "'app' is given twice"),
        ("app=0/10s", "the requests must be a whole number"),
        ("app=five/10s", "the requests must be a whole number"),
        ("app=5", "the requests must be a whole number"),
        ("app=5/10", "the window must be"),
        ("app=5/0s", "the window must be"),
        ("app=5/61m", "the window must be"),
        ("app=5/10h", "the window must be"),
        ("app=5/10s,", "is not name=requests/window"),
    ])
    func policiesThatAreNot(_ text: String, _ message: String) {
        #expect {
            try ThrottlePolicy(parsing: text)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    let t0 = ContinuousClock.now
    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .seconds(seconds) }
    let alice = Identity(tenant: "t1", application: "alice")
    let bob = Identity(tenant: "t1", application: "bob")
    let other = Identity(tenant: "t2", application: "alice")

    @Test func aWindowsRequestsAtOnceThenAtTheLimitsRate() throws {
        let throttle = Throttle(policy: try ThrottlePolicy(parsing: "app-writes=2/10s"))
        #expect(throttle.admit(alice, isWrite: true, now: at(0)) == nil)
        #expect(throttle.admit(alice, isWrite: true, now: at(0)) == nil)
        let refused = try #require(throttle.admit(alice, isWrite: true, now: at(1)))
        #expect(refused.retryAfter == .seconds(4), "one request back every 5 s, the first at 5 s")
        #expect(refused.limit.name == "app-writes")
        #expect(throttle.admit(alice, isWrite: false, now: at(1)) == nil, "reads are not writes")
        #expect(throttle.admit(bob, isWrite: true, now: at(1)) == nil, "another application has its own")
        #expect(throttle.admit(other, isWrite: true, now: at(1)) == nil, "so has another tenant")
        #expect(throttle.admit(alice, isWrite: true, now: at(5)) == nil)
        #expect(throttle.admit(alice, isWrite: true, now: at(5))?.retryAfter == .seconds(5))
        #expect(throttle.admit(alice, isWrite: true, now: at(100)) == nil, "a bucket holds a window's requests, no more")
        #expect(throttle.admit(alice, isWrite: true, now: at(100)) == nil)
        #expect(throttle.admit(alice, isWrite: true, now: at(100)) != nil)
    }

    @Test func aTenantsLimitCountsAllItsApplications() throws {
        let throttle = Throttle(policy: try ThrottlePolicy(parsing: "tenant=3/3s"))
        for who in [alice, bob, alice] { #expect(throttle.admit(who, isWrite: false, now: at(0)) == nil) }
        #expect(throttle.admit(bob, isWrite: false, now: at(0))?.retryAfter == .seconds(1))
        #expect(throttle.admit(other, isWrite: false, now: at(0)) == nil)
    }

    /// A request refused by one limit is counted by none; its wait is the longest of the limits it met.
    @Test func aRefusedRequestCountsNothing() throws {
        let throttle = Throttle(policy: try ThrottlePolicy(parsing: "tenant=3/30s,app-writes=1/60s"))
        #expect(throttle.admit(alice, isWrite: true, now: at(0)) == nil)
        #expect(throttle.admit(alice, isWrite: true, now: at(0))?.limit.name == "app-writes")
        #expect(throttle.admit(alice, isWrite: false, now: at(0)) == nil)
        #expect(throttle.admit(alice, isWrite: false, now: at(0)) == nil, "the refused write took none of the tenant's three")
        let both = try #require(throttle.admit(alice, isWrite: true, now: at(0)))
        #expect(both.limit.name == "app-writes" && both.retryAfter == .seconds(60))
    }

    @Test func fullBucketsAreDroppedPastTheBound() throws {
        let throttle = Throttle(policy: try ThrottlePolicy(parsing: "tenant=1/1s"))
        for i in 0...Throttle.maxBuckets { #expect(throttle.admit(Identity(tenant: "t\(i)"), isWrite: false, now: at(0)) == nil) }
        #expect(throttle.bucketCount == Throttle.maxBuckets + 1, "none full yet: each is spent")
        #expect(throttle.admit(alice, isWrite: false, now: at(2)) == nil)
        #expect(throttle.bucketCount == 1, "a second later all were full again, and went")
    }

    @Test(arguments: [
        (Duration.zero, Int64(1)), (.milliseconds(1), 1), (.seconds(4), 4), (.milliseconds(4_200), 5), (.milliseconds(29_999), 30),
    ])
    func retryAfterIsWholeSecondsRoundedUp(_ wait: Duration, _ seconds: Int64) {
        #expect(ODataService.retryAfterSeconds(wait) == seconds)
    }

    @Test func clientsGetGraphsTooManyRequests() async throws {
        try await withApp(configure: { $0.limits.throttle = try! ThrottlePolicy(parsing: "app-writes=2/60s") }) { client in
            let apps = "/beta/deviceAppManagement/mobileApps"
            _ = try await client.create(apps, Bodies.webApp)
            _ = try await client.create(apps, Bodies.webApp)
            let refused = try await client.send(.post, apps, json: Bodies.webApp)
            #expect(refused.status == 429)
            #expect(refused.error["code"] as? String == "TooManyRequests")
            #expect(refused.errorMessage.contains("Too many requests from Identifier:\(defaultTenant)+\(TokenIssuer.developmentApplication) under category:writes"))
            // One write back every 30 s: whole seconds, at most 30, however long the test took to get here.
            #expect(refused.header("Retry-After").flatMap(Int.init).map { (1...30).contains($0) } == true)
            #expect(try await client.send(.get, apps).status == 200, "reads go on")

            // In a batch each request is throttled on its own (the batch itself is not counted).
            let batch = #"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement/mobileApps"},"#
                + #"{"id":"2","method":"POST","url":"/deviceAppManagement/mobileApps","headers":{"Content-Type":"application/json"},"body":\#(Bodies.webApp)}]}"#
            let answer = try await client.send(.post, "/beta/$batch", json: batch)
            #expect(answer.status == 200)
            let responses = try #require(answer.json["responses"] as? [[String: Any]])
            let byID = Dictionary(uniqueKeysWithValues: responses.map { ($0["id"] as! String, $0) })
            #expect(byID["1"]?["status"] as? Int == 200)
            #expect(byID["2"]?["status"] as? Int == 429)
            #expect((byID["2"]?["headers"] as? [String: String])?["Retry-After"].flatMap(Int.init).map { (1...30).contains($0) } == true)
        }
    }
}
