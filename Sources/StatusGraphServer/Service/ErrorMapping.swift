import Logging
import ODataCore
import Storage

/// The one place that turns any error into the OData error a client sees. Anything unexpected is
/// logged and answered with a generic 500 that reveals nothing.
enum ErrorMapping {
    static func odataError(for error: any Error, logger: Logger) -> ODataError {
        switch error {
        case let e as ODataError:
            return e
        case let e as StorageError:
            switch e.code {
            case .parentNotFound:
                return .notFound("The entity that should contain the new one does not exist.")
            case .conflict:
                return ODataError(.conflict, code: "Conflict", message: "An entity with this key exists already.")
            case .unavailable:
                logger.error("storage unavailable: \(e)")
                return ODataError(
                    .serviceUnavailable, code: "ServiceUnavailable",
                    message: "The store is unavailable at the moment; retry later.")
            case .contended:
                logger.warning("write contended: \(e)")
                return ODataError(
                    .serviceUnavailable, code: "ServiceUnavailable",
                    message: "The write conflicted with concurrent writes and was not made; retry it.")
            case .unevaluable:
                logger.info("query not evaluable: \(e)")
                return .badRequest("The $filter or $orderby cannot be evaluated over the stored values: \(e.message).")
            case .timedOut:
                logger.warning("query timed out: \(e)")
                return ODataError(
                    .gatewayTimeout, code: "GatewayTimeout",
                    message: "The query did not finish in time: \(e.message). Narrow it (a $filter that selects fewer rows, a smaller $top) or retry later.")
            case .internalError:
                logger.error("storage failure: \(e)")
                return internalError
            }
        default:
            logger.error("unexpected error: \(String(reflecting: error))")
            return internalError
        }
    }

    /// What a 503 tells the client to wait before it retries.
    static let unavailableRetryAfterSeconds = 5

    /// The challenge of a 401, as Graph writes it: where a token for it comes from and Graph's own
    /// application id, which MSAL's `WwwAuthenticateParameters` read to find the authority.
    static let bearerChallenge =
        #"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000""#

    static let internalError = ODataError(
        .internalError, code: "InternalServerError", message: "An unexpected error occurred; it has been logged.")

    static func httpStatus(_ kind: ODataError.Kind) -> Int {
        switch kind {
        case .badRequest: return 400
        case .unauthorized: return 401
        case .forbidden: return 403
        case .notFound: return 404
        case .methodNotAllowed: return 405
        case .notAcceptable: return 406
        case .conflict: return 409
        case .preconditionFailed: return 412
        case .payloadTooLarge: return 413
        case .unsupportedMediaType: return 415
        case .failedDependency: return 424
        case .tooManyRequests: return 429
        case .internalError: return 500
        case .notImplemented: return 501
        case .badGateway: return 502
        case .serviceUnavailable: return 503
        case .gatewayTimeout: return 504
        }
    }

    /// The Graph error body: `{"error":{"code","message","target"?,"innerError":{"date","request-id","client-request-id"}}}`.
    static func body(_ error: ODataError, requestID: String, clientRequestID: String, date: String) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.key("error")
        w.beginObject()
        w.key("code"); w.string(error.code)
        w.key("message"); w.string(error.message)
        if let target = error.target { w.key("target"); w.string(target) }
        w.key("innerError")
        w.beginObject()
        w.key("date"); w.string(date)
        w.key("request-id"); w.string(requestID)
        w.key("client-request-id"); w.string(clientRequestID)
        w.endObject()
        w.endObject()
        w.endObject()
        return w.bytes
    }
}

extension ServiceResponse {
    /// The answer for `error`, direct or inside a `$batch`: its status, and the headers its kind calls
    /// for (401 `WWW-Authenticate`, 405 `Allow`, 503 `Retry-After`) after any given in `headers`.
    init(error: ODataError, headers: [(String, String)] = []) {
        var headers = headers
        switch error.kind {
        case .unauthorized:
            headers.append(("WWW-Authenticate", ErrorMapping.bearerChallenge))
        case .methodNotAllowed:
            // HEAD goes wherever GET does.
            let methods = error.allowedMethods.flatMap { $0 == "GET" ? ["GET", "HEAD"] : [$0] }
            if !methods.isEmpty { headers.append(("Allow", methods.joined(separator: ", "))) }
        case .serviceUnavailable:
            if !headers.contains(where: { $0.0 == "Retry-After" }) {
                headers.append(("Retry-After", String(ErrorMapping.unavailableRetryAfterSeconds)))
            }
        case .badRequest, .forbidden, .notFound, .notAcceptable, .conflict, .preconditionFailed, .payloadTooLarge,
            .unsupportedMediaType, .failedDependency, .tooManyRequests, .internalError, .notImplemented, .badGateway,
            .gatewayTimeout:
            break
        }
        self.init(status: ErrorMapping.httpStatus(error.kind), headers: headers, body: .error(error))
    }
}
