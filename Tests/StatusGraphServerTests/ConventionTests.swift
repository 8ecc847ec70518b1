import Foundation
import GraphModel
import StatusGraphTestSupport
import Testing

/// Graph's HTTP conventions: status codes, headers, context URLs, server-kept properties, errors.
@Suite struct ConventionTests {
    @Test func headersOnEveryResponse() async throws {
        try await withApp { client in
            let ok = try await client.send(.get, "/v1.0/deviceAppManagement", headers: ["client-request-id": "my-id-1"])
            #expect(ok.status == 200)
            #expect(ok.header("client-request-id") == "my-id-1")
            #expect(UUID(uuidString: ok.header("request-id") ?? "") != nil)
            #expect(ok.header("OData-Version") == "4.0")
            #expect(ok.header("Content-Type")?.hasPrefix("application/json") == true)
            let err = try await client.send(.get, "/v1.0/deviceAppManagement/nothing")
            #expect(err.header("OData-Version") == "4.0")
            #expect(err.header("client-request-id") == err.header("request-id"))
            let inner = err.error["innerError"] as? [String: Any]
            #expect(inner?["request-id"] as? String == err.header("request-id"))
            #expect((inner?["date"] as? String)?.count == 19)
        }
    }

    @Test(arguments: [
        ("/beta/deviceAppManagement/nothing", "nothing"),
        ("/beta/deviceAppManagement/mobileApps/x/nothing", "nothing"),
        ("/beta/nothing", "nothing"),
        // v1.0 has neither the install-status navigations nor iosLobAppProvisioningConfigurations
        ("/v1.0/deviceAppManagement/mobileApps/x/userStatuses", "userStatuses"),
        ("/v1.0/deviceAppManagement/mobileApps/x/installSummary", "installSummary"),
        ("/v1.0/deviceAppManagement/iosLobAppProvisioningConfigurations", "iosLobAppProvisioningConfigurations"),
        // and iosLobAppProvisioningConfiguration has no summaries in beta either
        ("/beta/deviceAppManagement/iosLobAppProvisioningConfigurations/x/userStatusSummary", "userStatusSummary"),
    ])
    func unknownSegmentIs400(path: String, segment: String) async throws {
        try await withApp { client in
            let reply = try await client.send(.get, path)
            #expect(reply.status == 400)
            #expect(reply.error["code"] as? String == "BadRequest")
            #expect(reply.errorMessage == "Resource not found for the segment '\(segment)'.")
        }
    }

    @Test func healthRoutesNeedNoToken() async throws {
        try await withApp { client in
            #expect(try await client.send(.get, "/health", authorization: .none).text == "ok")
            let body = #"{"a":[1,2.50,-3e2,true,null],"b":{"c":"é\n"}}"#
            let echo = try await client.send(.post, "/health/echo", json: body, authorization: .none)
            #expect(echo.status == 200)
            #expect(echo.text == body)
            #expect(try await client.send(.post, "/health/echo", json: "{oops", authorization: .none).status == 400)
        }
    }

    @Test func unknownVersionIs400() async throws {
        try await withApp { client in
            let reply = try await client.send(.get, "/v2.0/deviceAppManagement")
            #expect(reply.status == 400)
            #expect(reply.errorMessage.contains("Invalid version"))
        }
    }

