import HTTPTypes

/// CORS, as Graph answers browsers (single-page apps calling it with MSAL.js): any origin may call,
/// since access rests on the bearer token and never on cookies; a preflight is answered without a
/// token; and the headers Graph exposes to scripts are exposed here too.
enum CrossOrigin {
    /// Graph's `Access-Control-Expose-Headers`.
    static let exposedHeaders =
        "ETag, Location, Preference-Applied, Content-Range, request-id, client-request-id, ReadWriteConsistencyToken, SdkVersion, WWW-Authenticate, x-ms-client-gcc-tenant, Retry-After"

    /// Seconds a browser may keep a preflight's answer.
    static let maxAge = "3600"

    /// The answer to a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`), or nil
    /// for any other request: the method and headers asked for are allowed, so that the request itself
    /// goes out and gets its real answer (a 405 or a 401 in Graph's format rather than a blocked call).
    static func preflight(_ request: HTTPRequest) -> ServiceResponse? {
        guard request.method == .options, request.headerFields.first(.origin) != nil,
            let method = request.headerFields.first(.accessControlRequestMethod)
        else { return nil }
        var headers = [
            (HTTPField.Name.accessControlAllowMethods.rawName, method),
            (HTTPField.Name.accessControlMaxAge.rawName, maxAge),
        ]
        if let asked = request.headerFields.first(.accessControlRequestHeaders) {
            headers.append((HTTPField.Name.accessControlAllowHeaders.rawName, asked))
        }
        return ServiceResponse(status: 200, headers: headers)
    }
}
