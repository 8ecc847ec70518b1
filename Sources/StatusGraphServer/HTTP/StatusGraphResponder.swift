import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ODataCore

/// The HTTP face of the service: limits, request ids and common headers; then one call into
/// `ODataService`. Errors become Graph error bodies here and nowhere else.
public struct StatusGraphResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    let service: ODataService
    let configuration: ServerConfiguration
    let verifier: TokenVerifier
    let logger: Logger
    private let versionPrefixes: [(prefix: String, version: String)]
    /// What `GET /metrics` reports, when the server serves it (`--metrics`).
    let metrics: RequestMetrics?

    public init(service: ODataService, configuration: ServerConfiguration, verifier: TokenVerifier, logger: Logger) {
        self.service = service
        self.configuration = configuration
        self.verifier = verifier
        self.logger = logger
        self.versionPrefixes = service.versionNames.map { ("/\($0)", $0) }
        self.metrics = configuration.metrics ? RequestMetrics() : nil
    }

    static let clientRequestID = HTTPField.Name("client-request-id")!
    static let requestID = HTTPField.Name("request-id")!
    static let prefer = HTTPField.Name("Prefer")!
    static let commonFields = ServiceResponse.commonHeaders.map { HTTPField(name: HTTPField.Name($0.0)!, value: $0.1) }
    /// Where a test suite resets its tenant, when the server allows it (`--allow-reset`).
    static let resetPath = "/_statusgraph/reset"
    static let faultsPath = "/_statusgraph/faults"

    public func respond(to request: Request, context: Context) async throws -> Response {
        metrics?.begin()
        let logsRequests = logger.logLevel <= .debug
        let started = metrics != nil || logsRequests ? ContinuousClock.now : nil
        let requestID = RequestID.make()
        let clientRequestID = request.headers.first(Self.clientRequestID) ?? requestID
        let result = await RequestLogging.$requestID.withValue(requestID) { await serve(request, context: context) }
        let (head, body) = Self.response(
            for: result, requestID: requestID, clientRequestID: clientRequestID,
            crossOrigin: request.headers.first(.origin) != nil,
            coding: configuration.compressResponses ? .negotiated(ContentCoding.negotiate(request.headers[.acceptEncoding])) : .never)
        if let started {
            let duration = ContinuousClock.now - started
            metrics?.end(method: request.method.rawValue, status: head.status.code, duration: duration)
            if logsRequests {
                // An access log line per request at `debug` (`LOG_LEVEL=debug`).
                let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
                logger.debug(
                    "\(request.method.rawValue) \(request.uri.string) \(head.status.code) \(body.readableBytes) bytes \(micros) µs",
                    metadata: ["request-id": .string(requestID), "client-request-id": .string(clientRequestID)])
            }
        }
        // HEAD is GET without the body (RFC 9110 §9.3.2): the same status and headers, Content-Length included.
        return Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: request.method == .head ? ByteBuffer() : body))
    }

    /// Whether an answer's body may be compressed.
    enum Compression {
        /// Not by this server (`--no-compress-responses`), or not on this path (a connection's own answers).
        case never
        /// In the coding the request accepts, if any (`ContentCoding.negotiate`).
        case negotiated(ContentCoding.ResponseCoding?)
    }

    /// The HTTP response for `result`: Graph's common headers, then the body's, compressed as `coding`
    /// allows when it is large enough; CORS headers for a request from a browser (`crossOrigin`: it has
    /// an `Origin`). Every answer is made here, and every error body (`ParseErrorHandler` answers
    /// requests that never reach `respond`).
    static func response(
        for result: ServiceResponse, requestID: String, clientRequestID: String, crossOrigin: Bool = false,
        coding: Compression = .never
    ) -> (HTTPResponse, ByteBuffer) {
        // Each name is set once, so fields are appended (a subscript's set searches for earlier ones).
        var headers = HTTPFields()
        headers.reserveCapacity(9 + result.headers.count)
        headers.append(HTTPField(name: Self.requestID, value: requestID))
        headers.append(HTTPField(name: Self.clientRequestID, value: clientRequestID))
        for field in Self.commonFields { headers.append(field) }
        if crossOrigin {
            headers.append(HTTPField(name: .accessControlAllowOrigin, value: "*"))
            headers.append(HTTPField(name: .accessControlExposeHeaders, value: CrossOrigin.exposedHeaders))
        }
        for (name, value) in result.headers {
            if let n = HTTPField.Name(name) { headers.append(HTTPField(name: n, value: value)) }
        }
        if let contentType = result.contentType { headers.append(HTTPField(name: .contentType, value: contentType)) }
        let body: ByteBuffer
        switch result.body {
        case .empty:
            body = ByteBuffer()
        case .json(let json):
            body = json.withBytes { ByteBuffer(bytes: $0) }
        case .text(let text), .document(let text, _):
            body = ByteBuffer(string: text)
        case .error(let error):
            body = ByteBuffer(
                bytes: ErrorMapping.body(error, requestID: requestID, clientRequestID: clientRequestID, date: Self.errorDate()))
        }
        var sent = body
        if case .negotiated(let accepted) = coding, body.readableBytes > 0 {
            // The answer depends on Accept-Encoding, compressed or not (RFC 9110 §12.5.5).
            headers.append(HTTPField(name: .vary, value: "Accept-Encoding"))
            if let accepted, body.readableBytes >= ContentCoding.minimumCompressedBytes,
                let compressed = body.withUnsafeReadableBytes({ ContentCoding.encode($0, as: accepted) })
            {
                headers.append(HTTPField(name: .contentEncoding, value: accepted.rawValue))
                sent = compressed
            }
        }
        headers.append(HTTPField(name: .contentLength, value: String(sent.readableBytes)))
        return (HTTPResponse(status: .init(code: result.status), headerFields: headers), sent)
    }

    private func serve(_ request: Request, context: Context) async -> ServiceResponse {
        let path = request.uri.path
        if path.utf8.starts(with: "/health".utf8) {  // one test on the way of every other request
            switch path {
            case "/health": return ServiceResponse(status: 200, body: .text("ok"))
            case "/health/ready": return await ready()
            case "/health/echo" where request.method == .post: return await echo(request)
            default: break
            }
        }
        if let metrics, path == "/metrics" {
            guard request.method == .get || request.method == .head else {
                return Self.error(.methodNotAllowed(request.method.rawValue, path: path, allowed: ["GET"]))
            }
            return ServiceResponse(status: 200, body: .text(metrics.text(storage: service.store.statistics())))
        }
        if let preflight = CrossOrigin.preflight(request.head) {
            return preflight
        }
        if service.faults != nil, path == Self.faultsPath {
            return await faultRules(request)
        }
        if configuration.allowReset, path == Self.resetPath {
            guard request.method == .post else {
                return Self.error(.methodNotAllowed(request.method.rawValue, path: path, allowed: ["POST"]))
            }
            do {
                return await service.reset(try await verifier.identity(authorization: request.headers.first(.authorization)))
            } catch {
                return Self.error(error)
            }
        }
        guard request.uri.string.utf8.count <= configuration.limits.maxURLLength else {
            return Self.error(.badRequest("The request URL is longer than \(configuration.limits.maxURLLength) bytes."))
        }
        guard let (prefix, version) = versionPrefixes.first(where: { path == $0.prefix || path.hasPrefix($0.prefix + "/") }) else {
            let first = path.split(separator: "/").first.map(String.init) ?? ""
            return Self.error(.badRequest("Invalid version: '\(first)'. This service serves \(service.versionNames.joined(separator: " and ")).", target: first))
        }
        let identity: Identity
        do {
            identity = try await verifier.identity(authorization: request.headers.first(.authorization))
        } catch {
            return Self.error(error)
        }
        if identity.tenant == Identity.consumerTenant {
            return Self.error(ODataError(
                .forbidden, code: "Forbidden",
                message: "Personal Microsoft accounts are not supported: Intune's Graph API needs a work or school account."))
        }
        if configuration.identity.unlicensedTenants.contains(identity.tenant) {
            return Self.error(ODataError(
                .forbidden, code: "Forbidden",
                message: "The tenant \(identity.tenant) does not have an active Intune license; the Microsoft Graph API for Intune requires one."))
        }
        guard let method = request.method == .head ? .get : ServiceRequest.Method(rawValue: request.method.rawValue) else {
            return Self.error(.methodNotAllowed(request.method.rawValue, path: path))
        }
        // Throttled before its body is read; a batch's requests are counted one by one instead.
        if service.throttle != nil {
            let rest = path.dropFirst(prefix.count)
            let isBatch = rest == "/$batch" || (rest.utf8.count == 9 && rest.lowercased() == "/%24batch")
            if !isBatch, let refused = service.admit(identity, method: method) { return refused }
        }
        if service.faults != nil, let met = await service.meetFault(identity, method: method, path: path.dropFirst(prefix.count)) {
            return met
        }
        var body: [UInt8] = []
        if method == .post || method == .patch || method == .put {
            do {
                body = try await readBody(request)
            } catch {
                return error.response
            }
        }
        let query = request.uri.query.map { Substring($0) }
        let serviceRequest = ServiceRequest(
            method: method, version: version, path: path.dropFirst(prefix.count), query: query, body: body,
            contentType: request.headers.first(.contentType), accept: Self.accept(request.headers),
            preferences: Preferences(parsing: request.headers.lazy.filter { $0.name == Self.prefer }.map(\.value)),
            baseURL: baseURL(request), identity: identity)
        return await service.handle(serviceRequest)
    }

    /// The `Accept` header's values, several fields joined by commas as one (RFC 9110 §5.3).
    /// One pass over the fields, no list made: the Graph SDKs send `Accept` with every request.
    static func accept(_ headers: HTTPFields) -> String? {
        var joined: String?
        for field in headers where field.name == .accept {
            guard let before = joined else { joined = field.value; continue }
            if field.value.isEmpty { continue }
            joined = before.isEmpty ? field.value : before + ", " + field.value
        }
        return joined
    }

    /// `/_statusgraph/faults` (with `--allow-faults`): the caller's fault rules (`ODataService.faultRules`).
    private func faultRules(_ request: Request) async -> ServiceResponse {
        guard let method = request.method == .head ? .get : ServiceRequest.Method(rawValue: request.method.rawValue),
            ODataService.faultRuleMethods.contains(method)
        else {
            return Self.error(.methodNotAllowed(request.method.rawValue, path: Self.faultsPath, allowed: ODataService.faultRuleMethods.map(\.rawValue)))
        }
        let identity: Identity
        do {
            identity = try await verifier.identity(authorization: request.headers.first(.authorization))
        } catch {
            return Self.error(error)
        }
        var body: [UInt8] = []
        if method == .put || method == .post {
            do {
                body = try await readBody(request)
            } catch {
                return error.response
            }
        }
        return service.faultRules(method, body: body, contentType: request.headers.first(.contentType), identity: identity)
    }

    /// A body refused, with its answer.
    private struct Refused: Error {
        let response: ServiceResponse
    }

    /// A request's body, within the limit and decoded from its `Content-Encoding`.
    private func readBody(_ request: Request) async throws(Refused) -> [UInt8] {
        let limit = configuration.limits.maxBodyBytes
        // A body declared too large is refused unread (`ContinueHandler` did not ask for it).
        if ContinueHandler.declaresMore(than: limit, request.headers) { throw Refused(response: Self.tooLarge(limit)) }
        var body: [UInt8]
        do {
            var buffer = try await request.body.collect(upTo: limit)
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            throw Refused(response: Self.tooLarge(limit))
        } catch {
            throw Refused(response: Self.error(.badRequest("The request body could not be read.")))
        }
        if !body.isEmpty, let coding = request.headers.first(.contentEncoding) {
            do {
                body = try ContentCoding.decode(body, header: coding, limit: limit)
            } catch {
                throw Refused(response: Self.undecodable(error, limit: limit))
            }
        }
        return body
    }

    /// `GET /health/ready`: whether this instance can serve requests, its store included (a load
    /// balancer's or Kubernetes' readiness probe); `/health` answers without touching storage.
    private func ready() async -> ServiceResponse {
        do {
            try await service.store.ping()
            return ServiceResponse(status: 200, body: .text("ok"))
        } catch {
            // Logged there; whatever the store's failure, the instance is not ready.
            let mapped = ErrorMapping.odataError(for: error, logger: logger)
            return ServiceResponse(
                error: mapped.kind == .serviceUnavailable
                    ? mapped : ODataError(.serviceUnavailable, code: "ServiceUnavailable", message: "The store does not answer: this instance is not ready."))
        }
    }

    /// `POST /health/echo`: parses a JSON body and writes it back, touching no storage — the benchmark's
    /// second ceiling (the cost of JSON in and out on this server).
    private func echo(_ request: Request) async -> ServiceResponse {
        guard var buffer = try? await request.body.collect(upTo: configuration.limits.maxBodyBytes),
            let value = try? JSONParser.parse(buffer.readBytes(length: buffer.readableBytes) ?? [], maxDepth: configuration.limits.maxJSONDepth)
        else { return Self.error(.badRequest("The body is not JSON within the limits.")) }
        var w = JSONWriter(capacity: 512)
        w.json(value)
        return ServiceResponse(status: 200, body: .json(w))
    }

    private func baseURL(_ request: Request) -> String {
        if let configured = configuration.publicBaseURL { return configured }
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        return "\(configuration.tls == nil ? "http" : "https")://\(host)"
    }

    private static func undecodable(_ failure: ContentCoding.Failure, limit: Int) -> ServiceResponse {
        switch failure {
        case .unsupported(let coding):
            var response = error(ODataError(
                .unsupportedMediaType, code: "UnsupportedMediaType",
                message: "The Content-Encoding '\(coding)' is not supported; send the body as \(ContentCoding.accepted) or identity."))
            response.headers.append((HTTPField.Name.acceptEncoding.rawName, ContentCoding.accepted))
            return response
        case .invalid(let coding):
            return error(.badRequest("The request body is not valid \(coding) data (its Content-Encoding)."))
        case .tooLarge:
            return error(ODataError(
                .payloadTooLarge, code: "RequestEntityTooLarge",
                message: "The request body, decompressed, is larger than the limit of \(limit) bytes."))
        }
    }

    private static func tooLarge(_ limit: Int) -> ServiceResponse {
        error(ODataError(.payloadTooLarge, code: "RequestEntityTooLarge", message: "The request body is larger than the limit of \(limit) bytes."))
    }

    private static func error(_ e: ODataError) -> ServiceResponse {
        ServiceResponse(error: e)
    }

    /// `2023-06-23T12:19:44`: UTC, no offset or fraction, as Graph's innerError writes it.
    static func errorDate() -> String {
        let d = DateTimeOffset.now().description
        return String(d.prefix(19))
    }
}
