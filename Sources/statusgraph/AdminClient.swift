import NIOCore
import NIOHTTP1
import NIOPosix
import StatusGraphServer

/// A request to a running server's admin socket (`AdminSocket`), its answer's body handed on as it arrives.
enum AdminClient {
    /// No server answers on the socket (none is running, or it has no socket): the caller opens the store itself.
    struct NotRunning: Error {}

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `GET path` on the socket at `socketPath`; each piece of a 200 answer's body goes to `body`. Throws
    /// `NotRunning` when nothing listens there, `Failure` for another answer or one cut short.
    static func get(_ path: String, socketPath: String, body: ([UInt8]) throws -> Void) async throws {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw NotRunning()  // no socket file, or one that nothing listens on any more
        }
        try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
            head.headers.add(name: "Host", value: "localhost")
            try await outbound.write(.head(head))
            try await outbound.write(.end(nil))
            var status: HTTPResponseStatus?
            var refusal: [UInt8] = []
            do {
                for try await part in inbound {
                    switch part {
                    case .head(let response):
                        status = response.status
                    case .body(let buffer):
                        if status == .ok {
                            try body(Array(buffer.readableBytesView))
                        } else if refusal.count < 64 << 10 {
                            refusal += buffer.readableBytesView
                        }
                    case .end:
                        guard status == .ok else {
                            throw Failure(description: "the server answered \(status.map(String.init(describing:)) ?? "nothing"): \(String(decoding: refusal, as: UTF8.self))")
                        }
                        return
                    }
                }
            } catch let failure as Failure {
                throw failure
            } catch {
                throw Failure(description: "the server's answer broke off (\(error))")
            }
            throw Failure(description: "the server's answer broke off")
        }
    }
}
