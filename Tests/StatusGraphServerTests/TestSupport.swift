import Foundation
import GraphModel
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import StatusGraphServer
import Storage
import StatusGraphTestSupport
import StorageSQLite
import Testing

/// A fresh data directory, removed when the test ends.
func withDataDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("statusgraph-test-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try await body(dir)
}

/// The secret test servers sign their tokens with.
let testSecret = Array("statusgraph-test-secret-32-bytes!".utf8)
let testIssuer = TokenIssuer(secret: testSecret)
let defaultTenant = TokenIssuer.developmentTenant

/// A client of the app under test that sends a bearer token (read-write on the default tenant unless told otherwise).
struct Client: Sendable {
    let inner: any TestClientProtocol
    let token: String

    /// The `Authorization` header a request sends.
    enum Authorization: Sendable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
        /// The client's read-write token.
        case standard
        case none
        case header(String)
        init(stringLiteral value: String) { self = .header(value) }
        init(_ value: String?) { self = value.map { .header($0) } ?? .none }
    }

    /// Sends a request with the client's token, another `Authorization` header, or none; its body is
    /// `json` in UTF-8 or `bytes` as they are.
    func send(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, bytes: [UInt8]? = nil, headers extra: [String: String] = [:],
        authorization: Authorization = .standard
    ) async throws -> Reply {
        var headers = HTTPFields()
        if json != nil || bytes != nil { headers[.contentType] = "application/json" }
        switch authorization {
        case .standard: headers[.authorization] = "Bearer \(token)"
        case .header(let value): headers[.authorization] = value
        case .none: break
        }
        for (k, v) in extra { headers[HTTPField.Name(k)!] = v }
        return try await inner.execute(
            uri: uri, method: method, headers: headers, body: bytes.map { ByteBuffer(bytes: $0) } ?? json.map { ByteBuffer(string: $0) }
        ) { response in
            Reply(status: Int(response.status.code), headers: response.headers, text: String(buffer: response.body))
        }
    }

    /// Creates an entity and returns its id, failing the test unless the answer is 201.
    func create(_ uri: String, _ json: String) async throws -> String {
        let reply = try await send(.post, uri, json: json)
        #expect(reply.status == 201, "POST \(uri): \(reply.text)")
        return reply.json["id"] as? String ?? ""
    }
}

/// Runs `body` against the app in-process, on a SQLite store in `dataDirectory` (a fresh one if nil).
func withApp<T: Sendable>(
    dataDirectory: String? = nil, configure: (inout ServerConfiguration) -> Void = { _ in }, logger: Logger? = nil,
    _ body: @escaping @Sendable (Client) async throws -> T
) async throws -> T {
    if let dataDirectory { return try await runApp(dataDirectory, configure, logger, body) }
    return try await withDataDirectory { dir in try await runApp(dir, configure, logger, body) }
}

/// Runs `body` against the app in-process, on `store` (in `dataDirectory`, for the files the server
/// keeps beside it): for a test that needs a store opened in a way of its own.
func withApp<T: Sendable>(
    store opened: OpenedStore, dataDirectory dir: String, _ body: @escaping @Sendable (Client) async throws -> T
) async throws -> T {
    try await runApp(dir, { _ in }, nil, opened, body)
}

private func runApp<T: Sendable>(
    _ dir: String, _ configure: (inout ServerConfiguration) -> Void, _ logger: Logger?,
    _ body: @escaping @Sendable (Client) async throws -> T
) async throws -> T {
    try await runApp(dir, configure, logger, try await openStore(dataDirectory: dir), body)
}

private func runApp<T: Sendable>(
    _ dir: String, _ configure: (inout ServerConfiguration) -> Void, _ logger: Logger?, _ opened: OpenedStore,
    _ body: @escaping @Sendable (Client) async throws -> T
) async throws -> T {
    var config = ServerConfiguration()
    config.dataDirectory = dir
    config.publicBaseURL = "https://graph.test"
    config.identity.hmacSecret = testSecret
    configure(&config)
    let logger = logger ?? {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()
    let app = try await buildApplication(configuration: config, service: GraphModel.service, store: opened.store, logger: logger)
    let token = try await testIssuer.token(scopes: ["DeviceManagementApps.ReadWrite.All"])
    let result = try await app.test(.router) { client in try await body(Client(inner: client, token: token)) }
    try await opened.close()
    return result
}

/// The storage of a data directory, on the backend the run selects (`STATUSGRAPH_TEST_BACKEND`).
func openStore(dataDirectory dir: String) async throws -> OpenedStore {
    switch TestBackend.selected {
    case .sqlite:
        // As `statusgraph serve` opens it: big deletes purged in the background.
        return OpenedStore(
            store: BackgroundPurgeStore(
                SQLEntityStore(layout: try StorageLayout(service: GraphModel.service), database: try SQLiteDatabase.open(dataDirectory: dir))))
    case .postgres:
        return try await TestBackend.postgres.open(key: "app" + String(dir.hashValue.magnitude))
    }
}

/// A response with its JSON body parsed.
struct Reply: @unchecked Sendable {  // holds only JSONSerialization values, read on one task
    let status: Int
    let headers: HTTPFields
    let text: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
    var errorMessage: String { error["message"] as? String ?? "" }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

enum Bodies {
    static let webApp = ##"{"@odata.type":"#microsoft.graph.webApp","displayName":"Contoso Web","appUrl":"https://contoso.example"}"##
    static let iosLobApp = ##"{"@odata.type":"#microsoft.graph.iosLobApp","displayName":"Contoso iOS","bundleId":"com.contoso.app"}"##
    static let iosConfiguration =
        ##"{"@odata.type":"#microsoft.graph.iosMobileAppConfiguration","displayName":"Contoso settings","version":3,"targetedMobileApps":["a"],"settings":[{"appConfigKey":"k","appConfigKeyType":"stringType","appConfigKeyValue":"v"}]}"##
    static let provisioning =
        ##"{"@odata.type":"#microsoft.graph.iosLobAppProvisioningConfiguration","displayName":"Profile","payloadFileName":"p.mobileprovision","payload":"cGF5bG9hZA==","version":1}"##
}
