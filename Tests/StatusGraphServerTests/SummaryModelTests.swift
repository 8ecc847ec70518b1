import Foundation
import StatusGraphTestSupport
import Testing

/// Summaries follow random changes: statuses of two apps and two configurations created one by one, in
/// `$batch`es and in concurrent bursts, changed, moved between states and deleted, in random order; every few changes each summary is compared with the counts of a model this test keeps
/// (README: "Summaries"). On the backend the app suites run on; `STATUSGRAPH_ORACLE_SEED` picks others.
@Suite struct SummaryModelTests {
    static let seed = OracleSettings.seed

    static let installStates = ["installed", "failed", "notInstalled", "uninstallFailed", "pendingInstall", "unknown", "notApplicable"]
    static let statuses = ["unknown", "notApplicable", "compliant", "remediated", "nonCompliant", "error", "conflict", "notAssigned"]

    /// What one counted status holds: a device's install state, a user's device counts, a configuration status.
    enum Kept {
        case device(String)
        case user(failed: Int, notInstalled: Int, installed: Int)
        case configuration(String)
    }

    /// A counted collection: its URL and its members by id.
    struct Collection {
        let url: String
        var members: [String: Kept] = [:]
    }

    @Test func summariesFollowRandomChanges() async throws {
        try await withApp { client in
            var random = SplitMix64(seed: Self.seed)
            func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }
            func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &random) }
            let base = "/beta/deviceAppManagement"
            var collections: [Collection] = []
            var apps: [String] = []
            var configurations: [String] = []
            for _ in 0..<2 {
                let app = try await client.create("\(base)/mobileApps", Bodies.iosLobApp)
                apps.append(app)
                collections.append(Collection(url: "\(base)/mobileApps/\(app)/deviceStatuses"))
                collections.append(Collection(url: "\(base)/mobileApps/\(app)/userStatuses"))
                let cfg = try await client.create("\(base)/mobileAppConfigurations", Bodies.iosConfiguration)
                configurations.append(cfg)
                collections.append(Collection(url: "\(base)/mobileAppConfigurations/\(cfg)/userStatuses"))
                collections.append(Collection(url: "\(base)/mobileAppConfigurations/\(cfg)/deviceStatuses"))
            }
            func newStatus(for url: String) -> (Kept, String) {
                if url.hasSuffix("/mobileApps/\(apps[0])/deviceStatuses") || url.hasSuffix("/mobileApps/\(apps[1])/deviceStatuses") {
                    let state = pick(Self.installStates)
                    return (.device(state), #"{"installState":"\#(state)","deviceName":"d"}"#)
                }
                if url.contains("/mobileApps/") {
                    let (f, n, i) = (pick([0, 0, 1, 2]), pick([0, 0, 1]), pick([0, 1, 3]))
                    return (.user(failed: f, notInstalled: n, installed: i),
                            #"{"failedDeviceCount":\#(f),"notInstalledDeviceCount":\#(n),"installedDeviceCount":\#(i),"userName":"u"}"#)
                }
                let status = pick(Self.statuses)
                return (.configuration(status), #"{"status":"\#(status)"}"#)
            }

            var failures: [String] = []
            for step in 1...160 {
                let c = int(0...collections.count - 1)
                let url = collections[c].url
                let ids = collections[c].members.keys.sorted()
                switch int(0...9) {
                case 0...3:  // one create
                    let (kept, body) = newStatus(for: url)
                    let reply = try await client.send(.post, url, json: body)
                    #expect(reply.status == 201, "POST \(url): \(reply.text)")
                    if let id = reply.json["id"] as? String { collections[c].members[id] = kept }
                case 4...5:  // a batch of creates into random collections, read from the batch's root
                    var parts: [String] = []
                    var planned: [(Int, Kept)] = []
                    for i in 0..<int(1...12) {
                        let target = int(0...collections.count - 1)
                        let (kept, body) = newStatus(for: collections[target].url)
                        planned.append((target, kept))
                        let relative = String(collections[target].url.dropFirst("/beta".count))
                        parts.append(#"{"id":"\#(i)","method":"POST","url":"\#(relative)","headers":{"Content-Type":"application/json"},"body":\#(body)}"#)
                    }
                    let reply = try await client.send(.post, "/beta/$batch", json: #"{"requests":[\#(parts.joined(separator: ","))]}"#)
                    #expect(reply.status == 200, "$batch: \(reply.text)")
                    for response in reply.json["responses"] as? [[String: Any]] ?? [] {
                        guard let i = (response["id"] as? String).flatMap(Int.init), response["status"] as? Int == 201,
                            let id = (response["body"] as? [String: Any])?["id"] as? String
                        else {
                            Issue.record("a batch part failed: \(response)")
                            continue
                        }
                        collections[planned[i].0].members[id] = planned[i].1
                    }
                case 6...7 where !ids.isEmpty:  // a change of what is counted
                    let id = pick(ids)
                    let (kept, body) = newStatus(for: url)
                    let reply = try await client.send(.patch, "\(url)/\(id)", json: body)
                    #expect(reply.status == 200, "PATCH \(url)/\(id): \(reply.text)")
                    collections[c].members[id] = kept
                case 9:  // a burst: creates and changes of distinct statuses at once, sharing commits
                    var planned: [(collection: Int, id: String?, kept: Kept, body: String)] = []
                    var changing: Set<String> = []
                    for _ in 0..<16 {
                        let target = int(0...collections.count - 1)
                        let (kept, body) = newStatus(for: collections[target].url)
                        let existing = collections[target].members.keys.sorted().filter { !changing.contains($0) }
                        let id = !existing.isEmpty && int(0...1) == 0 ? pick(existing) : nil
                        if let id { changing.insert(id) }
                        planned.append((target, id, kept, body))
                    }
                    let answers = try await withThrowingTaskGroup(of: (Int, Int, String?).self) { group in
                        for (n, plan) in planned.enumerated() {
                            let url = collections[plan.collection].url
                            group.addTask {
                                let reply = plan.id == nil
                                    ? try await client.send(.post, url, json: plan.body)
                                    : try await client.send(.patch, "\(url)/\(plan.id!)", json: plan.body)
                                return (n, reply.status, reply.json["id"] as? String)
                            }
                        }
                        var all: [(Int, Int, String?)] = []
                        for try await answer in group { all.append(answer) }
                        return all
                    }
                    for (n, status, id) in answers {
                        let plan = planned[n]
                        #expect(status == (plan.id == nil ? 201 : 200), "a burst's \(plan.id == nil ? "create" : "change"): \(status)")
                        if let id = plan.id ?? id { collections[plan.collection].members[id] = plan.kept }
                    }
                case 8 where !ids.isEmpty:
                    let id = pick(ids)
                    let reply = try await client.send(.delete, "\(url)/\(id)")
                    #expect(reply.status == 204, "DELETE \(url)/\(id): \(reply.text)")
                    collections[c].members[id] = nil
                default:  // a change that counts for nothing: the name (or nothing, where there is none yet)
                    guard let id = ids.first else { continue }
                    let field = url.contains("/mobileAppConfigurations/") ? (url.hasSuffix("userStatuses") ? "userDisplayName" : "deviceDisplayName")
                        : (url.hasSuffix("userStatuses") ? "userName" : "deviceName")
                    let reply = try await client.send(.patch, "\(url)/\(id)", json: #"{"\#(field)":"renamed \#(step)"}"#)
                    #expect(reply.status == 200, "PATCH \(url)/\(id): \(reply.text)")
                }
                guard step % 20 == 0 else { continue }
                for (i, app) in apps.enumerated() {
                    let summary = try await client.send(.get, "\(base)/mobileApps/\(app)/installSummary").json
                    let expected = Self.installSummary(devices: collections[4 * i].members, users: collections[4 * i + 1].members)
                    for (name, count) in expected where summary[name] as? Int != count {
                        failures.append("step \(step), app \(i): \(name) \(summary[name] ?? "nil"), expected \(count)")
                    }
                }
                for (i, cfg) in configurations.enumerated() {
                    for (offset, nav) in [(2, "userStatusSummary"), (3, "deviceStatusSummary")] {
                        let summary = try await client.send(.get, "\(base)/mobileAppConfigurations/\(cfg)/\(nav)").json
                        for (name, count) in Self.configurationSummary(collections[4 * i + offset].members) where summary[name] as? Int != count {
                            failures.append("step \(step), configuration \(i) \(nav): \(name) \(summary[name] ?? "nil"), expected \(count)")
                        }
                    }
                }
            }
            #expect(failures.isEmpty, "seed \(Self.seed):\n\(failures.prefix(12).joined(separator: "\n"))")
        }
    }

    static func installSummary(devices: [String: Kept], users: [String: Kept]) -> [String: Int] {
        var counts = [
            "installedDeviceCount": 0, "failedDeviceCount": 0, "notInstalledDeviceCount": 0, "pendingInstallDeviceCount": 0,
            "notApplicableDeviceCount": 0, "failedUserCount": 0, "notInstalledUserCount": 0, "installedUserCount": 0,
            "pendingInstallUserCount": 0, "notApplicableUserCount": 0,
        ]
        for case .device(let state) in devices.values {
            let bucket = [
                "installed": "installedDeviceCount", "failed": "failedDeviceCount", "uninstallFailed": "failedDeviceCount",
                "notInstalled": "notInstalledDeviceCount", "pendingInstall": "pendingInstallDeviceCount",
                "notApplicable": "notApplicableDeviceCount",
            ][state]
            if let bucket { counts[bucket]! += 1 }
        }
        for case .user(let failed, let notInstalled, let installed) in users.values {
            let bucket =
                failed > 0 ? "failedUserCount" : notInstalled > 0 ? "notInstalledUserCount" : installed > 0 ? "installedUserCount" : "pendingInstallUserCount"
            counts[bucket]! += 1
        }
        return counts
    }

    static func configurationSummary(_ statuses: [String: Kept]) -> [String: Int] {
        var counts = ["successCount": 0, "failedCount": 0, "errorCount": 0, "conflictCount": 0, "pendingCount": 0, "notApplicableCount": 0]
        for case .configuration(let status) in statuses.values {
            let bucket = [
                "compliant": "successCount", "remediated": "successCount", "nonCompliant": "failedCount", "error": "errorCount",
                "conflict": "conflictCount", "unknown": "pendingCount", "notApplicable": "notApplicableCount",
            ][status]
            if let bucket { counts[bucket]! += 1 }
        }
        return counts
    }
}
