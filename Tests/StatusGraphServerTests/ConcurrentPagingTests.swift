import Foundation
import GraphModel
import HummingbirdTesting
import StatusGraphServer
import Storage
import StorageSQLite
import Testing

/// Walking 10,000 members page by page while another task inserts and deletes: keyset paging
/// returns no member twice and misses none that stayed for the whole walk.
@Suite struct ConcurrentPagingTests {
    @Test func walkWhileWriting() async throws {
        try await withDataDirectory { dir in
            let opened = try await openStore(dataDirectory: dir)
            let writer = opened.store
            try await writer.prepare()
            let apps = writer.layout.table(path: ["mobileApps"])!
            let statuses = writer.layout.table(path: ["mobileApps", "deviceStatuses"])!
            let tenant = defaultTenant
            try await writer.insert(apps, in: Scope(tenant: tenant, parents: []), StoredEntity(id: "app", type: "iosLobApp", values: Array(repeating: .null, count: apps.columns.count)))
            let scope = Scope(tenant: tenant, parents: ["app"])
            @Sendable func row(_ id: String) -> StoredEntity {
                var values = [SQLValue](repeating: .null, count: statuses.columns.count)
                values[statuses.columnIndex("installState")!] = .text(["installed", "failed", "pendingInstall"][id.hashValue & 1])
                values[statuses.columnIndex("errorCode")!] = .integer(0)
                return StoredEntity(id: id, type: "mobileAppInstallStatus", values: values)
            }
            let initial = (0..<10_000).map { String(format: "s%05d", $0) }
            for id in initial { try await writer.insert(statuses, in: scope, row(id)) }

            try await withApp(dataDirectory: dir, configure: { $0.limits.pageSize = 250 }) { client in
                async let churn: Set<String> = {
                    var deleted: Set<String> = []
                    for i in 0..<400 {
                        try await writer.insert(statuses, in: scope, row(String(format: "n%05d-%@", i, UUID().uuidString)))
                        let victim = initial[(i * 7919) % initial.count]
                        if try await writer.delete(statuses, in: scope, id: victim, types: nil) { deleted.insert(victim) }
                        await Task.yield()
                    }
                    return deleted
                }()
                var seen: [String] = []
                var next: String? = "/beta/deviceAppManagement/mobileApps/app/deviceStatuses?$select=id"
                while let uri = next {
                    let page = try await client.send(.get, uri)
                    #expect(page.status == 200)
                    seen += (page.json["value"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    next = (page.json["@odata.nextLink"] as? String).map { $0.replacingOccurrences(of: "https://graph.test", with: "") }
                }
                let deleted = try await churn
                #expect(seen.count == Set(seen).count, "a member was returned twice")
                let stayed = Set(initial).subtracting(deleted)
                #expect(stayed.isSubset(of: Set(seen)), "\(stayed.subtracting(seen).count) members that stayed were missed")
                #expect(deleted.count > 300)
            }
            try await opened.close()
        }
    }
}
