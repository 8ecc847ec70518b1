import ODataCore

/// A request to the OData service, as HTTP or a `$batch` part delivers it (a class: it travels through
/// every step of the pipeline, and a copy of its strings, body and identity at each would cost more).
public final class ServiceRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET", post = "POST", patch = "PATCH", put = "PUT", delete = "DELETE"
    }

    public let method: Method
    /// The service version (`v1.0`, `beta`).
    public let version: String
    /// The percent-encoded path after the version, e.g. `/deviceAppManagement/mobileApps`.
    public let path: Substring
    /// The percent-encoded query string without `?`, if any.
    public let query: Substring?
    /// The body, if any.
    public let body: [UInt8]
    /// The body already parsed, when it came that way (a `$batch` part's `body`, parsed with its batch).
    public let parsedBody: JSONValue?
    /// The `Content-Type` header, if any.
    public let contentType: String?
    /// The `Accept` header's values (joined by commas), if any: the formats the client takes.
    public let accept: String?
    /// The JSON format `accept` asks for.
    var jsonFormat: JSONFormat { accept.map(AcceptHeader.jsonFormat) ?? .standard }
    /// What the client's `Prefer` header asks for.
    public let preferences: Preferences
    /// Whether the client sent `Prefer: return=minimal`.
    public var preferMinimal: Bool { preferences.returnMinimal }
    /// `http(s)://host`, for `@odata.context`, `@odata.nextLink` and `Location`.
    public let baseURL: String
    /// Who the request acts for; its tenant scopes every row read or written.
    public let identity: Identity
    public var tenant: String { identity.tenant }

    public init(
        method: Method, version: String, path: Substring, query: Substring? = nil, body: [UInt8] = [],
        contentType: String? = nil, accept: String? = nil, preferences: Preferences = Preferences(), baseURL: String, identity: Identity,
        parsedBody: JSONValue? = nil
    ) {
        self.parsedBody = parsedBody
        self.method = method
        self.version = version
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.accept = accept
        self.preferences = preferences
        self.baseURL = baseURL
        self.identity = identity
    }
}

/// The service's answer, before the HTTP layer adds the headers every response carries.
public struct ServiceResponse: Sendable {
    public enum Body: Sendable {
        case empty
        /// JSON, as written (handed on without a copy into an array).
        case json(JSONWriter)
        case text(String)
        /// A document of the service's own, in its media type: CSDL (`$metadata`), OpenAPI (`$openapi`).
        case document(String, contentType: String)
        /// An error; the HTTP layer writes the Graph error body with its request ids.
        case error(ODataError)
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: Body
    /// The format a JSON body is written in, as its request asked (errors are always in the standard one).
    var format = JSONFormat.standard

    public init(status: Int, headers: [(String, String)] = [], body: Body = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Headers every answer carries, alone or as a `$batch` part, besides its own and its body's.
    static let commonHeaders = [("OData-Version", "4.0"), ("Cache-Control", "no-cache")]
}

extension ServiceResponse {
    /// The media type the body is sent in, alone or as a `$batch` part; nil when there is none.
    var contentType: String? {
        switch body {
        case .empty: nil
        case .json: format.contentType
        case .error: JSONFormat.standard.contentType
        case .text: "text/plain;charset=utf-8"
        case .document(_, let contentType): contentType
        }
    }
}
