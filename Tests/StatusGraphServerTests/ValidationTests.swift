import Foundation
import Testing

/// Every kind of bad body answered with a 400 (or 413, 415) Graph error that names what is wrong.
@Suite struct ValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let body: String
        let status: Int
        /// The `target` the error names, if any.
        let target: String?
        /// A phrase the message must contain.
        let phrase: String
        var testDescription: String { name }
    }

    static let userStatusCases: [Case] = [
        .init(name: "wrong JSON type", body: #"{"devicesCount": "12"}"#, status: 400, target: "devicesCount", phrase: "expected an integer"),
        .init(name: "Int32 overflow", body: #"{"devicesCount": 2147483648}"#, status: 400, target: "devicesCount", phrase: "out of range"),
        .init(name: "Int32 underflow", body: #"{"devicesCount": -2147483649}"#, status: 400, target: "devicesCount", phrase: "out of range"),
        .init(name: "fraction in an integer", body: #"{"devicesCount": 1.5}"#, status: 400, target: "devicesCount", phrase: "not an integer"),
        .init(name: "unknown enum member", body: #"{"status": "String"}"#, status: 400, target: "status", phrase: "not a member of microsoft.graph.complianceStatus"),
        .init(name: "enum member in wrong case", body: #"{"status": "Compliant"}"#, status: 400, target: "status", phrase: "not a member"),
        .init(name: "unparseable DateTimeOffset", body: #"{"lastReportedDateTime": "String (timestamp)"}"#, status: 400, target: "lastReportedDateTime", phrase: "not a valid Edm.DateTimeOffset"),
        .init(name: "eight fractional digits", body: #"{"lastReportedDateTime": "2017-01-01T00:03:19.27103931Z"}"#, status: 400, target: "lastReportedDateTime", phrase: "0 to 7 fractional digits"),
        .init(name: "date without offset", body: #"{"lastReportedDateTime": "2017-01-01T00:03:19"}"#, status: 400, target: "lastReportedDateTime", phrase: "Edm.DateTimeOffset"),
        .init(name: "impossible date", body: #"{"lastReportedDateTime": "2017-02-30T00:00:00Z"}"#, status: 400, target: "lastReportedDateTime", phrase: "Edm.DateTimeOffset"),
        .init(name: "null for non-nullable", body: #"{"devicesCount": null}"#, status: 400, target: "devicesCount", phrase: "not nullable"),
        .init(name: "NUL in a string", body: #"{"userPrincipalName": "ada\u0000@contoso.com"}"#, status: 400, target: "userPrincipalName", phrase: "U+0000"),
        .init(name: "unknown property", body: #"{"favouriteColour": "blue"}"#, status: 400, target: "favouriteColour", phrase: "does not exist on type 'microsoft.graph.managedDeviceMobileAppConfigurationUserStatus'"),
        .init(name: "type of another family", body: ##"{"@odata.type": "#microsoft.graph.webApp"}"##, status: 400, target: "@odata.type", phrase: "neither"),
        .init(name: "type not in the model", body: ##"{"@odata.type": "#microsoft.graph.nothing"}"##, status: 400, target: "@odata.type", phrase: "not a type of this service"),
        .init(name: "type not a string", body: #"{"@odata.type": 5}"#, status: 400, target: "@odata.type", phrase: "must be a string"),
        .init(name: "array body", body: #"[1, 2]"#, status: 400, target: nil, phrase: "must be a JSON object, not an array"),
        .init(name: "string body", body: #""status""#, status: 400, target: nil, phrase: "must be a JSON object, not a string"),
        .init(name: "malformed JSON", body: #"{"status": "compliant""#, status: 400, target: nil, phrase: "not valid JSON"),
        .init(name: "trailing garbage", body: #"{"status": "compliant"} x"#, status: 400, target: nil, phrase: "not valid JSON"),
        .init(name: "duplicate property", body: #"{"status": "compliant", "status": "error"}"#, status: 400, target: nil, phrase: "duplicate property 'status'"),
        .init(name: "empty body", body: "", status: 400, target: nil, phrase: "empty"),
        .init(name: "deep nesting", body: String(repeating: #"{"a":"#, count: 40) + "1" + String(repeating: "}", count: 40), status: 400, target: nil, phrase: "nesting deeper"),
    ]

    @Test(arguments: userStatusCases)
    func userStatusBody(_ c: Case) async throws {
        try await withApp { client in
            let cfg = try await client.create("/v1.0/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
            let uri = "/v1.0/deviceAppManagement/mobileAppConfigurations/\(cfg)/userStatuses"
            for (method, path) in [("POST", uri)] {
                _ = method
                let reply = try await client.send(.post, path, json: c.body)
                #expect(reply.status == c.status, "\(reply.text)")
                #expect(reply.error["code"] as? String == "BadRequest")
                if let target = c.target { #expect(reply.error["target"] as? String == target, "\(reply.text)") }
                #expect(reply.errorMessage.contains(c.phrase), "\(reply.errorMessage)")
                #expect(reply.header("Content-Type")?.hasPrefix("application/json") == true)
            }
            // The same checks apply to PATCH.
            if c.body.hasPrefix("{"), !c.body.contains("@odata.type") {
                let id = try await client.create(uri, #"{"status": "compliant"}"#)
                let reply = try await client.send(.patch, "\(uri)/\(id)", json: c.body)
                #expect(reply.status == c.status, "PATCH: \(reply.text)")
            }
        }
    }

    static let polymorphicCases: [Case] = [
        .init(name: "no @odata.type on an abstract set", body: #"{"displayName": "x"}"#, status: 400, target: "@odata.type", phrase: "abstract"),
        .init(name: "abstract intermediate type", body: ##"{"@odata.type": "#microsoft.graph.mobileLobApp"}"##, status: 400, target: "@odata.type", phrase: "abstract type"),
        .init(name: "abstract base type", body: ##"{"@odata.type": "#microsoft.graph.mobileApp"}"##, status: 400, target: "@odata.type", phrase: "abstract type"),
        .init(name: "property of another subtype", body: ##"{"@odata.type": "#microsoft.graph.webApp", "bundleId": "x"}"##, status: 400, target: "bundleId", phrase: "does not exist on type 'microsoft.graph.webApp'"),
        .init(name: "bad complex property", body: ##"{"@odata.type": "#microsoft.graph.webApp", "largeIcon": {"kind": "png"}}"##, status: 400, target: "largeIcon/kind", phrase: "does not exist"),
        .init(name: "bad base64", body: ##"{"@odata.type": "#microsoft.graph.webApp", "largeIcon": {"type": "image/png", "value": "***"}}"##, status: 400, target: "largeIcon/value", phrase: "base64"),
        .init(name: "bad collection element", body: ##"{"@odata.type": "#microsoft.graph.webApp", "roleScopeTagIds": ["0", 1]}"##, status: 400, target: "roleScopeTagIds[1]", phrase: "expected a string"),
        .init(name: "navigation in body", body: ##"{"@odata.type": "#microsoft.graph.iosLobApp", "userStatuses": []}"##, status: 400, target: "userStatuses", phrase: "navigation property"),
    ]

    @Test(arguments: polymorphicCases)
    func mobileAppBody(_ c: Case) async throws {
        try await withApp { client in
            let reply = try await client.send(.post, "/beta/deviceAppManagement/mobileApps", json: c.body)
            #expect(reply.status == c.status, "\(reply.text)")
            if let target = c.target { #expect(reply.error["target"] as? String == target, "\(reply.text)") }
            #expect(reply.errorMessage.contains(c.phrase), "\(reply.errorMessage)")
        }
    }

    @Test func flagsAndComplexValuesRoundTrip() async throws {
        try await withApp { client in
            let body = ##"{"@odata.type":"#microsoft.graph.win32LobApp","displayName":"Tool","applicableArchitectures":"x86,x64","largeIcon":{"type":"image/png","value":"iVBORw0KGgo="},"installExperience":{"runAsAccount":"system","deviceRestartBehavior":"allow"}}"##
            let reply = try await client.send(.post, "/beta/deviceAppManagement/mobileApps", json: body)
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply.json["applicableArchitectures"] as? String == "x86,x64")
            let icon = reply.json["largeIcon"] as? [String: Any]
            #expect(icon?["value"] as? String == "iVBORw0KGgo=")
            #expect(icon?["@odata.type"] as? String == "#microsoft.graph.mimeContent")
            let bad = try await client.send(
                .post, "/beta/deviceAppManagement/mobileApps",
                json: ##"{"@odata.type":"#microsoft.graph.win32LobApp","applicableArchitectures":"x86,sparc"}"##)
            #expect(bad.status == 400)
            #expect(bad.errorMessage.contains("'sparc'"))
        }
    }

    /// No stored text holds U+0000 (PostgreSQL's text cannot): a key or an option that carries one is a
    /// 400 on every backend, not a database error.
    @Test(arguments: [
        "/v1.0/deviceAppManagement/mobileAppConfigurations/a%00b",
        "/v1.0/deviceAppManagement/mobileAppConfigurations('a%00b')/userStatuses",
        "/v1.0/deviceAppManagement/mobileAppConfigurations?$filter=displayName%20eq%20'a%00b'",
        "/v1.0/deviceAppManagement/mobileAppConfigurations?x%00=1",
    ])
    func nulInTheURLIs400(_ url: String) async throws {
        try await withApp { client in
            let reply = try await client.send(.get, url)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.errorMessage.contains("U+0000"), "\(reply.errorMessage)")
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        try await withApp(configure: { $0.limits.maxBodyBytes = 2048 }) { client in
            let big = #"{"displayName": ""# + String(repeating: "x", count: 4096) + #""}"#
            let reply = try await client.send(.post, "/beta/deviceAppManagement/mobileApps", json: big)
            #expect(reply.status == 413)
            #expect(reply.error["code"] as? String == "RequestEntityTooLarge")
        }
    }

    @Test func nonJSONContentTypeIs415() async throws {
        try await withApp { client in
            let reply = try await client.send(
                .post, "/beta/deviceAppManagement/mobileApps", json: Bodies.webApp, headers: ["Content-Type": "text/plain"])
            #expect(reply.status == 415)
            #expect(reply.error["code"] as? String == "UnsupportedMediaType")
        }
    }

    /// A body in the charset its `Content-Type` declares is read as that charset says; a charset this
    /// service does not read is a 415 naming it, and text that is not what its charset says a 400.
    @Test(arguments: [
        ("charset=utf-16", [0xFF, 0xFE] + utf16LE(#"{"deviceName":"Müller €"}"#), 201, "Müller €"),  // .NET's Encoding.Unicode
        ("charset=utf-16", utf16LE(#"{"deviceName":"Müller €"}"#), 201, "Müller €"),  // no BOM: the first character shows
        ("charset=utf-16", utf16BE(#"{"deviceName":"Müller €"}"#), 201, "Müller €"),
        ("charset=\"UTF-16LE\"", utf16LE(#"{"deviceName":"𝄞"}"#), 201, "𝄞"),
        ("charset=utf-16be", [0xFE, 0xFF] + utf16BE(#"{"deviceName":"x"}"#), 201, "x"),
        ("charset=ISO-8859-1", Array(#"{"deviceName":"M"#.utf8) + [0xFC] + Array(#"ller"}"#.utf8), 201, "Müller"),
        (" charset = windows-1252 ", Array(#"{"deviceName":""#.utf8) + [0x80, 0x9D] + Array(#""}"#.utf8), 201, "€\u{9D}"),
        ("charset=utf-8", Array(#"{"deviceName":"Müller"}"#.utf8), 201, "Müller"),
        ("charset=koi8-r", Array(#"{"deviceName":"x"}"#.utf8), 415, "The charset 'koi8-r' is not supported"),
        ("charset=utf-16", Array(#"{"deviceName":"xy"}"#.utf8), 400, "odd number of bytes"),
        ("charset=utf-16le", utf16LE(#"{"deviceName":""#) + [0x00, 0xD8] + utf16LE(#""}"#), 400, "a surrogate is unpaired"),
        ("", Array(#"{"deviceName":"M"#.utf8) + [0xFC] + Array(#"ller"}"#.utf8), 400, "invalid UTF-8"),  // none declared: UTF-8
    ] as [(String, [UInt8], Int, String)])
    func bodiesAreReadInTheirDeclaredCharset(_ parameter: String, _ body: [UInt8], _ status: Int, _ expected: String) async throws {
        try await withApp { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let reply = try await client.send(
                .post, "/beta/deviceAppManagement/mobileApps/\(app)/deviceStatuses", bytes: body,
                headers: ["Content-Type": "application/json" + (parameter.isEmpty ? "" : ";" + parameter)])
            #expect(reply.status == status, "\(parameter): \(reply.text)")
            if status == 201 {
                #expect(reply.json["deviceName"] as? String == expected)
            } else {
                #expect(reply.errorMessage.contains(expected), "\(reply.errorMessage)")
            }
        }
    }

    @Test(arguments: [
        ("2017-01-01T00:03:19Z", "2017-01-01T00:03:19Z"),
        ("2017-01-01T00:03Z", "2017-01-01T00:03:00Z"),
        ("2017-01-01T00:03:19.1Z", "2017-01-01T00:03:19.1Z"),
        ("2017-01-01T00:03:19.1200000Z", "2017-01-01T00:03:19.12Z"),
        ("2017-01-01T00:03:19.2710393-05:30", "2017-01-01T05:33:19.2710393Z"),
        ("2017-01-01T00:03:19.0000001+00:00", "2017-01-01T00:03:19.0000001Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
    ])
    func dateTimeOffsetsKeep100Nanoseconds(input: String, output: String) async throws {
        try await withApp { client in
            let cfg = try await client.create("/v1.0/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
            let reply = try await client.send(
                .post, "/v1.0/deviceAppManagement/mobileAppConfigurations/\(cfg)/deviceStatuses",
                json: #"{"lastReportedDateTime": "\#(input)"}"#)
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply.json["lastReportedDateTime"] as? String == output)
        }
    }
}

private func utf16LE(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
private func utf16BE(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
