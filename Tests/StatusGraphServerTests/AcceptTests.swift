import HTTPTypes
import Testing

@testable import StatusGraphServer

/// The `Accept` header: a request whose answer it admits no format of gets 406, as Graph answers,
/// before anything is carried out.
@Suite struct AcceptTests {
    @Test(arguments: [
        ("application/json", AcceptHeader.MediaType.json, true),
        ("*/*", .json, true),
        ("", .json, true),
        ("APPLICATION/JSON", .json, true),
        ("application/json;odata.metadata=minimal;odata.streaming=true", .json, true),
        ("application/*", .json, true),
        // A browser's.
        ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8", .json, true),
        ("application/xml", .json, false),
        ("text/html, application/xml;q=0.9", .json, false),
        ("text/plain", .json, false),
        // The most specific range decides: JSON refused by name, whatever */* says.
        ("application/json;q=0, */*", .json, false),
        ("application/*;q=0, application/json", .json, true),
        ("*/*;q=0", .json, false),
        ("application/json ; q=0.001", .json, true),
        ("application/json;q=0.000", .json, false),
        // What the Graph SDKs send for /$count.
        ("text/plain;q=0.9", .plainText, true),
        ("text/plain;q=0.9", .json, false),
        ("text/*", .plainText, true),
        ("application/json", .plainText, false),
        // Not media ranges, or weights that are not numbers from 0 to 1: passed over.
        ("garbage", .json, true),
        ("*/json", .json, true),
        ("application/json;q=abc", .json, true),
        ("application/json;q=1.5, application/xml", .json, false),
    ])
    func rangesAdmitMediaTypes(_ header: String, _ mediaType: AcceptHeader.MediaType, _ admitted: Bool) {
        #expect(AcceptHeader.admits(header, mediaType) == admitted, "\(header) \(mediaType)")
    }

    @Test(arguments: [
        ("application/json", JSONFormat.Metadata.minimal, false),
        ("*/*", .minimal, false),
        ("application/json;odata.metadata=none", .none, false),
        ("application/json; metadata=none", .none, false),
        ("application/json;odata.metadata=minimal;IEEE754Compatible=true", .minimal, true),
        ("Application/JSON;ODATA.METADATA=NONE;ieee754compatible=TRUE", .none, true),
        ("application/json;odata.metadata=\"none\"", .none, false),
        ("application/json;odata.metadata=full", .full, false),
        ("application/json;odata.metadata=FULL;IEEE754Compatible=true", .full, true),
        // A level OData does not define: minimal, as the answer's Content-Type says.
        ("application/json;odata.metadata=most", .minimal, false),
        // The range that admits JSON decides; a wildcard's parameters are not JSON's.
        ("application/xml, application/json;odata.metadata=none;q=0.5", .none, false),
        ("application/json;odata.metadata=none;q=0.5, application/json;q=0.9", .minimal, false),
        ("application/*;odata.metadata=none", .minimal, false),
        ("application/xml", .minimal, false),
    ])
    func formatParametersAreRead(_ header: String, _ metadata: JSONFormat.Metadata, _ int64AsStrings: Bool) {
        let format = AcceptHeader.jsonFormat(header)
        #expect(format.metadata == metadata && format.int64AsStrings == int64AsStrings, "\(header)")
    }

