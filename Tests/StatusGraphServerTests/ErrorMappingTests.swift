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
}
