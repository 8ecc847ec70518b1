import Crypto
import Foundation
import GraphModel
import HummingbirdTesting
import ODataCore
import Storage
import StatusGraphTestSupport
import StorageSQLite
import Testing

/// Every query option end to end through the app, on both versions' collections.
@Suite struct QueryTests {
    /// An app with device statuses in known states, names and times.
    static func seed(_ client: Client) async throws -> (app: String, devices: [String: String]) {
        let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
        var devices: [String: String] = [:]
        let rows: [(String, String, String?, Int)] = [
            ("alpha", "installed", "Alpha Phone", 0), ("bravo", "failed", "Bravo Pad", 5), ("charlie", "failed", nil, 7),
            ("delta", "pendingInstall", "delta phone", 0), ("echo", "installed", "Echo", 0), ("foxtrot", "notApplicable", "Foxtrot", 1),
        ]
        for (i, (key, state, name, code)) in rows.enumerated() {
            let nameJSON = name.map { "\"\($0)\"" } ?? "null"
            devices[key] = try await client.create(
                "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses",
                #"{"deviceId":"\#(key)","installState":"\#(state)","deviceName":\#(nameJSON),"errorCode":\#(code),"lastSyncDateTime":"2024-01-0\#(i + 1)T10:00:00Z","osVersion":"\#(17 - i % 3).0"}"#)
        }
        return (app, devices)
    }

    /// A read that runs past SQLite's time limit (`--db-timeout`) is stopped, and its request answers
    /// 504 in Graph's error form, saying the limit; the requests after it are served. With a limit of
    /// 1 ns every statement is stopped at SQLite's first check, after 1,000 steps of its machine: a
    /// scan of 400 rows for `contains` (a few steps each), not the read of one entity by its key.
    /// (SQLite's own limit: on PostgreSQL `--db-timeout` bounds the whole call, a 503.)
    @Test func aReadPastItsTimeLimitAnswers504() async throws {
        try await withDataDirectory { dir in
            let unlimited = OpenedStore(
                store: SQLEntityStore(layout: try StorageLayout(service: GraphModel.service), database: try SQLiteDatabase.open(dataDirectory: dir)))
            let (app, one) = try await withApp(store: unlimited, dataDirectory: dir) { client in
                let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
                let status = #"{"method":"POST","url":"/deviceAppManagement/mobileApps/\#(app)/deviceStatuses","headers":{"Content-Type":"application/json"},"body":{"deviceName":"PC","installState":"installed"}}"#
                for _ in 0..<20 {
                    let requests = (0..<20).map { #"{"id":"\#($0)",\#(status.dropFirst())"# }.joined(separator: ",")
                    let reply = try await client.send(.post, "/beta/$batch", json: #"{"requests":[\#(requests)]}"#)
                    #expect(reply.text.components(separatedBy: #""status":201"#).count == 21, "\(reply.text.prefix(300))")
                }
                let first = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses?$top=1")
                return (app, (first.json["value"] as? [[String: Any]])?.first?["id"] as? String ?? "")
            }
            let limited = OpenedStore(
                store: SQLEntityStore(
                    layout: try StorageLayout(service: GraphModel.service),
                    database: try SQLiteDatabase.open(dataDirectory: dir, readTimeLimit: .nanoseconds(1))))
            #expect(!one.isEmpty)
            try await withApp(store: limited, dataDirectory: dir) { client in
                let statuses = "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses"
                let slow = try await client.send(.get, statuses + "?$filter=contains(deviceName,'zzz')")
                #expect(slow.status == 504, "\(slow.text)")
                #expect(slow.error["code"] as? String == "GatewayTimeout")
                #expect(
                    slow.errorMessage
                        == "The query did not finish in time: it ran longer than 1 ns, the longest a read may run here. Narrow it (a $filter that selects fewer rows, a smaller $top) or retry later."
                )
                let byKey = try await client.send(.get, statuses + "/\(one)")
                #expect(byKey.status == 200, "\(byKey.text)")
            }
        }
    }

    static func ids(_ reply: Reply) -> [String] {
        (reply.json["value"] as? [[String: Any]] ?? []).compactMap { $0["deviceId"] as? String }
    }

    @Test(arguments: [
        ("installState eq 'failed'", ["bravo", "charlie"]),
        ("installState eq microsoft.graph.resultantAppState'installed'", ["alpha", "echo"]),
        ("installState ne 'installed' and errorCode gt 0", ["bravo", "charlie", "foxtrot"]),
        ("not (installState eq 'installed')", ["bravo", "charlie", "delta", "foxtrot"]),
        ("deviceName eq null", ["charlie"]),
        ("deviceName ne 'Echo'", ["alpha", "bravo", "charlie", "delta", "foxtrot"]),
        ("startswith(deviceName,'Bra')", ["bravo"]),
        ("startswith(tolower(deviceName),'delta')", ["delta"]),
        ("contains(deviceName,'Pho')", ["alpha"]),
        ("endswith(toupper(deviceName),'PHONE')", ["alpha", "delta"]),
        ("installState in ('pendingInstall', 'notApplicable')", ["delta", "foxtrot"]),
        ("lastSyncDateTime ge 2024-01-04T10:00:00Z", ["delta", "echo", "foxtrot"]),
        ("lastSyncDateTime lt 2024-01-02T11:00:00+01:00", ["alpha"]),
        ("lastSyncDateTime le 2024-01-02T11:00:00+01:00", ["alpha", "bravo"]),
        ("(errorCode eq 0 or errorCode eq 7) and installState ne 'installed'", ["charlie", "delta"]),
        ("osVersion eq '17.0'", ["alpha", "delta"]),
    ])
    func filters(filter: String, expected: [String]) async throws {
        try await withApp { client in
            let (app, _) = try await Self.seed(client)
            let encoded = filter.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "+&=")))!
            let reply = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses?$filter=\(encoded)")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(Self.ids(reply).sorted() == expected, "\(filter)")
        }
    }

    @Test func orderByTopSkipCountAndSelect() async throws {
        try await withApp { client in
            let (app, _) = try await Self.seed(client)
            let base = "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses"
            let ordered = try await client.send(.get, "\(base)?$orderby=installState desc,deviceId")
            // resultantAppState in member order: notApplicable, installed, failed, notInstalled, uninstallFailed, pendingInstall, unknown
            #expect(Self.ids(ordered) == ["delta", "bravo", "charlie", "alpha", "echo", "foxtrot"])
            let byName = try await client.send(.get, "\(base)?$orderby=deviceName")
            #expect(Self.ids(byName).first == "charlie")  // null sorts first ascending
            let page = try await client.send(.get, "\(base)?%24orderby=deviceId+desc&%24top=2&%24skip=1&%24count=true&%24select=deviceId,installState")
            #expect(page.status == 200, "\(page.text)")
            #expect(Self.ids(page) == ["echo", "delta"])
            #expect(page.json["@odata.count"] as? Int == 6)
            let first = (page.json["value"] as? [[String: Any]])?.first
            #expect(Set(first?.keys.map { $0 } ?? []) == ["@odata.type", "id", "deviceId", "installState"])
            #expect((page.json["@odata.context"] as? String)?.hasSuffix("/deviceStatuses(deviceId,installState)") == true)
            #expect(page.json["@odata.nextLink"] == nil)
            let count = try await client.send(.get, "\(base)/$count?$filter=installState eq 'failed'")
            #expect(count.text == "2")
            let single = try await client.send(.get, "\(base)/\(try #require((page.json["value"] as? [[String: Any]])?.first?["id"] as? String))?$select=errorCode")
            #expect(single.json["errorCode"] as? Int == 0)
            #expect(single.json["deviceName"] == nil)
        }
    }

    /// The key is a property like the others: `$filter=id eq …`, `id in (…)` (how scripts fetch a known
    /// set) and `$orderby=id`, paged through `@odata.nextLink`.
    @Test func filtersAndOrdersByTheKey() async throws {
        try await withApp(configure: { $0.limits.pageSize = 2 }) { client in
            let (app, devices) = try await Self.seed(client)
            let base = "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses"
            let one = try await client.send(.get, "\(base)?$filter=id eq '\(devices["bravo"]!)'")
            #expect(one.status == 200, "\(one.text)")
            #expect(Self.ids(one) == ["bravo"])
            let two = try await client.send(.get, "\(base)?$filter=id in ('\(devices["alpha"]!)', '\(devices["echo"]!)', 'nope')&$count=true")
            #expect(Self.ids(two).sorted() == ["alpha", "echo"] && two.json["@odata.count"] as? Int == 2, "\(two.text)")
            var next: String? = "\(base)?$orderby=id desc"
            var seen: [String] = []
            while let uri = next {
                let page = try await client.send(.get, uri)
                #expect(page.status == 200, "\(page.text)")
                seen += Self.ids(page)
                next = (page.json["@odata.nextLink"] as? String).map { $0.replacingOccurrences(of: "https://graph.test", with: "") }
            }
            // Ids are UUID version 7, in the order of creation.
            #expect(seen == ["foxtrot", "echo", "delta", "charlie", "bravo", "alpha"])
        }
    }

    /// `isof`, as Intune's portal and scripts list one kind of app: `mobileApps?$filter=(isof('…'))`.
    @Test func isofKeepsTheTypeAndItsDerivedTypes() async throws {
        try await withApp { client in
            let ios = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let web = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.webApp)
            let win = try await client.create(
                "/beta/deviceAppManagement/mobileApps", ##"{"@odata.type":"#microsoft.graph.win32LobApp","displayName":"Tool"}"##)
            let cases: [(String, Set<String>)] = [
                ("(isof('microsoft.graph.win32LobApp'))", [win]),
                ("isof(microsoft.graph.webApp)", [web]),
                ("isof('microsoft.graph.mobileLobApp')", [ios, win]),  // both derive from it
                ("isof('microsoft.graph.mobileApp')", [ios, web, win]),
                ("not isof('microsoft.graph.mobileLobApp') or displayName eq 'Tool'", [web, win]),
            ]
            for (filter, expected) in cases {
                let reply = try await client.send(.get, "/beta/deviceAppManagement/mobileApps?$filter=\(filter)&$select=id")
                #expect(reply.status == 200, "\(filter): \(reply.text)")
                let ids = Set((reply.json["value"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                #expect(ids == expected, "\(filter)")
            }
            for (filter, phrase) in [
                ("isof('microsoft.graph.nothing')", "not a type of this service"),
                ("isof('microsoft.graph.mobileAppInstallStatus')", "not a type derived from microsoft.graph.mobileApp"),
                ("isof(displayName, 'microsoft.graph.webApp')", "takes one qualified type name"),
            ] {
                let reply = try await client.send(.get, "/beta/deviceAppManagement/mobileApps?$filter=\(filter)")
                #expect(reply.status == 400 && reply.text.contains(phrase), "\(filter): \(reply.text)")
            }
        }
    }

    @Test func pagingWithTopAndOrderFollowsNextLinks() async throws {
        try await withApp(configure: { $0.limits.pageSize = 2 }) { client in
            let (app, _) = try await Self.seed(client)
            var next: String? = "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses?$orderby=lastSyncDateTime desc&$top=5&$filter=errorCode ge 0&$count=true"
            var seen: [String] = []
            var counts: [Int] = []
            while let uri = next {
                let page = try await client.send(.get, uri)
                #expect(page.status == 200, "\(page.text)")
                seen += Self.ids(page)
                counts.append(page.json["@odata.count"] as? Int ?? -1)
                next = (page.json["@odata.nextLink"] as? String).map { $0.replacingOccurrences(of: "https://graph.test", with: "") }
                if let n = next { #expect(n.contains("$top=5") && n.contains("$orderby=lastSyncDateTime") && n.contains("$skiptoken=")) }
            }
            #expect(seen == ["foxtrot", "echo", "delta", "charlie", "bravo"])
            #expect(counts == [6, 6, 6])
        }
    }

    @Test func skipTokensAreBoundToTheirQuery() async throws {
        try await withApp(configure: { $0.limits.pageSize = 2 }) { client in
            let (app, _) = try await Self.seed(client)
            let base = "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses"
            let page = try await client.send(.get, "\(base)?$orderby=deviceId")
            let link = try #require(page.json["@odata.nextLink"] as? String)
            let token = String(link[link.range(of: "$skiptoken=")!.upperBound...])
            // The same token with another filter, order or collection is refused.
            for uri in ["\(base)?$orderby=deviceName&$skiptoken=\(token)", "\(base)?$skiptoken=\(token)",
                        "\(base)?$orderby=deviceId&$filter=errorCode eq 0&$skiptoken=\(token)"] {
                let reply = try await client.send(.get, uri)
                #expect(reply.status == 400, "\(uri): \(reply.text)")
            }
            let ok = try await client.send(.get, "\(base)?$orderby=deviceId&$skiptoken=\(token)")
            #expect(Self.ids(ok) == ["charlie", "delta"])
        }
    }

    /// Each token is signed with HMAC-SHA256 under the stored paging secret, so that tokens stay valid
    /// across restarts and instances; the signer keeps the keyed hash state and copies it per token.
    @Test func skipTokensAreSignedWithThePagingSecret() async throws {
        try await withDataDirectory { dir in
            let tokens = try await withApp(dataDirectory: dir, configure: { $0.limits.pageSize = 2 }) { client in
                let (app, _) = try await Self.seed(client)
                var uri = "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses?$orderby=deviceId"
                var tokens: [String] = []
                for _ in 0..<2 {
                    let page = try await client.send(.get, uri)
                    let link = try #require(page.json["@odata.nextLink"] as? String)
                    tokens.append(String(link[link.range(of: "$skiptoken=")!.upperBound...]))
                    uri = String(link.dropFirst("https://graph.test".count))
                }
                return tokens
            }
            let opened = try await openStore(dataDirectory: dir)
            let secret = try await opened.store.secret(named: "paging")
            try await opened.close()
            #expect(Set(tokens).count == 2)
            for token in tokens {
                let parts = token.split(separator: ".")
                let payload = try #require(parts.count == 2 ? Base64.decode(parts[0]) : nil, "\(token)")
                let mac = try #require(Base64.decode(parts[1]))
                #expect(mac == Array(HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: secret))))
            }
        }
    }

    @Test func expandWithNestedOptions() async throws {
        try await withApp(configure: { $0.limits.pageSize = 2 }) { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let base = "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses"
            var users: [String] = []
            for u in 0..<3 {
                let user = try await client.create(base, #"{"userName":"u\#(u)","failedDeviceCount":\#(u)}"#)
                users.append(user)
                for (i, state) in ["failed", "installed", "failed", "failed"].enumerated() where i <= u + 1 {
                    _ = try await client.create("\(base)/\(user)/deviceStatuses", #"{"deviceName":"d\#(u)-\#(i)","installState":"\#(state)"}"#)
                }
            }
            let top1 = try await client.send(
                .get, "\(base)?$orderby=userName&$top=3&$expand=deviceStatuses($select=deviceName;$filter=installState eq 'failed';$orderby=deviceName desc;$top=1)")
            #expect(top1.status == 200, "\(top1.text)")
            let value = top1.json["value"] as? [[String: Any]] ?? []
            #expect(value.count == 2)  // the page size
            let expanded = value.map { ($0["deviceStatuses"] as? [[String: Any]] ?? []).compactMap { $0["deviceName"] as? String } }
            #expect(expanded == [["d0-0"], ["d1-2"]])
            #expect((value[1]["deviceStatuses"] as? [[String: Any]])?.first?["installState"] == nil)
            #expect(value[1]["deviceStatuses@odata.nextLink"] == nil)  // $top=1 asked for one
            // `$count=true` inside `$expand`: each parent's filtered total, whatever `$top` shows, before the members.
            let counted = try await client.send(
                .get, "\(base)?$orderby=userName&$expand=deviceStatuses($filter=installState eq 'failed';$top=1;$count=true)")
            #expect(counted.status == 200, "\(counted.text)")
            let countedValue = counted.json["value"] as? [[String: Any]] ?? []
            #expect(countedValue.map { $0["deviceStatuses@odata.count"] as? Int } == [1, 2])
            #expect(countedValue.map { ($0["deviceStatuses"] as? [Any])?.count } == [1, 1])
            #expect(counted.text.contains(#""deviceStatuses@odata.count":1,"deviceStatuses":["#))
            let none = try await client.send(.get, "\(base)/\(users[0])?$expand=deviceStatuses($filter=deviceName eq 'none';$count=true)")
            #expect(none.json["deviceStatuses@odata.count"] as? Int == 0, "\(none.text)")
            let uncounted = try await client.send(.get, "\(base)/\(users[0])?$expand=deviceStatuses($count=false)")
            #expect(uncounted.status == 200 && uncounted.json["deviceStatuses@odata.count"] == nil, "\(uncounted.text)")
            // Expanded members beyond a page link to the rest.
            let paged = try await client.send(
                .get, "\(base)/\(users[2])?$expand=deviceStatuses($filter=installState eq 'failed';$orderby=deviceName desc)")
            #expect((paged.json["deviceStatuses"] as? [[String: Any]])?.compactMap { $0["deviceName"] as? String } == ["d2-3", "d2-2"])
            let link = try #require(paged.json["deviceStatuses@odata.nextLink"] as? String)
            let rest = try await client.send(.get, link.replacingOccurrences(of: "https://graph.test", with: ""))
            #expect(rest.status == 200, "\(rest.text)")
            #expect((rest.json["value"] as? [[String: Any]])?.compactMap { $0["deviceName"] as? String } == ["d2-0"])
        }
        try await withApp { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let base = "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses"
            var users: [String] = []
            for u in 0..<3 {
                let user = try await client.create(base, #"{"userName":"u\#(u)","failedDeviceCount":\#(u)}"#)
                users.append(user)
                for i in 0...u + 1 {
                    _ = try await client.create("\(base)/\(user)/deviceStatuses", #"{"deviceName":"d\#(u)-\#(i)"}"#)
                }
            }
            // Expanding a summary, and expanding on a single entity.
            let apps = try await client.send(.get, "/beta/deviceAppManagement/mobileApps?$expand=installSummary,userStatuses($select=userName)")
            let first = (apps.json["value"] as? [[String: Any]])?.first
            #expect((first?["installSummary"] as? [String: Any])?["failedUserCount"] as? Int == 2)
            #expect((first?["userStatuses"] as? [Any])?.count == 3)
            // The context URL writes each expanded navigation with its own projection, as Microsoft.OData does.
            #expect((apps.json["@odata.context"] as? String)?.hasSuffix("#deviceAppManagement/mobileApps(installSummary(),userStatuses(userName))") == true, "\(apps.text)")
            let nested = try await client.send(
                .get, "/beta/deviceAppManagement/mobileApps/\(app)?$select=displayName&$expand=userStatuses($select=userName;$expand=deviceStatuses($select=deviceName)),deviceStatuses")
            #expect(nested.status == 200, "\(nested.text)")
            #expect(
                (nested.json["@odata.context"] as? String)?.hasSuffix(
                    "#deviceAppManagement/mobileApps(displayName,userStatuses(userName,deviceStatuses(deviceName)),deviceStatuses())/$entity") == true,
                "\(nested.text)")
            // `*` selects every property and says so, whatever else `$select` names.
            let star = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses?$select=*,userName&$expand=deviceStatuses($select=*)")
            #expect(star.status == 200 && (star.json["value"] as? [[String: Any]])?.first?["failedDeviceCount"] != nil, "\(star.text)")
            #expect((star.json["@odata.context"] as? String)?.hasSuffix("/userStatuses(*,deviceStatuses(*))") == true, "\(star.text)")
            let one = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses/\(users[1])?$expand=deviceStatuses")
            #expect((one.json["deviceStatuses"] as? [Any])?.count == 3)
            #expect((one.json["@odata.context"] as? String)?.hasSuffix("userStatuses(deviceStatuses())/$entity") == true)
        }
    }

    /// An answer with `$expand` holds at most `maxAnswerEntities` entities: its page ends after the parents
    /// whose members leave room for the next one's most, and nested collections show fewer members per
    /// parent, the rest through their links; following every link still finds each member once.
    @Test func expandKeepsItsAnswerWithinItsBudget() async throws {
        try await withApp(configure: { $0.limits.pageSize = 10; $0.limits.maxAnswerEntities = 12 }) { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let base = "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses"
            var devices: [String: [String]] = [:]
            for u in 0..<4 {
                let user = try await client.create(base, #"{"userName":"u\#(u)"}"#)
                for i in 0..<u {
                    _ = try await client.create("\(base)/\(user)/deviceStatuses", #"{"deviceName":"d\#(u)-\#(i)"}"#)
                    devices["u\(u)", default: []].append("d\(u)-\(i)")
                }
            }
            func entities(_ json: [String: Any]) -> Int {
                json.reduce(0) { sum, member in sum + ((member.value as? [[String: Any]])?.reduce(0) { $0 + 1 + entities($1) } ?? 0) }
            }
            func follow(_ link: String) async throws -> Reply {
                try await client.send(.get, link.replacingOccurrences(of: "https://graph.test", with: ""))
            }
            // A device page of 10 per user: each user may bring 11 entities, so the first page ends when
            // the next user could overflow 12: u0 (1) and u1 (2), then u2 (3), then u3 (4).
            var pages: [[String]] = []
            var next: String? = "\(base)?$orderby=userName&$expand=deviceStatuses($select=deviceName)"
            var seen: [String: [String]] = [:]
            while let link = next {
                let page = try await follow(link)
                #expect(page.status == 200, "\(page.text)")
                #expect(entities(page.json) <= 12, "\(page.text)")
                let users = page.json["value"] as? [[String: Any]] ?? []
                pages.append(users.compactMap { $0["userName"] as? String })
                for user in users {
                    #expect(user["deviceStatuses@odata.nextLink"] == nil)
                    let names = (user["deviceStatuses"] as? [[String: Any]] ?? []).compactMap { $0["deviceName"] as? String }
                    if !names.isEmpty { seen[user["userName"] as? String ?? "", default: []] += names }
                }
                next = page.json["@odata.nextLink"] as? String
            }
            #expect(pages == [["u0", "u1"], ["u2"], ["u3"]])
            #expect(seen == devices)
            // Nested: 10 users × (1 + 10 devices) could be 111; each level is halved, the deeper first on
            // a tie, until one app fits: 2 users, 2 devices each, and links to the rest.
            let nested = try await client.send(
                .get, "/beta/deviceAppManagement/mobileApps/\(app)?$expand=userStatuses($orderby=userName desc;$expand=deviceStatuses($orderby=deviceName))")
            #expect(nested.status == 200, "\(nested.text)")
            #expect(entities(nested.json) <= 12, "\(nested.text)")
            let users = nested.json["userStatuses"] as? [[String: Any]] ?? []
            #expect(users.compactMap { $0["userName"] as? String } == ["u3", "u2"])
            #expect(users.map { ($0["deviceStatuses"] as? [[String: Any]] ?? []).compactMap { $0["deviceName"] as? String } } == [["d3-0", "d3-1"], ["d2-0", "d2-1"]])
            #expect(users[1]["deviceStatuses@odata.nextLink"] == nil)
            let restOfU3 = try await follow(try #require(users[0]["deviceStatuses@odata.nextLink"] as? String))
            #expect((restOfU3.json["value"] as? [[String: Any]])?.compactMap { $0["deviceName"] as? String } == ["d3-2"], "\(restOfU3.text)")
            let otherUsers = try await follow(try #require(nested.json["userStatuses@odata.nextLink"] as? String))
            // Its page expands each user's devices as a page of its own would: u1, then room for no more.
            #expect((otherUsers.json["value"] as? [[String: Any]])?.compactMap { $0["userName"] as? String } == ["u1"], "\(otherUsers.text)")
            #expect(otherUsers.json["@odata.nextLink"] is String)
            // A `$top` under the budget is kept as asked.
            let small = try await client.send(
                .get, "/beta/deviceAppManagement/mobileApps/\(app)?$expand=userStatuses($top=1;$orderby=userName desc;$expand=deviceStatuses($top=3))")
            #expect((small.json["userStatuses"] as? [[String: Any]])?.first.map { ($0["deviceStatuses"] as? [Any])?.count } == 3, "\(small.text)")
        }
    }

    /// The date and time functions and `substring`, evaluated by the database (run on each backend): UTC
    /// parts of the stored instant, before 1970 too, the last tick of a day still in it.
    @Test(arguments: [
        ("year(lastSyncDateTime) eq 2024", ["leap"]),
        ("year(lastSyncDateTime) gt 2024", ["late"]),
        ("year(lastSyncDateTime) eq 1969 and month(lastSyncDateTime) eq 12 and day(lastSyncDateTime) eq 31", ["old"]),
        ("hour(lastSyncDateTime) eq 23 and minute(lastSyncDateTime) eq 59 and second(lastSyncDateTime) eq 59", ["last", "old", "late"]),
        ("month(lastSyncDateTime) eq 2 and day(lastSyncDateTime) eq 29 and hour(lastSyncDateTime) eq 10", ["leap"]),
        ("date(lastSyncDateTime) eq 2023-12-31", ["last"]),
        ("date(lastSyncDateTime) ge 2024-01-01", ["leap", "late"]),
        ("fractionalseconds(lastSyncDateTime) eq 0.5", ["leap", "old"]),
        ("fractionalseconds(lastSyncDateTime) gt 0.9", ["last"]),
        ("totaloffsetminutes(lastSyncDateTime) eq 0", ["last", "leap", "old", "late", "never"]),
        ("year(lastSyncDateTime) eq 1 and date(lastSyncDateTime) eq 0001-01-01", ["never"]),
        ("lastSyncDateTime lt now() and lastSyncDateTime gt mindatetime()", ["last", "leap", "old"]),
        ("lastSyncDateTime lt maxdatetime()", ["last", "leap", "old", "late", "never"]),
        ("substring(deviceName, 1, 2) eq 'ea'", ["leap"]),
        ("substring(deviceName, 2) eq 'd'", ["old"]),
        ("substring(deviceName, -1, -5) eq ''", ["last", "leap", "old", "late", "never"]),
        ("substring(deviceName, 100) eq ''", ["last", "leap", "old", "late", "never"]),
    ])
    func dateAndTextFunctions(_ filter: String, _ expected: [String]) async throws {
        try await withApp { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.webApp)
            let base = "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses"
            for (name, time) in [
                ("last", "2023-12-31T23:59:59.9999999Z"), ("leap", "2024-02-29T12:20:30.5+02:00"),
                ("old", "1969-12-31T23:59:59.5Z"), ("late", "2999-12-31T23:59:59Z"), ("never", nil),
            ] as [(String, String?)] {
                // Not given, it is 0001-01-01T00:00:00Z (it is not nullable).
                _ = try await client.create(base, #"{"deviceName":"\#(name)"\#(time.map { #","lastSyncDateTime":"\#($0)""# } ?? "")}"#)
            }
            let reply = try await client.send(.get, "\(base)?$filter=\(filter.replacingOccurrences(of: " ", with: "%20"))&$orderby=deviceName")
            #expect(reply.status == 200, "\(filter): \(reply.text)")
            let names = (reply.json["value"] as? [[String: Any]] ?? []).compactMap { $0["deviceName"] as? String }
            #expect(names == expected.sorted(), "\(filter)")
        }
    }

    @Test func dateFunctionsOrderAndRefuseWhatTheyCannotRead() async throws {
        try await withApp { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.webApp)
            let base = "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses"
            for (name, time) in [("a", "2020-05-01T00:00:00Z"), ("b", "2022-01-01T00:00:00Z"), ("c", "2021-09-01T00:00:00Z")] {
                _ = try await client.create(base, #"{"deviceName":"\#(name)","lastSyncDateTime":"\#(time)"}"#)
            }
            let ordered = try await client.send(.get, "\(base)?$orderby=year(lastSyncDateTime)%20desc")
            #expect((ordered.json["value"] as? [[String: Any]])?.compactMap { $0["deviceName"] as? String } == ["b", "c", "a"], "\(ordered.text)")
            let apps = "/beta/deviceAppManagement/mobileApps"
            let inJSON = try await client.send(.get, "\(apps)?$filter=year(largeIcon/value)%20eq%201")
            #expect(inJSON.status == 400, "\(inJSON.text)")
        }
    }

    /// `Prefer: odata.maxpagesize=N` makes pages smaller (never larger than the service's), says so in
    /// `Preference-Applied`, and the next pages keep the size without the header; in a `$batch` too.
    @Test func clientsPreferSmallerPages() async throws {
        try await withApp(configure: { $0.limits.pageSize = 4 }) { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.webApp)
            let base = "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses"
            for i in 0..<7 { _ = try await client.create(base, #"{"deviceName":"d\#(i)"}"#) }
            func names(_ reply: Reply) -> [String] { (reply.json["value"] as? [[String: Any]] ?? []).compactMap { $0["deviceName"] as? String } }
            var page = try await client.send(.get, "\(base)?$orderby=deviceName", headers: ["Prefer": "odata.maxpagesize=3"])
            #expect(names(page) == ["d0", "d1", "d2"] && page.header("Preference-Applied") == "odata.maxpagesize=3")
            var seen = names(page)
            while let next = page.json["@odata.nextLink"] as? String {
                page = try await client.send(.get, next.replacingOccurrences(of: "https://graph.test", with: ""))
                #expect(names(page).count <= 3 && page.header("Preference-Applied") == nil, "\(page.text)")
                seen += names(page)
            }
            #expect(seen == (0..<7).map { "d\($0)" })
            let larger = try await client.send(.get, base, headers: ["Prefer": "odata.maxpagesize=100"])
            #expect(names(larger).count == 4 && larger.header("Preference-Applied") == "odata.maxpagesize=4")
            let ignored = try await client.send(.get, base, headers: ["Prefer": "odata.maxpagesize=0"])
            #expect(names(ignored).count == 4 && ignored.header("Preference-Applied") == nil)
            let batch = try await client.send(.post, "/beta/$batch", json: #"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement/mobileApps/\#(app)/deviceStatuses","headers":{"Prefer":"odata.maxpagesize=2"}}]}"#)
            let part = (batch.json["responses"] as? [[String: Any]])?.first
            #expect(((part?["body"] as? [String: Any])?["value"] as? [Any])?.count == 2, "\(batch.text)")
        }
    }

    /// On Graph's beta endpoint the `$` of a query option is optional (`filter=` is `$filter=`); on v1.0
    /// names without it are custom options, which are ignored.
    @Test func betaTakesOptionsWithoutTheirDollar() async throws {
        try await withApp { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.webApp)
            let base = "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses"
            for name in ["b", "a", "c"] {
                let user = try await client.create(base, #"{"userName":"\#(name)"}"#)
                _ = try await client.create("\(base)/\(user)/deviceStatuses", #"{"deviceName":"\#(name)-pc"}"#)
            }
            let plain = try await client.send(
                .get, "\(base)?filter=userName%20ne%20'c'&orderby=userName&top=1&count=true&select=userName&expand=deviceStatuses(select=deviceName)")
            #expect(plain.status == 200, "\(plain.text)")
            let value = plain.json["value"] as? [[String: Any]] ?? []
            #expect(value.map { $0["userName"] as? String } == ["a"] && plain.json["@odata.count"] as? Int == 2, "\(plain.text)")
            #expect((value.first?["deviceStatuses"] as? [[String: Any]])?.first.map { Set($0.keys) } == ["@odata.type", "id", "deviceName"])
            let twice = try await client.send(.get, "\(base)?filter=userName%20eq%20'a'&$filter=userName%20eq%20'b'")
            #expect(twice.status == 400 && twice.errorMessage.contains("more than once"), "\(twice.text)")
            let custom = try await client.send(.get, "\(base)?refresh=true")
            #expect(custom.status == 200 && (custom.json["value"] as? [Any])?.count == 3)
            let cfgs = "/v1.0/deviceAppManagement/mobileAppConfigurations"
            _ = try await client.create(cfgs, Bodies.iosConfiguration)
            let v1 = try await client.send(.get, "\(cfgs)?filter=displayName%20eq%20'nothing'&top=0")
            #expect(v1.status == 200 && (v1.json["value"] as? [Any])?.count == 1, "\(v1.text)")
        }
    }

    /// The singleton takes `$select` and `$expand`; its collections are the tenant's top-level ones.
    @Test func theSingletonTakesSelectAndExpand() async throws {
        try await withApp(configure: { $0.limits.pageSize = 2 }) { client in
            var apps: [String] = []
            for _ in 0..<3 { apps.append(try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.webApp)) }
            _ = try await client.create("/beta/deviceAppManagement/mobileApps/\(apps[0])/deviceStatuses", #"{"deviceName":"PC"}"#)
            let selected = try await client.send(.get, "/beta/deviceAppManagement?$select=microsoftStoreForBusinessLanguage")
            #expect(Set(selected.json.keys) == ["@odata.context", "@odata.type", "id", "microsoftStoreForBusinessLanguage"], "\(selected.text)")
            #expect((selected.json["@odata.context"] as? String)?.hasSuffix("$metadata#deviceAppManagement(microsoftStoreForBusinessLanguage)") == true)
            let expanded = try await client.send(
                .get, "/beta/deviceAppManagement?$select=id&$expand=mobileApps($select=displayName;$orderby=id;$count=true;$expand=deviceStatuses($select=deviceName))")
            #expect(expanded.status == 200, "\(expanded.text)")
            let members = expanded.json["mobileApps"] as? [[String: Any]] ?? []
            #expect(members.map { $0["id"] as? String } == Array(apps.sorted().prefix(2)))
            #expect(expanded.json["mobileApps@odata.count"] as? Int == 3)
            let first = members.first { $0["id"] as? String == apps[0] }
            #expect((first?["deviceStatuses"] as? [[String: Any]])?.map { $0["deviceName"] as? String } == ["PC"], "\(expanded.text)")
            let link = try #require(expanded.json["mobileApps@odata.nextLink"] as? String)
            let rest = try await client.send(.get, link.replacingOccurrences(of: "https://graph.test", with: ""))
            #expect((rest.json["value"] as? [[String: Any]])?.map { $0["id"] as? String } == [apps.sorted()[2]], "\(rest.text)")
            // Another tenant's apps are not among them.
            let other = try await testIssuer.token(tenant: "11111111-1111-1111-1111-111111111111", scopes: ["DeviceManagementApps.ReadWrite.All"])
            let theirs = try await client.send(.get, "/beta/deviceAppManagement?$expand=mobileApps", authorization: .header("Bearer \(other)"))
            #expect((theirs.json["mobileApps"] as? [Any])?.isEmpty == true, "\(theirs.text)")
            let filtered = try await client.send(.get, "/beta/deviceAppManagement?$top=1")
            #expect(filtered.status == 400 && filtered.errorMessage.contains("single entity"), "\(filtered.text)")
        }
    }

    /// Graph takes resource names, query option names, property names (in options and bodies) and
    /// function names in any case; ids and values keep theirs. Answers spell every name as the model does.
    @Test func namesInAnyCase() async throws {
        try await withApp(configure: { $0.limits.pageSize = 1 }) { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.webApp)
            let created = try await client.send(
                .post, "/beta/DEVICEAPPMANAGEMENT/MobileApps/\(app)/DeviceStatuses",
                json: #"{"DeviceName":"LAB-1","installstate":"failed","ERRORCODE":7}"#)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["deviceName"] as? String == "LAB-1" && created.json["installState"] as? String == "failed")
            #expect(created.json["errorCode"] as? Int == 7 && created.json["DeviceName"] == nil)
            #expect((created.json["@odata.context"] as? String)?.hasSuffix("#deviceAppManagement/mobileApps('\(app)')/deviceStatuses/$entity") == true)
            _ = try await client.create("/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses", #"{"deviceName":"LAB-2","installState":"failed"}"#)
            let base = "/beta/deviceAppManagement/mobileApps/\(app)"
            let page = try await client.send(
                .get, "/beta/DeviceAppManagement/mobileapps/\(app)/deviceSTATUSES?$FILTER=StartsWith(DeviceName,'LAB')%20and%20InstallState%20eq%20'failed'&$OrderBy=DeviceName%20desc&$Select=DeviceName,InstallState&$count=true")
            #expect(page.status == 200, "\(page.text)")
            #expect((page.json["value"] as? [[String: Any]])?.map { $0["deviceName"] as? String } == ["LAB-2"])
            #expect((page.json["@odata.context"] as? String)?.hasSuffix("/mobileApps('\(app)')/deviceStatuses(deviceName,installState)") == true, "\(page.text)")
            let next = try #require(page.json["@odata.nextLink"] as? String)
            let rest = try await client.send(.get, next.replacingOccurrences(of: "https://graph.test", with: ""))
            #expect((rest.json["value"] as? [[String: Any]])?.map { $0["deviceName"] as? String } == ["LAB-1"], "\(rest.text)")
            let count = try await client.send(.get, "\(base)/DeviceStatuses/$Count")
            #expect(count.status == 200 && count.text == "2", "\(count.text)")
            let cast = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/Microsoft.Graph.WEBAPP?$Expand=DeviceStatuses($Select=DeviceName)")
            #expect((cast.json["value"] as? [[String: Any]])?.first?["deviceStatuses"] != nil, "\(cast.text)")
            // The same property twice, in two spellings, is refused; so is an id in another case than its own.
            let twice = try await client.send(.post, "\(base)/deviceStatuses", json: #"{"deviceName":"a","DeviceName":"b"}"#)
            #expect(twice.status == 400 && twice.errorMessage.contains("given twice"), "\(twice.text)")
            let otherCase = try await client.send(.get, "\(base.uppercased().replacingOccurrences(of: "/BETA/DEVICEAPPMANAGEMENT/MOBILEAPPS", with: "/beta/deviceAppManagement/mobileApps"))")
            #expect(otherCase.status == 404, "\(otherCase.text)")
        }
    }

    @Test(arguments: [
        ("$filter=nothing eq 1", "could not find a property named 'nothing'"),
        ("$filter=installState eq 'bogus'", "'bogus' is not a member of microsoft.graph.resultantAppState"),
        ("$filter=errorCode eq 'x'", "cannot compare"),
        ("$filter=deviceName", "must be true or false"),
        ("$filter=lastSyncDateTime gt '2024-01-01'", "quoted"),
        ("$filter=substringof('a',deviceName)", "not supported"),
        ("$filter=installState eq 'failed'&$filter=errorCode eq 1", "more than once"),
        ("$orderby=nothing", "could not find a property"),
        ("$select=nothing", "could not find a property named 'nothing'"),
        ("$select=*,nothing", "could not find a property named 'nothing'"),
        ("$orderby=deviceName,DeviceName desc", "$orderby names 'deviceName' twice"),
        ("$top=-1", "whole number"),
        ("$top=1000001", "must not exceed"),
        ("$skip=abc", "whole number"),
        ("$count=yes", "true or false"),
        ("$expand=nothing", "could not find a navigation property named 'nothing'"),
        ("$expand=*($top=1)", "'*' takes no options here"),
        ("$expand=*,*", "$expand names '*' twice"),
        ("$search=phone", "'$search' is not supported"),
        ("$skiptoken=forged.token", "not valid"),
        ("$select=microsoft.graph.webApp/appUrl", "'microsoft.graph.webApp' is not a type derived from microsoft.graph.mobileAppInstallStatus"),
        ("$select=microsoft.graph.mobileAppInstallStatus/nothing", "could not find a property named 'nothing' on type 'microsoft.graph.mobileAppInstallStatus'"),
        ("$filter=(((((((((((((((((((((((((((((((((((errorCode eq 1)))))))))))))))))))))))))))))))))))", "nested deeper"),
    ])
    func badQueriesAre400(query: String, phrase: String) async throws {
        try await withApp { client in
            let (app, _) = try await Self.seed(client)
            let reply = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses?\(query.replacingOccurrences(of: " ", with: "%20"))")
            #expect(reply.status == 400, "\(query): \(reply.text)")
            #expect(reply.errorMessage.contains(phrase), "\(reply.errorMessage)")
        }
    }

    @Test func filtersOnTheV1CollectionsAndAnyAll() async throws {
        try await withApp { client in
            let cfgs = "/v1.0/deviceAppManagement/mobileAppConfigurations"
            let a = try await client.create(cfgs, ##"{"@odata.type":"#microsoft.graph.iosMobileAppConfiguration","displayName":"A","targetedMobileApps":["x","y"]}"##)
            let b = try await client.create(cfgs, ##"{"@odata.type":"#microsoft.graph.iosMobileAppConfiguration","displayName":"B","targetedMobileApps":[]}"##)
            func ids(_ filter: String, in collection: String = cfgs) async throws -> [String] {
                let r = try await client.send(.get, "\(collection)?$filter=\(filter.replacingOccurrences(of: " ", with: "%20"))")
                #expect(r.status == 200, "\(r.text)")
                return (r.json["value"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            #expect(try await ids("targetedMobileApps/any(t: t eq 'y')") == [a])
            #expect(try await ids("targetedMobileApps/any()") == [a])
            #expect(try await Set(ids("targetedMobileApps/all(t: t eq 'x')")) == [b])
            #expect(try await ids("displayName eq 'B'") == [b])
            let apps = "/beta/deviceAppManagement/mobileApps"
            let win = try await client.create(apps, ##"{"@odata.type":"#microsoft.graph.win32LobApp","applicableArchitectures":"x86,x64","largeIcon":{"type":"image/png","value":"AA=="}}"##)
            _ = try await client.create(apps, Bodies.webApp)
            #expect(try await ids("microsoft.graph.win32LobApp/applicableArchitectures has microsoft.graph.windowsArchitecture'x64'", in: apps) == [win])
            #expect(try await ids("largeIcon/type eq 'image/png'", in: apps) == [win])
            // A cast on the entity is null on entities of other types, whatever column they share.
            let win8 = try await client.create(apps, ##"{"@odata.type":"#microsoft.graph.win32LobApp","minimumSupportedOperatingSystem":{"v8_0":true}}"##)
            let ios8 = try await client.create(apps, ##"{"@odata.type":"#microsoft.graph.iosLobApp","minimumSupportedOperatingSystem":{"v8_0":true}}"##)
            #expect(try await ids("microsoft.graph.iosLobApp/minimumSupportedOperatingSystem/v8_0 eq true", in: apps) == [ios8])
            #expect(try await ids("microsoft.graph.win32LobApp/minimumSupportedOperatingSystem/v8_0", in: apps) == [win8])
            let nulls = Set(try await ids("microsoft.graph.iosLobApp/minimumSupportedOperatingSystem/v8_0 eq null", in: apps))
            #expect(nulls.contains(win8) && nulls.contains(win) && !nulls.contains(ios8))
        }
    }

    /// A `$select` item cast to a type selects its property only on entities of that type (or derived
    /// from it), and the context URL keeps the cast; an item without one, on every entity that has it.
    @Test func selectCastToATypeKeepsItsPropertyToThatType() async throws {
        try await withApp { client in
            let apps = "/beta/deviceAppManagement/mobileApps"
            let win = try await client.create(apps, ##"{"@odata.type":"#microsoft.graph.win32LobApp","displayName":"W","fileName":"setup.exe"}"##)
            let ios = try await client.create(apps, ##"{"@odata.type":"#microsoft.graph.iosLobApp","displayName":"I","fileName":"app.ipa"}"##)
            let cast = try await client.send(.get, "\(apps)?$orderby=displayName&$select=displayName,Microsoft.Graph.Win32LobApp/FileName")
            #expect(cast.status == 200, "\(cast.text)")
            let value = cast.json["value"] as? [[String: Any]] ?? []
            #expect(value.map { $0["id"] as? String } == [ios, win])
            #expect(value.map { $0["fileName"] as? String } == [nil, "setup.exe"])
            #expect(value[0].keys.sorted() == ["@odata.type", "displayName", "id"])
            #expect((cast.json["@odata.context"] as? String)?.hasSuffix("mobileApps(displayName,microsoft.graph.win32LobApp/fileName)") == true, "\(cast.text)")
            let plain = try await client.send(.get, "\(apps)?$orderby=displayName&$select=fileName")
            #expect((plain.json["value"] as? [[String: Any]])?.map { $0["fileName"] as? String } == ["app.ipa", "setup.exe"], "\(plain.text)")
            // Cast to the collection's own type: every entity.
            let own = try await client.send(.get, "\(apps)?$orderby=displayName&$select=microsoft.graph.mobileApp/displayName")
            #expect((own.json["value"] as? [[String: Any]])?.map { $0["displayName"] as? String } == ["I", "W"], "\(own.text)")
        }
    }

    /// An `$expand` item cast to a type expands its navigation only on entities of that type (or derived
    /// from it), as Microsoft.OData binds a type segment in an expand path; the others answer without it.
    @Test func expandCastToATypeExpandsOnlyOnThatType() async throws {
        try await withApp { client in
            let apps = "/beta/deviceAppManagement/mobileApps"
            let win = try await client.create(apps, ##"{"@odata.type":"#microsoft.graph.win32LobApp","displayName":"W"}"##)
            let web = try await client.create(apps, Bodies.webApp)
            for app in [win, web] {
                _ = try await client.create("\(apps)/\(app)/userStatuses", #"{"userName":"Ada","failedDeviceCount":1}"#)
                _ = try await client.create("\(apps)/\(app)/deviceStatuses", #"{"deviceName":"PC","installState":"failed"}"#)
            }
            for (path, expected) in [
                (
                    "\(apps)?$orderby=displayName&$select=displayName&$expand=microsoft.graph.win32LobApp/userStatuses($select=userName;$count=true)",
                    [["@odata.type", "displayName", "id"], ["@odata.type", "displayName", "id", "userStatuses", "userStatuses@odata.count"]]
                ),
                (
                    "\(apps)?$orderby=displayName&$select=id&$expand=graph.webApp/installSummary,deviceStatuses($select=id)",
                    [["@odata.type", "deviceStatuses", "id", "installSummary"], ["@odata.type", "deviceStatuses", "id"]]
                ),
            ] {
                let reply = try await client.send(.get, path)
                #expect(reply.status == 200, "\(path): \(reply.text)")
                let value = reply.json["value"] as? [[String: Any]] ?? []
                #expect(value.map { $0["id"] as? String } == [web, win], "\(path)")  // "Contoso Web" before "W"
                #expect(value.map { $0.keys.sorted() } == expected, "\(path): \(reply.text)")
            }
            let one = try await client.send(.get, "\(apps)/\(win)?$select=id&$expand=microsoft.graph.win32LobApp/userStatuses($select=userName)")
            #expect((one.json["userStatuses"] as? [[String: Any]])?.map { $0["userName"] as? String } == ["Ada"], "\(one.text)")
            #expect(
                (one.json["@odata.context"] as? String)?.hasSuffix("mobileApps(id,microsoft.graph.win32LobApp/userStatuses(userName))/$entity") == true,
                "\(one.text)")
            let other = try await client.send(.get, "\(apps)/\(web)?$select=id&$expand=microsoft.graph.win32LobApp/userStatuses")
            #expect(other.status == 200 && other.json["userStatuses"] == nil, "\(other.text)")
        }
    }

    /// `$select` paths into complex values (OData's select paths, as Microsoft.OData binds and writes
    /// them): a member of a complex property, of each value of a collection of them, after a cast only on
    /// values of that type; control information kept as the format asks.
    @Test func selectPathsKeepMembersOfComplexValues() async throws {
        try await withApp { client in
            let apps = "/beta/deviceAppManagement/mobileApps"
            let win = try await client.create(
                apps,
                ##"{"@odata.type":"#microsoft.graph.win32LobApp","displayName":"W","largeIcon":{"type":"image/png","value":"AAAA"},"rules":["##
                    + ##"{"@odata.type":"#microsoft.graph.win32LobAppRegistryRule","ruleType":"detection","keyPath":"HKLM","operationType":"exists"},"##
                    + ##"{"@odata.type":"#microsoft.graph.win32LobAppFileSystemRule","ruleType":"requirement","path":"C:","operationType":"exists"}]}"##)
            let web = try await client.create(apps, Bodies.webApp)
            let page = try await client.send(.get, "\(apps)?$orderby=displayName&$select=LargeIcon/Type,displayName")
            #expect(page.status == 200, "\(page.text)")
            let value = page.json["value"] as? [[String: Any]] ?? []
            #expect(value.map { $0["id"] as? String } == [web, win])
            #expect(value.map { $0.keys.sorted() } == [["@odata.type", "displayName", "id", "largeIcon"], ["@odata.type", "displayName", "id", "largeIcon"]])
            #expect(value[0]["largeIcon"] is NSNull, "\(page.text)")
            #expect((value[1]["largeIcon"] as? [String: String]) == ["@odata.type": "#microsoft.graph.mimeContent", "type": "image/png"], "\(page.text)")
            #expect((page.json["@odata.context"] as? String)?.hasSuffix("mobileApps(largeIcon/type,displayName)") == true, "\(page.text)")

            func rules(_ query: String, accept: String? = nil) async throws -> [[String: String]] {
                let one = try await client.send(.get, "\(apps)/\(win)?\(query)", headers: accept.map { ["Accept": $0] } ?? [:])
                #expect(one.status == 200, "\(query): \(one.text)")
                return one.json["rules"] as? [[String: String]] ?? []
            }
            let registry = "#microsoft.graph.win32LobAppRegistryRule", fileSystem = "#microsoft.graph.win32LobAppFileSystemRule"
            for (query, expected) in [
                ("$select=rules/ruleType", [["@odata.type": registry, "ruleType": "detection"], ["@odata.type": fileSystem, "ruleType": "requirement"]]),
                // A member of a derived type, unqualified: on the values that have it.
                ("$select=rules/keyPath", [["@odata.type": registry, "keyPath": "HKLM"], ["@odata.type": fileSystem]]),
                (
                    "$select=microsoft.graph.win32LobApp/rules/microsoft.graph.win32LobAppRegistryRule/operationType,rules/ruleType",
                    [["@odata.type": registry, "ruleType": "detection", "operationType": "exists"], ["@odata.type": fileSystem, "ruleType": "requirement"]]
                ),
            ] {
                #expect(try await rules(query) == expected, "\(query)")
            }
            #expect(try await rules("$select=rules/ruleType", accept: "application/json;odata.metadata=none") == [["ruleType": "detection"], ["ruleType": "requirement"]])
            // In v1.0 too, with the whole property where one item names it whole.
            let v1 = try await client.send(.get, "/v1.0/deviceAppManagement/mobileApps/\(win)?$select=largeIcon,largeIcon/type")
            #expect((v1.json["largeIcon"] as? [String: String])?["value"] == "AAAA", "\(v1.text)")
            #expect((v1.json["@odata.context"] as? String)?.hasSuffix("mobileApps(largeIcon,largeIcon/type)/$entity") == true, "\(v1.text)")
        }
    }

    /// A navigation property in `$select` (as Graph's OpenAPI descriptions, and so the SDKs' typed
    /// parameters, offer it; Excel's OData feeds send it): bound as Microsoft.OData binds it, named in the
    /// context URL, nothing added to a minimal answer, its link in a full one (`FullMetadataTests`).
    @Test func selectNamesNavigationProperties() async throws {
        try await withApp { client in
            let apps = "/beta/deviceAppManagement/mobileApps"
            let app = try await client.create(apps, ##"{"@odata.type":"#microsoft.graph.win32LobApp","displayName":"W"}"##)
            _ = try await client.create("\(apps)/\(app)/userStatuses", #"{"userName":"Ada"}"#)
            for (query, projection, keys) in [
                ("$select=userStatuses", "(userStatuses)", ["@odata.context", "@odata.type", "id"]),
                ("$select=DisplayName,UserStatuses,installSummary", "(displayName,userStatuses,installSummary)", ["@odata.context", "@odata.type", "displayName", "id"]),
                // Selected and expanded: in the context URL twice, as Microsoft.OData writes it.
                (
                    "$select=userStatuses&$expand=userStatuses($select=userName)", "(userStatuses,userStatuses(userName))",
                    ["@odata.context", "@odata.type", "id", "userStatuses"]
                ),
                ("$select=microsoft.graph.mobileApp/userStatuses", "(microsoft.graph.mobileApp/userStatuses)", ["@odata.context", "@odata.type", "id"]),
            ] {
                let one = try await client.send(.get, "\(apps)/\(app)?\(query)")
                #expect(one.status == 200, "\(query): \(one.text)")
                #expect(one.json.keys.sorted() == keys, "\(query): \(one.text)")
                #expect((one.json["@odata.context"] as? String)?.hasSuffix("#deviceAppManagement/mobileApps\(projection)/$entity") == true, "\(one.text)")
                let page = try await client.send(.get, "\(apps)?\(query)")
                #expect(page.status == 200, "\(query): \(page.text)")
                #expect((page.json["@odata.context"] as? String)?.hasSuffix("#deviceAppManagement/mobileApps\(projection)") == true, "\(page.text)")
            }
            // v1.0's configurations: their statuses and summaries; v1.0's apps have no status navigations.
            let configurations = "/v1.0/deviceAppManagement/mobileAppConfigurations"
            _ = try await client.create(configurations, Bodies.iosConfiguration)
            let summaries = try await client.send(.get, "\(configurations)?$select=id,deviceStatusSummary,userStatuses")
            #expect(summaries.status == 200, "\(summaries.text)")
            #expect((summaries.json["value"] as? [[String: Any]])?.first?.keys.sorted() == ["@odata.type", "id"], "\(summaries.text)")
            let v1 = try await client.send(.get, "/v1.0/deviceAppManagement/mobileApps?$select=userStatuses")
            #expect(v1.status == 400 && v1.errorMessage.contains("could not find a property named 'userStatuses'"), "\(v1.text)")
        }
    }

    /// `$expand=*` expands, where it stands, every navigation the service answers on the type, in the
    /// order the model declares them (as Microsoft.OData expands it, and Graph's OpenAPI descriptions
    /// offer it); a navigation also named keeps its own options.
    @Test func expandStarExpandsEveryNavigationServed() async throws {
        try await withApp { client in
            let apps = "/beta/deviceAppManagement/mobileApps"
            let app = try await client.create(apps, ##"{"@odata.type":"#microsoft.graph.win32LobApp","displayName":"W"}"##)
            let user = try await client.create("\(apps)/\(app)/userStatuses", #"{"userName":"Ada"}"#)
            _ = try await client.create("\(apps)/\(app)/userStatuses/\(user)/deviceStatuses", #"{"deviceName":"PC","installState":"failed"}"#)
            _ = try await client.create("\(apps)/\(app)/deviceStatuses", #"{"deviceName":"PC","installState":"failed"}"#)
            let all = try await client.send(.get, "\(apps)/\(app)?$expand=*")
            #expect(all.status == 200, "\(all.text)")
            #expect((all.json["@odata.context"] as? String)?.hasSuffix("mobileApps(deviceStatuses(),installSummary(),userStatuses())/$entity") == true, "\(all.text)")
            #expect((all.json["deviceStatuses"] as? [[String: Any]])?.count == 1)
            #expect((all.json["installSummary"] as? [String: Any])?["failedDeviceCount"] as? Int == 1)
            let users = all.json["userStatuses"] as? [[String: Any]]
            #expect(users?.first?["userName"] as? String == "Ada" && users?.first?["deviceStatuses"] == nil, "one level: \(all.text)")
            // Named with options, and the rest by `*`; nested.
            let mixed = try await client.send(.get, "\(apps)/\(app)?$select=id&$expand=userStatuses($select=userName;$expand=*),*")
            #expect(mixed.status == 200, "\(mixed.text)")
            #expect(
                (mixed.json["@odata.context"] as? String)?.hasSuffix("mobileApps(id,userStatuses(userName,deviceStatuses()),deviceStatuses(),installSummary())/$entity") == true,
                "\(mixed.text)")
            let mixedUser = (mixed.json["userStatuses"] as? [[String: Any]])?.first
            #expect(mixedUser?.keys.sorted() == ["@odata.type", "deviceStatuses", "id", "userName"], "\(mixed.text)")
            // A collection, and a version where the type has no navigation the service answers.
            let page = try await client.send(.get, "/beta/deviceAppManagement/mobileAppConfigurations?$expand=*")
            #expect(page.status == 200 && (page.json["@odata.context"] as? String)?.hasSuffix(
                "mobileAppConfigurations(deviceStatuses(),deviceStatusSummary(),userStatuses(),userStatusSummary())") == true, "\(page.text)")
            let v1 = try await client.send(.get, "/v1.0/deviceAppManagement/mobileApps?$expand=*")
            #expect(v1.status == 200 && (v1.json["@odata.context"] as? String)?.hasSuffix("#deviceAppManagement/mobileApps") == true, "\(v1.text)")
        }
    }
}
