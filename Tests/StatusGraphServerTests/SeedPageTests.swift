import Foundation
import Testing

/// Each seed page's example request replayed with its exact JSON body (copied from the API pages),
/// and the response checked field by field against the documented one.
@Suite struct SeedPageTests {
    /// A body exactly as a seed page shows it, from `tests/fixtures/seed-bodies` (the end-to-end
    /// suite replays the same files).
    static func seedBody(_ name: String) -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../tests/fixtures/seed-bodies/\(name)").standardizedFileURL
        return try! String(contentsOf: url, encoding: .utf8)
    }

    /// Seed 000 (`POST …/userStatuses/$ref`) and 001 (`POST …/userStatuses`), beta: valid values, 201 as documented.
    static let userAppInstallStatusBody = seedBody("000-001-user-app-install-status.json")

    @Test(arguments: ["/userStatuses/$ref", "/userStatuses"])
    func createUserAppInstallStatus(suffix: String) async throws {
        try await withApp { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let reply = try await client.send(.post, "/beta/deviceAppManagement/mobileApps/\(app)\(suffix)", json: Self.userAppInstallStatusBody)
            #expect(reply.status == 201, "\(reply.text)")
            let body = reply.json
            let documented: [String: Any] = [
                "@odata.type": "#microsoft.graph.userAppInstallStatus", "userName": "User Name value",
                "userPrincipalName": "User Principal Name value", "installedDeviceCount": 4, "failedDeviceCount": 1,
                "notInstalledDeviceCount": 7,
            ]
            expectFields(body, documented)
            let id = try #require(body["id"] as? String)
            #expect(UUID(uuidString: id) != nil)
            #expect(
                body["@odata.context"] as? String
                    == "https://graph.test/beta/$metadata#deviceAppManagement/mobileApps('\(app)')/userStatuses/$entity")
            #expect(reply.header("Location") == "https://graph.test/beta/deviceAppManagement/mobileApps('\(app)')/userStatuses('\(id)')")
            let read = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses/\(id)")
            expectFields(read.json, documented)
        }
    }

    /// Seed 002: beta iosLobAppProvisioningConfigurations userStatuses via `$ref`, with `"status": "String"`.
    static let provisioningUserStatusBody = seedBody("002-provisioning-user-status.json")

    @Test func provisioningUserStatusPlaceholderThenValid() async throws {
        try await withApp { client in
            let cfg = try await client.create("/beta/deviceAppManagement/iosLobAppProvisioningConfigurations", Bodies.provisioning)
            let uri = "/beta/deviceAppManagement/iosLobAppProvisioningConfigurations/\(cfg)/userStatuses/$ref"
            let bad = try await client.send(.post, uri, json: Self.provisioningUserStatusBody)
            #expect(bad.status == 400)
            #expect(bad.error["target"] as? String == "status")
            #expect(bad.errorMessage.contains("'status'") && bad.errorMessage.contains("'String'"), "\(bad.errorMessage)")

            let valid = Self.provisioningUserStatusBody.replacingOccurrences(of: "\"String\"", with: "\"compliant\"")
            let ok = try await client.send(.post, uri, json: valid)
            #expect(ok.status == 201, "\(ok.text)")
            expectFields(
                ok.json,
                [
                    "@odata.type": "#microsoft.graph.managedDeviceMobileAppConfigurationUserStatus",
                    "userDisplayName": "User Display Name value", "devicesCount": 12, "status": "compliant",
                    // the same instant, written as Graph writes DateTimeOffset: UTC, 7 digits kept
                    "lastReportedDateTime": "2016-12-31T21:03:19.2710393Z",
                    "userPrincipalName": "User Principal Name value",
                ])
        }
    }

    /// Seed 003: v1.0 mobileAppConfigurations userStatuses with `"devicesCount": "Integer"`, `"String (timestamp)"`.
    static let configurationUserStatusBody = seedBody("003-configuration-user-status.json")

    @Test func configurationUserStatusPlaceholderThenValid() async throws {
        try await withApp { client in
            let cfg = try await client.create("/v1.0/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
            let uri = "/v1.0/deviceAppManagement/mobileAppConfigurations/\(cfg)/userStatuses"
            var body = Self.configurationUserStatusBody
            // Each placeholder in turn is the first bad property; replace it and the next one is named.
            for (property, valid) in [
                ("devicesCount", #""devicesCount": 12"#), ("status", #""status": "nonCompliant""#),
                ("lastReportedDateTime", #""lastReportedDateTime": "2017-01-01T00:03:19.2710393+03:00""#),
            ] {
                let bad = try await client.send(.post, uri, json: body)
                #expect(bad.status == 400, "\(bad.text)")
                #expect(bad.error["target"] as? String == property, "\(bad.text)")
                #expect(bad.errorMessage.contains("'\(property)'"))
                body = body.replacingOccurrences(
                    of: #"(?m)"\#(property)": "[^"]*""#, with: valid, options: .regularExpression)
            }
            let ok = try await client.send(.post, uri, json: body)
            #expect(ok.status == 201, "\(ok.text)")
            expectFields(
                ok.json,
                [
                    "@odata.type": "#microsoft.graph.managedDeviceMobileAppConfigurationUserStatus",
                    "userDisplayName": "String", "devicesCount": 12, "status": "nonCompliant",
                    "lastReportedDateTime": "2016-12-31T21:03:19.2710393Z", "userPrincipalName": "String",
                    "@odata.context":
                        "https://graph.test/v1.0/$metadata#deviceAppManagement/mobileAppConfigurations('\(cfg)')/userStatuses/$entity",
                ])
        }
    }

    /// Seed 004: beta mobileApps/{id}/userStatuses/{id}/deviceStatuses/$ref, with enum placeholders.
    static let deviceStatusBody = seedBody("004-device-status.json")

    @Test func deviceStatusPlaceholderThenValid() async throws {
        try await withApp { client in
            let app = try await client.create("/beta/deviceAppManagement/mobileApps", Bodies.iosLobApp)
            let user = try await client.create(
                "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses", SeedPageTests.userAppInstallStatusBody)
            let uri = "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses/\(user)/deviceStatuses/$ref"
            let bad = try await client.send(.post, uri, json: Self.deviceStatusBody)
            #expect(bad.status == 400)
            #expect(bad.error["target"] as? String == "mobileAppInstallStatusValue", "\(bad.text)")
            let valid = Self.deviceStatusBody
                .replacingOccurrences(of: #""mobileAppInstallStatusValue": "String""#, with: #""mobileAppInstallStatusValue": "failed""#)
                .replacingOccurrences(of: #""installState": "String""#, with: #""installState": "failed""#)
                .replacingOccurrences(of: #""installStateDetail": "String""#, with: #""installStateDetail": "seeInstallErrorCode""#)
            let ok = try await client.send(.post, uri, json: valid)
            #expect(ok.status == 201, "\(ok.text)")
            expectFields(
                ok.json,
                [
                    "@odata.type": "#microsoft.graph.mobileAppInstallStatus", "deviceName": "Device Name value",
                    "deviceId": "Device Id value", "lastSyncDateTime": "2016-12-31T20:59:56.035751Z",
                    "mobileAppInstallStatusValue": "failed", "installState": "failed", "installStateDetail": "seeInstallErrorCode",
                    "errorCode": 9, "osVersion": "Os Version value", "osDescription": "Os Description value",
                    "userName": "User Name value", "userPrincipalName": "User Principal Name value",
                    "displayVersion": "Display Version value",
                ])
            let list = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/\(app)/userStatuses/\(user)/deviceStatuses")
            #expect((list.json["value"] as? [Any])?.count == 1)
        }
    }
}

/// Checks every documented field of a response, by value.
func expectFields(_ body: [String: Any], _ expected: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
    for (key, value) in expected {
        let actual = body[key]
        let same: Bool
        switch (actual, value) {
        case (let a as String, let b as String): same = a == b
        case (let a as NSNumber, let b as Int): same = a.intValue == b
        case (let a as NSNumber, let b as Bool): same = a.boolValue == b
        default: same = false
        }
        #expect(same, "\(key): expected \(value), got \(String(describing: actual))", sourceLocation: sourceLocation)
    }
}
