import Foundation
import GraphModel
import ODataModel
import Storage
import Testing

/// Golden JSON for one entity of every type of every version: each concrete type is created empty
/// through its collection (the server fills in defaults) and its 201 body compared, byte for byte,
/// with `Golden/<version>.json` once volatile values (ids, times) are masked.
/// `STATUSGRAPH_UPDATE_GOLDEN=1 swift test --filter GoldenEntityTests` rewrites the files.
@Suite struct GoldenEntityTests {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    @Test(arguments: ["v1.0", "beta"])
    func everyTypeMatchesItsGoldenJSON(version: String) async throws {
        let actual: [String: String] = try await withApp { client in
            try await Self.oneOfEachType(client, version: version).mapValues { Self.mask($0.text) }
        }
        let file = Self.goldenDirectory.appendingPathComponent("\(version).json")
        if ProcessInfo.processInfo.environment["STATUSGRAPH_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.goldenDirectory, withIntermediateDirectories: true)
            let data = try JSONSerialization.data(withJSONObject: actual, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try data.write(to: file)
        }
        let golden = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: String], "missing \(file.path)")
        #expect(Set(golden.keys) == Set(actual.keys))
        for (key, json) in actual.sorted(by: { $0.key < $1.key }) {
            #expect(golden[key] == json, "\(key) differs from \(file.lastPathComponent)")
        }
        #expect(actual.count > (version == "beta" ? 40 : 25))
    }

    /// One entity of each concrete type of `version` created empty through its collection (the 201 of
    /// each), each summary of the first of each table, and the singleton, asked for with `headers`.
    static func oneOfEachType(_ client: Client, version: String, headers: [String: String] = [:]) async throws -> [String: Reply] {
        let model = try #require(GraphModel.service.versions[version])
        let layout = try StorageLayout(service: GraphModel.service)
        var out: [String: Reply] = [:]
        var parents: [[String]: String] = [:]  // collection path → id of an entity created in it
        func url(_ path: [String]) -> String {
            var s = "/\(version)/deviceAppManagement"
            for (i, nav) in path.enumerated() {
                s += "/\(nav)"
                if i < path.count - 1 { s += "/\(parents[Array(path[...i])]!)" }
            }
            return s
        }
        for table in layout.tables where !table.isSingleton {
            guard model.entityTypes[table.baseType] != nil, table.path.dropLast().indices.allSatisfy({ parents[Array(table.path[...$0])] != nil })
            else { continue }
            let concrete = table.family.sorted().compactMap { model.entityTypes[$0] }.filter { !$0.isAbstract }
            for type in concrete {
                let reply = try await client.send(
                    .post, url(table.path), json: #"{"@odata.type":"\#(model.odataType(of: type.name))"}"#, headers: headers)
                #expect(reply.status == 201, "\(type.name): \(reply.text)")
                out["\(table.path.joined(separator: "/")) \(type.name)"] = reply
                if parents[table.path] == nil { parents[table.path] = reply.json["id"] as? String }
            }
        }
        // The summaries of the entities created above, and the singleton.
        for summary in GraphModel.service.summaries {
            for table in layout.tables where table.family.contains(summary.parentType) && parents[table.path] != nil {
                guard let type = model.entityTypes[summary.parentType], type.navigationProperty(named: summary.navigation) != nil
                else { continue }
                let reply = try await client.send(.get, "\(url(table.path))/\(parents[table.path]!)/\(summary.navigation)", headers: headers)
                #expect(reply.status == 200, "\(summary.navigation): \(reply.text)")
                out["\(table.path.joined(separator: "/")) \(summary.navigation)"] = reply
            }
        }
        out["deviceAppManagement"] = try await client.send(.get, "/\(version)/deviceAppManagement", headers: headers)
        return out
    }

    /// Replaces GUIDs and server times with fixed markers.
    static func mask(_ json: String) -> String {
        var s = json.replacingOccurrences(
            of: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", with: "<guid>", options: .regularExpression)
        s = s.replacingOccurrences(
            of: #"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"#, with: "<now>", options: .regularExpression)
        return s
    }
}
