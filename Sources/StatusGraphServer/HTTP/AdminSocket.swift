import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import NIOCore
import ODataCore
import Storage
import Synchronization

/// The operator's channel to a running server: HTTP on a Unix domain socket in its data directory, which
/// only the server's user can open (mode 0600, as Docker's socket), so it needs no token. It serves what
/// needs the server's own database file while it runs (a SQLite file is one process's at a time):
/// `GET /export`, the store as `statusgraph export` writes it, from one snapshot, while the server goes
/// on serving (`statusgraph export` uses it when the server runs; so may `curl --unix-socket`), and
/// `GET /backup`, the SQLite file itself as of one moment (`statusgraph backup`).
public enum AdminSocket {
    /// The socket's name in the data directory.
    public static let fileName = "admin.sock"
    /// The longest path a Unix domain socket's address holds (`sun_path`, less its terminating NUL).
    public static let maxPathBytes = 107
    public static let exportPath = "/export"
    public static let backupPath = "/backup"

    /// The socket's path in `dataDirectory`, or nil when that path is too long for a socket address.
    public static func path(dataDirectory: String) -> String? {
        let path = (dataDirectory as NSString).appendingPathComponent(fileName)
        return path.utf8.count <= maxPathBytes ? path : nil
    }

    /// The server on the socket at `path`, as a service to run beside the main one. A socket that cannot be
    /// made (a file system without Unix sockets) is reported, and the server serves on without it.
    public static func service(path: String, store: any EntityStore, idleTimeout: Duration, logger: Logger) -> any Service {
        Unessential(
            application(path: path, store: store, idleTimeout: idleTimeout, logger: logger), logger: logger, what: "the admin socket \(path)")
    }

    /// A service whose failure ends only itself: it waits for the group's shutdown instead (a service
    /// that returns or throws would end the whole group).
    private struct Unessential: Service {
        let service: any Service
        let logger: Logger
        let what: String

        init(_ service: any Service, logger: Logger, what: String) {
            self.service = service
            self.logger = logger
            self.what = what
        }

        func run() async throws {
            do {
                try await service.run()
            } catch where !Task.isCancelled {
                logger.warning("\(what) is not served: \(error)")
                try? await gracefulShutdown()
            }
        }
    }

    /// The server on the socket at `path` (any file there is replaced). A connection that takes nothing of
    /// its answer for `idleTimeout` (and as much again, at most 10 s) is closed, giving up its export.
    public static func application(path: String, store: any EntityStore, idleTimeout: Duration, logger: Logger) -> some ApplicationProtocol {
        Application(
            responder: AdminResponder(store: store, directory: (path as NSString).deletingLastPathComponent, logger: logger),
            server: HTTPServerBuilder { responder in
                QuietConnectionLimit(
                    HTTP1Channel(responder: responder, configuration: HTTP1Channel.Configuration(idleTimeout: TimeAmount(idleTimeout))), idleTimeout: idleTimeout,
                    writing: true)
            },
            configuration: .init(address: .unixDomainSocket(path: path), serverName: "StatusGraph"),
            onServerRunning: { _ in
                // Only the server's user may connect (connecting takes write permission on the socket).
                if chmod(path, 0o600) != 0 { logger.warning("could not make \(path) private to its owner") }
            },
            logger: logger)
    }
}

/// Answers the admin socket's requests: one export and one backup at a time, errors in Graph's format.
struct AdminResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let store: any EntityStore
    /// The data directory, where a backup is written before it is sent.
    let directory: String
    let logger: Logger
    /// Whether an export is running: each holds a snapshot (and a connection) for as long as its reader reads.
    private let exporting = Gate()
    /// Whether a backup is being written (each a copy of the store on disk until it is sent).
    private let backingUp = Gate()

    init(store: any EntityStore, directory: String, logger: Logger) {
        self.store = store
        self.directory = directory
        self.logger = logger
    }

    final class Gate: Sendable {
        let running = Mutex(false)
        func begin() -> Bool {
            running.withLock { running in
                if running { return false }
                running = true
                return true
            }
        }
        func end() { running.withLock { $0 = false } }
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let headers: HTTPFields
        switch path {
        case AdminSocket.exportPath: headers = [.contentType: "application/x-ndjson"]
        case AdminSocket.backupPath: headers = [.contentType: "application/vnd.sqlite3"]
        default:
            return Self.answer(
                .notFound("No admin resource at '\(path)'; the admin socket serves GET \(AdminSocket.exportPath) and GET \(AdminSocket.backupPath)."))
        }
        switch request.method {
        case .get: break
        case .head:
            // What GET would answer, without running it: its length is known only once it has run.
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in try await writer.finish(nil) })
        default: return Self.answer(.methodNotAllowed(request.method.rawValue, path: path, allowed: ["GET"]))
        }
        if path == AdminSocket.backupPath { return try await backup(headers: headers) }
        guard !exporting.running.withLock({ $0 }) else {
            return Self.answer(ODataError(.conflict, code: "Conflict", message: "An export is running; one runs at a time."))
        }
        let (store, logger, exporting) = (self.store, self.logger, self.exporting)
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // Taken here, where it is sure to be given back (an answer whose connection closed first never
            // gets here); two requests that passed the check above at once: the second ends at once.
            guard exporting.begin() else { throw ExportRunning() }
            defer { exporting.end() }
            do {
                let rows = try await StoreExport.run(store) { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
                try await writer.finish(nil)
                logger.info("exported \(rows) rows through the admin socket")
            } catch {
                // The answer has begun: it ends without the export's last line, which readers check for.
                logger.error("the export through the admin socket failed: \(error)")
                throw error
            }
        })
    }

    struct ExportRunning: Error {}

    /// The SQLite file as of one moment: written whole to a file in the data directory first (so that a
    /// failure, a full disk, is an error answer, not a cut-short one), which is unlinked as soon as it is
    /// open: the answer reads it from its descriptor, and nothing is left behind however the answer ends.
    /// Its `Content-Length` lets the reader tell a whole copy from a broken one.
    private func backup(headers: HTTPFields) async throws -> Response {
        guard backingUp.begin() else {
            return Self.answer(ODataError(.conflict, code: "Conflict", message: "A backup is being written; one is written at a time."))
        }
        let file = (directory as NSString).appendingPathComponent("backup-\(RequestID.make()).sqlite.partial")
        let handle: FileHandle
        let size: UInt64
        do {
            defer { backingUp.end() }
            defer { unlink(file) }
            do {
                try await store.backup(into: file)
                handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
                size = try handle.seekToEnd()
                try handle.seek(toOffset: 0)
            } catch {
                logger.error("the backup through the admin socket failed: \(error)")
                return Self.answer(
                    ODataError(
                        .serviceUnavailable, code: "ServiceUnavailable",
                        message: "The backup could not be written to \(directory): \((error as? StorageError)?.underlying.map { "\($0)" } ?? "\(error)")"))
            }
        }
        var fields = headers
        fields[.contentLength] = String(size)
        let logger = self.logger
        return Response(status: .ok, headers: fields, body: ResponseBody { writer in
            defer { try? handle.close() }
            var sent: UInt64 = 0
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
                sent += UInt64(chunk.count)
            }
            try await writer.finish(nil)
            logger.info("sent a backup of \(sent) bytes through the admin socket")
        })
    }

    /// An error answer, made as every answer of the server is (`StatusGraphResponder.response`).
    private static func answer(_ error: ODataError) -> Response {
        let id = RequestID.make()
        let (head, body) = StatusGraphResponder.response(for: ServiceResponse(error: error), requestID: id, clientRequestID: id)
        return Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: body))
    }
}
