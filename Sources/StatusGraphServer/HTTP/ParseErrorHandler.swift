import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import ODataCore

/// Answers a request that is not HTTP/1.1 (a broken request line or header, a head over the size
/// limit) with a Graph error body, as every other bad request, then closes the connection: the bytes
/// that follow cannot be trusted to start a request. Without it Hummingbird answers an empty 400.
/// A broken request pipelined behind others is answered after their responses. A body that breaks its
/// framing while the app reads it is the app's to answer (`StatusGraphResponder` says the body could
/// not be read).
final class ParseErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The most bytes of request line and headers the decoder takes (Hummingbird's default, stated here).
    static let maxHeadBytes = 80 * 1024

    /// Requests whose head was read and whose response has not ended.
    private var open = 0
    /// Whether a request's body is being read (its head came, its end not yet).
    private var reading = false
    /// The parse error to answer once the requests before it are answered.
    private var pending: HTTPParserError?
    /// Whether this connection's parse error was answered (the decoder may report more before it closes).
    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: open += 1; reading = true
        case .body: break
        case .end: reading = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        open -= 1
        context.write(data, promise: promise)
        if open == 0, let pending {
            answer(pending, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError, !reading else {
            context.fireErrorCaught(error)
            return
        }
        // Bytes after a request that closes the connection (`Connection: close`, HTTP/1.0 without
        // keep-alive): RFC 9112 §9.6 has the server answer nothing more on it, and it closes once the
        // requests before are answered (`ConnectionPersistence`).
        if parse == .closedConnection { return }
        if open == 0 {
            answer(parse, context: context)
        } else {
            pending = parse
        }
    }

    private func answer(_ parse: HTTPParserError, context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let message = switch parse {
        case .headerOverflow: "The request line and headers are larger than the limit of \(Self.maxHeadBytes) bytes."
        default: "The request is not valid HTTP/1.1: \(parse.debugDescription)."
        }
        let requestID = RequestID.make()
        var (head, body) = StatusGraphResponder.response(
            for: ServiceResponse(error: .badRequest(message)), requestID: requestID, clientRequestID: requestID)
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
    }
}
