import Foundation
import Logging
import Synchronization
import Testing

@testable import StatusGraphServer

/// Log lines in StreamLogHandler's form, with the metadata as it stands when the line is written.
@Suite struct ConsoleLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
    }

    func logger(_ lines: Lines, provider: Logger.MetadataProvider? = nil) -> Logger {
        var logger = Logger(label: "statusgraph") { label in
            ConsoleLogHandler(label: label, metadataProvider: provider) { line in lines.lines.withLock { $0.append(line) } }
        }
        logger.logLevel = .info
        return logger
    }

    @Test func linesCarryLevelLabelSortedMetadataSourceAndMessage() throws {
        let lines = Lines()
        var logger = logger(lines)
        logger[metadataKey: "b"] = "2"
        logger[metadataKey: "a"] = "1"
        logger[metadataKey: "a"] = "one"  // the latest value is the one written
        logger.info("listening", metadata: ["c": "3", "b": "two"])
        logger.debug("below the level")
        let written = lines.lines.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.hasSuffix(" info statusgraph: a=one b=two c=3 [StatusGraphServerTests] listening\n"), "\(line)")
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} "#, options: .regularExpression) != nil, "\(line)")
    }

    @Test func providerMetadataAndErrors() throws {
        struct Failure: Error, CustomStringConvertible { var description: String { "disk full" } }
        let lines = Lines()
        let logger = logger(lines, provider: Logger.MetadataProvider { ["trace": "t1"] })
        logger.error("write failed", error: Failure())
        let line = try #require(lines.lines.withLock { $0 }.first)
        #expect(line.contains(": error.message=disk full error.type="), "\(line)")
        #expect(line.contains("trace=t1 [StatusGraphServerTests] write failed\n"), "\(line)")
    }

    @Test func noMetadataNoGap() throws {
        let lines = Lines()
        logger(lines).warning("plain")
        let line = try #require(lines.lines.withLock { $0 }.first)
        #expect(line.hasSuffix(" warning statusgraph: [StatusGraphServerTests] plain\n"), "\(line)")
    }
}

/// The server's lines name the request they were written for by the `request-id` its answer carries, and
/// at `debug` every request has a line of its own.
@Suite struct RequestLoggingTests {
    @Test func linesCarryTheRequestIDAndDebugLogsEachRequest() async throws {
        let lines = ConsoleLogHandlerTests.Lines()
        var logger = Logger(label: "statusgraph") { label in
            ConsoleLogHandler(label: label, metadataProvider: RequestLogging.metadataProvider) { line in
                lines.lines.withLock { $0.append(line) }
            }
        }
        logger.logLevel = .debug
        try await withApp(configure: { $0.allowReset = true }, logger: logger) { client in
            let reset = try await client.send(.post, "/_statusgraph/reset")
            #expect(reset.status == 204, "\(reset.text)")
            let id = try #require(reset.header("request-id"))
            let missing = try await client.send(.get, "/beta/deviceAppManagement/mobileApps/none", headers: ["client-request-id": "mine"])
            #expect(missing.status == 404)
            let missingID = try #require(missing.header("request-id"))
            let written = lines.lines.withLock { $0 }
            // A line the service writes while handling the request (the reset's), and the request's own.
            #expect(written.contains { $0.contains("request-id=\(id)") && $0.contains("reset tenant") }, "\(written)")
            #expect(written.contains { $0.contains("request-id=\(id)") && $0.contains("POST /_statusgraph/reset 204 ") }, "\(written)")
            #expect(written.contains {
                $0.contains(" debug ") && $0.contains("client-request-id=mine") && $0.contains("request-id=\(missingID)")
                    && $0.contains("GET /beta/deviceAppManagement/mobileApps/none 404 ")
            }, "\(written)")
        }
        // Outside a request, nothing is added.
        logger.info("between requests")
        #expect(lines.lines.withLock { $0.last?.contains("request-id") == false })
    }
}
