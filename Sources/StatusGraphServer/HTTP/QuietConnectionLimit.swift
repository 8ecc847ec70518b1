import HummingbirdCore
import Logging
import NIOCore

/// Closes a connection from which no byte has arrived for a while, whatever it speaks: a TLS handshake
/// that never completes, an HTTP/2 client that neither opens a stream nor answers the GOAWAY sent when
/// it went idle. (HTTP/1.1 connections are closed at the idle timeout itself, by Hummingbird, between
/// requests; this is the backstop below every protocol.) Its handlers go first in the pipeline, so
/// they count raw bytes, before TLS. Or, `writing`, a connection to which no byte could be sent for a
/// while: a reader that stopped taking a long answer (the admin socket's export).
struct QuietConnectionLimit<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value

    let inner: Inner
    /// No bytes for this long, and the connection closes.
    let timeout: TimeAmount
    let writing: Bool

    /// The idle timeout, and as much again (at most 10 s) for a graceful close to finish first.
    init(_ inner: Inner, idleTimeout: Duration, writing: Bool = false) {
        self.inner = inner
        let idle = TimeAmount(idleTimeout)
        self.timeout = idle + min(idle, .seconds(10))
        self.writing = writing
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let (timeout, writing) = (self.timeout, self.writing)
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandlers([
                writing ? IdleStateHandler(writeTimeout: timeout) : IdleStateHandler(readTimeout: timeout),
                QuietConnectionCloser(on: writing ? .write : .read),
            ])
        }.flatMap { inner.setup(channel: channel, logger: logger) }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Closes its connection on `IdleStateHandler`'s timeout of one kind.
final class QuietConnectionCloser: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    let kind: IdleStateHandler.IdleStateEvent

    init(on kind: IdleStateHandler.IdleStateEvent) { self.kind = kind }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == kind {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
