import Foundation
import Testing

/// Summaries are counts of the stored statuses, by the mapping in the model (README: "Summaries").
@Suite struct SummaryTests {
    @Test func configurationSummariesCountByStatus() async throws {
        try await withApp { client in
            let base = "/beta/deviceAppManagement/mobileAppConfigurations"
            let cfg = try await client.create(base, Bodies.iosConfiguration)
            let statuses = [
                "compliant", "compliant", "remediated", "nonCompliant", "error", "error", "conflict", "unknown", "notApplicable",
                "notAssigned",
            ]
            var ids: [String] = []
            for status in statuses {
                ids.append(try await client.create("\(base)/\(cfg)/userStatuses", #"{"status":"\#(status)"}"#))
                _ = try await client.create("\(base)/\(cfg)/deviceStatuses", #"{"status":"\#(status)"}"#)
            }
            let expected = [
                "successCount": 3, "failedCount": 1, "errorCount": 2, "conflictCount": 1, "pendingCount": 1, "notApplicableCount": 1,
                "notApplicablePlatformCount": 0, "configurationVersion": 3,
            ]
            for nav in ["userStatusSummary", "deviceStatusSummary"] {
                let summary = try await client.send(.get, "\(base)/\(cfg)/\(nav)")
                #expect(summary.status == 200, "\(summary.text)")
                #expect(summary.json["@odata.context"] as? String == "https://graph.test/beta/$metadata#deviceAppManagement/mobileAppConfigurations('\(cfg)')/\(nav)/$entity")
                #expect((summary.json["id"] as? String)?.hasSuffix("_\(cfg)") == true)
                var exp = expected
                if nav == "userStatusSummary" { exp["notApplicablePlatformCount"] = nil }
                expectFields(summary.json, exp)
                #expect((summary.json["lastUpdateDateTime"] as? String)?.hasPrefix("20") == true)
            }
            // v1.0 has no conflictCount; the other counts are the same.
            let v1 = try await client.send(.get, "/v1.0/deviceAppManagement/mobileAppConfigurations/\(cfg)/userStatusSummary")
            #expect(v1.json["conflictCount"] == nil)
            #expect((v1.json["successCount"] as? Int) == 3)

            // Updates move a status between counts; deletes take it out.
            _ = try await client.send(.patch, "\(base)/\(cfg)/userStatuses/\(ids[3])", json: #"{"status":"compliant"}"#)
            _ = try await client.send(.delete, "\(base)/\(cfg)/userStatuses/\(ids[0])")
            _ = try await client.send(.patch, "\(base)/\(cfg)/userStatuses/\(ids[9])", json: #"{"status":"error"}"#)
            let after = try await client.send(.get, "\(base)/\(cfg)/userStatusSummary")
            expectFields(after.json, ["successCount": 3, "failedCount": 0, "errorCount": 3, "pendingCount": 1])

            // The version copied from the parent follows it.
            _ = try await client.send(.patch, "\(base)/\(cfg)", json: #"{"version":7}"#)
            expectFields(try await client.send(.get, "\(base)/\(cfg)/userStatusSummary").json, ["configurationVersion": 7])
        }
    }

    @Test func installSummaryCountsDevicesAndUsers() async throws {
        try await withApp { client in
            let base = "/beta/deviceAppManagement/mobileApps"
            let app = try await client.create(base, Bodies.iosLobApp)
            for state in ["installed", "installed", "failed", "uninstallFailed", "notInstalled", "pendingInstall", "notApplicable", "unknown"] {
                _ = try await client.create("\(base)/\(app)/deviceStatuses", #"{"installState":"\#(state)"}"#)
            }
            for (failed, installed, notInstalled) in [(1, 3, 0), (0, 2, 1), (0, 5, 0), (0, 0, 0)] {
                _ = try await client.create(
                    "\(base)/\(app)/userStatuses",
                    #"{"failedDeviceCount":\#(failed),"installedDeviceCount":\#(installed),"notInstalledDeviceCount":\#(notInstalled)}"#)
            }
            let summary = try await client.send(.get, "\(base)/\(app)/installSummary")
            #expect(summary.status == 200)
            expectFields(
                summary.json,
                [
                    "@odata.type": "#microsoft.graph.mobileAppInstallSummary",
                    "installedDeviceCount": 2, "failedDeviceCount": 2, "notInstalledDeviceCount": 1, "pendingInstallDeviceCount": 1,
                    "notApplicableDeviceCount": 1,
                    "failedUserCount": 1, "notInstalledUserCount": 1, "installedUserCount": 1, "pendingInstallUserCount": 1,
                    "notApplicableUserCount": 0,
                ])
            // `$select` keeps the properties it names (and the id), directly and expanded.
            let selected = try await client.send(.get, "\(base)/\(app)/installSummary?$select=failedDeviceCount,installedUserCount")
            #expect(selected.status == 200, "\(selected.text)")
            #expect(Set(selected.json.keys) == ["@odata.context", "@odata.type", "id", "failedDeviceCount", "installedUserCount"], "\(selected.text)")
            #expect(selected.json["failedDeviceCount"] as? Int == 2)
            #expect((selected.json["@odata.context"] as? String)?.hasSuffix(
                "/installSummary(failedDeviceCount,installedUserCount)/$entity") == true, "\(selected.text)")
            let expanded = try await client.send(.get, "\(base)/\(app)?$expand=installSummary($select=pendingInstallDeviceCount)")
            let inner = expanded.json["installSummary"] as? [String: Any] ?? [:]
            #expect(Set(inner.keys) == ["@odata.type", "id", "pendingInstallDeviceCount"], "\(expanded.text)")
            let unknown = try await client.send(.get, "\(base)/\(app)/installSummary?$select=nothing")
            #expect(unknown.status == 400 && unknown.errorMessage.contains("'nothing'"), "\(unknown.text)")
            // Counts are per app.
            let other = try await client.create(base, Bodies.webApp)
            expectFields(try await client.send(.get, "\(base)/\(other)/installSummary").json, ["installedDeviceCount": 0])
        }
    }

    @Test func deletingAParentDeletesWhatItContains() async throws {
        try await withApp { client in
            let base = "/beta/deviceAppManagement/mobileApps"
            let app = try await client.create(base, Bodies.iosLobApp)
            let user = try await client.create("\(base)/\(app)/userStatuses", SeedPageTests.userAppInstallStatusBody)
            let device = try await client.create("\(base)/\(app)/userStatuses/\(user)/deviceStatuses", #"{"installState":"installed"}"#)
            let appDevice = try await client.create("\(base)/\(app)/deviceStatuses", #"{"installState":"installed"}"#)

            // Deleting the user status takes its device statuses with it.
            #expect(try await client.send(.delete, "\(base)/\(app)/userStatuses/\(user)").status == 204)
            #expect(try await client.send(.get, "\(base)/\(app)/userStatuses/\(user)/deviceStatuses/\(device)").status == 404)
            #expect(try await client.send(.get, "\(base)/\(app)/deviceStatuses/\(appDevice)").status == 200)

            // Deleting the app takes everything, counts included.
            #expect(try await client.send(.delete, "\(base)/\(app)").status == 204)
            #expect(try await client.send(.get, "\(base)/\(app)/deviceStatuses/\(appDevice)").status == 404)
            #expect(try await client.send(.get, "\(base)/\(app)/deviceStatuses").status == 404)
            #expect(try await client.send(.get, "\(base)/\(app)/installSummary").status == 404)

            let cfgBase = "/v1.0/deviceAppManagement/mobileAppConfigurations"
            let cfg = try await client.create(cfgBase, Bodies.iosConfiguration)
            let status = try await client.create("\(cfgBase)/\(cfg)/userStatuses", #"{"status":"compliant"}"#)
            #expect(try await client.send(.delete, "\(cfgBase)/\(cfg)").status == 204)
            #expect(try await client.send(.get, "\(cfgBase)/\(cfg)/userStatuses/\(status)").status == 404)
        }
    }

    @Test func entitiesSurviveARestart() async throws {
        try await withDataDirectory { dir in
            let ids = try await withApp(dataDirectory: dir) { client in
                let cfg = try await client.create("/v1.0/deviceAppManagement/mobileAppConfigurations", Bodies.iosConfiguration)
                let status = try await client.create(
                    "/v1.0/deviceAppManagement/mobileAppConfigurations/\(cfg)/userStatuses", #"{"status":"compliant","devicesCount":2}"#)
                return (cfg, status)
            }
            try await withApp(dataDirectory: dir) { client in
                let read = try await client.send(
                    .get, "/v1.0/deviceAppManagement/mobileAppConfigurations/\(ids.0)/userStatuses/\(ids.1)")
                #expect(read.status == 200)
                expectFields(read.json, ["status": "compliant", "devicesCount": 2])
                let summary = try await client.send(.get, "/v1.0/deviceAppManagement/mobileAppConfigurations/\(ids.0)/userStatusSummary")
                expectFields(summary.json, ["successCount": 1])
            }
        }
    }
}
