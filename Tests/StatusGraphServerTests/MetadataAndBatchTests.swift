import Foundation
import HummingbirdTesting
import Testing

@Suite struct MetadataAndBatchTests {
    @Test func metadataPerVersion() async throws {
        try await withApp { client in
            let beta = try await client.send(.get, "/beta/$metadata")
            #expect(beta.status == 200)
            #expect(beta.header("Content-Type")?.hasPrefix("application/xml") == true)
            for line in [
                #"<Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">"#,
                #"<EntityType Name="mobileAppInstallStatus" BaseType="microsoft.graph.entity">"#,
                #"<Property Name="installState" Type="microsoft.graph.resultantAppState" Nullable="false"/>"#,
                #"<NavigationProperty Name="userStatuses" Type="Collection(microsoft.graph.userAppInstallStatus)" ContainsTarget="true"/>"#,
                #"<NavigationProperty Name="installSummary" Type="microsoft.graph.mobileAppInstallSummary" Nullable="false" ContainsTarget="true"/>"#,
                #"<EnumType Name="windowsArchitecture" UnderlyingType="Edm.Int32" IsFlags="true">"#,
                #"<Member Name="unknown" Value="99"/>"#,
                #"<Singleton Name="deviceAppManagement" Type="microsoft.graph.deviceAppManagement"/>"#,
                #"<EntityType Name="mobileLobApp" BaseType="microsoft.graph.mobileApp" Abstract="true">"#,
            ] {
                #expect(beta.text.contains(line), "beta $metadata lacks \(line)")
            }
            let v1 = try await client.send(.get, "/v1.0/$metadata")
            #expect(!v1.text.contains("userAppInstallStatus"))
            #expect(v1.text.contains(#"<EntityType Name="managedDeviceMobileAppConfigurationUserSummary""#))
            let root = try await client.send(.get, "/v1.0/")
            #expect(root.json["@odata.context"] as? String == "https://graph.test/v1.0/$metadata")
            #expect((root.json["value"] as? [[String: Any]])?.first?["name"] as? String == "deviceAppManagement")
            #expect(try await client.send(.post, "/v1.0/$metadata", json: "{}").status == 405)
            // In a batch, the CSDL is a string and the OpenAPI description a JSON object, as its JSON answers are.
            let batch = try await client.send(
                .post, "/beta/$batch",
                json: #"{"requests":[{"id":"x","method":"GET","url":"/$metadata"},{"id":"o","method":"GET","url":"/$openapi"}]}"#)
            let parts = Dictionary(
                (batch.json["responses"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            #expect((parts["x"]?["body"] as? String)?.hasPrefix("<?xml") == true)
            #expect((parts["o"]?["body"] as? [String: Any])?["openapi"] as? String == "3.0.4")
            #expect((parts["o"]?["headers"] as? [String: Any])?["Content-Type"] as? String == "application/json;charset=utf-8")
        }
    }

    @Test func batchRunsRequestsWithDependencies() async throws {
        try await withApp { client in
            let cfg = try await client.create("/v1.0/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
            let base = "/deviceAppManagement/mobileAppConfigurations/\(cfg)"
            var requests: [String] = []
            for i in 1...17 {
                requests.append(#"{"id":"\#(i)","method":"POST","url":"\#(base)/userStatuses","headers":{"Content-Type":"application/json"},"body":{"status":"compliant","userPrincipalName":"u\#(i)@contoso.com"}}"#)
            }
            requests.append(#"{"id":"bad","method":"POST","url":"\#(base)/userStatuses","headers":{"Content-Type":"application/json"},"body":{"status":"String"}}"#)
            requests.append(#"{"id":"after-bad","dependsOn":["bad"],"method":"GET","url":"\#(base)/userStatuses"}"#)
            requests.append(#"{"id":"summary","dependsOn":["17"],"method":"GET","url":"\#(base)/userStatusSummary"}"#)
            let reply = try await client.send(.post, "/v1.0/$batch", json: #"{"requests":[\#(requests.joined(separator: ","))]}"#)
            #expect(reply.status == 200, "\(reply.text)")
            let responses = reply.json["responses"] as? [[String: Any]] ?? []
            #expect(responses.count == 20)
            var byID: [String: [String: Any]] = [:]
            for r in responses { byID[r["id"] as? String ?? ""] = r }
            #expect(byID["1"]?["status"] as? Int == 201)
            #expect(((byID["1"]?["body"] as? [String: Any])?["userPrincipalName"] as? String) == "u1@contoso.com")
            #expect(((byID["1"]?["headers"] as? [String: Any])?["Location"] as? String)?.contains("/userStatuses('") == true)
            // Each part carries the headers its request would be answered with alone, as Graph's do.
            let odataJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
            for id in ["1", "bad", "summary"] {
                let headers = byID[id]?["headers"] as? [String: Any]
                #expect(headers?["Content-Type"] as? String == odataJSON, "part \(id)")
                #expect(headers?["OData-Version"] as? String == "4.0", "part \(id)")
                #expect(headers?["Cache-Control"] as? String == "no-cache", "part \(id)")
            }
            #expect(byID["bad"]?["status"] as? Int == 400)
            #expect((((byID["bad"]?["body"] as? [String: Any])?["error"]) as? [String: Any])?["target"] as? String == "status")
            #expect(byID["after-bad"]?["status"] as? Int == 424)
            #expect(byID["summary"]?["status"] as? Int == 200)
            #expect(((byID["summary"]?["body"] as? [String: Any])?["successCount"] as? Int) == 17)
        }
    }

    /// Creates in one collection are stored together, yet each part keeps its own answer: its body's
    /// errors, its Content-Type, its Prefer header; a missing container fails every create in it; paths
    /// that name no collection answer as they do outside a batch.
    @Test func createsInOneCollectionKeepTheirOwnAnswers() async throws {
        try await withApp { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.webApp)
            let statuses = "/deviceAppManagement/mobileApps/\(app)/deviceStatuses"
            let missing = "/deviceAppManagement/mobileApps/00000000-0000-0000-0000-000000000000/deviceStatuses"
            func part(_ id: String, _ url: String, body: String = #"{"installState":"failed","deviceName":"D"}"#, headers: String = #""Content-Type":"application/json""#) -> String {
                #"{"id":"\#(id)","method":"POST","url":"\#(url)","headers":{\#(headers)},"body":\#(body)}"#
            }
            let parts = [
                part("a", statuses), part("b", statuses, body: #"{"installState":"installed","deviceName":"B"}"#),
                part("minimal", statuses, headers: #""Content-Type":"application/json","Prefer":"return=minimal""#),
                part("xml", statuses, headers: #""Content-Type":"application/xml""#),
                part("unknown", statuses, body: #"{"installState":"failed","colour":"red"}"#),
                part("versioned", "/beta" + statuses),
                part("orphan1", missing), part("orphan2", missing),
                part("entity1", "/deviceAppManagement/mobileApps/\(app)"), part("entity2", "/deviceAppManagement/mobileApps/\(app)"),
                part("nowhere1", "/deviceAppManagement/nothingHere"), part("nowhere2", "/deviceAppManagement/nothingHere"),
                #"{"id":"summary","dependsOn":["a","b","minimal","versioned"],"method":"GET","url":"/deviceAppManagement/mobileApps/\#(app)/installSummary"}"#,
            ]
            let reply = try await client.send(.post, "/beta/$batch", json: #"{"requests":[\#(parts.joined(separator: ","))]}"#)
            #expect(reply.status == 200, "\(reply.text)")
            var byID: [String: [String: Any]] = [:]
            for r in reply.json["responses"] as? [[String: Any]] ?? [] { byID[r["id"] as? String ?? ""] = r }
            func status(_ id: String) -> Int? { byID[id]?["status"] as? Int }
            func body(_ id: String) -> [String: Any] { byID[id]?["body"] as? [String: Any] ?? [:] }
            func header(_ id: String, _ name: String) -> String? { (byID[id]?["headers"] as? [String: Any])?[name] as? String }
            let expected = [
                "a": 201, "b": 201, "minimal": 204, "xml": 415, "unknown": 400, "versioned": 201, "orphan1": 404, "orphan2": 404,
                "entity1": 405, "entity2": 405, "nowhere1": 400, "nowhere2": 400, "summary": 200,
            ]
            for (id, code) in expected { #expect(status(id) == code, "\(id): \(byID[id] ?? [:])") }
            #expect(body("b")["installState"] as? String == "installed" && body("b")["deviceName"] as? String == "B")
            #expect(body("a")["@odata.context"] as? String == "https://graph.test/beta/$metadata#deviceAppManagement/mobileApps('\(app)')/deviceStatuses/$entity")
            let locations = ["a", "b", "minimal", "versioned"].compactMap { header($0, "Location") }
            #expect(Set(locations).count == 4)
            #expect(header("minimal", "Preference-Applied") == "return=minimal")
            #expect(((body("unknown")["error"] as? [String: Any])?["target"] as? String) == "colour")
            #expect(((body("orphan1")["error"] as? [String: Any])?["message"] as? String)?.contains("does not exist") == true)
            #expect(body("summary")["failedDeviceCount"] as? Int == 3)
            #expect(body("summary")["installedDeviceCount"] as? Int == 1)
            let list = try await client.send(.get, "/beta\(statuses)")
            #expect((list.json["value"] as? [[String: Any]])?.count == 4)
        }
    }

    /// Header names and `dependsOn` ids match without regard to case, as HTTP headers and Graph's ids do.
    @Test func batchHeadersAndDependenciesIgnoreCase() async throws {
        try await withApp { client in
            let cfg = try await client.create("/v1.0/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
            let base = "/deviceAppManagement/mobileAppConfigurations/\(cfg)"
            let body = #"{"requests":["#
                + #"{"id":"Make","method":"POST","url":"\#(base)/userStatuses","headers":{"CONTENT-TYPE":"application/json","PREFER":"return=minimal"},"body":{"status":"compliant"}},"#
                + #"{"id":"list","dependsOn":["mAKE"],"method":"GET","url":"\#(base)/userStatuses"}]}"#
            let reply = try await client.send(.post, "/v1.0/$batch", json: body)
            #expect(reply.status == 200, "\(reply.text)")
            var byID: [String: [String: Any]] = [:]
            for r in reply.json["responses"] as? [[String: Any]] ?? [] { byID[r["id"] as? String ?? ""] = r }
            #expect(byID["Make"]?["status"] as? Int == 204, "\(reply.text)")
            #expect(((byID["Make"]?["headers"] as? [String: Any])?["Preference-Applied"] as? String) == "return=minimal")
            #expect(byID["list"]?["status"] as? Int == 200)
            #expect(((byID["list"]?["body"] as? [String: Any])?["value"] as? [Any])?.count == 1)
        }
    }

    /// Absolute part URLs under the batch's own root are read as relative ones, whatever the host: OData
    /// allows them, and the Python SDK's BatchRequestContent sends its parts' full URLs.
    @Test func absolutePartURLsUnderTheBatchRootAreAccepted() async throws {
        try await withApp { client in
            let cfg = try await client.create("/v1.0/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
            let base = "http://127.0.0.1:8080/v1.0/deviceAppManagement/mobileAppConfigurations/\(cfg)"
            let body = #"{"requests":["#
                + #"{"id":"1","method":"POST","url":"\#(base)/userStatuses","depends_on":[],"headers":{"content-type":"application/json"},"body":{"status":"error"}},"#
                + #"{"id":"2","method":"GET","url":"https://graph.microsoft.com/v1.0/deviceAppManagement/mobileAppConfigurations/\#(cfg)/userStatuses?%24count=true&%24select=status","dependsOn":["1"]}]}"#
            let reply = try await client.send(.post, "/v1.0/$batch", json: body)
            #expect(reply.status == 200, "\(reply.text)")
            var byID: [String: [String: Any]] = [:]
            for r in reply.json["responses"] as? [[String: Any]] ?? [] { byID[r["id"] as? String ?? ""] = r }
            #expect(byID["1"]?["status"] as? Int == 201, "\(reply.text)")
            let list = byID["2"]?["body"] as? [String: Any]
            #expect(byID["2"]?["status"] as? Int == 200 && list?["@odata.count"] as? Int == 1, "\(reply.text)")
        }
    }

    /// A relative part URL is relative however its query reads: `://` inside a `$filter` literal is no scheme.
    @Test func aRelativePartURLMayHoldASchemeInItsQuery() async throws {
        try await withApp { client in
            _ = try await client.create("/beta/deviceAppManagement/mobileApps", ##"{"@odata.type":"#microsoft.graph.webApp","displayName":"Portal","appUrl":"https://portal.contoso.com"}"##)
            let body = #"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement/mobileApps?$filter=microsoft.graph.webApp/appUrl eq 'https://portal.contoso.com'&$select=displayName"}]}"#
            let reply = try await client.send(.post, "/beta/$batch", json: body)
            let part = (reply.json["responses"] as? [[String: Any]])?.first
            #expect(part?["status"] as? Int == 200, "\(reply.text)")
            let names = ((part?["body"] as? [String: Any])?["value"] as? [[String: Any]])?.compactMap { $0["displayName"] as? String }
            #expect(names == ["Portal"], "\(reply.text)")
        }
    }

    @Test(arguments: [
        (#"{"requests":[]}"#, "no requests"),
        (#"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement"},{"id":"1","method":"GET","url":"/deviceAppManagement"}]}"#, "more than once"),
        (#"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement","dependsOn":["9"]}]}"#, "not another request"),
        (#"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement","dependsOn":["Nine"]}]}"#, "depends on 'Nine'"),
        (#"{"requests":[{"id":"One","method":"GET","url":"/deviceAppManagement","dependsOn":["one"]}]}"#, "not another request"),
        (#"{"requests":[{"method":"GET","url":"/deviceAppManagement"}]}"#, "no 'id'"),
        (#"{"requests":[{"id":1,"method":"GET","url":"/deviceAppManagement"}]}"#, "an 'id' that is not a string"),
        (#"{"requests":[{"id":"","method":"GET","url":"/deviceAppManagement"}]}"#, "an empty 'id'"),
        (#"{"requests":[{"id":"1","method":"POST","url":"/deviceAppManagement/mobileApps","body":{}}]}"#, "no Content-Type"),
        (#"{"requests":[{"id":"1","method":"GET","url":"https://elsewhere.example/x"}]}"#, "relative"),
        (#"{"requests":[{"id":"1","method":"GET","url":"https://graph.microsoft.com/v1.0/deviceAppManagement"}]}"#, "under this batch's root (…/beta/…)"),
        (#"{"requests":[{"id":"1","method":"GET","url":"ftp://graph.microsoft.com/beta/deviceAppManagement"}]}"#, "relative"),
        (#"{"requests":[{"id":"1","method":"GET","url":"HTTPS://elsewhere.example/beta"}]}"#, "relative"),
        (#"{"requests":[{"id":"1","method":"GET","url":"svn+ssh://graph.microsoft.com/beta/deviceAppManagement"}]}"#, "relative"),
        (#"{"requests":[{"id":"a","method":"GET","url":"/deviceAppManagement","dependsOn":["b"]},{"id":"b","method":"GET","url":"/deviceAppManagement","dependsOn":["a"]}]}"#, "cycle"),
        (#"{"nothing":1}"#, "'requests' array"),
    ])
    func malformedBatchesAre400(body: String, phrase: String) async throws {
        try await withApp { client in
            let reply = try await client.send(.post, "/beta/$batch", json: body)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.errorMessage.contains(phrase), "\(reply.errorMessage)")
        }
    }

    @Test func batchOfMoreThanTwentyIs400() async throws {
        try await withApp { client in
            let parts = (1...21).map { #"{"id":"\#($0)","method":"GET","url":"/deviceAppManagement"}"# }
            let reply = try await client.send(.post, "/beta/$batch", json: #"{"requests":[\#(parts.joined(separator: ","))]}"#)
            #expect(reply.status == 400)
            #expect(reply.errorMessage.contains("at most 20"))
        }
    }
}