    @Test func createGetUpdateDeleteWithGraphStatuses() async throws {
        try await withApp { client in
            let base = "/v1.0/deviceAppManagement/mobileApps"
            let created = try await client.send(.post, base, json: Bodies.webApp)
            #expect(created.status == 201)
            let id = try #require(created.json["id"] as? String)
            #expect(created.header("Location") == "https://graph.test/v1.0/deviceAppManagement/mobileApps('\(id)')")
            #expect(created.json["@odata.context"] as? String == "https://graph.test/v1.0/$metadata#deviceAppManagement/mobileApps/$entity")
            let createdAt = try #require(created.json["createdDateTime"] as? String)
            #expect(created.json["lastModifiedDateTime"] as? String == createdAt)

            // The server picks the id and keeps the times; a body's values for them are ignored.
            let other = try await client.send(
                .post, base, json: ##"{"@odata.type":"#microsoft.graph.webApp","id":"mine","createdDateTime":"2000-01-01T00:00:00Z"}"##)
            #expect(other.json["id"] as? String != "mine")
            #expect(other.json["createdDateTime"] as? String != "2000-01-01T00:00:00Z")

            try await Task.sleep(for: .milliseconds(5))
            let patched = try await client.send(.patch, "\(base)/\(id)", json: #"{"displayName":"Renamed"}"#)
            #expect(patched.status == 200)
            #expect(patched.json["displayName"] as? String == "Renamed")
            #expect(patched.json["appUrl"] as? String == "https://contoso.example")
            #expect(patched.json["createdDateTime"] as? String == createdAt)
            #expect((patched.json["lastModifiedDateTime"] as? String ?? "") > createdAt)

            let minimal = try await client.send(
                .patch, "\(base)('\(id)')", json: #"{"displayName":"Again"}"#, headers: ["Prefer": "return=minimal"])
            #expect(minimal.status == 204)
            #expect(minimal.text.isEmpty)
            let read = try await client.send(.get, "\(base)('\(id)')")
            #expect(read.json["displayName"] as? String == "Again")
            #expect(read.json["@odata.context"] as? String == "https://graph.test/v1.0/$metadata#deviceAppManagement/mobileApps/$entity")

            let deleted = try await client.send(.delete, "\(base)/\(id)")
            #expect(deleted.status == 204)
            #expect(try await client.send(.get, "\(base)/\(id)").status == 404)
            #expect(try await client.send(.delete, "\(base)/\(id)").status == 404)
            #expect(try await client.send(.patch, "\(base)/\(id)", json: "{}").status == 404)
        }
    }

    @Test func unknownIdIs404WithGraphError() async throws {
        try await withApp { client in
            for path in [
                "/beta/deviceAppManagement/mobileApps/nope",
                "/beta/deviceAppManagement/mobileApps/nope/userStatuses",
                "/beta/deviceAppManagement/mobileApps/nope/installSummary",
                "/v1.0/deviceAppManagement/mobileAppConfigurations/nope/userStatusSummary",
            ] {
                let reply = try await client.send(.get, path)
                #expect(reply.status == 404, "\(path): \(reply.text)")
                #expect(reply.error["code"] as? String == "ResourceNotFound")
            }
            let create = try await client.send(
                .post, "/beta/deviceAppManagement/mobileApps/nope/userStatuses", json: SeedPageTests.userAppInstallStatusBody)
            #expect(create.status == 404)
        }
    }

    /// A 405 is a Graph error whose `Allow` names the methods the resource takes, and each of those is
    /// routed (none of them answers 405): the list and the routing agree.
    @Test func unsupportedMethodsAreGraphErrorsNamingTheAllowedOnes() async throws {
        try await withApp { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            for (method, path, allow) in [
                (HTTPRequestMethod.put, "/beta/deviceAppManagement/mobileApps/\(app)", "GET, HEAD, PATCH, DELETE"),
                (.delete, "/beta/deviceAppManagement/mobileApps", "GET, HEAD, POST"),
                (.patch, "/beta/deviceAppManagement/mobileApps", "GET, HEAD, POST"),
                (.post, "/beta/deviceAppManagement/mobileApps/\(app)", "GET, HEAD, PATCH, DELETE"),
                (.delete, "/beta/deviceAppManagement", "GET, HEAD, PATCH"),
                (.patch, "/beta/deviceAppManagement/mobileApps/\(app)/installSummary", "GET, HEAD"),
                (.get, "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses/$ref", "POST"),
                (.post, "/beta/deviceAppManagement/mobileApps/$count", "GET, HEAD"),
                (.get, "/beta/$batch", "POST"),
                (.post, "/beta/$metadata", "GET, HEAD"),
                (.patch, "/v1.0/$openapi", "GET, HEAD"),
                (.delete, "/beta/", "GET, HEAD"),
            ] {
                let reply = try await client.send(method.method, path, json: method == .delete || method == .get ? nil : "{}")
                #expect(reply.status == 405, "\(method) \(path): \(reply.text)")
                #expect(reply.error["code"] as? String == "Request_BadRequest")
                #expect(reply.headers[.allow] == allow, "\(method) \(path)")
                for allowed in allow.split(separator: ", ") where allowed != "HEAD" {
                    let m = HTTPRequest.Method(String(allowed))!
                    let other = try await client.send(m, path, json: m == .post || m == .patch ? "{}" : nil)
                    #expect(other.status != 405, "\(allowed) \(path) is in Allow but answers 405")
                }
            }
        }
    }

    @Test func singletonGetAndPatch() async throws {
        try await withApp { client in
            let first = try await client.send(.get, "/beta/deviceAppManagement")
            #expect(first.status == 200)
            #expect(first.json["@odata.context"] as? String == "https://graph.test/beta/$metadata#deviceAppManagement")
            #expect(first.json["microsoftStoreForBusinessPortalSelection"] as? String == "none")
            let patched = try await client.send(
                .patch, "/beta/deviceAppManagement",
                json: #"{"microsoftStoreForBusinessLanguage":"en-us","microsoftStoreForBusinessPortalSelection":"companyPortal,privateStore"}"#)
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.json["microsoftStoreForBusinessPortalSelection"] as? String == "companyPortal,privateStore")
            let v1 = try await client.send(.get, "/v1.0/deviceAppManagement")
            #expect(v1.json["microsoftStoreForBusinessLanguage"] as? String == "en-us")
            #expect(v1.json["microsoftStoreForBusinessPortalSelection"] == nil)  // beta-only property
            #expect(v1.json["id"] as? String == first.json["id"] as? String)
        }
    }

    /// An entity made through v1.0 holds the defaults of the properties only beta has: beta shows no null
    /// where its model allows none, and filters find the default.
    @Test func entitiesMadeThroughV1HoldBetasDefaults() async throws {
        try await withApp { client in
            #expect(try await client.send(.get, "/v1.0/deviceAppManagement").status == 200)  // the singleton, made through v1.0
            let singleton = try await client.send(.get, "/beta/deviceAppManagement")
            #expect(singleton.json["microsoftStoreForBusinessPortalSelection"] as? String == "none")
            let app = try await client.create("/v1.0/deviceAppManagement/mobileApps", ##"{"@odata.type":"#microsoft.graph.win32LobApp"}"##)
            let read = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/\(app)")
            let beta = GraphModel.service.versions["beta"]!
            for p in beta.entityTypes["win32LobApp"]!.properties where !p.nullable {
                #expect(read.json[p.name] != nil && !(read.json[p.name] is NSNull), "\(p.name) is null in beta")
            }
            #expect(read.json["isAssigned"] as? Bool == false)
            let found = try await client.send(.get, "/beta/deviceAppManagement/mobileApps?$filter=isAssigned%20eq%20false%20and%20dependentAppCount%20eq%200")
            #expect((found.json["value"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [app])
        }
    }

    /// A complex value keeps the shape of the version that wrote it; each version shows it as its own
    /// model has it: beta's members v1.0 lacks as their default (or null), v1.0 without beta's.
    @Test func complexValuesShowEachVersionsMembers() async throws {
        try await withApp { client in
            let apps = "/deviceAppManagement/mobileApps"
            let universal = try await client.create(
                "/v1.0" + apps, ##"{"@odata.type":"#microsoft.graph.windowsUniversalAppX","minimumSupportedOperatingSystem":{"v8_0":true}}"##)
            let win32 = try await client.create(
                "/v1.0" + apps, ##"{"@odata.type":"#microsoft.graph.win32LobApp","installExperience":{"runAsAccount":"user"}}"##)
            let os = try await client.send(.get, "/beta\(apps)/\(universal)").json["minimumSupportedOperatingSystem"] as? [String: Any] ?? [:]
            #expect(os["@odata.type"] as? String == "#microsoft.graph.windowsMinimumOperatingSystem")
            #expect(os["v8_0"] as? Bool == true && os["v10_1607"] as? Bool == false && os["v10_21H1"] is NSNull, "\(os)")
            // v1.0 keeps v10_0 and v8_1 null (nullable there); beta, where they are not nullable, shows their default.
            #expect(os["v10_0"] as? Bool == false && os["v8_1"] as? Bool == false, "\(os)")
            let listed = try await client.send(.get, "/beta\(apps)?$filter=id eq '\(universal)'").json["value"] as? [[String: Any]]
            #expect((listed?.first?["minimumSupportedOperatingSystem"] as? [String: Any])?["v8_1"] as? Bool == false, "\(listed ?? [])")
            let experience = try await client.send(.get, "/beta\(apps)/\(win32)").json["installExperience"] as? [String: Any] ?? [:]
            #expect(experience["runAsAccount"] as? String == "user" && experience["maxRunTimeInMinutes"] is NSNull, "\(experience)")
            let universal2 = try await client.create(
                "/beta" + apps, ##"{"@odata.type":"#microsoft.graph.windowsUniversalAppX","minimumSupportedOperatingSystem":{"v10_1607":true}}"##)
            let win32b = try await client.create(
                "/beta" + apps, ##"{"@odata.type":"#microsoft.graph.win32LobApp","installExperience":{"maxRunTimeInMinutes":60}}"##)
            let v1OS = try await client.send(.get, "/v1.0\(apps)/\(universal2)").json["minimumSupportedOperatingSystem"] as? [String: Any] ?? [:]
            let v1Members = GraphModel.service.versions["v1.0"]!.complexTypes["windowsMinimumOperatingSystem"]!.properties.map(\.name)
            #expect(Set(v1OS.keys) == Set(v1Members + ["@odata.type"]))
            let v1Experience = try await client.send(.get, "/v1.0\(apps)/\(win32b)").json["installExperience"] as? [String: Any] ?? [:]
            #expect(v1Experience["runAsAccount"] != nil && v1Experience["maxRunTimeInMinutes"] == nil, "\(v1Experience)")
            // Filters read a member a value lacks as shown: its default (an app without the object is not found).
            _ = try await client.create("/beta" + apps, ##"{"@odata.type":"#microsoft.graph.windowsUniversalAppX"}"##)
            for (test, expected) in [("eq false", [universal]), ("eq true", [universal2])] {
                let found = try await client.send(
                    .get, "/beta\(apps)?$filter=" + "microsoft.graph.windowsUniversalAppX/minimumSupportedOperatingSystem/v10_1607 \(test)"
                        .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
                #expect((found.json["value"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == expected, "\(test): \(found.text)")
            }
            // Members and flags a version's enum lacks: flags without them (the zero member when none is
            // left), a member as the property's default where the enum has no unknownFutureValue.
            let arm = try await client.create(
                "/beta" + apps,
                ##"{"@odata.type":"#microsoft.graph.win32LobApp","applicableArchitectures":"x64,arm64","allowedArchitectures":"arm64","rules":[{"@odata.type":"#microsoft.graph.win32LobAppFileSystemRule","ruleType":"detection","operationType":"doesNotExist","path":"C:\\A"},{"@odata.type":"#microsoft.graph.win32LobAppFileSystemRule","ruleType":"detection","operationType":"exists","path":"C:\\B"}]}"##)
            let armV1 = try await client.send(.get, "/v1.0\(apps)/\(arm)").json
            #expect(armV1["applicableArchitectures"] as? String == "x64" && armV1["allowedArchitectures"] as? String == "none", "\(armV1)")
            let rules = armV1["rules"] as? [[String: Any]] ?? []
            #expect(rules.map { $0["operationType"] as? String } == ["notConfigured", "exists"], "\(rules)")
            #expect(rules.map { $0["path"] as? String } == ["C:\\A", "C:\\B"])
            let armBeta = try await client.send(.get, "/beta\(apps)/\(arm)").json
            #expect(armBeta["allowedArchitectures"] as? String == "arm64")
            #expect((armBeta["rules"] as? [[String: Any]])?.first?["operationType"] as? String == "doesNotExist")
            // The same in a page, read in place.
            let page = try await client.send(.get, "/v1.0\(apps)?$select=id,microsoft.graph.win32LobApp/installExperience")
            let rows = page.json["value"] as? [[String: Any]] ?? []
            #expect(rows.contains { ($0["installExperience"] as? [String: Any])?["runAsAccount"] != nil })
            #expect(!rows.contains { ($0["installExperience"] as? [String: Any])?["maxRunTimeInMinutes"] != nil })
        }
    }

    /// `$filter` finds what each version shows: flags inside complex values (kept as names) as masks,
    /// members and bits a version's enum lacks as that version shows them, dates inside complex values,
    /// and arithmetic alike on every backend: a division by zero null, the remainder of doubles (PostgreSQL
    /// failed such statements: answered 500).
    @Test func filtersFindWhatEachVersionShows() async throws {
        try await withApp { client in
            let apps = "/deviceAppManagement/mobileApps"
            let rule = { (type: String, operation: String) in
                ##"{"@odata.type":"#microsoft.graph.win32LobApp\##(type)Rule","ruleType":"detection","operationType":"\##(operation)"}"##
            }
            let fileRule = try await client.create(
                "/beta" + apps,
                ##"{"@odata.type":"#microsoft.graph.win32LobApp","applicableArchitectures":"x64,arm64","rules":[\##(rule("FileSystem", "doesNotExist"))],"detectionRules":[{"@odata.type":"#microsoft.graph.win32LobAppRegistryDetection","detectionType":"exists","operator":"greaterThanOrEqual"}]}"##)
            let registryRule = try await client.create(
                "/beta" + apps,
                ##"{"@odata.type":"#microsoft.graph.win32LobApp","applicableArchitectures":"x64","rules":[\##(rule("Registry", "doesNotExist"))]}"##)
            let vppResult = { (start: String) in
                ##"{"@odata.type":"#microsoft.graph.iosVppApp","revokeLicenseActionResults":[{"startDateTime":"\##(start)","actionState":"done"}]}"##
            }
            let vpp = try await client.create("/beta" + apps, vppResult("2021-05-01T10:00:00Z"))
            let vppLater = try await client.create("/beta" + apps, vppResult("2021-05-01T12:00:00.5+02:00"))  // 10:00:00.5Z
            let cases: [(version: String, filter: String, found: [String])] = [
                ("v1.0", "applicableArchitectures eq 'x64'", [fileRule, registryRule]),  // v1.0 shows x64,arm64 as x64
                ("beta", "applicableArchitectures eq 'x64'", [registryRule]),
                ("beta", "applicableArchitectures has 'arm64'", [fileRule]),
                ("beta", "detectionRules/any(d: d/operator eq 'greaterThanOrEqual')", [fileRule]),
                ("beta", "detectionRules/any(d: d/operator has 'equal')", [fileRule]),  // 5 = greaterThan | equal
                ("beta", "detectionRules/any(d: d/operator has 'notEqual')", []),
                ("beta", "detectionRules/any(d: d/operator in ('equal', 'greaterThanOrEqual'))", [fileRule]),
                // v1.0's file-system operations have no doesNotExist (shown as notConfigured); its registry ones have.
                ("v1.0", "rules/any(r: r/operationType eq 'notConfigured')", [fileRule]),
                ("beta", "rules/any(r: r/operationType eq 'notConfigured')", []),
                ("beta", "rules/any(r: r/operationType eq 'doesNotExist')", [fileRule, registryRule]),
                ("v1.0", "rules/any(r: r/operationType eq 'exists')", []),
                // A cast names the kind of rule: its members, null on the others (so `ne` holds there).
                ("v1.0", "rules/any(r: r/microsoft.graph.win32LobAppRegistryRule/operationType eq 'doesNotExist')", [registryRule]),
                ("v1.0", "rules/any(r: r/microsoft.graph.win32LobAppFileSystemRule/operationType eq 'notConfigured')", [fileRule]),
                ("beta", "rules/any(r: r/graph.win32LobAppFileSystemRule/operationType eq 'doesNotExist')", [fileRule]),
                ("beta", "rules/any(r: r/microsoft.graph.win32LobAppRegistryRule/operationType ne 'doesNotExist')", [fileRule]),
            ]
            for c in cases {
                let reply = try await client.send(
                    .get, "/\(c.version)\(apps)/microsoft.graph.win32LobApp?$select=id&$filter="
                        + c.filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
                let ids = (reply.json["value"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                #expect(Set(ids ?? ["(\(reply.status))"]) == Set(c.found), "\(c.version) \(c.filter): \(reply.text)")
            }
            let notDerived = try await client.send(
                .get, "/beta\(apps)/microsoft.graph.win32LobApp?$filter="
                    + "rules/any(r: r/microsoft.graph.webApp/appUrl eq 'x')".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(notDerived.status == 400 && notDerived.errorMessage.contains("is not a type derived from microsoft.graph.win32LobAppRule"))
            let operators = (try await client.send(.get, "/beta\(apps)/\(fileRule)").json["detectionRules"] as? [[String: Any]])?
                .map { $0["operator"] as? String }
            #expect(operators == ["greaterThanOrEqual"])  // as .NET names the flags value 5, not equal,greaterThan,…
            // Dates inside complex values are compared as instants, not as the text JSON keeps (`…00.5Z` < `…00Z`),
            // with literals and with columns, and the date functions take them apart.
            for (filter, found) in [
                ("revokeLicenseActionResults/any(r: r/startDateTime gt 2020-01-01T00:00:00Z)", [vpp, vppLater]),
                ("revokeLicenseActionResults/any(r: r/startDateTime lt 2020-01-01T00:00:00Z)", []),
                ("revokeLicenseActionResults/any(r: r/startDateTime gt 2021-05-01T10:00:00Z)", [vppLater]),
                ("revokeLicenseActionResults/any(r: r/startDateTime lt 2021-05-01T10:00:00.5Z)", [vpp]),
                ("revokeLicenseActionResults/any(r: r/startDateTime eq 2021-05-01T11:00:00.5+01:00)", [vppLater]),
                ("revokeLicenseActionResults/any(r: r/startDateTime lt createdDateTime)", [vpp, vppLater]),
                ("revokeLicenseActionResults/any(r: year(r/startDateTime) eq 2021 and hour(r/startDateTime) eq 10)", [vpp, vppLater]),
                ("revokeLicenseActionResults/any(r: fractionalseconds(r/startDateTime) eq 0.5)", [vppLater]),
                ("revokeLicenseActionResults/any(r: date(r/startDateTime) eq 2021-05-01)", [vpp, vppLater]),
            ] {
                let reply = try await client.send(
                    .get, "/beta\(apps)/microsoft.graph.iosVppApp?$select=id&$filter=" + filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
                let ids = (reply.json["value"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                #expect(Set(ids ?? ["(\(reply.status))"]) == Set(found), "\(filter): \(reply.text)")
            }
            let divided = try await client.send(.get, "/beta\(apps)?$filter=" + "dependentAppCount div 0 eq 0".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(divided.status == 200 && (divided.json["value"] as? [Any])?.isEmpty == true, "\(divided.text)")
            // The remainder of doubles, as .NET has it (SQLite's `%` truncated 2.5 to 2; PostgreSQL has no `%` for them: 500).
            for (filter, all) in [("(dependentAppCount add 5) mod 2.5 eq 0", true), ("(dependentAppCount add 5) mod 3.0 eq 2", true),
                ("(dependentAppCount add 5) mod 2.5 eq 1", false), ("(dependentAppCount sub 5) mod 3.0 eq -2", true)]
            {
                let reply = try await client.send(.get, "/beta\(apps)?$filter=" + filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
                #expect(reply.status == 200 && (reply.json["value"] as? [Any])?.count == (all ? 4 : 0), "\(filter): \(reply.text)")
            }
            // Beyond 64 bits, on every backend: a 400 that says so, not a 500 (nor, on SQLite, a real).
            let huge = try await client.send(
                .get, "/beta\(apps)?$filter=" + "(dependentAppCount add 1) mul 9223372036854775807 mul 2 gt 1".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(huge.status == 400 && huge.errorMessage.contains("a number out of range"), "\(huge.text)")
        }
    }

    @Test func typeCastSegmentsNarrowCollections() async throws {
        try await withApp { client in
            let web = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.webApp)
            let ios = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let cast = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/microsoft.graph.webApp")
            let ids = (cast.json["value"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == [web])
            let count = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/$count")
            #expect(count.text == "2")
            #expect(count.header("Content-Type")?.hasPrefix("text/plain") == true)
            let apps = "/beta/deviceAppManagement/mobileApps"
            _ = try await client.create("\(apps)/\(ios)/userStatuses", #"{"userName":"Ada"}"#)
            _ = try await client.create("\(apps)/\(web)/userStatuses", #"{"userName":"Bea"}"#)
            // An entity cast to a type it is not of is not at that path, nor is anything it contains;
            // a cast before the key narrows as one after it does.
            for (method, path, body, status) in [
                (HTTPRequest.Method.get, "\(apps)/\(ios)/microsoft.graph.webApp", nil as String?, 404),
                (.get, "\(apps)/microsoft.graph.webApp/\(ios)", nil, 404),
                (.patch, "\(apps)/microsoft.graph.webApp/\(ios)", #"{"notes":"x"}"#, 404),
                (.delete, "\(apps)/microsoft.graph.webApp/\(ios)", nil, 404),
                (.get, "\(apps)/\(ios)/microsoft.graph.webApp/userStatuses", nil, 404),
                (.get, "\(apps)/microsoft.graph.webApp/\(ios)/userStatuses", nil, 404),
                (.get, "\(apps)/\(ios)/microsoft.graph.webApp/userStatuses/$count", nil, 404),
                (.get, "\(apps)/\(ios)/microsoft.graph.webApp/installSummary", nil, 404),
                (.post, "\(apps)/\(ios)/microsoft.graph.webApp/userStatuses", #"{"userName":"Cy"}"#, 404),
                (.post, "\(apps)/\(ios)/microsoft.graph.webApp/deviceStatuses", #"{"deviceName":"PC"}"#, 404),
                (.get, "\(apps)/\(web)/graph.webApp", nil, 200),
                (.get, "\(apps)/graph.webApp/\(web)", nil, 200),
                (.get, "\(apps)/\(web)/microsoft.graph.webApp/userStatuses", nil, 200),
                (.get, "\(apps)/microsoft.graph.webApp/\(web)/userStatuses", nil, 200),
                (.get, "\(apps)/\(web)/microsoft.graph.webApp/installSummary", nil, 200),
                (.get, "\(apps)/\(ios)/microsoft.graph.mobileLobApp/userStatuses", nil, 200),
            ] {
                let reply = try await client.send(method, path, json: body)
                #expect(reply.status == status, "\(method) \(path): \(reply.text)")
                if status == 404 { #expect(reply.error["code"] as? String == "ResourceNotFound", "\(path)") }
            }
            let statuses = try await client.send(.get, "\(apps)/\(ios)/userStatuses")
            #expect((statuses.json["value"] as? [Any])?.count == 1, "a refused create stores nothing: \(statuses.text)")
            // `@odata.context` names a cast as OData JSON §10 writes it: the target's after its collection, a container's after its key.
            for (path, context) in [
                ("\(apps)/microsoft.graph.webApp", "mobileApps/microsoft.graph.webApp"),
                ("\(apps)/\(web)/microsoft.graph.webApp", "mobileApps/microsoft.graph.webApp/$entity"),
                ("\(apps)/microsoft.graph.webApp/\(web)?$select=displayName", "mobileApps/microsoft.graph.webApp(displayName)/$entity"),
                ("\(apps)/\(web)/microsoft.graph.webApp/userStatuses", "mobileApps('\(web)')/microsoft.graph.webApp/userStatuses"),
                ("\(apps)/\(web)/microsoft.graph.webApp/installSummary", "mobileApps('\(web)')/microsoft.graph.webApp/installSummary/$entity"),
                ("\(apps)/microsoft.graph.mobileApp", "mobileApps"),
            ] {
                let reply = try await client.send(.get, path)
                #expect(reply.json["@odata.context"] as? String == "https://graph.test/beta/$metadata#deviceAppManagement/\(context)", "\(path): \(reply.text)")
            }
        }
    }

    @Test func betaOnlyTypesAreHiddenFromV1() async throws {
        try await withApp { client in
            let android = try await client.create(
                "/beta/deviceAppManagement/mobileAppConfigurations",
                ##"{"@odata.type":"#microsoft.graph.androidManagedStoreAppConfiguration","displayName":"Android"}"##)
            let ios = try await client.create("/beta/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
            let v1 = try await client.send(.get, "/v1.0/deviceAppManagement/mobileAppConfigurations")
            #expect((v1.json["value"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ios])
            let beta = try await client.send(.get, "/beta/deviceAppManagement/mobileAppConfigurations")
            #expect((beta.json["value"] as? [Any])?.count == 2)
            let refused = try await client.send(
                .post, "/v1.0/deviceAppManagement/mobileAppConfigurations",
                json: ##"{"@odata.type":"#microsoft.graph.androidManagedStoreAppConfiguration","displayName":"Android"}"##)
            #expect(refused.status == 400)
            // What a configuration v1.0 does not show contains is not there in v1.0 either.
            let configurations = "deviceAppManagement/mobileAppConfigurations/\(android)"
            _ = try await client.create("/beta/\(configurations)/deviceStatuses", #"{"deviceDisplayName":"PC","status":"compliant"}"#)
            for (version, method, path, body, status) in [
                ("v1.0", HTTPRequest.Method.get, "", nil as String?, 404),
                ("v1.0", .get, "/deviceStatuses", nil, 404),
                ("v1.0", .get, "/deviceStatuses/$count", nil, 404),
                ("v1.0", .get, "/deviceStatusSummary", nil, 404),
                ("v1.0", .post, "/deviceStatuses", #"{"deviceDisplayName":"PC2"}"#, 404),
                ("v1.0", .post, "/userStatuses", #"{"userDisplayName":"Ada"}"#, 404),
                ("beta", .get, "/deviceStatuses", nil, 200),
                ("beta", .get, "/deviceStatusSummary", nil, 200),
            ] {
                let reply = try await client.send(method, "/\(version)/\(configurations)\(path)", json: body)
                #expect(reply.status == status, "\(version) \(method) \(path): \(reply.text)")
            }
            let statuses = try await client.send(.get, "/beta/\(configurations)/deviceStatuses")
            #expect((statuses.json["value"] as? [Any])?.count == 1, "\(statuses.text)")
        }
    }

    @Test func serverDrivenPagingFollowsNextLink() async throws {
        try await withApp(configure: { $0.limits.pageSize = 3 }) { client in
            let cfg = try await client.create("/v1.0/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
            var created: Set<String> = []
            for i in 0..<8 {
                created.insert(
                    try await client.create(
                        "/v1.0/deviceAppManagement/mobileAppConfigurations/\(cfg)/deviceStatuses", #"{"deviceDisplayName":"d\#(i)"}"#))
            }
            var seen: [String] = []
            var next: String? = "/v1.0/deviceAppManagement/mobileAppConfigurations/\(cfg)/deviceStatuses"
            var pages = 0
            while let uri = next {
                let page = try await client.send(.get, uri)
                #expect(page.status == 200, "\(page.text)")
                seen += (page.json["value"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                next = (page.json["@odata.nextLink"] as? String).map { $0.replacingOccurrences(of: "https://graph.test", with: "") }
                pages += 1
            }
            #expect(pages == 3)
            #expect(seen.count == 8 && Set(seen) == created)
            let tampered = try await client.send(
                .get, "/v1.0/deviceAppManagement/mobileAppConfigurations/\(cfg)/deviceStatuses?$skiptoken=garbage")
            #expect(tampered.status == 400)
            let unsupported = try await client.send(.get, "/v1.0/deviceAppManagement/mobileApps?%24search=x")
            #expect(unsupported.status == 400)
        }
    }
}

/// The methods the table tests use, with a name that reads well in arguments.
enum HTTPRequestMethod: Equatable {
    case get, post, put, patch, delete
    var method: HTTPRequest.Method {
        switch self {
        case .get: return .get
        case .post: return .post
        case .put: return .put
        case .patch: return .patch
        case .delete: return .delete
        }
    }
}

import HTTPTypes
