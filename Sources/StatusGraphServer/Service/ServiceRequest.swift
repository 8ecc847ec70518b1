import ODataCore

/// A request to the OData service, as HTTP or a `$batch` part delivers it.
public struct ServiceRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET", post = "POST", patch = "PATCH", put = "PUT", delete = "DELETE"
    }

    public var method: Method
    /// The service version (`v1.0`, `beta`).
    public var version: String
    /// The percent-encoded path after the version, e.g. `/deviceAppManagement/mobileApps`.
    public var path: Substring
    /// The percent-encoded query string without `?`, if any.
    public var query: Substring?
    /// The body, if any.
    public var body: [UInt8]
    /// The body already parsed, when it came that way (a `$batch` part's `body`, parsed with its batch).
    public var parsedBody: JSONValue?
    /// The `Content-Type` header, if any.
    public var contentType: String?
    /// Whether the client sent `Prefer: return=minimal`.
    public var preferMinimal: Bool
    /// `http(s)://host`, for `@odata.context`, `@odata.nextLink` and `Location`.
    public var baseURL: String
    /// Who the request acts for; its tenant scopes every row read or written.
    public var identity: Identity
    public var tenant: String { identity.tenant }

    public init(
        method: Method, version: String, path: Substring, query: Substring? = nil, body: [UInt8] = [],
        contentType: String? = nil, preferMinimal: Bool = false, baseURL: String, identity: Identity
    ) {
        self.method = method
        self.version = version
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.preferMinimal = preferMinimal
        self.baseURL = baseURL
        self.identity = identity
    }
}

/// The service's answer, before the HTTP layer adds the headers every response carries.
public struct ServiceResponse: Sendable {
    public enum Body: Sendable {
        case empty
        case json([UInt8])
        case text(String)
        /// CSDL (`$metadata`).
        case xml(String)
        /// An error; the HTTP layer writes the Graph error body with its request ids.
        case error(ODataError)
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: Body

    public init(status: Int, headers: [(String, String)] = [], body: Body = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
