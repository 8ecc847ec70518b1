import Foundation
import GraphModel
import HTTPTypes
import HummingbirdTesting
import Logging
import Storage
import Testing

@testable import StatusGraphServer

/// The admin socket's answers (`AdminSocket`): the store's export, and Graph's errors for anything else.
/// (Over a real socket, beside a serving server, with `statusgraph export`: the end-to-end suite.)
@Suite struct AdminSocketTests {
    @Test func itAnswersTheExportAndNothingElse() async throws {
        try await withDataDirectory { dir in
            let opened = try await openStore(dataDirectory: dir)
            try await opened.store.prepare()
            let apps = try #require(opened.store.layout.table(path: ["mobileApps"]))
            try await opened.store.insert(
                apps, in: Scope(tenant: "t", parents: []),
                StoredEntity(id: "app", type: "webApp", values: Array(repeating: .null, count: apps.columns.count)))
            var exported: [UInt8] = []
            try await StoreExport.run(opened.store) { exported += $0 }
            let expected = exported
            let app = AdminSocket.application(
                path: dir + "/" + AdminSocket.fileName, store: opened.store, idleTimeout: .seconds(120), logger: Logger(label: "test"))
            try await app.test(.router) { client in
                try await client.execute(uri: "/export", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/x-ndjson")
                    #expect(Array(response.body.readableBytesView) == expected)
                }
                try await client.execute(uri: "/export", method: .head) { response in
                    #expect(response.status == .ok && response.body.readableBytes == 0)
                }
                for (method, uri, status, code) in [
                    (HTTPRequest.Method.post, "/export", 405, "Request_BadRequest"), (.delete, "/export", 405, "Request_BadRequest"),
                    (.get, "/", 404, "ResourceNotFound"), (.get, "/beta/deviceAppManagement", 404, "ResourceNotFound"),
                ] {
                    try await client.execute(uri: uri, method: method) { response in
                        #expect(response.status.code == status, "\(method) \(uri)")
                        let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                        #expect((body?["error"] as? [String: Any])?["code"] as? String == code, "\(method) \(uri)")
                        if status == 405 { #expect(response.headers[.allow] == "GET, HEAD") }
                    }
                }
            }
            try await opened.close()
        }
    }

    /// A socket's address holds 107 bytes: a data directory whose socket path is longer has none.
    @Test func aSocketPathFitsItsAddress() {
        let fits = "/" + String(repeating: "d", count: 95)  // 96 bytes, and "/admin.sock"
        #expect(AdminSocket.path(dataDirectory: fits) == fits + "/admin.sock")
        #expect(AdminSocket.path(dataDirectory: fits + "d") == nil)
    }
}