    /// `odata.metadata=none` and `IEEE754Compatible=true`, as Graph honours them: no `@odata.context` or
    /// `@odata.type` (the next link and the count stay), `Edm.Int64` values and counts as strings.
    @Test func formatParametersShapeTheAnswer() async throws {
        try await withApp { client in
            let apps = "/beta/deviceAppManagement/mobileApps"
            let big = try await client.create(
                apps, ##"{"@odata.type":"#microsoft.graph.iosLobApp","displayName":"Big","size":9007199254740993}"##)
            _ = try await client.create(apps, Bodies.iosLobApp)
            _ = try await client.create("\(apps)/\(big)/deviceStatuses", #"{"deviceName":"PC","installState":"failed"}"#)
            let none = ["Accept": "application/json;odata.metadata=none"]
            let exact = ["Accept": "application/json;IEEE754Compatible=true"]
            let ieee = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=true;charset=utf-8"
            let bare = "application/json;odata.metadata=none;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

            let entity = try await client.send(.get, "\(apps)/\(big)?$select=displayName,size", headers: exact)
            #expect(entity.header("Content-Type") == ieee)
            #expect(entity.text.contains(#""size":"9007199254740993""#), "\(entity.text)")
            #expect(try await client.send(.get, "\(apps)/\(big)").text.contains(#""size":9007199254740993"#))
            let counted = try await client.send(.get, "\(apps)?$count=true&$select=size", headers: exact)
            #expect(counted.text.contains(#""@odata.count":"2""#), "\(counted.text)")

            let page = try await client.send(
                .get, "\(apps)?$count=true&$select=displayName", headers: none.merging(["Prefer": "odata.maxpagesize=1"]) { $1 })
            #expect(page.header("Content-Type") == bare)
            #expect(page.text.hasPrefix(#"{"@odata.count":2,"@odata.nextLink":"#), "\(page.text)")
            #expect(!page.text.contains("@odata.context") && !page.text.contains("@odata.type"), "\(page.text)")
            let read = try await client.send(.get, "\(apps)/\(big)?$expand=deviceStatuses,installSummary", headers: none)
            #expect(read.text.hasPrefix(#"{"id":""#), "\(read.text)")
            #expect(!read.text.contains("@odata.context") && !read.text.contains("@odata.type"), "\(read.text)")
            #expect((read.json["deviceStatuses"] as? [[String: Any]])?.first?["deviceName"] as? String == "PC")
            let summary = try await client.send(.get, "\(apps)/\(big)/installSummary", headers: none)
            #expect(summary.text.hasPrefix(#"{"id":""#) && summary.json["failedDeviceCount"] as? Int == 1, "\(summary.text)")
            let root = try await client.send(.get, "/beta", headers: none)
            #expect(root.json["@odata.context"] == nil && root.json["value"] != nil)
            // $format has the last word.
            let formatted = try await client.send(.get, "\(apps)/\(big)?$format=application/json;odata.metadata=none")
            #expect(formatted.text.hasPrefix(#"{"id":""#) && formatted.header("Content-Type") == bare, "\(formatted.text)")
            // A batch's request in its own format, said in its headers.
            let batch = try await client.send(
                .post, "/beta/$batch",
                json: #"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement/mobileApps/\#(big)?$select=size","#
                    + #""headers":{"Accept":"application/json;odata.metadata=none;IEEE754Compatible=true"}}]}"#)
            let part = (batch.json["responses"] as? [[String: Any]])?.first
            #expect((part?["headers"] as? [String: String])?["Content-Type"]?.hasPrefix("application/json;odata.metadata=none") == true)
            #expect((part?["body"] as? [String: Any])?["size"] as? String == "9007199254740993", "\(batch.text)")
            #expect((part?["body"] as? [String: Any])?["@odata.context"] == nil)
        }
    }

    @Test func severalFieldsAreOneList() {
        var headers = HTTPFields()
        #expect(StatusGraphResponder.accept(headers) == nil)
        headers.append(HTTPField(name: .accept, value: "application/xml"))
        #expect(StatusGraphResponder.accept(headers) == "application/xml")
        headers.append(HTTPField(name: .accept, value: "application/json;q=0.5"))
        #expect(StatusGraphResponder.accept(headers) == "application/xml, application/json;q=0.5")
    }

    @Test func refusedBeforeAnythingIsDone() async throws {
        try await withApp { client in
            let apps = "/beta/deviceAppManagement/mobileApps"
            let app = try await client.create(apps, Bodies.iosLobApp)
            let statuses = "\(apps)/\(app)/deviceStatuses"
            let status = #"{"deviceName":"PC","installState":"failed"}"#
            let xml = ["Accept": "application/xml"]
            for (method, path, body, headers, expected) in [
                (HTTPRequest.Method.get, statuses, nil, xml, 406),
                (.get, "/beta/deviceAppManagement", nil, xml, 406),
                (.get, "/beta", nil, xml, 406),
                (.get, "/beta/$openapi", nil, xml, 406),
                (.get, "/beta/$metadata", nil, ["Accept": "application/json"], 200),  // CSDL is XML whatever is asked
                (.get, "\(statuses)/$count", nil, ["Accept": "application/xml"], 406),
                (.get, "\(statuses)/$count", nil, ["Accept": "text/plain;q=0.9"], 200),  // the Python SDK's
                (.get, "\(statuses)/$count", nil, ["Accept": "application/json"], 200),  // the PowerShell SDK's: a number is JSON
                (.get, "\(statuses)?$format=json", nil, xml, 200),  // $format has the last word
                (.get, statuses, nil, ["Accept": "application/json;odata.metadata=minimal"], 200),
                (.get, statuses, nil, ["Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"], 200),
                (.post, statuses, status, xml, 406),
                (.post, statuses, status, ["Accept": "application/xml", "Prefer": "return=minimal"], 204),  // no body to write
                (.post, "/beta/$batch", #"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement"}]}"#, xml, 406),
            ] {
                let reply = try await client.send(method, path, json: body, headers: headers)
                #expect(reply.status == expected, "\(method) \(path) \(headers): \(reply.text)")
                if expected == 406 {
                    #expect(reply.error["code"] as? String == "NotAcceptable")
                    #expect(reply.errorMessage.contains("admits no format this resource is answered in"), "\(reply.errorMessage)")
                }
            }
            // The refused POST created nothing; the one without a body to write did.
            let count = try await client.send(.get, "\(statuses)/$count")
            #expect(count.text == "1")
            // A DELETE answers no body: carried out whatever Accept says.
            let id = try await client.create(statuses, status)
            #expect(try await client.send(.delete, "\(statuses)/\(id)", headers: xml).status == 204)
            // A batch's request is refused by its own Accept, the batch answered.
            let batch = try await client.send(
                .post, "/beta/$batch",
                json: #"{"requests":[{"id":"1","method":"GET","url":"/deviceAppManagement","headers":{"Accept":"application/xml"}},"#
                    + #"{"id":"2","method":"GET","url":"/deviceAppManagement","headers":{"accept":"application/json"}}]}"#)
            #expect(batch.status == 200)
            let responses = batch.json["responses"] as? [[String: Any]] ?? []
            #expect(Dictionary(uniqueKeysWithValues: responses.map { ($0["id"] as? String ?? "", $0["status"] as? Int ?? 0) }) == ["1": 406, "2": 200])
        }
    }

    /// A batch's creates into one collection are stored together, and each is still answered in the format
    /// its own `Accept` asks, or refused by it.
    @Test func batchCreatesEachInTheirOwnFormat() async throws {
        try await withApp { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let url = "/deviceAppManagement/mobileApps/\(app)/deviceStatuses"
            func part(_ id: String, _ headers: String) -> String {
                #"{"id":"\#(id)","method":"POST","url":"\#(url)","headers":{"Content-Type":"application/json"\#(headers)},"#
                    + #""body":{"deviceName":"PC\#(id)","installState":"failed"}}"#
            }
            let batch = try await client.send(
                .post, "/beta/$batch",
                json: #"{"requests":["# + [
                    part("1", ""), part("2", #","Accept":"application/json;odata.metadata=none""#),
                    part("3", #","Accept":"application/xml""#), part("4", #","Accept":"application/xml","Prefer":"return=minimal""#),
                    part("5", ""), part("6", #","Accept":"application/json;odata.metadata=none""#),
                ].joined(separator: ",") + "]}")
            let responses = Dictionary(
                uniqueKeysWithValues: (batch.json["responses"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", $0) })
            #expect(responses.mapValues { $0["status"] as? Int ?? 0 } == ["1": 201, "2": 201, "3": 406, "4": 204, "5": 201, "6": 201], "\(batch.text)")
            for (id, metadata) in [("1", "minimal"), ("2", "none"), ("5", "minimal"), ("6", "none")] {
                let headers = responses[id]?["headers"] as? [String: String]
                #expect(headers?["Content-Type"]?.hasPrefix("application/json;odata.metadata=\(metadata);") == true, "\(id)")
                let body = responses[id]?["body"] as? [String: Any]
                #expect((body?["@odata.context"] == nil) == (metadata == "none"), "\(id): \(body ?? [:])")
            }
            // The refused create stored nothing.
            let names = try await client.send(.get, "/beta\(url)?$select=deviceName&$orderby=deviceName").json["value"] as? [[String: Any]]
            #expect(names?.compactMap { $0["deviceName"] as? String } == ["PC1", "PC2", "PC4", "PC5", "PC6"])
        }
    }
}
