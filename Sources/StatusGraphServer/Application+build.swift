import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import ServiceLifecycle
import NIOCore
import ODataModel
import Storage

/// Builds the server application over a store; the one composition root, used by the CLI and the tests.
public func buildApplication(
    configuration: ServerConfiguration, service: ServiceModel, store: any EntityStore, logger: Logger,
    services: [any Service] = [],
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let odata = ODataService(
        service: service, store: store, limits: configuration.limits, logger: logger, injectsFaults: configuration.allowFaults)
    let verifier = try await TokenVerifier(configuration: configuration.identity)
    let responder = StatusGraphResponder(service: odata, configuration: configuration, verifier: verifier, logger: logger)
    let maxBodyBytes = configuration.limits.maxBodyBytes
    // Per connection (HTTP/1.1) or stream (HTTP/2): the head's size limit stated, HTTP/1's keep-alive
    // rules kept (HTTP/1.0 included), `Expect: 100-continue` answered, unparsable requests answered in Graph's format, idle connections closed; below every
    // protocol, connections that send nothing at all closed too (`QuietConnectionLimit`).
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [
            ConnectionPersistence.Installer(), ContinueHandler(maxBodyBytes: maxBodyBytes), ParseErrorHandler(),
        ],
        idleTimeout: TimeAmount(configuration.idleTimeout),
        httpDecoderConfiguration: .init(
            maxHeaderFieldSize: ParseErrorHandler.maxHeadBytes, maxHeaderListSize: ParseErrorHandler.maxHeadBytes))
    let idleTimeout = configuration.idleTimeout
    let server: HTTPServerBuilder
    if let tls = configuration.tls {
        let tlsConfiguration = try tls.configuration()
        server = HTTPServerBuilder { responder in
            QuietConnectionLimit(
                try HTTP2UpgradeChannel(
                    tlsConfiguration: tlsConfiguration,
                    configuration: .init(idleTimeout: idleTimeout, streamConfiguration: http1), responder: responder),
                idleTimeout: idleTimeout)
        }
    } else {
        server = HTTPServerBuilder { responder in
            QuietConnectionLimit(HTTP1Channel(responder: responder, configuration: http1), idleTimeout: idleTimeout)
        }
    }
    var app = Application(
        responder: responder,
        server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "StatusGraph"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
    app.beforeServerStarts { try await store.prepare() }
    return app
}
