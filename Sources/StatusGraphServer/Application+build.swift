import Hummingbird
import Logging
import NIOCore
import ODataModel
import Storage

/// Builds the server application over a store; the one composition root, used by the CLI and the tests.
public func buildApplication(
    configuration: ServerConfiguration, service: ServiceModel, store: any EntityStore, logger: Logger,
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let odata = ODataService(service: service, store: store, limits: configuration.limits, logger: logger)
    let responder = StatusGraphResponder(service: odata, configuration: configuration, logger: logger)
    var app = Application(
        responder: responder,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "StatusGraph"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
    app.beforeServerStarts { try await store.prepare() }
    return app
}
