import Logging
import ODataCore
import Storage
import Testing

@testable import StatusGraphServer

/// What a client gets for each failure of a store: the one place errors become answers.
@Suite struct ErrorMappingTests {
    @Test(arguments: [
        (StorageError.Code.parentNotFound, 404, "ResourceNotFound"),
        (.conflict, 409, "Conflict"),
        (.unavailable, 503, "ServiceUnavailable"),
        (.contended, 503, "ServiceUnavailable"),
        (.internalError, 500, "InternalServerError"),
    ])
    func storageFailures(_ code: StorageError.Code, status: Int, graphCode: String) {
        let error = ErrorMapping.odataError(for: StorageError(code, "detail"), logger: Logger(label: "test"))
        #expect(ErrorMapping.httpStatus(error.kind) == status)
        #expect(error.code == graphCode)
        #expect(!error.message.contains("detail"), "what the store says is logged, not told")
    }

    /// A query the store cannot evaluate over its values is the client's to change: a 400 that says why.
    @Test func unevaluableQueries() {
        let error = ErrorMapping.odataError(
            for: StorageError(.unevaluable, "a number out of range (SQLSTATE 22003)"), logger: Logger(label: "test"))
        #expect(ErrorMapping.httpStatus(error.kind) == 400)
        #expect(error.code == "BadRequest")
        #expect(error.message == "The $filter or $orderby cannot be evaluated over the stored values: a number out of range (SQLSTATE 22003).")
    }

    /// A read stopped at the store's time limit: a 504, as Graph answers a request that took too long,
    /// saying what the limit is and what to change.
    @Test func timedOutQueries() {
        let error = ErrorMapping.odataError(
            for: StorageError(.timedOut, "it ran longer than 10 s, the longest a read may run here"), logger: Logger(label: "test"))
        #expect(ErrorMapping.httpStatus(error.kind) == 504)
        #expect(error.code == "GatewayTimeout")
        #expect(
            error.message
                == "The query did not finish in time: it ran longer than 10 s, the longest a read may run here. Narrow it (a $filter that selects fewer rows, a smaller $top) or retry later."
        )
    }

    /// The headers an error's kind calls for, the same on a direct answer and inside a `$batch` (both are
    /// built from this response).
    @Test(arguments: [
        (ODataError(.unauthorized, code: "InvalidAuthenticationToken", message: "m"), [("WWW-Authenticate", ErrorMapping.bearerChallenge)]),
        (ODataError(.serviceUnavailable, code: "ServiceUnavailable", message: "m"), [("Retry-After", "5")]),
        (.methodNotAllowed("PUT", path: "/p", allowed: ["GET", "POST"]), [("Allow", "GET, HEAD, POST")]),
        (.methodNotAllowed("PUT", path: "/p", allowed: []), []),
        (.badRequest("m"), []),
        (ODataError(.tooManyRequests, code: "TooManyRequests", message: "m"), []),
    ])
    func headersOfAnError(_ error: ODataError, headers: [(String, String)]) {
        let response = ServiceResponse(error: error)
        #expect(response.status == ErrorMapping.httpStatus(error.kind))
        #expect(response.headers.map { "\($0.0): \($0.1)" } == headers.map { "\($0.0): \($0.1)" })
    }

    /// Headers given with an error (a 429's computed wait) come first and are not doubled.
    @Test func givenHeadersComeFirst() {
        let response = ServiceResponse(error: ODataError(.tooManyRequests, code: "TooManyRequests", message: "m"), headers: [("Retry-After", "7")])
        #expect(response.status == 429)
        #expect(response.headers.map { "\($0.0): \($0.1)" } == ["Retry-After: 7"])
    }
}
