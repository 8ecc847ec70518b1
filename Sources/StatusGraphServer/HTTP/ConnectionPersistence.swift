import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Whether an HTTP/1 connection stays open after a response, as RFC 9112 §9.3 says: an HTTP/1.1
/// request keeps it open unless it says `Connection: close` (in any case, among other options); an
/// HTTP/1.0 request closes it unless it says `Connection: keep-alive`. The response says which
/// (`Connection: close`, or `keep-alive` to an HTTP/1.0 client that asked), and the connection closes
/// after a response that says `close`. Hummingbird closes only after a request whose `Connection` is
/// exactly `close` and knows no HTTP versions (its requests are HTTPTypes', which have none), so an
/// HTTP/1.0 client that waits for the end of the connection, as HTTP/1.0 allows, waited for the idle
/// timeout. This handler works on NIOHTTP1's parts, before they become HTTPTypes' (where the version is
/// lost), and gives Hummingbird the request's `Connection: close` it understands.
final class ConnectionPersistence: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What a response tells its client of the connection.
    enum Persistence: Equatable {
        /// Nothing: HTTP/1.1's default, the connection stays open.
        case `default`
        /// `Connection: keep-alive`: an HTTP/1.0 client asked for it, and gets it.
        case keepAlive
        /// `Connection: close`, and the connection closes after the response.
        case close
    }

    /// What the response to a request with `head` says.
    static func persistence(of head: HTTPRequestHead) -> Persistence {
        guard head.isKeepAlive else { return .close }
        return head.version.major == 1 && head.version.minor == 0 ? .keepAlive : .default
    }

    /// For each request read and not answered yet, oldest first (requests may be pipelined).
    private var unanswered = CircularBuffer<Persistence>(initialCapacity: 2)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let persistence = Self.persistence(of: head)
        unanswered.append(persistence)
        if persistence == .close {
            head.headers.replaceOrAdd(name: "connection", value: "close")  // what Hummingbird closes after
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An informational response (`100 Continue`) is not the answer: the final one follows.
        guard case .head(var head) = unwrapOutboundIn(data), head.status.code >= 200, let persistence = unanswered.popFirst() else {
            context.write(data, promise: promise)
            return
        }
        switch persistence {
        case .default: break
        case .keepAlive: head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
        case .close: head.headers.replaceOrAdd(name: "connection", value: "close")
        }
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }

    /// Puts a `ConnectionPersistence` in an HTTP/1 connection's pipeline where NIOHTTP1's parts become
    /// HTTPTypes' (just before `HTTP1ToHTTPServerCodec`), from among the handlers Hummingbird adds after
    /// that point: on HTTPS that pipeline is made only once ALPN chose HTTP/1.1. On an HTTP/2 stream,
    /// which has no connection of its own to keep or close, it puts nothing. Either way it then leaves.
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart

        func handlerAdded(context: ChannelHandlerContext) {
            let pipeline = context.pipeline.syncOperations
            do {
                if let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) {
                    try pipeline.addHandler(ConnectionPersistence(), position: .before(codec))
                }
            } catch {
                context.fireErrorCaught(error)
            }
            pipeline.removeHandler(context: context, promise: nil)
        }
    }
}
