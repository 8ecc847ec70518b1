/// An error answered to a client: a kind (which the HTTP layer maps to a status), a Graph error code,
/// a message for people, and the property or segment it concerns.
public struct ODataError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case badRequest, unauthorized, forbidden, notFound, methodNotAllowed, notAcceptable, conflict
        case preconditionFailed, payloadTooLarge, unsupportedMediaType, failedDependency, tooManyRequests
        case internalError, notImplemented, badGateway, serviceUnavailable, gatewayTimeout
    }

    public var kind: Kind
    public var code: String
    public var message: String
    public var target: String?
    /// For `methodNotAllowed`: the methods the resource takes (HTTP's `Allow`).
    public var allowedMethods: [String] = []

    public init(_ kind: Kind, code: String, message: String, target: String? = nil, allowedMethods: [String] = []) {
        self.kind = kind
        self.code = code
        self.message = message
        self.target = target
        self.allowedMethods = allowedMethods
    }

    public var description: String { "\(code): \(message)" }

    public static func badRequest(_ message: String, target: String? = nil) -> ODataError {
        ODataError(.badRequest, code: "BadRequest", message: message, target: target)
    }

    /// Graph's answer for a path segment it does not know.
    public static func segmentNotFound(_ segment: String) -> ODataError {
        .badRequest("Resource not found for the segment '\(segment)'.", target: segment)
    }

    public static func notFound(_ message: String) -> ODataError {
        ODataError(.notFound, code: "ResourceNotFound", message: message)
    }

    public static func methodNotAllowed(_ method: String, path: String, allowed: [String] = []) -> ODataError {
        ODataError(
            .methodNotAllowed, code: "Request_BadRequest",
            message: "Specified HTTP method is not allowed for the request target. \(method) is not supported on '\(path)'.",
            allowedMethods: allowed)
    }

    public static func invalidProperty(_ property: String, _ problem: String) -> ODataError {
        .badRequest("Invalid value for property '\(property)': \(problem)", target: property)
    }
}
