import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` (RFC 9110 §10.1.1). A client that sends it waits for `100 Continue`
/// before it sends the body: curl waits a second for large bodies, Windows PowerShell's
/// `Invoke-RestMethod` (.NET Framework) 350 ms on every POST and PATCH. A body declared larger than the
/// limit gets no `100`: the responder answers 413 from its `Content-Length`, and the client need not
/// send it at all. One handler per connection (HTTP/1.1) or stream (HTTP/2).
final class ContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private let maxBodyBytes: Int

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data), let expect = head.headerFields.first(.expect),
            HeaderValues.contains(expect, lowercased: "100-continue"), !Self.declaresMore(than: maxBodyBytes, head.headerFields)
        {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }

    /// Whether the request's `Content-Length` exceeds `limit` (which the responder answers with 413).
    static func declaresMore(than limit: Int, _ headers: HTTPFields) -> Bool {
        guard let length = headers.first(.contentLength).flatMap({ Int($0) }) else { return false }
        return length > limit
    }
}
