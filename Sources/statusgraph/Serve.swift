import ArgumentParser
import Foundation
import GraphModel
import Hummingbird
import Logging
import StatusGraphServer
import Storage
import StorageSQLite

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server on the embedded SQLite store.")

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(name: .customLong("data-dir"), help: "Directory for the SQLite database and other state.")
    var dataDirectory = "./.statusgraph"

    @Option(name: .customLong("public-url"), help: "Base URL clients reach the server at (default: from the Host header).")
    var publicURL: String?

    @Option(name: .customLong("page-size"), help: "Members per page of a collection.")
    var pageSize = 1000

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted; larger ones get 413.")
    var maxBodyBytes = 4 * 1024 * 1024

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard pageSize >= 1 else { throw ValidationError("--page-size must be at least 1") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
    }

    func run() async throws {
        var config = ServerConfiguration()
        config.host = host
        config.port = port
        config.dataDirectory = dataDirectory
        config.publicBaseURL = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        config.limits.pageSize = pageSize
        config.limits.maxBodyBytes = maxBodyBytes
        var logger = Logger(label: "statusgraph")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let service = GraphModel.service
        let database: SQLiteDatabase
        do {
            database = try SQLiteDatabase.open(dataDirectory: dataDirectory)
        } catch {
            throw ValidationError("\(error)")
        }
        let store = SQLEntityStore(layout: try StorageLayout(service: service), database: database)
        let host = self.host
        let dataDirectory = self.dataDirectory
        let app = buildApplication(configuration: config, service: service, store: store, logger: logger) { port in
            let banner = "StatusGraph listening on http://\(host):\(port) (data in \(dataDirectory))\n"
                + "Try: curl http://\(host):\(port)/beta/deviceAppManagement\n"
            FileHandle.standardOutput.write(Data(banner.utf8))
        }
        try await app.runService()
        try await store.close()
    }
}
