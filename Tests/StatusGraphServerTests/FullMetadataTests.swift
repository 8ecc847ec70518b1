import Foundation
import HTTPTypes
import ODataCore
import Testing

@testable import StatusGraphServer

/// `odata.metadata=full`: each answer kind compared with `Golden/full-metadata.json` (ids and times
/// masked; `STATUSGRAPH_UPDATE_GOLDEN=1` rewrites it), and every link it writes followed.
@Suite struct FullMetadataTests {
    static let full = ["Accept": "application/json;odata.metadata=full"]

    /// A store with an app of complex values, a status of each kind and a configuration with a status.
    static func populate(_ client: Client) async throws -> (app: String, configuration: String) {
        let apps = "/beta/deviceAppManagement/mobileApps"
        let app = try await client.create(
            apps,
            ##"{"@odata.type":"#microsoft.graph.win32LobApp","displayName":"Tool","size":9007199254740993,"applicableArchitectures":"x64","##
                + ##""rules":[{"@odata.type":"#microsoft.graph.win32LobAppFileSystemRule","ruleType":"detection","path":"C:\\Tool","##
                + ##""fileOrFolderName":"tool.exe","check32BitOn64System":false,"operationType":"exists","operator":"notConfigured"}],"##
                + ##""minimumSupportedOperatingSystem":{"v10_1607":true}}"##)
        let user = try await client.create("\(apps)/\(app)/userStatuses", #"{"userName":"Ada","installedDeviceCount":1}"#)
        _ = try await client.create(
            "\(apps)/\(app)/userStatuses/\(user)/deviceStatuses",
            #"{"deviceName":"PC-1","installState":"installed","lastSyncDateTime":"2026-01-02T03:04:05Z"}"#)
        _ = try await client.create(
            "\(apps)/\(app)/deviceStatuses", #"{"deviceName":"PC-2","installState":"failed","errorCode":-2016345060}"#)
        let configuration = try await client.create("/beta/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
        _ = try await client.create(
            "/beta/deviceAppManagement/mobileAppConfigurations/\(configuration)/deviceStatuses",
            #"{"deviceDisplayName":"PC-3","status":"compliant","lastReportedDateTime":"2026-01-02T03:04:05Z"}"#)
        return (app, configuration)
    }

    @Test func eachAnswerMatchesItsGoldenJSON() async throws {
        let actual: [String: String] = try await withApp { client in
            let (app, configuration) = try await Self.populate(client)
            let apps = "/beta/deviceAppManagement/mobileApps"
            let configurations = "/beta/deviceAppManagement/mobileAppConfigurations"
            var out: [String: String] = [:]
            for (name, method, path, body, headers, status) in [
                ("singleton", HTTPRequest.Method.get, "/beta/deviceAppManagement", nil, Self.full, 200),
                ("entity with expansions", .get, "\(apps)/\(app)?$expand=userStatuses($expand=deviceStatuses),installSummary", nil, Self.full, 200),
                // Under `$select`, links only for the navigations expanded (and theirs by their own `$select`).
                ("selected, one navigation expanded", .get, "\(apps)/\(app)?$select=displayName&$expand=userStatuses($select=userName)", nil, Self.full, 200),
                // A navigation named in `$select` gets its link, expanded or not, at each level.
                (
                    "navigations selected", .get,
                    "\(apps)/\(app)?$select=displayName,installSummary&$expand=userStatuses($select=userName,deviceStatuses)", nil, Self.full, 200
                ),
                ("page counted, by a cast", .get, "\(apps)/microsoft.graph.win32LobApp?$count=true&$select=displayName,size,rules", nil, Self.full, 200),
                ("page of device statuses", .get, "\(apps)/\(app)/deviceStatuses", nil, Self.full, 200),
                ("summary", .get, "\(configurations)/\(configuration)/deviceStatusSummary", nil, Self.full, 200),
                ("configuration page", .get, "\(configurations)/\(configuration)/deviceStatuses", nil, Self.full, 200),
                (
                    "IEEE754Compatible", .get, "\(apps)/\(app)?$select=size", nil,
                    ["Accept": "application/json;odata.metadata=full;IEEE754Compatible=true"], 200
                ),
                ("$format", .get, "\(apps)/\(app)?$select=applicableArchitectures&$format=application/json;odata.metadata=full", nil, [:], 200),
                ("create", .post, "\(apps)/\(app)/deviceStatuses", #"{"deviceName":"PC-4","installState":"pendingInstall"}"#, Self.full, 201),
                ("update", .patch, "\(apps)/\(app)", #"{"notes":"patched"}"#, Self.full, 200),
            ] {
                let reply = try await client.send(method, path, json: body, headers: headers)
                #expect(reply.status == status, "\(name): \(reply.text)")
                #expect(reply.header("Content-Type")?.hasPrefix("application/json;odata.metadata=full;") == true, "\(name)")
                out[name] = Self.mask(reply.text)
            }
            return out
        }
        let file = GoldenEntityTests.goldenDirectory.appendingPathComponent("full-metadata.json")
        if ProcessInfo.processInfo.environment["STATUSGRAPH_UPDATE_GOLDEN"] == "1" {
            let data = try JSONSerialization.data(withJSONObject: actual, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try data.write(to: file)
        }
        let golden = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: String], "missing \(file.path)")
        #expect(Set(golden.keys) == Set(actual.keys))
        for (key, json) in actual.sorted(by: { $0.key < $1.key }) {
            #expect(golden[key] == json, "\(key) differs from \(file.lastPathComponent)")
        }
    }

    /// One entity of every type of each version, each summary and the singleton, in full metadata: each
    /// annotation immediately before what it annotates, each entity's id and edit link after its type, and
    /// nothing else added: without them each answer is its minimal golden (`GoldenEntityTests`).
    @Test(arguments: ["v1.0", "beta"])
    func everyTypeIsItsMinimalAnswerAnnotated(version: String) async throws {
        let replies = try await withApp { client in try await GoldenEntityTests.oneOfEachType(client, version: version, headers: Self.full) }
        let file = GoldenEntityTests.goldenDirectory.appendingPathComponent("\(version).json")
        let golden = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: String])
        #expect(Set(replies.keys) == Set(golden.keys))
        for (key, reply) in replies {
            #expect(reply.header("Content-Type")?.hasPrefix("application/json;odata.metadata=full;") == true, "\(key)")
            #expect(reply.text.contains(#""@odata.id":"#) && reply.text.contains(#""@odata.editLink":"#), "\(key)")
            let value = try JSONParser.parse(Array(reply.text.utf8))
            Self.checkAnnotationsPrecede(value, key)
            var w = JSONWriter()
            w.json(Self.withoutFullMetadata(value))
            #expect(GoldenEntityTests.mask(String(decoding: w.bytes, as: UTF8.self)) == golden[key], "\(key)")
        }
    }

    /// Checks, at every depth, that a property annotation comes right before its property (a navigation's
    /// link may stand alone, its navigation not expanded; an expanded collection's next link comes right
    /// after it, known once its members are written, as Microsoft.OData.Core writes it too), and an
    /// entity's id and edit link right after its type.
    static func checkAnnotationsPrecede(_ value: JSONValue, _ key: String) {
        switch value {
        case .object(let o):
            let keys = o.members.map(\.key)
            for (i, name) in keys.enumerated() {
                guard let at = name.firstIndex(of: "@"), at != name.startIndex else { continue }
                let property = String(name[..<at])
                if name.hasSuffix("@odata.nextLink") {
                    #expect(i > 0 && keys[i - 1] == property, "\(key): \(name) does not follow what it annotates")
                } else if !name.hasSuffix("@odata.navigationLink") {
                    #expect(i + 1 < keys.count && keys[i + 1] == property, "\(key): \(name) is not followed by what it annotates")
                }
                if name == "@odata.type", o["id"] != nil {
                    #expect(Array(keys[(i + 1)...].prefix(2)) == ["@odata.id", "@odata.editLink"], "\(key): \(keys)")
                }
            }
            o.members.forEach { checkAnnotationsPrecede($0.value, key) }
        case .array(let items): items.forEach { checkAnnotationsPrecede($0, key) }
        case .null, .bool, .number, .string: break
        }
    }

    /// `value` without what full metadata adds to minimal: ids, edit links, navigation links, property types.
    static func withoutFullMetadata(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            return .object(
                JSONObject(
                    o.members.compactMap { member in
                        let added = ["@odata.id", "@odata.editLink"].contains(member.key) || member.key.hasSuffix("@odata.navigationLink")
                            || (member.key.hasSuffix("@odata.type") && member.key != "@odata.type")
                        return added ? nil : (member.key, withoutFullMetadata(member.value))
                    }))
        case .array(let items): return .array(items.map(withoutFullMetadata))
        case .null, .bool, .number, .string: return value
        }
    }

    /// Every `@odata.id`, `@odata.editLink` and navigation link an answer in full metadata writes is
    /// followed: an entity's links answer that entity, a navigation's its collection or summary.
    @Test func everyLinkLeadsWhereItSays() async throws {
        try await withApp { client in
            let (app, _) = try await Self.populate(client)
            var links: [(url: String, id: String?)] = []
            func collect(_ value: Any) {
                if let object = value as? [String: Any] {
                    for (key, member) in object {
                        if key == "@odata.id" || key == "@odata.editLink" { links.append((member as! String, object["id"] as? String)) }
                        if key.hasSuffix("@odata.navigationLink") { links.append((member as! String, nil)) }
                        collect(member)
                    }
                } else if let items = value as? [Any] {
                    items.forEach(collect)
                }
            }
            for path in [
                "/beta/deviceAppManagement?$expand=mobileApps,mobileAppConfigurations",
                "/beta/deviceAppManagement/mobileApps/\(app)?$expand=userStatuses($expand=deviceStatuses),deviceStatuses,installSummary",
                "/v1.0/deviceAppManagement/mobileAppConfigurations?$expand=deviceStatuses,userStatusSummary",
            ] {
                let reply = try await client.send(.get, path, headers: Self.full)
                #expect(reply.status == 200, "\(path): \(reply.text)")
                collect(reply.json)
            }
            #expect(links.count > 30)
            for (url, id) in links {
                let path = try #require(URLComponents(string: url)?.percentEncodedPath)
                let reply = try await client.send(.get, path)
                #expect(reply.status == 200, "\(url): \(reply.text)")
                if let id { #expect(reply.json["id"] as? String == id, "\(url)") }
            }
        }
    }

    /// A batch's request answered in full metadata, a create among a batch's creates too.
    @Test func batchRequestsInFullMetadata() async throws {
        try await withApp { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let url = "/deviceAppManagement/mobileApps/\(app)/deviceStatuses"
            let headers = #""headers":{"Content-Type":"application/json","Accept":"application/json;odata.metadata=full"}"#
            let create = { (id: String) in
                #"{"id":"\#(id)","method":"POST","url":"\#(url)",\#(headers),"body":{"deviceName":"PC\#(id)","installState":"failed"}}"#
            }
            let batch = try await client.send(
                .post, "/beta/$batch",
                json: #"{"requests":[\#(create("1")),\#(create("2")),{"id":"3","method":"GET","url":"/deviceAppManagement/mobileApps/\#(app)",\#(headers)}]}"#)
            let responses = batch.json["responses"] as? [[String: Any]] ?? []
            #expect(responses.count == 3)
            for response in responses {
                let body = response["body"] as? [String: Any] ?? [:]
                let id = body["id"] as? String ?? "?"
                #expect((response["headers"] as? [String: String])?["Content-Type"]?.hasPrefix("application/json;odata.metadata=full;") == true)
                #expect((body["@odata.id"] as? String)?.hasSuffix("('\(id)')") == true, "\(body)")
                #expect(body.keys.filter { $0 == "@odata.editLink" }.count == 1)
            }
        }
    }

    /// Replaces GUIDs, server times and the test server's address with fixed markers.
    static func mask(_ json: String) -> String {
        GoldenEntityTests.mask(json).replacingOccurrences(of: #"https?://[^/"]+/"#, with: "<root>/", options: .regularExpression)
    }
}
