import Foundation
import GraphModel
import HTTPTypes
import HummingbirdTesting
import Logging
import Storage
import StorageSQLite
import StatusGraphTestSupport
import Testing

@testable import StatusGraphServer

/// The admin socket's answers (`AdminSocket`): the store's export, and Graph's errors for anything else.
/// (Over a real socket, beside a serving server, with `statusgraph export`: the end-to-end suite.)
@Suite struct AdminSocketTests {
    /// A store in `dir` (on the backend the suite runs on) holding one app, "app" of tenant "t".
    private func storeWithAnApp(_ dir: String) async throws -> (OpenedStore, StorageTable) {
        let opened = try await openStore(dataDirectory: dir)
        try await opened.store.prepare()
        let apps = try #require(opened.store.layout.table(path: ["mobileApps"]))
        try await opened.store.insert(
            apps, in: Scope(tenant: "t", parents: []),
            StoredEntity(id: "app", type: "webApp", values: Array(repeating: .null, count: apps.columns.count)))
        return (opened, apps)
    }

    @Test func itAnswersTheExportAndNothingElse() async throws {
        try await withDataDirectory { dir in
            let (opened, _) = try await storeWithAnApp(dir)
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
                for uri in ["/export", "/backup"] {
                    try await client.execute(uri: uri, method: .head) { response in
                        #expect(response.status == .ok && response.body.readableBytes == 0)
                        #expect(response.headers[.contentLength] == nil, "a length is known only once the answer is made")
                    }
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

    /// `GET /backup`: the SQLite file as of now, whole (its length said first), sound and holding the
    /// store; nothing of it left in the data directory. A store that has no file (PostgreSQL), or a copy
    /// that cannot be written, is a 503 that says why.
    @Test func itAnswersABackupOfTheFile() async throws {
        try await withDataDirectory { dir in
            let (opened, apps) = try await storeWithAnApp(dir)
            let logger = Logger(label: "test")
            let app = AdminSocket.application(path: dir + "/" + AdminSocket.fileName, store: opened.store, idleTimeout: .seconds(120), logger: logger)
            let elsewhere = AdminSocket.application(
                path: dir + "/missing/" + AdminSocket.fileName, store: opened.store, idleTimeout: .seconds(120), logger: logger)
            let copy = dir + "/copy.sqlite"
            try await app.test(.router) { client in
                try await client.execute(uri: "/backup", method: .get) { response in
                    switch TestBackend.selected {
                    case .sqlite:
                        #expect(response.status == .ok)
                        #expect(response.headers[.contentType] == "application/vnd.sqlite3")
                        #expect(response.headers[.contentLength] == String(response.body.readableBytes))
                        #expect(Array(response.body.readableBytesView.prefix(16)) == Array("SQLite format 3\0".utf8))
                        #expect(FileManager.default.createFile(atPath: copy, contents: Data(response.body.readableBytesView)))
                    case .postgres:
                        #expect(response.status == .serviceUnavailable)
                        #expect(String(buffer: response.body).contains("pg_dump"), "\(String(buffer: response.body))")
                    }
                }
                try await client.execute(uri: "/backup", method: .post) { response in #expect(response.status.code == 405) }
            }
            let left = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("backup-") }
            #expect(left.isEmpty, "\(left)")
            if TestBackend.selected == .sqlite {
                try SQLiteDatabase.checkBackup(at: copy)
                // The copy is the store: opened as one, it holds the app.
                let restored = try SQLiteDatabase.open(dataDirectory: dir + "/restored")
                try await restored.close()
                for file in ["statusgraph.sqlite", "statusgraph.sqlite-wal", "statusgraph.sqlite-shm"] {
                    try? FileManager.default.removeItem(atPath: dir + "/restored/" + file)
                }
                try FileManager.default.copyItem(atPath: copy, toPath: dir + "/restored/statusgraph.sqlite")
                let store = SQLEntityStore(layout: opened.store.layout, database: try SQLiteDatabase.open(dataDirectory: dir + "/restored"))
                #expect(try await store.get(apps, in: Scope(tenant: "t", parents: []), id: "app", types: nil)?.type == "webApp")
                try await store.close()
                try await elsewhere.test(.router) { client in
                    try await client.execute(uri: "/backup", method: .get) { response in
                        #expect(response.status == .serviceUnavailable)
                        #expect(String(buffer: response.body).contains("could not be written to \(dir)/missing"), "\(String(buffer: response.body))")
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
